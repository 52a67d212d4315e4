"""The layout of a v1 sheet: headers in row 1, no merged or uncalculated cells, no value outside
the table. Each check raises a located error that says how to fix the sheet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfeval_utils.cells import Cell, cell_text, is_blank
from perfeval_utils.errors import (
    CellTypeError,
    DuplicateIdError,
    FormulaError,
    MergedCellError,
    MissingColumnError,
    UnexpectedColumnError,
)
from perfeval_utils.read.convert import CellReader, header_at, normalise_header
from perfeval_utils.read.package import SheetScan, column_letters
from perfeval_utils.report import sheet_frame
from perfeval_utils.schema import Sheet


def refuse_uncalculated(cells: CellReader, scan: SheetScan, header_names: list[str]) -> None:
    """A formula never calculated would load as a blank; an Excel error value too. Refuse both."""
    for cell in scan.formulas:
        column = header_at(header_names, cell.col)
        if cell.error:
            raise cells.error(
                FormulaError, f"cell {cell.ref} shows the Excel error {cell.cached or '#VALUE!'}"
                + (f" from the formula ={cell.formula}" if cell.formula else ""),
                cell.row, column, found=cell.cached, expected="a value (calamine would read the error as a blank)",
                fix="correct the formula or type the figure the report prints",
            )
        if cell.cached is None:
            raise cells.error(
                FormulaError, f"cell {cell.ref} holds the formula ={cell.formula or '…(shared)'} with no calculated "
                "value (written by a program that never calculated it); it would load as a blank",
                cell.row, column, found=f"={cell.formula}" if cell.formula else None,
                expected="a calculated value", fix="open and save in Excel (or WPS) to calculate, "
                "or type the figure the report prints",
            )


def refuse_merged(cells: CellReader, scan: SheetScan, rows: list[list[Cell]], header_names: list[str],
                   header_row: bool) -> None:
    """Merged cells keep their value in the first cell only: the others would load as blanks."""
    for first_row, first_col, last_row, last_col in scan.merged:
        if (first_row == 1) != header_row or (first_row == last_row and first_col == last_col):
            continue
        if first_row > len(rows):
            continue
        top = rows[first_row - 1]
        value = top[first_col] if first_col < len(top) else ""
        _refuse_covered(cells, rows, header_names, (first_row, first_col, last_row, last_col))
        if is_blank(value):
            continue
        blank_row, blank_col = (first_row, first_col + 1) if last_col > first_col else (first_row + 1, first_col)
        ref = f"{column_letters(first_col)}{first_row}:{column_letters(last_col)}{last_row}"
        raise cells.error(
            MergedCellError,
            f"cells {ref} are merged: the value is stored in {column_letters(first_col)}{first_row} only, and "
            f"{column_letters(blank_col)}{blank_row} would load as blank",
            blank_row, header_at(header_names, blank_col), found=value,
            expected="one value in every cell (no merged cells in the table)",
            fix=f"unmerge {ref} (取消单元格合并) and fill the value into every row it covers",
        )


def _refuse_covered(cells: CellReader, rows: list[list[Cell]], header_names: list[str],
                    merged: tuple[int, int, int, int]) -> None:
    """A value in a merged range's other cells: stored, loaded by calamine, but Excel does not show it."""
    first_row, first_col, last_row, last_col = merged
    ref = f"{column_letters(first_col)}{first_row}:{column_letters(last_col)}{last_row}"
    for r in range(first_row, min(last_row, len(rows)) + 1):
        row = rows[r - 1]
        for c in range(first_col, min(last_col + 1, len(row))):
            if (r, c) != (first_row, first_col) and not is_blank(row[c]):
                raise cells.error(
                    MergedCellError,
                    f"cell {column_letters(c)}{r} lies under the merged range {ref}: it stores {row[c]!r}, which "
                    f"Excel does not show (only {column_letters(first_col)}{first_row} is shown)",
                    r, header_at(header_names, c), found=row[c],
                    expected="no value hidden under a merge (no merged cells in the table)",
                    fix=f"unmerge {ref} (取消单元格合并), check which value is right and fill it into every row",
                )


def refuse_nonfinite(cells: CellReader, scan: SheetScan, header_names: list[str]) -> None:
    """NaN, infinity or a number beyond the float range stored in the XML, whatever the cell's format.

    calamine turns NaN in a date-formatted cell into 1899-12-30, so the value it returns cannot tell.
    """
    for (row, col), stored in sorted(scan.nonfinite.items()):
        raise cells.error(
            CellTypeError, f"cell {column_letters(col)}{row} stores {stored!r}, which is no number (Excel shows "
            "#NUM! or nothing for it)", row, header_at(header_names, col), found=stored,
            expected="a finite number", fix="type the figure the report prints; if a program wrote the file, "
            "have it fixed",
        )


