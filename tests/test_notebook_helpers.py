"""The notebooks' setup call and the tables they show."""

from __future__ import annotations

import pytest

from perfeval_utils import PerfevalError
from perfeval_utils.present import notebook
from tests.conftest import SEED

DEPARTMENT = "广州市黄埔区总工会（广州开发区总工会）"


def test_setup_accepts_the_expected_workbook() -> None:
    report = notebook.setup(SEED, DEPARTMENT, 2022)
    assert (report.department, report.year) == (DEPARTMENT, 2022)


def test_setup_accepts_any_workbook_without_expectations() -> None:
    assert notebook.setup(SEED).year == 2022


@pytest.mark.parametrize(("department", "year", "needle"), [
    ("某区总工会", 2022, "expects '某区总工会'"),
    (DEPARTMENT, 2023, "expects 2023"),
])
def test_setup_refuses_another_department_or_year(department: str, year: int, needle: str) -> None:
    with pytest.raises(notebook.ParameterMismatchError) as caught:
        notebook.setup(SEED, department, year)
    assert isinstance(caught.value, PerfevalError)
    assert needle in str(caught.value) and "huangpu-zonggonghui-2022.xlsx" in str(caught.value)


def test_key_figures_text() -> None:
    text = notebook.key_figures(notebook.setup(SEED))
    assert text.split("\n") == [
        "部门 广州市黄埔区总工会（广州开发区总工会），2022 年度，报告类型 部门整体支出",
        "预算数 1415.43 万元；执行数 1390.69 万元；报告执行率 98.25%",
        "指标 10 个（完成情况：已完成 8, 未完成 2）；任务 2 个；文中数据 67 项",
        "自评得分 98.39",
    ]


def test_meta_table_has_sources() -> None:
    table = notebook.meta_table(notebook.setup(SEED)).set_index("字段")
    assert table.loc["自评得分", "值"] == "98.39"
    assert table.loc["自评得分", "出处"] == "二（一）自评结论综述 第49行"
    assert table.loc["年末结转结余", "值"] == "3.23"


def test_package_import_is_light_and_submodules_stay_modules() -> None:
    import subprocess
    import sys

    code = ("import sys, perfeval_utils; from perfeval_utils.check import reconcile, flags; "
            "print(type(reconcile).__name__, 'matplotlib' in sys.modules, 'openpyxl' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["module", "False", "False"]
