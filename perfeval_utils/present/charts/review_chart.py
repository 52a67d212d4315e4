"""复核 against 自评: how far each re-checked score is from the department's own score."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from perfeval_utils.present.charts.flags_chart import LABEL_WIDTH
from perfeval_utils.present.charts.layout import shorten
from perfeval_utils.present.charts.style import COLOURS


def review_gap_figure(gap: pd.DataFrame) -> Figure:
    """One bar per re-checked report: re-checked − self-score in points (below zero: scored itself higher)."""
    rows = gap[gap["difference"].notna()].reset_index(drop=True)
    fig, ax = plt.subplots()
    ax.set_title(f"复核得分与自评得分之差：{len(rows)} 份报告")
    labels = [shorten(f"{row.year} {row.department}", LABEL_WIDTH) for row in rows.itertuples(index=False)]
    values = [float(d) for d in rows["difference"]]
    colours = [COLOURS["unmet"] if v < 0 else COLOURS["met"] if v > 0 else COLOURS["reference_line"] for v in values]
    if rows.empty:
        ax.text(0.5, 0.5, "尚无可比较的复核结果", transform=ax.transAxes, ha="center", va="center")
    ax.barh(labels, values, color=colours)
    ax.axvline(0, color=COLOURS["reference_line"], linewidth=1.2)
    for y, row in enumerate(rows.itertuples(index=False)):
        text = f"{row.difference:+} 分（自评 {row.self_score} → 复核 {row.rechecked}）"
        # right of the bar or of zero, whichever is further right: never over the report's name
        ax.annotate(text, (max(values[y], 0.0), y), xytext=(6, 0), textcoords="offset points", va="center",
                    ha="left")
    reach = max([abs(v) for v in values] + [1.0])
    ax.set_xlim(-reach * 1.2, reach * 3.2)
    ax.invert_yaxis()
    ax.grid(axis="x", color="#DDDDDD")
    ax.set_xlabel("复核得分 − 自评得分（分）；小于 0 表示自评偏高")
    return fig
