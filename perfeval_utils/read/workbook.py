"""Load a v1 workbook (one department, one year) into a :class:`Report` of pandas frames.

The file is first checked as a package (:mod:`perfeval_utils.read.package`: a real .xlsx, no
zip or entity bomb, no macros; formula, error, hidden and merged cells found in the XML). It is
then read once with calamine (python-calamine, the engine pandas calls ``engine="calamine"``;
about 8× faster than openpyxl here) straight from its cells, so every value keeps its Excel
row number for error messages and for the auditor's trail. Nothing is guessed: a cell that
does not fit its column raises a :class:`WorkbookError` subclass naming the file, sheet, row,
column, the value found and what was expected. What loads but deserves a second look (a
hidden row, a formula's stored value, executed above budget …) is recorded in
``Report.warnings``. Formulas are never evaluated and macros never run.
docs/bad-inputs.md lists every decision.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from perfeval_utils import schema
from perfeval_utils.cells import (
    BLANKS,
    EXCEL_DIGITS,
    PLAIN_NUMBER,
    RATE_TEXT,
    Cell,
    cell_text,
    float_to_decimal,
    is_blank,
    is_number,
    plain_decimal,
    strip_text,
)
from perfeval_utils.errors import (
    AmbiguousValueError,
    CellTypeError,
    DuplicateIdError,
    DuplicateSheetError,
    FormulaError,
    MergedCellError,
    MetaError,
    MissingColumnError,
    MissingSheetError,
    NegativeAmountError,
    NotAWorkbookError,
    TotalRowError,
    UnexpectedColumnError,
    UnknownValueError,
    WorkbookError,
)
from perfeval_utils.read.package import PackageInfo, SheetScan, check_package, column_letters, unreadable
from perfeval_utils.report import LoadWarning, Report, sheet_frame
from perfeval_utils.schema import Column, Kind, Sheet

ZIP_MAGIC = b"PK\x03\x04"
# ---- the file ------------------------------------------------------------------------


def _open_workbook(package: PackageInfo) -> python_calamine.CalamineWorkbook:
    """calamine over the very bytes the package check read (not the file again)."""
    import io

    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package.data))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise unreadable(package.path, exc) from exc




def _expected(column: Column) -> str:
    return {
        Kind.TEXT: "text",
        Kind.AMOUNT: "an amount ≥ 0 in the workbook's 金额单位, e.g. 1415.43",
        Kind.RATE: "a percentage as printed, e.g. 98.25 or 98.25%",
        Kind.COUNT: "a whole number ≥ 0",
        Kind.DECIMAL: "a number, e.g. 98.39",
    }[column.kind]


_BARE_NUMBER_FIX = ("type the bare number (no unit, no thousands separator, no 约); "
                    "the unit is set once in 基本信息 金额单位")


class _Cells:
    """Converts the cells of one sheet; errors and warnings name the file, sheet, row and column."""

    def __init__(self, loader: _Loader, title: str, scan: SheetScan | None) -> None:
        self.loader = loader
        self.path = loader.path
        self.title = title
        self.percent = scan.percent_cells if scan is not None else set()

    def error(self, cls: type[WorkbookError], problem: str, row: int | None, column: str | None,
              **kwargs: Any) -> WorkbookError:
        return cls(problem, file=self.path, sheet=self.title, row=row, column=column, **kwargs)

    def warn(self, code: str, problem: str, row: int | None, column: str | None, found: Any = None) -> None:
        self.loader.warn(code, problem, self.title, row, column, found)

    def convert(self, value: Cell, column: Column, row: int, at: int) -> Any:
        """Read one cell as its column's kind, or raise an error that says how to fix it."""
        kind = column.kind
        if value.__class__ is str:
            text = strip_text(value)
            if not text:
                return self._blank(column, row)
            if kind is Kind.TEXT:
                return text
            return self._text_number(value, text, column, row)
        if value is None:
            return self._blank(column, row)
        if kind is Kind.TEXT:
            return cell_text(value)
        if value.__class__ is float:
            number, noisy = float_to_decimal(value)
            if noisy:
                self.warn("float-artefact", f"stored as {value!r} (binary floating-point noise, e.g. from a "
                          f"calculation); loaded as {number}, the {EXCEL_DIGITS} significant digits Excel shows",
                          row, column.header, value)
        elif value.__class__ is int:
            number = Decimal(value)
        else:
            raise self._not_a_number(value, column, row)
        if kind is Kind.RATE:
            number = self._rate(number, value, column, row, at)
        return self._checked(number, value, column, row)

    def _blank(self, column: Column, row: int) -> None:
        if column.required:
            raise self.error(CellTypeError, "required cell is blank", row, column.header, found="",
                             expected=_expected(column))
        return None

    def _text_number(self, value: str, text: str, column: Column, row: int) -> Any:
        if column.kind is Kind.RATE:
            match = RATE_TEXT.match(text)
            if match:
                return Decimal(match.group(1))
        elif PLAIN_NUMBER.match(text):
            number = Decimal(text)
            self.warn("number-as-text", f"a number stored as text; loaded as {plain_decimal(number)}", row,
                      column.header, value)
            return self._checked(number, value, column, row)
        raise self.error(CellTypeError, "text where a number belongs", row, column.header, found=value,
                         expected=_expected(column), fix=_BARE_NUMBER_FIX)

    def _not_a_number(self, value: Cell, column: Column, row: int) -> WorkbookError:
        if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
            return self.error(
                CellTypeError, "a date where a number belongs (the cell has a date or time number format)",
                row, column.header, found=value, expected=_expected(column),
                fix="format the cell as 常规 or 数值 (General / Number) and check the number it then shows",
            )
        return self.error(CellTypeError, "not a number", row, column.header, found=value,
                          expected=_expected(column), fix=_BARE_NUMBER_FIX)

    def _rate(self, number: Decimal, value: Cell, column: Column, row: int, at: int) -> Decimal:
        if (row, at) in self.percent:
            shown = plain_decimal(number * 100)
            self.warn("percent-format", f"a percent-formatted cell stores {value!r} and shows {shown}%; "
                      f"loaded as {shown}, the percentage as printed", row, column.header, value)
            return shown
        if 0 < number <= 1:
            raise self.error(
                AmbiguousValueError,
                f"{number} is ambiguous: {number} % as written, or a fraction meaning {plain_decimal(number * 100)} %",
                row, column.header, found=value,
                expected="the percentage as printed, e.g. 98.25 for 98.25 %",
                fix=f"type {plain_decimal(number * 100)} if the report prints {plain_decimal(number * 100)}%; "
                f"if it really prints {number}%, type the text {number}%",
            )
        return number

    def _checked(self, number: Decimal, value: Cell, column: Column, row: int) -> Any:
        kind = column.kind
        if kind is Kind.AMOUNT and number < 0:
            raise self.error(NegativeAmountError, "negative amount", row, column.header, found=value,
                             expected="an amount ≥ 0")
        if kind is Kind.COUNT:
            if number != number.to_integral_value() or number < 0:
                raise self.error(CellTypeError, "not a whole count", row, column.header, found=value,
                                 expected=_expected(column))
            return int(number)
        return number


