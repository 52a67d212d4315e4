"""Find a font that can draw Chinese, so chart titles and labels never turn into boxes.

matplotlib ships only DejaVu, which has no Chinese glyphs: without help every 预算 on a chart
is drawn as empty squares with a "Glyph … missing from font" warning. We first use a CJK
font the machine already has (the one people see in their office documents), and otherwise
the font shipped inside this package (``noto/``): Noto Sans CJK SC (SIL OFL 1.1, ``noto/OFL.txt``)
cut by ``scripts/make_font_subset.py`` to the 8,105 characters of 通用规范汉字表 plus ASCII and
the punctuation reports print, so a fresh virtualenv on a server without fonts still produces
correct charts, and nothing proprietary is redistributed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from perfeval_utils.errors import PerfevalError

#: System fonts tried first, in this order. Debian's fonts-noto-cjk is a collection whose
#: first face is Japanese; matplotlib lists each face, so we ask for the SC face by name.
SYSTEM_CJK_FAMILIES: Final[tuple[str, ...]] = (
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
)

#: The font file shipped in this package (a renamed subset, so it never shadows a system Noto).
BUNDLED_FONT: Final = Path(__file__).resolve().parent / "noto" / "PerfevalNotoSansSC-Regular.otf"

#: Characters a usable font must contain (预 as in 预算, and the full-width bracket of 万元）).
PROBE_CHARS: Final = "预算绩效（）"

#: Kept after the CJK font, for the symbols the CJK font lacks (✔ ✗ ✘ …).
LATIN_FALLBACK: Final = "DejaVu Sans"

# (fontManager the font was registered with, family name); the fontManager is part of the
# key because a rebuilt fontManager no longer knows fonts added with addfont.
_cache: tuple[font_manager.FontManager, str] | None = None


class CJKFontMissingError(PerfevalError):
    """No font that can draw Chinese is installed, so charts would show empty boxes."""

    def __init__(self) -> None:
        super().__init__(
            "no Chinese (CJK) font found for charts: neither a system font "
            f"({', '.join(SYSTEM_CJK_FAMILIES)}) nor the font file shipped with perfeval_utils "
            f"(expected {BUNDLED_FONT}); fix: reinstall the package (`pip install --no-deps -e .` "
            "from the repository, or the wheel), or install a CJK font such as fonts-noto-cjk "
            "and delete matplotlib's font cache"
        )


def _covers_probe(path: str | os.PathLike[str], face_index: int = 0) -> bool:
    """True if the font face has a glyph for every probe character (a name is not proof)."""
    try:
        charmap = FT2Font(os.fspath(path), face_index=face_index).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(char) in charmap for char in PROBE_CHARS)


def _system_cjk_family() -> str | None:
    """The first preferred CJK family that matplotlib already knows and that covers Chinese."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family not in known:
            continue
        try:
            found = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        if _covers_probe(found, getattr(found, "face_index", 0)):
            return family
    return None


def bundled_font_file() -> Path | None:
    """Path of the Chinese font shipped inside this package, or None if the install lost it."""
    return BUNDLED_FONT if BUNDLED_FONT.is_file() else None


def _register_file(path: Path) -> str:
    """Add the font file to matplotlib (once) and return its family name as matplotlib sees it."""
    manager = font_manager.fontManager
    resolved = path.resolve()
    if not any(Path(entry.fname).resolve() == resolved for entry in manager.ttflist):
        manager.addfont(resolved)
    return font_manager.ttfFontProperty(FT2Font(os.fspath(resolved))).name


def register_cjk_font() -> str:
    """Make a Chinese-capable font known to matplotlib and return its family name.

    System font first (what the audience's own documents use), then the bundled subset.
    The answer is cached, so calling this before every chart costs nothing. It does not
    change rcParams: :func:`perfeval_utils.present.charts.apply_style` does that.

    Raises:
        CJKFontMissingError: no CJK font anywhere; the message says how to fix it.
    """
    global _cache
    manager = font_manager.fontManager
    if _cache is not None and _cache[0] is manager:
        return _cache[1]
    family = _system_cjk_family()
    if family is None:
        path = bundled_font_file()
        if path is None or not _covers_probe(path):
            raise CJKFontMissingError()
        family = _register_file(path)
    _cache = (manager, family)
    return family


def cjk_font_rc(family: str) -> dict[str, Any]:
    """The font rcParams that make *family* draw all text, with DejaVu Sans as glyph fallback.

    CJK first: Noto/YaHei/PingFang also contain Latin letters and digits, so a label like
    "执行率（%）" uses one font throughout (DejaVu first would draw every Chinese character
    as a box). ``font.family`` is ``["sans-serif", "DejaVu Sans"]``, not just
    ``"sans-serif"``: matplotlib resolves a generic family to ONE font (the first found in
    ``font.sans-serif``), so only a second entry in ``font.family`` gives real per-glyph
    fallback, e.g. for ✔ ✗ ✘, which Noto Sans CJK lacks and DejaVu has.

    Everything is normal weight because the bundled Noto file has only a Regular face:
    asking for bold would make matplotlib pick a wrong face. ``axes.unicode_minus`` is off
    so negative numbers use the ASCII hyphen-minus, which every font has.
    """
    return {
        "font.family": ["sans-serif", LATIN_FALLBACK],
        "font.sans-serif": [family, LATIN_FALLBACK],
        "font.weight": "normal",
        "axes.titleweight": "normal",
        "axes.labelweight": "normal",
        "figure.titleweight": "normal",
        "figure.labelweight": "normal",
        "axes.unicode_minus": False,
    }
