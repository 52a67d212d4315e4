"""Mid-year monitoring: time progress, progress tables, each flag firing and quiet, the year-end link.

Hand computations used below (cut-off 31 July unless said otherwise):
time progress at 31 July = 7 ÷ 12 = 58.333…%; at 30 June = 6 ÷ 12 = 50 %; at 15 July 2022 =
day 196 ÷ 365 = 53.698…%; at 15 February 2024 = day 46 ÷ 366 = 12.568…%.
Budget 100, executed 40 → 40 %, lag 58.33 − 40 = 18.33 points (> 10); executed 50 → lag 8.33 (≤ 10).
Indicator 100 人, 20 to date → 20 %, lag 38.33; target 80 家, forecast 120 家 → 150 % (> 130 %);
forecast 100 家 → 125 % (≤ 130 %). Cap ≤ 50 万元 with 20 万元 to date → 50 ÷ 20 = 250 %.
10 万元 against 30000 元 = 3 万元 → 30 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from perfeval_utils import load_report, load_reports
from perfeval_utils.check import monitoring
from perfeval_utils.check.flags import COLUMNS, red_flags
from perfeval_utils.check.monitoring import (
    MonitoringThresholds,
    MonitoringUnitError,
    budget_progress,
    forecast_accuracy,
    indicator_progress,
    monitoring_flags,
    time_progress,
    year_elapsed,
)
from perfeval_utils.cli import main
from perfeval_utils.errors import MetaError, TotalRowError, UnknownValueError
from perfeval_utils.report import Report

from .builders import valid_sheets, write_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "examples" / "huangpu-zonggonghui-2022-monitoring.xlsx"
D = Decimal
BUDGET_HEADER = ["维度", "项目", "年度预算数", "截止执行数", "全年预计执行数", "偏差原因", "纠偏措施", "出处"]
KPI_HEADER = ["编号", "范围", "一级指标", "二级指标", "指标名称", "年度指标值", "截止完成值", "全年预计完成值",
              "完成可能性", "偏差原因类型", "原因说明", "纠偏措施", "出处"]


def exact(fraction: Fraction) -> Decimal:
    """A fraction of 100 % as the module computes it (28 significant digits)."""
    from decimal import localcontext

    with localcontext() as context:
        context.prec = 28
        return D(fraction.numerator) / D(fraction.denominator) * 100


def budget_row(item: str = "项目甲", budget: Any = 100, to_date: Any = 40, forecast: Any = 100,
               reason: str | None = None, remedy: str | None = None, dimension: str = "任务") -> list[Any]:
    return [dimension, item, budget, to_date, forecast, reason, remedy, "监控表第1行"]


def kpi_row(number: str = "1", target: str | None = "100 人", to_date: str | None = "20 人",
            forecast: str | None = "100 人", likelihood: str | None = "确定能", reason: str | None = None,
            remedy: str | None = None, category: str = "产出", reason_type: str | None = None) -> list[Any]:
    return [number, "部门整体", category, None, f"监控指标{number}", target, to_date, forecast, likelihood,
            reason_type, reason, remedy, f"监控表第{number}行"]


def monitored(tmp_path: Path, budget: list[list[Any]] | None = None, kpis: list[list[Any]] | None = None,
              date: Any = dt.date(2022, 7, 31), stated: Any = None, name: str = "m.xlsx") -> Report:
    """The builders' valid workbook plus 监控截止日期 and the two monitoring sheets."""
    sheets = valid_sheets()
    if date is not None:
        sheets["基本信息"].append(["监控截止日期", date, "监控表"])
    if stated is not None:
        sheets["基本信息"].append(["时间进度", stated, "财政通知"])
    total = [["合计", "部门整体支出", 1415.43, 700, 1415.43, "按月支付", None, "监控表"]]
    sheets["监控预算"] = [BUDGET_HEADER, *total, *(budget or [])]
    sheets["监控指标"] = [KPI_HEADER, *(kpis or [])]
    return load_report(write_workbook(tmp_path / name, sheets))


