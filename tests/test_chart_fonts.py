"""Charts must draw Chinese with real glyphs (no boxes) and export reproducibly.

The glyph check is made in two independent ways: drawing with every warning turned into an
error (matplotlib warns "Glyph … missing from font(s) …"), and reading the resolved font
file's character map. A negative control shows the warning check does fire.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager
from matplotlib.ft2font import FT2Font
from PIL import Image

from perfeval_utils.errors import PerfevalError
from perfeval_utils.present.charts import (
    COLOURS,
    CJKFontMissingError,
    apply_style,
    house_style,
    register_cjk_font,
    save_figure,
)
from perfeval_utils.present.charts import fonts as fonts_module
from perfeval_utils.present.charts.export import PNG_DPI
from tests.conftest import ROOT

matplotlib.use("Agg")


TITLE = "2024年度项目预算执行情况"
X_LABEL = "支出类别"
Y_LABEL = "金额（万元）"
Y2_LABEL = "执行率（%）"
CATEGORIES = ["教育", "医疗卫生", "社会保障", "农林水"]
LEGEND = ["预算数", "执行数", "目标值 100%"]
ALL_TEXT = "".join([TITLE, X_LABEL, Y_LABEL, Y2_LABEL, *CATEGORIES, *LEGEND])
CJK_CHARS = sorted({c for c in ALL_TEXT if ord(c) > 0x2E7F})


def build_chart() -> Figure:
    """A chart like the real ones: Chinese title, labels with units, ticks, legend, negatives."""
    fig, ax = plt.subplots()
    x = range(len(CATEGORIES))
    ax.bar([i - 0.2 for i in x], [120.5, 80, 64.25, 30], width=0.4, color=COLOURS["budget"], label=LEGEND[0])
    ax.bar([i + 0.2 for i in x], [96, 82.5, -12.5, 18], width=0.4, color=COLOURS["executed"], label=LEGEND[1])
    ax.axhline(100, color=COLOURS["reference_line"], linestyle="--", label=LEGEND[2])
    ax.set_xticks(list(x), CATEGORIES)
    ax.set_title(TITLE)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_LABEL)
    twin = ax.twinx()
    twin.plot(list(x), [80.0, 103.1, -19.5, 60.0], color=COLOURS["over"], marker="o")
    twin.set_ylabel(Y2_LABEL)
    twin.grid(False)  # one grid per chart: the twin axis would draw a second, misaligned one
    ax.legend(loc="upper right")
    return fig


def render_strictly(fig: Figure) -> None:
    """Draw *fig* with every warning raised as an error, so a missing glyph fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


@pytest.fixture
def styled() -> Iterator[str]:
    """House style for one test, rcParams restored and figures closed afterwards."""
    with house_style() as family:
        yield family
    plt.close("all")


def _charmap_of(family: str) -> tuple[str, set[int]]:
    found = findfont(FontProperties(family=family), fallback_to_default=False)
    face = getattr(found, "face_index", 0)
    return os.fspath(found), set(FT2Font(os.fspath(found), face_index=face).get_charmap())


# --- fonts -------------------------------------------------------------------------------


def test_register_cjk_font_is_idempotent() -> None:
    first = register_cjk_font()
    entries = len(fontManager.ttflist)
    assert register_cjk_font() == first
    assert len(fontManager.ttflist) == entries  # no second addfont


def test_cjk_font_file_really_contains_chinese() -> None:
    path, charmap = _charmap_of(register_cjk_font())
    assert ord("预") in charmap, path
    assert [c for c in CJK_CHARS if ord(c) not in charmap] == []
    assert "DejaVu" not in Path(path).name


def test_default_font_under_house_style_is_the_cjk_font(styled: str) -> None:
    cjk_path, _ = _charmap_of(styled)
    assert os.fspath(findfont(FontProperties())) == cjk_path


def test_chart_renders_without_missing_glyph(styled: str) -> None:
    fig = build_chart()
    render_strictly(fig)  # raises on "Glyph … missing from font(s) …"
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert TITLE in texts
    assert any(t.startswith("-") for t in texts)  # ASCII minus on a tick label


