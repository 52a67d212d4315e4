"""Mid-year monitoring charts: execution and indicators against the time elapsed, forecast against year end.

Every number comes from :mod:`perfeval_utils.check.monitoring`; this module only draws. Bars
are horizontal (long Chinese names stay readable), the time elapsed is one vertical line, and a
line or indicator that carries a flag is drawn in the "unmet" colour. A report without the
data a chart needs gets a chart that says so in words, because a presenter needs the slide.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from perfeval_utils.check.monitoring import budget_progress, forecast_accuracy, indicator_progress, time_progress
from perfeval_utils.present.charts.layout import say, shorten
from perfeval_utils.present.charts.style import COLOURS
from perfeval_utils.report import Report

#: Progress axis stops here: a 300 % forecast would otherwise squash the other bars.
PROGRESS_CLIP: Final = Decimal(200)
LABEL_WIDTH: Final = 16


def _progress_bars(ax: Axes, labels: list[str], values: list[Decimal | None], flagged: list[bool],
                   elapsed: Decimal | None, muted: list[bool] | None = None) -> None:
    """One bar per row (clipped at PROGRESS_CLIP), its value written at its end, the time line across."""
    shown = [min(v, PROGRESS_CLIP) if v is not None else Decimal(0) for v in values]
    colours = [COLOURS["unmet"] if f else COLOURS["budget"] if (muted and muted[i]) else COLOURS["executed"]
               for i, f in enumerate(flagged)]
    ax.barh(labels, [float(v) for v in shown], color=colours)
    if elapsed is not None:
        ax.axvline(float(elapsed), color=COLOURS["reference_line"], linestyle="--")
    for y, (value, bar) in enumerate(zip(values, shown, strict=True)):
        text = "未填" if value is None else f"{value}%" + ("（已截断）" if value > PROGRESS_CLIP else "")
        # a bar ending just short of the time elapsed puts its label across the line: the label sits on a
        # box of the background above the line, so the figure stays readable and the line visibly passes behind
        ax.annotate(text, (float(bar), y), xytext=(4, 0), textcoords="offset points", va="center",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": ax.get_facecolor(), "edgecolor": "none"},
                    zorder=3)  # lines are drawn at 2
    ax.invert_yaxis()
    ax.set_xlim(0, max(120.0, float(max(shown)) * 1.3))
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)


def budget_progress_figure(report: Report) -> Figure:
    """A bar per 监控预算 line: 截止执行数 ÷ 年度预算数, with the time elapsed as a dashed line."""
    fig, ax = plt.subplots()
    frame = budget_progress(report)
    elapsed = time_progress(report)
    shown = "未列" if elapsed is None else f"{elapsed.quantize(Decimal('0.01'))}%"
    fig.suptitle(f"预算执行进度与时间进度（{report.year} 年，时间进度 {shown}）")
    if frame.empty:
        say(ax, "工作簿没有「监控预算」数据")
        return fig
    labels = [shorten(str(item), 2 * LABEL_WIDTH) for item in frame["item"]]
    _progress_bars(ax, labels, list(frame["execution_progress"]), [bool(f) for f in frame["flags"]], elapsed)
    ax.set_xlabel(f"截止执行数占年度预算（%）；金额单位 {report.amount_unit}")
    ax.legend(handles=[Patch(color=COLOURS["executed"], label="执行进度"),
                       Patch(color=COLOURS["unmet"], label="有提示"),
                       Line2D([], [], color=COLOURS["reference_line"], linestyle="--", label="时间进度")],
              loc="lower right")
    return fig


def indicator_progress_figure(report: Report) -> Figure:
    """A bar per 监控指标 part: progress against the target; rates and caps pale (not against time)."""
    fig, ax = plt.subplots()
    frame = indicator_progress(report)
    elapsed = time_progress(report)
    fig.suptitle("绩效指标完成进度与时间进度")
    if frame.empty:
        say(ax, "工作簿没有「监控指标」数据")
        return fig
    labels = [shorten(f"{row.indicator_id} {row.name}" + (f"·{row.label}" if isinstance(row.label, str)
                     and row.part > 1 else ""), 2 * LABEL_WIDTH) for row in frame.itertuples(index=False)]
    muted = [not bool(c) for c in frame["compared_with_time"].fillna(False)]
    _progress_bars(ax, labels, [None if pd.isna(v) else v for v in frame["progress"]],
                   [bool(f) for f in frame["flags"].fillna("")], elapsed, muted)
    ax.set_xlabel("截止完成值占年度指标值（%）；上限指标为 指标值 ÷ 截止值")
    ax.legend(handles=[Patch(color=COLOURS["executed"], label="累计量（按时间比较）"),
                       Patch(color=COLOURS["budget"], label="比率/时限/上限（不按时间比较）"),
                       Patch(color=COLOURS["unmet"], label="有提示"),
                       Line2D([], [], color=COLOURS["reference_line"], linestyle="--", label="时间进度")],
              loc="upper right", fontsize="small")
    return fig


def forecast_accuracy_figure(report: Report) -> Figure:
    """A bar per linked line or indicator: (July forecast − year end) ÷ year end, in percent."""
    fig, ax = plt.subplots()
    frame = forecast_accuracy(report)
    fig.suptitle("年中预计与年末实际之差")
    frame = frame[frame["error_pct"].notna()]
    if frame.empty:
        say(ax, "没有可对照的年末数（工作簿缺少预算执行数或同编号的指标实现值）")
        return fig
    labels = [shorten(f"{row.kind} {row.key if row.kind == '指标' else ''} {row.name}".replace("  ", " "),
                     2 * LABEL_WIDTH) for row in frame.itertuples(index=False)]
    values = list(frame["error_pct"])
    colours = [COLOURS["unmet"] if row.flags else COLOURS["executed"] for row in frame.itertuples(index=False)]
    ax.barh(labels, [float(v) for v in values], color=colours)
    for y, row in enumerate(frame.itertuples(index=False)):
        ax.annotate(f"{row.error_pct}%（差 {row.error} {row.unit or ''}）", (max(float(row.error_pct), 0.0), y),
                    xytext=(4, 0),
                    textcoords="offset points", va="center")
    ax.axvline(0, color=COLOURS["reference_line"])
    ax.invert_yaxis()
    widest = max(float(abs(v)) for v in values)
    ax.set_xlim(-max(widest, 1.0) * 1.5, max(widest, 1.0) * 4)
    ax.set_xlabel("（预计 − 年末）÷ 年末（%）；正数为预计偏高")
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.legend(handles=[Patch(color=COLOURS["unmet"], label="称确定能完成却未完成")], loc="lower right")
    return fig


def monitoring_figures(report: Report) -> dict[str, Figure]:
    """Every monitoring chart of one report, by file-name key."""
    return {"monitoring_budget": budget_progress_figure(report),
            "monitoring_indicators": indicator_progress_figure(report),
            "monitoring_forecast": forecast_accuracy_figure(report)}
