"""The review-meeting charts: they draw for every workbook, show the report's numbers, and export.

Expected numbers are worked out by hand from the seed report (黄浦区总工会 2022), not read back
from the chart code: 11 indicator parts (10 indicators, no. 8 has two parts), 2 unmet
(慰问金 232000 元 planned, 230500 元 paid: short by 1500 元; 疗养 46 planned, 37 went: short
by 9 名), 3 above 130 % (245/80 = 306.25 %, 605/100 = 605 %, 430426/10000 = 4304.26 %), and a
budget of 1415.43 万元 with 1390.69 万元 executed (98.25 % as printed).
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from perfeval_utils import Report, load_report
from perfeval_utils.analyse.indicators import shortfalls
from perfeval_utils.present.charts import (
    COLOURS,
    all_figures,
    budget_execution_figure,
    house_style,
    kpi_completion_figure,
    save_figure,
    shortfalls_figure,
)
from perfeval_utils.present.charts.style import FIGSIZE
from tests.builders import valid_sheets, write_workbook
from tests.conftest import all_workbooks

matplotlib.use("Agg")

WORKBOOKS = all_workbooks()
KEYS = ["budget_execution", "kpi_completion", "shortfalls", "score"]
UNIT_IN_BRACKETS = re.compile(r"（[^（）]+）")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _joined(fig: Figure) -> str:
    return "\n".join(_texts(fig))


def _bars(ax: Axes) -> list[Rectangle]:
    """The data bars of an axes (legend keys live in the legend, not in ax.patches)."""
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _colour(patch: Rectangle) -> str:
    return to_hex(patch.get_facecolor(), keep_alpha=False)


def _data_axes(fig: Figure) -> list[Axes]:
    return [ax for ax in fig.axes if ax.axison and (_bars(ax) or ax.lines)]


def _draw_strict(fig: Figure) -> None:
    """Draw with every warning an error: a missing glyph ("Glyph … missing from font") fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def _sheets_workbook(tmp_path: Path, sheets: dict, name: str) -> Report:
    return load_report(write_workbook(tmp_path / f"{name}.xlsx", sheets))


# ---- every workbook ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_every_figure_draws_with_real_glyphs_and_labelled_units(path: Path) -> None:
    report = load_report(path)  # a workbook that no longer loads fails the test, never skips
    with house_style():
        figures = all_figures(report)
        assert list(figures) == KEYS
        for key, fig in figures.items():
            _draw_strict(fig)
            width, height = fig.get_size_inches()
            assert (width, height) == pytest.approx(FIGSIZE), key
            assert fig.get_suptitle(), f"{key}: no title"
            for ax in _data_axes(fig):
                labels = ax.get_xlabel() + ax.get_ylabel()
                assert UNIT_IN_BRACKETS.search(labels), f"{key}: axis without a unit in （…）: {labels!r}"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_row_labels_do_not_overlap_and_bar_labels_stay_inside(path: Path) -> None:
    """What I checked by eye, kept as a test: long Chinese names neither collide nor leave the axes."""
    report = load_report(path)  # a workbook that no longer loads fails the test, never skips
    with house_style():
        for key, fig in all_figures(report).items():
            _draw_strict(fig)
            renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
            for ax in _data_axes(fig):
                boxes = sorted(
                    (t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()),
                    key=lambda b: b.y0,
                )
                for lower, upper in itertools.pairwise(boxes):
                    assert lower.y1 <= upper.y0 + 0.5, f"{key}: tick labels overlap"
                inside = ax.get_window_extent(renderer)
                for text in ax.texts:
                    box = text.get_window_extent(renderer)
                    assert box.x1 <= inside.x1 + 1, f"{key}: {text.get_text()!r} runs past the axes"


# ---- seed content -------------------------------------------------------------------------------




def test_kpi_chart_has_one_bar_per_part_coloured_by_outcome(seed_report: Report) -> None:
    with house_style():
        fig = kpi_completion_figure(seed_report)
    (ax,) = fig.axes
    bars = _bars(ax)
    colours = [_colour(b) for b in bars]
    assert len(bars) == 11
    assert colours.count(to_hex(COLOURS["unmet"])) == 2
    assert colours.count(to_hex(COLOURS["over"])) == 3
    assert colours.count(to_hex(COLOURS["met"])) == 6
    assert max(b.get_width() for b in bars) <= 200  # clipped axis: 4304 % does not squash the rest
    text = _joined(fig)
    for value in ("306.25%", "605%", "4304.26%", "99.35%", "80.43%"):
        assert value in text
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert sum(t.startswith("8 ") for t in ticks) == 2
    assert any(t.startswith("8 ") and t.endswith("阅读量") for t in ticks)
    reference = [line for line in ax.lines if list(line.get_xdata()) == [100, 100]]
    assert reference and to_hex(reference[0].get_color()) == to_hex(COLOURS["reference_line"])
    assert ax.get_xlabel().startswith("完成率（%）")


