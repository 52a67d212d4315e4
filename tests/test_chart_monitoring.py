"""The monitoring charts: real glyphs (warnings are errors), units on axes, flagged bars, stable bytes.

Expected numbers come from the example workbook's invented mid-year figures, worked by hand:
工会工作 15.2 ÷ 46.72 = 32.53 % (flagged: 25.80 points behind 58.33 %), 部门整体支出 742.1 ÷ 1415.43
= 52.43 %, 职工服务中心 25 ÷ 46.2 = 54.11 % (flagged: 6.2 万元 left without a remedy);
慰问金 forecast 232000 元 against 230500 元 at year end = +1500 元, 0.65 %.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text

from perfeval_utils import load_report
from perfeval_utils.present.charts import COLOURS, house_style, save_figure
from perfeval_utils.present.charts.monitoring import (
    budget_progress_figure,
    forecast_accuracy_figure,
    monitoring_figures,
)
from tests.builders import valid_sheets, write_workbook
from tests.test_chart_figures import _close_figures, _draw_strict  # noqa: F401  (autouse fixture, strict draw)

matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "huangpu-zonggonghui-2022-monitoring.xlsx"
UNIT_IN_BRACKETS = re.compile(r"（[^（）]+）")


def _text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def test_every_monitoring_chart_draws_with_real_glyphs_and_a_unit_on_its_axis() -> None:
    report = load_report(EXAMPLE)
    with house_style():
        for key, fig in monitoring_figures(report).items():
            _draw_strict(fig)
            assert fig.get_suptitle(), key
            assert UNIT_IN_BRACKETS.search(fig.axes[0].get_xlabel()), key


def test_budget_chart_has_a_bar_per_line_the_time_line_and_flagged_bars_in_the_unmet_colour() -> None:
    with house_style():
        fig = budget_progress_figure(load_report(EXAMPLE))
        _draw_strict(fig)
    ax = fig.axes[0]
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [to_hex(COLOURS["executed"]), to_hex(COLOURS["unmet"]), to_hex(COLOURS["unmet"])]
    assert [t.get_text() for t in ax.texts] == ["52.43%", "32.53%", "54.11%"]
    assert [line.get_xdata()[0] for line in ax.lines] == [pytest.approx(58.3333333)]
    assert "58.33%" in fig.get_suptitle()


def test_a_label_the_time_line_crosses_stays_readable_on_a_box_above_the_line() -> None:
    """部门整体支出 ends at 52.43 %, its label runs on past 58.33 % (the time elapsed): the label's box is the
    axes' own background colour, opaque, and drawn above the dashed line, which passes behind the figure."""
    from matplotlib.text import Annotation

    with house_style():
        fig = budget_progress_figure(load_report(EXAMPLE))
        _draw_strict(fig)
    ax = fig.axes[0]
    (line,) = ax.lines
    elapsed = line.get_xdata()[0]
    label = next(t for t in ax.texts if isinstance(t, Annotation) and t.get_text() == "52.43%")
    left, right = (ax.transData.inverted().transform(point)[0] for point in label.get_window_extent().get_points())
    assert left < elapsed < right  # the case: the line crosses this label
    box = label.get_bbox_patch()
    assert box is not None and box.get_facecolor() == ax.get_facecolor() and box.get_facecolor()[3] == 1.0
    assert label.get_zorder() > line.get_zorder()


def test_forecast_chart_writes_the_error_in_the_native_unit() -> None:
    with house_style():
        fig = forecast_accuracy_figure(load_report(EXAMPLE))
        _draw_strict(fig)
    text = _text(fig)
    assert "0.65%（差 1500 元）" in text and "0.31%（差 4.31 万元）" in text


def test_a_workbook_without_monitoring_gets_charts_that_say_so(tmp_path: Path) -> None:
    report = load_report(write_workbook(tmp_path / "plain.xlsx", valid_sheets()))
    with house_style():
        figures = monitoring_figures(report)
        for fig in figures.values():
            _draw_strict(fig)
    assert "没有「监控预算」数据" in _text(figures["monitoring_budget"])
    assert "没有「监控指标」数据" in _text(figures["monitoring_indicators"])


def test_saving_twice_gives_identical_png_and_svg_bytes(tmp_path: Path) -> None:
    report = load_report(EXAMPLE)
    with house_style():
        first = save_figure(budget_progress_figure(report), tmp_path / "a")
        second = save_figure(budget_progress_figure(report), tmp_path / "b")
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes()