def codes(report: Report, **limits: Any) -> list[str]:
    return list(monitoring_flags(report, MonitoringThresholds(**limits))["flag"])


# ---- time progress ---------------------------------------------------------------------------


@pytest.mark.parametrize(("date", "fraction"), [
    (dt.date(2022, 7, 31), Fraction(7, 12)),
    (dt.date(2022, 6, 30), Fraction(6, 12)),
    (dt.date(2024, 2, 29), Fraction(2, 12)),
    (dt.date(2022, 12, 31), Fraction(1)),
])
def test_a_month_end_counts_whole_months(date: dt.date, fraction: Fraction) -> None:
    assert year_elapsed(date) == exact(fraction)


@pytest.mark.parametrize(("date", "fraction"), [
    (dt.date(2022, 7, 15), Fraction(196, 365)),
    (dt.date(2024, 2, 15), Fraction(46, 366)),
    (dt.date(2022, 1, 1), Fraction(1, 365)),
])
def test_a_day_inside_a_month_counts_days_of_the_year(date: dt.date, fraction: Fraction) -> None:
    assert year_elapsed(date) == exact(fraction)


def test_31_july_is_58_33_percent_in_the_tables(tmp_path: Path) -> None:
    report = monitored(tmp_path)
    assert budget_progress(report)["time_progress"].iloc[0] == D("58.33")
    assert "7/12" in monitoring.time_basis(report)


def test_a_stated_time_progress_overrides_the_date(tmp_path: Path) -> None:
    report = monitored(tmp_path, stated=60)
    assert time_progress(report) == D(60)
    assert "基本信息所填" in monitoring.time_basis(report)


def test_monitoring_sheets_without_a_cut_off_date_are_a_located_error(tmp_path: Path) -> None:
    report = monitored(tmp_path, date=None)
    with pytest.raises(MetaError, match="监控截止日期") as error:
        budget_progress(report)
    assert error.value.sheet == "基本信息"


# ---- loading ---------------------------------------------------------------------------------


def test_a_workbook_without_monitoring_sheets_loads_empty_frames_with_their_columns(tmp_path: Path) -> None:
    report = load_report(write_workbook(tmp_path / "plain.xlsx", valid_sheets()))
    assert report.monitoring_budget.empty and report.monitoring_kpis.empty
    assert list(report.monitoring_kpis.columns[:9]) == [
        "indicator_id", "scope", "category", "subcategory", "name", "target_text", "to_date_text",
        "forecast_text", "likelihood"]
    assert "monitoring_date" not in report.meta
    assert monitoring_flags(report).empty and list(monitoring_flags(report).columns) == COLUMNS


def test_amounts_load_as_exact_decimals(tmp_path: Path) -> None:
    report = monitored(tmp_path, budget=[budget_row(budget=46.72, to_date=15.2)])
    line = report.monitoring_budget.iloc[1]
    assert line["budget"] == D("46.72") and line["executed_to_date"] == D("15.2")
    assert report.meta["monitoring_date"] == dt.date(2022, 7, 31)


def test_a_likelihood_outside_the_fixed_list_is_refused_with_its_cell(tmp_path: Path) -> None:
    with pytest.raises(UnknownValueError) as error:
        monitored(tmp_path, kpis=[kpi_row(likelihood="能")])
    assert (error.value.sheet, error.value.row, error.value.column) == ("监控指标", 2, "完成可能性")
    assert "确定能 / 有可能 / 完全不可能" in str(error.value)


def test_a_reason_type_outside_the_fixed_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownValueError) as error:
        monitored(tmp_path, kpis=[kpi_row(reason_type="资金")])
    assert error.value.column == "偏差原因类型"


def test_two_total_rows_in_the_monitoring_budget_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TotalRowError) as error:
        monitored(tmp_path, budget=[budget_row(dimension="合计")])
    assert error.value.sheet == "监控预算"


