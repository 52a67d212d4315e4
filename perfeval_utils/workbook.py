"""Load a v1 workbook (one department, one year) into a :class:`Report` of pandas frames.

The workbook is read once with calamine (python-calamine, the engine pandas calls
``engine="calamine"``; about 8× faster than openpyxl here) straight from its cells, so
every value keeps its Excel row number for error messages and for the auditor's trail.
Nothing is guessed: a cell that does not fit its column raises a :class:`WorkbookError`
subclass naming the file, sheet, row, column, the value found and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from perfeval_utils import schema
from perfeval_utils.errors import (
    CellTypeError,
    DuplicateIdError,
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
from perfeval_utils.schema import Column, Kind, Sheet

Cell = Any  # what calamine returns: str, float, int, bool, date, datetime, time, timedelta
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Report:
    """One department's self-evaluation for one year, as the workbook states it.

    ``meta`` holds department, year, amount_unit, report_kind, self_score, carryover,
    report_date, source_document (None when not given) plus any other 基本信息 field
    under its Chinese name; ``meta_sources`` the 出处 of each 基本信息 field. Each frame
    ends with ``excel_row``, the row of the workbook the line came from.
    """

    path: Path
    meta: dict[str, Any]
    budget: pd.DataFrame
    kpis: pd.DataFrame
    tasks: pd.DataFrame
    claims: pd.DataFrame
    rules: pd.DataFrame
    meta_sources: dict[str, str | None] = field(default_factory=dict)

    @property
    def department(self) -> str:
        return str(self.meta["department"])

    @property
    def year(self) -> int:
        return int(self.meta["year"])

    @property
    def amount_unit(self) -> str:
        return str(self.meta["amount_unit"])


# ---- the file ------------------------------------------------------------------------


def _open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    """Refuse anything that is not a readable .xlsx before calamine sees it."""
    if not path.exists():
        raise NotAWorkbookError(
            "file not found", file=path, expected="an existing .xlsx file", fix="check the path"
        )
    if path.suffix.lower() != ".xlsx":
        raise NotAWorkbookError(
            "not an .xlsx workbook",
            file=path,
            found=path.suffix or "(no suffix)",
            expected=".xlsx (Excel 2007+ workbook)",
            fix="save the file from Excel or WPS as .xlsx (Excel 工作簿)",
        )
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise NotAWorkbookError(
            "the file is empty (0 bytes)", file=path, expected="an .xlsx workbook",
            fix="save the workbook again; the copy may have been interrupted",
        )
    if head != ZIP_MAGIC:
        raise NotAWorkbookError(
            "the file is not an .xlsx workbook (an .xlsx is a zip archive; this one is not)",
            file=path,
            found=head,
            expected="bytes starting with PK (zip)",
            fix="if it is a CSV or an old .xls renamed to .xlsx, open it in Excel and save as .xlsx",
        )
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError) as exc:
        raise NotAWorkbookError(
            f"the workbook cannot be read ({exc})",
            file=path,
            expected="an intact, unencrypted .xlsx workbook",
            fix="open it in Excel, remove any password and save it again as .xlsx",
        ) from exc


def _rows(book: python_calamine.CalamineWorkbook, title: str) -> list[list[Cell]]:
    """All rows of a sheet from A1, blank cells as ''; Excel row n is index n-1."""
    return book.get_sheet_by_name(title).to_python(skip_empty_area=False)


# ---- cells ---------------------------------------------------------------------------

_RATE_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[%％]?\s*$")


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_to_decimal(value: float | int) -> Decimal:
    """The number as Excel shows it: shortest float repr, so 1415.43 stays 1415.43."""
    if isinstance(value, int):
        return Decimal(value)
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))


def _is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_text(value: Cell) -> str:
    if _is_number(value):
        number = _number_to_decimal(value)
        return str(number)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class _Place:
    """Where a cell is, for error messages."""

    file: Path
    sheet: str
    row: int
    column: str

    def error(self, cls: type[WorkbookError], problem: str, **kwargs: Any) -> WorkbookError:
        return cls(problem, file=self.file, sheet=self.sheet, row=self.row, column=self.column, **kwargs)


def _convert(value: Cell, column: Column, place: _Place) -> Any:
    """Read one cell as its column's kind, or raise an error that says how to fix it."""
    if _blank(value):
        if column.required:
            raise place.error(CellTypeError, "required cell is blank", found="", expected=_expected(column))
        return None
    if column.kind is Kind.TEXT:
        return _as_text(value)
    if column.kind is Kind.RATE and isinstance(value, str):
        match = _RATE_TEXT.match(value)
        if match:
            return Decimal(match.group(1))
    if not _is_number(value):
        raise place.error(
            CellTypeError,
            "text where a number belongs" if isinstance(value, str) else "not a number",
            found=value,
            expected=_expected(column),
            fix="type the bare number (no unit, no thousands separator, no 约); "
            "the unit is set once in 基本信息 金额单位",
        )
    number = _number_to_decimal(value)
    if column.kind is Kind.AMOUNT and number < 0:
        raise place.error(NegativeAmountError, "negative amount", found=value, expected="an amount ≥ 0")
    if column.kind is Kind.COUNT:
        if number != number.to_integral_value() or number < 0:
            raise place.error(CellTypeError, "not a whole count", found=value, expected=_expected(column))
        return int(number)
    return number


