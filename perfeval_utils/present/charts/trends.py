"""Charts across workbooks: one department year by year, and departments side by side.

Every number comes from :mod:`perfeval_utils.analyse.series` and :mod:`perfeval_utils.analyse.peers`
(the same tables the notebooks show); this module only draws. A figure a report states for its
own year is a solid bar; a prior-year figure read from a later report (its 上年执行数 column, or
derived from the change it states) is a hatched, hollow bar labelled with the report it comes
from, so a two-year series drawn from one report is never mistaken for two reports. Amounts are
in 万元 (the ReportSet's unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from perfeval_utils.analyse import series as yearly
from perfeval_utils.analyse.series import STATED
from perfeval_utils.cells import is_blank
from perfeval_utils.present.charts.layout import (
    fit_right,
    horizontal_grid,
    lay_out,
    new_figure,
    points,
    printed,
    say,
    shorten,
    two_places,
)
from perfeval_utils.present.charts.style import COLOURS, CYCLE
from perfeval_utils.read.many import ReportSet
from perfeval_utils.schema import TOTAL

#: The rate line's colour: the palette's one colour without a meaning of its own.
RATE_COLOUR: Final = CYCLE[-1]
HATCH: Final = "///"
BAR_WIDTH: Final = 0.34
#: Widths in half-width units (a Chinese character counts 2).
TITLE_NAME_WIDTH: Final = 24
PANEL_NAME_WIDTH: Final = 30
ROW_NAME_WIDTH: Final = 22


# ---- text (widths, shortening and number formats are in layout.py) ------------------------------


def short_department(name: str, width: int = TITLE_NAME_WIDTH) -> str:
    """The name without its bracketed note: 广州市黄埔区总工会（广州开发区总工会） → 广州市黄埔区总工会."""
    for opener in ("（", " (", "("):
        head = name.split(opener, 1)[0].strip()
        if head and head != name:
            name = head
    return shorten(name, width)


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format(value, "f")


def _from_later(basis: str) -> str:
    """How a prior-year bar is labelled: which report it comes from, and how."""
    year = "".join(c for c in basis if c.isdigit())[-4:]
    if basis.startswith("derived"):
        return f"由{year}年报告所列增减额推算"
    return f"{year}年报告所列上年数"


def _bar_style(colour: str, stated: bool) -> dict[str, Any]:
    """Solid for a figure the year's own report states; hatched and hollow for one from a later report."""
    if stated:
        return {"color": colour}
    return {"facecolor": "white", "edgecolor": colour, "hatch": HATCH, "linewidth": 1.4}


def _legend_handles(rate: bool, later: bool) -> list[Any]:
    handles: list[Any] = [Patch(color=COLOURS["budget"], label="预算数"),
                          Patch(color=COLOURS["executed"], label="执行数")]
    if later:
        handles.append(Patch(facecolor="white", edgecolor=COLOURS["executed"], hatch=HATCH,
                             label="上年数（来自较晚年度的报告）"))
    if rate:
        handles.append(Line2D([], [], color=RATE_COLOUR, marker="o", label="执行率"))
    return handles


def _executed_legend(fig: Figure, stated: str, later: str | None) -> None:
    """The executed-only charts' legend: the solid bar, and the hatched one when a later report gave a figure."""
    handles = [Patch(color=COLOURS["executed"], label=stated)]
    if later is not None:
        handles.append(Patch(facecolor="white", edgecolor=COLOURS["executed"], hatch=HATCH, label=later))
    fig.legend(handles=handles, loc="outside lower center", ncols=2)


# ---- one department, year by year -------------------------------------------------------------


def _year_limits(ax: Axes, years: Sequence[int]) -> None:
    """Years on a numeric axis (gaps show as gaps); at least three years' room so one year is not a slab."""
    low, high = min(years), max(years)
    middle, half = (low + high) / 2, max((high - low) / 2 + 0.7, 1.5)
    ax.set_xlim(middle - half, middle + half)
    ax.set_xticks(list(years), [f"{y}年" for y in years])