def header_row_below(rows: list[list[Cell]], sheet: Sheet, optional_headers: frozenset[str]) -> int | None:
    """The Excel row (2–6) holding every required header, when row 1 does not: a title row above the table."""
    required = {h for h in sheet.headers if h not in optional_headers}
    for index in range(1, min(len(rows), 6)):
        if required <= {normalise_header(v) for v in rows[index]}:
            return index + 1
    return None


def _header_hint(header: str, sheet: Sheet) -> str:
    for known in sheet.headers:
        if header.startswith(known) and header != known:
            return f"write {known} (a unit or note belongs in 基本信息 金额单位 or 出处, not in the header)"
    guess = near_miss(header, sheet.headers)
    if guess:
        return f"write {guess}"
    return "correct the header's spelling or delete the column"


def map_headers(
    rows: list[list[Cell]], sheet: Sheet, path: Path, optional_headers: frozenset[str],
    header_names: list[str] | None = None,
) -> dict[str, int]:
    """Header → column index; every documented header must be present, no unknown one."""
    positions: dict[str, int] = {}
    names = header_names if header_names is not None else [normalise_header(v) for v in rows[0]]
    for at, (value, header) in enumerate(zip(rows[0], names, strict=False)):
        if not header:
            continue
        if header not in sheet.headers:
            raise UnexpectedColumnError(
                "unknown column header",
                file=path, sheet=sheet.title, row=1, column=header, found=value,
                expected="one of " + ", ".join(sheet.headers),
                fix=_header_hint(header, sheet),
            )
        if header in positions:
            raise UnexpectedColumnError(
                "column header appears twice",
                file=path, sheet=sheet.title, row=1, column=header, found=value,
                expected="each header once",
            )
        positions[header] = at
    for header in sheet.headers:
        if header not in positions and header not in optional_headers:
            raise MissingColumnError(
                "required column is missing",
                file=path, sheet=sheet.title, row=1, column=header,
                found=[cell_text(v) for v in rows[0] if not is_blank(v)],
                expected="headers " + ", ".join(sheet.headers),
                fix=f"add a column headed {header} in row 1",
            )
    return positions


def refuse_orphans(row: list[Cell], known: set[int], sheet: Sheet, path: Path, index: int) -> None:
    """A value under no header would be lost: refuse it rather than drop it."""
    for at, value in enumerate(row):
        if at not in known and not is_blank(value):
            raise UnexpectedColumnError(
                "a value stands in a column without a header (it would be lost)",
                file=path, sheet=sheet.title, row=index, column=column_letters(at), found=value,
                expected="values only under the headers " + ", ".join(sheet.headers),
                fix="add the header or move the value",
            )



def near_miss(text: str, allowed: Sequence[str]) -> str | None:
    """A fixed value typed slightly wrong (one character off, or with blanks inside)."""
    squeezed = re.sub(r"\s+", "", text)
    for option in allowed:
        if text == option:
            return None
        if squeezed == option:
            return option
        if len(squeezed) == len(option) and sum(a != b for a, b in zip(squeezed, option, strict=True)) == 1:
            return option
    return None


@dataclass
class Table:
    """A sheet's converted records (each ending with its Excel row), checked as Python lists, then one frame."""

    sheet: Sheet
    records: list[list[Any]]
    rows: list[list[Cell]]
    positions: dict[str, int]

    def column(self, name: str) -> list[Any]:
        at = self.sheet.names.index(name) if name != "excel_row" else -1
        return [record[at] for record in self.records]

    def set_column(self, name: str, values: Sequence[Any]) -> None:
        at = self.sheet.names.index(name)
        for record, value in zip(self.records, values, strict=True):
            record[at] = value

    def header(self, name: str) -> str:
        return next(c.header for c in self.sheet.columns if c.name == name)

    def frame(self) -> pd.DataFrame:
        return sheet_frame(self.records, self.sheet)


def refuse_duplicate_ids(table: Table, path: Path) -> None:
    """编号 are unique; 1 and １ (full-width) or 1 and 1 with an invisible blank count as the same."""
    sheet = table.sheet
    if sheet.id_column is None or not table.records:
        return
    header = table.header(sheet.id_column)
    seen: dict[str, tuple[str, int]] = {}
    for value, row in zip(table.column(sheet.id_column), table.column("excel_row"), strict=True):
        key = value if value.isascii() else normalise_header(value)
        if key in seen:
            first, first_row = seen[key]
            same = "" if first == value else f" ({first!r} and {value!r} differ only in full-width or blank characters)"
            raise DuplicateIdError(
                f"{header} {value} appears twice (rows {first_row} and {row}){same}",
                file=path, sheet=sheet.title, row=int(row), column=header, found=value,
                expected=f"a unique {header}", fix="renumber one of the two rows",
            )
        seen[key] = (value, int(row))