# ---- sheets --------------------------------------------------------------------------


def _normalise_header(value: Cell) -> str:
    """Headers compare without blanks or invisible characters anywhere, after NFKC (⽬ → 目, （ → ()."""
    if is_blank(value):
        return ""
    text = cell_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return BLANKS.sub("", text)


def _column_letter(index: int) -> str:
    return column_letters(index)


class _Loader:
    """One load: the file, its package scan, the calamine workbook and the warnings recorded so far.

    ``SHEETS`` are the sheets of the format read; another format (the review workbook,
    :mod:`perfeval_utils.read.review`) subclasses with its own.
    """

    SHEETS: tuple[Sheet, ...] = schema.FORMAT_SHEETS

    def __init__(self, path: Path, package: PackageInfo, book: python_calamine.CalamineWorkbook) -> None:
        self.path = path
        self.package = package
        self.book = book
        self.warnings: list[LoadWarning] = []
        self.names = self._resolve_sheet_names()

    def warn(self, code: str, problem: str, sheet: str | None = None, row: int | None = None,
             column: str | None = None, found: Any = None) -> None:
        self.warnings.append(LoadWarning(code, problem, str(self.path), sheet, row, column, found))

    def _resolve_sheet_names(self) -> dict[str, str]:
        """Format sheet title → the workbook's sheet name (blanks around or inside a name are ignored)."""
        titles = {sheet.title for sheet in self.SHEETS}
        names: dict[str, str] = {}
        for name in self.book.sheet_names:
            key = _normalise_header(name)
            if key not in titles:
                self.warn("ignored-sheet", f"sheet「{name}」is not part of the v1 format and is not read", name)
                continue
            if key in names:
                raise DuplicateSheetError(
                    f"two sheets are named {key} once blanks are ignored:「{names[key]}」and「{name}」",
                    file=self.path, sheet=name, found=[names[key], name], expected=f"one sheet named {key}",
                    fix="delete or rename one of them",
                )
            if name != key:
                self.warn("sheet-name", f"sheet「{name}」is read as「{key}」(blanks in the name ignored)", name)
            names[key] = name
        return names

    def rows(self, name: str) -> list[list[Cell]]:
        """All rows of a sheet from A1, blank cells as ''; Excel row n is index n-1."""
        try:
            return self.book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (python_calamine.CalamineError, ValueError) as exc:
            raise NotAWorkbookError(
                f"sheet「{name}」cannot be read ({exc})", file=self.path, sheet=name,
                expected="an intact .xlsx workbook", fix="open it in Excel and save it again as .xlsx",
            ) from exc

    def read_table(self, sheet: Sheet, optional_headers: frozenset[str] = frozenset()) -> _Table:
        """One sheet's converted cells plus ``excel_row`` (blank rows skipped), its raw rows and header positions."""
        name = self.names.get(sheet.title)
        if name is None:
            if sheet.optional:
                return _Table(sheet, [], [], {})
            raise MissingSheetError(
                f"required sheet「{sheet.title}」is missing",
                file=self.path,
                sheet=sheet.title,
                found=list(self.book.sheet_names),
                expected=f"a sheet named {sheet.title} with headers {', '.join(sheet.headers)}",
                fix="rename the sheet or add it (see docs/workbook-format.md)",
            )
        scan = self.package.scans.get(name)
        cells = _Cells(self, sheet.title, scan)
        if scan is not None and scan.state != "visible":
            self.warn("hidden-sheet", f"the sheet is {scan.state} in Excel; it is loaded like any other",
                      sheet.title)
        rows = self.rows(name)
        header_names = [_normalise_header(v) for v in rows[0]] if rows else []
        if scan is not None:
            _refuse_uncalculated(cells, scan, header_names)
        if not rows or all(is_blank(v) for v in rows[0]):
            below = _header_row_below(rows, sheet, optional_headers)
            raise MissingColumnError(
                "the header row (row 1) is empty" + (f"; the headers are in row {below}" if below else ""),
                file=self.path, sheet=sheet.title, row=1, column=sheet.headers[0],
                expected="headers " + ", ".join(sheet.headers),
                fix=f"delete the rows above row {below}" if below else "put the headers in row 1",
            )
        try:
            positions = _map_headers(rows, sheet, self.path, optional_headers, header_names)
        except (MissingColumnError, UnexpectedColumnError):
            below = _header_row_below(rows, sheet, optional_headers)
            if below:
                raise MissingColumnError(
                    f"the headers are in row {below}, not row 1 (a title row above them?)",
                    file=self.path, sheet=sheet.title, row=1, column=None,
                    found=[cell_text(v) for v in rows[0] if not is_blank(v)],
                    expected="headers " + ", ".join(sheet.headers) + " in row 1",
                    fix=f"delete row{'s' if below > 2 else ''} 1{f'–{below - 1}' if below > 2 else ''} so that "
                    "the headers stand in row 1 (the title is in 基本信息)",
                ) from None
            if scan is not None:
                _refuse_merged(cells, scan, rows, header_names, header_row=True)
            raise
        if scan is not None:
            _refuse_merged(cells, scan, rows, header_names, header_row=False)
        records: list[list[Any]] = []
        loaded_rows: list[int] = []
        columns = [(column, positions.get(column.header)) for column in sheet.columns]
        known = set(positions.values())
        convert = cells.convert
        for index, row in enumerate(rows[1:], start=2):
            if all(is_blank(v) for v in row):
                continue
            if len(row) > len(known):
                _refuse_orphans(row, known, sheet, self.path, index)
            record = [
                convert(row[at] if at is not None and at < len(row) else None, column, index, at if at is not None
                        else -1)
                for column, at in columns
            ]
            record.append(index)
            records.append(record)
            loaded_rows.append(index)
        if scan is not None:
            self._note_scan(sheet, scan, loaded_rows, header_names)
        return _Table(sheet, records, rows, positions)

    def _note_scan(self, sheet: Sheet, scan: SheetScan, loaded_rows: list[int], header_names: list[str]) -> None:
        """Warnings for formulas with stored values, hidden rows and hidden columns among what was loaded."""
        loaded = set(loaded_rows)
        for cell in scan.formulas:
            if cell.row in loaded or cell.row == 1:
                header = _header_at(header_names, cell.col)
                self.warn("formula", f"cell {cell.ref} holds the formula ={cell.formula or '…(shared)'}; its value "
                          f"as last calculated, {cell.cached!r}, is loaded (formulas are never evaluated here)",
                          sheet.title, cell.row, header, cell.cached)
        hidden = sorted(loaded & scan.hidden_rows)
        if hidden:
            self.warn("hidden-rows", f"row{'s' if len(hidden) > 1 else ''} {', '.join(map(str, hidden))} "
                      "hidden in Excel; loaded like any other", sheet.title, hidden[0], None, hidden)
        hidden_headers = [header_names[c] for c in sorted(scan.hidden_columns)
                          if c < len(header_names) and header_names[c]]
        if hidden_headers:
            self.warn("hidden-columns", f"column{'s' if len(hidden_headers) > 1 else ''} "
                      f"{', '.join(hidden_headers)} hidden in Excel; loaded like any other", sheet.title, 1,
                      hidden_headers[0], hidden_headers)