def _draw_amounts(ax: Axes, table: pd.DataFrame) -> list[Annotation]:
    """预算数 and 执行数 bars per year; a missing figure is written as 未列 on the axis."""
    labels: list[Annotation] = []
    size = points("font.size") * 0.85
    for row in table.itertuples(index=False):
        for offset, column, colour in ((-BAR_WIDTH / 2, "budget", COLOURS["budget"]),
                                       (BAR_WIDTH / 2, "executed", COLOURS["executed"])):
            x = row.year + offset
            value = getattr(row, column)
            basis = getattr(row, f"{column}_basis")
            if is_blank(value):
                ax.annotate("未列", (x, 0), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                            fontsize=size, color=COLOURS["reference_line"])
                continue
            stated = basis == STATED
            ax.bar([x], [float(value)], width=BAR_WIDTH * 0.92, **_bar_style(colour, stated))
            text = printed(value) if stated else f"{printed(value)}\n{_from_later(basis)}"
            labels.append(ax.annotate(text, (x, float(value)), xytext=(0, 3), textcoords="offset points",
                                      ha="center", va="bottom", fontsize=size, linespacing=1.15))
    return labels


def _fit_top(ax: Axes, labels: Sequence[Annotation]) -> None:
    """Raise the top of the amount axis until every label above a bar is inside the axes.

    Each pass runs the layout (:func:`lay_out`), not a whole draw: the axes' place is all it measures against.
    """
    for label in labels:
        label.set_in_layout(False)
    top = max([1.0, *(float(label.xy[1]) for label in labels)]) * 1.12
    for _ in range(3):
        ax.set_ylim(0, top)
        lay_out(ax.figure)  # type: ignore[arg-type]
        box = ax.get_window_extent()
        needed = max([box.y1, *(label.get_window_extent().y1 for label in labels)])
        if needed <= box.y1 - 2:
            break
        top *= 1 + (needed - box.y1 + 6) / max(box.height, 1)
    ax.set_ylim(0, top)


