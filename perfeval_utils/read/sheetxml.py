"""What a worksheet's XML says that calamine does not report, read with regular expressions (no
XML tree is built, no entity expanded).

:func:`sheet_extent` bounds how far a sheet's cells and merges reach, for every worksheet part of
the package, before any reader allocates for it (one stray cell at XFD1048576 makes calamine try
to allocate 512 GiB and abort the process). :func:`scan_sheet` finds, for the sheets a reader
wants: formula cells with and without a cached value, Excel error cells (``t="e"`` in any
spelling: calamine reads ``#DIV/0!`` as a blank), hidden or zero-height rows and columns, merged
ranges in every legal syntax, and cells whose number format changes what a person sees (percent,
scaling, ``;;;`` hidden). :mod:`perfeval_utils.read.damage` names the cell a reader failed on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

# ---- small XML helpers ----------------------------------------------------------------------

_ATTR: Final = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_XML_ENTITY: Final = re.compile(r"&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|quot|apos|amp));")
_NAMED: Final = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}
_TRUE: Final = (b"1", b"true")


def xml_attrs(raw: bytes) -> dict[bytes, bytes]:
    """Attributes of one start tag, namespace prefixes dropped, either quote."""
    return {m.group(1).rpartition(b":")[2]: (m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(raw)}


def _unescape(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal[:8]) if decimal else int(hexadecimal[:8], 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def xml_text(raw: bytes | None) -> str | None:
    """An attribute value or element text, XML references resolved (&amp; and &#22522; alike)."""
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    return _XML_ENTITY.sub(_unescape, text) if "&" in text else text


def column_index(letters: str) -> int:
    """'A' → 0, 'AA' → 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letters(index: int) -> str:
    """0 → 'A', 26 → 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_REF: Final = re.compile(r"^\s*\$?([A-Za-z]{1,3})\$?(\d{1,7})\s*$")


def split_ref(ref: str) -> tuple[int, int] | None:
    """'C2' (also 'c2', '$C$2') → (0-based column, 1-based row); None when it is no cell address."""
    match = _REF.match(ref)
    if not match or int(match.group(2)) == 0:
        return None
    return column_index(match.group(1)), int(match.group(2))


# ---- limits ---------------------------------------------------------------------------------

#: Readers read a sheet from A1 as a rectangle: rows × columns cells are allocated (calamine about
#: 32 bytes a cell, the Python rows 8 more). Four million cells stay under 500 MB in all; a v1
#: workbook has a few thousand, the largest official form a few tens of thousands.
MAX_CELLS: Final = 4_000_000
#: Excel's own bounds.
EXCEL_ROWS: Final = 1_048_576
EXCEL_COLUMNS: Final = 16_384


# ---- number formats -------------------------------------------------------------------------

_BUILTIN_PERCENT: Final = {9, 10}
FORMAT_LITERAL: Final = re.compile(r'"[^"]*"|\\.|!.|_.|\*.|\[[^\]]*\]')
_SCALING_COMMA: Final = re.compile(r"[0#?],+(?![0#?,])")
_LITERAL_POINT: Final = re.compile(r'[0#?](?:!\.|\\\.|"\.")[0#?]')
_NUMFMT: Final = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_CELLXFS: Final = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?cellXfs>)", re.S)
_XF: Final = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)/?>")


def _sections(code: str) -> list[str]:
    """A format code's sections (positive; negative; zero; text), split outside quotes."""
    out, current, quoted, escaped = [], [], False, False
    for char in code:
        if escaped:
            current.append(char)
            escaped = False
        elif char in "\\!":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out


def classify_format(code: str) -> str | None:
    """What a number format does to what a person sees: 'percent', 'scaled', 'hidden' or None.

    ``0.00%`` shows 1415.43 as 141543.00%; ``#,##0,`` and ``0.0,,`` divide by a thousand / a
    million on display, ``0!.0000`` by ten thousand (the 万元 trick); ``;;;`` shows nothing.
    """
    sections = _sections(code)
    if len(sections) >= 3 and all(not FORMAT_LITERAL.sub("", s).strip() and '"' not in s for s in sections[:3]):
        return "hidden"
    first = sections[0]
    if _LITERAL_POINT.search(first):
        return "scaled"
    bare = FORMAT_LITERAL.sub("", first)
    if "%" in bare:
        return "percent"
    if _SCALING_COMMA.search(bare):
        return "scaled"
    return None


