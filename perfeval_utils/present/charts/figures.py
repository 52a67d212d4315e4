"""The four review-meeting charts of one report: budget execution, KPI completion, shortfalls, score.

Every number on a chart comes from the computation modules (:mod:`perfeval_utils.analyse.budget`,
:mod:`perfeval_utils.analyse.indicators`, :mod:`perfeval_utils.analyse.scoring`); this module only formats and
draws, so a chart can never disagree with the tables an analyst checks. Decimals become floats
only for bar lengths; every number written on a chart is formatted from the Decimal itself.

A report may lack budgets, indicators or shortfalls: the chart then says so in words inside the
axes instead of failing, because a presenter needs a slide either way.

Colours come from :data:`COLOURS` and sizes from the active rcParams (the house style): call
:func:`perfeval_utils.present.charts.apply_style` once, or draw inside :func:`house_style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from perfeval_utils.analyse.budget import execution, split
from perfeval_utils.analyse.indicators import OVER_ACHIEVEMENT_THRESHOLD, indicators, shortfalls, target_flags
from perfeval_utils.analyse.scoring import ScoreResult, by_category, score
from perfeval_utils.cells import is_blank, text_or_none
from perfeval_utils.present.charts.layout import (
    as_float,
    end_label,
    fit_right,
    horizontal_grid,
    new_figure,
    points,
    printed,
    say,
    shorten,
    trimmed,
    two_places,
    wrap,
)
from perfeval_utils.present.charts.style import COLOURS
from perfeval_utils.report import Report
from perfeval_utils.schema import BUDGET_DIMENSIONS, TOTAL

#: Completion axis stops here: one 4304 % bar would otherwise squash every other bar to a sliver.
COMPLETION_CLIP: Final = Decimal(200)
#: Split dimensions shown next to the 合计 bars (the fixed ones of the workbook format).
SPLIT_DIMENSIONS: Final[tuple[str, ...]] = tuple(d for d in BUDGET_DIMENSIONS if d != TOTAL)
#: Widths in half-width units (a Chinese character counts 2): long names are shortened to these.
NAME_WIDTH: Final = 24
PART_WIDTH: Final = 12
TITLE_ITEM_WIDTH: Final = 28
#: Smallest tick font (points) when many rows must share the height of a 16:9 slide.
MIN_ROW_FONT: Final = 8.0
#: Line height as a multiple of the font size, for fitting rows and wrapped text.
LINE_SPACING: Final = 1.3
#: Reason text on the shortfall chart never takes more lines than this per row.
MAX_REASON_LINES: Final = 4
#: Fewest row slots on a bar chart: one or two bars alone would otherwise fill the slide as slabs.
MIN_ROWS: Final = 6
MIN_SHORTFALL_ROWS: Final = 3

_NO_SHORTFALL: Final = "无未完成指标"


# ---- layout shared by the four charts (the rest is in layout.py) ------------------------------


def _amount_axis(report: Report) -> str:
    return f"金额（{report.amount_unit}）"


def _row_font(fig: Figure, rows: int, share: float = 0.72) -> float:
    """Tick font for ``rows`` one-line labels in ``share`` of the figure height, at most the style's."""
    available = fig.get_figheight() * 72 * share / max(rows, 1)
    return max(MIN_ROW_FONT, min(points("ytick.labelsize"), available / (LINE_SPACING + 0.2)))


def _rows_top_down(ax: Axes, rows: int, minimum: int = MIN_ROWS) -> None:
    """Row 0 at the top; at least ``minimum`` row slots so few bars keep a normal thickness."""
    ax.set_ylim(max(rows, minimum) - 0.5, -0.5)


def _reference_100(ax: Axes) -> Line2D:
    return ax.axvline(100, color=COLOURS["reference_line"], linestyle="--", linewidth=1.6, zorder=3)


# ---- 1. budget execution ---------------------------------------------------------------------