def _header_at(header_names: list[str], col: int) -> str:
    """The column's header for messages, or its letter when it has none."""
    if 0 <= col < len(header_names) and header_names[col]:
        return header_names[col]
    return column_letters(col)


def _refuse_uncalculated(cells: _Cells, scan: SheetScan, header_names: list[str]) -> None:
    """A formula never calculated would load as a blank; an Excel error value too. Refuse both."""
    for cell in scan.formulas:
        column = _header_at(header_names, cell.col)
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


def _refuse_merged(cells: _Cells, scan: SheetScan, rows: list[list[Cell]], header_names: list[str],
                   header_row: bool) -> None:
    """Merged cells keep their value in the first cell only: the others would load as blanks."""
    for first_row, first_col, last_row, last_col in scan.merged:
        if (first_row == 1) != header_row or (first_row == last_row and first_col == last_col):
            continue
        if first_row > len(rows):
            continue
        top = rows[first_row - 1]
        value = top[first_col] if first_col < len(top) else ""
        if is_blank(value):
            continue
        blank_row, blank_col = (first_row, first_col + 1) if last_col > first_col else (first_row + 1, first_col)
        ref = f"{column_letters(first_col)}{first_row}:{column_letters(last_col)}{last_row}"
        raise cells.error(
            MergedCellError,
            f"cells {ref} are merged: the value is stored in {column_letters(first_col)}{first_row} only, and "
            f"{column_letters(blank_col)}{blank_row} would load as blank",
            blank_row, _header_at(header_names, blank_col), found=value,
            expected="one value in every cell (no merged cells in the table)",
            fix=f"unmerge {ref} (取消单元格合并) and fill the value into every row it covers",
        )


