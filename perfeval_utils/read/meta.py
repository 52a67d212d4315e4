"""基本信息: the workbook's one-value fields (部门, 年度, 金额单位, 自评得分 …), each read by its own
rule; numbers through the loader's cell converter, so one number rule holds here too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from perfeval_utils import schema
from perfeval_utils.cells import Cell, cell_text, is_blank, is_number, strip_text
from perfeval_utils.errors import MetaError, UnknownValueError, WorkbookError
from perfeval_utils.read.convert import CellReader
from perfeval_utils.read.layout import refuse_duplicate_ids
from perfeval_utils.schema import Column, Kind

if TYPE_CHECKING:
    from perfeval_utils.read.workbook import Loader


_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?\s*$")
_YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*年?\s*$")


@dataclass(frozen=True)
class _Place:
    """Where a 基本信息 value is, for error messages; ``cells`` converts numbers with the loader's rules."""

    cells: CellReader
    row: int
    column: str
    at: int = -1  # the 0-based column of the value, for its number format

    def error(self, cls: type[WorkbookError], problem: str, **kwargs: Any) -> WorkbookError:
        return self.cells.error(cls, problem, self.row, self.column, **kwargs)


def read_meta(loader: Loader) -> tuple[dict[str, Any], dict[str, Any]]:
    sheet = schema.META
    path = loader.path
    table = loader.read_table(sheet, schema.META_OPTIONAL_HEADERS)
    refuse_duplicate_ids(table, path)
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
    cells = CellReader(path, sheet.title, loader.package.scans.get(loader.names[sheet.title]), loader.warn)
    meta: dict[str, Any] = dict.fromkeys(schema.META_FIELDS.values())
    for field_name, value in raw.items():
        place = _Place(cells, int(row_of[field_name]), "值", value_at)
        key = schema.META_FIELDS.get(field_name) or schema.MONITORING_META_FIELDS.get(field_name)
        if key is None:
            meta[field_name] = None if is_blank(value) else _meta_text(value, place)
        else:
            meta[key] = None if is_blank(value) else _META_READERS[key](value, place)
    _check_monitoring_date(meta, row_of, cells)
    keys = {**schema.META_FIELDS, **schema.MONITORING_META_FIELDS}
    return meta, {keys.get(k, k): v for k, v in sources.items()}


def _meta_text(value: Cell, place: _Place) -> str:
    """The text as shown: format characters (zero-width, bidirectional marks) removed with a warning."""
    if isinstance(value, str) and not value.isascii():
        return strip_text(place.cells.visible(value, place.column, place.row))
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
    text = _meta_text(value, place)
    if text not in schema.AMOUNT_UNITS:
        raise place.error(
            UnknownValueError, "金额单位 is not 万元 or 元", found=value, expected=" or ".join(schema.AMOUNT_UNITS),
            fix="state the unit the report prints its amounts in",
        )
    return text


def _meta_kind(value: Cell, place: _Place) -> str:
    text = _meta_text(value, place)
    if text not in schema.REPORT_KINDS:
        raise place.error(UnknownValueError, "unknown 报告类型", found=value, expected=" / ".join(schema.REPORT_KINDS))
    return text


def _meta_grade(value: Cell, place: _Place) -> str:
    text = _meta_text(value, place).removesuffix("级").removesuffix("等")
    if text not in schema.GRADES:
        raise place.error(UnknownValueError, "unknown 自评等级", found=value, expected=" / ".join(schema.GRADES))
    return text


def _meta_number(kind: Kind) -> Callable[[Cell, _Place], Decimal]:
    def read(value: Cell, place: _Place) -> Decimal:
        return place.cells.convert(value, Column(place.column, place.column, kind), place.row, place.at)

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
    number = place.cells.convert(value, Column("时间进度", "time_progress", Kind.RATE), place.row, place.at)
    if not 0 <= number <= 100:
        raise place.error(MetaError, "时间进度 is not a percentage between 0 and 100", found=value,
                          expected="the share of the year the bureau sets, as a percentage, e.g. 58.33")
    return number


def _check_monitoring_date(meta: dict[str, Any], row_of: dict[str, Any], cells: CellReader) -> None:
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