def cell_formats(styles: bytes) -> list[tuple[int, str]]:
    """Each cellXfs index's number format: (numFmtId, format code; '' for a built-in format)."""
    codes: dict[int, str] = {}
    for match in _NUMFMT.finditer(styles):
        attrs = xml_attrs(match.group(1))
        number = attrs.get(b"numFmtId", b"")
        if number.isdigit():
            codes[int(number)] = xml_text(attrs.get(b"formatCode")) or ""
    xfs = _CELLXFS.search(styles)
    out = []
    for match in _XF.finditer(xfs.group(1) or b"") if xfs else ():
        number = xml_attrs(match.group(1)).get(b"numFmtId", b"0")
        fmt = int(number) if number.isdigit() else 0
        out.append((fmt, codes.get(fmt, "")))
    return out


def format_styles(styles: bytes) -> dict[int, tuple[str, str]]:
    """cellXfs index → (what its format does, the format code), for the formats that change what is seen."""
    out: dict[int, tuple[str, str]] = {}
    for index, (fmt, code) in enumerate(cell_formats(styles)):
        if fmt in _BUILTIN_PERCENT:
            out[index] = ("percent", "0%" if fmt == 9 else "0.00%")
        elif code and (kind := classify_format(code)) is not None:
            out[index] = (kind, code)
    return out


# ---- what the scan reports ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """A cell with a formula (``=…``) or an Excel error value, as stored in the worksheet XML."""

    ref: str  # A1-style address
    row: int  # Excel row, 1-based
    col: int  # column index, 0-based
    formula: str | None  # the formula text without '=' (None for a shared formula's followers)
    cached: str | None  # the stored value as text; None when the formula was never calculated
    error: bool  # the stored value is an Excel error (#DIV/0!, #REF!, #N/A, ...)


@dataclass(slots=True)
class SheetScan:
    """What a worksheet's XML says that calamine does not report."""

    name: str
    part: str
    state: str = "visible"  # visible / hidden / veryHidden
    formulas: list[FormulaCell] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # Excel rows, 1-based
    hidden_columns: set[int] = field(default_factory=set)  # 0-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, first col, last row, last col
    #: (Excel row, 0-based col) → the stored text of a number that is NaN, infinite or beyond the float range
    nonfinite: dict[tuple[int, int], str] = field(default_factory=dict)
    #: (Excel row, 0-based col) → (what the format does: percent / scaled / hidden, the format code)
    shown: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)

    @property
    def percent_cells(self) -> set[tuple[int, int]]:
        return {place for place, (kind, _) in self.shown.items() if kind == "percent"}


@dataclass(frozen=True, slots=True)
class Extent:
    """How far a sheet reaches: its last row and column (1-based) and the cell or range that reaches furthest."""

    rows: int
    columns: int
    row_at: str
    column_at: str

    @property
    def cells(self) -> int:
        return self.rows * self.columns


# ---- extent ---------------------------------------------------------------------------------

