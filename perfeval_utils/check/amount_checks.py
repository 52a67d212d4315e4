"""Checks on the money: stated rates, sums of lines against totals, the carryover, stated changes on
the prior year, and one quantity stated twice (in the same or in two units).

Money is compared in exact decimal arithmetic; a rate at the precision the report prints it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from perfeval_utils import schema
from perfeval_utils.analyse.budget import matches_at_printed_precision, percentage, total_line
from perfeval_utils.check.base import EXACT, PRINTED, Check, cited, fmt
from perfeval_utils.report import Report

MONEY_FACTORS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100_000_000)}
QUALIFIER = re.compile(r"（(约|近|超|多)）$")
#: Dimensions whose lines split the total between them; free-text dimensions (三公经费, 专项资金 …)
#: are subsets of the workbook author's choosing and are not expected to add up to anything.
PARTITIONS = ("资金来源", "支出性质")


# ---- rates ---------------------------------------------------------------------------


def rate_checks(report: Report) -> list[Check]:
    """Each stated rate against executed ÷ budget, compared at the decimals the report prints."""
    checks = []
    for line in report.budget.itertuples(index=False):
        if line.stated_rate is None:
            continue
        exact = percentage(line.executed, line.budget)
        name = f"{line.dimension}「{line.item}」执行率"
        if exact is None:
            checks.append(Check("rate", f"{name}：报告 {line.stated_rate}%，但预算数或执行数未列，无法重算",
                                line.stated_rate, None, "%", PRINTED, None, None, cited(line.source)))
            continue
        exponent = Decimal(1).scaleb(min(line.stated_rate.as_tuple().exponent, 0))  # type: ignore[arg-type]
        shown = exact.quantize(exponent) if exponent < 1 else exact.quantize(Decimal(1))
        ok = bool(matches_at_printed_precision(exact, line.stated_rate))
        finding = None if ok else (
            f"{name}报告为 {line.stated_rate}%，按执行数 {fmt(line.executed, report.amount_unit)} ÷ 预算数 "
            f"{fmt(line.budget, report.amount_unit)} 重算为 {exact.quantize(Decimal('0.0001'))}%，"
            f"按报告精度应为 {shown}%。")
        checks.append(Check("rate", f"{name}：执行数 ÷ 预算数，按报告精度比较", line.stated_rate, shown, "%",
                            PRINTED, ok, finding, cited(line.source)))
    return checks


# ---- sums ----------------------------------------------------------------------------


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    values = list(values)
    if not values or any(v is None for v in values):
        return None
    return sum(values, Decimal(0))  # type: ignore[arg-type]


def sum_checks(report: Report) -> list[Check]:
    """资金来源 and 支出性质 lines (and the tasks' funds) against the total budget and the total executed."""
    total = total_line(report)
    unit = report.amount_unit
    totals = {"合计预算数": total["budget"], "合计执行数": total["executed"]}
    checks = []
    partitions = report.budget[report.budget["dimension"].isin(PARTITIONS)]
    groups = list(partitions.groupby("dimension", sort=False))
    for dimension, lines in groups:
        for column, label in (("budget", "预算数"), ("executed", "执行数")):
            line_sum = _sum(lines[column])
            if line_sum is None or totals[f"合计{label}"] is None:
                continue
            checks.append(_sum_check(f"{dimension}各项{label}之和", line_sum, f"合计{label}", totals, unit,
                                     cited(total["source"], *lines["source"])))
    if not report.tasks.empty:
        task_sum = _sum(report.tasks["amount"])
        if task_sum is not None:
            targets = dict(totals)
            project = report.budget[report.budget["item"] == "项目支出"]
            for column, label in (("budget", "项目支出预算数"), ("executed", "项目支出执行数")):
                if len(project) == 1 and project.iloc[0][column] is not None:
                    targets[label] = project.iloc[0][column]
            compared = "项目支出执行数" if "项目支出执行数" in targets else "合计执行数"
            checks.append(_sum_check("各任务资金之和", task_sum, compared, targets, unit,
                                     cited(*report.tasks["source"], total["source"])))
    return checks


def _sum_check(name: str, line_sum: Decimal, compared: str, totals: dict[str, Decimal | None], unit: str,
               sources: tuple[str, ...]) -> Check:
    """Compare with one total, and say which of the totals (if any) the sum does equal."""
    target = totals[compared]
    equal_to = [label for label, value in totals.items() if value is not None and value == line_sum]
    ok = target is not None and line_sum == target
    description = f"{name} {fmt(line_sum, unit)} 对 {compared} {fmt(target, unit)}"
    if equal_to:
        description += f"；与{'、'.join(equal_to)}相等"
    finding = None
    if not ok:
        also = f"，而与{'、'.join(equal_to)} {fmt(line_sum, unit)} 相等" if equal_to else "，与任何合计都不相等"
        finding = (f"{name}为 {fmt(line_sum, unit)}，与{compared} {fmt(target, unit)} 不符"
                   f"（差 {fmt(line_sum - target, unit) if target is not None else '未列'}）{also}。")
    return Check("sum", description, target, line_sum, unit, EXACT, ok, finding, sources)


# ---- carryover -----------------------------------------------------------------------


def carryover_checks(report: Report) -> list[Check]:
    """年末结转结余 against 预算数 − 执行数 of the total."""
    stated = report.meta.get("carryover")
    total = total_line(report)
    if stated is None or total["budget"] is None or total["executed"] is None:
        return []
    computed = total["budget"] - total["executed"]
    unit = report.amount_unit
    ok = computed == stated
    finding = None if ok else (
        f"年末结转和结余报告为 {fmt(stated, unit)}，而预算数 {fmt(total['budget'], unit)} − 执行数 "
        f"{fmt(total['executed'], unit)} = {fmt(computed, unit)}，相差 {fmt(computed - stated, unit)}。")
    return [Check("carryover", "年末结转结余 对 预算数 − 执行数", stated, computed, unit, EXACT, ok, finding,
                  cited(report.meta_sources.get("carryover"), total["source"]))]


# ---- year over year ------------------------------------------------------------------


def change_checks(report: Report) -> list[Check]:
    """A stated change on the prior year (增减额 / 增减率) against the figures that imply it.

    With 上年执行数 in the workbook the change is recomputed from both years; with only the
    stated change, its amount and its rate must agree with each other (rate = change ÷ (this
    year − change)), compared at the precision the rate is printed.
    """
    stated: dict[str, dict[str, tuple[Decimal, str]]] = {}
    for claim in report.claims.itertuples(index=False):
        match = schema.CHANGE_ITEM.match(claim.item)
        if match:
            stated.setdefault(match["item"], {})[match["kind"]] = (claim.value, claim.source)
    checks = []
    unit = report.amount_unit
    for item, kinds in stated.items():
        lines = report.budget[report.budget["item"] == item]
        line = lines.iloc[0] if len(lines) == 1 else None
        current = None if line is None else line["executed"]
        prior = None if line is None else line["prior_executed"]
        sources = [line["source"]] if line is not None else []
        if "增减额" in kinds and current is not None and prior is not None:
            value, source = kinds["增减额"]
            computed = current - prior
            ok = computed == value
            checks.append(Check("change", f"「{item}」较上年增减额 对 本年执行数 − 上年执行数", value, computed, unit,
                                EXACT, ok, None if ok else f"「{item}」较上年增减额报告为 {fmt(value, unit)}，"
                                f"按 {fmt(current, unit)} − {fmt(prior, unit)} 重算为 {fmt(computed, unit)}。",
                                cited(source, *sources)))
        if "增减率" in kinds and current is not None:
            rate, rate_source = kinds["增减率"]
            if prior is not None:
                base, how = prior, "上年执行数"
            elif "增减额" in kinds:
                base, how = current - kinds["增减额"][0], "本年执行数 − 报告增减额"
            else:
                continue
            exact = percentage(current - base, base)
            if exact is None:
                continue
            ok = bool(matches_at_printed_precision(exact, rate))
            shown = exact.quantize(Decimal("0.01"))
            extra = cited(kinds["增减额"][1]) if "增减额" in kinds else ()
            description = f"「{item}」较上年增减率 对 增减额 ÷ 上年数（上年数 = {how}）"
            checks.append(Check("change", description, rate, shown, "%",
                                PRINTED, ok, None if ok else f"「{item}」较上年增减率报告为 {rate}%，按增减额 "
                                f"{fmt(current - base, unit)} ÷ 上年数 {fmt(base, unit)} 重算为 {shown}%。",
                                cited(rate_source, *sources, *extra)))
    return checks


# ---- one quantity stated twice -------------------------------------------------------


def _money_figures(report: Report) -> list[tuple[str, Decimal, str, str]]:
    """(label, value in 元, unit as written, source) for every money figure in claims and KPI texts."""
    from perfeval_utils.values import parse_value

    figures = []
    for claim in report.claims.itertuples(index=False):
        if claim.unit in MONEY_FACTORS:
            figures.append((f"文中数据{claim.claim_id}「{claim.item}」", claim.value * MONEY_FACTORS[claim.unit],
                            claim.unit, claim.source))
    for kpi in report.kpis.itertuples(index=False):
        for column, label in (("target_text", "预期值"), ("actual_text", "实现值")):
            text = getattr(kpi, column)
            if not isinstance(text, str):
                continue
            for measure in parse_value(text):
                if measure.unit in MONEY_FACTORS and measure.value is not None:
                    figures.append((f"指标{kpi.indicator_id}{label}", measure.value * MONEY_FACTORS[measure.unit],
                                    measure.unit, kpi.source))
    return figures


def unit_checks(report: Report) -> list[Check]:
    """The same quantity stated twice: claims with the same 事项 must agree; equal money in two units is noted."""
    checks = []
    by_item: dict[str, list] = {}
    for claim in report.claims.itertuples(index=False):
        if claim.item.startswith(schema.COUNT_PREFIX) or schema.CHANGE_ITEM.match(claim.item):
            continue
        key = QUALIFIER.sub("", re.sub(r"（指标\d+偏差原因）", "", claim.item))
        by_item.setdefault(key, []).append(claim)
    for item, claims in by_item.items():
        if len(claims) < 2:
            continue
        first = claims[0]
        for other in claims[1:]:
            same_unit = first.unit == other.unit
            convertible = first.unit in MONEY_FACTORS and other.unit in MONEY_FACTORS
            if not (same_unit or convertible):
                checks.append(Check("units", f"「{item}」两处所列单位不同（{first.unit} / {other.unit}），无法比较",
                                    first.value, other.value, None, EXACT, None, None,
                                    cited(first.source, other.source)))
                continue
            factor = Decimal(1) if same_unit else MONEY_FACTORS[other.unit] / MONEY_FACTORS[first.unit]
            converted = other.value * factor
            ok = converted == first.value
            checks.append(Check("units", f"「{item}」在两处所列数值一致（{first.claim_id} 与 {other.claim_id}）",
                                first.value, converted, first.unit, EXACT, ok,
                                None if ok else f"「{item}」一处为 {fmt(first.value, first.unit)}，另一处为 "
                                f"{fmt(other.value, other.unit)}。", cited(first.source, other.source)))
    figures = _money_figures(report)
    seen: set[tuple[str, str]] = set()
    for i, (label, value, unit, source) in enumerate(figures):
        for other_label, other_value, other_unit, other_source in figures[i + 1:]:
            if unit != other_unit and value == other_value and value != 0 and (label, other_label) not in seen:
                seen.add((label, other_label))
                stated = value / MONEY_FACTORS[unit]
                checks.append(Check("units", f"{label} {fmt(stated, unit)} 与 {other_label} "
                                    f"{fmt(other_value / MONEY_FACTORS[other_unit], other_unit)} "
                                    "为同一数额的两种单位写法",
                                    stated, other_value / MONEY_FACTORS[unit], unit, EXACT, True, None,
                                    cited(source, other_source)))
    return checks
