"""The chart layout helpers every chart shares: text widths, shortening, number formats, label room.

Widths are in half-width units: 中 counts 2, a counts 1, and the ellipsis … counts 2 because the
house font draws it as wide as a Chinese character (measured below, not assumed).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import matplotlib
import matplotlib.pyplot as plt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfeval_utils.present.charts import house_style
from perfeval_utils.present.charts.layout import (
    ELLIPSIS,
    at_dpi,
    char_width,
    fit_right,
    new_figure,
    printed,
    shorten,
    text_width,
    trimmed,
    two_places,
    wrap,
)
from perfeval_utils.present.charts.style import PNG_DPI

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _drawn_width(text: str) -> float:
    """Pixels the text takes under the house style (10 copies, divided, to average out hinting)."""
    fig = plt.figure()
    label = fig.text(0, 0, text * 10, fontsize=10)
    return float(label.get_window_extent(fig.canvas.get_renderer()).width) / 10


def test_the_ellipsis_draws_as_wide_as_a_chinese_character_in_the_house_font() -> None:
    """Why … counts 2: with Noto Sans CJK SC it measured 14 px like 中, against 8 px for a (10 pt)."""
    with house_style():
        ellipsis, chinese, latin = _drawn_width(ELLIPSIS), _drawn_width("中"), _drawn_width("a")
    assert abs(ellipsis - chinese) <= 1
    assert ellipsis > latin * 1.5
    assert char_width(ELLIPSIS) == char_width("中") == 2
    assert char_width("a") == 1


def test_shorten_counts_the_ellipsis_as_two_units() -> None:
    """Width 11: 某 ×4 (8) + … (2) = 10 fits; a fifth 某 would make 12. Counting … as 1 kept five (12 drawn)."""
    assert shorten("某某" * 20, 11) == "某某某某" + ELLIPSIS
    assert shorten("某某" * 20, 10) == "某某某某" + ELLIPSIS  # 8 + 2 = 10 exactly
    assert shorten("abcdefghij", 6) == "abcd" + ELLIPSIS  # 4 + 2
    assert shorten("短名", 4) == "短名"  # fits: unchanged


@given(st.text(alphabet="工会abc “”12 。…", max_size=40), st.integers(min_value=3, max_value=30))
def test_shortened_text_never_counts_wider_than_the_width(text: str, width: int) -> None:
    shortened = shorten(text, width)
    assert text_width(shortened) <= width
    assert shortened == text or shortened.endswith(ELLIPSIS)


def test_wrap_keeps_every_line_within_the_width_and_marks_a_cut() -> None:
    """Twelve 字 at width 8 is three lines of four; at most two lines: the second ends 字字字… (6 + 2)."""
    text = "字" * 12
    assert wrap(text, 8, 3) == "字字字字\n字字字字\n字字字字"
    assert wrap(text, 8, 2) == "字字字字\n字字字" + ELLIPSIS


def test_numbers_are_written_from_the_decimal_as_the_report_prints_them() -> None:
    """1415.43 stays 1415.43; 1E+2 prints 100; 306.25 and 605 trimmed; 98.245 → 98.25 half up."""
    assert printed(D("1415.43")) == "1415.43"
    assert printed(D("1E+2")) == "100"
    assert trimmed(D("306.2500")) == "306.25"
    assert trimmed(D("605.00")) == "605"
    assert trimmed(D("0.001")) == "0"
    assert two_places(D("98.245")) == "98.25"
    assert two_places(D("100")) == "100.00"


def test_fit_right_widens_the_axis_until_a_long_label_after_the_bar_is_inside() -> None:
    with house_style():
        fig = new_figure()
        ax = fig.subplots()
        ax.barh([0], [100])
        label = ax.annotate("一个很长很长很长很长很长很长的标签", (100, 0), xytext=(6, 0), textcoords="offset points",
                            ha="left", va="center")
        fit_right(ax, [label], 100)
        fig.draw_without_rendering()
        assert ax.get_xlim()[1] > 100
        assert label.get_window_extent().x1 <= ax.get_window_extent().x1


def test_fit_right_fits_the_label_in_the_exported_png_and_gives_the_figure_its_dpi_back() -> None:
    """The fit is measured at PNG_DPI (the picture a meeting sees); the screen preview keeps its dpi."""
    with house_style():
        fig = new_figure()
        shown = fig.dpi
        ax = fig.subplots()
        ax.barh([0], [100])
        label = ax.annotate("一个很长很长很长很长很长很长的标签", (100, 0), xytext=(6, 0), textcoords="offset points",
                            ha="left", va="center")
        fit_right(ax, [label], 100)
        assert fig.dpi == shown
        with at_dpi(fig, PNG_DPI):
            fig.draw_without_rendering()
            assert label.get_window_extent().x1 <= ax.get_window_extent().x1


def test_ambiguous_characters_are_two_columns_drawn_but_one_in_a_terminal() -> None:
    """One home (cells.text_width) for charts, Excel columns and the terminal table: 中 is 2 everywhere,
    “ (East-Asian-Width ambiguous) is 2 where a CJK font draws it and 1 in a terminal, a is 1."""
    from perfeval_utils.cells import text_width

    assert text_width("中“a") == 5
    assert text_width("中“a", terminal=True) == 4
