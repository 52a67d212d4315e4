"""Cross-report evidence: what one self-evaluation alone cannot show, over a ReportSet.

Four patterns, each with a minimum sample below which it says nothing (a pattern in three
figures is chance, not evidence); thresholds are parameters (:class:`CrossLimits`):

- ``on_target_vs_peers`` (2): at least ``nearly_all`` of a report's comparable indicator parts
  are exactly 100 % complete, while the median share of the other reports is at least
  ``above_peers`` lower. Needs ``min_parts`` parts in the report and ``min_bodies`` other
  reports with that many parts.
- ``round_rates`` (1): at least ``round_share`` of the percentages a report states (execution
  rates, % actuals) are whole multiples of 5; needs ``min_rates`` percentages.
- ``shared_text`` (1): a 偏差原因 or indicator text (名称, 预期值, 实现值) of at least
  ``min_text`` characters, identical after :func:`~perfeval_utils.cells.match_key`, in reports
  of two different departments.
- ``target_repeats_last_actual`` (1): when a department has two consecutive years, at least
  ``repeat_share`` of the indicators matched by name (at least ``min_pairs``) set this year's
  target exactly at last year's actual, in the same unit.

The rows have the columns of :func:`perfeval_utils.check.flags.red_flags` and feed the ranking.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from perfeval_utils.analyse.budget import execution
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.cells import indicator_key, match_key
from perfeval_utils.read.many import ReportSet
from perfeval_utils.report import Report

COLUMNS = ["department", "year", "flag", "severity", "evidence", "source", "file"]
SHARE_COLUMNS = ["department", "year", "file", "parts", "on_target", "share"]
TEXT_COLUMNS = {"reason": "偏差原因", "name": "指标名称", "target_text": "预期值", "actual_text": "实现值"}


@dataclass(frozen=True)
class CrossLimits:
    """Thresholds and minimum sample sizes of the cross-report patterns (shares as fractions)."""

    min_parts: int = 5
    min_bodies: int = 3
    nearly_all: Decimal = Decimal("0.9")
    above_peers: Decimal = Decimal("0.3")
    min_rates: int = 5
    round_share: Decimal = Decimal("0.8")
    min_text: int = 12
    min_pairs: int = 3
    repeat_share: Decimal = Decimal("0.5")


CROSS_DEFAULT = CrossLimits()


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal(1))}%"


def _row(report: Report, flag: str, severity: int, evidence: str, source: str = "") -> tuple[Any, ...]:
    return (report.department, report.year, flag, severity, evidence, source, report.path.name)


def on_target_shares(report_set: ReportSet, parts: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per report: comparable indicator parts, how many are exactly 100 % complete, and the share."""
    rows = []
    for report in report_set.originals:
        own = parts[report.path.name] if parts else indicators(report)
        completion = [c for c in own["completion"] if c is not None and not pd.isna(c)]
        on = sum(1 for c in completion if c == 100)
        rows.append((report.department, report.year, report.path.name, len(completion), on,
                     Decimal(on) / Decimal(len(completion)) if completion else None))
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def _on_target(report_set: ReportSet, parts: dict[str, pd.DataFrame], limits: CrossLimits) -> list[tuple]:
    shares = on_target_shares(report_set, parts)
    enough = shares[shares["parts"] >= limits.min_parts]
    found = []
    for report in report_set.originals:
        mine = enough[enough["file"] == report.path.name]
        others = enough[enough["file"] != report.path.name]
        if mine.empty or len(others) < limits.min_bodies:
            continue
        share = mine.iloc[0]["share"]
        median = statistics.median(others["share"])
        if share >= limits.nearly_all and share - median >= limits.above_peers:
            found.append(_row(report, "on_target_vs_peers", 2,
                              f"{mine.iloc[0]['parts']} 个可比较指标中 {mine.iloc[0]['on_target']} 个恰为 100%"
                              f"（{_pct(share)}），同批其他 {len(others)} 份报告的中位比例为 {_pct(median)}"))
    return found


