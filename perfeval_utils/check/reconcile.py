"""Do the report's own figures hold together? One row per check, as an auditor's working paper.

Built-in checks apply to any v1 workbook; the 核对 sheet adds checks written for one report
(see docs/check-rules.md). Money is compared in exact decimal arithmetic; a rate is compared
at the precision the report prints it. Each row names the figures involved by their 出处, and
a failed row carries one sentence (``finding``) an auditor can paste into a review.

Kinds: ``rate`` (stated rate vs amounts), ``sum`` (a dimension's lines vs the totals),
``carryover`` (结转结余 vs budget − executed), ``count`` (stated indicator counts vs the table
and vs computed statuses, and the stated counts among themselves), ``status`` (完成情况 vs the
computed result), ``score`` (分值/得分/总分/等级), ``change`` (a stated year-over-year change vs
the figures), ``units`` (one quantity stated twice, in the same or different units), ``rule``
(the 核对 sheet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.budget import matches_at_printed_precision, percentage, total_line
from perfeval_utils.analyse.indicators import indicators, stated_met
from perfeval_utils.read.workbook import Report

COLUMNS = ["check_id", "kind", "description", "stated", "computed", "difference", "unit", "tolerance", "ok",
           "finding", "source"]
EXACT = "精确相等"
PRINTED = "按报告精度四舍五入"
MONEY_FACTORS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100_000_000)}
CHANGE_ITEM = re.compile(r"^较上年[:：](?P<item>[^:：]+)[:：](?P<kind>增减额|增减率)$")
QUALIFIER = re.compile(r"（(约|近|超|多)）$")
#: Dimensions whose lines split the total between them; free-text dimensions (三公经费, 专项资金 …)
#: are subsets of the workbook author's choosing and are not expected to add up to anything.
PARTITIONS = ("资金来源", "支出性质")


@dataclass
class Check:
    """One check before it becomes a row; ``ok`` None means it could not be decided."""

    kind: str
    description: str
    stated: Decimal | None
    computed: Decimal | None
    unit: str | None
    tolerance: str
    ok: bool | None
    finding: str | None
    sources: tuple[str, ...]

    @property
    def difference(self) -> Decimal | None:
        if self.stated is None or self.computed is None:
            return None
        return self.computed - self.stated


def _src(*sources: object) -> tuple[str, ...]:
    return tuple(str(s) for s in sources if isinstance(s, str) and s)


def _fmt(value: Decimal | None, unit: str | None = None) -> str:
    if value is None:
        return "未列"
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return f"{text} {unit}" if unit else text


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
                                line.stated_rate, None, "%", PRINTED, None, None, _src(line.source)))
            continue
        exponent = Decimal(1).scaleb(min(line.stated_rate.as_tuple().exponent, 0))  # type: ignore[arg-type]
        shown = exact.quantize(exponent) if exponent < 1 else exact.quantize(Decimal(1))
        ok = bool(matches_at_printed_precision(exact, line.stated_rate))
        finding = None if ok else (
            f"{name}报告为 {line.stated_rate}%，按执行数 {_fmt(line.executed, report.amount_unit)} ÷ 预算数 "
            f"{_fmt(line.budget, report.amount_unit)} 重算为 {exact.quantize(Decimal('0.0001'))}%，"
            f"按报告精度应为 {shown}%。")
        checks.append(Check("rate", f"{name}：执行数 ÷ 预算数，按报告精度比较", line.stated_rate, shown, "%",
                            PRINTED, ok, finding, _src(line.source)))
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
                                     _src(total["source"], *lines["source"])))
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
                                     _src(*report.tasks["source"], total["source"])))
    return checks


def _sum_check(name: str, line_sum: Decimal, compared: str, totals: dict[str, Decimal | None], unit: str,
               sources: tuple[str, ...]) -> Check:
    """Compare with one total, and say which of the totals (if any) the sum does equal."""
    target = totals[compared]
    equal_to = [label for label, value in totals.items() if value is not None and value == line_sum]
    ok = target is not None and line_sum == target
    description = f"{name} {_fmt(line_sum, unit)} 对 {compared} {_fmt(target, unit)}"
    if equal_to:
        description += f"；与{'、'.join(equal_to)}相等"
    finding = None
    if not ok:
        also = f"，而与{'、'.join(equal_to)} {_fmt(line_sum, unit)} 相等" if equal_to else "，与任何合计都不相等"
        finding = (f"{name}为 {_fmt(line_sum, unit)}，与{compared} {_fmt(target, unit)} 不符"
                   f"（差 {_fmt(line_sum - target, unit) if target is not None else '未列'}）{also}。")
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
        f"年末结转和结余报告为 {_fmt(stated, unit)}，而预算数 {_fmt(total['budget'], unit)} − 执行数 "
        f"{_fmt(total['executed'], unit)} = {_fmt(computed, unit)}，相差 {_fmt(computed - stated, unit)}。")
    return [Check("carryover", "年末结转结余 对 预算数 − 执行数", stated, computed, unit, EXACT, ok, finding,
                  _src(report.meta_sources.get("carryover"), total["source"]))]


# ---- counts --------------------------------------------------------------------------


def stated_counts(report: Report) -> pd.DataFrame:
    """Every count of indicators the report states: scope, kind, value, source (文中数据 and 任务)."""
    rows = []
    pattern = re.compile(rf"^{schema.COUNT_PREFIX}[:：](?P<scope>[^:：]+)[:：](?P<kind>[^:：]+)$")
    for claim in report.claims.itertuples(index=False):
        match = pattern.match(claim.item)
        if match:
            rows.append((match["scope"], match["kind"], int(claim.value), claim.source))
    for task in report.tasks.itertuples(index=False):
        if not pd.isna(task.stated_indicators):
            rows.append((task.task_id, "合计", int(task.stated_indicators), task.source))
        if not pd.isna(task.stated_met):
            rows.append((task.task_id, "已完成", int(task.stated_met), task.source))
    return pd.DataFrame(rows, columns=["scope", "kind", "value", "source"])


def _table_counts(report: Report, scope: str) -> dict[str, int]:
    kpis = report.kpis[report.kpis["scope"] == scope]
    counts = {"合计": len(kpis)}
    for category in schema.CATEGORIES:
        counts[category] = int((kpis["category"] == category).sum())
    statuses = [stated_met(s) for s in kpis["status_text"]]
    counts["已完成"] = sum(1 for s in statuses if s is True)
    counts["未完成"] = sum(1 for s in statuses if s is False)
    return counts


def _computed_counts(parts: pd.DataFrame, scope: str) -> dict[str, int | None]:
    parts = parts[parts["scope"] == scope]
    if parts.empty or parts["met"].isna().any():
        return {"已完成": None, "未完成": None}
    met = parts.groupby("indicator_id")["met"].all()
    return {"已完成": int(met.sum()), "未完成": int((~met).sum())}


def count_checks(report: Report, parts: pd.DataFrame | None = None) -> list[Check]:
    """Stated counts vs the 指标 table, vs the computed statuses, and among themselves."""
    stated = stated_counts(report)
    parts = indicators(report) if parts is None else parts
    checks: list[Check] = []
    for scope, group in stated.groupby("scope", sort=False):
        values = dict(zip(group["kind"], group["value"], strict=False))
        sources = dict(zip(group["kind"], group["source"], strict=False))
        table = _table_counts(report, scope)
        computed = _computed_counts(parts, scope)
        if table["合计"] == 0:
            listed = "、".join(f"{kind}{value}" for kind, value in values.items())
            checks.append(Check("count", f"{scope}：报告所列指标计数（{listed}）无法逐项核对，指标表未列该范围的指标",
                                Decimal(values.get("合计", 0)), None, "个", EXACT, None, None,
                                _src(*dict.fromkeys(sources.values()))))
            checks.extend(_internal_count_checks(scope, values, sources))
            continue
        for kind, value in values.items():
            source = _src(sources[kind])
            count = table[kind]
            ok = count == value
            finding = None if ok else (f"报告称{scope}{kind}指标 {value} 个，指标表中为 {count} 个。"
                                       + (_category_note(report) if kind in schema.CATEGORIES else ""))
            checks.append(Check("count", f"{scope}{kind}指标数 对 指标表", Decimal(value), Decimal(count), "个",
                                EXACT, ok, finding, source))
            if kind in computed and computed[kind] is not None:
                ok = computed[kind] == value
                finding = None if ok else (
                    f"报告称{scope}{kind}指标 {value} 个，按实现值与预期值重算为 {computed[kind]} 个。")
                checks.append(Check("count", f"{scope}{kind}指标数 对 按数值重算的完成情况", Decimal(value),
                                    Decimal(computed[kind]), "个", EXACT, ok, finding, source))
        checks.extend(_internal_count_checks(scope, values, sources))
    return checks


def _category_note(report: Report) -> str:
    sources = " ".join(str(s) for s in report.kpis["source"] if isinstance(s, str))
    return "（注意：指标表的一级指标为录入者归类，报告表中未列）" if "归类" in sources else ""


def _internal_count_checks(scope: str, values: dict[str, int], sources: dict[str, str]) -> list[Check]:
    """The stated parts must add up to the stated total: categories, and met + unmet."""
    checks = []
    if "合计" not in values:
        return checks
    total = values["合计"]
    for parts, label in ((list(schema.CATEGORIES), "各类指标数之和"), (["已完成", "未完成"], "已完成与未完成之和")):
        present = [k for k in parts if k in values]
        if len(present) < 2:
            continue
        part_sum = sum(values[k] for k in present)
        ok = part_sum == total
        detail = "＋".join(f"{k}{values[k]}" for k in present)
        finding = None if ok else f"报告称{scope}指标共 {total} 个，但所列{detail} = {part_sum} 个。"
        checks.append(Check("count", f"{scope}{label}（{detail}）对 指标总数", Decimal(total), Decimal(part_sum), "个",
                            EXACT, ok, finding, _src(sources["合计"], *(sources[k] for k in present))))
    return checks


# ---- statuses ------------------------------------------------------------------------


def status_checks(report: Report, parts: pd.DataFrame | None = None) -> list[Check]:
    """完成情况 as printed against the result computed from target and actual, indicator by indicator."""
    parts = indicators(report) if parts is None else parts
    checks = []
    for indicator_id, group in parts.groupby("indicator_id", sort=False):
        first = group.iloc[0]
        said = first["stated_met"]
        if pd.isna(said):
            continue
        if group["met"].isna().any():
            checks.append(Check("status", f"指标{indicator_id}「{first['name']}」完成情况：报告为"
                                f"{'已完成' if said else '未完成'}，数值无法判定（{first['review'] or '需复核'}）",
                                None, None, None, EXACT, None, None, _src(first["source"])))
            continue
        met = bool(group["met"].all())
        ok = met == bool(said)
        finding = None if ok else (
            f"指标{indicator_id}「{first['name']}」报告为{'已完成' if said else '未完成'}，但实现值"
            f"「{first['actual_text']}」对预期值「{first['target_text']}」{'已达到' if met else '未达到'}目标。")
        checks.append(Check("status", f"指标{indicator_id}「{first['name']}」完成情况 对 数值",
                            None, None, None, EXACT, ok, finding, _src(first["source"])))
    return checks


# ---- scores --------------------------------------------------------------------------


def score_checks(report: Report) -> list[Check]:
    """Where 分值/得分 are printed: weights add to 100, scores add to the total, each within its weight."""
    from perfeval_utils.analyse.scoring import grade

    kpis = report.kpis
    weights = [w for w in kpis["weight"] if w is not None and not pd.isna(w)]
    scores = [s for s in kpis["score"] if s is not None and not pd.isna(s)]
    checks: list[Check] = []
    exec_weight = report.meta.get("execution_weight")
    exec_score = report.meta.get("execution_score")
    if weights and len(weights) == len(kpis):
        weight_sum = sum(weights, Decimal(0)) + (exec_weight or Decimal(0))
        label = "各指标分值" + ("＋预算执行率分值" if exec_weight is not None else "")
        ok = weight_sum == 100
        checks.append(Check("score", f"{label}之和 对 100 分", Decimal(100), weight_sum, "分", EXACT, ok,
                            None if ok else f"{label}合计 {_fmt(weight_sum)} 分，不是 100 分。",
                            _src(*kpis["source"], report.meta_sources.get("execution_weight"))))
    for row in kpis.itertuples(index=False):
        if row.weight is None or row.score is None or pd.isna(row.weight) or pd.isna(row.score):
            continue
        ok = Decimal(0) <= row.score <= row.weight
        if not ok:
            checks.append(Check("score", f"指标{row.indicator_id}「{row.name}」得分在分值之内", row.weight, row.score,
                                "分", EXACT, False,
                                f"指标{row.indicator_id}「{row.name}」得分 {_fmt(row.score)} 分超出其分值 "
                                f"{_fmt(row.weight)} 分。", _src(row.source)))
    stated_total = report.meta.get("self_score")
    if scores and len(scores) == len(kpis) and stated_total is not None:
        score_sum = sum(scores, Decimal(0)) + (exec_score or Decimal(0))
        label = "各指标得分" + ("＋预算执行率得分" if exec_score is not None else "")
        ok = score_sum == stated_total
        checks.append(Check("score", f"{label}之和 对 自评得分", stated_total, score_sum, "分", EXACT, ok,
                            None if ok else
                            f"{label}合计 {_fmt(score_sum)} 分，报告自评得分为 {_fmt(stated_total)} 分。",
                            _src(report.meta_sources.get("self_score"), *kpis["source"])))
    stated_grade = report.meta.get("self_grade")
    if stated_grade is not None and stated_total is not None:
        expected = grade(stated_total)
        ok = expected == stated_grade
        checks.append(Check("score", f"自评等级「{stated_grade}」对 自评得分 {_fmt(stated_total)} 分", None, None, None,
                            "优≥90，良≥80，中≥60", ok,
                            None if ok else
                            f"自评得分 {_fmt(stated_total)} 分应为「{expected}」，报告为「{stated_grade}」。",
                            _src(report.meta_sources.get("self_grade"), report.meta_sources.get("self_score"))))
    return checks


# ---- year over year ------------------------------------------------------------------


def change_checks(report: Report) -> list[Check]:
    """A stated change on the prior year (增减额 / 增减率) against the figures that imply it.

    With 上年执行数 in the workbook the change is recomputed from both years; with only the
    stated change, its amount and its rate must agree with each other (rate = change ÷ (this
    year − change)), compared at the precision the rate is printed.
    """
    stated: dict[str, dict[str, tuple[Decimal, str]]] = {}
    for claim in report.claims.itertuples(index=False):
        match = CHANGE_ITEM.match(claim.item)
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
                                EXACT, ok, None if ok else f"「{item}」较上年增减额报告为 {_fmt(value, unit)}，"
                                f"按 {_fmt(current, unit)} − {_fmt(prior, unit)} 重算为 {_fmt(computed, unit)}。",
                                _src(source, *sources)))
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
            extra = _src(kinds["增减额"][1]) if "增减额" in kinds else ()
            description = f"「{item}」较上年增减率 对 增减额 ÷ 上年数（上年数 = {how}）"
            checks.append(Check("change", description, rate, shown, "%",
                                PRINTED, ok, None if ok else f"「{item}」较上年增减率报告为 {rate}%，按增减额 "
                                f"{_fmt(current - base, unit)} ÷ 上年数 {_fmt(base, unit)} 重算为 {shown}%。",
                                _src(rate_source, *sources, *extra)))
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
        if claim.item.startswith(schema.COUNT_PREFIX) or CHANGE_ITEM.match(claim.item):
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
                                    _src(first.source, other.source)))
                continue
            factor = Decimal(1) if same_unit else MONEY_FACTORS[other.unit] / MONEY_FACTORS[first.unit]
            converted = other.value * factor
            ok = converted == first.value
            checks.append(Check("units", f"「{item}」在两处所列数值一致（{first.claim_id} 与 {other.claim_id}）",
                                first.value, converted, first.unit, EXACT, ok,
                                None if ok else f"「{item}」一处为 {_fmt(first.value, first.unit)}，另一处为 "
                                f"{_fmt(other.value, other.unit)}。", _src(first.source, other.source)))
    figures = _money_figures(report)
    seen: set[tuple[str, str]] = set()
    for i, (label, value, unit, source) in enumerate(figures):
        for other_label, other_value, other_unit, other_source in figures[i + 1:]:
            if unit != other_unit and value == other_value and value != 0 and (label, other_label) not in seen:
                seen.add((label, other_label))
                stated = value / MONEY_FACTORS[unit]
                checks.append(Check("units", f"{label} {_fmt(stated, unit)} 与 {other_label} "
                                    f"{_fmt(other_value / MONEY_FACTORS[other_unit], other_unit)} "
                                    "为同一数额的两种单位写法",
                                    stated, other_value / MONEY_FACTORS[unit], unit, EXACT, True, None,
                                    _src(source, other_source)))
    return checks


# ---- rules of the 核对 sheet ---------------------------------------------------------


def rule_checks(report: Report) -> list[Check]:
    """The auditor's own rules from the 核对 sheet, evaluated by the rule engine (never eval).

    ``stated`` is the right side (the figure the rule checks), ``computed`` the left side, both in
    the left side's unit; a rule that cannot be evaluated fails with the engine's message.
    """
    if report.rules.empty:
        return []
    from perfeval_utils.check import rules

    checks = []
    for outcome in rules.check_rules(report):
        sources = _src(*rules.sources_of(report, outcome.references))
        name = f"{outcome.rule_id} {outcome.description}"
        if outcome.error or outcome.left is None or outcome.right is None:
            checks.append(Check("rule", name, None, None, None, "", False,
                                f"核对规则 {outcome.rule_id} 无法计算：{outcome.error}", sources))
            continue
        unit = outcome.left.unit
        tolerance = EXACT if outcome.tolerance is None else f"容差 {outcome.tolerance.display()}"
        finding = None if outcome.ok else (
            f"{outcome.description}：{outcome.left_text} = {outcome.left.display()}，"
            f"{outcome.right_text} = {outcome.right.display()}，"
            f"差 {outcome.difference.display() if outcome.difference is not None else '无法计算'}。")
        checks.append(Check("rule", name, outcome.right.in_unit(unit), outcome.left.in_unit(unit),
                            outcome.left.unit_text or None, tolerance, outcome.ok, finding, sources))
    return checks


# ---- all of it -----------------------------------------------------------------------

USES_PARTS = frozenset({"count_checks", "status_checks"})
BUILT_IN = (rate_checks, sum_checks, carryover_checks, count_checks, status_checks, score_checks, change_checks,
            unit_checks)


def reconcile(report: Report) -> pd.DataFrame:
    """Every built-in check and every 核对 rule, one row each, failures carrying a finding sentence."""
    parts = indicators(report)  # computed once: the count and status checks both need it
    checks = [check for function in (*BUILT_IN, rule_checks)
              for check in (function(report, parts) if function.__name__ in USES_PARTS else function(report))]
    rows = [
        {
            "check_id": f"K{number:03d}", "kind": check.kind, "description": check.description,
            "stated": check.stated, "computed": check.computed, "difference": check.difference,
            "unit": check.unit, "tolerance": check.tolerance, "ok": check.ok, "finding": check.finding,
            "source": "；".join(dict.fromkeys(check.sources)),
        }
        for number, check in enumerate(checks, start=1)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["ok"] = frame["ok"].astype("boolean")
    return frame


def findings(checks: pd.DataFrame) -> pd.DataFrame:
    """The failed checks, each with the sentence an auditor can paste into a review."""
    failed = checks[checks["ok"].eq(False).fillna(False)]
    return failed[["check_id", "kind", "finding", "source"]].reset_index(drop=True)


def tally(checks: pd.DataFrame) -> str:
    """How many checks passed, failed and could not be decided, by kind."""
    counts = checks.assign(result=checks["ok"].map({True: "通过", False: "未通过"}).fillna("无法判定"))
    table = counts.groupby(["kind", "result"]).size().unstack(fill_value=0)
    passed = int((checks["ok"] == True).sum())  # noqa: E712 (nullable boolean)
    failed = int((checks["ok"] == False).sum())  # noqa: E712
    undecided = int(checks["ok"].isna().sum())
    lines = [f"共 {len(checks)} 项核对：通过 {passed} 项，未通过 {failed} 项，无法判定 {undecided} 项"]
    for kind, row in table.iterrows():
        lines.append(f"  {kind}: " + "，".join(f"{k} {v}" for k, v in row.items() if v))
    return "\n".join(lines)


def stated_figures(report: Report) -> pd.DataFrame:
    """Every number the workbook records as stated, with where it is printed: the auditor's inventory.

    One row per figure: sheet, item, value, unit, source. KPI value texts count each number they
    contain (宣传报道 605 篇，阅读总量 430426 人次 is two figures).
    """
    from perfeval_utils.values import parse_value

    unit = report.amount_unit
    rows: list[tuple[str, str, Decimal, str | None, str | None]] = []
    for key, value in report.meta.items():
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            label = {v: k for k, v in schema.META_FIELDS.items()}.get(key, key)
            rows.append(("基本信息", label, Decimal(value), unit if key == "carryover" else None,
                         report.meta_sources.get(key)))
    headers = {c.name: c.header for c in schema.BUDGET.columns}
    for line in report.budget.itertuples(index=False):
        for column in ("budget", "executed", "prior_executed", "stated_rate"):
            value = getattr(line, column)
            if value is not None:
                rows.append(("预算", f"{line.dimension}/{line.item} {headers[column]}", value,
                             "%" if column == "stated_rate" else unit, line.source))
    for kpi in report.kpis.itertuples(index=False):
        for column, label in (("target_text", "预期值"), ("actual_text", "实现值"), ("weight", "分值"),
                              ("score", "得分")):
            value = getattr(kpi, column)
            if isinstance(value, str):
                for measure in parse_value(value):
                    if measure.value is not None:
                        rows.append(("指标", f"{kpi.indicator_id} {kpi.name} {label}", measure.value, measure.unit,
                                     kpi.source))
            elif isinstance(value, Decimal):
                rows.append(("指标", f"{kpi.indicator_id} {kpi.name} {label}", value, "分", kpi.source))
    for task in report.tasks.itertuples(index=False):
        for column, label, task_unit in (("amount", "资金", unit), ("stated_indicators", "报告指标数", "个"),
                                         ("stated_met", "报告达标数", "个")):
            value = getattr(task, column)
            if value is not None and not pd.isna(value):
                rows.append(("任务", f"{task.task_id} {task.name} {label}", Decimal(int(value)) if column != "amount"
                             else value, task_unit, task.source))
    for claim in report.claims.itertuples(index=False):
        rows.append(("文中数据", f"{claim.claim_id} {claim.item}", claim.value, claim.unit, claim.source))
    return pd.DataFrame(rows, columns=["sheet", "item", "value", "unit", "source"])