def _header_row_below(rows: list[list[Cell]], sheet: Sheet, optional_headers: frozenset[str]) -> int | None:
    """The Excel row (2–6) holding every required header, when row 1 does not: a title row above the table."""
    required = {h for h in sheet.headers if h not in optional_headers}
    for index in range(1, min(len(rows), 6)):
        if required <= {_normalise_header(v) for v in rows[index]}:
            return index + 1
    return None


def _header_hint(header: str, sheet: Sheet) -> str:
    for known in sheet.headers:
        if header.startswith(known) and header != known:
            return f"write {known} (a unit or note belongs in 基本信息 金额单位 or 出处, not in the header)"
    guess = _near_miss(header, sheet.headers)
    if guess:
        return f"write {guess}"
    return "correct the header's spelling or delete the column"


def _map_headers(
    rows: list[list[Cell]], sheet: Sheet, path: Path, optional_headers: frozenset[str],
    header_names: list[str] | None = None,
) -> dict[str, int]:
    """Header → column index; every documented header must be present, no unknown one."""
    positions: dict[str, int] = {}
    names = header_names if header_names is not None else [_normalise_header(v) for v in rows[0]]
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


def _refuse_orphans(row: list[Cell], known: set[int], sheet: Sheet, path: Path, index: int) -> None:
    """A value under no header would be lost: refuse it rather than drop it."""
    for at, value in enumerate(row):
        if at not in known and not is_blank(value):
            raise UnexpectedColumnError(
                "a value stands in a column without a header (it would be lost)",
                file=path, sheet=sheet.title, row=index, column=_column_letter(at), found=value,
                expected="values only under the headers " + ", ".join(sheet.headers),
                fix="add the header or move the value",
            )



