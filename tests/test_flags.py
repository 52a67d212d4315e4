"""Each red flag, with a workbook where it fires and one where it does not (built here)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import load_report
from perfeval_utils.check.flags import (
    RULES,
    Thresholds,
    evidence_text,
    no_reason,
    red_flags,
    review_priority,
    rules_table,
)
from tests.conftest import REFERENCE, ROOT, SEED, all_workbooks

from .builders import Rows, valid_sheets, write_workbook

Sheets = dict[str, Rows]
HEADER = valid_sheets()["指标"][0]


def kpis(*rows: tuple) -> Callable[[Sheets], None]:
    """Replace the 指标 sheet: rows of (target, actual, status, weight, score, reason)."""
    def mutate(sheets: Sheets) -> None:
        sheets["指标"] = [HEADER] + [
            [str(i), "部门整体", "产出", None, f"指标{i}", t, a, st, w, sc, r, f"第{i}行"]
            for i, (t, a, st, w, sc, r) in enumerate(rows, start=1)]
        sheets["文中数据"] = sheets["文中数据"][:1] + sheets["文中数据"][2:]  # drop the stated count (10)
    return mutate


def executed(value: object) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        sheets["预算"][1][3] = value
        sheets["预算"][1][5] = None
        sheets["预算"] = sheets["预算"][:2]
    return mutate


def flags_of(tmp_path: Path, *mutations: Callable[[Sheets], None]) -> pd.DataFrame:
    sheets = valid_sheets()
    for mutation in mutations:
        mutation(sheets)
    return red_flags(load_report(write_workbook(tmp_path / "f.xlsx", sheets)))


def consistent(sheets: Sheets) -> None:
    """Make the builder's workbook agree with itself: no tasks, no stated counts, sources = executed."""
    del sheets["任务"], sheets["文中数据"]
    sheets["指标"][3][1] = "部门整体"
    sheets["预算"] = sheets["预算"][:3]


MET = ("10 场", "10 场", "已完成", None, None, None)
SHORT = ("10 场", "8 场", "未完成", None, None, "场地不足")
CASES = [
    # flag, mutations where it fires, mutations where it does not
    ("spent_little_achieved_all", [executed(1000), kpis(MET, ("5 家", "6 家", "已完成", None, None, None))],
     [executed(1400), kpis(MET, ("5 家", "6 家", "已完成", None, None, None))]),
    ("rate_contradicts_amounts", [lambda s: s["预算"][1].__setitem__(5, 90)],  # 98.25 computed, 90 stated
     [lambda s: s["预算"][1].__setitem__(5, 96)]),  # 2.25 points off: inconsistent, not grave
    ("low_execution_unexplained", [executed(1200), kpis(SHORT)],
     [executed(1200), kpis(SHORT), lambda s: s["基本信息"].append(["执行偏差说明", "疫情推迟采购", None])]),
    ("actual_is_target", [kpis(("≥90%", "≥90%", None, None, None, None))],
     [kpis(("≥90%", "92%", None, None, None, None))]),
    ("actual_same_text", [kpis(MET)], [kpis(("10 场", "11 场", "已完成", None, None, None))]),
    ("all_on_target", [kpis(MET, ("5 家", "5 家", None, None, None, None), ("2 项", "2 项", None, None, None, None))],
     [kpis(MET, ("5 家", "5 家", None, None, None, None), ("2 项", "3 项", None, None, None, None))]),
    ("target_far_exceeded", [kpis(("80 家", "245 家", None, None, None, None))],
     [kpis(("80 家", "100 家", None, None, None, None))]),
    ("unmet_without_reason", [kpis(("10 场", "8 场", "未完成", None, None, None))], [kpis(SHORT)]),
    ("unmet_without_reason", [kpis(("10 场", "8 场", "未完成", None, None, "无。"))], [kpis(SHORT)]),
    ("score_not_earned", [kpis(("10 场", "8 场", "未完成", 50, 50, "x"), ("1 项", "1 项", None, 50, 50, None))],
     [kpis(("10 场", "8 场", "未完成", 50, 40, "x"), ("1 项", "1 项", None, 50, 50, None))]),
    ("score_lost_when_met", [kpis(("10 场", "12 场", None, 50, 45, None), ("1 项", "1 项", None, 50, 50, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 50, 50, None))]),
    ("total_unreachable", [kpis(("10 场", "12 场", None, 40, 40, None), ("1 项", "1 项", None, 40, 40, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 49, 48.39, None))]),
    ("weights", [kpis(("10 场", "12 场", None, 60, 60, None), ("1 项", "1 项", None, 50, 38.39, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 50, 48.39, None))]),
    ("inconsistent", [consistent, lambda s: s["基本信息"].append(["年末结转结余", 3.23, "第5行"])],
     [consistent, lambda s: s["基本信息"].append(["年末结转结余", 24.74, "第5行"])]),
]


