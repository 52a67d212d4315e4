"""The charts across workbooks: drawn with every warning an error, prior-year bars hatched and labelled.

Expected numbers are the ones the reports print (see tests/test_portfolio.py for the arithmetic):
通州 2530.27 → 2849.65, 荣昌 375.05 → 357.21, 梁平 746.36 → 820.69, 益阳 1274.38 → 1342.49 and its
劳模专项补助资金 172.8 → 173.3; 黄埔区总工会 has 2022 only (1415.43 budget, 1390.69 executed, 98.25 %).
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
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from perfeval_utils import Report
from perfeval_utils.analyse import peers
from perfeval_utils.present import charts
from perfeval_utils.present.charts import house_style, save_figure
from perfeval_utils.present.charts.style import FIGSIZE
from perfeval_utils.present.charts.trends import HATCH, peer_figure, short_department, trend_figure, trend_panels_figure
from perfeval_utils.present.template import write_template
from perfeval_utils.read.many import ReportSet, load_reports
from tests.conftest import DATA

matplotlib.use("Agg")

HUANGPU = "广州市黄埔区总工会（广州开发区总工会）"
TONGZHOU = "北京市通州区总工会"
RONGCHANG = "重庆市荣昌区总工会本级"
LIANGPING = "重庆市梁平区总工会"
YIYANG = "益阳市总工会"
UNIT_IN_BRACKETS = re.compile(r"（[^（）]+）")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data() -> ReportSet:
    return load_reports(DATA, progress=False)


def _draw_strict(fig: Figure) -> None:
    """A missing glyph ("Glyph … missing from font") or any other warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def _bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _hatched(fig: Figure) -> list[Rectangle]:
    return [bar for ax in fig.axes for bar in _bars(ax) if bar.get_hatch() == HATCH]