def _round_rates(report_set: ReportSet, parts: dict[str, pd.DataFrame], limits: CrossLimits) -> list[tuple]:
    found = []
    for report in report_set.originals:
        own = parts[report.path.name]
        rates = [r for r in execution(report)["stated_rate"] if r is not None and not pd.isna(r)]
        rates += [a for a, u in zip(own["actual"], own["unit"], strict=True)
                  if u == "%" and a is not None and not pd.isna(a)]
        if len(rates) < limits.min_rates:
            continue
        round_ = [r for r in rates if r == r.to_integral_value() and r % 5 == 0]
        share = Decimal(len(round_)) / Decimal(len(rates))
        if share >= limits.round_share:
            found.append(_row(report, "round_rates", 1,
                              f"所报 {len(rates)} 个百分比中 {len(round_)} 个是 5 的整数倍（{_pct(share)}），"
                              f"如 {'、'.join(f'{r}%' for r in round_[:4])}"))
    return found


def _shared_texts(report_set: ReportSet, limits: CrossLimits) -> list[tuple]:
    seen: dict[str, list[tuple[Report, str, str, str]]] = {}
    for report in report_set.originals:
        for column, label in TEXT_COLUMNS.items():
            for kpi_id, text, source in zip(report.kpis["indicator_id"], report.kpis[column], report.kpis["source"],
                                            strict=True):
                key = match_key(text)
                if len(key) >= limits.min_text:
                    seen.setdefault(key, []).append((report, f"指标{kpi_id}{label}", str(text),
                                                     source if isinstance(source, str) else ""))
    found = []
    for report in report_set.originals:
        shared = []
        for places in seen.values():
            mine = [p for p in places if p[0] is report]
            others = [p for p in places if p[0].department != report.department]
            if mine and others:
                other = others[0]
                shared.append((mine[0], f"{mine[0][1]}「{mine[0][2]}」与 {other[0].department} {other[0].year} "
                                        f"{other[1]}一字不差"))
        if shared:
            more = f"等 {len(shared)} 处" if len(shared) > 3 else ""
            found.append(_row(report, "shared_text", 1, "；".join(s for _, s in shared[:3]) + more,
                              "；".join(dict.fromkeys(p[3] for p, _ in shared if p[3]))))
    return found


def _first_parts(parts: pd.DataFrame) -> dict[str, Any]:
    """indicator_key(name) → the first part of the indicator (target, actual, unit)."""
    first = parts[parts["part"] == 1]
    return {indicator_key(row.name): row for row in first.itertuples(index=False)}


def _repeated_targets(report_set: ReportSet, parts: dict[str, pd.DataFrame], limits: CrossLimits) -> list[tuple]:
    by_key = {(r.department, r.year): r for r in report_set.originals}
    found = []
    for (department, year), report in by_key.items():
        before = by_key.get((department, year - 1))
        if before is None:
            continue
        now, then = _first_parts(parts[report.path.name]), _first_parts(parts[before.path.name])
        pairs = [(k, now[k], then[k]) for k in now if k in then
                 and now[k].target is not None and then[k].actual is not None]
        if len(pairs) < limits.min_pairs:
            continue
        repeats = [(n, t) for _, n, t in pairs if n.target == t.actual and n.unit == t.unit]
        share = Decimal(len(repeats)) / Decimal(len(pairs))
        if share >= limits.repeat_share:
            listed = "、".join(f"「{n.name}」{n.target}{n.unit or ''}" for n, _ in repeats[:4])
            found.append(_row(report, "target_repeats_last_actual", 1,
                              f"与 {year - 1} 年同名的 {len(pairs)} 个指标中 {len(repeats)} 个（{_pct(share)}）"
                              f"的目标恰为上年实现值：{listed}",
                              "；".join(dict.fromkeys(n.source for n, _ in repeats if isinstance(n.source, str)))))
    return found


def cross_flags(report_set: ReportSet, limits: CrossLimits = CROSS_DEFAULT) -> pd.DataFrame:
    """Every cross-report flag of the set, one row each (columns as :func:`red_flags`)."""
    parts = {report.path.name: indicators(report) for report in report_set.originals}
    rows = [*_on_target(report_set, parts, limits), *_round_rates(report_set, parts, limits),
            *_shared_texts(report_set, limits), *_repeated_targets(report_set, parts, limits)]
    return pd.DataFrame(rows, columns=COLUMNS)
