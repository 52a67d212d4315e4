"""load_form on the official self-evaluation forms, built with openpyxl from ../shared/reference/*.json.

Five layouts (national, Sichuan, Chongqing, a 部门整体支出 form, a 基础数据表) are written by
tests/form_builders.py, each recording every figure it wrote with its cell; every figure must come
back equal to the JSON figure, from that cell. Small synthetic forms cover the edge cases.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from perfeval_utils import schema
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.check.reconcile import reconcile
from perfeval_utils.errors import MetaError, MissingSheetError, NotAWorkbookError, TotalRowError, WorkbookError
from perfeval_utils.read.form import AmountUnitError, FormResult, load_form

from .form_builders import BUILDERS, REFERENCE, SHEET, BuiltForm, minimal_rows, write_rows

MISSING = f"the reference JSONs are not beside the repository ({REFERENCE} has no *.json)"
needs_reference = pytest.mark.skipif(not any(REFERENCE.glob("*.json")), reason=MISSING)

#: Figures each built form holds (all recovered; docs/forms.md quotes these numbers).
FIGURES = {"national": 92, "sichuan": 76, "chongqing": 86, "department": 47, "basic": 34}
KPI_LAYOUTS = ("national", "sichuan", "chongqing", "department")


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[BuiltForm, FormResult]]:
    if not any(REFERENCE.glob("*.json")):
        pytest.skip(MISSING)
    folder = tmp_path_factory.mktemp("forms")
    out = {}
    for layout, build in BUILDERS.items():
        built = build(folder / f"{layout}.xlsx")
        out[layout] = (built, load_form(built.path))
    return out


def dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def cell_of(result: FormResult, frame: str, key: str, column: str) -> tuple[Any, str]:
    rows = result.cells[(result.cells["frame"] == frame) & (result.cells["key"] == key)
                        & (result.cells["column"] == column)]
    assert len(rows) == 1, (frame, key, column, rows)
    return rows.iloc[0]["value"], rows.iloc[0]["cell"]


# ---- every figure, from its cell -------------------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize("layout", list(BUILDERS))
def test_every_figure_is_recovered_from_its_cell(forms: dict, layout: str) -> None:
    built, result = forms[layout]
    loaded = {(f, k, c): (v, cell) for f, k, c, v, cell in result.cells.itertuples(index=False)}
    recovered = [fig for fig in built.figures
                 if loaded.get((fig.frame, fig.key, fig.column)) == (fig.expected, fig.cell)]
    missing = [(fig, loaded.get((fig.frame, fig.key, fig.column))) for fig in built.figures if fig not in recovered]
    assert not missing
    assert len(recovered) == len(built.figures) == FIGURES[layout]


@needs_reference
@pytest.mark.parametrize("layout", KPI_LAYOUTS)
def test_indicators_equal_the_json(forms: dict, layout: str) -> None:
    built, result = forms[layout]
    kpis = result.report.kpis
    expected = built.source["kpis"]
    assert len(kpis) == len(expected)
    assert list(kpis["indicator_id"]) == [str(n) for n in range(1, len(expected) + 1)]
    assert set(kpis["scope"]) == {schema.DEPARTMENT_SCOPE}
    for row, kpi in zip(kpis.itertuples(index=False), expected, strict=True):
        assert row.category == schema.normalise_category(kpi["category"])
        assert row.subcategory == kpi["level2"]
        assert row.name == kpi["name"]
        assert row.target_text == kpi["target_text"]
        assert row.actual_text == kpi["actual_text"]
        assert row.weight == dec(kpi["weight"])
        assert row.score == dec(kpi["score"])
        assert (None if pd.isna(row.reason) else row.reason) == kpi["deviation_reason"]


@needs_reference
@pytest.mark.parametrize("layout", KPI_LAYOUTS)
def test_budget_and_meta_equal_the_json(forms: dict, layout: str) -> None:
    built, result = forms[layout]
    data, report = built.source, result.report
    money = data["budget"]
    total = report.budget[report.budget["dimension"] == schema.TOTAL].iloc[0]
    assert total["budget"] == dec(money["annual_budget"])
    assert total["executed"] == dec(money["executed"])
    assert total["stated_rate"] == dec(money["execution_rate_stated"])
    assert report.meta["execution_weight"] == dec(money.get("execution_weight"))
    assert report.meta["execution_score"] == dec(money.get("execution_score"))
    assert report.meta["self_score"] == dec(data["self_score_stated"])
    assert report.year == data["year"]
    assert report.amount_unit == money["unit"]
    assert report.meta["report_kind"] == data["report_kind"]
    assert data["department"].startswith(report.department)
    if "project_name" in data and layout != "department":
        assert report.meta["项目名称"] == data["project_name"]
    lines = report.budget[report.budget["dimension"] != schema.TOTAL]
    if layout == "department":
        assert list(lines["item"]) == ["基本支出", "项目支出"]
        assert list(lines["dimension"]) == ["支出性质", "支出性质"]
        assert list(lines["budget"]) == [dec(money["basic_expenditure"]), dec(money["project_expenditure"])]
    else:
        sources = {k: v for k, v in money["by_source"].items() if v}
        assert list(lines["item"]) == list(sources)
        assert set(lines["dimension"]) == {"资金来源"}
        for line, fund in zip(lines.itertuples(index=False), sources.values(), strict=True):
            assert (line.budget, line.executed) == (dec(fund["全年预算数"]), dec(fund["全年执行数"]))


@needs_reference
def test_basic_data_table_equals_the_json(forms: dict) -> None:
    built, result = forms["basic"]
    data, report = built.source, result.report
    money = data["budget"]
    budget = report.budget.set_index("item")
    pairs = {"部门整体支出": "total", "基本支出": "basic", "公用经费": "public_funds", "项目支出": "project"}
    for item, key in pairs.items():
        line = budget.loc[item]
        assert line["prior_executed"] == dec(money["previous_year_final"][key])
        assert line["budget"] == dec(money["current_year_budget"][key])
        assert line["executed"] == dec(money["current_year_final"][key])
    assert budget.loc["部门整体支出", "dimension"] == schema.TOTAL
    assert budget.loc["基本支出", "dimension"] == budget.loc["项目支出", "dimension"] == "支出性质"
    assert budget.loc["公务用车购置和维护经费", "dimension"] == "三公经费"
    car = money["three_public_expenses"]["vehicle_purchase_and_maintenance"]
    assert budget.loc["公务用车购置和维护经费", ["prior_executed", "budget", "executed"]].tolist() == [
        dec(car["2021_final"]), dec(car["2022_budget"]), dec(car["2022_final"])]
    for task in data["tasks"]:
        line = budget.loc[task["name"]]
        assert line["dimension"] == "项目支出"
        assert [line["prior_executed"], line["budget"], line["executed"]] == [
            dec(task["amount_2021_final"]), dec(task["amount_2022_budget"]), dec(task["amount_2022_final"])]
    assert "出国经费" not in budget.index  # printed ——: a template line, not a figure
    claims = report.claims.set_index("item")
    assert claims.loc["编制数", "value"] == dec(money["staffing"]["authorized_posts"])
    assert claims.loc["控制率", ["value", "unit"]].tolist() == [Decimal("100"), "%"]
    assert report.department == data["department"] and report.year == data["year"]
    assert report.meta["report_kind"] == "部门整体支出"
    assert report.kpis.empty


# ---- 出处 -------------------------------------------------------------------------------------------------


@needs_reference
def test_sources_name_the_cells(forms: dict) -> None:
    _, national = forms["national"]
    kpis = national.report.kpis
    assert kpis.loc[0, "source"] == f"{SHEET}!D12"
    assert cell_of(national, "kpis", "1", "target_text") == ("100%", f"{SHEET}!E12")
    assert cell_of(national, "kpis", "12", "actual_text") == ("100%", f"{SHEET}!F26")
    assert national.report.budget.loc[0, "source"] == f"{SHEET}!B6"
    assert cell_of(national, "budget", "年度资金总额", "budget") == (Decimal("194.9"), f"{SHEET}!D6")
    assert national.report.meta_sources["year"] == f"{SHEET}!A2"
    assert national.report.meta_sources["amount_unit"] == f"{SHEET}!A5"
    _, chongqing = forms["chongqing"]
    assert cell_of(chongqing, "kpis", "3", "coefficient") == (Decimal(1), f"{SHEET}!G14")
    assert cell_of(chongqing, "claims", "分值合计", "value")[1] == f"{SHEET}!H22"
    _, basic = forms["basic"]
    assert cell_of(basic, "budget", "劳模专项补助资金", "prior_executed") == (Decimal("172.8"), "基础数据表!B18")


@needs_reference
def test_merged_first_level_is_filled_down_with_its_cell(forms: dict) -> None:
    _, national = forms["national"]
    output = national.report.kpis.iloc[:9]
    assert set(output["category"]) == {"产出"}
    assert {cell_of(national, "kpis", key, "category")[1] for key in output["indicator_id"]} == {f"{SHEET}!B12"}
    # after the page break the original prints 效益指标 again: the rows take that cell
    assert cell_of(national, "kpis", "12", "category") == ("效益", f"{SHEET}!B26")
    assert cell_of(national, "kpis", "2", "subcategory") == ("数量指标", f"{SHEET}!C12")
    _, chongqing = forms["chongqing"]  # written once, blank below (no merge): filled down all the same
    assert cell_of(chongqing, "kpis", "5", "category") == ("产出", f"{SHEET}!A12")


# ---- what is not an indicator -----------------------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize("layout", list(BUILDERS))
def test_unplaceable_cells_are_reported_with_their_address(forms: dict, layout: str) -> None:
    built, result = forms[layout]
    reported = dict(zip(result.unplaced["cell"], result.unplaced["value"], strict=True))
    assert reported == built.stray
    assert list(result.unplaced.columns) == ["cell", "value", "reason"]
    for reason in result.unplaced["reason"]:
        assert "no recognised header" in reason


@needs_reference
@pytest.mark.parametrize("layout", KPI_LAYOUTS)
def test_repeated_headers_and_total_rows_are_not_indicators(forms: dict, layout: str) -> None:
    built, result = forms[layout]
    kpis = result.report.kpis
    assert built.skipped_rows
    assert not set(kpis["excel_row"]) & set(built.skipped_rows)
    assert not set(kpis["name"]) & {"三级指标", "一级指标", "合计", "总分", "……"}
    assert len(kpis) == len(built.source["kpis"])


@needs_reference
def test_page_break_header_is_skipped(forms: dict) -> None:
    built, result = forms["national"]
    assert built.skipped_rows == [24, 25]
    assert list(result.report.kpis["excel_row"]) == [*range(12, 23), *range(26, 31)]


@needs_reference
def test_total_rows_are_kept_as_claims(forms: dict) -> None:
    built, chongqing = forms["chongqing"]
    claims = chongqing.report.claims.set_index("item")
    assert claims.loc["分值合计", "value"] == sum(dec(k["weight"]) for k in built.source["kpis"])
    assert claims.loc["得分合计", "value"] == sum(dec(k["score"]) for k in built.source["kpis"])
    assert claims.loc["分值合计", "unit"] == "分"
    _, sichuan = forms["sichuan"]
    assert sichuan.report.meta["self_score"] == Decimal(100)
    assert sichuan.report.meta_sources["self_score"] == f"{SHEET}!I20"


@needs_reference
def test_chongqing_coefficient_times_weight_is_score(forms: dict) -> None:
    _, result = forms["chongqing"]
    kpis = result.report.kpis
    assert {"coefficient", "core"} <= set(kpis.columns)
    assert list(kpis.columns)[-1] == "excel_row"
    for row in kpis.itertuples(index=False):
        assert row.coefficient * row.weight == row.score


@needs_reference
def test_sichuan_target_combines_nature_value_and_unit(forms: dict) -> None:
    _, result = forms["sichuan"]
    kpis = result.report.kpis.set_index("name")
    assert kpis.loc["安装坡面水标尺", ["nature", "measure_unit", "target_text"]].tolist() == ["≥", "米", "≥266米"]
    assert kpis.loc["项目(工程)验收合格率", ["nature", "target_text", "actual_text"]].tolist() == ["=", "100%", "100%"]
    assert kpis.loc["群众生产生活条件改善状况", "target_text"] == "显著提升"
    assert result.report.budget.loc[0, "stated_rate"] == Decimal("100.00")  # 1 formatted 0.00%


# ---- the Report is a standard Report ----------------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize("layout", list(BUILDERS))
def test_checks_run_on_every_loaded_form(forms: dict, layout: str) -> None:
    _, result = forms[layout]
    report = result.report
    for sheet, frame in ((schema.BUDGET, report.budget), (schema.KPIS, report.kpis), (schema.CLAIMS, report.claims),
                         (schema.TASKS, report.tasks), (schema.RULES, report.rules)):
        assert [c for c in frame.columns if c in {*sheet.names, "excel_row"}] == [*sheet.names, "excel_row"]
        assert frame["excel_row"].dtype == "int64"
    parts = indicators(report)
    assert len(parts) >= len(report.kpis)
    checks = reconcile(report)
    assert isinstance(checks, pd.DataFrame)
    if layout in ("national", "department", "basic"):
        assert not checks["ok"].eq(False).any()


@needs_reference
def test_zhongjiang_scores_add_up_to_110_and_reconcile_says_so(forms: dict) -> None:
    """The 中江 report gives nine indicators 100 points and the budget line 10 more: a real error."""
    _, result = forms["sichuan"]
    failed = reconcile(result.report).query("ok == False")
    assert failed["finding"].str.contains("110").all() and len(failed) == 2


# ---- synthetic edge cases ---------------------------------------------------------------------------------


def test_chongqing_adjusted_target_coefficient_and_core(tmp_path: Path) -> None:
    rows = [
        *minimal_rows()[:5],
        ["一级指标", "二级指标", "三级指标", "年初指标值", "调整指标值", "全年完成值", "得分系数", "指标权重",
         "指标得分", "是否核心指标"],
        ["产出指标", "数量指标", "培训次数", "4次", "5次", "4次", 0.8, 10, 8, "是"],
        [None, "质量指标", "合格率", "100%", None, "100%", 1, 10, 10, "否"],
    ]
    result = load_form(write_rows(tmp_path / "cq.xlsx", rows))
    kpis = result.report.kpis
    assert kpis["target_text"].tolist() == ["5次", "100%"]
    assert kpis["initial_target_text"].tolist() == ["4次", "100%"]
    assert kpis["core"].tolist() == ["是", "否"]
    assert kpis["category"].tolist() == ["产出", "产出"]
    for row in kpis.itertuples(index=False):
        assert row.coefficient * row.weight == row.score
    assert kpis.loc[0, "coefficient"] == Decimal("0.8")


def test_amount_unit_required_when_the_form_states_none(tmp_path: Path) -> None:
    rows = minimal_rows()
    rows[1] = ["主管部门", "测试局"]
    path = write_rows(tmp_path / "nounit.xlsx", rows)
    with pytest.raises(AmountUnitError, match="amount_unit=") as caught:
        load_form(path)
    assert isinstance(caught.value, WorkbookError)
    assert load_form(path, amount_unit="万元").report.amount_unit == "万元"
    stated = write_rows(tmp_path / "unit.xlsx", minimal_rows())
    with pytest.raises(AmountUnitError, match="states 万元"):
        load_form(stated, amount_unit="元")


def test_not_a_workbook(tmp_path: Path) -> None:
    old = tmp_path / "form.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 then no OLE2 directory at all")
    with pytest.raises(NotAWorkbookError, match="cannot be read"):
        load_form(old)
    text = tmp_path / "form.et"
    text.write_bytes(b"plain text, not a spreadsheet")
    with pytest.raises(NotAWorkbookError, match="not a spreadsheet form"):
        load_form(text)
    broken = tmp_path / "form.xlsx"
    broken.write_bytes(b"this is no zip archive")
    with pytest.raises(NotAWorkbookError, match=r"not an \.xlsx"):
        load_form(broken)
    with pytest.raises(NotAWorkbookError, match="not found"):
        load_form(tmp_path / "absent.xlsx")


def test_sheet_choice(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "two.xlsx", minimal_rows(), title="附件2", extra_sheets={"说明": [["填表说明"]]})
    assert load_form(path).report.kpis["name"].tolist() == ["培训次数"]
    assert load_form(path, "附件2").report.year == 2023
    with pytest.raises(MissingSheetError, match="no sheet named"):
        load_form(path, "自评表")
    with pytest.raises(MissingSheetError, match="holds no self-evaluation form"):
        load_form(path, "说明")


def test_text_in_a_number_column_is_unplaced(tmp_path: Path) -> None:
    rows = minimal_rows()
    rows[6][6] = "满分"
    result = load_form(write_rows(tmp_path / "text.xlsx", rows))
    assert result.report.kpis.loc[0, "score"] is None
    row = result.unplaced.iloc[0]
    assert (row["cell"], row["value"]) == (f"{SHEET}!G7", "满分")
    assert "text where a number belongs" in row["reason"]


def test_unknown_first_level_row_is_unplaced_not_dropped(tmp_path: Path) -> None:
    rows = [*minimal_rows(), ["社会影响", "数量指标", "宣传次数", "2次", "2次", 10, 10]]
    result = load_form(write_rows(tmp_path / "cat.xlsx", rows))
    assert result.report.kpis["name"].tolist() == ["培训次数"]
    assert set(result.unplaced["cell"]) == {f"{SHEET}!{c}8" for c in "ABCDEFG"}
    assert result.unplaced["reason"].str.contains("一级指标").all()


def test_cell_values_read_as_excel_shows_them(tmp_path: Path) -> None:
    rows = [*minimal_rows(), ["效益指标", "社会效益指标", "覆盖率", 0.95, 0.95, 10, 10],
            [None, None, "人数", 100, 100.0]]
    result = load_form(write_rows(tmp_path / "fmt.xlsx", rows, formats={"E8": "0%"}))
    kpis = result.report.kpis
    assert kpis["target_text"].tolist()[1:] == ["0.95", "100"]
    assert kpis["actual_text"].tolist()[1:] == ["95%", "100"]
    assert kpis["category"].tolist() == ["产出", "效益", "效益"]


def test_two_row_header_with_group_heading(tmp_path: Path) -> None:
    rows = [
        *minimal_rows()[:5],
        [None, "绩效指标", None, None, "指标值", None, "分值", "得分"],
        [None, "一级指标", "二级指标", "三级指标", "年初", "调整", None, None],
        [None, "产出指标", "数量指标", "培训次数", "4次", "6次", 50, 50],
        [None, "合计", None, None, None, None, 50, 50],
    ]
    merges = ("B6:D6", "E6:F6", "G6:G7", "H6:H7", "B9:D9")
    result = load_form(write_rows(tmp_path / "two.xlsx", rows, merges=merges))
    kpis = result.report.kpis
    assert kpis[["name", "target_text", "initial_target_text", "weight"]].values.tolist() == [
        ["培训次数", "6次", "4次", Decimal(50)]]
    assert result.report.claims["item"].tolist() == ["分值合计", "得分合计"]
    assert result.unplaced.empty


def test_basic_table_with_year_headers(tmp_path: Path) -> None:
    rows = [
        ["2022年度部门整体支出绩效评价基础数据表"],
        ["填报单位：测试总工会", None, None, "单位：万元"],
        ["项目", "2021年决算数", "2022年预算数", "2022年决算数"],
        ["合计", 10, 12, 11],
        ["基本支出", 6, 7, 6],
        ["项目支出", 4, 5, 5],
    ]
    report = load_form(write_rows(tmp_path / "basic.xlsx", rows, title="基础数据表")).report
    assert report.budget[["item", "prior_executed", "budget", "executed"]].values.tolist() == [
        ["合计", Decimal(10), Decimal(12), Decimal(11)], ["基本支出", Decimal(6), Decimal(7), Decimal(6)],
        ["项目支出", Decimal(4), Decimal(5), Decimal(5)]]
    assert report.meta["report_kind"] == "部门整体支出"


def test_missing_budget_block_and_department(tmp_path: Path) -> None:
    no_budget = minimal_rows()[:2] + minimal_rows()[5:]
    with pytest.raises(TotalRowError, match="no 合计 line"):
        load_form(write_rows(tmp_path / "nobudget.xlsx", no_budget))
    no_department = minimal_rows()
    no_department[1] = [None, None, None, "金额单位：万元"]
    with pytest.raises(MetaError, match="no 部门"):
        load_form(write_rows(tmp_path / "nodept.xlsx", no_department))


def test_head_labels_and_a_footnote(tmp_path: Path) -> None:
    rows = [*minimal_rows(), [], ["注：本表为项目支出绩效自评表，得分按年度指标值计算。"]]
    rows[1] = ["主管部门", "测试局", "项目名称：职工 培训 项目", "金额单位：万元", "实施单位", "培训中心",
               "自评等级", "优秀"]
    result = load_form(write_rows(tmp_path / "head.xlsx", rows))
    meta = result.report.meta
    assert (meta["department"], meta["项目名称"], meta["实施单位"], meta["self_grade"]) == (
        "测试局", "职工 培训 项目", "培训中心", "优")
    assert result.report.meta_sources["项目名称"] == f"{SHEET}!C2"
    assert result.unplaced[["cell", "value"]].values.tolist() == [[f"{SHEET}!A9", rows[8][0]]]