def _rate_text(total: pd.Series) -> str:
    """执行率 as printed (two decimals), the report's own figure where it differs or is all there is."""
    rate, stated = total["rate"], total["stated_rate"]
    if not is_blank(rate):
        text = f"执行率 {two_places(rate)}%"
        if not is_blank(stated) and total["rate_matches"] is False:
            text += f"（报告 {printed(stated)}%）"
        return text
    if not is_blank(stated):
        return f"报告执行率 {printed(stated)}%"
    return "执行率无法计算（预算数或执行数未列）"


def _draw_total(ax: Axes, report: Report, total: pd.Series) -> None:
    """Two bars, 预算数 and 执行数 of the 合计 line, each labelled with its amount as printed."""
    names = ("预算数", "执行数")
    amounts = (total["budget"], total["executed"])
    colours = (COLOURS["budget"], COLOURS["executed"])
    bars = ax.bar(names, [as_float(a) for a in amounts], color=colours, width=0.6)
    labels = ["未列" if is_blank(a) else printed(a) for a in amounts]
    ax.bar_label(bars, labels=labels, padding=4, fontsize=points("font.size"))
    ax.margins(y=0.15)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(_amount_axis(report))
    ax.set_title("合计")


@dataclass(frozen=True)
class _SplitRow:
    dimension: str
    item: str | None  # None: the dimension's heading row
    amount: Decimal | None
    basis: str | None
    share: Decimal | None


def _split_rows(report: Report) -> list[_SplitRow]:
    """Heading row per dimension, then its lines, in workbook order (top to bottom)."""
    rows: list[_SplitRow] = []
    for dimension in SPLIT_DIMENSIONS:
        lines = split(report, dimension)
        if lines.empty:
            continue
        rows.append(_SplitRow(dimension, None, None, None, None))
        for line in lines.itertuples(index=False):
            amount = None if is_blank(line.amount) else line.amount
            share = None if is_blank(line.share) else line.share
            rows.append(_SplitRow(dimension, str(line.item), amount, line.basis, share))
    return rows


def _split_label(row: _SplitRow) -> str:
    if row.amount is None:
        return "未列"
    share = "" if row.share is None else f"（{two_places(row.share)}%）"
    return printed(row.amount) + share


def _draw_split(ax: Axes, report: Report) -> list[Annotation]:
    """One horizontal bar per 资金来源 / 支出性质 line, coloured by what the amount is (预算数 or 执行数).

    Returns the amount labels, to make room for them once the whole figure is laid out.
    """
    rows = _split_rows(report)
    if not rows:
        say(ax, "未列资金来源、支出性质分项")
        return []
    positions = list(range(len(rows)))
    size = _row_font(ax.figure, len(rows))  # type: ignore[arg-type]
    ticks: list[str] = []
    labels: list[Annotation] = []
    for y, row in zip(positions, rows, strict=True):
        if row.item is None:
            ax.text(0, y, row.dimension, ha="left", va="center", fontsize=points("axes.labelsize"))
            ticks.append("")
            continue
        colour = COLOURS["budget"] if row.basis == "预算数" else COLOURS["executed"]
        ax.barh([y], [as_float(row.amount)], color=colour, height=0.65)
        labels.append(end_label(ax, as_float(row.amount), y, _split_label(row), inside=False, size=size))
        ticks.append(shorten(row.item, NAME_WIDTH))
    ax.set_yticks(positions, ticks, fontsize=size)
    ax.tick_params(axis="y", length=0)
    _rows_top_down(ax, len(rows))
    horizontal_grid(ax)
    ax.set_xlabel(f"{_amount_axis(report)}，括号内为占合计的比例")
    ax.set_title("资金来源与支出性质")
    ax.set_xlim(0, max(as_float(r.amount) for r in rows) or 1)
    return labels