_C_OPEN: Final = re.compile(rb"<(?:\w+:)?c[\s/>]")
#: A cell start tag with a plain address (r="C2", also lower case or with $): its letters and digits.
_C_REF: Final = re.compile(rb"<(?:\w+:)?c\s[^>]*?(?<![\w:.-])r\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_DIMENSION: Final = re.compile(rb"<(?:\w+:)?dimension\b([^>]*?)/?>")
#: Every cell start tag: a plain address (r="C2") gives its letters and digits, any other
#: spelling (no r, lower case, $, another attribute first) gives _NOT_PLAIN.
_C_REF_PLAIN: Final = re.compile(rb'<c(?: r="([A-Z]{1,3})(\d{1,7})"|(?=[\s/>]))')
_NOT_PLAIN: Final = (b"", b"")
#: A cell tag with a namespace prefix (<x:c …>), which _C_REF_PLAIN does not see: then walk.
_PREFIXED_C: Final = re.compile(rb":c[\s/>]")
MERGE_TAG: Final = re.compile(rb"<(?:\w+:)?mergeCell\b([^>]*?)/?>")
_TOKEN: Final = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>|</(?:\w+:)?row>")


def tags(xml: bytes, name: bytes, pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """``pattern.finditer(xml)`` for a pattern ``<(?:\\w+:)?NAME…``, found from each occurrence of ``name``.

    re tries a pattern that starts ``<(?:\\w+:)?`` at every ``<`` of a sheet (thousands); finding the
    name first is a fast byte search, and the tag's ``<`` is the last one before it (a prefix holds none).
    """
    pos = xml.find(name)
    while pos >= 0:
        start = xml.rfind(b"<", 0, pos)
        match = pattern.match(xml, start) if start >= 0 else None
        if match is not None:
            yield match
            pos = xml.find(name, match.end())
        else:
            pos = xml.find(name, pos + 1)


#: A merged range: first row, first column, last row, last column (0-based columns), and its ref as written.
Span = tuple[int, int, int, int, str]


def merges(xml: bytes) -> list[Span]:
    """Merged ranges in any legal spelling (either quote, a prefix, $, lower case, corners reversed)."""
    out = []
    if b"mergeCell" not in xml:
        return out
    for match in tags(xml, b"mergeCell", MERGE_TAG):
        ref = xml_text(xml_attrs(match.group(1)).get(b"ref")) or ""
        first, _, last = ref.partition(":")
        a, b = split_ref(first), split_ref(last or first)
        if a is None or b is None:
            continue
        (c1, r1), (c2, r2) = a, b
        out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2), ref.strip()))
    return out


Refs = list[tuple[bytes, bytes]]


def cell_refs(xml: bytes) -> Refs | None:
    """(letters, digits) of every cell's address; None when some cell has no plain address (then walk)."""
    refs = _C_REF_PLAIN.findall(xml)  # what Excel, WPS and openpyxl write: one pass
    if _NOT_PLAIN in refs or _PREFIXED_C.search(xml) is not None:
        refs = [(letters.upper(), digits) for letters, digits in _C_REF.findall(xml)]
        if len(refs) != len(_C_OPEN.findall(xml)):
            return None
    return refs


def sheet_extent(xml: bytes, refs: Refs | None = None, spans: list[Span] | None = None) -> Extent:
    """The last row and column any cell or merge of the sheet reaches, as calamine would place them."""
    refs = cell_refs(xml) if refs is None else refs
    rows, columns, row_at, column_at = 0, 0, "", ""
    if refs is not None:  # every cell has a plain address: no walk needed
        if refs:  # C-level passes only: a sheet has thousands of cells
            letters, digits = zip(*refs, strict=True)
            numbers = list(map(int, digits))
            rows = max(numbers)
            at = numbers.index(rows)
            row_at = (letters[at] + digits[at]).decode()
            widest = max(set(letters), key=lambda name: (len(name), name))
            columns = column_index(widest.decode()) + 1
            at = letters.index(widest)
            column_at = (letters[at] + digits[at]).decode()
    else:
        for row, col, _, _, _ in walk_cells(xml):
            if row > rows:
                rows, row_at = row, f"{column_letters(col)}{row}"
            if col + 1 > columns:
                columns, column_at = col + 1, f"{column_letters(col)}{row}"
    dimension = next(tags(xml, b"dimension", _DIMENSION), None)
    spans = merges(xml) if spans is None else list(spans)  # a copy: the dimension is added below
    if dimension:
        last = split_ref((xml_text(xml_attrs(dimension.group(1)).get(b"ref")) or "").rpartition(":")[2])
        if last is not None:
            spans.append((last[1], last[0], last[1], last[0], "<dimension>"))
    for _, _, r2, c2, ref in spans:
        if r2 > rows:
            rows, row_at = r2, ref
        if c2 + 1 > columns:
            columns, column_at = c2 + 1, ref
    return Extent(rows, columns, row_at, column_at)