def test_a_cut_off_date_outside_the_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MetaError, match="not in 年度 2022") as error:
        monitored(tmp_path, date=dt.date(2021, 7, 31))
    assert error.value.row == 7 and error.value.sheet == "基本信息"


def test_a_time_progress_above_100_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MetaError, match="时间进度"):
        monitored(tmp_path, stated=150)


# ---- budget lines ----------------------------------------------------------------------------


def test_budget_progress_gives_execution_lag_and_forecast_unspent(tmp_path: Path) -> None:
    """100 budget, 40 to date: 40 %, lag 18.33; forecast 90 leaves 10."""
    report = monitored(tmp_path, budget=[budget_row(forecast=90, reason="下半年集中支付", remedy="加快进度")])
    line = budget_progress(report).iloc[1]
    assert (line["execution_progress"], line["lag"], line["forecast_unspent"]) == (D("40.00"), D("18.33"), D(10))
    assert line["flags"] == ""


def test_execution_behind_time_without_a_reason_fires(tmp_path: Path) -> None:
    report = monitored(tmp_path, budget=[budget_row(to_date=40)])
    flags = monitoring_flags(report)
    assert list(flags["flag"]) == ["execution_behind_unexplained"]
    assert "落后时间进度 58.33% 达 18.33 个百分点" in flags["evidence"].iloc[0]
    assert flags["severity"].iloc[0] == 2 and flags["source"].iloc[0] == "监控表第1行"


def test_execution_behind_time_is_quiet_with_a_reason_or_within_the_threshold(tmp_path: Path) -> None:
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=40, reason="集中采购在9月")])) == []
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=50)], name="b.xlsx")) == []  # lag 8.33
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=50)], name="c.xlsx"), lag_points=D(5)) == [
        "execution_behind_unexplained"]


def test_a_forecast_leaving_money_unspent_without_a_remedy_fires(tmp_path: Path) -> None:
    report = monitored(tmp_path, budget=[budget_row(to_date=60, forecast=90)])
    assert codes(report) == ["unspent_without_remedy"]
    assert "将结余 10" in monitoring_flags(report)["evidence"].iloc[0]


def test_unspent_is_quiet_with_a_remedy_or_a_full_forecast(tmp_path: Path) -> None:
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=60, forecast=90, remedy="调剂用于培训")])) == []
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=60, forecast=100)], name="b.xlsx")) == []
    assert codes(monitored(tmp_path, budget=[budget_row(to_date=60, forecast=90)], name="c.xlsx"),
                 unspent_share=D(20)) == []  # 10 % unspent is under a 20 % threshold


# ---- indicators ------------------------------------------------------------------------------


def test_indicator_progress_of_a_cumulative_quantity_is_compared_with_time(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(reason="集中在下半年")])
    part = indicator_progress(report).iloc[0]
    assert (part["target"], part["to_date"], part["unit"], part["progress"], part["lag"]) == (
        D(100), D(20), "人", D("20.00"), D("38.33"))
    assert bool(part["compared_with_time"]) is True


def test_rates_deadlines_and_qualitative_values_are_not_compared_with_time_and_say_so(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[
        kpi_row("M1", "≥90%", "20%", "90%"), kpi_row("M2", "2022年12月31日前", "未完成", "2022年11月30日"),
        kpi_row("M3", "显著提升", "有所提升", "显著提升"), kpi_row("M4", "≤ 5 个工作日", "3 个工作日", "3 个工作日")])
    parts = indicator_progress(report)
    assert not parts["compared_with_time"].any()
    assert parts["lag"].isna().all()
    assert list(parts["note"]) == ["比率指标，不按时间进度比较", "时限指标（日期），不按时间进度比较",
                                   "定性指标，不按时间进度比较", "时限/时长指标，不按时间进度比较"]
    assert codes(report) == []  # 20 % of a 90 % rate is not "behind time"


