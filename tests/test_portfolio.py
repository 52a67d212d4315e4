"""Many workbooks: load_reports (folders, duplicates, unit mix, collect mode, progress) and the series.

Small workbooks are built here from ``tests.builders.valid_sheets()``; the real series come from
``data/``. Every expected figure is worked out by hand from the numbers the reports print:

- 通州 2024 executed 2849.65 万元, stated change +319.38 → 2023 = 2849.65 − 319.38 = 2530.27;
  its stated rate 14.09 % does not follow: 319.38 ÷ 2530.27 = 12.62 %.
- 荣昌 2024 357.21, change −17.84 → 2023 = 357.21 + 17.84 = 375.05 (−17.84 ÷ 375.05 = −4.76 %, printed −4.8).
- 梁平 2021 820.69, change +74.33 → 2020 = 820.69 − 74.33 = 746.36 (74.33 ÷ 746.36 = 9.96 %, printed 10).
- 益阳 2022 1342.49 with 2021 决算 1274.38 in its 上年执行数 column: change 68.11, 68.11 ÷ 1274.38 = 5.34 %;
  劳模专项补助资金 172.8 (2021) → 173.3 (2022).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import PerfevalError, WorkbookError, cells
from perfeval_utils.analyse import peers
from perfeval_utils.analyse import series as yearly
from perfeval_utils.analyse.series import derived_basis, prior_year_basis
from perfeval_utils.read import many
from perfeval_utils.read.many import (
    DuplicateReportError,
    NoWorkbooksError,
    ReportSet,
    UnknownDepartmentError,
    load_reports,
)
from tests.builders import valid_sheets, write_workbook
from tests.conftest import DATA

HUANGPU = "广州市黄埔区总工会（广州开发区总工会）"
TONGZHOU = "北京市通州区总工会"
RONGCHANG = "重庆市荣昌区总工会本级"
LIANGPING = "重庆市梁平区总工会"
YIYANG = "益阳市总工会"


def sheets_for(department: str = "测试区总工会", year: int = 2022, unit: str = "万元") -> dict:
    sheets = valid_sheets()
    meta = {row[0]: row for row in sheets["基本信息"][1:]}
    meta["部门"][1], meta["年度"][1], meta["金额单位"][1] = department, year, unit
    return sheets


def build(path: Path, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_workbook(path, sheets_for(**kwargs))


@pytest.fixture(scope="module")
def data() -> ReportSet:
    return load_reports(DATA, progress=False)


# ---- loading ---------------------------------------------------------------------------------


def test_folder_is_searched_recursively_and_frames_gain_department_and_year(tmp_path: Path) -> None:
    build(tmp_path / "a" / "2022.xlsx", year=2022)
    build(tmp_path / "b" / "deeper" / "2023.xlsx", year=2023)
    (tmp_path / "b" / "~$2023.xlsx").write_bytes(b"lock")  # Excel's lock file is not a workbook
    (tmp_path / "notes.txt").write_text("not a workbook", encoding="utf-8")
    reports = load_reports(tmp_path)
    assert list(reports.reports.columns[:4]) == ["department", "year", "report_kind", "amount_unit"]
    assert reports.reports[["department", "year", "file"]].values.tolist() == [
        ["测试区总工会", 2022, "2022.xlsx"], ["测试区总工会", 2023, "2023.xlsx"]]
    assert reports.reports["report_kind"].tolist() == ["部门整体支出", "部门整体支出"]
    for name in ("budget", "kpis", "tasks", "claims", "rules"):
        frame = getattr(reports, name)
        assert list(frame.columns[:2]) == ["department", "year"], name
    assert reports.budget.groupby("year").size().to_dict() == {2022: 3, 2023: 3}
    assert len(reports.kpis) == 6 and len(reports.claims) == 4 and reports.rules.empty
    assert reports.errors.empty and reports.conversions.empty
    assert reports.years("测试区总工会") == [2022, 2023]
    assert reports.latest_path("测试区总工会").name == "2023.xlsx"


def test_a_list_of_paths_is_loaded_and_the_same_file_twice_is_one_workbook(tmp_path: Path) -> None:
    path = build(tmp_path / "one.xlsx")
    reports = load_reports([path, str(path), tmp_path / "." / "one.xlsx"])
    assert len(reports.reports) == 1


def test_two_workbooks_for_the_same_department_and_year_name_both_files(tmp_path: Path) -> None:
    first = build(tmp_path / "first.xlsx")
    second = build(tmp_path / "sub" / "second.xlsx")
    with pytest.raises(DuplicateReportError) as caught:
        load_reports(tmp_path)
    assert isinstance(caught.value, PerfevalError)
    message = str(caught.value)
    assert str(first) in message and str(second) in message
    assert "测试区总工会 2022" in message


def test_duplicates_in_collect_mode_leave_both_out_and_say_why(tmp_path: Path) -> None:
    build(tmp_path / "first.xlsx")
    build(tmp_path / "second.xlsx")
    build(tmp_path / "other.xlsx", year=2023)
    reports = load_reports(tmp_path, on_error="collect")
    assert reports.reports["year"].tolist() == [2023]
    assert sorted(reports.errors["file"]) == ["first.xlsx", "second.xlsx"]
    assert set(reports.errors["error"]) == {"DuplicateReportError"}
    first = reports.errors.set_index("file").loc["first.xlsx", "message"]
    assert "second.xlsx" in first and "both left out" in first


def test_amounts_in_yuan_are_put_on_wanyuan_exactly_and_the_conversion_is_recorded(tmp_path: Path) -> None:
    yuan = sheets_for(department="元区总工会", unit="元")
    yuan["预算"][1][2:4] = [14154300, 13906900.5]  # 1415.43 万元 and 1390.69005 万元
    yuan["预算"][1][5] = 98.25  # a rate is a percentage: never converted
    yuan["预算"][2][3] = 0
    yuan["任务"][1][3] = 467200  # 46.72 万元
    yuan["任务"][2][3] = 0.5  # 0.00005 万元
    write_workbook(tmp_path / "yuan.xlsx", yuan)
    build(tmp_path / "wan.xlsx", department="万元区总工会")
    reports = load_reports(tmp_path)
    total = reports.budget[(reports.budget["department"] == "元区总工会") & (reports.budget["dimension"] == "合计")]
    budget, executed, rate = total.iloc[0][["budget", "executed", "stated_rate"]]
    assert (str(budget), str(executed), str(rate)) == ("1415.43", "1390.69005", "98.25")
    assert str(reports.budget[reports.budget["department"] == "元区总工会"].iloc[1]["executed"]) == "0"
    amounts = reports.tasks[reports.tasks["department"] == "元区总工会"]["amount"].map(str).tolist()
    assert amounts == ["46.72", "0.00005"]
    wan = reports.tasks[reports.tasks["department"] == "万元区总工会"]["amount"].map(str).tolist()
    assert wan == ["46.72", "46.2"]  # 万元 workbooks are untouched
    assert reports.amount_unit == "万元"
    units = reports.reports.set_index("department")["amount_unit"].to_dict()
    assert units == {"万元区总工会": "万元", "元区总工会": "元"}
    (conversion,) = reports.conversions.to_dict("records")
    assert (conversion["file"], conversion["from_unit"], conversion["to_unit"]) == ("yuan.xlsx", "元", "万元")
    assert conversion["factor"] == Decimal("0.0001") and "预算:预算数" in conversion["converted"]
    assert reports.report("元区总工会", 2022).budget.iloc[0]["budget"] == Decimal(14154300)  # the original keeps 元


def test_to_common_unit_never_rounds() -> None:
    assert str(many.to_common_unit(Decimal("0.01"), Decimal("0.0001"))) == "0.000001"
    assert str(many.to_common_unit(Decimal("20000000"), Decimal("0.0001"))) == "2000"
    assert str(many.to_common_unit(Decimal("123456789012345678901234567.89"), Decimal("0.0001"))) == (
        "12345678901234567890123.456789")
    assert many.to_common_unit(None, Decimal("0.0001")) is None


def _bad_workbooks(tmp_path: Path) -> None:
    build(tmp_path / "good.xlsx")
    bad = sheets_for(year=2023)
    bad["预算"][1][2] = "1,415.43万元"
    write_workbook(tmp_path / "bad-amount.xlsx", bad)
    (tmp_path / "empty.xlsx").write_bytes(b"")


def test_a_bad_workbook_is_reported_with_its_file_name(tmp_path: Path) -> None:
    _bad_workbooks(tmp_path)
    with pytest.raises(WorkbookError) as caught:
        load_reports(tmp_path)
    assert "bad-amount.xlsx" in str(caught.value)  # sorted: bad-amount.xlsx is met first


def test_collect_mode_loads_the_rest_and_returns_the_errors_as_a_table(tmp_path: Path) -> None:
    _bad_workbooks(tmp_path)
    reports = load_reports(tmp_path, on_error="collect")
    assert reports.reports["file"].tolist() == ["good.xlsx"]
    errors = reports.errors.set_index("file")
    assert list(reports.errors.columns) == ["file", "error", "message", "sheet", "row", "column", "path"]
    assert errors.loc["bad-amount.xlsx", "error"] == "CellTypeError"
    assert (errors.loc["bad-amount.xlsx", "sheet"], errors.loc["bad-amount.xlsx", "row"]) == ("预算", 2)
    assert errors.loc["bad-amount.xlsx", "column"] == "预算数"
    assert "1,415.43万元" in errors.loc["bad-amount.xlsx", "message"]
    assert errors.loc["empty.xlsx", "error"] == "NotAWorkbookError"
    assert "empty.xlsx" in errors.loc["empty.xlsx", "message"]


def test_nothing_to_load_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoWorkbooksError, match=r"holds no \.xlsx"):
        load_reports(tmp_path)
    with pytest.raises(NoWorkbooksError, match="no such file or folder"):
        load_reports(tmp_path / "missing")
    with pytest.raises(PerfevalError, match="on_error"):
        load_reports(tmp_path, on_error="ignore")  # type: ignore[arg-type]


def test_progress_bar_only_when_asked_or_many_files_and_never_in_tests(tmp_path: Path, capsys) -> None:
    for year in range(2018, 2024):  # six workbooks: more than a handful
        build(tmp_path / f"{year}.xlsx", year=year)
    load_reports(tmp_path)
    assert capsys.readouterr().err == ""  # silent under pytest
    load_reports(tmp_path, progress=True)
    assert "6/6" in capsys.readouterr().err
    assert many._show_progress(None, many.PROGRESS_MIN_FILES + 1) is False  # PYTEST_CURRENT_TEST is set here


def test_unknown_department_lists_those_held(data: ReportSet) -> None:
    with pytest.raises(UnknownDepartmentError) as caught:
        data.years("黄埔区总工会")
    assert HUANGPU in str(caught.value)


# ---- series: prior-year figures as years of their own ------------------------------------------


def _series_value(frame: pd.DataFrame, department: str, year: int, measure: str = "执行数",
                  dimension: str = "合计", item: str | None = None) -> tuple[str, str]:
    rows = frame[(frame["department"] == department) & (frame["year"] == year) & (frame["measure"] == measure)
                 & (frame["dimension"] == dimension)]
    if item is not None:
        rows = rows[rows["item"] == item]
    (row,) = rows.itertuples(index=False)
    return str(row.value), row.basis


def test_prior_year_column_becomes_a_year_marked_as_from_the_later_report(tmp_path: Path) -> None:
    sheets = sheets_for(year=2023)
    sheets["预算"][1][4] = 1274.38  # 上年执行数 of the 合计 line
    write_workbook(tmp_path / "2023.xlsx", sheets)
    series = yearly.series(load_reports(tmp_path))
    assert _series_value(series, "测试区总工会", 2022) == ("1274.38", "prior-year column of the 2023 report")
    assert _series_value(series, "测试区总工会", 2023) == ("1390.69", "stated")
    assert _series_value(series, "测试区总工会", 2023, "执行率") == ("98.25", "stated")
    prior = series[(series["year"] == 2022)].iloc[0]
    assert (prior["report_year"], prior["file"], prior["source"]) == (2023, "2023.xlsx", "第3行")


def test_stated_change_gives_a_derived_prior_year_with_the_claims_source(tmp_path: Path) -> None:
    sheets = sheets_for(year=2024, unit="元")
    sheets["预算"][1][2:4] = [None, 28496500]  # 2849.65 万元 executed, no budget (a 决算 page)
    sheets["文中数据"] += [["C03", "二", "较上年:部门整体支出:增减额", 3193800, "元", "第12行"],
                           ["C04", "二", "较上年:部门整体支出:增减率", 14.09, "%", "第12行"]]
    write_workbook(tmp_path / "2024.xlsx", sheets)
    reports = load_reports(tmp_path)
    series = yearly.series(reports)
    # 2849.65 − 319.38 = 2530.27 (the change is stated in 元: 3193800 元 = 319.38 万元)
    assert _series_value(series, "测试区总工会", 2023) == ("2530.27", "derived from stated change in the 2024 report")
    derived = series[series["year"] == 2023].iloc[0]
    assert derived["source"] == "第12行" and derived["unit"] == "万元"
    (change,) = yearly.stated_changes(reports).to_dict("records")
    assert str(change["change"]) == "319.38" and str(change["recomputed_rate"]) == "12.62"
    assert change["rate_matches"] is False or not change["rate_matches"]
    assert "14.09" in change["note"] and "12.62" in change["note"]


def test_real_two_year_series_from_one_report(data: ReportSet) -> None:
    series = yearly.series(data)
    assert _series_value(series, TONGZHOU, 2023) == ("2530.27", derived_basis(2024))
    assert _series_value(series, TONGZHOU, 2024) == ("2849.65", "stated")
    assert _series_value(series, RONGCHANG, 2023) == ("375.05", derived_basis(2024))
    assert _series_value(series, RONGCHANG, 2024) == ("357.21", "stated")
    assert _series_value(series, LIANGPING, 2020) == ("746.36", derived_basis(2021))
    assert _series_value(series, LIANGPING, 2021) == ("820.69", "stated")
    assert _series_value(series, YIYANG, 2021) == ("1274.38", prior_year_basis(2022))
    assert _series_value(series, YIYANG, 2022) == ("1342.49", "stated")
    assert _series_value(series, YIYANG, 2021, dimension="专项资金", item="劳模专项补助资金") == (
        "172.8", prior_year_basis(2022))
    assert _series_value(series, YIYANG, 2022, dimension="专项资金", item="劳模专项补助资金") == ("173.3", "stated")
    assert _series_value(series, YIYANG, 2022, "预算数", dimension="专项资金", item="劳模专项补助资金") == (
        "173.3", "stated")
    # The seed states one year only, and nothing about the year before.
    assert sorted(set(series.loc[series["department"] == HUANGPU, "year"])) == [2022]
    # Nothing derived where nothing is stated: 荣昌's two project cuts have no executed amount to start from.
    assert set(series["basis"]) == {"stated", prior_year_basis(2022), prior_year_basis(2018), derived_basis(2021),
                                    derived_basis(2024)}


def test_stated_changes_check_the_stated_rate(data: ReportSet) -> None:
    changes = yearly.stated_changes(data).set_index(["department", "item"])
    tongzhou = changes.loc[(TONGZHOU, "部门整体支出")]
    assert str(tongzhou["recomputed_rate"]) == "12.62" and str(tongzhou["stated_rate"]) == "14.09"
    assert not tongzhou["rate_matches"]
    assert bool(changes.loc[(RONGCHANG, "部门整体支出"), "rate_matches"])  # −4.76 → −4.8 as printed
    assert bool(changes.loc[(LIANGPING, "部门整体支出"), "rate_matches"])  # 9.96 → 10 as printed
    cut = changes.loc[(RONGCHANG, "荣昌区困难职工帮扶项目")]
    assert str(cut["change"]) == "-9" and cut["derived_prior"] is None and "无法推算" in cut["note"]


def test_execution_by_year_prefers_the_years_own_report_and_lists_the_other(tmp_path: Path) -> None:
    build(tmp_path / "2022.xlsx", year=2022)
    later = sheets_for(year=2023)
    later["预算"][1][4] = 1390.7  # restated in the 2023 report: differs from the 2022 report's 1390.69
    write_workbook(tmp_path / "2023.xlsx", later)
    table = yearly.execution_by_year(load_reports(tmp_path), "测试区总工会")
    first = table.iloc[0]
    assert (first["year"], str(first["executed"]), first["executed_basis"]) == (2022, "1390.69", "stated")
    assert first["other_figures"] == "执行数 1390.7（prior-year column of the 2023 report）"
    assert str(first["rate"]) == "98.2521"  # 1390.69 ÷ 1415.43 = 98.2521…%
    assert table["year"].tolist() == [2022, 2023]


def test_execution_by_year_for_a_line_and_the_seed(data: ReportSet) -> None:
    seed = yearly.execution_by_year(data, HUANGPU)
    assert len(seed) == 1
    assert [str(seed.iloc[0][c]) for c in ("budget", "executed", "stated_rate", "rate")] == [
        "1415.43", "1390.69", "98.25", "98.2521"]
    laomo = yearly.execution_by_year(data, YIYANG, "专项资金", "劳模专项补助资金")
    assert laomo["year"].tolist() == [2021, 2022]
    assert laomo.iloc[0]["budget"] is None and str(laomo.iloc[0]["executed"]) == "172.8"
    assert laomo.iloc[0]["rate"] is None  # no rate from a prior-year column alone
    assert str(laomo.iloc[1]["rate"]) == "100.0000"  # 173.3 ÷ 173.3


# ---- indicators ------------------------------------------------------------------------------


def test_indicators_match_by_name_across_years_and_recurring_shortfalls(tmp_path: Path) -> None:
    build(tmp_path / "2022.xlsx", year=2022)
    later = sheets_for(year=2023)
    later["指标"][1][4] = "培训 次数"  # a blank inside: still the same indicator
    later["指标"][2][4] = "慰问金"  # unmet again
    later["指标"][2][10] = "仍联系不上"
    later["指标"][3][4] = "满意度（新）"  # renamed: a new indicator
    write_workbook(tmp_path / "2023.xlsx", later)
    reports = load_reports(tmp_path)
    series = yearly.indicator_series(reports)
    years = series.groupby("name")["years"].max().to_dict()
    assert years == {"培训次数": 2, "培训 次数": 2, "慰问金": 2, "满意度": 1, "满意度（新）": 1}
    trend = yearly.indicator_trend(reports, "测试区总工会")
    assert sorted(set(trend["name"])) == ["培训 次数", "培训次数", "慰问金"]
    (recurring,) = yearly.recurring_shortfalls(reports).to_dict("records")
    assert (recurring["name"], recurring["years_short"], recurring["times_short"]) == ("慰问金", "2022、2023", 2)
    assert recurring["reasons"] == "2022：联系不上；2023：仍联系不上"
    assert yearly.recurring_shortfalls(reports, min_years=3).empty


def test_matching_rule_ignores_blanks_and_width_only() -> None:
    assert cells.indicator_key("服务外包在岸(万美元)") == cells.indicator_key("服务外包在岸（万美元）")
    assert cells.indicator_key(" 推广“智慧工会”\u3000扩大影响力") == cells.indicator_key("推广“智慧工会”扩大影响力")
    assert cells.indicator_key("ABC 满意度") == cells.indicator_key("abc满意度")
    assert cells.indicator_key("满意度") != cells.indicator_key("服务对象满意度")


def test_a_name_used_twice_in_one_report_is_not_matched(tmp_path: Path) -> None:
    sheets = sheets_for()
    sheets["指标"][3][4] = "培训次数"  # same name as indicator 1
    write_workbook(tmp_path / "dup-name.xlsx", sheets)
    series = yearly.indicator_series(load_reports(tmp_path))
    assert series.loc[series["name"] == "培训次数", "ambiguous"].tolist() == [True, True]


# ---- peers -----------------------------------------------------------------------------------


def test_peer_comparison_on_a_common_unit(data: ReportSet) -> None:
    unions = [d for d in data.departments if "总工会" in d]
    table = peers.peer_comparison(data, unions).set_index("department")
    assert table.index.tolist() == [TONGZHOU, HUANGPU, YIYANG, LIANGPING, RONGCHANG]  # by executed, largest first
    huangpu = table.loc[HUANGPU]
    assert [str(huangpu[c]) for c in ("executed", "basic", "project", "basic_share", "rate")] == [
        "1390.69", "1319.92", "95.51", "93.25", "98.25"]  # 1319.92 ÷ (1319.92 + 95.51) = 93.25 %
    assert huangpu["split_note"] == "基本支出+项目支出 = 1415.43，等于预算数，不等于执行数 1390.69"
    assert huangpu["change"] is None and huangpu["prior_executed"] is None
    yiyang = table.loc[YIYANG]
    assert (str(yiyang["change"]), str(yiyang["change_rate"])) == ("68.11", "5.34")  # 1342.49 − 1274.38
    assert yiyang["change_basis"].startswith("computed") and yiyang["prior_basis"] == prior_year_basis(2022)
    tongzhou = table.loc[TONGZHOU]
    assert (str(tongzhou["change"]), str(tongzhou["change_rate"]), tongzhou["change_rate_basis"]) == (
        "319.38", "14.09", "stated")
    assert str(tongzhou["prior_executed"]) == "2530.27" and tongzhou["prior_basis"] == derived_basis(2024)
    assert not tongzhou["self_evaluation"] and huangpu["self_evaluation"]


def test_statements_say_what_each_report_states(data: ReportSet) -> None:
    table = peers.statements(data, [HUANGPU, TONGZHOU, YIYANG]).set_index("department")
    assert table.loc[HUANGPU, ["budget", "executed", "stated_rate", "split", "prior_year"]].tolist() == [
        True, True, True, True, False]
    assert table.loc[HUANGPU, "kpis"] == 10 and bool(table.loc[HUANGPU, "self_score"])
    assert table.loc[TONGZHOU, ["self_evaluation", "budget", "stated_change", "kpis"]].tolist() == [
        False, False, True, 0]
    assert bool(table.loc[YIYANG, "prior_year"]) and not bool(table.loc[YIYANG, "stated_change"])