def _check_layout(fig: Figure) -> None:
    """Labels stay inside their axes and tick labels do not collide (what I checked by eye)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in fig.axes:
        if not ax.axison:
            continue
        inside = ax.get_window_extent(renderer)
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            assert box.x1 <= inside.x1 + 1 and box.x0 >= inside.x0 - 1, text.get_text()
            assert box.y1 <= inside.y1 + 1, text.get_text()
        for axis in (ax.get_yticklabels(), ax.get_xticklabels()):
            boxes = [t.get_window_extent(renderer) for t in axis if t.get_text()]
            for first, second in itertools.combinations(boxes, 2):
                assert not first.overlaps(second), "tick labels overlap"


def _figures(data: ReportSet) -> dict[str, Figure]:
    unions = [d for d in data.departments if "总工会" in d]
    return {
        "seed": trend_figure(data, HUANGPU),
        "yiyang": trend_figure(data, YIYANG),
        "laomo": trend_figure(data, YIYANG, "专项资金", "劳模专项补助资金"),
        "tongzhou": trend_figure(data, TONGZHOU),
        "panels": trend_panels_figure(data, [TONGZHOU, YIYANG, LIANGPING, RONGCHANG]),
        "peer": peer_figure(peers.peer_comparison(data, unions), HUANGPU),
    }


def test_every_trend_chart_draws_with_real_glyphs_units_and_no_overlap(data: ReportSet) -> None:
    with house_style():
        for key, fig in _figures(data).items():
            _draw_strict(fig)
            assert tuple(fig.get_size_inches()) == pytest.approx(FIGSIZE), key
            assert fig.get_suptitle(), key
            labelled = [ax for ax in fig.axes if ax.axison and _bars(ax)]
            assert labelled, key
            for ax in labelled:
                assert UNIT_IN_BRACKETS.search(ax.get_xlabel() + ax.get_ylabel()), key
            _check_layout(fig)


def test_seed_has_one_year_and_says_what_will_come(data: ReportSet) -> None:
    with house_style():
        fig = trend_figure(data, HUANGPU)
        _draw_strict(fig)
    assert "只有 2022 年一年" in fig.get_suptitle() and "加入下一年度工作簿" in fig.get_suptitle()
    text = _texts(fig)
    for value in ("1415.43", "1390.69", "98.25%"):
        assert value in text
    assert not _hatched(fig)


def test_prior_year_bars_are_hatched_and_name_the_later_report(data: ReportSet) -> None:
    with house_style():
        fig = trend_figure(data, YIYANG, "专项资金", "劳模专项补助资金")
        _draw_strict(fig)
    (hatched,) = _hatched(fig)
    assert hatched.get_height() == pytest.approx(172.8)
    text = _texts(fig)
    assert "172.8\n2022年报告所列上年数" in text and "173.3" in text
    assert "100.00%（重算）" in text  # 173.3 ÷ 173.3, computed: no rate is printed
    assert "劳模专项补助资金" in fig.get_suptitle()
    assert "上年数（来自较晚年度的报告）" in text  # the legend


def test_panels_show_each_unions_two_years_and_flag_a_stated_rate_that_disagrees(data: ReportSet) -> None:
    with house_style():
        fig = trend_panels_figure(data, [TONGZHOU, YIYANG, LIANGPING, RONGCHANG])
        _draw_strict(fig)
    heights = sorted(round(bar.get_width(), 2) for bar in _hatched(fig))
    assert heights == [375.05, 746.36, 1274.38, 2530.27]
    text = _texts(fig)
    for value in ("2849.65", "357.21", "820.69", "1342.49", "2530.27（推算）", "1274.38（上年数）"):
        assert value in text
    assert "由2024年报告所列增减额推算" in text
    assert "+14.09%（按增减额应为 +12.62%）" in text  # 319.38 ÷ 2530.27 = 12.62 %
    assert "-17.84 万元、-4.8%" in text and "按增减额应为 -4.76" not in text


def test_peer_chart_marks_the_department_and_the_change(data: ReportSet) -> None:
    unions = [d for d in data.departments if "总工会" in d]
    with house_style():
        fig = peer_figure(peers.peer_comparison(data, unions), HUANGPU)
        _draw_strict(fig)
    (ax,) = fig.axes
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[1].startswith("广州市黄埔区总工会（本单位）") and "2022年 · 自评" in ticks[1]
    assert "2024年 · 决算页" in ticks[0]
    text = _texts(fig)
    assert "2849.65　较上年 +319.38（报告 +14.09%）" in text
    assert "1342.49　较上年 +68.11（算得 +5.34%）" in text
    assert "1390.69　未列上年数" in text
    assert len(_hatched(fig)) == 4 and ax.get_xlabel() == "执行数（万元）"


def test_a_next_year_template_shows_as_blank_bars_not_zeros(tmp_path: Path, seed_report: Report) -> None:
    seed = seed_report
    template = write_template(tmp_path / "2023.xlsx", seed.department, 2023, like=seed)
    reports = load_reports([seed.path, template])
    with house_style():
        fig = trend_figure(reports, HUANGPU)
        _draw_strict(fig)
    assert "2022–2023年" in fig.get_suptitle()
    assert _texts(fig).count("未列") == 2
    amounts_ax = fig.axes[1]
    assert len(_bars(amounts_ax)) == 2  # 2022's two bars; 2023 has none drawn


def test_charts_say_so_when_there_is_nothing_to_draw(data: ReportSet) -> None:
    with house_style():
        empty = trend_panels_figure(data, [])
        no_line = trend_figure(data, HUANGPU, "专项资金", "劳模专项补助资金")
        for fig in (empty, no_line):
            _draw_strict(fig)
    assert "没有可画的部门" in _texts(empty)
    assert "没有「劳模专项补助资金」这一行" in _texts(no_line)


def test_short_department_names() -> None:
    assert short_department(HUANGPU) == "广州市黄埔区总工会"
    assert short_department("重庆市梁平区总工会 (含二级单位 梁平区职工服务中心)") == "重庆市梁平区总工会"
    assert short_department("某某" * 20, 10) == "某某某某…"


def test_trend_charts_are_re_exported_and_save(data: ReportSet, tmp_path: Path) -> None:
    assert charts.trend_figure is trend_figure and charts.peer_figure is peer_figure
    with house_style():
        png, svg = save_figure(trend_figure(data, TONGZHOU), tmp_path / "tongzhou")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with Image.open(png) as image:
        assert image.size[0] / image.size[1] == pytest.approx(16 / 9, rel=0.01)
