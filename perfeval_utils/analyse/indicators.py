"""Indicator completion: each target against its actual, in the target's own unit.

An indicator may state more than one quantity (宣传报道 100 篇、阅读量 10000 人次): each is a
*part*, compared on its own. Rules, in one place so an auditor can read them:

- ``>=``, ``>``, ``=`` and ``~`` targets are quantities to reach: completion = actual ÷ target,
  met when actual ≥ target (> for ``>``). A plain number is a quantity to reach, not an exact
  value (40 课时 planned, 45 delivered is met). ``~`` (约 232000 元) is read the same way: the
  seed's 230500 against 约 232000 is 未完成 in the report too.
- ``<=`` and ``<`` targets (cost, time, rates to keep down) and ``=`` targets of the 成本
  category: completion = target ÷ actual, met when actual ≤ target (< for ``<``).
- A target of 0 has no ratio: completion is 100 % when the comparison holds, else NA.
- Units must agree. 万元 and 元 are converted explicitly (the conversion is noted); any other
  mismatch is flagged for review, never compared.
- Qualitative values are mapped by :data:`QUALITATIVE_MET` / :data:`QUALITATIVE_UNMET`; an
  actual identical to its qualitative target is met; anything else is flagged for review.
- An actual written with a comparison (``≥90%``) is a target, not a measurement: flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from perfeval_utils.analyse.budget import percentage
from perfeval_utils.cells import is_blank
from perfeval_utils.errors import PerfevalError
from perfeval_utils.report import Report
from perfeval_utils.values import Measure, parse_value

#: Qualitative actuals that say the target was reached.
QUALITATIVE_MET = frozenset(
    {"是", "达成", "已达成", "达到", "已达到", "完成", "已完成", "达标", "合格", "符合", "有效", "满意", "良好"}
)
#: Qualitative actuals that say it was not.
QUALITATIVE_UNMET = frozenset({"否", "无", "未达成", "未达到", "未完成", "不达标", "不合格", "不符合", "未开展"})
#: 完成情况 text → stated met. The text is matched by its start (未完成（…） is 未完成).
STATUS_MET = ("已完成", "完成", "已达成", "达成", "已达标", "达标", "是")
STATUS_UNMET = ("未完成", "未达成", "未达标", "未达到", "否")
#: Explicit unit conversions, to the target's unit: factor × actual.
UNIT_FACTORS: dict[tuple[str, str], Decimal] = {("万元", "元"): Decimal(10000), ("元", "万元"): Decimal("0.0001")}
#: Above this completion (percent) a target was probably set too low.
OVER_ACHIEVEMENT_THRESHOLD = Decimal(130)

COLUMNS = [
    "indicator_id", "part", "scope", "category", "name", "label", "target", "actual", "unit", "op",
    "completion", "met", "stated_met", "gap", "reason", "review", "target_text", "actual_text", "source",
    "completion_exact",
]
_REACH = frozenset({">=", ">", "=", "~"})
_CENTI = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class _Outcome:
    target: Decimal | None
    actual: Decimal | None
    unit: str | None
    op: str
    completion: Decimal | None
    met: bool | None
    gap: Decimal | None
    review: str | None


def stated_met(status_text: object) -> bool | None:
    """完成情况 as a yes/no: 已完成 → True, 未完成（…） → False, blank or other → None."""
    if not isinstance(status_text, str) or not status_text.strip():
        return None
    text = status_text.strip()
    if text.startswith(STATUS_UNMET):
        return False
    if text.startswith(STATUS_MET):
        return True
    return None


def safe_parse(text: object) -> list[Measure] | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_value(text)
    except PerfevalError:
        return None


def target_direction(op: str, category: str) -> str:
    """'reach' (more is better) or 'limit' (less is better)."""
    if op in ("<=", "<"):
        return "limit"
    if op == "=" and category == "成本":
        return "limit"
    return "reach"


def _compare(target: Measure, actual: Measure, category: str) -> _Outcome:
    """One part: the target and actual measures → completion, met and gap."""
    if target.value is None or actual.value is None:
        return _qualitative(target, actual)
    review = None
    actual_value = actual.value
    unit = target.unit or actual.unit
    if target.unit != actual.unit and target.unit and actual.unit:
        factor = UNIT_FACTORS.get((actual.unit, target.unit))
        if factor is None:
            return _Outcome(target.value, actual.value, target.unit, target.op, None, None, None,
                            f"单位不一致：预期 {target.unit}，实现 {actual.unit}，未比较")
        actual_value = actual.value * factor
        review = f"实现值由 {actual.unit} 换算为 {target.unit}"
    if actual.op not in ("=", "~"):
        review = _join(review, f"实现值带比较符「{actual.op}」，是目标写法而非实测值")
    direction = target_direction(target.op, category)
    strict = target.op in (">", "<")
    if direction == "reach":
        met = actual_value > target.value if strict else actual_value >= target.value
        completion = percentage(actual_value, target.value)
        gap = Decimal(0) if met else target.value - actual_value
    else:
        met = actual_value < target.value if strict else actual_value <= target.value
        completion = percentage(target.value, actual_value) if actual_value != 0 else None
        gap = Decimal(0) if met else actual_value - target.value
    if target.value == 0 or (actual_value == 0 and direction == "limit"):
        completion = Decimal(100) if met else None
    return _Outcome(target.value, actual_value, unit, target.op, completion, met, gap, review)


def _qualitative(target: Measure, actual: Measure) -> _Outcome:
    actual_text = (actual.qualitative or actual.text or "").strip()
    target_text = (target.qualitative or target.text or "").strip()
    if actual.value is None and actual_text and actual_text == target_text:
        met: bool | None = True
        review = None
    elif actual.value is None and actual_text in QUALITATIVE_MET:
        met, review = True, None
    elif actual.value is None and actual_text in QUALITATIVE_UNMET:
        met, review = False, None
    else:
        met, review = None, f"定性值未能判定：预期「{target_text}」，实现「{actual_text}」，需人工复核"
    completion = None if met is None else Decimal(100) if met else Decimal(0)
    return _Outcome(target.value, actual.value, target.unit, target.op, completion, met, None, review)


def round_to(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_CENTI, rounding=ROUND_HALF_UP)


def _join(first: str | None, second: str) -> str:
    return second if first is None else f"{first}；{second}"


def measure_pairs(targets: list[Measure], actuals: list[Measure]) -> list[tuple[Measure | None, Measure | None]]:
    """Pair the parts of target and actual by position; a range target pairs both bounds with one actual."""
    if len(targets) == 2 and len(actuals) == 1 and {t.op for t in targets} == {">=", "<="}:
        return [(targets[0], actuals[0]), (targets[1], actuals[0])]
    length = max(len(targets), len(actuals))
    return [
        (targets[i] if i < len(targets) else None, actuals[i] if i < len(actuals) else None) for i in range(length)
    ]


def indicators(report: Report) -> pd.DataFrame:
    """One row per part of each indicator, with completion (%), met, stated_met and gap.

    ``completion`` is shown to two decimals; ``completion_exact`` keeps the exact quotient, which
    scoring uses so that no rounding enters a score.

    ``gap`` is the shortfall in the target's own unit (1500 for 预计慰问费用约 232000 元 against
    230500 元), 0 when met, NA when nothing could be compared; ``review`` says why a part needs a
    person's look (unit mismatch, undecidable qualitative value, an actual that is a target).
    """
    rows = []
    for kpi in report.kpis.itertuples(index=False):
        targets = safe_parse(kpi.target_text)
        actuals = safe_parse(kpi.actual_text)
        status = stated_met(kpi.status_text)
        reason = None if is_blank(kpi.reason) else kpi.reason
        base = {
            "indicator_id": kpi.indicator_id, "scope": kpi.scope, "category": kpi.category, "name": kpi.name,
            "stated_met": status, "reason": reason, "target_text": kpi.target_text, "actual_text": kpi.actual_text,
            "source": kpi.source,
        }
        if targets is None or actuals is None:
            missing = "预期值" if targets is None else "实现值"
            rows.append({**base, "part": 1, "label": None, "target": None, "actual": None, "unit": None,
                         "op": None, "completion": None, "met": None, "gap": None,
                         "review": f"{missing}为空，无法比较", "completion_exact": None})
            continue
        for part, (target, actual) in enumerate(measure_pairs(targets, actuals), start=1):
            if target is None or actual is None:
                rows.append({**base, "part": part, "label": (target or actual).label, "target": None,  # type: ignore[union-attr]
                             "actual": None, "unit": None, "op": None, "completion": None, "met": None,
                             "gap": None, "review": "预期值与实现值的数量个数不同，此部分无对应值",
                             "completion_exact": None})
                continue
            outcome = _compare(target, actual, kpi.category)
            rows.append({**base, "part": part, "label": target.label or actual.label, "target": outcome.target,
                         "actual": outcome.actual, "unit": outcome.unit, "op": outcome.op,
                         "completion": round_to(outcome.completion), "met": outcome.met, "gap": outcome.gap,
                         "review": outcome.review, "completion_exact": outcome.completion})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("met", "stated_met"):
        frame[column] = frame[column].astype("boolean")
    frame["part"] = frame["part"].astype("int64")
    return frame


def shortfalls(report: Report) -> pd.DataFrame:
    """The unmet parts with gap, completion and the stated reason, largest relative shortfall first."""
    parts = indicators(report)
    unmet = parts[parts["met"].eq(False).fillna(False)].copy()
    unmet["_order"] = [float(c) if c is not None else -1.0 for c in unmet["completion"]]
    unmet = unmet.sort_values(["_order", "indicator_id"], kind="stable").drop(columns="_order")
    return unmet[["indicator_id", "part", "name", "label", "target", "actual", "unit", "gap", "completion",
                  "stated_met", "reason", "source"]].reset_index(drop=True)


def target_flags(report: Report, threshold: Decimal | int | str = OVER_ACHIEVEMENT_THRESHOLD) -> pd.DataFrame:
    """Parts completed above ``threshold`` percent: the target was probably set too low."""
    limit = Decimal(str(threshold))
    parts = indicators(report)
    mask = pd.Series([c is not None and c > limit for c in parts["completion"]], index=parts.index, dtype=bool)
    over = parts[mask]
    frame = over[["indicator_id", "part", "name", "label", "target", "actual", "unit", "completion", "source"]].copy()
    frame["flag"] = f"完成率超过 {limit}%：目标可能定得偏低"
    return frame.reset_index(drop=True)


def shortfall_sentences(report: Report) -> str:
    """Each unmet part as one sentence an analyst can quote: target, actual, gap, completion, reason."""
    frame = shortfalls(report)
    if frame.empty:
        return "无未完成指标"
    lines = []
    texts = report.kpis.set_index("indicator_id")[["target_text", "actual_text"]]
    for row in frame.itertuples(index=False):
        unit = row.unit or ""
        completion = "无法计算" if row.completion is None else f"{row.completion}%"
        reason = row.reason if isinstance(row.reason, str) else "报告未说明原因"
        if row.target is None or row.actual is None or row.gap is None:  # qualitative: quote the texts
            target_text, actual_text = texts.loc[row.indicator_id]
            comparison = f"预期「{target_text}」，实现「{actual_text}」"
        else:
            comparison = f"预期 {row.target} {unit}，实现 {row.actual} {unit}，差 {row.gap} {unit}"
        lines.append(f"指标{row.indicator_id}「{row.name}」：{comparison}，完成率 {completion}。原因：{reason}")
    return "\n".join(lines)


def status_agreement(parts: pd.DataFrame) -> str:
    """How many parts' computed status agrees with the printed 完成情况, and which do not."""
    both = parts[parts["met"].notna() & parts["stated_met"].notna()]
    disagree = both[both["met"] != both["stated_met"]]
    undecided = parts[parts["met"].isna()]
    lines = [f"共 {len(parts)} 个指标部分：计算结果与报告完成情况一致 {len(both) - len(disagree)} 个，"
             f"不一致 {len(disagree)} 个，无法判定或报告未列 {len(parts) - len(both)} 个"]
    for row in disagree.itertuples(index=False):
        said = "已完成" if row.stated_met else "未完成"
        computed = "达到" if row.met else "未达到"
        lines.append(f"不一致：指标{row.indicator_id}「{row.name}」报告称{said}，按数值{computed}目标")
    for row in undecided.itertuples(index=False):
        lines.append(f"需复核：指标{row.indicator_id}「{row.name}」：{row.review}")
    return "\n".join(lines)
