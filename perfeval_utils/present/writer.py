"""Write a :class:`Report` as a v1 workbook, and the sheets of an empty template, with openpyxl.

``load_report(write_workbook(report, path))`` gives back the same frames, value for value:
amounts and other numbers are written as the number Excel shows (``1415.43``, ``46.2``, ``0``),
so the loader reads back the same ``Decimal``; a stated rate printed with trailing zeros
(``100.00``) is written as the text ``100.00`` so that its printed precision survives; counts
are whole numbers, dates are Excel dates and text is text (a text starting with ``=`` stays
text, never becomes a formula). Rows keep their Excel row numbers where the report has them,
so even ``excel_row`` survives the round trip. A number Excel cannot hold exactly is refused
with a :class:`WriteError` rather than rounded.

Every sheet is laid out the same way, for the people who fill it in: headers in row 1 with an
explanatory comment on each, column widths that fit the text, the header row frozen, and Excel
data validation (drop-downs for 维度 and 一级指标, numbers only where the loader wants a
number, a year for 年度). Validation never applies to the header row and never fills a blank
cell, so blank cells stay blank when loaded. :func:`perfeval_utils.present.template.write_template`
builds on the same code.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfeval_utils import schema
from perfeval_utils.cells import is_blank, text_width
from perfeval_utils.errors import PerfevalError
from perfeval_utils.report import Report
from perfeval_utils.schema import Column, Kind, Sheet

#: Data validation covers the header's column down to this row (or further, for longer sheets).
VALIDATION_ROWS: Final = 500
#: Column widths (Excel character units) by content; a column is never narrower than its header.
NARROW_WIDTH: Final = 12
TEXT_WIDTH: Final = 16
WIDE_WIDTH: Final = 36
MAX_WIDTH: Final = 60
#: Columns that hold long text (names, value strings, 出处, reasons, expressions).
WIDE_COLUMNS: Final = frozenset(
    {"name", "target_text", "actual_text", "reason", "source", "item", "description", "left", "right", "section",
     "value"}
)
HEADER_FILL: Final = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
HEADER_FONT: Final = Font(bold=True)
COMMENT_AUTHOR: Final = "perfeval"
DATE_FORMAT: Final = "yyyy-mm-dd"

_SOURCE_NOTE = ("出处：该数在报告中的位置，写章节标题和 seeds/ 文件的行号，"
                "如「一（二）部门整体收支情况 第27行」、「第75–77行」。")
_AMOUNT_NOTE = ("不带单位、不带千分位、不带「约」的数字，单位见基本信息「金额单位」（万元或元）；"
                "报告未列则留空，不要填 0。")

#: The note on each header, by (sheet name, column name); a column not listed gets a note from its kind.
HEADER_NOTES: Final[Mapping[tuple[str, str], str]] = {
    ("meta", "field"): "项目名称。部门、年度、金额单位必填；报告类型、自评得分、年末结转结余、报告日期、"
                       "来源文件等按报告填写，其他项目按名称原样保留为文字。",
    ("meta", "value"): "该项目的值。年度填四位年份（如 2023）；金额单位填 万元 或 元；报告日期填日期；"
                       "得分、金额填数字。",
    ("meta", "source"): _SOURCE_NOTE,
    ("budget", "dimension"): "合计（只一行：部门整体）、资金来源、支出性质，或自定分组的文字（下拉之外的文字也可以）。",
    ("budget", "item"): "该行的名称，如 部门整体支出、一般公共预算财政拨款、基本支出、项目支出。",
    ("budget", "budget"): "全年预算数：" + _AMOUNT_NOTE,
    ("budget", "executed"): "全年执行数（决算数）：" + _AMOUNT_NOTE,
    ("budget", "prior_executed"): "本报告所列的上年执行数（上年决算数）：" + _AMOUNT_NOTE + "不要从上年工作簿抄录。",
    ("budget", "stated_rate"): "报告印出的执行率，按百分数填数字：98.25% 填 98.25。"
                               "直接输入 98.25% 时 Excel 会存成 0.9825，请输入 98.25。报告未列则留空。",
    ("budget", "source"): _SOURCE_NOTE,
    ("kpis", "indicator_id"): "指标编号，本表内唯一，如 1 或 T1-3。",
    ("kpis", "scope"): "部门整体，或「任务」表中的任务编号（如 任务1）。",
    ("kpis", "category"): "一级指标：产出 / 效益 / 满意度 / 成本（老式部门整体支出表：投入 / 过程）。",
    ("kpis", "subcategory"): "报告所列二级指标，如 数量指标、质量指标；未列则留空。",
    ("kpis", "name"): "指标名称，照报告原文。逐年比较按名称匹配（忽略空格和全角半角之差），改了名称即算新指标。",
    ("kpis", "target_text"): "年度指标值（预期值），照报告原文，连同单位和 ≥ 等符号。",
    ("kpis", "actual_text"): "全年实际完成值（实现值），照报告原文，连同单位。",
    ("kpis", "status_text"): "报告所列完成情况，如 已完成 / 未完成；括号里的原因填到「偏差原因」。",
    ("kpis", "weight"): "该指标的分值（数字），报告未列则留空。",
    ("kpis", "score"): "该指标的得分（数字），报告未列则留空。",
    ("kpis", "reason"): "偏差原因和改进措施，照报告原文。",
    ("kpis", "source"): _SOURCE_NOTE,
    ("tasks", "task_id"): "任务编号，如 任务1；「指标」表的范围引用它。本表内唯一。",
    ("tasks", "name"): "任务名称，照报告原文。",
    ("tasks", "implementer"): "实施单位，照报告原文。",
    ("tasks", "amount"): "该任务的资金：" + _AMOUNT_NOTE,
    ("tasks", "stated_indicators"): "报告所述该任务的指标个数（整数）。",
    ("tasks", "stated_met"): "报告所述该任务已完成的指标个数（整数）。",
    ("tasks", "source"): _SOURCE_NOTE,
    ("claims", "claim_id"): "编号，如 C01，本表内唯一。",
    ("claims", "section"): "该数所在的章节标题。",
    ("claims", "item"): "这个数说的事项。约数在末尾加（约）、（近）等；指标个数写 指标计数:部门整体:合计；"
                        "与上年比较写 较上年:部门整体支出:增减额 或 较上年:部门整体支出:增减率。",
    ("claims", "value"): "数值（可以为负），按原文；中文数字改写成阿拉伯数字。",
    ("claims", "unit"): "原文的单位，如 万元、元/人、人、%（不换算）。",
    ("claims", "source"): _SOURCE_NOTE,
    ("rules", "rule_id"): "编号，如 R01，本表内唯一。",
    ("rules", "description"): "这条核对说明什么，如「标准 × 人数 应等于合计发放」。",
    ("rules", "left"): "左式：由工作簿中有名称的数组成的算式（语法见 docs/check-rules.md）。",
    ("rules", "right"): "右式：与左式比较的算式。",
    ("rules", "tolerance"): "容差：数字加单位，如 0.01万元；留空为精确比较。",
    ("rules", "source"): _SOURCE_NOTE,
}

_KIND_NOTES: Final[Mapping[Kind, str]] = {
    Kind.TEXT: "文字，照报告原文。",
    Kind.AMOUNT: "金额：" + _AMOUNT_NOTE,
    Kind.RATE: "百分数按数字填写：98.25% 填 98.25。",
    Kind.COUNT: "整数（≥ 0）。",
    Kind.DECIMAL: "数字。",
}

#: Which 基本信息 值 cells get which validation, by Report.meta key.
_META_LISTS: Final[Mapping[str, Sequence[str]]] = {
    "amount_unit": schema.AMOUNT_UNITS,
    "report_kind": schema.REPORT_KINDS,
    "self_grade": getattr(schema, "GRADES", ()),
}
_META_NUMBERS: Final = frozenset({"self_score", "carryover", "execution_weight", "execution_score"})


class WriteError(PerfevalError):
    """A value that cannot be written so that load_report reads it back unchanged."""


# ---- values --------------------------------------------------------------------------------


def _trailing_zeros(value: Decimal) -> bool:
    """98.250 or 100.00: a printed precision that a number cell would lose."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent < 0 and value == value.quantize(Decimal(1).scaleb(exponent + 1))