@dataclass
class _Table:
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


def _refuse_duplicates(table: _Table, path: Path) -> None:
    """编号 are unique; 1 and １ (full-width) or 1 and 1 with an invisible blank count as the same."""
    sheet = table.sheet
    if sheet.id_column is None or not table.records:
        return
    header = table.header(sheet.id_column)
    seen: dict[str, tuple[str, int]] = {}
    for value, row in zip(table.column(sheet.id_column), table.column("excel_row"), strict=True):
        key = value if value.isascii() else _normalise_header(value)
        if key in seen:
            first, first_row = seen[key]
            same = "" if first == value else f" ({first!r} and {value!r} differ only in full-width or blank characters)"
            raise DuplicateIdError(
                f"{header} {value} appears twice (rows {first_row} and {row}){same}",
                file=path, sheet=sheet.title, row=int(row), column=header, found=value,
                expected=f"a unique {header}", fix="renumber one of the two rows",
            )
        seen[key] = (value, int(row))


def _check_values(table: _Table, name: str, path: Path, accept: Callable[[str], bool], expected: str) -> None:
    header = table.header(name)
    for value, row in zip(table.column(name), table.column("excel_row"), strict=True):
        if value is not None and not accept(value):
            raise UnknownValueError(
                f"unknown {header}", file=path, sheet=table.sheet.title, row=int(row), column=header,
                found=value, expected=expected,
            )


def _near_miss(text: str, allowed: Sequence[str]) -> str | None:
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


def _validate_budget(table: _Table, path: Path) -> _Table:
    sheet = table.sheet  # 预算, or 监控预算 (same 维度 rules, one 合计 row)
    dimensions = table.column("dimension")
    excel_rows = table.column("excel_row")
    for value, row in zip(dimensions, excel_rows, strict=True):
        guess = _near_miss(value, schema.BUDGET_DIMENSIONS)
        if guess is not None:
            raise UnknownValueError(
                "unknown 维度 (looks like a misspelt fixed value)",
                file=path, sheet=sheet.title, row=int(row), column="维度", found=value,
                expected=" / ".join(schema.BUDGET_DIMENSIONS) + " or a free-text dimension",
                fix=f"write {guess}",
            )
    totals = [row for value, row in zip(dimensions, excel_rows, strict=True) if value == schema.TOTAL]
    if len(totals) != 1:
        raise TotalRowError(
            "no 合计 row" if not totals else f"{len(totals)} 合计 rows (rows {', '.join(map(str, totals))})",
            file=path, sheet=sheet.title, row=totals[1] if len(totals) > 1 else None, column="维度",
            found=len(totals), expected="exactly one row with 维度 = 合计 (the department total)",
            fix="keep one 合计 row; put sub-totals under 资金来源 / 支出性质",
        )
    return table


def _validate_kpis(table: _Table, task_ids: set[str], path: Path) -> _Table:
    _check_values(
        table, "category", path,
        lambda v: schema.normalise_category(v) is not None,
        " / ".join(schema.CATEGORIES) + " (with or without 指标)",
    )
    table.set_column("category", [schema.normalise_category(v) for v in table.column("category")])
    scopes = {schema.DEPARTMENT_SCOPE, *task_ids}
    _check_values(
        table, "scope", path, lambda v: v in scopes,
        f"{schema.DEPARTMENT_SCOPE} or a 编号 of the 任务 sheet ({', '.join(sorted(task_ids)) or 'none listed'})",
    )
    return table