def test_symbols_missing_from_cjk_font_fall_back_to_dejavu(styled: str) -> None:
    _, charmap = _charmap_of(styled)
    assert ord("✘") not in charmap  # so this really exercises the fallback
    fig = plt.figure()
    fig.text(0.1, 0.5, "未达标 ✘ 3 项，达标 ✔ 12 项")
    render_strictly(fig)


def test_negative_control_dejavu_only_warns() -> None:
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = build_chart()
        with pytest.raises(UserWarning, match="missing from font"):
            render_strictly(fig)
        with pytest.warns(UserWarning, match=r"Glyph \d+ .* missing from font\(s\) DejaVu Sans"):
            fig.canvas.draw()
    plt.close(fig)


def test_missing_font_error_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts_module, "_cache", None)
    monkeypatch.setattr(fonts_module, "_system_cjk_family", lambda: None)
    monkeypatch.setattr(fonts_module, "bundled_font_file", lambda: None)
    with pytest.raises(CJKFontMissingError, match=r"reinstall the package") as info:
        register_cjk_font()
    assert isinstance(info.value, PerfevalError)


def test_a_font_name_without_chinese_glyphs_is_not_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts_module, "SYSTEM_CJK_FAMILIES", ("No Such Font", "DejaVu Sans"))
    assert fonts_module._system_cjk_family() is None