def excel_number(value: Decimal | int | float, where: str = "") -> int | float:
    """The int or float to store so that the loader reads back ``value`` (as Decimal) unchanged.

    openpyxl writes a float with 16 significant digits and the loader reads the shortest repr
    back; a Decimal that does not survive that (more digits than Excel holds) is refused.
    """
    if isinstance(value, bool):
        raise WriteError(f"{where}: a yes/no value where a number belongs: {value!r}")
    if isinstance(value, int):
        return value
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        raise WriteError(f"{where}: not a finite number: {value!r}")
    if number == number.to_integral_value() and abs(number) < 2**53:
        return int(number)
    as_float = float(number)
    if Decimal(repr(float(f"{as_float:.16g}"))) != number:
        raise WriteError(
            f"{where}: {number} has more digits than an Excel cell holds; it would not load back unchanged"
        )
    return as_float


def _cell_value(value: Any, column: Column, where: str) -> Any:
    """What to put in the cell for one frame value of ``column``."""
    if is_blank(value):
        return None
    if column.kind is Kind.TEXT:
        return str(value)
    if column.kind is Kind.RATE and isinstance(value, Decimal) and _trailing_zeros(value):
        return format(value, "f")  # the loader reads "100.00" back as Decimal("100.00")
    if column.kind is Kind.COUNT:
        return int(value)
    return excel_number(value, where)


