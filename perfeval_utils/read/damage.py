"""Why a reader failed on a sheet: the sheet XML walked once more, only after calamine refused it (or
panicked in Rust), to name the cell — a decimal comma in a number, a shared-string index out of
range, an unknown cell type, an address such as $C$2, a time cell beyond the dates Excel knows — so
that a good workbook pays nothing for the diagnosis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from perfeval_utils.read.sheetxml import (
    FORMAT_LITERAL,
    MERGE_TAG,
    V_ELEMENT,
    cell_formats,
    column_letters,
    tags,
    walk_cells,
    xml_attrs,
    xml_text,
)

_FLOAT: Final = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$", re.I)
_PLAIN_REF: Final = re.compile(rb"^[A-Za-z]{1,3}[1-9]\d{0,6}$")
_PLAIN_RANGE: Final = re.compile(rb"^[A-Za-z]{1,3}[1-9]\d{0,6}(?::[A-Za-z]{1,3}[1-9]\d{0,6})?$")
_BOOLEAN: Final = {"0", "1", "true", "false"}
_TYPES: Final = {"n", "s", "str", "inlineStr", "b", "e", "d"}
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$")


@dataclass(frozen=True, slots=True)
class Damage:
    """One cell calamine cannot read: where, what is stored, what was expected."""

    ref: str
    row: int
    col: int
    problem: str
    found: str
    expected: str


_DATE_IDS: Final = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_DATE_TOKEN: Final = re.compile(r"[yYmMdDhHsS]")
#: Excel's dates run from serial 0 (1900-01-00) to 2958465 (9999-12-31).
_LAST_DATE: Final = 2958466


def date_styles(styles: bytes) -> set[int]:
    """cellXfs indices whose number format shows a date or a time (asked only after a reader failed)."""
    return {index for index, (fmt, code) in enumerate(cell_formats(styles))
            if fmt in _DATE_IDS or (code and _DATE_TOKEN.search(FORMAT_LITERAL.sub("", code)))}


def locate_damage(xml: bytes, shared_strings: int, dates: set[int] | frozenset[int] = frozenset()) -> Damage | None:
    """The first cell whose stored value no reader can take, or None: run only after a reader failed."""
    for match in tags(xml, b"mergeCell", MERGE_TAG):
        ref = xml_attrs(match.group(1)).get(b"ref", b"")
        if not _PLAIN_RANGE.match(ref):
            text = ref.decode("utf-8", "replace")
            return Damage(text, 0, -1, "a merged range is written in a form readers do not take ($, character "
                          "references, blanks)", text, "a range such as C2:C3")
    for row, col, attrs, body, _ in walk_cells(xml):
        ref = attrs.get(b"r")
        if col < 0:
            if ref is not None and (not ref.strip().isdigit() or int(ref.strip()[:8]) == 0):
                return Damage(f"row {row}", 0, -1, "a row number is not a number from 1", ref.decode("utf-8",
                              "replace"), "a row number such as 2")
            continue
        if ref is not None and not _PLAIN_REF.match(ref):
            return Damage(ref.decode("utf-8", "replace"), row, col, "the cell address is not an address",
                          ref.decode("utf-8", "replace"), "an address such as C2")
        where = f"{column_letters(col)}{row}"
        kind = (xml_text(attrs.get(b"t")) or "n")
        v_match = V_ELEMENT.search(body)
        value = xml_text(v_match.group(1)) if v_match and v_match.group(1) is not None else None
        if kind not in _TYPES:
            return Damage(where, row, col, f"the cell has the unknown type t={kind!r}", kind,
                          "one of n, s, str, inlineStr, b, e, d")
        if value is None:
            continue
        style = attrs.get(b"s", b"")
        if kind == "n" and dates and style.isdigit() and int(style) in dates and _FLOAT.match(value) and not (
                -1 < float(value) < _LAST_DATE):
            return Damage(where, row, col, f"a date or time cell stores {value}, outside Excel's dates (1900–9999)",
                          value, "a date from 1900 to 9999, or a number in a cell formatted as 常规")
        if kind == "n" and not _FLOAT.match(value):
            comma = "," in value and _FLOAT.match(value.replace(",", ".")) is not None
            return Damage(where, row, col, "a number cell stores a decimal comma" if comma else
                          "a number cell stores something that is not a number", value,
                          "a number with a decimal point, e.g. 1415.43 (written by a program, not by Excel?)")
        if kind == "s" and (not value.strip().isdigit() or int(value.strip()[:12]) >= shared_strings):
            return Damage(where, row, col, f"the cell points at shared string {value}, but the workbook has "
                          f"{shared_strings or 'none'}", value,
                          f"an index from 0 to {shared_strings - 1}" if shared_strings else "no shared-string cell")
        if kind == "b" and value.strip().lower() not in _BOOLEAN:
            return Damage(where, row, col, "a TRUE/FALSE cell stores something else", value, "0 or 1")
        if kind == "e":
            return Damage(where, row, col, f"the cell holds the Excel error {value}", value,
                          "a value (an error value is no figure)")
        if kind == "d" and not _ISO_DATE.match(value.strip()):
            return Damage(where, row, col, "a date cell stores something that is not a date", value,
                          "an ISO date such as 2023-05-29")
    return None
