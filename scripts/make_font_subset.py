"""Make the chart font shipped in the package: Noto Sans CJK SC (OFL) cut to the characters we need.

The full face is 16 MB; charts need the 8,105 characters of 通用规范汉字表 (2013), ASCII, and the
punctuation and symbols Chinese reports print (（）、。《》〔〕 ×÷≤≥≈ ℃ ① …). The subset is renamed
(``Perfeval Noto Sans SC``) so matplotlib never confuses it with a system Noto Sans CJK SC, and the
OFL allows a modified version under a name without the Reserved Font Name ('Source').

Run from the repository root (needs fonttools, a dev dependency)::

    python scripts/make_font_subset.py            # Debian's fonts-noto-cjk, face "Noto Sans CJK SC"
    python scripts/make_font_subset.py --source NotoSansCJKsc-Regular.otf

The output is byte-stable for a given source file and fonttools version (no timestamps kept).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
CHARACTER_LIST = ROOT / "scripts" / "fonts" / "tongyong_guifan_hanzi_8105.txt"
OUTPUT = ROOT / "perfeval_utils" / "present" / "charts" / "noto" / "PerfevalNotoSansSC-Regular.otf"
DEBIAN_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "Noto Sans CJK SC"
FAMILY = "Perfeval Noto Sans SC"
POSTSCRIPT = "PerfevalNotoSansSC-Regular"

#: Besides the table: ASCII, Latin-1 (· × ÷), general punctuation (– — “ ” … ‰ •), letterlike (℃ №),
#: Roman numerals, arrows, maths (− ≈ ≤ ≥ ≧), enclosed numbers (①), shapes (■ □ ▲ ●), CJK punctuation
#: (、。《》〔〕), enclosed CJK (㈠), CJK compatibility (㎡ ㎏), vertical forms, full-width forms (（）＋，：；).
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x2010, 0x205E), (0x2100, 0x218F), (0x2190, 0x21FF),
    (0x2200, 0x22FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F), (0x3200, 0x32FF),
    (0x3300, 0x33FF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
)


def table_characters() -> list[str]:
    """The 8,105 characters, checked: one per line, none repeated."""
    lines = [line for line in CHARACTER_LIST.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    if len(lines) != 8105 or len(set(lines)) != 8105 or any(len(line) != 1 for line in lines):
        raise SystemExit(f"{CHARACTER_LIST}: expected 8105 distinct single characters, found {len(lines)}")
    return lines


def load_source(path: Path) -> TTFont:
    """The SC face: from a collection (.ttc) by its family name, else the file itself."""
    if path.suffix.lower() != ".ttc":
        return TTFont(str(path))
    for font in TTCollection(str(path)).fonts:
        if font["name"].getDebugName(1) == SOURCE_FACE:
            return font
    raise SystemExit(f"{path}: no face named {SOURCE_FACE!r}")


def rename(font: TTFont) -> None:
    """A modified OFL font gets its own name; copyright and licence records are kept."""
    names = {1: FAMILY, 3: f"{POSTSCRIPT};subset of {font['name'].getDebugName(3)}", 4: FAMILY, 6: POSTSCRIPT,
             16: FAMILY, 17: "Regular"}
    table = font["name"]
    table.names = [record for record in table.names if record.nameID not in names or record.nameID in (2,)]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        for key in ("FullName", "FamilyName"):
            if hasattr(top, key):
                setattr(top, key, FAMILY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEBIAN_SOURCE, help="Noto Sans CJK SC .otf or the Debian .ttc")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    table = {ord(char) for char in table_characters()}
    codepoints = set(table)
    for low, high in RANGES:
        codepoints.update(range(low, high + 1))
    font = load_source(args.source)
    cmap = font.getBestCmap()
    missing = [chr(c) for c in sorted(table) if c not in cmap]
    if missing:
        raise SystemExit(f"{args.source} lacks {len(missing)} table characters: {''.join(missing[:50])}")
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]  # vertical forms, proportional digits, fractions: cheap, and PowerPoint uses them
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    rename(font)
    font["head"].modified = font["head"].created  # byte-stable: no run date in the file
    font.recalcTimestamp = False
    args.out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(args.out))
    print(f"{args.out}: {len(font.getBestCmap())} characters, {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
