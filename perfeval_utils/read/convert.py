"""Cell by cell: how a calamine value becomes its column's kind in the v1 loader.

Every number goes through :func:`perfeval_utils.cells.excel_number` (finite, in range, exact as
Excel shows it); every text through :func:`perfeval_utils.cells.strip_format`. What the cell's
number format makes a person see (percent, scaled, hidden) is taken from the package scan.
Errors and warnings name the file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from perfeval_utils.cells import (
    BLANKS,
    EXCEL_DIGITS,
    FORMAT,
    PLAIN_NUMBER,
    RATE_TEXT,
    Cell,
    NumberProblem,
    cell_text,
    excel_number,
    is_blank,
    is_number,
    plain_decimal,
    strip_format,
    strip_text,
)
from perfeval_utils.errors import (
    AmbiguousValueError,
    CellTypeError,
    FormulaError,
    NegativeAmountError,
    WorkbookError,
)
from perfeval_utils.read.package import SheetScan, column_letters
from perfeval_utils.schema import Column, Kind

#: What Excel shows for an error; a cell holding one of these as text (t="str") is no figure either.
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
#: Records a warning: code, problem, sheet, row, column, found.
Warn = Callable[[str, str, "str | None", "int | None", "str | None", Any], None]


def expected_text(column: Column) -> str:
    return {
        Kind.TEXT: "text",
        Kind.AMOUNT: "an amount ≥ 0 in the workbook's 金额单位, e.g. 1415.43",
        Kind.RATE: "a percentage as printed, e.g. 98.25 or 98.25%",
        Kind.COUNT: "a whole number ≥ 0",
        Kind.DECIMAL: "a number, e.g. 98.39",
    }[column.kind]


_BARE_NUMBER_FIX = ("type the bare number (no unit, no thousands separator, no 约); "
                    "the unit is set once in 基本信息 金额单位")


class CellReader:
    """Converts the cells of one sheet; errors and warnings name the file, sheet, row and column."""

    def __init__(self, path: Path, title: str, scan: SheetScan | None, warn: Warn) -> None:
        self.path = path
        self.title = title
        self.record = warn
        self.shown = scan.shown if scan is not None else {}

    def error(self, cls: type[WorkbookError], problem: str, row: int | None, column: str | None,
              **kwargs: Any) -> WorkbookError:
        return cls(problem, file=self.path, sheet=self.title, row=row, column=column, **kwargs)

    def warn(self, code: str, problem: str, row: int | None, column: str | None, found: Any = None) -> None:
        self.record(code, problem, self.title, row, column, found)

    def convert(self, value: Cell, column: Column, row: int, at: int) -> Any:
        """Read one cell as its column's kind, or raise an error that says how to fix it."""
        kind = column.kind
        if self.shown and (row, at) in self.shown and not is_blank(value):
            self._format(value, column, row, at)
        if value.__class__ is str:
            if value.isascii():  # no invisible or format character can be in it
                text = value.strip()
            elif FORMAT.search(value) is None:
                text = strip_text(value)
            else:
                text = strip_text(self.visible(value, column.header, row))
            if not text:
                return self._blank(column, row)
            if text[0] == "#" and text in EXCEL_ERRORS:
                raise self.error(FormulaError, f"the cell holds the text {text}, an Excel error value", row,
                                 column.header, found=value, expected="a value (an error value is no figure)",
                                 fix="correct the formula that produced it, or type the figure the report prints")
            if kind is Kind.TEXT:
                return text
            return self._text_number(value, text, column, row)
        if value is None:
            return self._blank(column, row)
        if value.__class__ is float or value.__class__ is int:
            number = self._number(value, column, row)
            if kind is Kind.TEXT:
                return str(number)
        elif kind is Kind.TEXT:
            return cell_text(value)
        else:
            raise self._not_a_number(value, column, row)
        if kind is Kind.RATE:
            number = self._rate(number, value, column, row, at)
        return self._checked(number, value, column, row)

    def _number(self, value: float | int, column: Column, row: int) -> Decimal:
        """The one number rule (cells.excel_number), its problems located at this cell."""
        try:
            number, noisy = excel_number(value, count=column.kind is Kind.COUNT)
        except NumberProblem as problem:
            raise self.error(CellTypeError, problem.problem, row, column.header, found=value,
                             expected=problem.expected, fix=problem.fix) from None
        if noisy:
            self.warn("float-artefact", f"stored as {value!r} (binary floating-point noise, e.g. from a "
                      f"calculation); loaded as {number}, the {EXCEL_DIGITS} significant digits Excel shows",
                      row, column.header, value)
        return number

    def visible(self, text: str, header: str, row: int) -> str:
        """Text without Unicode format characters (zero-width, bidirectional marks), with a warning."""
        stripped, found = strip_format(text)
        if found:
            self.warn("format-character", f"invisible format characters {found} removed (they make two values "
                      "that look identical differ)", row, header, text)
        return stripped

    def _format(self, value: Cell, column: Column, row: int, at: int) -> None:
        """A number format that changes what a person sees: hidden → warning; scaled or percent → refused."""
        kind, code = self.shown[(row, at)]
        ref = f"{column_letters(at)}{row}"
        if kind == "hidden":
            self.warn("hidden-value", f"cell {ref} has the number format {code!r}, which shows nothing; its value "
                      f"{value!r} is loaded like any other", row, column.header, value)
        elif kind == "scaled" and column.kind is not Kind.TEXT:
            raise self.error(
                AmbiguousValueError, f"cell {ref} stores {value!r} but its number format {code!r} shows it scaled "
                "(divided by a thousand, a million or ten thousand): the figure a person reads is not the one "
                "stored", row, column.header, found=value, expected="a cell formatted as 常规 or 数值 showing the "
                "figure as stored", fix="format the cell as 常规 (General) and type the figure in the workbook's "
                "金额单位 as the report prints it",
            )
        elif kind == "percent" and column.kind not in (Kind.TEXT, Kind.RATE) and is_number(value):
            raise self.error(
                AmbiguousValueError, f"cell {ref} stores {value!r} but its percent format {code!r} shows "
                f"{value * 100:g}%", row, column.header, found=value,
                expected=f"{expected_text(column)}, in a cell formatted as 常规 or 数值",
                fix="format the cell as 常规 (General) and type the figure the report prints",
            )

    def _blank(self, column: Column, row: int) -> None:
        if column.required:
            raise self.error(CellTypeError, "required cell is blank", row, column.header, found="",
                             expected=expected_text(column))
        return None

    def _text_number(self, value: str, text: str, column: Column, row: int) -> Any:
        if column.kind is Kind.RATE:
            match = RATE_TEXT.match(text)
            if match and len(text) <= 40:
                return self._number(Decimal(match.group(1)), column, row)
        elif PLAIN_NUMBER.match(text) and len(text) <= 40:
            number = self._number(Decimal(text), column, row)
            self.warn("number-as-text", f"a number stored as text; loaded as {plain_decimal(number)}", row,
                      column.header, value)
            return self._checked(number, value, column, row)
        raise self.error(CellTypeError, "text where a number belongs", row, column.header, found=value,
                         expected=expected_text(column), fix=_BARE_NUMBER_FIX)

    def _not_a_number(self, value: Cell, column: Column, row: int) -> WorkbookError:
        if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
            return self.error(
                CellTypeError, "a date where a number belongs (the cell has a date or time number format)",
                row, column.header, found=value, expected=expected_text(column),
                fix="format the cell as 常规 or 数值 (General / Number) and check the number it then shows",
            )
        return self.error(CellTypeError, "not a number", row, column.header, found=value,
                          expected=expected_text(column), fix=_BARE_NUMBER_FIX)

    def _rate(self, number: Decimal, value: Cell, column: Column, row: int, at: int) -> Decimal:
        if self.shown.get((row, at), ("",))[0] == "percent":
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
                                 expected=expected_text(column))
            return int(number)
        return number




def normalise_header(value: Cell) -> str:
    """Headers compare without blanks or invisible characters anywhere, after NFKC (⽬ → 目, （ → ()."""
    if is_blank(value):
        return ""
    return _normalised(cell_text(value))


@lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """Cached: every workbook repeats the same few dozen headers and sheet names."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return BLANKS.sub("", text)



def header_at(header_names: list[str], col: int) -> str:
    """The column's header for messages, or its letter when it has none."""
    if 0 <= col < len(header_names) and header_names[col]:
        return header_names[col]
    return column_letters(col)
