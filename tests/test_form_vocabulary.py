"""The words real forms print (issue #13.1) and one Excel-number rule for both readers (issue #12).

Each form is a few rows written with openpyxl (tests/form_builders.write_rows), so the case is
visible in the test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from perfeval_utils.analyse.scoring import Rubric, form_category_points, score
from perfeval_utils.errors import MetaError
from perfeval_utils.read.form import load_form
from perfeval_utils.read.form.labels import form_category, label_key
from perfeval_utils.read.workbook import load_report

from .builders import valid_sheets, write_workbook
from .form_builders import minimal_rows, write_rows

KPI_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"]


def form(head: list[list[object]], kpi_rows: list[list[object]]) -> list[list[object]]:
    return [*head, ["项目资金", None, "全年预算数", "全年执行数", "执行率"],
            [None, "年度资金总额", 100, 90, "90%"], [], KPI_HEADER, *kpi_rows]


TITLE = ["项目支出绩效自评表（2023年度）"]
UNIT = [None, None, None, "金额单位：万元"]
ONE = [["产出", "数量", "培训次数", "4次", "4次", 50, 50, None]]


@pytest.mark.parametrize(("printed", "category"), [
    ("项目决策", "决策"), ("项目管理", "过程"), ("项目产出", "产出"), ("项目效益", "效益"), ("决策指标", "决策"),
    ("过程", "过程"), ("成本指标", "成本"), ("满意度指标", "满意度"), ("产出 指 标", "产出"), ("项目产出指标", "产出"),
])
def test_first_level_words_of_both_frameworks_are_read(printed: str, category: str) -> None:
    assert form_category(printed) == (category, None)


def test_a_category_cell_with_points_gives_the_points() -> None:
    assert form_category("产出指标（50分）") == ("产出", Decimal(50))
    assert form_category("项目") == (None, None)
    assert form_category("其他") == (None, None)


def test_a_decision_process_output_benefit_form_loads_every_indicator(tmp_path: Path) -> None:
    """The form that loaded no indicators at all in issue #13: four rows, four categories, nothing unplaced."""
    rows = form([TITLE, ["主管部门", "测试局", None, "金额单位：万元"]], [
        ["项目决策", "项目立项", "立项依据充分性", "充分", "充分", 5, 5, None],
        ["项目管理", "资金管理", "资金到位率", "100%", "100%", 5, 5, None],
        ["项目产出", "数量指标", "培训次数", "4次", "4次", 50, 50, None],
        ["项目效益", "社会效益", "群众知晓率", "≥90%", "95%", 30, 30, None],
    ])
    result = load_form(write_rows(tmp_path / "four.xlsx", rows))
    assert list(result.report.kpis["category"]) == ["决策", "过程", "产出", "效益"]
    assert result.unplaced.empty


@pytest.mark.parametrize("label", ["主管部门及代码", "主 管 部 门", "单位名称（盖章）", "部门(单位)名称", "预算部门",
                                   "填报单位（公章）", "部门（单位）名称："])
def test_department_labels_as_real_forms_write_them(tmp_path: Path, label: str) -> None:
    rows = form([TITLE, [label, "测试局", None, "金额单位：万元"]], ONE)
    result = load_form(write_rows(tmp_path / "f.xlsx", rows))
    assert result.report.department == "测试局"
    assert result.unplaced.empty


def test_label_key_drops_what_forms_add() -> None:
    assert label_key("主管部门及代码：") == "主管部门"
    assert label_key("单位名称（盖章）") == "单位名称"
    assert label_key("部 门（单位）名称") == "部门(单位)名称"


def test_a_code_beside_the_department_is_kept_apart(tmp_path: Path) -> None:
    rows = form([TITLE, ["主管部门及代码", "[301001]测试局", None, "金额单位：万元"]],
                [["产出", "数量", "培训次数", "4次", "4次", 50, 50, None]])
    report = load_form(write_rows(tmp_path / "code.xlsx", rows)).report
    assert report.department == "测试局"
    assert report.meta["部门代码"] == "301001"


def test_a_code_joined_by_a_dash_is_kept_apart_after_plain_labels_too(tmp_path: Path) -> None:
    """As a real 安徽 form prints them: 主管部门 219-…人民政府, 实施单位 219001-…人民政府."""
    rows = form([TITLE, ["主管部门", "219-池州市贵池区棠溪镇人民政府", "实施单位", "219001-池州市贵池区棠溪镇人民政府"],
                 UNIT], ONE)
    report = load_form(write_rows(tmp_path / "dash.xlsx", rows)).report
    assert report.department == "池州市贵池区棠溪镇人民政府"
    assert (report.meta["部门代码"], report.meta["实施单位代码"]) == ("219", "219001")
    assert report.meta["实施单位"] == "池州市贵池区棠溪镇人民政府"


def test_a_colon_cell_with_the_label_decorated_is_read(tmp_path: Path) -> None:
    rows = form([TITLE, ["主管部门及代码：301001 测试局", None, None, "金额单位：万元"]],
                [["产出", "数量", "培训次数", "4次", "4次", 50, 50, None]])
    report = load_form(write_rows(tmp_path / "colon.xlsx", rows)).report
    assert (report.department, report.meta["部门代码"]) == ("测试局", "301001")


def test_only_an_implementing_body_names_the_department_with_a_warning(tmp_path: Path) -> None:
    rows = form([TITLE, ["实施单位", "测试中心", None, "金额单位：万元"]], ONE)
    report = load_form(write_rows(tmp_path / "impl.xlsx", rows)).report
    assert report.department == "测试中心"
    assert [w.code for w in report.warnings] == ["department-from-implementer"]
    assert "实施单位" in report.warnings[0].message