_COUNT_ITEM = re.compile(rf"^{schema.COUNT_PREFIX}[:：](?P<scope>[^:：]+)[:：](?P<kind>[^:：]+)$")


def _validate_claims(table: _Table, task_ids: set[str], path: Path) -> _Table:
    """事项 of the form 指标计数:<范围>:<口径> must name a known scope and kind and hold a whole number."""
    sheet = schema.CLAIMS
    scopes = {schema.DEPARTMENT_SCOPE, *task_ids}
    columns = zip(table.column("item"), table.column("value"), table.column("excel_row"), strict=True)
    for item, value, row in columns:
        if not item.startswith(schema.COUNT_PREFIX):
            continue
        match = _COUNT_ITEM.match(item)
        if not match or match["scope"] not in scopes or match["kind"] not in schema.COUNT_KINDS:
            raise UnknownValueError(
                "malformed indicator-count 事项", file=path, sheet=sheet.title, row=int(row), column="事项",
                found=item,
                expected=f"{schema.COUNT_PREFIX}:<{'/'.join(sorted(scopes))}>:<{'/'.join(schema.COUNT_KINDS)}>",
            )
        if value != value.to_integral_value() or value < 0:
            raise CellTypeError(
                "an indicator count must be a whole number", file=path, sheet=sheet.title, row=int(row),
                column="数值", found=value, expected="a whole number ≥ 0",
            )
    return table


# ---- 基本信息 -------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?\s*$")
_YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*年?\s*$")


@dataclass(frozen=True)
class _Place:
    """Where a 基本信息 value is, for error messages; ``cells`` converts numbers with the loader's rules."""

    cells: _Cells
    row: int
    column: str

    def error(self, cls: type[WorkbookError], problem: str, **kwargs: Any) -> WorkbookError:
        return self.cells.error(cls, problem, self.row, self.column, **kwargs)


def _read_meta(loader: _Loader) -> tuple[dict[str, Any], dict[str, Any]]:
    sheet = schema.META
    path = loader.path
    table = loader.read_table(sheet, schema.META_OPTIONAL_HEADERS)
    _refuse_duplicates(table, path)
    rows, value_at = table.rows, table.positions["值"]
    fields, excel_rows = table.column("field"), table.column("excel_row")
    raw = {field: rows[r - 1][value_at] if value_at < len(rows[r - 1]) else "" for field, r in
           zip(fields, excel_rows, strict=True)}
    row_of = dict(zip(fields, excel_rows, strict=True))
    sources = dict(zip(fields, table.column("source"), strict=True))
    for required in schema.META_REQUIRED:
        if required not in raw or is_blank(raw[required]):
            raise MetaError(
                f"required field {required} is missing or blank",
                file=path, sheet=sheet.title, row=row_of.get(required), column="值",
                expected=f"a row with 字段 = {required} and its 值",
                fix=f"add the row 「{required}」 to 基本信息",
            )
    cells = _Cells(loader, sheet.title, None)
    meta: dict[str, Any] = dict.fromkeys(schema.META_FIELDS.values())
    for field_name, value in raw.items():
        place = _Place(cells, int(row_of[field_name]), "值")
        key = schema.META_FIELDS.get(field_name) or schema.MONITORING_META_FIELDS.get(field_name)
        if key is None:
            meta[field_name] = None if is_blank(value) else cell_text(value)
        else:
            meta[key] = None if is_blank(value) else _META_READERS[key](value, place)
    _check_monitoring_date(meta, row_of, cells)
    keys = {**schema.META_FIELDS, **schema.MONITORING_META_FIELDS}
    return meta, {keys.get(k, k): v for k, v in sources.items()}


def _meta_text(value: Cell, place: _Place) -> str:
    return cell_text(value)


def _meta_year(value: Cell, place: _Place) -> int:
    year: int | None = None
    if is_number(value) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and (match := _YEAR_TEXT.match(value)):
        year = int(match.group(1))
    low, high = schema.YEAR_RANGE
    if year is None or not low <= year <= high:
        raise place.error(MetaError, "年度 is not a year", found=value, expected=f"a year such as 2022 ({low}–{high})")
    return year