def budget_execution_figure(report: Report) -> Figure:
    """合计 budget against executed with the execution rate, beside the split by 资金来源 and 支出性质.

    Why: the first question in a review meeting is "how much was spent of what was planned",
    the second "from which money and on what".
    """
    lines = execution(report)
    total = lines[lines["dimension"] == TOTAL].iloc[0]
    fig = new_figure()
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2.2]})
    _draw_total(left, report, total)
    labels = _draw_split(right, report)
    item = shorten(str(total["item"]), TITLE_ITEM_WIDTH)
    fig.suptitle(f"{item}：预算执行情况，{_rate_text(total)}")
    fig.legend(handles=[Patch(color=COLOURS["budget"], label="预算数"),
                        Patch(color=COLOURS["executed"], label="执行数")],
               loc="outside lower center", ncols=2)
    if labels:
        fit_right(right, labels, right.get_xlim()[1])
    return fig


# ---- 2. KPI completion -----------------------------------------------------------------------


def _part_label(row: Any, multi_part: bool) -> str:
    """"8 推广“智慧工会”扩大… · 阅读量": id and name, plus the part's label where an indicator has several."""
    label = f"{row.indicator_id} {shorten(str(row.name), NAME_WIDTH)}"
    if multi_part:
        part = text_or_none(row.label) or f"第{row.part}项"
        label += f" · {shorten(part, PART_WIDTH)}"
    return label


def _completion_colour(met: Any, over: bool) -> str:
    """Unmet first (a miss matters most), then over-achieved, then met; undecided in grey."""
    if met is False:
        return COLOURS["unmet"]
    if over:
        return COLOURS["over"]
    if met is True:
        return COLOURS["met"]
    return COLOURS["reference_line"]


def _completion_axis_end(completions: Sequence[Decimal]) -> Decimal:
    """Right end of the bars' scale: at least 100 %, at most the clip."""
    return min(max([Decimal(100), *completions]), COMPLETION_CLIP)


def _completion_ticks(end: Decimal) -> list[float]:
    step = 20 if end <= 150 else 50
    return [float(t) for t in range(0, int(end) + 1, step)]


def kpi_completion_figure(report: Report) -> Figure:
    """Completion of every indicator part against the 100 % line: met, unmet and over-achieved at a glance.

    Why: a reviewer scans for the orange-red bars (misses) and the orange ones (targets set too
    low, completion above :data:`OVER_ACHIEVEMENT_THRESHOLD`). The axis stops at
    :data:`COMPLETION_CLIP`; a longer bar is cut there and its true value written inside it.
    """
    parts = indicators(report)
    fig = new_figure()
    ax = fig.subplots()
    if parts.empty:
        fig.suptitle("绩效指标完成率")
        say(ax, "报告未列绩效指标")
        return fig
    flags = target_flags(report)
    over = set(zip(flags["indicator_id"], flags["part"], strict=True))
    counts = parts["indicator_id"].value_counts()
    size = _row_font(fig, len(parts))
    completions = [c for c in parts["completion"] if not is_blank(c)]
    end = _completion_axis_end(completions)
    ticks: list[str] = []
    labels: list[Annotation] = []
    for y, row in enumerate(parts.itertuples(index=False)):
        ticks.append(_part_label(row, counts[row.indicator_id] > 1))
        met = None if is_blank(row.met) else bool(row.met)
        if is_blank(row.completion):
            why = "需人工复核" if text_or_none(row.review) else "无可比数值"
            ax.text(1, y, f"无完成率（{why}）", ha="left", va="center", fontsize=size,
                    color=COLOURS["reference_line"])
            continue
        completion: Decimal = row.completion
        colour = _completion_colour(met, (row.indicator_id, row.part) in over)
        clipped = completion > end
        ax.barh([y], [float(min(completion, end))], color=colour, height=0.65)
        label = end_label(ax, float(min(completion, end)), y, f"{trimmed(completion)}%", inside=clipped, size=size)
        labels.append(label)
    line = _reference_100(ax)
    ax.set_yticks(range(len(parts)), ticks, fontsize=size)
    ax.tick_params(axis="y", length=0)
    _rows_top_down(ax, len(parts))
    ax.set_xticks(_completion_ticks(end))
    horizontal_grid(ax)
    clip_note = f"；超过 {trimmed(end)}% 的条形截断，数字为实际值" if completions and max(completions) > end else ""
    ax.set_xlabel(f"完成率（%）{clip_note}")
    unmet = int(parts["met"].eq(False).sum())
    fig.suptitle(f"绩效指标完成率：{len(parts)} 项中 {unmet} 项未完成，{len(over)} 项超过 "
                 f"{trimmed(OVER_ACHIEVEMENT_THRESHOLD)}%")
    line.set_label("目标 100%")
    threshold = trimmed(OVER_ACHIEVEMENT_THRESHOLD)
    fig.legend(handles=[Patch(color=COLOURS["met"], label="已完成"),
                        Patch(color=COLOURS["unmet"], label="未完成"),
                        Patch(color=COLOURS["over"], label=f"超过 {threshold}%（目标或偏低）"),
                        line],
               loc="outside lower center", ncols=4)
    fit_right(ax, labels, float(end) * 1.04)
    return fig