def test_a_cap_target_is_read_the_other_way_and_not_against_time(tmp_path: Path) -> None:
    """≤ 50 万元 with 20 万元 to date: 50 ÷ 20 = 250 %, as in analyse/indicators."""
    report = monitored(tmp_path, kpis=[kpi_row(target="≤ 50 万元", to_date="20 万元", forecast="120 万元",
                                               category="成本")])
    part = indicator_progress(report).iloc[0]
    assert part["progress"] == D("250.00") and part["op"] == "<="
    assert part["note"] == "上限指标（越低越好），不按时间进度比较"
    assert codes(report) == []  # a forecast above a cap is not a target set low


def test_万元_and_元_are_converted_explicitly(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(target="10 万元", to_date="30000 元", forecast="10 万元",
                                               reason="按季度拨付")])
    part = indicator_progress(report).iloc[0]
    assert (part["to_date"], part["unit"], part["progress"]) == (D(3), "万元", D("30.00"))


def test_a_to_date_value_in_another_unit_is_a_located_error(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(target="100 人", to_date="30 人次")])
    with pytest.raises(MonitoringUnitError) as error:
        indicator_progress(report)
    assert (error.value.sheet, error.value.row, error.value.column) == ("监控指标", 2, "截止完成值")
    assert error.value.found == "30 人次" and "人" in error.value.expected


def test_a_forecast_in_another_unit_is_a_located_error(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(target="100 人", to_date="60 人", forecast="2 场")])
    with pytest.raises(MonitoringUnitError) as error:
        monitoring_flags(report)
    assert error.value.column == "全年预计完成值"


def test_doubtful_likelihood_without_a_remedy_fires(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(likelihood="完全不可能", to_date="60 人", forecast="70 人")])
    flags = monitoring_flags(report)
    assert list(flags["flag"]) == ["doubtful_without_remedy"]
    assert "「完全不可能」" in flags["evidence"].iloc[0]


def test_doubtful_likelihood_is_quiet_with_a_remedy_and_certain_is_never_doubtful(tmp_path: Path) -> None:
    assert codes(monitored(tmp_path, kpis=[kpi_row(likelihood="有可能", to_date="60 人", remedy="增派人员")])) == []
    assert codes(monitored(tmp_path, kpis=[kpi_row(likelihood="确定能", to_date="60 人")], name="b.xlsx")) == []


def test_behind_time_but_certain_without_a_reason_fires_high(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(to_date="20 人")])
    flags = monitoring_flags(report)
    assert list(flags["flag"]) == ["behind_but_certain"] and flags["severity"].iloc[0] == 3
    assert "落后时间进度 58.33% 达 38.33 个百分点" in flags["evidence"].iloc[0]


def test_behind_time_but_certain_is_quiet_with_a_reason_or_on_time(tmp_path: Path) -> None:
    assert codes(monitored(tmp_path, kpis=[kpi_row(to_date="20 人", reason="培训排在第四季度")])) == []
    assert codes(monitored(tmp_path, kpis=[kpi_row(to_date="50 人")], name="b.xlsx")) == []  # lag 8.33


def test_a_forecast_far_above_the_target_fires(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(target="80 家", to_date="70 家", forecast="120 家")])
    flags = monitoring_flags(report)
    assert list(flags["flag"]) == ["forecast_far_above_target"] and flags["severity"].iloc[0] == 1
    assert "150.00%" in flags["evidence"].iloc[0]


def test_a_forecast_up_to_30_percent_above_the_target_is_quiet(tmp_path: Path) -> None:
    assert codes(monitored(tmp_path, kpis=[kpi_row(target="80 家", to_date="70 家", forecast="100 家")])) == []
    assert codes(monitored(tmp_path, kpis=[kpi_row(target="80 家", to_date="70 家", forecast="100 家")],
                           name="b.xlsx"), over_forecast=D(20)) == ["forecast_far_above_target"]


# ---- the year-end link -----------------------------------------------------------------------