def _meta_unit(value: Cell, place: _Place) -> str:
    text = cell_text(value)
    if text not in schema.AMOUNT_UNITS:
        raise place.error(
            UnknownValueError, "金额单位 is not 万元 or 元", found=value, expected=" or ".join(schema.AMOUNT_UNITS),
            fix="state the unit the report prints its amounts in",
        )
    return text


def _meta_kind(value: Cell, place: _Place) -> str:
    text = cell_text(value)
    if text not in schema.REPORT_KINDS:
        raise place.error(UnknownValueError, "unknown 报告类型", found=value, expected=" / ".join(schema.REPORT_KINDS))
    return text


def _meta_grade(value: Cell, place: _Place) -> str:
    text = cell_text(value).removesuffix("级").removesuffix("等")
    if text not in schema.GRADES:
        raise place.error(UnknownValueError, "unknown 自评等级", found=value, expected=" / ".join(schema.GRADES))
    return text


def _meta_number(kind: Kind) -> Callable[[Cell, _Place], Decimal]:
    def read(value: Cell, place: _Place) -> Decimal:
        return place.cells.convert(value, Column(place.column, place.column, kind), place.row, -1)

    return read


def _meta_date(value: Cell, place: _Place) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (match := _DATE_TEXT.match(value)):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise place.error(
        MetaError, "报告日期 is not a date", found=value, expected="a date, e.g. 2023-05-29 or 2023年5月29日"
    )


def _meta_monitoring_date(value: Cell, place: _Place) -> dt.date:
    try:
        return _meta_date(value, place)
    except MetaError:
        raise place.error(MetaError, "监控截止日期 is not a date", found=value,
                          expected="a date, e.g. 2022-07-31 or 2022年7月31日") from None


def _meta_time_progress(value: Cell, place: _Place) -> Decimal:
    number = place.cells.convert(value, Column("时间进度", "time_progress", Kind.RATE), place.row, -1)
    if not 0 <= number <= 100:
        raise place.error(MetaError, "时间进度 is not a percentage between 0 and 100", found=value,
                          expected="the share of the year the bureau sets, as a percentage, e.g. 58.33")
    return number


def _check_monitoring_date(meta: dict[str, Any], row_of: dict[str, Any], cells: _Cells) -> None:
    """监控截止日期 falls in the workbook's 年度 (a July 2021 date in a 2022 workbook is a typo)."""
    date = meta.get("monitoring_date")
    if date is not None and date.year != meta.get("year"):
        raise cells.error(MetaError, f"监控截止日期 {date} is not in 年度 {meta.get('year')}",
                          int(row_of["监控截止日期"]), "值", found=date.isoformat(),
                          expected=f"a date in {meta.get('year')}", fix="correct the date or the 年度")


_META_READERS: dict[str, Callable[[Cell, _Place], Any]] = {
    "department": _meta_text,
    "year": _meta_year,
    "amount_unit": _meta_unit,
    "report_kind": _meta_kind,
    "self_score": _meta_number(Kind.DECIMAL),
    "carryover": _meta_number(Kind.AMOUNT),
    "report_date": _meta_date,
    "source_document": _meta_text,
    "execution_weight": _meta_number(Kind.DECIMAL),
    "execution_score": _meta_number(Kind.DECIMAL),
    "self_grade": _meta_grade,
    "monitoring_date": _meta_monitoring_date,
    "time_progress": _meta_time_progress,
}


# ---- figures that load but deserve a second look ---------------------------------------

_AMOUNT_COLUMNS = ("budget", "executed", "prior_executed")