# ---- 3. shortfalls ---------------------------------------------------------------------------


def _with_unit(value: Decimal, unit: Any) -> str:
    """"1500 元", "9 名", "0.73%": a number in its unit (the per cent sign sits tight)."""
    unit_text = text_or_none(unit)
    if unit_text is None:
        return printed(value)
    return f"{printed(value)}{'' if unit_text == '%' else ' '}{unit_text}"


def _gap_text(gap: Any, unit: Any) -> str:
    """"差 1500 元", "差 9 名": the shortfall in the target's own unit."""
    return "差额无法计算" if is_blank(gap) else f"差 {_with_unit(gap, unit)}"


def _measure_text(row: Any) -> str:
    """"预期 46 名，实现 37 名，完成 80.43%": the comparison behind the bar."""
    pieces = []
    if not is_blank(row.target):
        pieces.append(f"预期 {_with_unit(row.target, row.unit)}")
    if not is_blank(row.actual):
        pieces.append(f"实现 {_with_unit(row.actual, row.unit)}")
    pieces.append("完成率无法计算" if is_blank(row.completion) else f"完成 {trimmed(row.completion)}%")
    return "，".join(pieces)


def _reason_block(row: Any, width: int, max_lines: int) -> str:
    """The comparison on the first line, the stated reason wrapped under it."""
    reason = text_or_none(row.reason) or "报告未说明"
    first = shorten(_measure_text(row), width)
    if max_lines <= 1:
        return first
    return first + "\n" + wrap(f"原因：{reason}", width, max_lines - 1)


