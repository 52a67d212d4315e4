"""The reconciliation at a glance: each sum or balance the report implies, beside the total it should equal.

Only amount checks (kind ``sum`` and ``carryover``) are drawn: they are the ones a bar can show.
Every number comes from :func:`perfeval_utils.check.reconcile.reconcile`.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from perfeval_utils.check.reconcile import reconcile
from perfeval_utils.present.charts.style import COLOURS
from perfeval_utils.report import Report

DRAWN_KINDS = ("sum", "carryover")


def _short_description(description: str) -> str:
    """The part of the description before the figures: '支出性质各项执行数之和 … 对 合计执行数 …'."""
    left, _, right = description.partition(" 对 ")
    figures = re.compile(r"\s*-?\d[\d.]*\s*(?:万元|元)?")
    return f"{figures.sub('', left)}\n对 {figures.sub('', right.split('；')[0])}"


def reconciliation_figure(report: Report, checks: pd.DataFrame | None = None) -> Figure:
    """Paired bars: the total as stated (light) and the sum recomputed from its parts (coloured by result)."""
    checks = reconcile(report) if checks is None else checks
    drawn = checks[checks["kind"].isin(DRAWN_KINDS) & checks["stated"].notna() & checks["computed"].notna()]
    fig, ax = plt.subplots()
    failed = int((drawn["ok"] == False).sum())  # noqa: E712 (nullable boolean)
    ax.set_title(f"金额加总核对：{len(drawn)} 项中 {failed} 项不符" if len(drawn) else "金额加总核对：无可核对的金额")
    if drawn.empty:
        ax.text(0.5, 0.5, "工作簿没有可加总核对的金额", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel(f"金额（{report.amount_unit}）")
        ax.set_yticks([])
        return fig
    positions = range(len(drawn))
    height = 0.38
    stated = [float(v) for v in drawn["stated"]]
    computed = [float(v) for v in drawn["computed"]]
    colours = [COLOURS["met"] if ok else COLOURS["unmet"] for ok in drawn["ok"].fillna(False)]
    ax.barh([p - height / 2 for p in positions], stated, height=height, color=COLOURS["budget"])
    ax.barh([p + height / 2 for p in positions], computed, height=height, color=colours)
    for position, row in zip(positions, drawn.itertuples(index=False), strict=True):
        ax.annotate(f"{row.stated}", (float(row.stated), position - height / 2), xytext=(4, 0),
                    textcoords="offset points", va="center")
        difference = "" if row.ok else f"（差 {row.difference}）"
        ax.annotate(f"{row.computed}{difference}", (float(row.computed), position + height / 2), xytext=(4, 0),
                    textcoords="offset points", va="center")
    ax.set_yticks(list(positions), [_short_description(d) for d in drawn["description"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(stated + computed) * 1.35)
    ax.set_xlabel(f"金额（{report.amount_unit}）")
    ax.legend(handles=[Patch(color=COLOURS["budget"], label="报告所列合计"),
                       Patch(color=COLOURS["met"], label="各项之和：相符"),
                       Patch(color=COLOURS["unmet"], label="各项之和：不符")],
              loc="lower right")
    return fig
