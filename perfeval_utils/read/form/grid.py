"""One sheet or one document as a grid of cells, whatever it was read from.

The form logic (header words, tables, records) works on a :class:`Grid`: the non-blank cells by
(row, column), the number format of each, and merged ranges (every cell of a range reads as its
top-left cell). An .xlsx sheet (openpyxl), an .xls/.et sheet (calamine), a Word or web-page table
and a PDF page's tables all become one, so a form reads the same whatever format it came in.
``place`` names a cell for 出处 and for ``unplaced``: ``自评表!E12`` for a spreadsheet, ``表2 第3行第5列``
for a document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from perfeval_utils.cells import decimal_from_excel, is_blank, is_number, strip_text

__all__ = ["Grid", "excel_place"]

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


def column_letter(c: int) -> str:
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_place(title: str) -> Callable[[int, int], str]:
    """``自评表!E12``: how a spreadsheet cell is named."""
    return lambda r, c: f"{title}!{column_letter(c)}{r}"


def _decimals(number_format: str) -> int:
    match = re.search(r"\.(0+)", number_format)
    return len(match.group(1)) if match else 0


def plain(number: Decimal) -> str:
    return format(number, "f")


class Grid:
    """The non-blank cells of one sheet or document, merged ranges filled from their top-left cell."""

    def __init__(self, title: str, values: dict[tuple[int, int], Any], *,
                 formats: dict[tuple[int, int], str] | None = None, merges: Sequence[Merge] = (),
                 place: Callable[[int, int], str] | None = None) -> None:
        self.title = title
        self.values = {key: value for key, value in values.items() if not is_blank(value)}
        self.formats = formats or {}
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for r0, c0, r1, c1 in merges:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.anchor[(r, c)] = (r0, c0)
        cells = [*self.values, *self.anchor]
        self.max_row = max((r for r, _ in cells), default=0)
        self.max_col = max((c for _, c in cells), default=0)
        self.place = place or excel_place(title)
        #: False for a grid read by calamine (.xls/.et): numbers come without their format (a 100 % cell reads 1)
        self.formats_known = True

    @classmethod
    def from_openpyxl(cls, sheet: Any) -> Grid:
        """An .xlsx worksheet (opened with openpyxl from bytes the package check passed)."""
        values: dict[tuple[int, int], Any] = {}
        formats: dict[tuple[int, int], str] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if not is_blank(cell.value):
                    values[(cell.row, cell.column)] = cell.value
                    formats[(cell.row, cell.column)] = cell.number_format or "General"
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
        return cls(sheet.title, values, formats=formats, merges=merges)

    @classmethod
    def from_calamine(cls, sheet: Any) -> Grid:
        """An .xls/.et sheet read by calamine (which gives no number formats: numbers show as General)."""
        values = {(r, c): value for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1)
                  for c, value in enumerate(row, start=1) if not is_blank(value)}
        merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        grid = cls(sheet.name, values, merges=merges)
        grid.formats_known = False
        return grid

    def own(self, r: int, c: int) -> Any:
        return self.values.get((r, c))

    def filled(self, r: int, c: int) -> Any:
        return self.values.get(self.anchor.get((r, c), (r, c)))

    def text(self, r: int, c: int, *, filled: bool = True) -> str | None:
        """The cell as Excel shows it (General, fixed-decimal and percent formats), stripped."""
        key = self.anchor.get((r, c), (r, c)) if filled else (r, c)
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if is_number(value):
            number = decimal_from_excel(value)
            number_format = self.formats.get(key, "General")
            if "%" in number_format:
                shown = (number * 100).quantize(Decimal(1).scaleb(-_decimals(number_format)))
                return f"{plain(shown)}%"
            if re.fullmatch(r"[#,]*0\.0+", number_format):
                return plain(number.quantize(Decimal(1).scaleb(-_decimals(number_format))))
            return plain(number)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        return strip_text(str(value))

    def number_shown(self, r: int, c: int) -> Decimal:
        """A numeric cell as Decimal; a percent-formatted one ×100 at the format's decimals (a rate as printed)."""
        number = decimal_from_excel(self.values[(r, c)])
        number_format = self.formats.get((r, c), "")
        if "%" in number_format:
            return (number * 100).quantize(Decimal(1).scaleb(-_decimals(number_format)))
        return number

    def address(self, r: int, c: int) -> str:
        return self.place(r, c)

    def row_cells(self, r: int) -> list[int]:
        """Columns of the row's own (top-left or unmerged) non-blank cells."""
        return sorted(c for (row, c) in self.values if row == r)
