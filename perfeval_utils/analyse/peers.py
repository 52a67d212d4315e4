"""Peers side by side: what each report states at all, the shares and changes computed from it, and a
sentence on how the departments differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.budget import percentage
from perfeval_utils.analyse.series import (
    BUDGET_MEASURE,
    EXECUTED_MEASURE,
    PRIOR_MEASURE,
    RATE_MEASURE,
    SHARE_DISPLAY,
    STATED,
    changes_of,
    derived_basis,
    line_for_scope,
    lines_in_common_unit,
    prior_year_basis,
    stated_changes,
)
from perfeval_utils.cells import is_blank
from perfeval_utils.read.many import ReportSet
from perfeval_utils.report import Report

#: The 支出性质 split (basic / project spending) compared between peers.
NATURE: Final = "支出性质"
BASIC: Final = "基本支出"
PROJECT: Final = "项目支出"
#: The report kind that is a final-accounts page, not a self-evaluation.
FINAL_ACCOUNTS: Final = "部门决算"

assert NATURE in schema.BUDGET_DIMENSIONS and FINAL_ACCOUNTS in schema.REPORT_KINDS

STATEMENT_COLUMNS: Final = ["department", "year", "report_kind", "self_evaluation", "budget", "executed",
                            "stated_rate", "split", "prior_year", "stated_change", "kpis", "self_score"]


def statements(report_set: ReportSet, departments: Sequence[str] | None = None, *,
               changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """What each report states at all: the 合计 line's amounts and rate, the 基本/项目 split, a prior-year
    figure, a stated change, how many indicators, a self-score. ``self_evaluation`` is False for a
    部门决算 page, which reports final accounts and is not a self-evaluation. ``changes``:
    :func:`~perfeval_utils.analyse.series.stated_changes` of the set, when the caller has it already.
    """
    rows = []
    if changes is None:
        changes = stated_changes(report_set)
    for report in report_set.originals:
        if departments is not None and report.department not in departments:
            continue
        total = report.budget[report.budget["dimension"] == schema.TOTAL].iloc[0]
        nature = report.budget[report.budget["dimension"] == NATURE]
        rows.append({
            "department": report.department, "year": report.year, "report_kind": report.meta.get("report_kind"),
            "self_evaluation": report.meta.get("report_kind") != FINAL_ACCOUNTS,
            "budget": not is_blank(total["budget"]), "executed": not is_blank(total["executed"]),
            "stated_rate": not is_blank(total["stated_rate"]),
            "split": bool(set(nature["item"]) & {BASIC, PROJECT}),
            "prior_year": not is_blank(total["prior_executed"]),
            "stated_change": bool(len(changes_of(changes, report.department, report.year))),
            "kpis": len(report.kpis),
            "self_score": report.meta.get("self_score") is not None,
        })
    frame = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
    return frame.sort_values(["department", "year"], kind="stable").reset_index(drop=True)


PEER_COLUMNS: Final = ["department", "year", "report_kind", "self_evaluation", "budget", "executed", "stated_rate",
                       "rate", "basic", "project", "basic_share", "split_basis", "split_note", "prior_executed",
                       "prior_basis", "change", "change_basis", "change_rate", "change_rate_basis"]


def _share(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    exact = percentage(part, whole)
    return None if exact is None else exact.quantize(SHARE_DISPLAY, rounding=ROUND_HALF_UP)


def peer_comparison(report_set: ReportSet, departments: Sequence[str] | None = None, *,
                    changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each department's newest report on 万元: total executed, the basic/project split, the rates, the change.

    - ``rate``: executed ÷ budget (2 decimals) where both are stated; ``stated_rate`` as printed.
    - ``basic`` / ``project``: the 支出性质 lines, from 执行数 where stated, else 预算数 (``split_basis``
      says which); ``basic_share`` is basic ÷ (basic + project); ``split_note`` says when the two
      lines add up to the total budget rather than to the total executed.
    - ``prior_executed``: the prior year's executed, from the 上年执行数 column or derived from a
      stated change (``prior_basis``). ``change``: the stated change, else executed − 上年执行数
      (``change_basis``); ``change_rate``: the stated rate, else change ÷ prior (``change_rate_basis``).
    ``changes``: :func:`~perfeval_utils.analyse.series.stated_changes` of the set, when the caller has it.
    """
    chosen = [report_set.latest(d) for d in (departments or report_set.departments)]
    if changes is None:
        changes = stated_changes(report_set)
    rows = []
    for report in chosen:
        lines = lines_in_common_unit(report)
        total = next(line for line in lines if line["dimension"] == schema.TOTAL)
        row: dict[str, Any] = {
            "department": report.department, "year": report.year, "report_kind": report.meta.get("report_kind"),
            "self_evaluation": report.meta.get("report_kind") != FINAL_ACCOUNTS,
            "budget": total["budget"], "executed": total["executed"], "stated_rate": total["stated_rate"],
        }
        both = not is_blank(total["budget"]) and not is_blank(total["executed"])
        row["rate"] = _share(total["executed"], total["budget"]) if both else None
        row.update(_split(lines, total))
        row.update(_change(report, lines, total, changes))
        rows.append(row)
    rows.sort(key=lambda r: (-(r["executed"] if not is_blank(r["executed"]) else Decimal(-1)), r["department"]))
    return pd.DataFrame(rows, columns=PEER_COLUMNS)


