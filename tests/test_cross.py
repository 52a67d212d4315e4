"""Cross-report evidence: each pattern fires on a set built here, and stays quiet below its minimum sample."""

from __future__ import annotations

from pathlib import Path

from perfeval_utils.check.cross import CrossLimits, cross_flags, on_target_shares
from perfeval_utils.check.flags import red_flags

from .review_builders import report_set, workbook

ON = ("10 场", "10 场", "已完成", None, None, None)
OVER = ("10 场", "12 场", "已完成", None, None, None)


def flags(folder: Path, limits: CrossLimits | None = None) -> dict[str, set[str]]:
    frame = cross_flags(report_set(folder), limits or CrossLimits())
    return {flag: set(frame[frame["flag"] == flag]["department"]) for flag in set(frame["flag"])}


def test_a_body_exactly_on_target_everywhere_stands_out_against_its_peers(tmp_path: Path) -> None:
    """甲: 5 of 5 parts at 100 % (share 1); 乙丙丁: 2 of 5 (0.4). 1 − median 0.4 = 0.6 ≥ 0.3: fires for 甲 only."""
    workbook(tmp_path, "甲", 2022, [ON] * 5)
    for name in "乙丙丁":
        workbook(tmp_path, name, 2022, [ON, ON, OVER, OVER, OVER])
    assert flags(tmp_path)["on_target_vs_peers"] == {"甲"}
    row = cross_flags(report_set(tmp_path)).query("flag == 'on_target_vs_peers'").iloc[0]
    assert row["evidence"] == "5 个可比较指标中 5 个恰为 100%（100%），同批其他 3 份报告的中位比例为 40%"
    shares = on_target_shares(report_set(tmp_path)).set_index("department")
    assert shares.loc["乙", "parts"] == 5 and shares.loc["乙", "on_target"] == 2


def test_on_target_says_nothing_with_too_few_peers_or_parts(tmp_path: Path) -> None:
    workbook(tmp_path, "甲", 2022, [ON] * 5)
    for name in "乙丙":  # two peers, three needed
        workbook(tmp_path, name, 2022, [ON, ON, OVER, OVER, OVER])
    assert "on_target_vs_peers" not in flags(tmp_path)
    workbook(tmp_path, "丁", 2022, [ON, OVER, OVER, OVER, OVER])
    assert "on_target_vs_peers" in flags(tmp_path)
    assert "on_target_vs_peers" not in flags(tmp_path, CrossLimits(min_parts=6))  # 甲 has 5 parts


def test_round_rates_need_five_percentages(tmp_path: Path) -> None:
    """甲 states 90 %, 95 %, 100 %, 85 % and 80 %: five of five are multiples of 5; 乙 only four of them."""
    rates = [("80%", f"{v}%", None, None, None, None) for v in (90, 95, 100, 85)]
    workbook(tmp_path, "甲", 2022, [*rates, ("80%", "80%", None, None, None, None)])
    workbook(tmp_path, "乙", 2022, rates)
    workbook(tmp_path, "丙", 2022, [*rates, ("80%", "87.5%", None, None, None, None)])  # 4 of 5 = 80 %: fires
    workbook(tmp_path, "丁", 2022, [*rates[:3], *[("80%", "81.3%", None, None, None, None)] * 2])  # 3 of 5: quiet
    assert flags(tmp_path)["round_rates"] == {"甲", "丙"}


def test_a_long_reason_shared_by_two_departments_is_flagged_for_both(tmp_path: Path) -> None:
    reason = "受疫情影响部分活动未能如期开展，下一步将加强统筹"
    short = "场地不足"
    workbook(tmp_path, "甲", 2022, [("10 场", "8 场", "未完成", None, None, reason)])
    workbook(tmp_path, "乙", 2022, [("5 家", "4 家", "未完成", None, None, f" {reason}")])  # blanks do not matter
    workbook(tmp_path, "丙", 2022, [("10 场", "8 场", "未完成", None, None, short)])
    workbook(tmp_path, "丁", 2022, [("10 场", "8 场", "未完成", None, None, short)])  # short: quiet
    found = flags(tmp_path)
    assert found["shared_text"] == {"甲", "乙"}
    evidence = cross_flags(report_set(tmp_path)).query("flag == 'shared_text' and department == '甲'").iloc[0]
    assert evidence["evidence"] == f"指标1偏差原因「{reason}」与 乙 2022 指标1偏差原因一字不差"


def test_the_same_department_repeating_its_own_text_is_not_shared_text(tmp_path: Path) -> None:
    reason = "受疫情影响部分活动未能如期开展，下一步将加强统筹"
    workbook(tmp_path, "甲", 2021, [("10 场", "8 场", "未完成", None, None, reason)])
    workbook(tmp_path, "甲", 2022, [("10 场", "8 场", "未完成", None, None, reason)])
    assert "shared_text" not in flags(tmp_path)


def test_targets_set_at_last_years_actual_need_three_matched_indicators(tmp_path: Path) -> None:
    """2021 actuals 12 场, 7 家, 30 人; 2022 targets 12 场, 7 家, 31 人: 2 of 3 (67 %) repeat."""
    names = ["培训", "走访", "慰问"]
    def plain(target: str, actual: str) -> tuple:
        return (target, actual, None, None, None, None)

    workbook(tmp_path, "甲", 2021,
             [plain("10 场", "12 场"), plain("5 家", "7 家"), plain("30 人", "30 人")], names=names)
    workbook(tmp_path, "甲", 2022,
             [plain("12 场", "12 场"), plain("7 家", "8 家"), plain("31 人", "31 人")], names=names)
    frame = cross_flags(report_set(tmp_path))
    row = frame[frame["flag"] == "target_repeats_last_actual"].iloc[0]
    assert row["year"] == 2022
    assert row["evidence"] == "与 2021 年同名的 3 个指标中 2 个（67%）的目标恰为上年实现值：「培训」12场、「走访」7家"
    assert "target_repeats_last_actual" not in flags(tmp_path, CrossLimits(min_pairs=4))


def test_red_flags_of_a_set_include_the_cross_evidence_and_of_a_list_do_not(tmp_path: Path) -> None:
    workbook(tmp_path, "甲", 2022, [ON] * 5)
    for name in "乙丙丁":
        workbook(tmp_path, name, 2022, [ON, ON, OVER, OVER, OVER])
    reports = report_set(tmp_path)
    assert "on_target_vs_peers" in set(red_flags(reports)["flag"])
    assert "on_target_vs_peers" not in set(red_flags(list(reports.originals))["flag"])
    assert "on_target_vs_peers" not in set(red_flags(reports, cross=False)["flag"])
