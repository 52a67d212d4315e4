"""What every chart shares: how wide text draws, how numbers are written, and the figure plumbing.

One home for each of these, so the single-report charts (:mod:`.figures`) and the charts across
workbooks (:mod:`.trends`) shorten a name, print an amount and keep a label inside the axes the
same way.

Text widths are counted in half-width units: 2 for a character a CJK font draws full-width, 1
otherwise. The ellipsis … (U+2026) is East-Asian-Width "ambiguous"; with the house font (Noto Sans
CJK SC) matplotlib draws it as wide as a Chinese character (measured: 14 px for …, 14 for 中, 8
for a, at 10 pt and 100 dpi), so it counts 2 like every other ambiguous character (“”, ·).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Annotation

from perfeval_utils.cells import char_width, is_blank, text_width
from perfeval_utils.present.charts.style import COLOURS, PNG_DPI

CENT: Final = Decimal("0.01")
ELLIPSIS: Final = "…"
#: How many passes :func:`fit_right` may take: a new x range can change the tick labels, hence the
#: axes width; two passes settle every chart drawn so far, the third is a margin.
FIT_PASSES: Final = 3


# ---- values ----------------------------------------------------------------------------------


def as_float(value: Decimal | None) -> float:
    """Decimal to float for drawing only; a missing value draws as nothing (0)."""
    return 0.0 if is_blank(value) else float(value)  # type: ignore[arg-type]


def printed(value: Decimal) -> str:
    """An amount as the report prints it (1415.43, 194.9), never in exponent notation."""
    return format(value, "f")


def trimmed(value: Decimal) -> str:
    """Two decimals at most, trailing zeros dropped: 306.25, 605, 100 (for % and points)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return format(rounded.normalize() if rounded != 0 else Decimal(0), "f")


def two_places(value: Decimal) -> str:
    """Exactly two decimals (98.25, 48.32): how rates and scores are printed in the reports."""
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


# ---- text width ------------------------------------------------------------------------------


def shorten(text: str, width: int) -> str:
    """Cut to at most ``width`` half-width units, ellipsis included, so tick labels stay on one line."""
    if text_width(text) <= width:
        return text
    kept, used = [], char_width(ELLIPSIS)
    for char in text:
        used += char_width(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def wrap(text: str, width: int, max_lines: int) -> str:
    """Wrap Chinese text (no spaces to break at) by display width; the last line ends in … if cut."""
    lines: list[str] = []
    current, used = "", 0
    for char in " ".join(text.split()):
        if used + char_width(char) > width:
            lines.append(current)
            current, used = "", 0
            if char == " ":
                continue
        current += char
        used += char_width(char)
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last) + char_width(ELLIPSIS) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return "\n".join(lines)


# ---- figure plumbing -------------------------------------------------------------------------


def points(key: str) -> float:
    """A font size rcParam in points (rcParams may hold names like "medium")."""
    return float(FontProperties(size=mpl.rcParams[key]).get_size_in_points())


def new_figure(**kwargs: Any) -> Figure:
    """A pyplot figure (so notebooks show it) at the style's size, with the layout engine on.

    The layout engine is asked for explicitly because the charts rely on it to keep long
    Chinese labels inside the figure even where the style has not been applied.
    """
    return plt.figure(layout="constrained", **kwargs)


def lay_out(fig: Figure) -> None:
    """Place the axes as the figure's layout engine does when it draws, without drawing anything.

    Measuring labels needs the axes where the layout puts them, and the layout alone costs a
    fraction of ``draw_without_rendering`` (which draws every artist). Like ``Figure.draw``, it
    leaves a figure without axes or without a layout engine as it is.
    """
    engine = fig.get_layout_engine()
    if engine is not None and fig.axes:
        engine.execute(fig)


@contextmanager
def at_dpi(fig: Figure, dpi: float) -> Iterator[Figure]:
    """*fig* at ``dpi`` inside the block, as savefig sets it while it draws; its own dpi again after.

    Text is measured per dpi (hinting rounds differently), so what is laid out or measured for
    the exported PNG is done at its dpi.
    """
    shown = fig.dpi
    fig.dpi = dpi
    try:
        yield fig
    finally:
        fig.dpi = shown


def say(ax: Axes, message: str, size: str = "axes.titlesize") -> None:
    """An axes without data shows why, in words (at the rcParam ``size``), instead of an empty frame."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            fontsize=points(size), color=COLOURS["reference_line"])


def horizontal_grid(ax: Axes) -> None:
    """Horizontal bars are read off the x axis: vertical grid lines only."""
    ax.grid(False)
    ax.grid(True, axis="x")


def end_label(ax: Axes, x: float, y: float, text: str, *, inside: bool, size: float) -> Annotation:
    """Write ``text`` at a horizontal bar's end: just inside it (cut bars, long bars) or just after it.

    A label after the bar gets a patch of the axes' own background, so a reference line
    passing under it (the 100 % line) does not strike through the digits.
    """
    background = None if inside else {"facecolor": mpl.rcParams["axes.facecolor"], "edgecolor": "none", "pad": 1}
    return ax.annotate(text, (x, y), xytext=(-6 if inside else 6, 0), textcoords="offset points",
                       ha="right" if inside else "left", va="center", fontsize=size, bbox=background, zorder=5)


def fit_right(ax: Axes, labels: Sequence[Annotation], data_right: float) -> None:
    """Widen the x range so labels written after bar ends stay inside the axes.

    The layout engine keeps tick labels inside the figure but not texts in the axes, so the
    room is measured: a label whose anchor is at data x and which reaches ``extra`` pixels
    beyond it fits when x * width / right + extra <= 0.98 * width. Repeats until the range
    stops growing (at most :data:`FIT_PASSES` times). Each pass runs the layout only
    (:func:`lay_out`), not a whole draw, and measures at :data:`PNG_DPI`: the fit is then made
    for the exported picture, and saving it finds its text already measured.
    """
    for label in labels:
        label.set_in_layout(False)  # else the layout engine shrinks the axes around them first
    right = max(data_right, 1e-9)
    with at_dpi(ax.figure, PNG_DPI) as fig:  # type: ignore[arg-type]
        for _ in range(FIT_PASSES):
            ax.set_xlim(0, right)
            lay_out(fig)
            width = ax.get_window_extent().width
            wanted = right
            for label in labels:
                anchor = ax.transData.transform((label.xy[0], 0))[0]
                extra = label.get_window_extent().x1 - anchor
                room = width * 0.98 - extra
                if label.xy[0] > 0 and room > 0:
                    wanted = max(wanted, label.xy[0] * width / room)
            if wanted == right:
                break
            right = wanted
    ax.set_xlim(0, right)