def test_the_forecast_is_set_against_the_year_end_in_native_units(tmp_path: Path) -> None:
    """valid_sheets: 合计 executed 1390.69; 指标2 约 232000 元, 实现 230500 元 (unmet)."""
    report = monitored(tmp_path, kpis=[kpi_row("2", "约 232000 元", "98000 元", "232000 元", reason="集中发放")])
    accuracy = forecast_accuracy(report).set_index("kind")
    budget = accuracy.loc["预算"]
    assert (budget["forecast"], budget["year_end"], budget["error"], budget["unit"]) == (
        D("1415.43"), D("1390.69"), D("24.74"), "万元")
    indicator = accuracy.loc["指标"]
    assert (indicator["forecast"], indicator["year_end"], indicator["error"], indicator["unit"]) == (
        D(232000), D(230500), D(1500), "元")


def test_certain_at_mid_year_and_unmet_at_year_end_is_flagged(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row("2", "约 232000 元", "98000 元", "232000 元", reason="集中发放")])
    flags = monitoring_flags(report)
    assert list(flags["flag"]) == ["certain_but_unmet"] and flags["severity"].iloc[0] == 3
    assert "230500" in flags["evidence"].iloc[0]


def test_likely_at_mid_year_and_unmet_is_not_that_flag(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row("2", "约 232000 元", "98000 元", "232000 元", likelihood="有可能",
                                               reason="集中发放", remedy="联系家属")])
    assert codes(report) == []
    assert bool(forecast_accuracy(report).set_index("kind").loc["指标", "met"]) is False


def test_an_indicator_not_in_the_year_end_sheet_has_no_accuracy_row(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row("M9", reason="集中在下半年")])
    assert list(forecast_accuracy(report)["kind"]) == ["预算"]


# ---- red flags, the command line, the example ---------------------------------------------------


def test_red_flags_include_the_monitoring_flags(tmp_path: Path) -> None:
    report = monitored(tmp_path, kpis=[kpi_row(to_date="20 人")])
    flags = red_flags(report)
    assert "behind_but_certain" in set(flags["flag"])
    assert flags.loc[flags["flag"] == "behind_but_certain", "severity_label"].iloc[0] == "高"


def test_monitor_exits_1_on_a_high_flag_and_0_when_quiet(tmp_path: Path) -> None:
    high = monitored(tmp_path, kpis=[kpi_row(to_date="20 人")]).path
    quiet = monitored(tmp_path, budget=[budget_row(to_date=40)], name="q.xlsx").path
    result = CliRunner().invoke(main, ["monitor", str(high)])
    assert result.exit_code == 1 and "[高] behind_but_certain" in result.stdout
    result = CliRunner().invoke(main, ["monitor", str(quiet)])
    assert result.exit_code == 0 and "执行滞后未说明原因" in result.stdout  # a 中 flag only


def test_monitor_json_is_ascii_and_keeps_exact_figures(tmp_path: Path) -> None:
    import json

    path = monitored(tmp_path, budget=[budget_row(budget=46.72, to_date=15.2)]).path
    result = CliRunner().invoke(main, ["monitor", "--format", "json", str(path)])
    assert result.stdout.isascii()
    data = json.loads(result.stdout)
    assert data["budget"][1]["budget"] == "46.72" and data["budget"][1]["item"] == "项目甲"


def test_monitor_refuses_a_workbook_without_monitoring(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "plain.xlsx", valid_sheets())
    result = CliRunner().invoke(main, ["monitor", str(path)])
    assert result.exit_code == 2 and "监控预算" in result.stderr


def test_the_example_says_it_is_example_data_in_basic_info_and_every_source() -> None:
    report = load_report(EXAMPLE)
    assert "示例数据（非公开数据）" in report.meta["数据说明"]
    for name in ("budget", "kpis", "tasks", "claims", "rules", "monitoring_budget", "monitoring_kpis"):
        sources = getattr(report, name)["source"]
        assert all(s.startswith("示例数据（非公开数据）") for s in sources), name
    assert all(s.startswith("示例数据（非公开数据）") for s in report.meta_sources.values() if s)