@pytest.mark.parametrize(("flag", "fires", "quiet"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_flag_fires_and_stays_quiet(tmp_path: Path, flag: str, fires: list, quiet: list) -> None:
    found = flags_of(tmp_path, *fires)
    assert flag in set(found["flag"]), found[["flag", "evidence"]]
    row = found[found["flag"] == flag].iloc[0]
    assert row["evidence"] and row["severity"] in (1, 2, 3) and row["file"] == "f.xlsx"
    assert row["severity"] <= RULES[flag].severity and row["family"] == RULES[flag].family
    assert flag not in set(flags_of(tmp_path, *quiet)["flag"])


def test_evidence_states_the_figures(tmp_path: Path) -> None:
    found = flags_of(tmp_path, executed(1000), kpis(MET, ("5 家", "6 家", "已完成", None, None, None)))
    evidence = found.set_index("flag").loc["spent_little_achieved_all", "evidence"]
    assert evidence == "预算执行率仅 70.65%（低于 80%），而 2 个数量指标全部完成"  # 1000 / 1415.43 = 70.649…%
    assert found.set_index("flag").loc["spent_little_achieved_all", "severity"] == 2


def test_spending_under_a_third_while_all_is_met_is_grave(tmp_path: Path) -> None:
    """400 / 1415.43 = 28.26 % < 33.33 %: the figures contradict the conclusion, severity 3."""
    found = flags_of(tmp_path, executed(400), kpis(MET, ("5 家", "6 家", "已完成", None, None, None)))
    row = found.set_index("flag").loc["spent_little_achieved_all"]
    assert row["severity"] == 3
    assert row["evidence"] == "预算执行率仅 28.26%（不到预算的三分之一），而 2 个数量指标全部完成"


def test_a_rate_a_few_points_off_is_grave_and_its_evidence_says_by_how_much(tmp_path: Path) -> None:
    """1390.69 / 1415.43 = 98.2521 %, printed 90: 8 points off at the printed precision (98 − 90)."""
    found = flags_of(tmp_path, lambda s: s["预算"][1].__setitem__(5, 90))
    row = found.set_index("flag").loc["rate_contradicts_amounts"]
    assert row["severity"] == 3 and row["evidence"].endswith("相差 8 个百分点，超过 3 个")
    others = found[found["flag"] == "inconsistent"]["evidence"]
    assert not any("执行率" in text for text in others)  # the same check is not counted twice


def test_a_reason_that_says_nothing_is_no_reason() -> None:
    assert no_reason(None) and no_reason("无") and no_reason(" 暂无。") and no_reason("/")
    assert not no_reason("场地不足") and not no_reason("无法联系到 3 名会员")


def test_thresholds_are_parameters(tmp_path: Path) -> None:
    mutation = kpis(("80 家", "120 家", None, None, None, None))  # 150 %
    assert "target_far_exceeded" in set(flags_of(tmp_path, mutation)["flag"])
    sheets = valid_sheets()
    mutation(sheets)
    report = load_report(write_workbook(tmp_path / "t.xlsx", sheets))
    assert "target_far_exceeded" not in set(red_flags(report, Thresholds(over_achievement=Decimal(200)))["flag"])


def test_priority_orders_by_gravest_then_families_then_budget() -> None:
    """Without cross-report evidence (a list of Reports, not a set):

    中江 (20 万元): 中 flags in three families (数值: actual_is_target, all_on_target, actual_same_text;
    评分: weights; 勾稽: inconsistent). 黄埔 (1415.43 万元): 中 in three families (勾稽, 数值,
    目标设定). Same gravest, same families: the larger budget goes first. 益阳: no flag.
    """
    reports = [load_report(SEED),
               load_report(REFERENCE / "zhongjiang-shuiliju-shuibiaochi-2022.xlsx"),
               load_report(REFERENCE / "yiyang-zonggonghui-2022.xlsx")]
    table = review_priority(reports)
    assert list(table["file"]) == ["huangpu-zonggonghui-2022.xlsx", "zhongjiang-shuiliju-shuibiaochi-2022.xlsx",
                                   "yiyang-zonggonghui-2022.xlsx"]
    assert list(table["gravest"]) == [2, 2, 0] and list(table["families"]) == [3, 3, 0]
    assert list(table["budget"]) == [Decimal("1415.43"), Decimal(20), Decimal("1342.49")]
    # 中江: actual_is_target 2 + actual_same_text 1 + all_on_target 2 + weights 2 + inconsistent 2 = 9
    assert list(table["weighted_severity"]) == [4, 9, 0] and list(table["flags"]) == [8, 5, 0]
    assert table.loc[0, "why"] == ("第 1 位：最严重的提示为「中」（数字不自洽），3 类独立证据，预算 1415.43 万元；"
                                   "与第 2 位同级同类数，涉及资金更多（预算 1415.43 万元，对方预算 20 万元）。")
    assert table.loc[1, "why"].endswith("排在第 3 位之前，因为后者最严重的提示只是「无」。")
    assert table.loc[2, "why"] == "第 3 位：没有任何提示（预算 1342.49 万元）。"


def test_one_grave_flag_outranks_many_small_ones(tmp_path: Path) -> None:
    """The issue's case: 11 % spent with every output met must rank above a pile of medium and low flags."""
    grave = valid_sheets()
    executed(155)(grave)  # 155 / 1415.43 = 10.95 %
    kpis(("10 场", "11 场", "已完成", None, None, None), ("5 家", "6 家", "已完成", None, None, None))(grave)
    grave["基本信息"][1][1] = "甲单位"
    noisy = valid_sheets()  # the builder's workbook: many failed checks, same texts, unreachable total …
    noisy["基本信息"][6 - 1][1] = 90  # 自评得分 90 (≤ reachable): drop the grave total_unreachable flag
    kpis(MET, ("≥90%", "≥90%", None, 50, 50, None), ("80 家", "245 家", None, 60, 40, None),
         ("10 场", "8 场", "未完成", None, None, None))(noisy)
    reports = [load_report(write_workbook(tmp_path / "noisy.xlsx", noisy)),
               load_report(write_workbook(tmp_path / "grave.xlsx", grave))]
    table = review_priority(reports)
    assert list(table["file"]) == ["grave.xlsx", "noisy.xlsx"]
    assert table.loc[0, "gravest"] == 3 and table.loc[1, "gravest"] == 2
    assert table.loc[1, "weighted_severity"] > table.loc[0, "weighted_severity"]  # more points, still second
    assert "花钱很少却全部完成" in table.loc[0, "why"] and "后者最严重的提示只是「中」" in table.loc[0, "why"]


def test_more_families_of_evidence_rank_higher_at_the_same_severity(tmp_path: Path) -> None:
    one = valid_sheets()
    kpis(("10 场", "8 场", "未完成", None, None, None))(one)  # unmet_without_reason only (原因)
    one["预算"] = one["预算"][:2]
    two = valid_sheets()
    kpis(("10 场", "8 场", "未完成", None, None, None), ("≥90%", "≥90%", None, None, None, None))(two)
    two["预算"] = two["预算"][:2]
    two["预算"][1][2], two["预算"][1][5] = 1, None  # a budget of 1 万元: families count before money
    reports = [load_report(write_workbook(tmp_path / "one.xlsx", one)),
               load_report(write_workbook(tmp_path / "two.xlsx", two))]
    table = review_priority(reports)
    assert list(table["file"]) == ["two.xlsx", "one.xlsx"], table[["file", "kinds"]]
    assert "证据类别更多" in table.loc[0, "why"]


def test_rules_table_documents_every_flag_with_a_reason() -> None:
    table = rules_table()
    assert set(table["flag"]) == set(RULES) and all(len(why) > 10 for why in table["理由"])
    assert table.set_index("flag").loc["spent_little_achieved_all", "最高严重程度"] == "高"


def test_unreadable_workbook_in_a_set_is_flagged(tmp_path: Path) -> None:
    from perfeval_utils.read.many import load_reports

    write_workbook(tmp_path / "good.xlsx", valid_sheets())
    (tmp_path / "bad.xlsx").write_text("not a workbook", encoding="utf-8")
    found = red_flags(load_reports(tmp_path, on_error="collect"))
    unreadable = found[found["flag"] == "unreadable"]
    assert len(unreadable) == 1 and unreadable.iloc[0]["severity"] == 3
    assert "bad.xlsx" in unreadable.iloc[0]["file"] + unreadable.iloc[0]["evidence"]


def test_flags_chart_draws_without_missing_glyphs() -> None:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import house_style
    from perfeval_utils.present.charts.flags_chart import flags_figure

    reports = [load_report(p) for p in all_workbooks()]
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = flags_figure(review_priority(reports), red_flags(reports))
        fig.canvas.draw()
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert ticks[0].startswith("1. 2018 ") and len(ticks) == 10  # the Hunan 2018 report ranks first
        assert fig.axes[0].get_xlabel().startswith("提示数（个）")
        plt.close(fig)


def test_docs_review_lists_every_rule_with_its_severity_and_family() -> None:
    doc = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    for key, rule in RULES.items():
        label = {3: "高", 2: "中", 1: "低"}[rule.severity]
        assert f"| `{key}` | {rule.name} | {rule.severity} {label} | {rule.family} | {rule.why} |" in doc, key


def test_a_flag_added_by_another_module_without_a_rule_is_its_own_family(tmp_path: Path) -> None:
    """Another stage (e.g. monitoring) may add rows to red_flags; ranking must not need them registered."""
    import perfeval_utils.check.flags as flags_module

    report = load_report(REFERENCE / "yiyang-zonggonghui-2022.xlsx")
    extra = pd.DataFrame([(report.department, report.year, "midyear_gap", 3, "年中执行仅 10%", "", report.path.name)],
                         columns=flags_module.COLUMNS)
    found = pd.concat([red_flags(report), extra], ignore_index=True)
    table = review_priority([report], flags=found)
    assert table.loc[0, "gravest"] == 3 and table.loc[0, "families"] == 1
    assert "（midyear_gap）" in table.loc[0, "why"]


def test_evidence_text_gives_each_top_report_its_sentence_then_its_flags_with_sources() -> None:
    reports = [load_report(SEED),
               load_report(REFERENCE / "yiyang-zonggonghui-2022.xlsx")]
    found = red_flags(reports)
    lines = evidence_text(review_priority(reports, flags=found), found, top=2).splitlines()
    assert lines[0].startswith("huangpu-zonggonghui-2022.xlsx：第 1 位：最严重的提示为「中」")
    assert len([line for line in lines if line.startswith("   [")]) == 8  # 黄埔's eight flags
    assert "（出处：一（二）部门整体收支情况 第29行" in "\n".join(lines)
    assert lines[-2:] == ["yiyang-zonggonghui-2022.xlsx：第 2 位：没有任何提示（预算 1342.49 万元）。", "   无提示"]


def test_the_monitoring_flags_are_registered_with_their_own_names_and_severities() -> None:
    from perfeval_utils.check.monitoring import FLAGS

    for flag, (severity, name) in FLAGS.items():
        assert (RULES[flag].severity, RULES[flag].name) == (severity, name), flag
