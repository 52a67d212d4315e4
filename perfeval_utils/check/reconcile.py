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

This module is the driver (every kind in order, numbered K001…, as one table) and the 核对 rules;
the checks on money live in :mod:`.amount_checks`, those on indicators and scores in
:mod:`.kpi_checks`, the :class:`Check` record in :mod:`.base`. Every check function is importable
from here as before.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.cells import is_blank
from perfeval_utils.check.amount_checks import carryover_checks, change_checks, rate_checks, sum_checks, unit_checks
from perfeval_utils.check.base import COLUMNS, EXACT, Check, cited
from perfeval_utils.check.kpi_checks import count_checks, score_checks, stated_counts, status_checks
from perfeval_utils.report import Report

__all__ = [
    "BUILT_IN",
    "COLUMNS",
    "Check",
    "carryover_checks",
    "change_checks",
    "count_checks",
    "findings",
    "rate_checks",
    "reconcile",
    "rule_checks",
    "score_checks",
    "stated_counts",
    "stated_figures",
    "status_checks",
    "sum_checks",
    "tally",
    "unit_checks",
]


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
        sources = cited(*rules.sources_of(report, outcome.references))
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
            # the year is a label, not a quantity: kept an int, it is shown 2022 (a Decimal is shown 2,022)
            rows.append(("基本信息", label, value if key == "year" else Decimal(value),
                         unit if key == "carryover" else None, report.meta_sources.get(key)))
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
            if not is_blank(value):
                rows.append(("任务", f"{task.task_id} {task.name} {label}", Decimal(int(value)) if column != "amount"
                             else value, task_unit, task.source))
    for claim in report.claims.itertuples(index=False):
        rows.append(("文中数据", f"{claim.claim_id} {claim.item}", claim.value, claim.unit, claim.source))
    return pd.DataFrame(rows, columns=["sheet", "item", "value", "unit", "source"])