def _split(lines: list[dict[str, Any]], total: dict[str, Any]) -> dict[str, Any]:
    nature = {line["item"]: line for line in lines if line["dimension"] == NATURE and line["item"] in (BASIC, PROJECT)}
    out: dict[str, Any] = {"basic": None, "project": None, "basic_share": None, "split_basis": None, "split_note": None}
    if not nature:
        return out
    column = "executed" if all(not is_blank(line["executed"]) for line in nature.values()) else "budget"
    out["split_basis"] = EXECUTED_MEASURE if column == "executed" else BUDGET_MEASURE
    basic = nature.get(BASIC, {}).get(column)
    project = nature.get(PROJECT, {}).get(column)
    out["basic"], out["project"] = basic, project
    if basic is not None and project is not None:
        whole = basic + project
        out["basic_share"] = _share(basic, whole)
        notes = []
        if not is_blank(total["executed"]) and whole != total["executed"]:
            same_as_budget = not is_blank(total["budget"]) and whole == total["budget"]
            notes.append(f"{BASIC}+{PROJECT} = {whole}，" + (f"等于{BUDGET_MEASURE}，" if same_as_budget else "")
                         + f"不等于{EXECUTED_MEASURE} {total['executed']}")
        out["split_note"] = "；".join(notes) or None
    return out


def _change(report: Report, lines: list[dict[str, Any]], total: dict[str, Any],
            changes: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"prior_executed": None, "prior_basis": None, "change": None, "change_basis": None,
                           "change_rate": None, "change_rate_basis": None}
    mine = changes_of(changes, report.department, report.year)
    about_total = [(line_for_scope(lines, item) or {}).get("dimension") == schema.TOTAL for item in mine["item"]]
    mine = mine[pd.Series(about_total, index=mine.index, dtype=bool)]
    if not is_blank(total["prior_executed"]):
        out["prior_executed"], out["prior_basis"] = total["prior_executed"], prior_year_basis(report.year)
    elif len(mine) and not is_blank(mine.iloc[0]["derived_prior"]):
        out["prior_executed"], out["prior_basis"] = mine.iloc[0]["derived_prior"], derived_basis(report.year)
    if len(mine) and not is_blank(mine.iloc[0]["change"]):
        out["change"], out["change_basis"] = mine.iloc[0]["change"], STATED
    elif out["prior_basis"] == prior_year_basis(report.year) and not is_blank(total["executed"]):
        out["change"] = total["executed"] - total["prior_executed"]
        out["change_basis"] = f"computed: {EXECUTED_MEASURE} − {PRIOR_MEASURE}"
    if len(mine) and not is_blank(mine.iloc[0]["stated_rate"]):
        out["change_rate"], out["change_rate_basis"] = mine.iloc[0]["stated_rate"], STATED
    elif out["change"] is not None and out["prior_executed"] is not None:
        out["change_rate"] = _share(out["change"], out["prior_executed"])
        out["change_rate_basis"] = "computed: change ÷ prior executed"
    return out


_STATED_LABELS: Final = {
    "budget": BUDGET_MEASURE, "executed": EXECUTED_MEASURE, "stated_rate": RATE_MEASURE, "split": f"{BASIC}/{PROJECT}",
    "prior_year": PRIOR_MEASURE, "stated_change": "较上年增减", "kpis": "绩效指标", "self_score": "自评得分",
}


def differences(report_set: ReportSet, departments: Sequence[str] | None = None) -> str:
    """One line per department's newest report: its kind and year, what it does not state, and how each
    compared figure was obtained (stated, read from a prior-year column, derived, computed)."""
    chosen = list(departments or report_set.departments)
    changes = stated_changes(report_set)
    stated = statements(report_set, chosen, changes=changes).set_index(["department", "year"])
    compared = peer_comparison(report_set, chosen, changes=changes)
    lines = []
    for row in compared.itertuples(index=False):
        flags = stated.loc[(row.department, row.year)]
        kind = "自评报告" if row.self_evaluation else "部门决算页，不是自评报告"
        missing = [label for key, label in _STATED_LABELS.items() if not flags[key]]
        parts = [f"{row.department}（{row.year} 年，{row.report_kind}）：{kind}"]
        if missing:
            parts.append("未列" + "、".join(missing))
        if not flags["stated_rate"] and row.rate is not None:
            parts.append(f"{RATE_MEASURE} {row.rate}% 由{BUDGET_MEASURE}、{EXECUTED_MEASURE}算得")
        if row.prior_executed is not None:
            how = "取自本报告的上年执行数列" if row.prior_basis == prior_year_basis(row.year) else "由所列增减额推算"
            parts.append(f"{row.year - 1} 年执行数 {row.prior_executed} 万元{how}")
        if row.change is not None and row.change_basis != STATED:
            parts.append(f"较上年增减 {row.change} 万元、{row.change_rate}% 为算得")
        mine = changes_of(changes, row.department, row.year)
        parts.extend(str(note) for note in mine["note"] if not is_blank(note) and "增减率" in str(note))
        if not is_blank(row.split_note):
            parts.append(str(row.split_note))
        lines.append("；".join(parts) + "。")
    years = sorted({int(y) for y in compared["year"]})
    if len(years) > 1:
        lines.append(f"年度不同（{years[0]}–{years[-1]} 年），金额为各年当年数，未作物价调整。")
    return "\n".join(lines)
