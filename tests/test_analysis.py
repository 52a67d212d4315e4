"""Execution, indicator completion, shortfalls and score, each against a hand computation.

The seed's figures below were computed by hand from the report's text (lines 27–29, 58–69):
1390.69 ÷ 1415.43 = 98.2521…%; 232000 − 230500 = 1500 元; 46 − 37 = 9 名; 37 ÷ 46 = 80.43 %;
245 ÷ 80 = 306.25 %; 605 ÷ 100 = 605 %; 430426 ÷ 10000 = 4304.26 %; 96 ÷ 90 = 106.67 %.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import load_report
from perfeval_utils.analyse.budget import execution, matches_at_printed_precision, split
from perfeval_utils.analyse.indicators import indicators, shortfalls, stated_met, target_flags
from perfeval_utils.analyse.scoring import Rubric, by_category, grade, score, summary
from perfeval_utils.report import Report

from .builders import valid_sheets, write_workbook

D = Decimal


def kpi_workbook(tmp_path: Path, rows: list[tuple[str, str, str, str | None]], **extra: object) -> Report:
    """A workbook whose 指标 sheet holds (category, target, actual, 完成情况) rows."""
    sheets = valid_sheets()
    header = sheets["指标"][0]
    sheets["指标"] = [header] + [
        [str(i), "部门整体", cat, None, f"指标{i}", target, actual, status, None, None, None, None]
        for i, (cat, target, actual, status) in enumerate(rows, start=1)
    ]
    for key, value in extra.items():
        sheets["预算"][1][{"budget": 2, "executed": 3, "stated_rate": 5}[key]] = value
    return load_report(write_workbook(tmp_path / "kpi.xlsx", sheets))


# ---- execution -----------------------------------------------------------------------


def test_seed_execution_rate_matches_the_stated_98_25(seed_report: Report) -> None:
    total = execution(seed_report).iloc[0]
    assert total["rate"] == D("98.2521")
    assert total["stated_rate"] == D("98.25")
    assert bool(total["rate_matches"]) is True


def test_lines_without_budget_have_no_rate(seed_report: Report) -> None:
    frame = execution(seed_report)
    assert frame.loc[1:, "rate"].isna().all()
    assert frame.loc[1:, "rate_matches"].isna().all()


@pytest.mark.parametrize(
    ("stated", "expected"),
    [("98.25", True), ("98.3", True), ("98", True), ("98.26", False), ("98.2521", True), ("98.2522", False),
     ("100", False)],
)
def test_rate_compared_at_printed_precision(stated: str, expected: bool) -> None:
    computed = D("1390.69") / D("1415.43") * 100  # 98.252121263…
    assert matches_at_printed_precision(computed, D(stated)) is expected


def test_half_up_rounding_at_the_boundary() -> None:
    assert matches_at_printed_precision(D("98.245"), D("98.25")) is True
    assert matches_at_printed_precision(D("98.2449"), D("98.25")) is False


def test_split_by_nature_uses_executed_when_no_budget(seed_report: Report) -> None:
    nature = split(seed_report, "支出性质").set_index("item")
    # 1319.92 ÷ 1390.69 = 94.911…%, 95.51 ÷ 1390.69 = 6.8678…%
    assert nature.loc["基本支出", "share"] == D("94.91")
    assert nature.loc["项目支出", "share"] == D("6.87")
    assert set(nature["basis"]) == {"执行数"}


def test_mismatching_stated_rate_is_reported(tmp_path: Path) -> None:
    report = kpi_workbook(tmp_path, [("产出", "1 项", "1 项", "已完成")], stated_rate=97.5)
    assert bool(execution(report).iloc[0]["rate_matches"]) is False


# ---- indicators ----------------------------------------------------------------------


def test_seed_has_eleven_parts_and_two_unmet(seed_report: Report) -> None:
    parts = indicators(seed_report)
    assert len(parts) == 11
    assert parts.groupby("indicator_id").size()["8"] == 2
    assert sorted(parts.loc[parts["met"].eq(False), "indicator_id"]) == ["2", "3"]
    assert (parts["met"] == parts["stated_met"]).all()


def test_seed_condolence_and_sanatorium_gaps(seed_report: Report) -> None:
    parts = indicators(seed_report).set_index(["indicator_id", "part"])
    condolence = parts.loc[("2", 1)]
    assert (condolence["target"], condolence["actual"], condolence["gap"], condolence["unit"]) == (
        D(232000), D(230500), D(1500), "元")
    assert condolence["completion"] == D("99.35")
    sanatorium = parts.loc[("3", 1)]
    assert (sanatorium["gap"], sanatorium["unit"], sanatorium["completion"]) == (D(9), "名", D("80.43"))
    assert parts.loc[("7", 1), "completion"] == D("306.25")
    assert parts.loc[("8", 1), "completion"] == D("605.00")
    assert parts.loc[("8", 2), "completion"] == D("4304.26")
    assert parts.loc[("10", 1), "completion"] == D("106.67")
    assert parts.loc[("1", 1), "gap"] == 0


def test_shortfalls_largest_relative_first_with_reasons(seed_report: Report) -> None:
    frame = shortfalls(seed_report)
    assert list(frame["indicator_id"]) == ["3", "2"]
    assert list(frame["gap"]) == [D(9), D(1500)]
    assert frame.loc[1, "reason"].startswith("通过各种方法均无法联系上劳模李比")
    assert "疫情" in frame.loc[0, "reason"]


def test_target_flags_over_130_percent(seed_report: Report) -> None:
    flags = target_flags(seed_report)
    assert list(zip(flags["indicator_id"], flags["part"], strict=True)) == [("7", 1), ("8", 1), ("8", 2)]
    assert list(target_flags(seed_report, threshold=500)["indicator_id"]) == ["8", "8"]


@pytest.mark.parametrize(
    ("row", "met", "completion", "gap"),
    [
        (("产出", "≤5天", "3天", None), True, D("166.67"), D(0)),
        (("产出", "≤5天", "7天", None), False, D("71.43"), D(2)),
        (("产出", "2天以内", "2天", None), True, D("100.00"), D(0)),
        (("成本", "20万元", "18万元", None), True, D("111.11"), D(0)),
        (("成本", "20万元", "25万元", None), False, D("80.00"), D(5)),
        (("产出", "≥90%", "89%", None), False, D("98.89"), D(1)),
        (("产出", "超过 10 家", "10 家", None), False, D("100.00"), D(0)),
        (("产出", "0", "0", None), True, D(100), D(0)),
        (("产出", "≤0", "2", None), False, None, D(2)),
        (("效益", "显著提升", "显著提升", None), True, D(100), None),
        (("效益", "有效改善", "是", None), True, D(100), None),
        (("效益", "100%", "无", None), False, D(0), None),
        (("效益", "高", "无", None), False, D(0), None),
        (("效益", "有效改善", "较好", None), None, None, None),
    ],
)
def test_comparison_rules(tmp_path: Path, row: tuple, met: bool | None, completion: Decimal | None,
                          gap: Decimal | None) -> None:
    part = indicators(kpi_workbook(tmp_path, [row])).iloc[0]
    assert (None if pd.isna(part["met"]) else bool(part["met"])) is met
    assert part["completion"] == completion if completion is not None else part["completion"] is None
    assert part["gap"] == gap if gap is not None else part["gap"] is None


def test_strictly_greater_target_is_not_met_by_equality(tmp_path: Path) -> None:
    part = indicators(kpi_workbook(tmp_path, [("产出", "超过 10 家", "10 家", None)])).iloc[0]
    assert bool(part["met"]) is False


def test_wan_yuan_against_yuan_is_converted_and_noted(tmp_path: Path) -> None:
    part = indicators(kpi_workbook(tmp_path, [("产出", "20万元", "190000元", None)])).iloc[0]
    assert (part["actual"], part["unit"], part["gap"], part["completion"]) == (D(19), "万元", D(1), D("95.00"))
    assert "换算" in part["review"]


def test_unknown_unit_mismatch_is_flagged_not_compared(tmp_path: Path) -> None:
    part = indicators(kpi_workbook(tmp_path, [("产出", "10 篇", "10 人", None)])).iloc[0]
    assert pd.isna(part["met"]) and part["completion"] is None
    assert "单位不一致" in part["review"]


def test_actual_written_as_a_target_is_flagged(tmp_path: Path) -> None:
    part = indicators(kpi_workbook(tmp_path, [("产出", "≥90%", "≥90%", None)])).iloc[0]
    assert bool(part["met"]) is True
    assert "比较符" in part["review"]


def test_blank_actual_is_flagged(tmp_path: Path) -> None:
    part = indicators(kpi_workbook(tmp_path, [("产出", "5 场", None, None)])).iloc[0]
    assert "实现值为空" in part["review"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("已完成", True), ("未完成（通过各种方法……）", False), ("未完成/不适用", False), ("达标", True),
     ("未达标", False), (None, None), ("", None), ("部分完成", None)],
)
def test_stated_met(text: str | None, expected: bool | None) -> None:
    assert stated_met(text) is expected


# ---- score ---------------------------------------------------------------------------


def test_seed_score_by_the_default_rubric(seed_report: Report) -> None:
    result = score(seed_report)
    # 产出: 50/6 × (1 + 230500/232000 + 37/46 + 3) ; 效益 30 ; 满意度 10 ; 执行率 10 × 1390.69/1415.43
    exact = (Fraction(50, 6) * (4 + Fraction(230500, 232000) + Fraction(37, 46)) + 40
             + 10 * Fraction(139069, 141543))
    assert abs(Fraction(result.total) - exact) < Fraction(1, 10000)
    assert result.total == D("98.1409")
    assert result.grade == "优"
    assert result.stated == D("98.39")
    assert result.difference == D("-0.2491")
    assert "98.14" in summary(result) and "98.39" in summary(result)
    categories = by_category(result).set_index("category")
    assert categories.loc["产出", "available"] == D(50)
    assert categories.loc["产出", "scored"] == D("48.3157")
    assert categories.loc["预算执行率", "scored"] == D("9.8252")


def test_workbook_weights_are_used_when_every_indicator_has_one(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["指标"][1][8:10] = [40, 40]
    sheets["指标"][2][8:10] = [40, 39.35]
    sheets["指标"][3][8:10] = [10, 10]
    sheets["基本信息"] += [["预算执行率分值", 10, None], ["预算执行率得分", 9.83, None]]
    result = score(load_report(write_workbook(tmp_path / "w.xlsx", sheets)))
    assert result.weights_source == "工作簿「分值」"
    table = result.table.set_index("line")
    # 指标2: 约 232000 元 target, 230500 元 actual → 40 × 0.99353… = 39.7414
    assert table.loc["2 慰问金", "score"] == D("39.7414")
    assert table.loc["2 慰问金", "stated_score"] == D("39.35")
    assert sum(table["weight"]) == 100


def test_a_custom_rubric_is_data(seed_report: Report) -> None:
    rubric = Rubric(category_points={"产出": D(60), "效益": D(20), "满意度": D(10)}, execution_points=D(10))
    result = score(seed_report, rubric)
    # 产出: 60/6 × (4 + 0.993534… + 0.804347…) = 57.9788 ; + 20 + 10 + 9.8252
    assert result.total == D("97.8040")


def test_missing_category_is_said(tmp_path: Path) -> None:
    result = score(kpi_workbook(tmp_path, [("产出", "1 项", "1 项", "已完成")]))
    assert any("满分不足 100" in note for note in result.notes)


@pytest.mark.parametrize(
    ("total", "expected"),
    [("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差"),
     ("0", "差")],
)
def test_grade_bands(total: str, expected: str) -> None:
    assert grade(D(total)) == expected


# ---- the sentences notebooks print ------------------------------------------------------


def test_execution_summary_sentence(seed_report: Report) -> None:
    from perfeval_utils.analyse.budget import execution_summary

    assert execution_summary(seed_report) == (
        "预算数 1415.43 万元，执行数 1390.69 万元，重算执行率 98.2521%；报告执行率 98.25%，按报告精度一致")


def test_dimension_sums_show_the_nature_split_adds_to_the_budget(seed_report: Report) -> None:
    from perfeval_utils.analyse.budget import dimension_sums

    sums = dimension_sums(seed_report).set_index("dimension")
    assert sums.loc["支出性质", "executed_sum"] == D("1415.43")  # 1319.92 + 95.51, the budget, not 1390.69
    assert sums.loc["资金来源", "executed_sum"] == D("1390.69")
    assert sums.loc["资金来源", "budget_sum"] is None and sums.loc["资金来源", "budget_blank"] == 4


def test_shortfall_sentences_quote_gap_and_reason(seed_report: Report) -> None:
    from perfeval_utils.analyse.indicators import shortfall_sentences

    lines = shortfall_sentences(seed_report).split("\n")
    assert lines[0].startswith("指标3「劳模疗养参加数量」：预期 46 名，实现 37 名，差 9 名，完成率 80.43%")
    assert "差 1500 元，完成率 99.35%" in lines[1] and "李比" in lines[1]


def test_status_agreement_counts_and_names_disagreements(tmp_path: Path, seed_report: Report) -> None:
    from perfeval_utils.analyse.indicators import status_agreement

    expected = "共 11 个指标部分：计算结果与报告完成情况一致 11 个，不一致 0 个"
    assert status_agreement(indicators(seed_report)).startswith(expected)
    report = kpi_workbook(tmp_path, [("产出", "10 场", "8 场", "已完成"), ("效益", "有效改善", "较好", "已完成")])
    text = status_agreement(indicators(report))
    assert "不一致 1 个" in text and "指标1「指标1」报告称已完成，按数值未达到目标" in text
    assert "需复核：指标2" in text


def test_weights_statement(tmp_path: Path, seed_report: Report) -> None:
    from perfeval_utils.analyse.scoring import weights_statement

    assert weights_statement(seed_report).startswith("报告未列出指标分值（10 个指标中列出 0 个），也未列各指标得分")
    sheets = valid_sheets()
    for row, weight in zip(sheets["指标"][1:], (40, 40, 10), strict=True):
        row[8] = weight
    report = load_report(write_workbook(tmp_path / "weights.xlsx", sheets))
    assert weights_statement(report).startswith("报告列出了全部 3 个指标的分值和 1 个指标的得分")


def test_stated_execution_points_rescale_the_rubric(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["基本信息"].append(["预算执行率分值", 20, None])
    result = score(load_report(write_workbook(tmp_path / "twenty.xlsx", sheets)))
    weights = result.table.set_index("category")["weight"]
    # 产出 50 × 80/90 = 44.4444 over two indicators; 满意度 10 × 80/90 = 8.8889; 执行率 20
    assert list(result.table["weight"]) == [D("22.2222"), D("22.2222"), D("8.8889"), D(20)]
    assert weights["预算执行率"] == D(20)
    assert any("缩放到 80.00 分" in note for note in result.notes)


def test_a_workbook_without_indicators_is_not_graded(tmp_path: Path) -> None:
    from perfeval_utils.analyse.scoring import NOT_GRADED

    sheets = valid_sheets()
    sheets["指标"] = sheets["指标"][:1]
    result = score(load_report(write_workbook(tmp_path / "none.xlsx", sheets)))
    assert result.grade == NOT_GRADED
    assert summary(result).startswith("不重算得分：工作簿没有绩效指标")


def test_qualitative_shortfall_quotes_the_texts(tmp_path: Path) -> None:
    from perfeval_utils.analyse.indicators import shortfall_sentences

    report = kpi_workbook(tmp_path, [("效益", "100%", "无", "未完成")])
    assert shortfall_sentences(report) == "指标1「指标1」：预期「100%」，实现「无」，完成率 0.00%。原因：报告未说明原因"


def test_a_workbook_without_indicators_gives_empty_frames(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["指标"] = sheets["指标"][:1]
    report = load_report(write_workbook(tmp_path / "none.xlsx", sheets))
    assert indicators(report).empty and shortfalls(report).empty
    flags = target_flags(report)
    assert flags.empty and "completion" in flags.columns