def test_the_example_fires_every_monitoring_flag_once() -> None:
    flags = monitoring_flags(load_report(EXAMPLE))
    assert sorted(flags["flag"]) == sorted(monitoring.FLAGS)


def test_collections_leave_the_examples_out_unless_asked() -> None:
    default = {r.path.name for r in load_reports(ROOT / "data").originals}
    # examples/ also holds a 复核 workbook (docs/review.md), which is not a v1 workbook: collected, not loaded
    asked_set = load_reports(ROOT / "data", include_examples=True, on_error="collect")
    asked = {r.path.name for r in asked_set.originals}
    assert EXAMPLE.name not in default and EXAMPLE.name in asked
    assert asked - default == {EXAMPLE.name}
    assert set(asked_set.errors["file"]) == {"review-round-example.xlsx"}


def test_the_deck_gets_monitoring_slides_only_when_the_workbook_has_monitoring(tmp_path: Path) -> None:
    """The chart slide with the finding as title, then the example's 6 flags four to a slide (4 + 2)."""
    from pptx import Presentation

    from perfeval_utils.present.deck import write_deck

    def titles(path: Path) -> list[str]:
        return [slide.shapes.title.text for slide in Presentation(str(path)).slides]

    example = titles(write_deck(load_report(EXAMPLE), tmp_path / "example.pptx", {}))
    plain = titles(write_deck(load_report(write_workbook(tmp_path / "p.xlsx", valid_sheets())), tmp_path / "p.pptx",
                              {}))
    assert len(example) == len(plain) + 3
    assert example[-3:] == ["年中监控：时间进度 58.33%，执行 52.43%，6 个提示（2 个高）",
                            "年中监控提示第 1–4 项（共 6 项）", "年中监控提示第 5–6 项（共 6 项）"]
    assert not any(t.startswith("年中监控") for t in plain)


def test_a_deck_of_made_up_figures_says_so_on_its_first_slide(tmp_path: Path) -> None:
    """The example's 数据说明 says 示例数据（非公开数据）: the title slide shows it above the score; a deck of
    published figures (the seed) has no such line."""
    from pptx import Presentation

    from perfeval_utils.present.deck import write_deck
    from perfeval_utils.report import EXAMPLE_MARK

    def first_slide_lines(path: Path) -> list[str]:
        slide = Presentation(str(path)).slides[0]
        return [p.text for p in slide.placeholders[1].text_frame.paragraphs]

    example = load_report(EXAMPLE)
    assert example.example_note is not None and example.example_note.startswith(EXAMPLE_MARK)
    lines = first_slide_lines(write_deck(example, tmp_path / "example.pptx", {}))
    assert lines[0] == example.example_note and lines[-1] == f"资料：{EXAMPLE.name}"
    seed = load_report(ROOT / "data" / "huangpu-zonggonghui-2022.xlsx")
    assert seed.example_note is None
    assert not any(EXAMPLE_MARK in line for line in first_slide_lines(write_deck(seed, tmp_path / "seed.pptx", {})))


