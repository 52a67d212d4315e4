"""Flags by report: which self-evaluations to re-check first, and how serious their flags are."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from perfeval_utils.check.flags import SEVERITY_LABEL
from perfeval_utils.present.charts.layout import shorten
from perfeval_utils.present.charts.style import COLOURS

#: Severity → colour, from the house palette (high as unmet, medium as over-achievement, low as budget).
SEVERITY_COLOUR = {3: COLOURS["unmet"], 2: COLOURS["over"], 1: COLOURS["budget"]}
#: Tick label width in half-width units (22 Chinese characters).
LABEL_WIDTH = 44


def flags_figure(priority: pd.DataFrame, flags: pd.DataFrame) -> Figure:
    """Stacked bars per report in priority order: the number of flags of each severity, and the ranking's keys."""
    fig, ax = plt.subplots()
    ax.set_title(f"复核优先顺序：{len(priority)} 份报告，{len(flags)} 个提示")
    labels = [shorten(f"{int(row.rank)}. {row.year or ''} {row.department or row.file}", LABEL_WIDTH)
              for row in priority.itertuples(index=False)]
    left = [0] * len(priority)
    for severity in (3, 2, 1):
        counts = [int(((flags["file"] == file) & (flags["severity"] == severity)).sum()) for file in priority["file"]]
        ax.barh(labels, counts, left=left, color=SEVERITY_COLOUR[severity], label=f"{SEVERITY_LABEL[severity]}")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    keys = zip(left, priority["gravest_label"], priority["families"], strict=True)
    for y, (total, gravest, families) in enumerate(keys):
        text = f"{total} 个，最重「{gravest}」，{families} 类" if total else "无提示"
        ax.annotate(text, (total, y), xytext=(4, 0), textcoords="offset points", va="center")
    ax.invert_yaxis()
    ax.set_xlim(0, max([*left, 1]) * 1.3)
    ax.set_xlabel("提示数（个）；提示是复核的理由，不是结论")
    ax.legend(title="严重程度", loc="lower right")
    return fig
