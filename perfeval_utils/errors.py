"""The exceptions perfeval raises for a user's mistake.

Every error a person can fix derives from :class:`PerfevalError`, so a notebook or the
command line can catch one class and show one clear line instead of a traceback from
inside openpyxl or pandas. Workbook errors carry the place (file, sheet, Excel row,
column header), what was found, what was expected and how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def describe_place(file: str | Path, sheet: str | None, row: int | None, column: str | None) -> str:
    """``文件 x.xlsx, 工作表「预算」, 第 2 行, 列「预算数」``: the place of an error or a warning."""
    place = [f"文件 {file}"]
    if sheet is not None:
        place.append(f"工作表「{sheet}」")
    if row is not None:
        place.append(f"第 {row} 行")
    if column is not None:
        place.append(f"列「{column}」")
    return ", ".join(place)


class PerfevalError(Exception):
    """Base class of every error perfeval raises for bad input."""


def compose(place: str, problem: str, found: Any, expected: str | None, fix: str | None) -> str:
    """The one-line message of every located error: place: problem; found; expected; fix."""
    parts = [f"{place}: {problem}"]
    if found is not None:
        parts.append(f"found: {found!r}")
    if expected is not None:
        parts.append(f"expected: {expected}")
    if fix is not None:
        parts.append(f"fix: {fix}")
    return "; ".join(parts)


class WorkbookError(PerfevalError):
    """A workbook that cannot be loaded as it is; the message says where and why."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        found: Any = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.found = found
        self.expected = expected
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        return compose(describe_place(self.file, self.sheet, self.row, self.column), self.problem, self.found,
                       self.expected, self.fix)


class NotAWorkbookError(WorkbookError):
    """The file is missing, empty, or not an .xlsx workbook."""


class ProtectedWorkbookError(NotAWorkbookError):
    """An OLE2/CFB container named .xlsx: a password-protected workbook or a legacy .xls."""


class MacroWorkbookError(NotAWorkbookError):
    """A workbook with VBA macros (.xlsm, or xl/vbaProject.bin inside); macros are never run, the file is refused."""


class UnsafeWorkbookError(NotAWorkbookError):
    """A hostile or absurd package: a zip bomb, an XML entity bomb, a duplicated or lying zip entry."""


class MissingSheetError(WorkbookError):
    """A required sheet is absent."""


class MissingColumnError(WorkbookError):
    """A required column header is absent from a sheet's first row."""


class UnexpectedColumnError(WorkbookError):
    """A header that the format does not know (typed wrongly, or an extra column)."""


class CellTypeError(WorkbookError):
    """A cell holds the wrong kind of value (text where a number belongs, or a blank required cell)."""


class UnknownValueError(WorkbookError):
    """A cell holds a value outside its allowed list (维度, 一级指标, 金额单位, ...)."""


class DuplicateIdError(WorkbookError):
    """The same 编号 appears twice in one sheet."""


class TotalRowError(WorkbookError):
    """The 预算 sheet has no 合计 row or more than one."""


class NegativeAmountError(WorkbookError):
    """An amount is below zero."""


class MetaError(WorkbookError):
    """A required 基本信息 field is missing or malformed (年度 not a year, ...)."""


class DuplicateSheetError(WorkbookError):
    """Two sheets whose names differ only by blanks (预算 and 「预算 」): which one is meant is unknown."""


class FormulaError(WorkbookError):
    """A formula with no calculated value (it would load as a blank), or a cell holding an Excel error (#DIV/0!)."""


class MergedCellError(CellTypeError):
    """Merged cells: the value is stored only in the first cell, the others would load as blanks."""


class AmbiguousValueError(WorkbookError):
    """A value that can be read two ways (报告执行率 0.9825: 0.9825 % or 98.25 %?); the loader does not guess."""


class ValueParseError(PerfevalError):
    """An indicator value string that cannot be read at all."""

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"cannot read indicator value {text!r}: {reason}")


class DocumentError(PerfevalError):
    """A document (report text, Word, PDF, web page) that cannot be read as it is.

    Like :class:`WorkbookError` it names the file, the place in it (page, paragraph, table, byte),
    what was found, what was expected and how to fix it.
    """

    def __init__(self, problem: str, *, file: str | Path, place: str | None = None, found: Any = None,
                 expected: str | None = None, fix: str | None = None) -> None:
        self.problem = problem
        self.file = str(file)
        self.place = place
        self.found = found
        self.expected = expected
        self.fix = fix
        super().__init__(compose(f"文件 {Path(file).name}" + (f", {place}" if place else ""), problem, found,
                                 expected, fix))


class ReportTextError(DocumentError):
    """The report's text cannot be read: missing, binary, or in none of the encodings read (UTF-8, GB18030, UTF-16)."""


class ScannedDocumentError(DocumentError):
    """A PDF without a text layer (a scan): there is no text to read, and nothing here does OCR."""


class UnknownDocumentError(DocumentError):
    """A file whose content is none of the formats read_document reads (or an old binary Word .doc)."""