def _meta_value(key: str, value: Any) -> Any:
    if is_blank(value):
        return None
    if isinstance(value, Decimal | float) or (isinstance(value, int) and not isinstance(value, bool)):
        return excel_number(value, f"基本信息 {key}")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return str(value)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell; text stays text even when it starts with = (never a formula)."""
    try:
        cell = ws.cell(row=row, column=column, value=value)
    except IllegalCharacterError as exc:
        raise WriteError(
            f"工作表「{ws.title}」第 {row} 行第 {column} 列: the text holds a control character Excel cannot store: "
            f"{value!r}"
        ) from exc
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def _display_width(value: Any) -> int:
    """Width in half-width characters: a Chinese character is two."""
    text = "" if value is None else str(value)
    longest = max((line for line in text.split("\n")), key=len, default="")
    return text_width(longest)


# ---- sheets --------------------------------------------------------------------------------


def new_workbook() -> Workbook:
    """An empty openpyxl workbook without its default sheet."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    return book


def header_note(sheet: Sheet, column: Column) -> str:
    """The explanatory comment on a header: what goes in the column and how to write it."""
    note = HEADER_NOTES.get((sheet.name, column.name), _KIND_NOTES[column.kind])
    if column.required:
        note += "（必填）"
    return note


def _column_width(column: Column, values: Iterable[Any]) -> float:
    base = NARROW_WIDTH if column.kind is not Kind.TEXT else TEXT_WIDTH
    if column.name in WIDE_COLUMNS:
        base = WIDE_WIDTH
    widest = max([_display_width(column.header) + 4, *(_display_width(v) + 2 for v in values)])
    return float(min(MAX_WIDTH, max(base, widest)))


def _validation(column: Column, sheet: Sheet) -> DataValidation | None:
    """Excel's check for a column: a drop-down, or numbers only; None for free text."""
    if sheet is schema.BUDGET and column.name == "dimension":
        return list_validation(
            schema.BUDGET_DIMENSIONS, strict=False,
            prompt="合计只一行；其他文字为自定分组，选「是」继续。",
        )
    if sheet is schema.KPIS and column.name == "category":
        return list_validation(schema.CATEGORIES, strict=True, prompt="一级指标：请从下拉中选。")
    if column.kind is Kind.AMOUNT:
        return _number_validation("decimal", "greaterThanOrEqual", "0", "金额：不带单位的数字，≥ 0。")
    if column.kind is Kind.RATE:
        return _number_validation("decimal", "greaterThanOrEqual", "0", "执行率：98.25% 填 98.25。", strict=False)
    if column.kind is Kind.COUNT:
        return _number_validation("whole", "greaterThanOrEqual", "0", "整数，≥ 0。")
    if column.kind is Kind.DECIMAL:
        return _number_validation("decimal", "between", "-1000000000000", "数字。", formula2="1000000000000")
    return None


