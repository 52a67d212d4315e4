"""The one house style for review-meeting charts, so every chart looks the same on the projector.

Change a size or a colour here, never in a chart function: the charts of one meeting are
shown one after another and must match.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, Final

import matplotlib as mpl
from matplotlib import cycler

from perfeval_utils.present.charts.fonts import cjk_font_rc, register_cjk_font

#: Named colours, one meaning each (Okabe–Ito palette: tells apart for colour-blind readers
#: and survives a washed-out projector). Use ``COLOURS["met"]``, not a literal.
COLOURS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "budget": "#56B4E9",  # sky blue: the plan, lighter than what was spent
        "executed": "#0072B2",  # strong blue: what was actually spent, the eye goes here
        "met": "#009E73",  # bluish green: indicator target reached
        "unmet": "#D55E00",  # vermillion: target missed (not pure red: colour-blind safe)
        "over": "#E69F00",  # orange: over budget / over target, a warning, not a failure
        "reference_line": "#4D4D4D",  # dark grey: target or 100 % lines, quiet but visible
    }
)

#: Order of colours for series without a meaning (plain ``ax.plot`` calls).
CYCLE: Final[tuple[str, ...]] = (
    COLOURS["executed"],
    COLOURS["over"],
    COLOURS["met"],
    COLOURS["unmet"],
    COLOURS["budget"],
    "#CC79A7",  # reddish purple, the last Okabe–Ito colour
)

#: 16:9 at 10 inches wide: fills a slide without rescaling text much.
FIGSIZE: Final[tuple[float, float]] = (10.0, 5.625)

#: PNG resolution: sharp on a 1080p projector and in a printed A4 report. Labels are fitted
#: at this resolution too, so the picture they are measured for is the one exported.
PNG_DPI: Final = 200

#: Font sizes in points, readable from the back of a meeting room at FIGSIZE.
FONT_SIZE: Final = 14
TITLE_SIZE: Final = 18
LABEL_SIZE: Final = 15
TICK_SIZE: Final = 13
LEGEND_SIZE: Final = 13

#: Light grid colour: helps read values without competing with the bars.
GRID_COLOUR: Final = "#DDDDDD"


def _layout_rc() -> dict[str, Any]:
    """Size, text sizes, grid and spines (fonts come from :func:`cjk_font_rc`)."""
    return {
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,  # screen preview only; export sets its own dpi (PNG_DPI)
        "figure.facecolor": "white",  # slides may be dark: never a transparent background
        "savefig.facecolor": "white",
        # Long Chinese labels ("资金执行率（%）") get clipped without a layout engine.
        "figure.constrained_layout.use": True,
        "font.size": FONT_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "figure.titlesize": TITLE_SIZE,
        "axes.labelsize": LABEL_SIZE,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "legend.fontsize": LEGEND_SIZE,
        "legend.title_fontsize": LEGEND_SIZE,
        "legend.frameon": False,  # a frame adds a box of ink for nothing
        # Horizontal grid only: amounts and rates are read off the y axis.
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,  # grid behind bars, not across them
        "grid.color": GRID_COLOUR,
        "grid.linewidth": 0.8,
        "grid.linestyle": "-",
        # Top and right frame lines carry no information.
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(CYCLE)),
        "lines.linewidth": 2.2,  # thin lines vanish on a projector
    }


def apply_style() -> str:
    """Set the house style globally (rcParams) and return the CJK font family in use.

    Call once at the top of a notebook or script; in tests prefer :func:`house_style`.
    """
    family = register_cjk_font()
    mpl.rcParams.update({**_layout_rc(), **cjk_font_rc(family)})
    return family


@contextmanager
def house_style() -> Iterator[str]:
    """Apply the house style only inside a ``with`` block (restores rcParams on exit).

    Yields the CJK font family, e.g. ``with house_style() as family: ...``.
    """
    with mpl.rc_context():
        yield apply_style()
