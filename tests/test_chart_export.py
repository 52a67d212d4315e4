"""Exported charts carry no software version and no date, so a re-run writes the same bytes."""

from __future__ import annotations

import warnings
from pathlib import Path

from perfeval_utils import load_report
from perfeval_utils.present.charts import budget_execution_figure, house_style, save_figure

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
