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

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import python_calamine

from perfeval_utils import schema
from perfeval_utils.cells import FORMAT, Cell, cell_text, is_blank
from perfeval_utils.errors import (
    CellTypeError,
    DuplicateSheetError,
    MissingColumnError,
    MissingSheetError,
    TotalRowError,
    UnexpectedColumnError,
    UnknownValueError,
)
from perfeval_utils.read.convert import CellReader, header_at, normalise_header
from perfeval_utils.read.layout import (
    Table,
    header_row_below,
    map_headers,
    near_miss,
    refuse_duplicate_ids,
    refuse_merged,
    refuse_nonfinite,
    refuse_orphans,
    refuse_uncalculated,
)
from perfeval_utils.read.meta import read_meta
from perfeval_utils.read.package import PackageInfo, SheetScan, check_package, unreadable
from perfeval_utils.report import LoadWarning, Report, sheet_frame
from perfeval_utils.schema import Kind, Sheet

# Report and sheet_frame: where other modules import them
__all__ = ["Report", "WorkbookRecords", "load_report", "read_records", "sheet_frame"]

# ---- the file ------------------------------------------------------------------------


def open_workbook(package: PackageInfo) -> python_calamine.CalamineWorkbook:
    """calamine over the very bytes the package check read (not the file again)."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package.data))
    except BaseException as exc:
        if not calamine_failed(exc):
            raise
        raise unreadable(package.path, exc) from exc


def calamine_failed(exc: BaseException) -> bool:
    """An exception of calamine's about the file: its errors, and the Rust panics pyo3 raises as
    PanicException (a BaseException: a time cell whose number is beyond chrono's range panics)."""
    return isinstance(exc, python_calamine.CalamineError | OSError | ValueError | OverflowError | IndexError) or (
        type(exc).__name__ == "PanicException")


class Loader:
    """One load: the file, its package scan, the calamine workbook and the warnings recorded so far.

    ``SHEETS``: the sheets this kind of workbook may hold (a subclass reads another format, e.g. 复核).
    """

    SHEETS: tuple[schema.Sheet, ...] = schema.FORMAT_SHEETS

    def __init__(self, path: Path, package: PackageInfo, book: python_calamine.CalamineWorkbook) -> None:
        self.path = path
        self.package = package
        self.book = book
        self.warnings: list[LoadWarning] = []
        self.seen: set[tuple[str, str | None, int | None, str | None, str]] = set()
        self.names = self._resolve_sheet_names()

    def warn(self, code: str, problem: str, sheet: str | None = None, row: int | None = None,
             column: str | None = None, found: Any = None) -> None:
        warning = LoadWarning(code, problem, str(self.path), sheet, row, column, found)
        key = (code, sheet, row, column, problem)
        if key not in self.seen:  # 基本信息 values are read twice (as text, then by their field's rule)
            self.seen.add(key)
            self.warnings.append(warning)

    def _resolve_sheet_names(self) -> dict[str, str]:
        """Format sheet title → the workbook's sheet name (blanks around or inside a name are ignored)."""
        titles = {sheet.title for sheet in self.SHEETS}
        names: dict[str, str] = {}
        for name in self.book.sheet_names:
            key = normalise_header(name)
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
        except BaseException as exc:
            if not calamine_failed(exc):
                raise
            raise self.package.damage(name, exc) from exc

    def read_table(self, sheet: Sheet, optional_headers: frozenset[str] = frozenset()) -> Table:
        """One sheet's converted cells plus ``excel_row`` (blank rows skipped), its raw rows and header positions."""
        name = self.names.get(sheet.title)
        if name is None:
            if sheet.optional:
                return Table(sheet, [], [], {})
            raise MissingSheetError(
                f"required sheet「{sheet.title}」is missing",
                file=self.path,
                sheet=sheet.title,
                found=list(self.book.sheet_names),
                expected=f"a sheet named {sheet.title} with headers {', '.join(sheet.headers)}",
                fix="rename the sheet or add it (see docs/workbook-format.md)",
            )
        scan = self.package.scans.get(name)
        cells = CellReader(self.path, sheet.title, scan, self.warn)
        if scan is not None and scan.state != "visible":
            self.warn("hidden-sheet", f"the sheet is {scan.state} in Excel; it is loaded like any other",
                      sheet.title)
        rows = self.rows(name)
        header_names = [normalise_header(v) for v in rows[0]] if rows else []
        if scan is not None:
            refuse_uncalculated(cells, scan, header_names)
            refuse_nonfinite(cells, scan, header_names)
        if not rows or all(is_blank(v) for v in rows[0]):
            below = header_row_below(rows, sheet, optional_headers)
            raise MissingColumnError(
                "the header row (row 1) is empty" + (f"; the headers are in row {below}" if below else ""),
                file=self.path, sheet=sheet.title, row=1, column=sheet.headers[0],
                expected="headers " + ", ".join(sheet.headers),
                fix=f"delete the rows above row {below}" if below else "put the headers in row 1",
            )
        try:
            positions = map_headers(rows, sheet, self.path, optional_headers, header_names)
        except (MissingColumnError, UnexpectedColumnError):
            below = header_row_below(rows, sheet, optional_headers)
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
                refuse_merged(cells, scan, rows, header_names, header_row=True)
            raise
        if scan is not None:
            refuse_merged(cells, scan, rows, header_names, header_row=False)
        records: list[list[Any]] = []
        loaded_rows: list[int] = []
        # (column, its position or -1, whether a plain text cell may skip convert()): most cells are text
        # that needs only trimming, and convert's calls cost more than that. The shortcut is convert's own
        # first branch for a string with no format character, not starting with # (an Excel error value),
        # in a sheet without specially formatted cells; every other cell goes through convert.
        plain = not cells.shown
        plan = [(column, positions.get(column.header, -1), plain and column.kind is Kind.TEXT)
                for column in sheet.columns]
        known = set(positions.values())
        convert, has_format = cells.convert, FORMAT.search
        for index, row in enumerate(rows[1:], start=2):
            if all(is_blank(v) for v in row):
                continue
            width = len(row)
            if width > len(known):
                refuse_orphans(row, known, sheet, self.path, index)
            record = [
                text
                if ((value := row[at] if 0 <= at < width else None).__class__ is str and shortcut
                    and (value.isascii() or has_format(value) is None) and (text := value.strip()) and text[0] != "#")
                else convert(value, column, index, at)
                for column, at, shortcut in plan
            ]
            record.append(index)
            records.append(record)
            loaded_rows.append(index)
        if scan is not None:
            self._note_scan(sheet, scan, loaded_rows, header_names)
        return Table(sheet, records, rows, positions)

    def _note_scan(self, sheet: Sheet, scan: SheetScan, loaded_rows: list[int], header_names: list[str]) -> None:
        """Warnings for formulas with stored values, hidden rows and hidden columns among what was loaded."""
        loaded = set(loaded_rows)
        for cell in scan.formulas:
            if cell.row in loaded or cell.row == 1:
                header = header_at(header_names, cell.col)
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




def _check_values(table: Table, name: str, path: Path, accept: Callable[[str], bool], expected: str) -> None:
    header = table.header(name)
    for value, row in zip(table.column(name), table.column("excel_row"), strict=True):
        if value is not None and not accept(value):
            raise UnknownValueError(
                f"unknown {header}", file=path, sheet=table.sheet.title, row=int(row), column=header,
                found=value, expected=expected,
            )


def _validate_budget(table: Table, path: Path) -> Table:
    sheet = table.sheet  # 预算, or 监控预算 (same 维度 rules, one 合计 row)
    dimensions = table.column("dimension")
    excel_rows = table.column("excel_row")
    for value, row in zip(dimensions, excel_rows, strict=True):
        guess = near_miss(value, schema.BUDGET_DIMENSIONS)
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


def _validate_kpis(table: Table, task_ids: set[str], path: Path) -> Table:
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


def _validate_claims(table: Table, task_ids: set[str], path: Path) -> Table:
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


# ---- figures that load but deserve a second look ---------------------------------------

_AMOUNT_COLUMNS = ("budget", "executed", "prior_executed")


def _note_amounts(loader: Loader, meta: dict[str, Any], budget: Table, tasks: Table) -> None:
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


#: The sheets of a Report, in the order of its fields.
REPORT_SHEETS: tuple[Sheet, ...] = (schema.BUDGET, schema.KPIS, schema.TASKS, schema.CLAIMS, schema.RULES,
                                    schema.MONITOR_BUDGET, schema.MONITOR_KPIS)


@dataclass(frozen=True, slots=True)
class WorkbookRecords:
    """One workbook read and validated, its sheets still as rows (``records``: sheet name → rows, each row
    the sheet's columns then ``excel_row``). :meth:`report` builds the frames; ``load_reports`` instead
    stacks the rows of many workbooks into one frame per sheet (seven small frames a workbook cost a
    quarter of its load)."""

    path: Path
    meta: dict[str, Any]
    meta_sources: dict[str, Any]
    warnings: tuple[LoadWarning, ...]
    records: dict[str, list[list[Any]]]

    def report(self) -> Report:
        frames = {sheet.name: sheet_frame(self.records[sheet.name], sheet) for sheet in REPORT_SHEETS}
        return Report(path=self.path, meta=self.meta, meta_sources=self.meta_sources, warnings=self.warnings,
                      **frames)


def load_report(path: str | Path) -> Report:
    """Load one v1 workbook, validating every sheet; raise a PerfevalError subclass on bad input.

    The package is checked first (package_check: an .xlsx, no zip or entity bomb, no macros);
    what loads but deserves a second look is in ``Report.warnings``.
    """
    return read_records(path).report()


def read_records(path: str | Path) -> WorkbookRecords:
    """Everything :func:`load_report` does but building the frames."""
    path = Path(path)
    package = check_package(path, wanted=_is_format_sheet)
    book = open_workbook(package)
    try:
        loader = Loader(path, package, book)
        meta, meta_sources = read_meta(loader)
        tasks = loader.read_table(schema.TASKS)
        refuse_duplicate_ids(tasks, path)
        task_ids = set(tasks.column("task_id"))
        budget = _validate_budget(loader.read_table(schema.BUDGET), path)
        kpis = loader.read_table(schema.KPIS)
        refuse_duplicate_ids(kpis, path)
        kpis = _validate_kpis(kpis, task_ids, path)
        claims = loader.read_table(schema.CLAIMS)
        refuse_duplicate_ids(claims, path)
        claims = _validate_claims(claims, task_ids, path)
        rules = loader.read_table(schema.RULES)
        refuse_duplicate_ids(rules, path)
        _note_amounts(loader, meta, budget, tasks)
        monitoring = _read_monitoring(loader, task_ids)
    finally:
        book.close()
    tables = (budget, kpis, tasks, claims, rules, *monitoring)
    return WorkbookRecords(path, meta, meta_sources, tuple(loader.warnings),
                           {sheet.name: table.records for sheet, table in zip(REPORT_SHEETS, tables, strict=True)})


def _read_monitoring(loader: Loader, task_ids: set[str]) -> tuple[Table, Table]:
    """监控预算 / 监控指标 (optional): 预算's and 指标's rules, plus the two fixed lists of 监控指标."""
    path = loader.path
    budget = loader.read_table(schema.MONITOR_BUDGET)
    if budget.records:
        _validate_budget(budget, path)
    kpis = loader.read_table(schema.MONITOR_KPIS)
    refuse_duplicate_ids(kpis, path)
    kpis = _validate_kpis(kpis, task_ids, path)
    for name, allowed in (("likelihood", schema.LIKELIHOODS), ("reason_type", schema.REASON_TYPES)):
        _check_values(kpis, name, path, lambda v, allowed=allowed: v in allowed, " / ".join(allowed))
    return budget, kpis


_FORMAT_TITLES = frozenset(sheet.title for sheet in schema.FORMAT_SHEETS)


def _is_format_sheet(name: str) -> bool:
    return normalise_header(name) in _FORMAT_TITLES