def shortfalls_figure(report: Report) -> Figure:
    """Each unmet indicator part: how far it got (bar, %), by how much it fell short, and why.

    Why: the review meeting discusses every miss; the reason stated in the report sits beside
    its bar so the presenter does not need the report open.
    """
    missed = shortfalls(report)
    fig = new_figure()
    count = len(missed)
    fig.suptitle(f"未完成指标：{count} 项" + ("（按完成率从低到高）" if count > 1 else ""))
    if missed.empty:
        ax = fig.subplots()
        note = "（报告未列绩效指标）" if report.kpis.empty else "：全部指标均已完成"
        say(ax, _NO_SHORTFALL + note)
        return fig
    bars_ax, text_ax = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1.35]})
    size = _row_font(fig, count)
    text_size = min(points("font.size"), size)
    row_points = fig.get_figheight() * 72 * 0.7 / max(count, MIN_SHORTFALL_ROWS)
    max_lines = max(1, min(MAX_REASON_LINES, int(row_points // (text_size * LINE_SPACING)) - 1))
    text_width = int(fig.get_figwidth() * 72 * 0.5 / text_size * 2 * 0.9)
    ticks = []
    for y, row in enumerate(missed.itertuples(index=False)):
        ticks.append(f"{row.indicator_id} {shorten(str(row.name), NAME_WIDTH - 4)}")
        text_ax.text(0, y, _reason_block(row, text_width, max_lines), ha="left", va="center",
                     fontsize=text_size, linespacing=LINE_SPACING)
        gap = _gap_text(row.gap, row.unit)
        if is_blank(row.completion):
            bars_ax.text(1, y, f"{gap}（无完成率）", ha="left", va="center", fontsize=size)
            continue
        completion = float(row.completion)
        bars_ax.barh([y], [completion], color=COLOURS["unmet"], height=0.6)
        end_label(bars_ax, completion, y, gap, inside=completion >= 55, size=size)
    _reference_100(bars_ax)
    bars_ax.set_yticks(range(count), ticks, fontsize=size)
    bars_ax.tick_params(axis="y", length=0)
    _rows_top_down(bars_ax, count, MIN_SHORTFALL_ROWS)
    bars_ax.set_xlim(0, 105)
    bars_ax.set_xticks([0, 25, 50, 75, 100])
    horizontal_grid(bars_ax)
    bars_ax.set_xlabel("完成率（%）")
    text_ax.set_axis_off()
    text_ax.set_xlim(0, 1)
    return fig


# ---- 4. score --------------------------------------------------------------------------------


def _score_label(scored: Decimal, available: Decimal) -> str:
    """"48.32 / 50": points scored (two decimals) of the points available."""
    return f"{two_places(scored)} / {trimmed(available)}"


def score_figure(result: ScoreResult) -> Figure:
    """Points scored against points available per category, with the total, grade and stated self-score.

    Why: the grade is decided by where points were lost; the light bar shows what could have
    been scored, the dark one what was, and the 合计 row is compared with the report's 自评得分.
    """
    categories = by_category(result)
    fig = new_figure()
    ax = fig.subplots()
    title = f"评分构成：重算 {two_places(result.total)} 分，等级 {result.grade}"
    if result.stated is not None:
        title += f"（报告自评 {printed(result.stated)} 分）"
    fig.suptitle(title)
    available_total = sum(categories["available"], Decimal(0))
    names = ["合计", *categories["category"]]
    available = [available_total, *categories["available"]]
    scored = [result.total, *categories["scored"]]
    rows = range(len(names))
    size = _row_font(fig, len(names))
    ax.barh(rows, [float(a) for a in available], color=COLOURS["budget"], alpha=0.45, height=0.7,
            label="可得分值")
    ax.barh(rows, [float(s) for s in scored], color=COLOURS["executed"], height=0.4, label="重算得分")
    labels = [_score_label(s, a) for s, a in zip(scored, available, strict=True)]
    written = [end_label(ax, float(max(top, got)), y, label, inside=False, size=size)
               for y, (label, top, got) in enumerate(zip(labels, available, scored, strict=True))]
    handles: list[Any] = [Patch(color=COLOURS["budget"], alpha=0.45, label="可得分值"),
               Patch(color=COLOURS["executed"], label="重算得分")]
    right = max([available_total, result.total])
    if result.stated is not None:
        stated = ax.vlines(float(result.stated), -0.45, 0.45, color=COLOURS["reference_line"],
                           linestyles="--", linewidth=2.2, zorder=4)
        handles.append(Line2D([], [], color=stated.get_color()[0], linestyle="--",
                              label=f"报告自评 {printed(result.stated)} 分"))
        right = max(right, result.stated)
    ax.axhline(0.5, color=COLOURS["reference_line"], linewidth=0.8)
    ax.set_yticks(list(rows), names, fontsize=size)
    ax.tick_params(axis="y", length=0)
    _rows_top_down(ax, len(names), minimum=5)
    horizontal_grid(ax)
    ax.set_xlabel("分值（分）")
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    fit_right(ax, written, float(right))
    return fig


# ---- all -------------------------------------------------------------------------------------


def all_figures(report: Report) -> dict[str, Figure]:
    """The four charts under stable ASCII keys, for ``save_figure(fig, out / key)``."""
    return {
        "budget_execution": budget_execution_figure(report),
        "kpi_completion": kpi_completion_figure(report),
        "shortfalls": shortfalls_figure(report),
        "score": score_figure(score(report)),
    }