def _expected(column: Column) -> str:
    return {
        Kind.TEXT: "text",
        Kind.AMOUNT: "an amount ≥ 0 in the workbook's 金额单位, e.g. 1415.43",
        Kind.RATE: "a percentage as printed, e.g. 98.25 or 98.25%",
        Kind.COUNT: "a whole number ≥ 0",
        Kind.DECIMAL: "a number, e.g. 98.39",
    }[column.kind]


# ---- sheets --------------------------------------------------------------------------


def _normalise_header(value: Cell) -> str:
    """Headers compare without surrounding or inner blanks (incl. the full-width space)."""
    return re.sub(r"\s+", "", _as_text(value)) if not _blank(value) else ""


def _read_sheet(
    book: python_calamine.CalamineWorkbook,
    sheet: Sheet,
    path: Path,
    optional_headers: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """One sheet as a frame of converted cells plus ``excel_row``; blank rows carry nothing and are skipped."""
    columns_out = [*sheet.names, "excel_row"]
    if sheet.title not in book.sheet_names:
        if sheet.optional:
            return _frame([], sheet)
        raise MissingSheetError(
            f"required sheet「{sheet.title}」is missing",
            file=path,
            sheet=sheet.title,
            found=list(book.sheet_names),
            expected=f"a sheet named {sheet.title} with headers {', '.join(sheet.headers)}",
            fix="rename the sheet or add it (see docs/workbook-format.md)",
        )
    rows = _rows(book, sheet.title)
    if not rows or all(_blank(v) for v in rows[0]):
        raise MissingColumnError(
            "the header row (row 1) is empty",
            file=path, sheet=sheet.title, row=1, column=sheet.headers[0],
            expected="headers " + ", ".join(sheet.headers),
        )
    positions = _map_headers(rows, sheet, path, optional_headers)
    records: list[list[Any]] = []
    for index, row in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        _refuse_orphans(row, positions, sheet, path, index, rows[0])
        record = []
        for column in sheet.columns:
            at = positions.get(column.header)
            value = row[at] if at is not None and at < len(row) else None
            record.append(_convert(value, column, _Place(path, sheet.title, index, column.header)))
        records.append([*record, index])
    frame = _frame(records, sheet)
    assert list(frame.columns) == columns_out
    return frame


def _map_headers(
    rows: list[list[Cell]], sheet: Sheet, path: Path, optional_headers: frozenset[str]
) -> dict[str, int]:
    """Header → column index; every documented header must be present, no unknown one."""
    positions: dict[str, int] = {}
    for at, value in enumerate(rows[0]):
        header = _normalise_header(value)
        if not header:
            continue
        if header not in sheet.headers:
            raise UnexpectedColumnError(
                "unknown column header",
                file=path, sheet=sheet.title, row=1, column=header, found=value,
                expected="one of " + ", ".join(sheet.headers),
                fix="correct the header's spelling or delete the column",
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
                found=[_as_text(v) for v in rows[0] if not _blank(v)],
                expected="headers " + ", ".join(sheet.headers),
                fix=f"add a column headed {header} in row 1",
            )
    return positions


def _refuse_orphans(
    row: list[Cell], positions: dict[str, int], sheet: Sheet, path: Path, index: int, header: list[Cell]
) -> None:
    """A value under no header would be lost: refuse it rather than drop it."""
    known = set(positions.values())
    for at, value in enumerate(row):
        if at not in known and not _blank(value):
            raise UnexpectedColumnError(
                "a value stands in a column without a header (it would be lost)",
                file=path, sheet=sheet.title, row=index, column=_column_letter(at), found=value,
                expected="values only under the headers " + ", ".join(sheet.headers),
                fix="add the header or move the value",
            )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _frame(records: Sequence[Sequence[Any]], sheet: Sheet) -> pd.DataFrame:
    """Text as pandas strings, exact numbers as Decimal objects, counts as nullable Int64."""
    names = [*sheet.names, "excel_row"]
    frame = pd.DataFrame.from_records(list(records), columns=names)
    for column in sheet.columns:
        if column.kind is Kind.TEXT:
            frame[column.name] = frame[column.name].astype("str")
        elif column.kind is Kind.COUNT:
            frame[column.name] = frame[column.name].astype("Int64")
        else:
            frame[column.name] = frame[column.name].astype(object)
    frame["excel_row"] = frame["excel_row"].astype("int64")
    return frame


def _refuse_duplicates(frame: pd.DataFrame, sheet: Sheet, path: Path) -> None:
    if sheet.id_column is None or frame.empty:
        return
    header = next(c.header for c in sheet.columns if c.name == sheet.id_column)
    seen: dict[str, int] = {}
    for value, row in zip(frame[sheet.id_column], frame["excel_row"], strict=True):
        if value in seen:
            raise DuplicateIdError(
                f"{header} {value} appears twice (rows {seen[value]} and {row})",
                file=path, sheet=sheet.title, row=int(row), column=header, found=value,
                expected=f"a unique {header}", fix="renumber one of the two rows",
            )
        seen[value] = int(row)


def _check_values(
    frame: pd.DataFrame, sheet: Sheet, name: str, path: Path, accept: Callable[[str], bool], expected: str
) -> None:
    header = next(c.header for c in sheet.columns if c.name == name)
    for value, row in zip(frame[name], frame["excel_row"], strict=True):
        if value is not None and not accept(value):
            raise UnknownValueError(
                f"unknown {header}", file=path, sheet=sheet.title, row=int(row), column=header,
                found=value, expected=expected,
            )


# ---- per-sheet rules -----------------------------------------------------------------


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


def _validate_budget(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    sheet = schema.BUDGET
    for value, row in zip(frame["dimension"], frame["excel_row"], strict=True):
        guess = _near_miss(value, schema.BUDGET_DIMENSIONS)
        if guess is not None:
            raise UnknownValueError(
                "unknown 维度 (looks like a misspelt fixed value)",
                file=path, sheet=sheet.title, row=int(row), column="维度", found=value,
                expected=" / ".join(schema.BUDGET_DIMENSIONS) + " or a free-text dimension",
                fix=f"write {guess}",
            )
    totals = frame.loc[frame["dimension"] == schema.TOTAL, "excel_row"].tolist()
    if len(totals) != 1:
        raise TotalRowError(
            "no 合计 row" if not totals else f"{len(totals)} 合计 rows (rows {', '.join(map(str, totals))})",
            file=path, sheet=sheet.title, row=totals[1] if len(totals) > 1 else None, column="维度",
            found=len(totals), expected="exactly one row with 维度 = 合计 (the department total)",
            fix="keep one 合计 row; put sub-totals under 资金来源 / 支出性质",
        )
    return frame


def _validate_kpis(frame: pd.DataFrame, task_ids: set[str], path: Path) -> pd.DataFrame:
    sheet = schema.KPIS
    _check_values(
        frame, sheet, "category", path,
        lambda v: schema.normalise_category(v) is not None,
        " / ".join(schema.CATEGORIES) + " (with or without 指标)",
    )
    frame["category"] = frame["category"].map(schema.normalise_category).astype("str")
    scopes = {schema.DEPARTMENT_SCOPE, *task_ids}
    _check_values(
        frame, sheet, "scope", path, lambda v: v in scopes,
        f"{schema.DEPARTMENT_SCOPE} or a 编号 of the 任务 sheet ({', '.join(sorted(task_ids)) or 'none listed'})",
    )
    return frame


_COUNT_ITEM = re.compile(rf"^{schema.COUNT_PREFIX}[:：](?P<scope>[^:：]+)[:：](?P<kind>[^:：]+)$")


def _validate_claims(frame: pd.DataFrame, task_ids: set[str], path: Path) -> pd.DataFrame:
    """事项 of the form 指标计数:<范围>:<口径> must name a known scope and kind and hold a whole number."""
    sheet = schema.CLAIMS
    scopes = {schema.DEPARTMENT_SCOPE, *task_ids}
    for item, value, row in zip(frame["item"], frame["value"], frame["excel_row"], strict=True):
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
    return frame


# ---- 基本信息 -------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?\s*$")
_YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*年?\s*$")


def _read_meta(book: python_calamine.CalamineWorkbook, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    sheet = schema.META
    frame = _read_sheet(book, sheet, path, schema.META_OPTIONAL_HEADERS)
    _refuse_duplicates(frame, sheet, path)
    rows = _rows(book, sheet.title)
    header = [_normalise_header(v) for v in rows[0]]
    value_at = header.index("值")
    raw = {field: rows[r - 1][value_at] if value_at < len(rows[r - 1]) else "" for field, r in
           zip(frame["field"], frame["excel_row"], strict=True)}
    row_of = dict(zip(frame["field"], frame["excel_row"], strict=True))
    sources = {f: (None if pd.isna(s) else s) for f, s in zip(frame["field"], frame["source"], strict=True)}
    for required in schema.META_REQUIRED:
        if required not in raw or _blank(raw[required]):
            raise MetaError(
                f"required field {required} is missing or blank",
                file=path, sheet=sheet.title, row=row_of.get(required), column="值",
                expected=f"a row with 字段 = {required} and its 值",
                fix=f"add the row 「{required}」 to 基本信息",
            )
    meta: dict[str, Any] = dict.fromkeys(schema.META_FIELDS.values())
    for field_name, value in raw.items():
        place = _Place(path, sheet.title, int(row_of[field_name]), "值")
        key = schema.META_FIELDS.get(field_name)
        if key is None:
            meta[field_name] = None if _blank(value) else _as_text(value)
        else:
            meta[key] = None if _blank(value) else _META_READERS[key](value, place)
    return meta, {schema.META_FIELDS.get(k, k): v for k, v in sources.items()}


def _meta_text(value: Cell, place: _Place) -> str:
    return _as_text(value)


def _meta_year(value: Cell, place: _Place) -> int:
    year: int | None = None
    if _is_number(value) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and (match := _YEAR_TEXT.match(value)):
        year = int(match.group(1))
    low, high = schema.YEAR_RANGE
    if year is None or not low <= year <= high:
        raise place.error(MetaError, "年度 is not a year", found=value, expected=f"a year such as 2022 ({low}–{high})")
    return year


def _meta_unit(value: Cell, place: _Place) -> str:
    text = _as_text(value)
    if text not in schema.AMOUNT_UNITS:
        raise place.error(
            UnknownValueError, "金额单位 is not 万元 or 元", found=value, expected=" or ".join(schema.AMOUNT_UNITS),
            fix="state the unit the report prints its amounts in",
        )
    return text


def _meta_kind(value: Cell, place: _Place) -> str:
    text = _as_text(value)
    if text not in schema.REPORT_KINDS:
        raise place.error(UnknownValueError, "unknown 报告类型", found=value, expected=" / ".join(schema.REPORT_KINDS))
    return text


def _meta_grade(value: Cell, place: _Place) -> str:
    text = _as_text(value).removesuffix("级").removesuffix("等")
    if text not in schema.GRADES:
        raise place.error(UnknownValueError, "unknown 自评等级", found=value, expected=" / ".join(schema.GRADES))
    return text


def _meta_number(kind: Kind) -> Callable[[Cell, _Place], Decimal]:
    def read(value: Cell, place: _Place) -> Decimal:
        return _convert(value, Column(place.column, place.column, kind), place)

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
}


# ---- the public function -------------------------------------------------------------


def load_report(path: str | Path) -> Report:
    """Load one v1 workbook, validating every sheet; raise a PerfevalError subclass on bad input."""
    path = Path(path)
    book = _open_workbook(path)
    try:
        meta, meta_sources = _read_meta(book, path)
        tasks = _read_sheet(book, schema.TASKS, path)
        _refuse_duplicates(tasks, schema.TASKS, path)
        task_ids = set(tasks["task_id"])
        budget = _validate_budget(_read_sheet(book, schema.BUDGET, path), path)
        kpis = _read_sheet(book, schema.KPIS, path)
        _refuse_duplicates(kpis, schema.KPIS, path)
        kpis = _validate_kpis(kpis, task_ids, path)
        claims = _read_sheet(book, schema.CLAIMS, path)
        _refuse_duplicates(claims, schema.CLAIMS, path)
        claims = _validate_claims(claims, task_ids, path)
        rules = _read_sheet(book, schema.RULES, path)
        _refuse_duplicates(rules, schema.RULES, path)
    finally:
        book.close()
    return Report(path, meta, budget, kpis, tasks, claims, rules, meta_sources)

