"""The notebooks' setup call and the tables they show."""

from __future__ import annotations

from pathlib import Path

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


# ---- the collection notebooks (05, 06) and the worked example ---------------------------------

DATA = SEED.parent
YIYANG = "益阳市总工会"


def test_setup_many_loads_the_folder_and_the_departments_newest_report() -> None:
    reports, report = notebook.setup_many(DATA, DEPARTMENT)
    assert (report.department, report.year) == (DEPARTMENT, 2022)
    assert len(reports.reports) == 10  # the seed and the nine reference workbooks
    assert notebook.collection_summary(reports, DEPARTMENT) == f"10 个工作簿；部门 {DEPARTMENT}，年度 2022"
    assert notebook.conversions_text(reports) == "没有需要换算的工作簿：都以万元填报。"


def test_setup_many_refuses_a_department_it_does_not_hold() -> None:
    with pytest.raises(PerfevalError, match="某区总工会"):
        notebook.setup_many(DATA, "某区总工会")


def test_peer_departments_are_the_pattern_and_the_department_itself() -> None:
    reports, _ = notebook.setup_many(DATA, DEPARTMENT, charts=False)
    peers = notebook.peer_departments(reports, "中江县水利局", "总工会")
    assert peers[0] == "中江县水利局" and len(peers) == 6  # 黄埔, 通州, 益阳, 梁平, 荣昌 and the department
    assert all("总工会" in p for p in peers[1:])


def test_year_sentences_say_whether_a_trend_can_be_read() -> None:
    reports, _ = notebook.setup_many(DATA, DEPARTMENT, charts=False)
    assert notebook.years_sentence(reports, DEPARTMENT).startswith(f"{DEPARTMENT} 目前只有 2022 年一个年度的工作簿")
    assert notebook.years_sentence(reports, YIYANG) == f"{YIYANG}：2021–2022 年，共 2 个年度。"
    assert notebook.indicator_sentence(reports, DEPARTMENT).startswith("没有在两个以上年度都出现的指标")


def test_next_year_preview_adds_a_blank_year_and_never_a_zero(tmp_path: Path) -> None:
    """The 2023 template is written into tmp_path (not beside the data) and its year is blank."""
    from perfeval_utils.analyse.series import execution_by_year, indicator_trend

    reports, report = notebook.setup_many(DATA, DEPARTMENT, charts=False)
    preview = notebook.next_year_preview(reports, report, tmp_path)
    assert (tmp_path / "2023.xlsx").exists() and not (DATA / "2023.xlsx").exists()
    by_year = execution_by_year(preview, DEPARTMENT)
    assert by_year["year"].tolist() == [2022, 2023]
    assert by_year.iloc[1][["budget", "executed", "rate"]].tolist() == [None, None, None]
    trend = indicator_trend(preview, DEPARTMENT)
    # 2022: the seed's 10 indicators in 11 parts (宣传报道 has two); 2023: 10, one part each, since
    # a blank 实现值 cannot be split into parts yet.
    assert trend.groupby("year").size().to_dict() == {2022: 11, 2023: 10}
    assert trend.loc[trend["year"] == 2023, "actual_text"].isna().all()


def test_departments_with_two_years_are_the_four_peer_unions() -> None:
    """益阳 prints 2021 beside 2022; 通州, 荣昌 and 梁平 state a change on the prior year."""
    from perfeval_utils.analyse import series

    reports, _ = notebook.setup_many(DATA, DEPARTMENT, charts=False)
    unions = series.departments_with_series(reports, "总工会")
    assert unions == ["北京市通州区总工会", YIYANG, "重庆市梁平区总工会", "重庆市荣昌区总工会本级"]
    totals = series.total_series(reports, unions)
    yiyang = totals[totals["department"] == YIYANG]
    assert [str(v) for v in yiyang["value"]] == ["1274.38", "1342.49"]
    assert yiyang["basis"].tolist() == ["prior-year column of the 2022 report", "stated"]
    assert len(totals) == 8


def test_lines_by_year_puts_each_line_of_two_years_on_one_row() -> None:
    """益阳's 劳模专项补助资金: 172.8 in 2021 (上年执行数), 173.3 budget and 173.3 executed in 2022."""
    from perfeval_utils.analyse import series

    reports, _ = notebook.setup_many(DATA, DEPARTMENT, charts=False)
    table = series.lines_by_year(reports, [YIYANG])
    assert list(table.columns) == ["department", "dimension", "item", "2021 执行数", "2022 预算数", "2022 执行数"]
    row = table.set_index("item").loc["劳模专项补助资金"]
    assert [str(row[c]) for c in ("2021 执行数", "2022 预算数", "2022 执行数")] == ["172.8", "173.3", "173.3"]
    assert len(table) == 8 and table["department"].eq(YIYANG).all()


def test_meta_table_marks_what_is_not_stated() -> None:
    table = notebook.meta_table(notebook.setup(SEED)).set_index("字段")
    assert table.loc["报告日期", "值"] in ("—",) or table.loc["报告日期", "值"][:4].isdigit()
    assert not table["值"].isin(["None", "nan", ""]).any()


def test_inline_figures_setting_is_a_no_op_outside_ipython() -> None:
    """Outside a kernel there is no inline backend to configure; setup with charts must still work."""
    report = notebook.setup(SEED, charts=True)
    assert report.year == 2022
    assert notebook.INLINE_FIGURE_KWARGS["metadata"] == {"Software": None}


def test_conversions_text_names_each_converted_workbook(tmp_path: Path) -> None:
    """A workbook in 元 is converted to 万元 (× 0.0001) and the sentence says which one."""
    from perfeval_utils import load_reports
    from tests.builders import valid_sheets, write_workbook

    sheets = valid_sheets()
    sheets["基本信息"] = [row if row[0] != "金额单位" else ["金额单位", "元", row[2]] for row in sheets["基本信息"]]
    write_workbook(tmp_path / "yuan.xlsx", sheets)
    text = notebook.conversions_text(load_reports([tmp_path / "yuan.xlsx"], progress=False))
    assert text.split("\n")[0] == "换算为万元的工作簿："
    assert text.split("\n")[1].startswith("yuan.xlsx（") and "元 → 万元，× 0.0001" in text


def test_heading_names_department_year_and_unit() -> None:
    assert notebook.heading(notebook.setup(SEED)) == f"{DEPARTMENT}，2022 年度，金额单位 万元"