def list_validation(options: Sequence[str], *, strict: bool, prompt: str) -> DataValidation:
    return DataValidation(
        type="list", formula1='"' + ",".join(options) + '"', allow_blank=True, showDropDown=False,
        showErrorMessage=True, errorStyle="stop" if strict else "warning", errorTitle="请检查",
        error=prompt, showInputMessage=False,
    )


def _number_validation(
    kind: str, operator: str, formula1: str, message: str, *, strict: bool = True, formula2: str | None = None
) -> DataValidation:
    return DataValidation(
        type=kind, operator=operator, formula1=formula1, formula2=formula2, allow_blank=True,
        showErrorMessage=True, errorStyle="stop" if strict else "warning", errorTitle="请检查", error=message,
    )


def add_sheet(
    book: Workbook, sheet: Sheet, rows: int = 0, values: Mapping[str, Iterable[Any]] | None = None
) -> Worksheet:
    """A sheet with its headers in row 1, a comment on each, widths, the header row frozen and validation.

    ``rows`` is the last data row expected (validation reaches at least :data:`VALIDATION_ROWS`);
    ``values`` (column name → the values that will be written) widens columns to fit them.
    """
    ws = book.create_sheet(sheet.title)
    last = max(VALIDATION_ROWS, rows + 100)
    for at, column in enumerate(sheet.columns, start=1):
        cell = _put(ws, 1, at, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        comment = Comment(header_note(sheet, column), COMMENT_AUTHOR)
        comment.width, comment.height = 320, 120
        cell.comment = comment
        letter = get_column_letter(at)
        ws.column_dimensions[letter].width = _column_width(column, (values or {}).get(column.name, ()))
        if sheet is schema.META:
            continue  # 基本信息 值 cells are validated one by one (年度, 金额单位 …), see write_meta
        validation = _validation(column, sheet)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "A2"
    return ws


def _target_rows(frame: pd.DataFrame) -> list[int]:
    """The Excel row of each frame row: its own ``excel_row`` where those are usable, else 2, 3, …"""
    sequential = list(range(2, len(frame) + 2))
    if "excel_row" not in frame.columns or frame.empty:
        return sequential
    try:
        rows = [int(r) for r in frame["excel_row"]]
    except (TypeError, ValueError):
        return sequential
    if rows[0] >= 2 and all(b > a for a, b in itertools.pairwise(rows)):
        return rows
    return sequential


def write_rows(ws: Worksheet, sheet: Sheet, frame: pd.DataFrame) -> None:
    """The frame's rows under the headers (columns by the schema's English names)."""
    missing = [c.name for c in sheet.columns if c.name not in frame.columns]
    if missing:
        raise WriteError(f"工作表「{sheet.title}」: the frame lacks the columns {', '.join(missing)}")
    for row, record in zip(_target_rows(frame), frame.itertuples(index=False), strict=True):
        values = record._asdict()
        for at, column in enumerate(sheet.columns, start=1):
            where = f"工作表「{sheet.title}」第 {row} 行，列「{column.header}」"
            value = _cell_value(values[column.name], column, where)
            if value is not None:
                _put(ws, row, at, value)


def meta_rows(meta: Mapping[str, Any], sources: Mapping[str, str | None]) -> list[tuple[str, Any, str | None]]:
    """(字段, value, 出处) for every row 基本信息 had (the keys of ``sources``), then every other stated value."""
    chinese = {key: field for field, key in {**schema.META_FIELDS, **schema.MONITORING_META_FIELDS}.items()}
    keys = [*sources, *(k for k, v in meta.items() if k not in sources and not is_blank(v))]
    return [(chinese.get(key, key), meta.get(key), sources.get(key)) for key in keys]


def write_meta(ws: Worksheet, rows: Sequence[tuple[str, Any, str | None]]) -> None:
    """基本信息 rows from row 2, each 值 cell validated by what its 字段 holds."""
    keys = schema.META_FIELDS
    for at, (field, value, source) in enumerate(rows, start=2):
        _put(ws, at, 1, field)
        written = _meta_value(field, value)
        if written is not None:
            _put(ws, at, 2, written)
        if not is_blank(source):
            _put(ws, at, 3, str(source))
        validation = _meta_validation(keys.get(field))
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"B{at}")


