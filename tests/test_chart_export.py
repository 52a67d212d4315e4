"""Exported charts carry no software version and no date, so a re-run writes the same bytes;
both files come from one layout of the figure."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PIL import Image

from perfeval_utils import load_report
from perfeval_utils.present.charts import budget_execution_figure, house_style, save_figure
from perfeval_utils.present.charts.export import PNG_DPI, _export_rc

SEED = Path(__file__).resolve().parents[1] / "data" / "huangpu-zonggonghui-2022.xlsx"


def test_png_and_svg_have_no_version_or_date_and_repeat_byte_for_byte(tmp_path: Path) -> None:
    with warnings.catch_warnings(), house_style():
        warnings.simplefilter("error")  # a missing CJK glyph is a warning: fail on it
        report = load_report(SEED)
        first = save_figure(budget_execution_figure(report), tmp_path / "a" / "执行")
        second = save_figure(budget_execution_figure(report), tmp_path / "b" / "执行")  # a new figure, as a re-run
    png, svg = (p.read_bytes() for p in first)
    assert b"Software" not in png and b"Matplotlib" not in png and png.startswith(b"\x89PNG")
    assert b"<dc:date>" not in svg and b"Matplotlib" not in svg and b"matplotlib.org" not in svg
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_one_layout_at_the_png_dpi_serves_both_files_and_the_engine_is_given_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """savefig would lay the figure out for each file (the SVG at 72 dpi): once, as for the PNG, is enough."""
    runs: list[float] = []
    execute = ConstrainedLayoutEngine.execute

    def counted(engine: ConstrainedLayoutEngine, fig: Figure) -> None:
        runs.append(fig.dpi)
        execute(engine, fig)

    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counted)
    with house_style():
        fig = budget_execution_figure(load_report(SEED))
        engine = fig.get_layout_engine()
        runs.clear()  # the chart's own label fitting lays it out too
        save_figure(fig, tmp_path / "执行")
    assert runs == [PNG_DPI]
    assert fig.get_layout_engine() is engine  # the caller's figure is laid out again if it changes


def test_the_png_shows_what_a_plain_savefig_shows(tmp_path: Path) -> None:
    """Laying out once before saving leaves the PNG's pixels as matplotlib's own savefig draws them."""
    with house_style():
        report = load_report(SEED)
        png, _ = save_figure(budget_execution_figure(report), tmp_path / "执行")
        plain = tmp_path / "plain.png"
        with mpl.rc_context(_export_rc()):
            budget_execution_figure(report).savefig(plain, format="png", dpi=PNG_DPI)
    with Image.open(png) as ours, Image.open(plain) as theirs:
        assert ours.size == theirs.size
        assert ours.convert("RGBA").tobytes() == theirs.convert("RGBA").tobytes()


def test_a_figure_without_axes_saves_without_a_layout_warning(tmp_path: Path) -> None:
    """Laid out before saving as savefig would: a figure of text only is left alone (the engine warns on it)."""
    with warnings.catch_warnings(), house_style():
        warnings.simplefilter("error")
        fig = plt.figure()
        fig.text(0.5, 0.5, "报告未列绩效指标", ha="center")
        png, svg = save_figure(fig, tmp_path / "空")
        plt.close(fig)
    assert png.is_file() and svg.is_file()
