"""Every built-in check kind, each with a workbook where it passes and one where it fails.

Workbooks are built here from tests/builders.valid_sheets(), so each case shows in code what
changed. Expected figures are computed by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import Report, load_report
from perfeval_utils.check.reconcile import findings, reconcile, stated_counts, tally

from .builders import Rows, valid_sheets, write_workbook

D = Decimal
Sheets = dict[str, Rows]


def checks_for(tmp_path: Path, mutate: Callable[[Sheets], None], kind: str) -> pd.DataFrame:
    sheets = valid_sheets()
    mutate(sheets)
    frame = reconcile(load_report(write_workbook(tmp_path / "r.xlsx", sheets)))
    return frame[frame["kind"] == kind]


def meta(field: str, value: object) -> Callable[[Sheets], None]:
    return lambda sheets: sheets["基本信息"].append([field, value, f"{field}所在行"])


def claim(claim_id: str, item: str, value: object, unit: str) -> Callable[[Sheets], None]:
    return lambda sheets: sheets["文中数据"].append([claim_id, "测试", item, value, unit, f"{claim_id}所在行"])


def both(*mutations: Callable[[Sheets], None]) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        for mutation in mutations:
            mutation(sheets)

    return mutate


def budget_line(dimension: str, item: str, budget: object, executed: object, prior: object = None,
                rate: object = None) -> Callable[[Sheets], None]:
    return lambda sheets: sheets["预算"].append([dimension, item, budget, executed, prior, rate, "某行"])


def only(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1, frame
    return frame.iloc[0]


# ---- rate ----------------------------------------------------------------------------


def test_rate_passes_at_printed_precision(tmp_path: Path) -> None:
    row = only(checks_for(tmp_path, lambda s: None, "rate"))  # 1390.69 / 1415.43 = 98.2521% → 98.25
    assert bool(row["ok"]) and row["computed"] == D("98.25")


def test_rate_fails_and_says_what_it_should_be(tmp_path: Path) -> None:
    def mutate(sheets: Sheets) -> None:
        sheets["预算"][1][5] = 98.3  # printed with one decimal: 98.2521 rounds to 98.3 → passes
        sheets["预算"][1][3] = 1380.69  # 1380.69 / 1415.43 = 97.5456% → 97.5, not 98.3

    row = only(checks_for(tmp_path, mutate, "rate"))
    assert not row["ok"] and row["computed"] == D("97.5") and row["stated"] == D("98.3")
    assert "97.5456%" in row["finding"] and "应为 97.5%" in row["finding"]


# ---- sum -----------------------------------------------------------------------------


def test_fund_sources_add_up_to_executed(tmp_path: Path) -> None:
    mutate = budget_line("资金来源", "其他资金", None, 0)
    rows = checks_for(tmp_path, mutate, "sum")
    fund = rows[rows["description"].str.startswith("资金来源")]
    assert bool(only(fund)["ok"]) and only(fund)["computed"] == D("1390.69")


def test_nature_split_matching_the_budget_not_executed_is_a_finding(tmp_path: Path) -> None:
    mutate = budget_line("支出性质", "项目支出", None, 95.51)  # 1319.92 + 95.51 = 1415.43 = the budget
    row = only(checks_for(tmp_path, mutate, "sum").query("description.str.startswith('支出性质')"))
    assert not row["ok"] and row["difference"] == D("24.74")
    assert "而与合计预算数 1415.43 万元 相等" in row["finding"]


def test_free_text_dimensions_are_not_summed(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, budget_line("三公经费", "公务接待费", 5, 4), "sum")
    assert not rows["description"].str.contains("三公经费").any()


def test_task_funds_against_project_spending(tmp_path: Path) -> None:
    ok = checks_for(tmp_path, budget_line("支出性质", "项目支出", None, 92.92), "sum")  # 46.72 + 46.2 = 92.92
    assert bool(only(ok[ok["description"].str.startswith("各任务")])["ok"])
    bad = checks_for(tmp_path, budget_line("支出性质", "项目支出", None, 95.51), "sum")
    row = only(bad[bad["description"].str.startswith("各任务")])
    assert not row["ok"] and row["difference"] == D("-2.59") and "与任何合计都不相等" in row["finding"]


# ---- carryover -----------------------------------------------------------------------


def test_carryover_matches_budget_minus_executed(tmp_path: Path) -> None:
    assert bool(only(checks_for(tmp_path, meta("年末结转结余", 24.74), "carryover"))["ok"])


def test_carryover_mismatch(tmp_path: Path) -> None:
    row = only(checks_for(tmp_path, meta("年末结转结余", 3.23), "carryover"))
    assert not row["ok"] and row["computed"] == D("24.74") and row["difference"] == D("21.51")


# ---- count ---------------------------------------------------------------------------


def test_stated_total_matches_the_table(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, lambda s: s["文中数据"].__setitem__(1, ["C01", "二", "指标计数:部门整体:合计", 2,
                                                                        "个", "第10行"]), "count")
    assert bool(only(rows[rows["description"].str.startswith("部门整体")])["ok"])  # two of three are 部门整体


def test_stated_total_does_not_match_the_table(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, lambda s: None, "count")  # the builder states 10; the table has 2
    row = only(rows[rows["description"].str.startswith("部门整体")])
    assert not row["ok"] and (row["stated"], row["computed"]) == (D(10), D(2))


def test_stated_met_count_against_computed_statuses(tmp_path: Path) -> None:
    mutate = both(claim("C03", "指标计数:部门整体:已完成", 2, "个"),
                  lambda s: s["文中数据"].__setitem__(1, ["C01", "二", "指标计数:部门整体:合计", 2, "个", "x"]))
    rows = checks_for(tmp_path, mutate, "count")
    # the table says 1 已完成 (指标1), 1 未完成 (指标2); computed: 230500 < 约232000 → 1 met
    table = only(rows[rows["description"] == "部门整体已完成指标数 对 指标表"])
    computed = only(rows[rows["description"] == "部门整体已完成指标数 对 按数值重算的完成情况"])
    assert not table["ok"] and table["computed"] == 1
    assert not computed["ok"] and computed["computed"] == 1


def test_stated_counts_must_add_up(tmp_path: Path) -> None:
    mutate = both(claim("C03", "指标计数:任务1:产出", 5, "个"), claim("C04", "指标计数:任务1:效益", 2, "个"))
    rows = checks_for(tmp_path, mutate, "count")  # 任务1 stated 8 in 任务; 5 + 2 = 7
    row = only(rows[rows["description"].str.contains("各类指标数之和")])
    assert not row["ok"] and row["computed"] == 7 and "= 7 个" in row["finding"]
    fine = checks_for(tmp_path, both(mutate, claim("C05", "指标计数:任务1:满意度", 1, "个")), "count")
    assert bool(only(fine[fine["description"].str.contains("各类指标数之和")])["ok"])


def test_stated_counts_table(seed_report: Report) -> None:
    counts = stated_counts(seed_report)
    assert len(counts) == 5 + 4 + 2 + 3 + 2  # 部门整体 5, 任务1 4 + 2 from 任务, 任务2 3 + 2 from 任务
    assert counts.set_index(["scope", "kind"]).loc[("任务1", "合计"), "value"] == 8


# ---- status --------------------------------------------------------------------------


def test_status_agrees(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, lambda s: None, "status")
    assert rows["ok"].all() and len(rows) == 3


def test_status_contradicts_the_figures(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, lambda s: s["指标"][2].__setitem__(7, "已完成"), "status")
    row = only(rows[rows["ok"] == False])  # noqa: E712
    assert "报告为已完成，但实现值「230500 元」对预期值「约 232000 元」未达到目标" in row["finding"]


# ---- score ---------------------------------------------------------------------------


def scored(weights: list[object], scores: list[object], total: object, grade: str | None = None,
           execution: tuple[object, object] | None = None) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        for row, weight, score in zip(sheets["指标"][1:], weights, scores, strict=True):
            row[8:10] = [weight, score]
        sheets["基本信息"][5][1] = total
        if grade:
            sheets["基本信息"].append(["自评等级", grade, None])
        if execution:
            sheets["基本信息"] += [["预算执行率分值", execution[0], None], ["预算执行率得分", execution[1], None]]

    return mutate


def test_scores_that_add_up(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, scored([40, 40, 10], [40, 39.5, 10], 99.3, "优", (10, 9.8)), "score")
    assert len(rows) == 3 and rows["ok"].all()  # weights 100; 40 + 39.5 + 10 + 9.8 = 99.3; 99.3 → 优


def test_weights_over_100_scores_over_weight_total_and_grade_wrong(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, scored([40, 40, 20], [40, 41, 20], 99, "良", (10, 10)), "score")
    failures = rows[rows["ok"] == False]  # noqa: E712
    text = " ".join(failures["finding"])
    assert "合计 110 分，不是 100 分" in text  # 40 + 40 + 20 + 10
    assert "指标2「慰问金」得分 41 分超出其分值 40 分" in text
    assert "合计 111 分，报告自评得分为 99 分" in text  # 40 + 41 + 20 + 10
    assert "自评得分 99 分应为「优」，报告为「良」" in text


# ---- change --------------------------------------------------------------------------


def test_stated_change_against_two_years(tmp_path: Path) -> None:
    def mutate(sheets: Sheets) -> None:
        sheets["预算"][1][4] = 1274.38  # 上年执行数; 1390.69 − 1274.38 = 116.31; 116.31 / 1274.38 = 9.1268%
        sheets["文中数据"] += [["C03", "决算", "较上年:部门整体支出:增减额", 116.31, "万元", "a"],
                              ["C04", "决算", "较上年:部门整体支出:增减率", 9.13, "%", "b"]]

    rows = checks_for(tmp_path, mutate, "change")
    assert len(rows) == 2 and rows["ok"].all()


def test_stated_change_inconsistent_with_its_rate(tmp_path: Path) -> None:
    def mutate(sheets: Sheets) -> None:  # 通州 2024: 319.38 / (2849.65 − 319.38) = 12.62%, stated 14.09%
        sheets["预算"][1][2:6] = [None, 2849.65, None, None]
        sheets["文中数据"] += [["C03", "决算", "较上年:部门整体支出:增减额", 319.38, "万元", "a"],
                              ["C04", "决算", "较上年:部门整体支出:增减率", 14.09, "%", "b"]]

    row = only(checks_for(tmp_path, mutate, "change"))
    assert not row["ok"] and row["computed"] == D("12.62") and "2530.27" in row["finding"]


def test_stated_change_amount_against_prior_column(tmp_path: Path) -> None:
    def mutate(sheets: Sheets) -> None:
        sheets["预算"][1][4] = 1274.38
        sheets["文中数据"].append(["C03", "决算", "较上年:部门整体支出:增减额", 100, "万元", "a"])

    row = only(checks_for(tmp_path, mutate, "change"))
    assert not row["ok"] and row["computed"] == D("116.31")


# ---- units ---------------------------------------------------------------------------


def test_same_item_twice_agrees_across_units(tmp_path: Path) -> None:
    mutate = both(claim("C03", "慰问费用", 23.05, "万元"), claim("C04", "慰问费用", 230500, "元"))
    assert bool(only(checks_for(tmp_path, mutate, "units").query("description.str.contains('两处')"))["ok"])


def test_same_item_twice_disagrees(tmp_path: Path) -> None:
    mutate = both(claim("C03", "慰问费用（约）", 23.05, "万元"), claim("C04", "慰问费用", 231500, "元"))
    row = only(checks_for(tmp_path, mutate, "units").query("description.str.contains('两处')"))
    assert not row["ok"] and "一处为 23.05 万元，另一处为 231500 元" in row["finding"]


def test_equal_money_in_two_units_is_noted(tmp_path: Path) -> None:
    rows = checks_for(tmp_path, claim("C03", "任务实际：发放慰问费用", 23.05, "万元"), "units")
    row = only(rows)  # 指标2 实现值 230500 元 = 23.05 万元
    assert bool(row["ok"]) and "为同一数额的两种单位写法" in row["description"]


# ---- the seed ------------------------------------------------------------------------


def test_seed_findings(seed_report: Report) -> None:
    checks = reconcile(seed_report)
    failed = findings(checks)
    assert list(failed["kind"]) == ["sum", "sum", "carryover", "count", "rule", "rule"]
    assert failed.loc[0, "finding"].startswith("支出性质各项执行数之和为 1415.43 万元，与合计执行数 1390.69 万元 不符")
    assert "3.23 万元" in failed.loc[2, "finding"] and "24.74 万元" in failed.loc[2, "finding"]
    assert "效益指标 4 个，指标表中为 3 个" in failed.loc[3, "finding"]
    # R01: 500 元/人 × 6000 人 = 3000000 元 against 475 万元 = 4750000 元; R10: 93.5 % against 96 %
    assert "= 3000000 元" in failed.loc[4, "finding"] and "差 -1750000 元" in failed.loc[4, "finding"]
    assert "93.5 %" in failed.loc[5, "finding"] and "差 -2.5 %" in failed.loc[5, "finding"]
    assert tally(checks).startswith("共 44 项核对：通过 36 项，未通过 6 项，无法判定 2 项")
    assert checks["source"].str.len().gt(0).all()


@pytest.mark.parametrize("kind", ["rate", "sum", "carryover", "count", "status", "units", "rule"])
def test_seed_has_each_kind(kind: str, seed_report: Report) -> None:
    assert kind in set(reconcile(seed_report)["kind"])


def test_stated_figures_inventory(seed_report: Report) -> None:
    from perfeval_utils.check.reconcile import stated_figures
    from perfeval_utils.present.display import as_text

    figures = stated_figures(seed_report)
    counts = figures.groupby("sheet").size().to_dict()
    # 预算: 2 on 合计 + rate, 4 fund sources, 2 natures = 9; 指标: 10 rows × 2 texts, 8 has 2 numbers each = 22
    assert counts == {"基本信息": 3, "预算": 9, "指标": 22, "任务": 6, "文中数据": 67}
    row = figures[figures["item"] == "2 劳模慰问金发放数量 实现值"].iloc[0]
    assert (row["value"], row["unit"]) == (D(230500), "元") and "第59行" in row["source"]
    shown = as_text(figures)  # as the auditor reads it: amounts with separators, the year as a year
    assert shown.loc[figures["item"] == "年度", "数值"].tolist() == ["2022"]
    assert shown.loc[figures["item"] == "2 劳模慰问金发放数量 实现值", "数值"].tolist() == ["230,500"]


def test_a_broken_rule_fails_with_its_message_and_the_rest_still_run(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["核对"] = [["编号", "说明", "左式", "右式", "容差", "出处"],
                    ["R01", "坏规则", "文中数据[C99]", "1", None, None],
                    ["R02", "好规则", "文中数据[C02]", "6253万元", None, None],
                    ["R03", "容差内", "文中数据[C02]", "6252.995万元", "0.01万元", None]]
    rows = reconcile(load_report(write_workbook(tmp_path / "rules.xlsx", sheets)))
    rows = rows[rows["kind"] == "rule"].reset_index(drop=True)
    assert list(rows["ok"]) == [False, True, True]
    assert "核对规则 R01 无法计算" in rows.loc[0, "finding"] and "C99" in rows.loc[0, "finding"]