def _meta_validation(key: str | None) -> DataValidation | None:
    if key == "year":
        low, high = schema.YEAR_RANGE
        return _number_validation("whole", "between", str(low), f"年度：四位年份，{low}–{high}。", formula2=str(high))
    options = _META_LISTS.get(key or "")
    if options:
        return list_validation(options, strict=True, prompt="请从下拉中选。")
    if key == "report_date":
        return DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                              showErrorMessage=True, errorStyle="warning", errorTitle="请检查",
                              error="报告日期：填日期，如 2023-05-29。")
    if key in _META_NUMBERS:
        return _number_validation("decimal", "between", "-1000000000000", "填数字。", formula2="1000000000000")
    return None


def _frames(report: Report) -> dict[str, pd.DataFrame]:
    return {sheet.name: getattr(report, sheet.name) for sheet in schema.SHEETS if sheet is not schema.META}


def build_workbook(meta: Sequence[tuple[str, Any, str | None]], frames: Mapping[str, pd.DataFrame]) -> Workbook:
    """Every sheet of :data:`schema.SHEETS`, in order: 基本信息 from ``meta``, the others from ``frames``."""
    book = new_workbook()
    for sheet in schema.SHEETS:
        if sheet is schema.META:
            values = {"field": [m[0] for m in meta], "value": [m[1] for m in meta], "source": [m[2] for m in meta]}
            write_meta(add_sheet(book, sheet, len(meta) + 1, values), meta)
            continue
        frame = frames.get(sheet.name)
        if frame is None:
            frame = pd.DataFrame(columns=sheet.names)
        rows = _target_rows(frame)
        values = {c.name: frame[c.name].tolist() for c in sheet.columns if c.name in frame.columns}
        write_rows(add_sheet(book, sheet, rows[-1] if rows else 1, values), sheet, frame)
    return book


def save(book: Workbook, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise WriteError(f"{path}: a v1 workbook is an .xlsx file; name it …xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_workbook(report: Report, path: str | Path) -> Path:
    """Write ``report`` as a v1 workbook at ``path`` (.xlsx) and return the path.

    Every sheet of the format is written (an empty optional sheet as its header row), with
    header comments, widths, frozen headers and validation; 基本信息 holds a row for every
    field the report had (with its 出处) and every other stated meta value.
    """
    book = build_workbook(meta_rows(report.meta, report.meta_sources), _frames(report))
    from perfeval_utils.present.monitoring_sheets import add_monitoring_sheets, monitoring_frames

    if monitoring_frames(report):  # 监控预算 / 监控指标 only when the report has them
        add_monitoring_sheets(book, monitoring_frames(report))
    return save(book, path)


#: The sheet of a document's workbook listing what a person must still decide (perfeval import).
PENDING_SHEET = "待核"


def write_intake(intake: Any, path: str | Path) -> Path:
    """The Report as a v1 workbook, plus a sheet 待核: every open question, warning, unplaced cell or line, drop."""
    report = intake.report
    frames = {sheet.name: getattr(report, sheet.name) for sheet in schema.SHEETS if sheet is not schema.META}
    book = build_workbook(meta_rows(report.meta, report.meta_sources), frames)
    sheet = book.create_sheet(PENDING_SHEET)
    sheet.append(["类别", "位置", "内容", "原因或问题"])
    for question in intake.open_questions:
        sheet.append(["待确认", None, None, question])
    for place, value, reason in intake.unplaced.itertuples(index=False):
        sheet.append(["未读入", place, value, reason])
    for line in intake.dropped:
        page, _, text = line.partition(": ")
        sheet.append(["已略去（页眉页脚页码）", page, text, "repeated page header/footer or page number"])
    sheet.append(["读取方式", None, intake.reader, f"encoding: {intake.encoding}" if intake.encoding else None])
    for column, width in zip("ABCD", (14, 24, 40, 80), strict=True):
        sheet.column_dimensions[column].width = width
    return save(book, path)