def sheet_repeats(refs: Refs | None) -> str | None:
    """An address written on two cells (calamine keeps the last, Excel refuses the file), or None."""
    if refs is None or len(set(refs)) == len(refs):
        return None
    seen = set()
    for ref in refs:
        if ref in seen:
            return (ref[0] + ref[1]).decode()
        seen.add(ref)
    return None


def walk_cells(xml: bytes):  # type: ignore[no-untyped-def]
    """(row, col, attributes, body, closing position) of every cell in order; positions implied where r is absent."""
    row, col, pos = 0, -1, 0
    while True:
        match = _TOKEN.search(xml, pos)
        if match is None:
            return
        pos = match.end()
        kind = match.group(1)
        if kind is None:  # </row>
            continue
        attrs = xml_attrs(match.group(2))
        if kind == b"row":
            number = attrs.get(b"r", b"")
            row = int(number[:8]) if number.isdigit() else row + 1
            col = -1
            yield row, -1, attrs, b"", pos
            continue
        ref = attrs.get(b"r")
        place = split_ref(ref.decode("latin-1")) if ref is not None else None
        if place is not None:
            col, row = place
        else:
            col += 1
        body = b""
        if not match.group(3):  # not self-closing: the body runs to </c>
            end = _CELL_END.search(xml, pos)
            if end is None:
                return
            body = xml[pos:end.start()]
            pos = end.end()
        yield row, col, attrs, body, pos


# ---- the scan of a wanted sheet -------------------------------------------------------------

_CELL_END: Final = re.compile(rb"</(?:\w+:)?c>")
_F_ELEMENT: Final = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
V_ELEMENT: Final = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_FORMULA_OPEN: Final = re.compile(rb"<(?:\w+:)?f[\s/>]")
_ERROR_TYPE: Final = re.compile(rb"t\s*=\s*[\"']e[\"']")
_COL_ELEMENT: Final = re.compile(rb"<(?:\w+:)?col\b([^>]*?)/?>")
_ZERO: Final = re.compile(rb"^0*\.?0*$")
_ZERO_HEIGHT: Final = re.compile(rb"ht\s*=\s*[\"']0*\.?0*[\"']")
_ZERO_WIDTH: Final = re.compile(rb"width\s*=\s*[\"']0*\.?0*[\"']")


def _has_attribute(pattern: re.Pattern[bytes], xml: bytes) -> bool:
    """Does an attribute (not the tail of a longer name: right="0.75" is no ht) match? A literal-first
    pattern lets re skip ahead fast; a look-behind at its start would not."""
    return any(m.start() == 0 or xml[m.start() - 1] in b" \t\r\n:" for m in pattern.finditer(xml))


# Quick tests whether a sheet can hold a formula, an error cell or a hidden row at all. A regular
# expression that starts with a literal (re skips ahead to it) reads a sheet two to three times
# faster than ``b"<f" in xml``; each hint only decides whether the exact pattern is tried.
_HIDDEN: Final = re.compile(rb"hidden")
_FORMULA_HINTS: Final = (re.compile(rb"<f[\s/>]"), re.compile(rb":f[\s/>]"))
_ERROR_HINTS: Final = (re.compile(rb'"e"'), re.compile(rb"'e'"))


def _any(hints: tuple[re.Pattern[bytes], ...], xml: bytes) -> bool:
    return any(hint.search(xml) is not None for hint in hints)


def _zero(value: bytes | None) -> bool:
    return value is not None and value.strip() != b"" and _ZERO.match(value.strip()) is not None


