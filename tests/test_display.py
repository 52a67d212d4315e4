"""The display layer: Chinese headers for every frame a notebook shows, amounts as printed, one blank marker."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import load_report, load_reports
from perfeval_utils.analyse import budget, indicators, peers, scoring, series
from perfeval_utils.check import reconcile
from perfeval_utils.present import display

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"
HUANGPU = "广州市黄埔区总工会（广州开发区总工会）"
BLANKS = ("None", "<NA>", "nan", "NaN", "NaT")


def shown_frames() -> dict[str, pd.DataFrame]:
    """Every frame notebooks 00–06 show, built from the seed and the data folder."""
    report = load_report(SEED)
    reports = load_reports(ROOT / "data", progress=False)
    checks = reconcile.reconcile(report)
    result = scoring.score(report)
    return {
        "budget": report.budget, "kpis": report.kpis, "tasks": report.tasks, "claims": report.claims,
        "rules": report.rules, "warnings": report.warning_table(), "execution": budget.execution(report),
        "dimension_sums": budget.dimension_sums(report), "split": budget.split(report, "资金来源"),
        "indicators": indicators.indicators(report), "shortfalls": indicators.shortfalls(report),
        "target_flags": indicators.target_flags(report), "score": result.table,
        "by_category": scoring.by_category(result), "stated_figures": reconcile.stated_figures(report),
        "checks": checks, "findings": reconcile.findings(checks), "reports": reports.reports,
        "conversions": reports.conversions, "execution_by_year": series.execution_by_year(reports, HUANGPU),
        "indicator_trend": series.indicator_trend(reports, HUANGPU, min_years=1),
        "recurring": series.recurring_shortfalls(reports, HUANGPU, min_years=1), "series": series.series(reports),
        "changes": series.stated_changes(reports), "statements": peers.statements(reports, reports.departments),
        "peers": peers.peer_comparison(reports, reports.departments),
        "lines_by_year": series.lines_by_year(reports, reports.departments),
    }


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return shown_frames()


def test_every_column_a_notebook_shows_has_a_chinese_header(frames: dict[str, pd.DataFrame]) -> None:
    """No snake_case survives: a header is Chinese (a year such as "2021 执行数" is Chinese too)."""
    english = {name: [h for h in display.as_text(frame).columns if re.search(r"[a-z_]", h)]
               for name, frame in frames.items()}
    assert {name: found for name, found in english.items() if found} == {}


def test_one_english_name_gets_the_header_of_its_frame(frames: dict[str, pd.DataFrame]) -> None:
    """``name`` is 指标名称 in the indicator tables and 任务名称 in 任务; ``item`` is 项目 in 预算, 事项 in 文中数据."""
    assert display.headers(frames["kpis"])["name"] == "指标名称"
    assert display.headers(frames["tasks"])["name"] == "任务名称"
    assert display.headers(frames["tasks"])["stated_met"] == "报告达标数"
    assert display.headers(frames["indicators"])["stated_met"] == "报告为完成"
    assert display.headers(frames["budget"])["item"] == "项目"
    assert display.headers(frames["claims"])["item"] == "事项"
    assert display.headers(frames["changes"])["stated_rate"] == "报告增减率（%）"
    assert display.headers(frames["execution"])["stated_rate"] == "报告执行率（%）"
    assert display.headers(frames["statements"])["budget"] == "列预算数"
    assert display.headers(frames["peers"])["budget"] == "预算数"


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1415.43"), "1,415.43"),  # the seed's 预算数, two decimals as printed
    (Decimal("232000"), "232,000"),
    (Decimal("100.0000"), "100.0000"),  # a rate kept at its stated rounding, trailing zeros included
    (Decimal("1.50"), "1.50"),
    (Decimal("-17.84"), "-17.84"),  # ASCII minus: survives a GBK console
    (Decimal("1E+3"), "1,000"),
    (7, "7"),
    (2022, "2022"),  # a year or a count: no separator
])
def test_numbers_show_thousands_separators_at_their_own_precision(value: object, shown: str) -> None:
    assert display.shown_text(value) == shown


@pytest.mark.parametrize("blank", [None, math.nan, pd.NA, pd.NaT, Decimal("NaN")])
def test_every_kind_of_blank_is_one_marker(blank: object) -> None:
    assert display.shown_text(blank, "budget") == display.MISSING == "—"


def test_a_table_shows_no_none_na_or_nan(frames: dict[str, pd.DataFrame]) -> None:
    """The execution table has blank 预算数 on six lines and NA 一致 on six: all shown as —."""
    for name, frame in frames.items():
        cells = set(display.as_text(frame).to_numpy().ravel().tolist())
        assert not cells & set(BLANKS), name
    text = display.as_text(frames["execution"])
    assert text["预算数"].tolist()[:2] == ["1,415.43", "—"]
    assert text["执行率按报告精度一致"].tolist()[:2] == ["一致", "—"]


def test_codes_show_in_chinese() -> None:
    assert [display.shown_text(op, "op") for op in ("~", ">=", "<=", "=")] == ["约", "≥", "≤", "＝"]
    assert display.shown_text("rate", "kind") == "执行率"
    assert display.shown_text(True, "ok") == "通过" and display.shown_text(False, "ok") == "未通过"
    assert display.shown_text(False, "met") == "否"
    assert display.shown_text("derived from stated change in the 2024 report", "prior_basis") == \
        "由 2024 年报告所列增减额推算"
    assert display.shown_text("stated", "executed_basis") == "报告所列"


def test_the_indicator_table_shows_the_shortfall_in_chinese(frames: dict[str, pd.DataFrame]) -> None:
    """劳模慰问金: 约 232,000 元 expected, 230,500 实现, gap 1,500, completion 99.35 %."""
    text = display.as_text(frames["indicators"]).set_index("指标名称")
    row = text.loc["劳模慰问金发放数量"]
    assert (row["比较"], row["预期数"], row["实现数"], row["差距"], row["完成率（%）"], row["计算为完成"]) == (
        "约", "232,000", "230,500", "1,500", "99.35", "否")
    assert "completion_exact" not in frames["indicators"].pipe(display.as_text).columns


def test_the_styler_has_chinese_headers_no_index_and_a_stable_id(frames: dict[str, pd.DataFrame]) -> None:
    first = display.table(frames["execution"], caption="预算执行").to_html()
    second = display.table(budget.execution(load_report(SEED)), caption="预算执行").to_html()
    assert first == second  # same content, same bytes: no random table id
    assert "重算执行率（%）" in first and "1,415.43" in first and "98.2521" in first
    assert "dimension" not in first and "row_heading" not in first
    assert not any(f">{blank}<" in first for blank in BLANKS)
    assert display.table(frames["tasks"]).to_html() != first
    empty = display.table(frames["warnings"])
    assert "（无）" in empty.to_html() and repr(empty) == "（无）"
    assert "0x" not in repr(display.table(frames["execution"]))  # plain text is the table, not an address
    assert repr(display.table(frames["execution"])).split("\n")[0].split()[:3] == ["维度", "项目", "预算数"]


def test_as_float_is_a_plotting_copy_and_leaves_the_decimals(frames: dict[str, pd.DataFrame]) -> None:
    exact = frames["execution"]
    floats = display.as_float(exact)
    assert floats["budget"].dtype == "float64" and floats["rate"].dtype == "float64"
    assert floats["budget"].iloc[0] == pytest.approx(1415.43) and math.isnan(floats["budget"].iloc[1])
    assert floats["item"].tolist() == exact["item"].tolist()
    assert isinstance(exact["budget"].iloc[0], Decimal)  # the source of truth is untouched
    ax = floats.plot.bar(x="item", y=["executed"])  # what failed on Decimals: "no numeric data to plot"
    assert len(ax.patches) == len(exact)


def test_a_report_repr_is_one_line_and_its_html_has_the_basic_information() -> None:
    report = load_report(SEED)
    text = repr(report)
    assert "\n" not in text and len(text) < 200
    assert text.startswith(f"Report({HUANGPU} 2022 年度 部门整体支出")
    assert "指标 10 个" in text and "huangpu-zonggonghui-2022.xlsx" in text
    page = report._repr_html_()
    assert "自评得分" in page and "98.39" in page and "二（一）自评结论综述 第49行" in page
    assert "self_score" not in page


def test_a_score_result_shows_the_stated_precision_not_28_digits() -> None:
    """98.1409 recomputed, 98.39 stated with two decimals: shown 98.14, difference −0.25."""
    result = scoring.score(load_report(SEED))
    assert repr(result) == "ScoreResult(重算 98.14 分，等级 优；报告自评 98.39 分，差 -0.25 分)"
    page = result._repr_html_()
    assert "98.1409" in page and "评分项" in page and "Fraction" not in page
    assert not re.search(r"\d\.\d{8,}", page)


def test_findings_are_numbered_sentences_with_chinese_kinds() -> None:
    checks = reconcile.reconcile(load_report(SEED))
    shown = display.findings(checks)
    failed = reconcile.findings(checks)
    assert len(shown) == len(failed) > 0
    lines = repr(shown).split("\n")
    assert [line.split("（")[0] for line in lines] == failed["check_id"].tolist()
    assert all(re.match(r"^\S+（[\u4e00-\u9fff]+）", line) for line in lines)
    assert shown._repr_html_().count("<li>") == len(failed)
    empty = display.findings(checks[checks["ok"].eq(True).fillna(False)])
    assert repr(empty) == "没有未通过的核对。"


def test_everything_the_display_layer_adds_survives_a_gbk_console(frames: dict[str, pd.DataFrame]) -> None:
    """Headers, the missing marker, 约/≥/≤/＝, check kinds and 是/否 all encode in GBK (a Chinese Windows console)."""
    added = [display.MISSING, display.EMPTY, *display.OPS.values(), *display.CHECK_KINDS.values(),
             *(t for pair in display.BOOLEAN_TEXT.values() for t in pair), "是", "否",
             *(h for frame in frames.values() for h in display.headers(frame).values())]
    for text in added:
        text.encode("gbk")  # raises UnicodeEncodeError if a character has no GBK code
    assert display.shown_text(Decimal("-17.84")).encode("gbk") == b"-17.84"


def test_tally_counts_each_kind_in_chinese() -> None:
    """The seed: 44 checks, 36 passed, 6 failed, 2 undecided; 合计 (sum) 1 passed and 2 failed."""
    checks = reconcile.reconcile(load_report(SEED))
    shown = display.tally(checks)
    assert shown.caption == "共 44 项核对：通过 36 项，未通过 6 项，无法判定 2 项"
    frame = shown.frame.set_index("核对类型")
    assert frame.loc["合计"].tolist() == [1, 2, 0, 3]
    assert frame.loc["指标计数"].tolist() == [11, 1, 2, 14]
    assert frame["合计"].sum() == len(checks) == 44
    assert not any(re.search(r"[a-z]", kind) for kind in frame.index)


def test_no_checks_is_an_empty_tally_not_an_error() -> None:
    checks = reconcile.reconcile(load_report(SEED)).iloc[0:0]
    assert repr(display.tally(checks)) == "共 0 项核对：通过 0 项，未通过 0 项，无法判定 0 项\n（无）"
    assert repr(display.findings(checks)) == "没有未通过的核对。"


MONITORING = ROOT / "data" / "examples" / "huangpu-zonggonghui-2022-monitoring.xlsx"


def _untranslated(frame: pd.DataFrame) -> list[str]:
    """Headers still in English: ASCII only (lag, error) or with snake_case (to_date)."""
    return [h for h in display.as_text(frame).columns if h.isascii() or re.search(r"[a-z_]", h)]


def test_every_monitoring_column_has_the_header_of_the_official_form() -> None:
    """Notebook 08's tables: every column of the three monitoring frames in Chinese, the form's words."""
    from perfeval_utils.check import monitoring

    report = load_report(MONITORING)
    shown = {"budget_progress": monitoring.budget_progress(report),
             "indicator_progress": monitoring.indicator_progress(report),
             "forecast_accuracy": monitoring.forecast_accuracy(report)}
    assert all(len(frame) for frame in shown.values())
    assert {name: _untranslated(frame) for name, frame in shown.items() if _untranslated(frame)} == {}
    budget_headers = display.headers(shown["budget_progress"])
    assert [budget_headers[c] for c in ("budget", "executed_to_date", "execution_progress", "time_progress", "lag",
                                        "forecast", "forecast_unspent", "reason", "remedy", "flags")] == [
        "年度预算数", "截止执行数", "执行进度（%）", "时间进度（%）", "滞后（百分点）", "全年预计执行数", "预计结余",
        "偏差原因", "纠偏措施", "提示"]
    kpi_headers = display.headers(shown["indicator_progress"])
    assert [kpi_headers[c] for c in ("target", "to_date", "forecast", "likelihood", "reason_type", "reason",
                                     "note")] == ["年度指标值", "截止完成值", "全年预计完成值", "完成可能性",
                                                  "偏差原因类型", "原因说明", "说明"]
    accuracy_headers = display.headers(shown["forecast_accuracy"])
    assert [accuracy_headers[c] for c in ("year_end", "error", "error_pct")] == ["年末数", "误差", "误差（%）"]
    assert not any(blank in cell for frame in shown.values() for cell in display.as_text(frame).to_numpy().ravel()
                   for blank in BLANKS)


def test_every_review_round_column_has_a_chinese_header() -> None:
    """Notebook 09's tables: the sample, the gap per report and per moved indicator, the priority ranking."""
    from perfeval_utils.check import review

    reports = review.load_round(ROOT / "data")
    _, priority, sample = review.review_round(reports, 3, seed=2026)
    gap = review.round_gap(reports, ROOT / "data" / "examples" / "review-round-example.xlsx")
    shown = {"priority": priority, "sample": sample, "gap": gap.reports, "moved": gap.moved,
             "distribution": gap.distribution}
    assert {name: _untranslated(frame) for name, frame in shown.items() if _untranslated(frame)} == {}
    assert [display.headers(sample)[c] for c in ("basis", "probability")] == ["入选依据", "入选概率"]
    assert [display.headers(gap.reports)[c] for c in ("self_score", "rechecked", "difference")] == [
        "自评得分", "复核得分", "差异"]