def test_shortfalls_chart_gives_gap_in_native_unit_and_reason(seed_report: Report) -> None:
    with house_style():
        fig = shortfalls_figure(seed_report)
    text = _joined(fig)
    assert "1500" in text and "元" in text and "9" in text
    assert "差 1500 元" in _texts(fig) and "差 9 名" in _texts(fig)
    assert "未完成指标：2 项" in fig.get_suptitle()
    assert "疫情" in text  # the stated reason of 劳模疗养
    assert "李比" in text  # the stated reason of 慰问金
    bars = _bars(fig.axes[0])
    assert len(bars) == 2
    assert sorted(round(b.get_width(), 2) for b in bars) == [80.43, 99.35]  # 37/46, 230500/232000


def test_budget_chart_prints_amounts_and_rate_as_the_report_does(seed_report: Report) -> None:
    with house_style():
        fig = budget_execution_figure(seed_report)
    text = _joined(fig)
    for value in ("1415.43", "1390.69", "98.25"):
        assert value in text
    assert "执行率 98.25%" in fig.get_suptitle()
    assert any(ax.get_ylabel() == "金额（万元）" for ax in fig.axes)
    assert any(ax.get_xlabel().startswith("金额（万元）") for ax in fig.axes)
    assert "1319.92（94.91%）" in text  # 基本支出 1319.92 of 1390.69 executed


def test_score_chart_shows_category_points_against_maximum(seed_report: Report) -> None:
    with house_style():
        fig = all_figures(seed_report)["score"]
    text = _joined(fig)
    assert "/ 50" in text and "/ 30" in text
    assert "98.39" in text  # the stated self-score, as a reference
    assert "优" in fig.get_suptitle()
    assert fig.axes[0].get_xlabel() == "分值（分）"


def test_save_every_seed_figure_as_png_and_svg(seed_report: Report, tmp_path: Path) -> None:
    with house_style():
        figures = all_figures(seed_report)
        for key, fig in figures.items():
            png, svg = save_figure(fig, tmp_path / key)
            assert png.is_file() and svg.is_file()
            assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
            with Image.open(png) as image:
                assert image.size[0] / image.size[1] == pytest.approx(16 / 9, rel=0.01)


# ---- edge cases built here ------------------------------------------------------------------------


def test_no_unmet_indicator_says_so(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["指标"][2][6:8] = ["232000 元", "已完成"]  # 慰问金 paid in full
    sheets["指标"][2][10] = None
    report = _sheets_workbook(tmp_path, sheets, "all-met")
    assert shortfalls(report).empty
    with house_style():
        fig = shortfalls_figure(report)
        _draw_strict(fig)
    assert any("无未完成指标" in t for t in _texts(fig))
    assert "0 项" in fig.get_suptitle()


def test_amounts_in_yuan_label_the_axis_in_yuan(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["基本信息"][3][1] = "元"
    report = _sheets_workbook(tmp_path, sheets, "yuan")
    assert report.amount_unit == "元"
    with house_style():
        fig = budget_execution_figure(report)
        _draw_strict(fig)
    labels = [ax.get_ylabel() for ax in fig.axes] + [ax.get_xlabel() for ax in fig.axes]
    assert "金额（元）" in labels
    assert not any("万元" in label for label in labels)


def _no_kpis() -> dict:
    sheets = valid_sheets()
    sheets["指标"] = sheets["指标"][:1]
    return sheets


def _no_budget() -> dict:
    sheets = valid_sheets()
    sheets["预算"][1][2] = None  # 合计 without 预算数: rate only as the report states it
    sheets["预算"] = sheets["预算"][:2]  # and no split lines
    return sheets


@pytest.mark.parametrize("build", [_no_kpis, _no_budget], ids=["no-kpis", "no-budget-no-split"])
def test_missing_parts_give_charts_that_say_so(build, tmp_path: Path) -> None:
    report = _sheets_workbook(tmp_path, build(), build.__name__)
    with house_style():
        figures = all_figures(report)
        for fig in figures.values():
            _draw_strict(fig)
    text = "\n".join(_joined(fig) for fig in figures.values())
    if build is _no_kpis:
        assert "报告未列绩效指标" in text and "无未完成指标" in text
    else:
        assert "未列" in text and "未列资金来源、支出性质分项" in text
        assert "报告执行率 98.25%" in figures["budget_execution"].get_suptitle()