def test_bundled_font_is_found_and_package_import_stays_free_of_matplotlib() -> None:
    code = (
        "import sys\n"
        "import perfeval_utils\n"
        "assert 'matplotlib' not in sys.modules, 'import perfeval_utils pulled in matplotlib'\n"
        "from perfeval_utils.present.charts import register_cjk_font\n"
        "from perfeval_utils.present.charts.fonts import bundled_font_file\n"
        "assert bundled_font_file() is not None\n"
        "print(register_cjk_font())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == register_cjk_font()


# --- the bundled font (used when the machine has no CJK font) -----------------------------

#: Names with characters a font cut to GB 2312 would lack: 堃 喆 昇 犇 玥 珺 镕 彧 赟 翀 (all in 通用规范汉字表).
RARE_NAMES = "张堃 王喆 李昇 陈犇 赵玥 孙珺 吴镕 郑彧 钱赟 冯翀"


def _table_characters() -> list[str]:
    path = ROOT / "scripts" / "fonts" / "tongyong_guifan_hanzi_8105.txt"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def test_bundled_font_covers_the_whole_table_ascii_and_report_punctuation() -> None:
    path = fonts_module.bundled_font_file()
    assert path is not None and path.parent.name == "noto"
    charmap = set(FT2Font(os.fspath(path)).get_charmap())
    table = _table_characters()
    assert len(table) == len(set(table)) == 8105
    assert [c for c in table if ord(c) not in charmap] == []
    assert [c for c in map(chr, range(0x20, 0x7F)) if ord(c) not in charmap] == []
    assert [c for c in "、。《》〔〕（）＋，：；·×÷–—“”…→≈≤≥≧℃％①" if ord(c) not in charmap] == []
    assert 9_000 < len(charmap) < 12_000  # a subset: the full face maps about 44,000 characters


def test_bundled_font_is_renamed_and_carries_its_licence() -> None:
    path = fonts_module.bundled_font_file()
    assert path is not None
    family = fonts_module._register_file(path)
    assert family == "Perfeval Noto Sans SC"  # never shadows a system "Noto Sans CJK SC"
    licence = (path.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "Version 1.1" in licence and "Adobe" in licence
    assert path.stat().st_size < 6_000_000
    assert not list(path.parent.glob("*[Ss]im[Hh]ei*"))


def test_rare_names_render_with_the_bundled_font_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """No system font at all: the chart falls back to the bundled file and draws 堃 and 喆 with real glyphs."""
    monkeypatch.setattr(fonts_module, "_cache", None)
    monkeypatch.setattr(fonts_module, "_system_cjk_family", lambda: None)
    family = register_cjk_font()
    assert family == "Perfeval Noto Sans SC"
    found = findfont(FontProperties(family=family), fallback_to_default=False)
    assert Path(found).name == "PerfevalNotoSansSC-Regular.otf"
    with matplotlib.rc_context({"font.family": [family]}):
        fig = plt.figure()
        fig.text(0.05, 0.5, f"{RARE_NAMES}（万元）、《报告》")
        render_strictly(fig)
        plt.close(fig)
    monkeypatch.setattr(fonts_module, "_cache", None)


def test_a_character_outside_the_bundled_subset_does_warn() -> None:
    """Negative control for the test above: a character the subset dropped (Ext. B 𠀀) is reported missing."""
    family = fonts_module._register_file(fonts_module.BUNDLED_FONT)
    with matplotlib.rc_context({"font.family": [family]}):
        fig = plt.figure()
        fig.text(0.05, 0.5, "𠀀")
        with pytest.raises(UserWarning, match="missing from font"):
            render_strictly(fig)
        plt.close(fig)


# --- style -------------------------------------------------------------------------------


def test_house_style_sets_and_restores_rcparams() -> None:
    before = dict(matplotlib.rcParams)
    with house_style() as family:
        rc = matplotlib.rcParams
        assert rc["font.sans-serif"][:2] == [family, "DejaVu Sans"]
        assert rc["font.family"] == ["sans-serif", "DejaVu Sans"]
        assert rc["axes.unicode_minus"] is False
        for key in ("font.weight", "axes.titleweight", "figure.titleweight", "axes.labelweight"):
            assert rc[key] == "normal", key
        assert rc["axes.spines.top"] is False and rc["axes.spines.right"] is False
    assert dict(matplotlib.rcParams) == before


def test_apply_style_returns_the_registered_family() -> None:
    with matplotlib.rc_context():
        assert apply_style() == register_cjk_font()


def test_colours_are_fixed_hex_codes() -> None:
    assert set(COLOURS) >= {"budget", "executed", "met", "unmet", "over", "reference_line"}
    assert all(v.startswith("#") and len(v) == 7 for v in COLOURS.values())
    with pytest.raises(TypeError):
        COLOURS["met"] = "red"  # type: ignore[index]


# --- export ------------------------------------------------------------------------------


def test_save_figure_writes_png_and_svg(styled: str, tmp_path: Path) -> None:
    fig = build_chart()
    written = save_figure(fig, tmp_path / "新建文件夹" / "执行情况.png")
    png, svg = tmp_path / "新建文件夹" / "执行情况.png", tmp_path / "新建文件夹" / "执行情况.svg"
    assert written == [png, svg]
    assert png.stat().st_size > 0 and svg.stat().st_size > 0
    with Image.open(png) as image:
        dpi = image.info["dpi"]
    assert PNG_DPI >= 200
    assert round(dpi[0]) >= 200 and round(dpi[1]) >= 200


def test_save_figure_without_suffix(styled: str, tmp_path: Path) -> None:
    fig = build_chart()
    assert save_figure(fig, str(tmp_path / "图1")) == [tmp_path / "图1.png", tmp_path / "图1.svg"]


def test_save_figure_is_byte_identical(styled: str, tmp_path: Path) -> None:
    fig = build_chart()
    png_a, svg_a = save_figure(fig, tmp_path / "a" / "chart")
    png_b, svg_b = save_figure(fig, tmp_path / "b" / "chart")
    assert png_a.read_bytes() == png_b.read_bytes()
    assert svg_a.read_bytes() == svg_b.read_bytes()


def test_svg_has_no_date_no_version_and_text_as_paths(styled: str, tmp_path: Path) -> None:
    fig = build_chart()
    _, svg = save_figure(fig, tmp_path / "chart")
    text = svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in text
    assert matplotlib.__version__ not in text
    assert "<text" not in text  # glyphs are outlines: renders without the font installed


def test_save_figure_is_byte_identical_across_processes(styled: str, tmp_path: Path) -> None:
    fig = build_chart()
    here = save_figure(fig, tmp_path / "here")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('chart_test', {str(Path(__file__))!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "from perfeval_utils.present.charts import house_style, save_figure\n"
        "with house_style():\n"
        f"    save_figure(mod.build_chart(), {str(tmp_path / 'there')!r})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for mine, theirs in zip(here, [tmp_path / "there.png", tmp_path / "there.svg"], strict=True):
        assert mine.read_bytes() == theirs.read_bytes(), mine.name