def scan_sheet(name: str, part: str, xml: bytes, state: str = "visible",
               shown: dict[int, tuple[str, str]] | None = None, spans: list[Span] | None = None) -> SheetScan:
    """Formula and error cells, hidden rows/columns, merges and specially formatted cells of one worksheet."""
    scan = SheetScan(name, part, state)
    scan.merged = [(r1, c1, r2, c2) for r1, c1, r2, c2, _ in (merges(xml) if spans is None else spans)]
    hidden = _HIDDEN.search(xml) is not None
    if hidden or _has_attribute(_ZERO_WIDTH, xml):
        for match in _COL_ELEMENT.finditer(xml):
            attrs = xml_attrs(match.group(1))
            if attrs.get(b"hidden") in _TRUE or _zero(attrs.get(b"width")):
                low, high = attrs.get(b"min", b"1"), attrs.get(b"max", b"1")
                if low.isdigit() and high.isdigit():
                    scan.hidden_columns.update(range(int(low[:6]) - 1, min(int(high[:6]), EXCEL_COLUMNS)))
    shown = shown or {}
    formulas = _any(_FORMULA_HINTS, xml) and _FORMULA_OPEN.search(xml) is not None
    hidden_rows = hidden or _has_attribute(_ZERO_HEIGHT, xml)
    styled = bool(shown) and re.search(rb"\ss\s*=\s*[\"'](?:%s)[\"']" % b"|".join(b"%d" % i for i in shown), xml)
    odd = _ODD_HINT.search(xml) is not None
    errors = _any(_ERROR_HINTS, xml) and _has_attribute(_ERROR_TYPE, xml)
    if formulas or errors or hidden_rows or styled or odd:
        _scan_cells(scan, xml, shown)
    return scan


#: A stored number that may not be finite: nan, inf, infinity, or an exponent of three digits.
_ODD_NUMBER: Final = re.compile(rb"<(?:\w+:)?v>\s*[+-]?(?:[Nn][Aa][Nn]|[Ii][Nn][Ff]|[\d.]+[eE]\+?\d{3})")
#: The same without the tag's start: a literal first lets re skip ahead (every ``<`` tried the prefix);
#: it may also match after ``</v>``, which only sends the sheet to the exact cell walk.
_ODD_HINT: Final = re.compile(rb"v>\s*[+-]?(?:[Nn][Aa][Nn]|[Ii][Nn][Ff]|[\d.]+[eE]\+?\d{3})")


def _finite(text: bytes) -> bool:
    try:
        return abs(float(text)) < float("inf")
    except ValueError:
        return True  # not a number at all: locate_damage names it when calamine refuses it


def _scan_cells(scan: SheetScan, xml: bytes, shown: dict[int, tuple[str, str]]) -> None:
    for row, col, attrs, body, _ in walk_cells(xml):
        if col < 0:  # a <row>
            if attrs.get(b"hidden") in _TRUE or (_zero(attrs.get(b"ht")) and b"ht" in attrs):
                scan.hidden_rows.add(row)
            continue
        style = attrs.get(b"s")
        if shown and style is not None and style.isdigit() and int(style) in shown:
            scan.shown[(row, col)] = shown[int(style)]
        is_error = attrs.get(b"t") == b"e"
        if b"<v" in body and attrs.get(b"t", b"n") == b"n":
            stored = V_ELEMENT.search(body)
            text = (stored.group(1) or b"").strip() if stored else b""
            if _ODD_NUMBER.search(b"<v>" + text) and not _finite(text):
                scan.nonfinite[(row, col)] = text.decode("utf-8", "replace")
        f_match = _F_ELEMENT.search(body) if b"f" in body else None
        if f_match is None and not is_error:
            continue
        v_match = V_ELEMENT.search(body)
        cached = xml_text(v_match.group(1)) if v_match else None
        if cached == "" and attrs.get(b"t") not in (b"str", b"inlineStr"):
            cached = None  # <v></v> on a number cell: openpyxl's way of writing a formula it never calculated
        formula = xml_text(f_match.group(1)) if f_match else None
        scan.formulas.append(FormulaCell(f"{column_letters(col)}{row}", row, col, formula, cached, is_error))
