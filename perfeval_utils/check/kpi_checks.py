"""Checks on the indicators and the score: stated counts of indicators against the 指标 table and
the computed statuses, 完成情况 as printed against the computed result, and 分值/得分/总分/等级.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.indicators import indicators, stated_met
from perfeval_utils.cells import is_blank
from perfeval_utils.check.base import EXACT, Check, cited, fmt
from perfeval_utils.report import Report

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
        if not is_blank(task.stated_indicators):
            rows.append((task.task_id, "合计", int(task.stated_indicators), task.source))
        if not is_blank(task.stated_met):
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
                                cited(*dict.fromkeys(sources.values()))))
            checks.extend(_internal_count_checks(scope, values, sources))
            continue
        for kind, value in values.items():
            source = cited(sources[kind])
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
                            EXACT, ok, finding, cited(sources["合计"], *(sources[k] for k in present))))
    return checks


# ---- statuses ------------------------------------------------------------------------


def status_checks(report: Report, parts: pd.DataFrame | None = None) -> list[Check]:
    """完成情况 as printed against the result computed from target and actual, indicator by indicator."""
    parts = indicators(report) if parts is None else parts
    checks = []
    for indicator_id, group in parts.groupby("indicator_id", sort=False):
        first = group.iloc[0]
        said = first["stated_met"]
        if is_blank(said):
            continue
        if group["met"].isna().any():
            checks.append(Check("status", f"指标{indicator_id}「{first['name']}」完成情况：报告为"
                                f"{'已完成' if said else '未完成'}，数值无法判定（{first['review'] or '需复核'}）",
                                None, None, None, EXACT, None, None, cited(first["source"])))
            continue
        met = bool(group["met"].all())
        ok = met == bool(said)
        finding = None if ok else (
            f"指标{indicator_id}「{first['name']}」报告为{'已完成' if said else '未完成'}，但实现值"
            f"「{first['actual_text']}」对预期值「{first['target_text']}」{'已达到' if met else '未达到'}目标。")
        checks.append(Check("status", f"指标{indicator_id}「{first['name']}」完成情况 对 数值",
                            None, None, None, EXACT, ok, finding, cited(first["source"])))
    return checks


# ---- scores --------------------------------------------------------------------------


def score_checks(report: Report) -> list[Check]:
    """Where 分值/得分 are printed: weights add to 100, scores add to the total, each within its weight."""
    from perfeval_utils.analyse.scoring import grade

    kpis = report.kpis
    weights = [w for w in kpis["weight"] if not is_blank(w)]
    scores = [s for s in kpis["score"] if not is_blank(s)]
    checks: list[Check] = []
    exec_weight = report.meta.get("execution_weight")
    exec_score = report.meta.get("execution_score")
    if weights and len(weights) == len(kpis):
        weight_sum = sum(weights, Decimal(0)) + (exec_weight or Decimal(0))
        label = "各指标分值" + ("＋预算执行率分值" if exec_weight is not None else "")
        ok = weight_sum == 100
        checks.append(Check("score", f"{label}之和 对 100 分", Decimal(100), weight_sum, "分", EXACT, ok,
                            None if ok else f"{label}合计 {fmt(weight_sum)} 分，不是 100 分。",
                            cited(*kpis["source"], report.meta_sources.get("execution_weight"))))
    for row in kpis.itertuples(index=False):
        if is_blank(row.weight) or is_blank(row.score):
            continue
        ok = Decimal(0) <= row.score <= row.weight
        if not ok:
            checks.append(Check("score", f"指标{row.indicator_id}「{row.name}」得分在分值之内", row.weight, row.score,
                                "分", EXACT, False,
                                f"指标{row.indicator_id}「{row.name}」得分 {fmt(row.score)} 分超出其分值 "
                                f"{fmt(row.weight)} 分。", cited(row.source)))
    stated_total = report.meta.get("self_score")
    if scores and len(scores) == len(kpis) and stated_total is not None:
        score_sum = sum(scores, Decimal(0)) + (exec_score or Decimal(0))
        label = "各指标得分" + ("＋预算执行率得分" if exec_score is not None else "")
        ok = score_sum == stated_total
        checks.append(Check("score", f"{label}之和 对 自评得分", stated_total, score_sum, "分", EXACT, ok,
                            None if ok else
                            f"{label}合计 {fmt(score_sum)} 分，报告自评得分为 {fmt(stated_total)} 分。",
                            cited(report.meta_sources.get("self_score"), *kpis["source"])))
    stated_grade = report.meta.get("self_grade")
    if stated_grade is not None and stated_total is not None:
        expected = grade(stated_total)
        ok = expected == stated_grade
        checks.append(Check("score", f"自评等级「{stated_grade}」对 自评得分 {fmt(stated_total)} 分", None, None, None,
                            "优≥90，良≥80，中≥60", ok,
                            None if ok else
                            f"自评得分 {fmt(stated_total)} 分应为「{expected}」，报告为「{stated_grade}」。",
                            cited(report.meta_sources.get("self_grade"), report.meta_sources.get("self_score"))))
    return checks