def test_department_and_year_given_by_the_caller_fill_what_the_form_leaves_out(tmp_path: Path) -> None:
    rows = form([["项目支出绩效自评表"], UNIT], [["产出", "数量", "培训次数", "4次", "4次", 50, 50, None]])
    path = write_rows(tmp_path / "bare.xlsx", rows)
    with pytest.raises(MetaError, match="department="):
        load_form(path)
    report = load_form(path, department="测试局", year=2023).report
    assert (report.department, report.year) == ("测试局", 2023)
    assert report.meta_sources["department"] == "load_form(department=…)"


def test_a_given_year_that_contradicts_the_form_is_an_error(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "f.xlsx", minimal_rows())
    with pytest.raises(MetaError, match="states 年度 2023"):
        load_form(path, year=2022)


def test_scoring_takes_category_points_from_the_form(tmp_path: Path) -> None:
    """产出 stated as 60 points (one indicator, no 分值 column): it weighs 60, not the rubric's 50.

    With 产出 60, 效益 30, 满意度 10 and the execution line 10, the indicator met in full scores 60.
    """
    rows = [TITLE, ["主管部门", "测试局", None, "金额单位：万元"],
            ["项目资金", None, "全年预算数", "全年执行数", "执行率"], [None, "年度资金总额", 100, 100, "100%"], [],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
            ["产出指标（60分）", "数量指标", "培训次数", "4次", "4次"]]
    report = load_form(write_rows(tmp_path / "points.xlsx", rows)).report
    assert form_category_points(report) == {"产出": Decimal(60)}
    result = score(report, Rubric())
    line = result.table[result.table["category"] == "产出"].iloc[0]
    assert line["weight"] == Decimal("60.0000")


# ---- one Excel-number rule --------------------------------------------------------------------------

ARTEFACTS = (0.1 + 0.2, 1415.4300000000001, 1390.69, 46.2)


def test_load_report_and_load_form_read_the_same_cells_as_the_same_decimals(tmp_path: Path) -> None:
    """0.1+0.2 is stored as 0.30000000000000004: both readers show it as Excel does, 0.3."""
    sheets = valid_sheets()
    sheets["预算"][1][2:4] = [ARTEFACTS[1], ARTEFACTS[0]]
    sheets["预算"][2][3] = ARTEFACTS[2]
    sheets["预算"][3][3] = ARTEFACTS[3]
    report = load_report(write_workbook(tmp_path / "v1.xlsx", sheets))
    rows = [TITLE, ["主管部门", "测试区总工会", None, "金额单位：万元"],
            ["项目资金", None, "全年预算数", "全年执行数"],
            [None, "年度资金总额", ARTEFACTS[1], ARTEFACTS[0]],
            [None, "其中：一般公共预算财政拨款", None, ARTEFACTS[2]],
            [None, "基本支出", None, ARTEFACTS[3]], [],
            KPI_HEADER, ["产出", "数量", "培训次数", "4次", "4次", 50, 50, None]]
    formed = load_form(write_rows(tmp_path / "form.xlsx", rows)).report
    read_v1 = [(v.budget, v.executed) for v in report.budget.itertuples()]
    read_form = [(v.budget, v.executed) for v in formed.budget.itertuples()]
    assert read_v1 == read_form == [(Decimal("1415.43"), Decimal("0.3")), (None, Decimal("1390.69")),
                                    (None, Decimal("46.2"))]


def test_an_xls_rate_without_its_format_is_not_guessed() -> None:
    """calamine gives 1 for a cell shown as 100 %: the rate is left blank and the cell listed, never read as 1 %."""
    from perfeval_utils.read.form.grid import Grid
    from perfeval_utils.read.form.records import FormReader

    grid = Grid("自评表", {(1, 1): 1.0, (1, 2): 0.98})
    grid.formats_known = False
    reader = FormReader(grid, Path("form.xls"))
    assert reader.number(1, 1, what="执行率", rate=True) is None
    assert reader.number(1, 2, what="执行数") == Decimal("0.98")
    assert [u[0] for u in reader.unplaced] == ["自评表!A1"]
    assert "not guessed" in reader.unplaced[0][2]


def test_a_basic_table_line_with_figures_over_its_numbered_items_heads_them(tmp_path: Path) -> None:
    """Hunan's 基础数据表 prints 三公经费 with its own figures (the subtotal) over 1、公务用车… and 2、公务接待:
    the line is their heading (维度 三公经费, as is its own), while a line of figures followed by another plain
    line (a special fund below 项目支出) is not."""
    rows = [["2018年度部门整体支出绩效评价基础数据表"], ["填报单位：测试局", None, None, "单位：万元"],
            ["经费控制情况", "2017年决算数", "2018年预算数", "2018年决算数"],
            ["部门整体支出", 100, 120, 110],
            ["三公经费", 29.08, 63.46, 44.29],
            ["1、公务用车购置和维护经费", 11.86, 41.46, 39.3],
            ["其中：公车购置", None, 29.46, 29.46],
            ["2、公务接待", 17.22, 22, 4.99],
            ["二、项目支出", 50, 60, 55],
            ["春节慰问资金", 30, 30, 30],
            ["劳模补助资金", 20, 30, 25]]
    budget = load_form(write_rows(tmp_path / "基础数据表.xlsx", rows)).report.budget
    assert list(zip(budget["dimension"], budget["item"], strict=True)) == [
        ("合计", "部门整体支出"), ("三公经费", "三公经费"), ("三公经费", "公务用车购置和维护经费"),
        ("三公经费", "公车购置"), ("三公经费", "公务接待"), ("支出性质", "项目支出"), ("项目支出", "春节慰问资金"),
        ("项目支出", "劳模补助资金")]
    assert budget["prior_executed"].iloc[1] == Decimal("29.08")