def _draw_rates(ax: Axes, table: pd.DataFrame) -> bool:
    """The execution rate per year: the rate as printed (filled), else recomputed from the amounts (hollow)."""
    marks = []
    for row in table.itertuples(index=False):
        if not is_blank(row.stated_rate):
            marks.append((row.year, row.stated_rate, True))
        elif not is_blank(row.rate):
            marks.append((row.year, row.rate, False))
    if not marks:
        say(ax, "执行率：报告未同时列出预算数和执行数，无法计算", "font.size")
        return False
    xs = [p[0] for p in marks]
    ys = [float(p[1]) for p in marks]
    ax.plot(xs, ys, color=RATE_COLOUR, zorder=3)
    for x, value, stated in marks:
        ax.plot([x], [float(value)], marker="o", markersize=8, color=RATE_COLOUR, zorder=4,
                markerfacecolor=RATE_COLOUR if stated else "white", markeredgewidth=2)
        note = "" if stated else "（重算）"
        below = value < 100  # away from the 100 % line
        ax.annotate(f"{two_places(value)}%{note}", (x, float(value)), xytext=(0, -9 if below else 9),
                    textcoords="offset points", ha="center", va="top" if below else "bottom",
                    fontsize=points("font.size") * 0.85, zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.axhline(100, color=COLOURS["reference_line"], linestyle="--", linewidth=1.2, zorder=2)
    low = min([*ys, 100.0])
    high = max([*ys, 100.0])
    pad = max((high - low) * 0.25, 3.0)
    ax.set_ylim(max(0.0, low - 3 * pad), high + 3 * pad)  # room above and below the points for their labels
    ax.set_ylabel("执行率（%）")
    return True


def trend_figure(report_set: ReportSet, department: str, dimension: str = TOTAL, item: str | None = None) -> Figure:
    """Budget and executed by year for one budget line of one department, with the execution rate above.

    Why: "is execution improving?" A prior-year figure that only a later report states is drawn
    hatched and says which report it comes from; a year with a single workbook says so.
    """
    table = yearly.execution_by_year(report_set, department, dimension, item)
    line = "合计" if dimension == TOTAL else f"{item or dimension}"
    fig = new_figure()
    name = short_department(department)
    years = [int(y) for y in table["year"]]
    if not years:
        ax = fig.subplots()
        fig.suptitle(f"{name}：{line}")
        say(ax, f"工作簿中没有「{line}」这一行", "font.size")
        return fig
    rate_ax, ax = fig.subplots(2, 1, sharex=True, height_ratios=[1, 2.6])
    has_rate = _draw_rates(rate_ax, table)
    labels = _draw_amounts(ax, table)
    _year_limits(ax, years)
    ax.set_ylabel("金额（万元）")
    _fit_top(ax, labels)
    rate_ax.tick_params(axis="x", labelbottom=False)
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else f"{years[0]}年"
    title = f"{name}：{line}逐年预算与执行（{span}）"
    if len(years) == 1:
        title += f"\n目前只有 {years[0]} 年一年的数据；加入下一年度工作簿后，这里按年显示趋势"
    fig.suptitle(title)
    later = any(b not in (STATED, None) and not is_blank(b)
                for b in [*table["budget_basis"], *table["executed_basis"]])
    fig.legend(handles=_legend_handles(has_rate, later), loc="outside lower center", ncols=4)
    return fig


# ---- several departments, year by year ------------------------------------------------------


def _short_basis(basis: str) -> str:
    return "推算" if basis.startswith("derived") else "上年数"


def _panel_note(changes: pd.DataFrame, table: pd.DataFrame) -> str:
    """Under a panel: where each hatched bar comes from, and the change the report states.

    ``changes`` are the department's rows of :func:`~perfeval_utils.analyse.series.stated_changes`.
    """
    lines = [f"{int(row.year)}年：{_from_later(row.executed_basis)}"
             for row in table.itertuples(index=False) if row.executed_basis != STATED]
    changes = changes[[not is_blank(v) for v in changes["derived_prior"]]]
    if not changes.empty:
        row = changes.iloc[-1]
        text = f"所列增减 {_signed(row['change'])} 万元"
        if not is_blank(row["stated_rate"]):
            text += f"、{_signed(row['stated_rate'])}%"
            matches = row["rate_matches"]
            if not is_blank(matches) and not bool(matches):
                text += f"（按增减额应为 {_signed(row['recomputed_rate'])}%）"
        lines.append(text)
    return "\n".join(lines) or "报告未列上年数"


def trend_panels_figure(
    report_set: ReportSet, departments: Sequence[str], dimension: str = TOTAL, item: str | None = None
) -> Figure:
    """One panel per department: executed by year (each on its own scale), prior-year bars hatched.

    Why: the worked example of a two-year series drawn from one report — the 决算 pages state a
    change on the prior year, 益阳's form a prior-year column. Under each panel: where the hatched
    bar comes from, and the change the report states (with a stated rate that disagrees flagged).
    """
    fig = new_figure()
    if not departments:
        ax = fig.subplots()
        fig.suptitle("逐年执行数")
        say(ax, "没有可画的部门", "font.size")
        return fig
    columns = 1 if len(departments) == 1 else 2 if len(departments) <= 4 else 3
    rows = -(-len(departments) // columns)
    grid = fig.subplots(rows, columns, squeeze=False)
    axes = [ax for line in grid for ax in line]
    for spare in axes[len(departments):]:
        spare.set_axis_off()
    later = False
    size = points("font.size") * 0.8
    changes = yearly.stated_changes(report_set)
    for ax, department in zip(axes, departments, strict=False):
        mine = changes[changes["department"] == department]
        table = yearly.execution_by_year(report_set, department, dimension, item, changes=mine)
        table = table[[not is_blank(v) for v in table["executed"]]]
        years = [int(y) for y in table["year"]]
        ax.set_title(short_department(department, PANEL_NAME_WIDTH), fontsize=points("font.size"))
        if not years:
            say(ax, "未列执行数", "font.size")
            continue
        labels = []
        for row in table.itertuples(index=False):
            stated = row.executed_basis == STATED
            later = later or not stated
            ax.barh([row.year], [float(row.executed)], height=0.6, **_bar_style(COLOURS["executed"], stated))
            text = printed(row.executed) if stated else f"{printed(row.executed)}（{_short_basis(row.executed_basis)}）"
            labels.append(ax.annotate(text, (float(row.executed), row.year), xytext=(4, 0),
                                      textcoords="offset points", ha="left", va="center", fontsize=size))
        ax.set_ylim(max(years) + 0.6, min(years) - 0.6)
        ax.set_yticks(years, [f"{y}年" for y in years], fontsize=size)
        ax.tick_params(axis="y", length=0)
        horizontal_grid(ax)
        ax.tick_params(axis="x", labelsize=size)
        note = _panel_note(mine, table)
        ax.set_xlabel(f"执行数（万元）\n{note}", fontsize=size * 0.95)
        fit_right(ax, labels, max(float(v) for v in table["executed"]))
    line = "合计" if dimension == TOTAL else f"{item or dimension}"
    fig.suptitle(f"两年序列：{line}执行数（万元，各图刻度不同）")
    _executed_legend(fig, "本年报告所列执行数", "上年数：同一报告所列，或由其增减额推算" if later else None)
    return fig


# ---- peers ------------------------------------------------------------------------------------


def _peer_tick(row: Any, highlight: str | None) -> str:
    kind = "决算页" if not row.self_evaluation else "自评"
    mark = "（本单位）" if row.department == highlight else ""
    return f"{short_department(row.department, ROW_NAME_WIDTH)}{mark}\n{row.year}年 · {kind}"


def _peer_label(row: Any) -> str:
    text = printed(row.executed)
    if not is_blank(row.change):
        text += f"　较上年 {_signed(row.change)}"
        if not is_blank(row.change_rate):
            how = "报告" if row.change_rate_basis == STATED else "算得"
            text += f"（{how} {_signed(row.change_rate)}%）"
    else:
        text += "　未列上年数"
    return text


def peer_figure(comparison: pd.DataFrame, highlight: str | None = None) -> Figure:
    """Total executed per department on 万元 (solid), its prior year (hatched) and the change, one row each.

    ``comparison`` is :func:`perfeval_utils.analyse.peers.peer_comparison`; ``highlight`` the department
    the meeting is about. Why: "how does this department compare?" — with the year and the kind of
    report on every row, because a 决算 page of 2024 is not a 2022 self-evaluation.
    """
    fig = new_figure()
    ax = fig.subplots()
    rows = [r for r in comparison.itertuples(index=False) if not is_blank(r.executed)]
    if not rows:
        fig.suptitle("执行数对比")
        say(ax, "没有列出执行数的报告", "font.size")
        return fig
    size = points("font.size") * 0.85
    labels: list[Annotation] = []
    later = False
    for y, row in enumerate(rows):
        edge = {"edgecolor": COLOURS["reference_line"], "linewidth": 2.2} if row.department == highlight else {}
        ax.barh([y - 0.19], [float(row.executed)], height=0.36, **{**_bar_style(COLOURS["executed"], True), **edge})
        labels.append(ax.annotate(_peer_label(row), (float(row.executed), y - 0.19), xytext=(5, 0),
                                  textcoords="offset points", ha="left", va="center", fontsize=size))
        if not is_blank(row.prior_executed):
            later = True
            ax.barh([y + 0.19], [float(row.prior_executed)], height=0.36,
                    **_bar_style(COLOURS["executed"], False))
            text = f"{printed(row.prior_executed)}（{row.year - 1}年，{_from_later(row.prior_basis)}）"
            labels.append(ax.annotate(text, (float(row.prior_executed), y + 0.19), xytext=(5, 0),
                                      textcoords="offset points", ha="left", va="center", fontsize=size * 0.9,
                                      color=COLOURS["reference_line"]))
    ax.set_yticks(range(len(rows)), [_peer_tick(r, highlight) for r in rows], fontsize=size)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    horizontal_grid(ax)
    ax.set_xlabel("执行数（万元）")
    years = sorted({int(r.year) for r in rows})
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else f"{years[0]}年"
    fig.suptitle(f"执行数对比（万元，{span}，年度不同）")
    _executed_legend(fig, "报告年度执行数", "上年执行数（报告所列或由增减额推算）" if later else None)
    fit_right(ax, labels, max(float(r.executed) for r in rows))
    return fig