def _note_amounts(loader: _Loader, meta: dict[str, Any], budget: _Table, tasks: _Table) -> None:
    """Warn where executed exceeds budget, and where a line or a task exceeds the 合计 (元 in a 万元 workbook?)."""
    sheet = schema.BUDGET.title
    unit = meta.get("amount_unit")
    rows, dimensions = budget.column("excel_row"), budget.column("dimension")
    for row, planned, spent in zip(rows, budget.column("budget"), budget.column("executed"), strict=True):
        if planned is not None and spent is not None and spent > planned:
            rate = f"{spent / planned * 100:.2f}" if planned else "∞"
            loader.warn("executed-above-budget", f"执行数 {spent} exceeds 预算数 {planned} ({rate} %); loaded as "
                        "written", sheet, int(row), budget.header("executed"), spent)
    total_at = dimensions.index(schema.TOTAL)
    limits = {}
    for column in _AMOUNT_COLUMNS:
        values = budget.column(column)
        limit = limits[column] = values[total_at]
        if limit is None:
            continue
        for row, dimension, value in zip(rows, dimensions, values, strict=True):
            if dimension == schema.TOTAL or value is None or value <= limit:
                continue
            loader.warn("line-above-total", f"{budget.header(column)} {value} is larger than the 合计's {limit}"
                        + _unit_hint(value, limit, unit), sheet, int(row), budget.header(column), value)
    limit = limits["budget"] if limits["budget"] is not None else limits["executed"]
    if limit is None:
        return
    for row, amount in zip(tasks.column("excel_row"), tasks.column("amount"), strict=True):
        if amount is not None and amount > limit:
            loader.warn("task-above-total", f"资金 {amount} is larger than the department's 合计 {limit}"
                        + _unit_hint(amount, limit, unit), schema.TASKS.title, int(row), "资金", amount)


def _unit_hint(value: Decimal, limit: Decimal, unit: Any) -> str:
    if unit == "万元" and limit and value / limit >= 100:
        return f" ({value / limit:.0f}×: an amount in 元 in a workbook whose 金额单位 is 万元?)"
    return ""


# ---- the public function -------------------------------------------------------------


def load_report(path: str | Path) -> Report:
    """Load one v1 workbook, validating every sheet; raise a PerfevalError subclass on bad input.

    The package is checked first (package_check: an .xlsx, no zip or entity bomb, no macros);
    what loads but deserves a second look is in ``Report.warnings``.
    """
    path = Path(path)
    package = check_package(path, wanted=_is_format_sheet)
    book = _open_workbook(package)
    try:
        loader = _Loader(path, package, book)
        meta, meta_sources = _read_meta(loader)
        tasks = loader.read_table(schema.TASKS)
        _refuse_duplicates(tasks, path)
        task_ids = set(tasks.column("task_id"))
        budget = _validate_budget(loader.read_table(schema.BUDGET), path)
        kpis = loader.read_table(schema.KPIS)
        _refuse_duplicates(kpis, path)
        kpis = _validate_kpis(kpis, task_ids, path)
        claims = loader.read_table(schema.CLAIMS)
        _refuse_duplicates(claims, path)
        claims = _validate_claims(claims, task_ids, path)
        rules = loader.read_table(schema.RULES)
        _refuse_duplicates(rules, path)
        _note_amounts(loader, meta, budget, tasks)
        monitoring = _read_monitoring(loader, task_ids)
    finally:
        book.close()
    return Report(path=path, meta=meta, budget=budget.frame(), kpis=kpis.frame(), tasks=tasks.frame(),
                  claims=claims.frame(), rules=rules.frame(), meta_sources=meta_sources,
                  warnings=tuple(loader.warnings),
                  monitoring_budget=monitoring[0].frame(), monitoring_kpis=monitoring[1].frame())


def _read_monitoring(loader: _Loader, task_ids: set[str]) -> tuple[_Table, _Table]:
    """监控预算 / 监控指标 (optional): 预算's and 指标's rules, plus the two fixed lists of 监控指标."""
    path = loader.path
    budget = loader.read_table(schema.MONITOR_BUDGET)
    if budget.records:
        _validate_budget(budget, path)
    kpis = loader.read_table(schema.MONITOR_KPIS)
    _refuse_duplicates(kpis, path)
    kpis = _validate_kpis(kpis, task_ids, path)
    for name, allowed in (("likelihood", schema.LIKELIHOODS), ("reason_type", schema.REASON_TYPES)):
        _check_values(kpis, name, path, lambda v, allowed=allowed: v in allowed, " / ".join(allowed))
    return budget, kpis


_FORMAT_TITLES = frozenset(sheet.title for sheet in schema.FORMAT_SHEETS)


def _is_format_sheet(name: str) -> bool:
    return _normalise_header(name) in _FORMAT_TITLES