def test_a_monitoring_template_has_both_sheets_with_drop_downs_and_loads(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from perfeval_utils.present.template import write_template

    path = write_template(tmp_path / "t.xlsx", "测试区总工会", 2023, like=load_report(EXAMPLE), monitoring=True)
    book = load_workbook(path)
    assert book.sheetnames[-2:] == ["监控预算", "监控指标"]
    lists = {v.formula1 for v in book["监控指标"].data_validations.dataValidation if v.type == "list"}
    assert lists == {'"确定能,有可能,完全不可能"', '"经费保障,制度保障,人员保障,硬件条件保障,其他"'}
    fields = [row[0].value for row in book["基本信息"].iter_rows(min_row=2)]
    assert fields[-2:] == ["监控截止日期", "时间进度"]
    report = load_report(path)
    assert list(report.monitoring_kpis["target_text"]) == list(report.kpis["target_text"])
    assert report.monitoring_kpis["to_date_text"].isna().all()  # this year's figures start blank
    assert report.monitoring_budget["executed_to_date"].isna().all()


def test_a_plain_template_has_no_monitoring_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from perfeval_utils.present.template import write_template

    path = write_template(tmp_path / "t.xlsx", "测试区总工会", 2023)
    assert "监控预算" not in load_workbook(path).sheetnames


def test_a_monitoring_workbook_survives_write_workbook(tmp_path: Path) -> None:
    from perfeval_utils.present.writer import write_workbook as write_report

    original = monitored(tmp_path, budget=[budget_row(budget=46.72, to_date=15.2)], kpis=[kpi_row()], stated=60)
    again = load_report(write_report(original, tmp_path / "again.xlsx"))
    assert again.meta["monitoring_date"] == dt.date(2022, 7, 31) and again.meta["time_progress"] == D(60)
    for name in ("monitoring_budget", "monitoring_kpis"):
        assert getattr(again, name).equals(getattr(original, name)), name


# ---- the official 执行监控表 layout -------------------------------------------------------------


def official_form(tmp_path: Path, ticks: bool = True) -> Path:
    """项目支出绩效目标执行监控表 as bureaus hand it out: merged title and labels, a two-row indicator header
    with one tick column per 偏差原因 type and per 完成可能性 (``ticks``), or one text column each."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "监控表"
    ws["A1"] = "项目支出绩效目标执行监控表（2022年度）"
    ws.merge_cells("A1:O1")
    ws["A2"], ws["B2"], ws["E2"], ws["F2"] = "项目名称", "劳模疗养项目", "实施单位", "测试区总工会办公室"
    ws.merge_cells("B2:D2")
    ws["A3"], ws["B3"] = "主管部门", "测试区总工会"
    ws["A4"] = "项目资金（万元）"
    ws.merge_cells("A4:A7")
    for column, text in zip("CDEFGH", ("年度预算数", "1-7月执行数", "1-7月执行率", "全年预计执行数", "偏差原因",
                                       "纠偏措施"), strict=True):
        ws[f"{column}4"] = text
    ws.append([None, "年度资金总额", 100, 40, "40%", 90, None, "下半年集中组织"])
    ws.append([None, "其中：财政拨款", 80, 30.5, "38.13%", 80])
    ws.append([None, "其他资金", 20, 9.5, "47.5%", 10])
    ws["A8"], ws["B8"] = "年度总体目标", "组织劳模疗养，保障安全"
    ws.merge_cells("B8:O8")
    heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "1-7月实际完成值", "全年预计完成值"]
    if ticks:
        ws.append([*heads, "偏差原因分析", None, None, None, "完成目标可能性", None, None, "原因说明", "纠偏措施"])
        ws.append([None] * 6 + ["经费保障", "制度保障", "人员保障", "硬件条件保障", "确定能", "有可能", "完全不可能"])
        for column in "ABCDEFNO":
            ws.merge_cells(f"{column}9:{column}10")
        ws.merge_cells("G9:J9")
        ws.merge_cells("K9:M9")
        ws.append(["产出指标", "数量指标", "疗养人数", "≥ 40 人", "12 人", "38 人", None, None, "√", None, None, "√",
                   None, "部分劳模身体原因", None])
        ws.append([None, "质量指标", "安全事故发生率", "0%", "0%", "0%"] + [None] * 4 + ["√"])
        ws.merge_cells("A11:A12")
        ws.append(["满意度指标", "服务对象满意度指标", "劳模满意度", "≥ 90%", None, "95%"] + [None] * 4 + ["√"])
    else:
        ws.append([*heads, "偏差原因分析", "完成目标可能性", "原因说明", "纠偏措施"])
        ws.append(["产出指标", "数量指标", "疗养人数", "≥ 40 人", "12 人", "38 人", "人员保障", "有可能",
                   "部分劳模身体原因", None])
        ws.append([None, "质量指标", "安全事故发生率", "0%", "0%", "0%", None, "确定能"])
        ws.merge_cells("A10:A11")
        ws.append(["满意度指标", "服务对象满意度指标", "劳模满意度", "≥ 90%", None, "95%", None, "确定能"])
    ws.append(["填表人：张三"])
    path = tmp_path / ("ticks.xlsx" if ticks else "text.xlsx")
    book.save(path)
    return path


@pytest.mark.parametrize("ticks", [True, False], ids=["tick-columns", "text-columns"])
def test_the_official_monitoring_form_reads_into_the_same_frames(tmp_path: Path, ticks: bool) -> None:
    from perfeval_utils.read.monitor_form import load_monitor_form

    result = load_monitor_form(official_form(tmp_path, ticks))
    report = result.report
    assert (report.department, report.year, report.amount_unit) == ("测试区总工会", 2022, "万元")
    assert report.meta["monitoring_date"] == dt.date(2022, 7, 31) and report.meta["项目名称"] == "劳模疗养项目"
    budget = report.monitoring_budget
    assert list(budget["dimension"]) == ["合计", "资金来源", "资金来源"]
    assert list(budget["item"]) == ["年度资金总额", "财政拨款", "其他资金"]
    assert list(budget["executed_to_date"]) == [D(40), D("30.5"), D("9.5")]
    assert budget["source"].iloc[0] == "监控表!B5" and budget["remedy"].iloc[0] == "下半年集中组织"
    assert report.budget["budget"].iloc[0] == D(100) and report.budget["executed"].iloc[0] is None
    kpis = report.monitoring_kpis
    assert list(kpis["category"]) == ["产出", "产出", "满意度"]
    assert list(kpis["likelihood"]) == ["有可能", "确定能", "确定能"]
    assert kpis["reason_type"].iloc[0] == "人员保障" and kpis["to_date_text"].iloc[0] == "12 人"
    assert pd_isna(kpis["to_date_text"].iloc[2])
    assert list(result.unplaced["value"]) == ["年度总体目标", "组织劳模疗养，保障安全", "填表人：张三"]
    part = indicator_progress(report).iloc[0]
    assert (part["progress"], part["lag"]) == (D("30.00"), D("28.33"))  # 12 ÷ 40; 58.33 − 30
    # 40 ÷ 100 = 40 %, 30.5 ÷ 80 = 38.13 %, 9.5 ÷ 20 = 47.5 %: all more than 10 points behind 58.33 %, no
    # 偏差原因; 其他资金 forecasts 10 of 20 with no 纠偏措施; 疗养人数 有可能 with no 纠偏措施
    assert codes(report) == ["execution_behind_unexplained"] * 3 + ["unspent_without_remedy",
                                                                     "doubtful_without_remedy"]


def test_a_form_amount_written_as_words_is_a_located_error(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from perfeval_utils.errors import CellTypeError
    from perfeval_utils.read.monitor_form import load_monitor_form

    path = official_form(tmp_path)
    book = load_workbook(path)
    book["监控表"]["D5"] = "四十万"
    book.save(path)
    with pytest.raises(CellTypeError) as error:
        load_monitor_form(path)
    assert (error.value.sheet, error.value.row, error.value.found) == ("监控表", 5, "四十万")


def pd_isna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_the_committed_example_is_what_the_script_builds(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_example", ROOT / "scripts" / "make_monitoring_example.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    built, committed = load_report(module.main(tmp_path / "built.xlsx")), load_report(EXAMPLE)
    assert built.meta == committed.meta
    for name in ("budget", "kpis", "monitoring_budget", "monitoring_kpis"):
        assert getattr(built, name).equals(getattr(committed, name)), name
