"""Red flags: patterns in a self-evaluation that should put it near the top of a re-check pile (自评复核).

A flag is a reason to look, not a verdict. Each rule, its threshold and its severity are here,
in one place; thresholds are parameters (:class:`Thresholds`). Severity: 3 高 (the figures
contradict the conclusion), 2 中 (a figure does not follow, or a value looks written after the
fact), 1 低 (worth a question).

Rules:

- ``spent_little_achieved_all``: execution rate below ``low_execution`` % while every
  quantity indicator is met (3).
- ``actual_is_target``: an actual written with a comparison (``≥90%``) is a target, not a
  measurement (2); ``actual_same_text``: an actual identical to its target text (1).
- ``all_on_target``: every comparable part exactly 100 % complete (at least ``min_parts``) (2).
- ``target_far_exceeded``: a part above ``over_achievement`` % (1).
- ``weights``: 分值 not adding to 100 with the execution line (2); ``score_not_earned``: a
  missed target with full marks (3); ``score_lost_when_met``: a met target losing points (1);
  ``total_unreachable``: a stated total above what the listed points allow (3).
- ``inconsistent``: a stated rate, sum, balance, change or count that does not follow from its
  own figures (from :func:`perfeval_utils.check.reconcile.reconcile`) (2; 1 for rules and units).
- ``unmet_without_reason`` (2); ``low_execution_unexplained``: rate below ``explain_below`` %
  with no 基本信息 field 执行偏差说明 (2).
- ``unreadable``: a workbook in the set that could not be loaded (3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from perfeval_utils.analyse.budget import execution
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.check.reconcile import reconcile
from perfeval_utils.read.workbook import Report

SEVERITY_LABEL = {3: "高", 2: "中", 1: "低"}
COLUMNS = ["department", "year", "flag", "severity", "evidence", "source", "file"]
EXPLANATION_FIELD = "执行偏差说明"
#: Reconcile kinds and the severity of a failed check of that kind.
CHECK_SEVERITY = {"rate": 2, "sum": 2, "carryover": 2, "change": 2, "count": 2, "status": 2, "score": 2,
                  "units": 1, "rule": 1}


@dataclass(frozen=True)
class Thresholds:
    """Every threshold a flag uses, in percent."""

    low_execution: Decimal = Decimal(80)
    explain_below: Decimal = Decimal(90)
    over_achievement: Decimal = Decimal(130)
    min_parts: int = 3


DEFAULT = Thresholds()


@dataclass(frozen=True)
class _Flag:
    flag: str
    severity: int
    evidence: str
    source: str = ""


def _mask(frame: pd.DataFrame, values: list[bool]) -> pd.Series:
    """A boolean row mask (a plain empty list would select columns, not rows)."""
    return pd.Series(values, index=frame.index, dtype=bool)


def _rate(report: Report) -> Decimal | None:
    total = execution(report).iloc[0]
    return total["rate"] if total["rate"] is not None else total["stated_rate"]


def _join_sources(values: Iterable[object]) -> str:
    return "；".join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


def _execution_flags(report: Report, parts: pd.DataFrame, limits: Thresholds) -> list[_Flag]:
    rate = _rate(report)
    flags = []
    if rate is None:
        return flags
    quantity = parts[parts["target"].notna() & parts["met"].notna()]
    if rate < limits.low_execution and len(quantity) and bool(quantity["met"].all()):
        flags.append(_Flag("spent_little_achieved_all", 3,
                           f"预算执行率仅 {rate.quantize(Decimal('0.01'))}%，而 {len(quantity)} 个数量指标全部完成",
                           _join_sources(execution(report)["source"].head(1))))
    if rate < limits.explain_below and not report.meta.get(EXPLANATION_FIELD):
        flags.append(_Flag("low_execution_unexplained", 2,
                           f"预算执行率 {rate.quantize(Decimal('0.01'))}% 低于 {limits.explain_below}%，"
                           f"工作簿未记录执行偏差说明（基本信息「{EXPLANATION_FIELD}」）",
                           _join_sources(execution(report)["source"].head(1))))
    return flags


def _value_flags(report: Report, parts: pd.DataFrame, limits: Thresholds) -> list[_Flag]:
    flags = []
    bound = parts[parts["review"].fillna("").str.contains("比较符")]
    if len(bound):
        ids = "、".join(dict.fromkeys(f"指标{i}" for i in bound["indicator_id"]))
        example = bound.iloc[0]["actual_text"]
        flags.append(_Flag("actual_is_target", 2, f"{ids}的实现值写成了目标形式（如「{example}」），不是实测值",
                           _join_sources(bound["source"])))
    kpis = report.kpis
    same = kpis[_mask(kpis, [isinstance(t, str) and isinstance(a, str) and t.strip() == a.strip()
                             for t, a in zip(kpis["target_text"], kpis["actual_text"], strict=True)])]
    same = same[~same["indicator_id"].isin(bound["indicator_id"])]
    if len(same):
        ids = "、".join(f"指标{i}" for i in same["indicator_id"])
        flags.append(_Flag("actual_same_text", 1, f"{ids}的实现值与预期值文字完全相同（共 {len(same)} 个）",
                           _join_sources(same["source"])))
    comparable = parts[parts["completion"].notna()]
    if len(comparable) >= limits.min_parts and all(c == 100 for c in comparable["completion"]):
        flags.append(_Flag("all_on_target", 2, f"全部 {len(comparable)} 个可比较的指标完成率恰为 100%",
                           _join_sources(comparable["source"])))
    over = comparable[_mask(comparable, [c > limits.over_achievement for c in comparable["completion"]])]
    if len(over):
        listed = "、".join(f"指标{row.indicator_id}{row.label or row.name} {row.completion}%"
                           for row in over.itertuples(index=False))
        flags.append(_Flag("target_far_exceeded", 1,
                           f"完成率超过 {limits.over_achievement}%：{listed}（目标可能偏低）",
                           _join_sources(over["source"])))
    unmet = parts[parts["met"].eq(False).fillna(False) & parts["reason"].isna()]
    if len(unmet):
        ids = "、".join(dict.fromkeys(f"指标{i}「{n}」" for i, n in zip(unmet["indicator_id"], unmet["name"],
                                                                          strict=True)))
        flags.append(_Flag("unmet_without_reason", 2, f"未完成却未说明原因：{ids}", _join_sources(unmet["source"])))
    return flags


def _score_flags(report: Report, parts: pd.DataFrame) -> list[_Flag]:
    flags = []
    met_by_id: dict[str, bool | None] = {
        indicator_id: None if group["met"].isna().any() else bool(group["met"].all())
        for indicator_id, group in parts.groupby("indicator_id")}
    for row in report.kpis.itertuples(index=False):
        if row.weight is None or row.score is None or pd.isna(row.weight) or pd.isna(row.score):
            continue
        met = met_by_id.get(row.indicator_id)
        if met is False and row.score >= row.weight:
            evidence = (f"指标{row.indicator_id}「{row.name}」未达到目标（预期「{row.target_text}」，"
                        f"实现「{row.actual_text}」）却得满分 {row.score} 分")
            flags.append(_Flag("score_not_earned", 3, evidence, row.source))
        elif met is True and row.score < row.weight:
            flags.append(_Flag("score_lost_when_met", 1, f"指标{row.indicator_id}「{row.name}」已达到目标，"
                               f"却只得 {row.score} 分（分值 {row.weight} 分）", row.source))
    weights = [w for w in report.kpis["weight"] if w is not None and not pd.isna(w)]
    stated = report.meta.get("self_score")
    if weights and stated is not None:
        reachable = sum(weights, Decimal(0)) + (report.meta.get("execution_weight") or Decimal(0))
        if stated > reachable:
            flags.append(_Flag("total_unreachable", 3, f"自评得分 {stated} 分，高于所列分值最多可得的 {reachable} 分",
                               report.meta_sources.get("self_score") or ""))
    return flags


def _check_flags(report: Report) -> list[_Flag]:
    checks = reconcile(report)
    failed = checks[checks["ok"].eq(False).fillna(False)]
    flags = []
    for row in failed.itertuples(index=False):
        name = "weights" if row.kind == "score" and "分值之和" in row.description else "inconsistent"
        flags.append(_Flag(name, CHECK_SEVERITY.get(row.kind, 1), row.finding, row.source))
    return flags


def report_flags(report: Report, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """Every flag of one report, one row each."""
    parts = indicators(report)
    found = [*_execution_flags(report, parts, thresholds), *_value_flags(report, parts, thresholds),
             *_score_flags(report, parts), *_check_flags(report)]
    rows = [(report.department, report.year, f.flag, f.severity, f.evidence, f.source, report.path.name)
            for f in found]
    from perfeval_utils.check.monitoring import monitoring_flags  # 监控 sheets' flags (none without them)

    rows.extend(monitoring_flags(report).itertuples(index=False, name=None))
    return pd.DataFrame(rows, columns=COLUMNS)


def _reports_of(reports: object) -> tuple[list[Report], pd.DataFrame]:
    """A Report, a ReportSet (its originals and load errors) or an iterable of Reports."""
    if isinstance(reports, Report):
        return [reports], pd.DataFrame()
    originals = getattr(reports, "originals", None)
    if originals is not None:
        return list(originals), getattr(reports, "errors", pd.DataFrame())
    return list(reports), pd.DataFrame()  # type: ignore[call-overload]


def red_flags(reports: object, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """Every flag of every report (and one per workbook that could not be read), one row each."""
    loaded, errors = _reports_of(reports)
    frames = [report_flags(report, thresholds) for report in loaded]
    if len(errors):
        file_column = "file" if "file" in errors.columns else errors.columns[0]
        message_column = "message" if "message" in errors.columns else errors.columns[-1]
        frames.append(pd.DataFrame(
            [(None, None, "unreadable", 3, f"工作簿无法读取：{msg}", "", str(name))
             for name, msg in zip(errors[file_column], errors[message_column], strict=True)], columns=COLUMNS))
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=COLUMNS)
    frame["severity_label"] = frame["severity"].map(SEVERITY_LABEL)
    return frame


def review_priority(reports: object, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """One row per report: flag count, weighted severity, the flags; most urgent first.

    ``weighted_severity`` adds, for each kind of flag a report has, its highest severity, so a
    report is not ranked first merely because it states more figures that can be checked.
    Ties go to the report with more high flags, then more flags. Reports without any flag are
    listed too (0), so the table covers the whole pile.
    """
    loaded, _ = _reports_of(reports)
    flags = red_flags(reports, thresholds)
    rows = []
    files = {report.path.name: report for report in loaded}
    for file in [*files, *[f for f in flags["file"].unique() if f not in files]]:
        own = flags[flags["file"] == file]
        report = files.get(file)
        rows.append({
            "department": report.department if report else None,
            "year": report.year if report else None,
            "file": file,
            "flags": len(own),
            "high": int((own["severity"] == 3).sum()),
            # each kind of flag counts once, at its highest severity: ten failed sums are one pattern
            "weighted_severity": int(own.groupby("flag")["severity"].max().sum()),
            "kinds": "、".join(dict.fromkeys(own["flag"])),
        })
    table = pd.DataFrame(rows, columns=["department", "year", "file", "flags", "high", "weighted_severity", "kinds"])
    table = table.sort_values(["weighted_severity", "high", "flags", "file"], ascending=[False, False, False, True],
                              kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def evidence_text(priority: pd.DataFrame, flags: pd.DataFrame, top: int = 3) -> str:
    """The flags of the ``top`` reports of the priority table, one sentence each, with their 出处."""
    lines = []
    for row in priority.head(top).itertuples(index=False):
        own = flags[flags["file"] == row.file].sort_values("severity", ascending=False, kind="stable")
        lines.append(f"{row.rank}. {row.department or row.file} {row.year or ''}（{row.file}）："
                     f"{row.flags} 个提示，加权 {row.weighted_severity}")
        if own.empty:
            lines.append("   无提示")
        for flag in own.itertuples(index=False):
            source = f"（出处：{flag.source}）" if flag.source else ""
            lines.append(f"   [{SEVERITY_LABEL[flag.severity]}] {flag.evidence}{source}")
    return "\n".join(lines)
