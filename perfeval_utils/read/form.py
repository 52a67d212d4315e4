"""Read an official self-evaluation form (项目支出/部门整体支出绩效自评表, 基础数据表) into a :class:`Report`.

Finance bureaus hand these forms out as Excel files laid out for printing: merged cells, two-row
headers, the header repeated after a page break, a 合计 row, notes beside the table. ``load_form``
finds the tables by the words in their header cells (never by position), reads them cell by cell
with openpyxl (merged ranges filled from their top-left cell) and returns the same
:class:`~perfeval_utils.read.workbook.Report` as ``load_report``, every figure's 出处 being its cell
(``自评表!E12``). A non-blank cell that cannot be placed is listed in ``FormResult.unplaced`` with
its address and the reason, never dropped. The decisions are documented in docs/forms.md.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from perfeval_utils import schema
from perfeval_utils.errors import MetaError, MissingSheetError, NotAWorkbookError, TotalRowError
from perfeval_utils.read.workbook import Report, sheet_frame

__all__ = [
    "BASIC_HEADER_WORDS",
    "BUDGET_HEADER_WORDS",
    "KPI_HEADER_WORDS",
    "AmountUnitError",
    "FormResult",
    "load_form",
]


class AmountUnitError(MetaError):
    """The form states no amount unit (and none was given), or states another one than was given."""


# ---- header words --------------------------------------------------------------------------------
# (field, words): a header cell belongs to the first field one of whose words it contains (blanks
# removed). The order matters: 得分系数 before 得分, 实际完成值 before 指标值, 偏差原因… before 分值.

KPI_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("coefficient", ("得分系数",)),
    ("core", ("是否核心指标", "核心指标")),
    ("nature", ("指标性质",)),
    ("measure_unit", ("度量单位", "计量单位")),
    ("reason", ("偏差原因", "未完成原因", "原因分析", "改进措施")),
    ("category", ("一级指标",)),
    ("subcategory", ("二级指标",)),
    ("name", ("三级指标", "指标名称")),
    ("initial_target", ("年初指标值", "年初目标值")),
    ("adjusted_target", ("调整指标值", "调整后指标值")),
    ("actual", ("实际完成值", "全年实际值", "全年完成值", "指标实现值", "实际完成", "实现值", "完成值", "实际值")),
    ("target", ("年度指标值", "指标预期值", "预期目标", "预期值", "目标值", "指标值")),
    ("score", ("指标得分", "得分")),
    ("weight", ("分值", "权重")),
    ("status", ("完成情况",)),
    ("ignored", ("绩效指标", "序号")),
)

BUDGET_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("initial_budget", ("年初预算数", "年初预算")),
    ("budget", ("全年预算数", "调整后预算数", "全年预算")),
    ("executed", ("全年执行数", "执行数")),
    ("rate", ("执行率",)),
    ("weight", ("分值", "权重")),
    ("score", ("得分",)),
)

#: 基础数据表 columns; ``2021年决算数 / 2022年预算数 / 2022年决算数`` are recognised too (the 决算 of the
#: 预算's year is 本年决算数, an earlier one 上年决算数).
BASIC_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("prior_executed", ("上年决算数", "上年决算")),
    ("executed", ("本年决算数", "本年决算")),
    ("budget", ("本年预算数", "本年预算")),
)

STAFF_HEADER_WORDS = ("编制数", "在职人数", "实有人数")

_TARGET_FIELDS = ("target", "initial_target", "adjusted_target", "actual")
_TOTAL_LABELS = ("合计", "总计", "小计", "总分")
_BUDGET_TOTAL_LABELS = ("合计", "总计", "支出合计", "部门整体支出", "部门整体支出合计")
_NATURE_LABELS = ("基本支出", "项目支出")
PLACEHOLDERS = frozenset({"—", "——", "-", "--", "/", "／", "…", "……", "...", "……/……"})
_OPERATORS = ("≥", "≤", ">", "<", "≧", "≦", "＞", "＜", ">=", "<=")

#: Label cells of the form's head (the value is the next cell to the right, or after a colon).
META_LABELS: dict[str, str] = {
    "主管部门": "department",
    "部门名称": "department",
    "单位名称": "department",
    "部门（单位）名称": "department",
    "预算部门": "department",
    "填报单位": "department",
    "项目名称": "项目名称",
    "实施单位": "实施单位",
    "年度": "year",
    "自评得分": "self_score",
    "自评总分": "self_score",
    "总分": "self_score",
    "自评等级": "self_grade",
    "填表人": "填表人",
    "联系电话": "联系电话",
    "填报日期": "填报日期",
}
_DEPARTMENT_PRIORITY = ("主管部门", "部门名称", "部门（单位）名称", "单位名称", "预算部门", "填报单位")

_UNIT_LABEL = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|元)")
_UNIT_BRACKET = re.compile(r"(?:资金|预算|金额|经费|支出).*[（(]\s*(万元|元)\s*[)）]")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
_YEAR_CELL = re.compile(r"^[（(]?\s*((?:19|20)\d{2})\s*年度?\s*[)）]?$")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PERCENT = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*[%％]$")
_POINTS = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*分$")
_NUMBERING = re.compile(
    r"^(?:其中\s*[:：]?\s*)?(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[)）])?\s*"
)
_ARABIC_NUMBERING = re.compile(r"^\s*\d+[、.．]")
_FRAME_OF = {"budget": schema.BUDGET, "kpis": schema.KPIS, "claims": schema.CLAIMS}


@dataclass(frozen=True)
class FormResult:
    """What ``load_form`` read.

    ``report`` is the standard Report; ``unplaced`` lists every non-blank cell it could not place
    (columns cell, value, reason); ``cells`` says where each loaded value came from (columns frame,
    key, column, value, cell), ``key`` being the meta key, the budget line's 项目, the indicator's
    编号 or the 文中数据 事项.
    """

    report: Report
    unplaced: pd.DataFrame
    cells: pd.DataFrame


# ---- the grid --------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_decimal(value: float | int) -> Decimal:
    """The number as Excel shows it in General format: 1415.43 stays 1415.43."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))


def _plain(number: Decimal) -> str:
    return format(number, "f")


def _decimals(number_format: str) -> int:
    match = re.search(r"\.(0+)", number_format)
    return len(match.group(1)) if match else 0


class _Grid:
    """One sheet's non-blank cells, with merged ranges filled from their top-left cell."""

    def __init__(self, sheet: Worksheet) -> None:
        self.title = sheet.title
        self.values: dict[tuple[int, int], Any] = {}
        self.formats: dict[tuple[int, int], str] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if not _blank(cell.value):
                    self.values[(cell.row, cell.column)] = cell.value
                    self.formats[(cell.row, cell.column)] = cell.number_format or "General"
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    self.anchor[(r, c)] = (merged.min_row, merged.min_col)
        cells = [*self.values, *self.anchor]
        self.max_row = max((r for r, _ in cells), default=0)
        self.max_col = max((c for _, c in cells), default=0)

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
        if _is_number(value):
            number = _to_decimal(value)
            number_format = self.formats.get(key, "General")
            if "%" in number_format:
                shown = (number * 100).quantize(Decimal(1).scaleb(-_decimals(number_format)))
                return f"{_plain(shown)}%"
            if re.fullmatch(r"[#,]*0\.0+", number_format):
                return _plain(number.quantize(Decimal(1).scaleb(-_decimals(number_format))))
            return _plain(number)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        return str(value).strip()

    def address(self, r: int, c: int) -> str:
        return f"{self.title}!{get_column_letter(c)}{r}"

    def row_cells(self, r: int) -> list[int]:
        """Columns of the row's own (top-left or unmerged) non-blank cells."""
        return sorted(c for (row, c) in self.values if row == r)


# ---- header rows -----------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int
    kind: str  # kpi / budget / basic / staff
    fields: dict[int, str]  # column → field
    band: list[int] = field(default_factory=list)  # rows of the header (upper rows of a two-row header first)
    label_columns: list[int] = field(default_factory=list)

    @property
    def signature(self) -> tuple[tuple[int, str], ...]:
        return tuple(sorted((c, f) for c, f in self.fields.items() if f != "ignored"))

    def column(self, name: str) -> int | None:
        return next((c for c, f in self.fields.items() if f == name), None)


def _classify(text: str, words: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    core = _norm(text)
    for name, options in words:
        if any(option in core for option in options):
            return name
    return None


def _row_texts(grid: _Grid, r: int) -> dict[int, str]:
    texts = {}
    for c in range(1, grid.max_col + 1):
        value = grid.filled(r, c)
        if isinstance(value, str) and value.strip():
            texts[c] = value
    return texts


def _kpi_fields(texts: dict[int, str]) -> dict[int, str]:
    return {c: f for c, t in texts.items() if (f := _classify(t, KPI_HEADER_WORDS)) is not None}


def _basic_fields(texts: dict[int, str]) -> dict[int, str]:
    fields: dict[int, str] = {}
    finals: dict[int, int] = {}
    budget_year = None
    for c, t in texts.items():
        core = _norm(t)
        named = _classify(core, BASIC_HEADER_WORDS)
        if named:
            fields[c] = named
        elif match := re.search(r"((?:19|20)\d{2})年?(?:度)?决算", core):
            finals[c] = int(match.group(1))
        elif match := re.search(r"((?:19|20)\d{2})年?(?:度)?预算", core):
            fields[c] = "budget"
            budget_year = int(match.group(1))
    for c, year in finals.items():
        latest = budget_year if budget_year is not None else max(finals.values())
        fields[c] = "executed" if year >= latest else "prior_executed"
    return fields


def _detect(grid: _Grid, r: int) -> _Header | None:
    texts = _row_texts(grid, r)
    if not texts:
        return None
    kpi = _kpi_fields(texts)
    if "name" in kpi.values() and any(f in kpi.values() for f in _TARGET_FIELDS):
        return _Header(r, "kpi", kpi)
    budget = {c: f for c, t in texts.items() if (f := _classify(t, BUDGET_HEADER_WORDS)) is not None}
    if "budget" in budget.values() and "executed" in budget.values():
        return _Header(r, "budget", budget)
    basic = _basic_fields(texts)
    if "budget" in basic.values() and ("executed" in basic.values() or "prior_executed" in basic.values()):
        return _Header(r, "basic", basic)
    staff = [c for c, t in texts.items() if any(w in _norm(t) for w in STAFF_HEADER_WORDS)]
    if staff:
        first = min(staff)
        return _Header(r, "staff", {c: "figure" for c in texts if c >= first})
    return None


def _upper_band(grid: _Grid, header: _Header) -> bool:
    """Is the row above a KPI header its upper half (绩效指标 over 一级/二级/三级, or headers merged down)?"""
    above = header.row - 1
    if above < 1 or header.kind != "kpi":
        return False
    columns = range(min(header.fields), max(header.fields) + 1)
    own = [c for c in columns if grid.own(above, c) is not None]
    if not own or any(_is_number(grid.own(above, c)) for c in own):
        return False
    vertical = any(
        grid.anchor.get((above, c)) is not None and grid.anchor.get((above, c)) == grid.anchor.get((header.row, c))
        for c in columns
    )
    groups = all(_classify(str(grid.own(above, c)), KPI_HEADER_WORDS) is not None for c in own)
    return vertical or groups


def _combine(grid: _Grid, header: _Header) -> None:
    """A two-row header: classify each column by its lower text, else by upper and lower together."""
    upper, lower = header.band[0], header.row
    columns = set(_row_texts(grid, upper)) | set(_row_texts(grid, lower))
    for c in sorted(columns):
        if header.fields.get(c) not in (None, "ignored"):
            continue
        top, bottom = grid.text(upper, c) or "", grid.text(lower, c) or ""
        for candidate in (bottom, bottom + top, top + bottom):
            found = _classify(candidate, KPI_HEADER_WORDS) if candidate else None
            if found and found != "ignored":
                header.fields[c] = found
                break


def _detect_two_rows(grid: _Grid, r: int) -> _Header | None:
    """A KPI header that only reads as one with the row above it (指标值 over 年初 | 调整)."""
    if r < 2:
        return None
    header = _Header(r, "kpi", _kpi_fields(_row_texts(grid, r)), band=[r - 1, r])
    if "name" not in header.fields.values() or not _upper_band(grid, header):
        return None
    _combine(grid, header)
    return header if any(f in header.fields.values() for f in _TARGET_FIELDS) else None


def _headers(grid: _Grid) -> list[_Header]:
    headers: list[_Header] = []
    for r in range(1, grid.max_row + 1):
        after_header = bool(headers) and headers[-1].row == r - 1
        header = _detect(grid, r) or (None if after_header else _detect_two_rows(grid, r))
        if header is None:
            continue
        if header.band != [r - 1, r]:
            header.band = [r]
            if _upper_band(grid, header) and not after_header:
                header.band = [r - 1, r]
                _combine(grid, header)
        first = min(c for c, f in header.fields.items() if f != "ignored")
        header.label_columns = list(range(1, first))
        headers.append(header)
    return headers


# ---- values ----------------------------------------------------------------------------------------


@dataclass
class _Reader:
    """The state of one form being read: what has been placed, what could not be."""

    grid: _Grid
    path: Path
    placed: set[tuple[int, int]] = field(default_factory=set)
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)
    cells: list[tuple[str, str, str, Any, str]] = field(default_factory=list)
    claims: list[list[Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_sources: dict[str, str | None] = field(default_factory=dict)

    def take(self, r: int, c: int) -> None:
        self.placed.add((r, c))

    def refuse(self, r: int, c: int, reason: str) -> None:
        if (r, c) in self.placed or self.grid.own(r, c) is None:
            return
        self.placed.add((r, c))
        self.unplaced.append((self.grid.address(r, c), self.grid.text(r, c, filled=False) or "", reason))

    def record(self, frame: str, key: str, column: str, value: Any, r: int, c: int) -> None:
        self.take(r, c)
        self.cells.append((frame, key, column, value, self.grid.address(r, c)))

    def set_meta(self, key: str, value: Any, r: int, c: int) -> None:
        self.meta[key] = value
        self.meta_sources[key] = self.grid.address(r, c)
        self.record("meta", key, key, value, r, c)

    def claim(self, section: str, item: str, value: Decimal, unit: str | None, r: int, c: int) -> None:
        claim_id = f"F{len(self.claims) + 1:02d}"
        self.claims.append([claim_id, section, item, value, unit, self.grid.address(r, c), r])
        self.record("claims", item, "value", value, r, c)

    def number(self, r: int, c: int, *, what: str, rate: bool = False, points: bool = False) -> Decimal | None:
        """A numeric cell as Decimal; None for blank or a placeholder (—, /); text is refused."""
        value = self.grid.own(r, c)
        if value is None:
            return None
        if _is_number(value):
            number = _to_decimal(value)
            if rate and "%" in self.grid.formats.get((r, c), ""):
                shown = number * 100
                places = _decimals(self.grid.formats[(r, c)])
                return shown.quantize(Decimal(1).scaleb(-places))
            return number
        text = _norm(str(value))
        if text in PLACEHOLDERS:
            self.take(r, c)
            return None
        if _NUMBER.match(text):
            return Decimal(text)
        if _THOUSANDS.match(text):
            return Decimal(text.replace(",", ""))
        if rate and (match := _PERCENT.match(text)):
            return Decimal(match.group(1))
        if points and (match := _POINTS.match(text)):
            return Decimal(match.group(1))
        self.refuse(r, c, f"{what}: text where a number belongs")
        return None


def _label(grid: _Grid, header: _Header, r: int) -> tuple[int, str] | None:
    """The line's label: the rightmost own text left of the figures that is not the block's heading."""
    for c in reversed(header.label_columns):
        text = grid.text(r, c, filled=False)
        if text and not _is_number(grid.own(r, c)) and text != grid.text(header.row, c):
            return c, text
    return None


def _item(label: str) -> str:
    return _NUMBERING.sub("", _norm(label)) or _norm(label)


# ---- the tables ------------------------------------------------------------------------------------


def _budget_block(reader: _Reader, header: _Header, rows: Iterable[int], lines: list[list[Any]]) -> None:
    """项目资金 / 部门预算 block: 合计 row, 其中 rows (资金来源, or 支出性质 for 基本/项目支出)."""
    grid = reader.grid
    unit = reader.meta["amount_unit"]
    for r in rows:
        found = _label(grid, header, r)
        if found is None:
            continue
        c_label, label = found
        item = _item(label)
        figures = {f: reader.number(r, c, what=f"{label} {grid.text(header.row, c)}", rate=(f == "rate"))
                   for c, f in header.fields.items()}
        known = any(word in item for word in ("资金总额", "财政拨款", "上年结转", "其他资金", *_NATURE_LABELS)) \
            or item in _BUDGET_TOTAL_LABELS
        if all(v is None for v in figures.values()):
            if known:
                reader.take(r, c_label)  # an empty template line (其他资金 with nothing in it)
            continue
        total = "资金总额" in item or item in _BUDGET_TOTAL_LABELS
        dimension = schema.TOTAL if total else ("支出性质" if item in _NATURE_LABELS else "资金来源")
        source = grid.address(r, c_label)
        lines.append([dimension, item, figures.get("budget"), figures.get("executed"), None, figures.get("rate"),
                      source, r])
        reader.take(r, c_label)
        for c, f in header.fields.items():
            value = figures.get(f)
            if value is None:
                continue
            if f in ("budget", "executed", "rate"):
                reader.record("budget", item, {"rate": "stated_rate"}.get(f, f), value, r, c)
            elif f == "initial_budget":
                reader.claim("项目资金", f"{item}年初预算数", value, unit, r, c)
            elif f in ("weight", "score") and total:
                reader.set_meta("execution_weight" if f == "weight" else "execution_score", value, r, c)
            else:
                reader.refuse(r, c, f"{grid.text(header.row, c)} of a 其中 line: the Report has no place for it")


def _basic_block(reader: _Reader, header: _Header, rows: Iterable[int], lines: list[list[Any]]) -> None:
    """基础数据表: 上年决算数 / 本年预算数 / 本年决算数 per line; 维度 is the last heading line above."""
    grid = reader.grid
    heading: str | None = None
    for r in rows:
        found = _label(grid, header, r)
        if found is None:
            continue
        c_label, label = found
        item = _item(label)
        figures = {f: reader.number(r, c, what=f"{label} {grid.text(header.row, c)}") for c, f in header.fields.items()}
        reader.take(r, c_label)
        is_detail = _norm(label).startswith("其中") or bool(_ARABIC_NUMBERING.match(label))
        if all(v is None for v in figures.values()):
            if not is_detail:
                heading = item
            continue
        if item in _BUDGET_TOTAL_LABELS:
            dimension = schema.TOTAL
        elif item in _NATURE_LABELS:
            dimension, heading = "支出性质", item
        else:
            dimension = heading or "其他"
        lines.append([dimension, item, figures.get("budget"), figures.get("executed"), figures.get("prior_executed"),
                      None, grid.address(r, c_label), r])
        for c, f in header.fields.items():
            if figures.get(f) is not None:
                reader.record("budget", item, f, figures[f], r, c)


def _staff_block(reader: _Reader, header: _Header, rows: Iterable[int]) -> None:
    """财政供养人员情况: 编制数 / 实际在职人数 / 控制率 → 文中数据 rows (人, %)."""
    grid = reader.grid
    section = next((grid.text(header.row, c) for c in header.label_columns if grid.text(header.row, c)), "人员情况")
    for r in rows:
        columns = [c for c in header.fields if grid.own(r, c) is not None]
        if not columns:
            break
        for c in columns:
            name = _norm(grid.text(header.row, c) or "")
            value = reader.number(r, c, what=name, rate="率" in name)
            if value is not None:
                reader.claim(section or "人员情况", name, value, "%" if "率" in name else "人", r, c)


def _kpi_table(reader: _Reader, header: _Header, rows: Iterable[int], records: list[dict[str, Any]]) -> None:
    grid = reader.grid
    category_col, sub_col, name_col = header.column("category"), header.column("subcategory"), header.column("name")
    label_cols = [c for c in (category_col, sub_col, name_col) if c is not None]
    label_cols += [c for c, f in header.fields.items() if f == "ignored"] + header.label_columns
    last: dict[str, tuple[str | None, tuple[int, int] | None]] = {"category": (None, None), "subcategory": (None, None)}
    assert name_col is not None
    for r in rows:
        own = [c for c in grid.row_cells(r) if c in header.fields or c in header.label_columns]
        if not own:
            continue  # a blank row (or one filled only from merged cells above)
        labels = {c: _norm(grid.text(r, c, filled=False) or "") for c in own if c in label_cols}
        total = next(((c, t) for c, t in labels.items() if t in _TOTAL_LABELS or t.startswith("合计")), None)
        if total is not None:
            _kpi_total(reader, header, r, total, last["category"][0])
            continue
        for c in own:
            if header.fields.get(c) == "ignored" and c not in (category_col, sub_col, name_col):
                reader.take(r, c)  # 序号
        name = grid.text(r, name_col, filled=False)
        if name is None:
            continue  # left for the meta scan, or unplaced
        if _norm(name) in PLACEHOLDERS:
            reader.take(r, name_col)  # a template line (……)
            continue
        found = {}
        for level, col in (("category", category_col), ("subcategory", sub_col)):
            text = grid.text(r, col) if col else None
            found[level] = (text, grid.anchor.get((r, col), (r, col))) if text else (None, None)
        if found["category"][0] is None:  # 一级指标 written once and left blank below: filled down
            found["category"] = last["category"]
            if found["subcategory"][0] is None:
                found["subcategory"] = last["subcategory"]
        category_text = found["category"][0]
        category = schema.normalise_category(category_text) if category_text else None
        if category is None:
            for c in own:
                reader.refuse(r, c, f"indicator row whose 一级指标 {category_text!r} is not one of "
                                    f"{'/'.join(schema.CATEGORIES)}")
            continue
        last = found
        record = _kpi_record(reader, header, r, category, found["subcategory"][0], name)
        record["level_cells"] = {level: cell for level, (_, cell) in found.items() if cell is not None}
        records.append(record)


def _kpi_record(reader: _Reader, header: _Header, r: int, category: str, sub: str | None, name: str
                ) -> dict[str, Any]:
    grid = reader.grid
    texts: dict[str, tuple[int, str]] = {}
    numbers: dict[str, tuple[int, Decimal]] = {}
    for c, f in sorted(header.fields.items()):
        if f in ("category", "subcategory", "name", "ignored"):
            continue
        if f in texts or f in numbers:
            reader.refuse(r, c, f"a second column read as {f} ({grid.text(header.row, c)}); the first one is loaded")
            continue
        if f in ("weight", "score", "coefficient"):
            value = reader.number(r, c, what=grid.text(header.row, c) or f, points=f != "coefficient")
            if value is not None:
                numbers[f] = (c, value)
        else:
            text = grid.text(r, c, filled=False)
            if text is not None:
                texts[f] = (c, text)
    unit = texts.get("measure_unit", (0, ""))[1]
    nature = texts.get("nature", (0, ""))[1]
    record: dict[str, Any] = {"row": r, "category": category, "subcategory": sub, "name": name,
                              "fields": set(header.fields.values()),
                              "name_cell": (r, header.column("name")), "texts": texts, "numbers": numbers}
    target_field = next((f for f in ("adjusted_target", "target", "initial_target") if f in texts), None)
    record["target"] = _combined(texts[target_field][1], nature, unit, grid, r, texts[target_field][0]) \
        if target_field else None
    record["target_field"] = target_field
    if "initial_target" in texts:
        record["initial"] = _combined(texts["initial_target"][1], nature, unit, grid, r, texts["initial_target"][0])
    record["actual"] = _combined(texts["actual"][1], "", unit, grid, r, texts["actual"][0]) \
        if "actual" in texts else None
    return record


def _combined(text: str, nature: str, unit: str, grid: _Grid, r: int, c: int) -> str:
    """指标性质 ≥ + 指标值 266 + 度量单位 米 → ≥266米; a value that already carries them is left alone."""
    if unit and _is_number(grid.own(r, c)) and not text.endswith(unit):
        text = f"{text}{unit}"
    op = _norm(nature)
    if op in _OPERATORS and not text.startswith(_OPERATORS):
        text = f"{op}{text}"
    return text


def _kpi_total(reader: _Reader, header: _Header, r: int, total: tuple[int, str], category: str | None) -> None:
    """合计 / 总分 row of the KPI table: not an indicator; its numbers become 文中数据 (and 总分 the self score)."""
    grid = reader.grid
    c_label, label = total
    reader.take(r, c_label)
    word = "总分" if label == "总分" else ("小计" if label.startswith("小计") else "合计")
    for c in grid.row_cells(r):
        if c == c_label or (r, c) in reader.placed:
            continue
        f = header.fields.get(c)
        if f in ("weight", "score"):
            value = reader.number(r, c, what=f"{label} {grid.text(header.row, c)}", points=True)
            if value is None:
                continue
            kind = "分值" if f == "weight" else "得分"
            if word == "总分":
                item = "总分" if f == "score" else "总分分值"
                if f == "score" and reader.meta.get("self_score") is None:
                    reader.meta["self_score"] = value
                    reader.meta_sources["self_score"] = grid.address(r, c)
                    reader.cells.append(("meta", "self_score", "self_score", value, grid.address(r, c)))
            elif word == "小计":
                item = f"{kind}小计（{category or r}）"
            else:
                item = f"{kind}合计"
            reader.claim("指标表", item, value, "分", r, c)
        else:
            what = grid.text(header.row, c) or "this cell"
            reader.refuse(r, c, f"{label} row of the 指标 table: no place for {what}")


# ---- meta ------------------------------------------------------------------------------------------


def _meta_scan(reader: _Reader) -> None:
    """Title, 年度, 单位, label : value cells outside the tables."""
    grid = reader.grid
    departments: dict[str, tuple[str, int, int]] = {}
    for (r, c) in sorted(grid.values):
        if (r, c) in reader.placed:
            continue
        text = grid.text(r, c, filled=False) or ""
        core = _norm(text)
        if _is_title(core):
            reader.take(r, c)
            kind = _report_kind(core)
            if kind and reader.meta.get("report_kind") is None:
                reader.set_meta("report_kind", kind, r, c)
            if (match := _YEAR.search(core)) and reader.meta.get("year") is None:
                reader.set_meta("year", int(match.group(1)), r, c)
            continue
        if match := _YEAR_CELL.match(core):
            if reader.meta.get("year") is None:
                reader.set_meta("year", int(match.group(1)), r, c)
            else:
                reader.take(r, c)
            continue
        if _unit_in(core) and _UNIT_LABEL.fullmatch(core):
            reader.take(r, c)  # read by _amount_unit
            continue
        label, value, place = _label_value(reader, r, c, core, text)
        if label is None:
            continue
        key = META_LABELS[label]
        reader.take(r, c)
        if value is None:
            continue
        if key == "department":
            departments[label] = (value, *place)
            reader.take(*place)
        else:
            _set_meta_value(reader, key, label, value, place)
    ordered = sorted(departments.items(), key=lambda item: _DEPARTMENT_PRIORITY.index(item[0]))
    for i, (label, (value, vr, vc)) in enumerate(ordered):
        reader.set_meta("department" if i == 0 else label, value, vr, vc)


def _label_value(reader: _Reader, r: int, c: int, core: str, text: str
                 ) -> tuple[str | None, str | None, tuple[int, int]]:
    """A label cell (主管部门 | value to the right) or a 「label：value」 cell; the value keeps its own blanks."""
    grid = reader.grid
    for label in sorted(META_LABELS, key=len, reverse=True):
        if core.rstrip(":：") == label:
            right = next((k for k in range(c + 1, grid.max_col + 1)
                          if grid.own(r, k) is not None and (r, k) not in reader.placed), None)
            if right is None:
                return label, None, (r, c)
            return label, grid.text(r, right, filled=False), (r, right)
        if core.startswith(label) and core[len(label):len(label) + 1] in (":", "："):
            value = _UNIT_LABEL.sub("", re.split(r"[:：]", text, maxsplit=1)[1]).strip()
            return label, value or None, (r, c)
    return None, None, (r, c)


def _set_meta_value(reader: _Reader, key: str, label: str, value: str, place: tuple[int, int]) -> None:
    r, c = place
    if key == "year":
        match = _YEAR.search(value) or re.fullmatch(r"((?:19|20)\d{2})", value)
        if match is None:
            reader.refuse(r, c, f"{label}: not a year")
        elif reader.meta.get("year") is None:
            reader.set_meta("year", int(match.group(1)), r, c)
        else:
            reader.take(r, c)
    elif key == "self_score":
        core = _norm(value)
        match = _NUMBER.match(core) or _POINTS.match(core)
        if match is None:
            reader.refuse(r, c, f"{label}: not a number")
        elif reader.meta.get("self_score") is None:
            reader.set_meta("self_score", Decimal(match.group(1) if match.groups() else match.group(0)), r, c)
        else:
            reader.claim("表头", label, Decimal(match.group(1) if match.groups() else match.group(0)), "分", r, c)
    elif key == "self_grade":
        grade = "优" if value == "优秀" else value
        if grade in schema.GRADES:
            reader.set_meta("self_grade", grade, r, c)
        else:
            reader.refuse(r, c, f"{label}: not one of {'/'.join(schema.GRADES)}")
    else:
        reader.set_meta(key, value, r, c)


def _is_title(core: str) -> bool:
    """The form's title; a note that mentions the form (注：本表…自评表…) is not one."""
    if len(core) > 60 or re.search(r"[:：]", core) or core.startswith(("注", "备注", "说明")):
        return False
    return "自评表" in core or "基础数据表" in core or "绩效评价表" in core


def _report_kind(core: str) -> str | None:
    if "部门整体" in core or "基础数据表" in core:
        return "部门整体支出"
    if "项目支出" in core or "专项资金" in core or "项目" in core:
        return "项目支出"
    return None


def _unit_in(core: str) -> str | None:
    match = _UNIT_LABEL.search(core) or _UNIT_BRACKET.search(core)
    return match.group(1) if match else None


def _amount_unit(reader: _Reader, given: str | None) -> None:
    grid = reader.grid
    found = None
    for (r, c) in sorted(grid.values):
        unit = _unit_in(_norm(grid.text(r, c, filled=False) or ""))
        if unit is not None:
            found = (unit, r, c)
            break
    if given is not None and given not in schema.AMOUNT_UNITS:
        raise AmountUnitError("unknown amount unit", file=reader.path, found=given,
                              expected=" or ".join(schema.AMOUNT_UNITS))
    if found is None:
        if given is None:
            raise AmountUnitError(
                "the form states no amount unit", file=reader.path, sheet=grid.title,
                expected="a cell such as 单位：万元, 金额单位：万元 or 项目资金（万元）",
                fix="pass amount_unit='万元' (or '元') to load_form",
            )
        reader.meta["amount_unit"] = given
        reader.meta_sources["amount_unit"] = "load_form(amount_unit=…)"
        return
    unit, r, c = found
    if given is not None and given != unit:
        raise AmountUnitError(
            f"the form states {unit} but amount_unit={given!r} was given", file=reader.path, sheet=grid.title,
            row=r, found=grid.text(r, c, filled=False), expected=unit, fix=f"pass amount_unit={unit!r} or leave it out",
        )
    reader.meta["amount_unit"] = unit
    reader.meta_sources["amount_unit"] = grid.address(r, c)
    reader.cells.append(("meta", "amount_unit", "amount_unit", unit, grid.address(r, c)))


# ---- the whole form --------------------------------------------------------------------------------


def _open(path: Path) -> Any:
    if not path.exists():
        raise NotAWorkbookError("file not found", file=path, expected="an existing .xlsx file", fix="check the path")
    if path.suffix.lower() != ".xlsx":
        raise NotAWorkbookError(
            "not an .xlsx workbook", file=path, found=path.suffix or "(no suffix)",
            expected=".xlsx (Excel 2007+ workbook)", fix="save the form from Excel or WPS as .xlsx (Excel 工作簿)",
        )
    try:
        return load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError, TypeError, EOFError) as error:
        raise NotAWorkbookError(
            "the file cannot be read as an .xlsx workbook", file=path, found=f"{type(error).__name__}: {error}",
            expected="an .xlsx workbook saved by Excel or WPS",
            fix="open it in Excel or WPS and save it again as .xlsx",
        ) from error


def _pick_sheet(book: Any, sheet: str | None, path: Path) -> tuple[_Grid, list[_Header]]:
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise MissingSheetError(
                f"no sheet named {sheet}", file=path, sheet=sheet, expected=" / ".join(book.sheetnames),
                fix="pass one of the workbook's sheet names, or sheet=None to find the form",
            )
        grid = _Grid(book[sheet])
        headers = _headers(grid)
        if not any(h.kind in ("kpi", "budget", "basic") for h in headers):
            raise MissingSheetError(
                f"sheet {sheet} holds no self-evaluation form table", file=path, sheet=sheet,
                expected="a header row with 三级指标/指标名称 and 年度指标值/实际完成值, or 全年预算数 and 全年执行数, "
                "or 本年预算数 and 本年决算数",
                fix="pass the sheet that holds the form, or sheet=None to find it",
            )
        return grid, headers
    for worksheet in book.worksheets:
        grid = _Grid(worksheet)
        headers = _headers(grid)
        if any(h.kind in ("kpi", "budget", "basic") for h in headers):
            return grid, headers
    raise MissingSheetError(
        "no sheet holds a self-evaluation form (no header row with 三级指标/指标名称 and 年度指标值/实际完成值, "
        "nor 全年预算数 and 全年执行数, nor 本年预算数 and 本年决算数)",
        file=path, expected="a 项目支出/部门整体支出绩效自评表 or a 基础数据表",
    )


def _tables(headers: list[_Header], last_row: int) -> list[tuple[_Header, list[int]]]:
    """Each table with its data rows; a repeat of the current header (after a page break) is skipped."""
    tables: list[tuple[_Header, list[int]]] = []
    skipped: set[int] = set()
    current: _Header | None = None
    starts: list[_Header] = []
    for header in headers:
        if current is not None and header.kind == current.kind and header.signature == current.signature:
            skipped.update(header.band)
            continue
        current = header
        starts.append(header)
    for i, header in enumerate(starts):
        end = (starts[i + 1].band[0] - 1) if i + 1 < len(starts) else last_row
        rows = [r for r in range(header.row + 1, end + 1) if r not in skipped]
        tables.append((header, rows))
    return tables


def load_form(path: str | Path, sheet: str | None = None, *, amount_unit: str | None = None) -> FormResult:
    """Read a self-evaluation form (or a 基础数据表) as departments fill it in; see docs/forms.md.

    ``sheet`` names the sheet (default: the first sheet holding a recognisable table);
    ``amount_unit`` ('万元' or '元') is needed only when the form states no unit.
    """
    path = Path(path)
    book = _open(path)
    try:
        grid, headers = _pick_sheet(book, sheet, path)
    finally:
        book.close()
    reader = _Reader(grid, path)
    reader.meta = dict.fromkeys(schema.META_FIELDS.values())
    tables = _tables(headers, grid.max_row)
    for header in headers:  # header cells (also those of repeated headers) are placed as headers
        for r in header.band:
            for c in grid.row_cells(r):
                if c in header.fields or c in header.label_columns:
                    reader.take(r, c)
    _amount_unit(reader, amount_unit)
    budget_lines: list[list[Any]] = []
    kpi_records: list[dict[str, Any]] = []
    for header, rows in tables:
        if header.kind == "budget":
            _budget_block(reader, header, rows, budget_lines)
        elif header.kind == "basic":
            _basic_block(reader, header, rows, budget_lines)
        elif header.kind == "staff":
            _staff_block(reader, header, rows)
        else:
            _kpi_table(reader, header, rows, kpi_records)
    kpis = _kpi_frame(reader, kpi_records)
    _meta_scan(reader)
    _require_meta(reader)
    _leftovers(reader, tables)
    budget = sheet_frame(budget_lines, schema.BUDGET)
    totals = budget.loc[budget["dimension"] == schema.TOTAL, "source"].tolist()
    if len(totals) != 1:
        raise TotalRowError(
            "no 合计 line in the budget block" if not totals else f"{len(totals)} 合计 lines ({', '.join(totals)})",
            file=path, sheet=grid.title, found=len(totals),
            expected="one total line: 年度资金总额 / 资金总额 / 合计 / 部门整体支出",
            fix="fill in the form's budget block (年度资金总额 with 全年预算数 and 全年执行数)",
        )
    claims = sheet_frame(reader.claims, schema.CLAIMS)
    report = Report(
        path=path, meta=reader.meta, budget=budget, kpis=kpis, tasks=sheet_frame([], schema.TASKS), claims=claims,
        rules=sheet_frame([], schema.RULES), meta_sources=reader.meta_sources,
    )
    unplaced = pd.DataFrame(reader.unplaced, columns=["cell", "value", "reason"]).astype("str")
    cells = pd.DataFrame(reader.cells, columns=["frame", "key", "column", "value", "cell"])
    for column in ("frame", "key", "column", "cell"):
        cells[column] = cells[column].astype("str")
    return FormResult(report, unplaced, cells)


def _kpi_frame(reader: _Reader, records: list[dict[str, Any]]) -> pd.DataFrame:
    grid = reader.grid
    rows = []
    extras: dict[str, list[Any]] = {}
    present = {f for record in records for f in record["fields"]}
    extra_names = [name for name, fields in (
        ("nature", ("nature",)), ("measure_unit", ("measure_unit",)), ("initial_target_text", ("initial_target",)),
        ("coefficient", ("coefficient",)), ("core", ("core",)),
    ) if any(f in present for f in fields)]
    if "initial_target_text" in extra_names and not present & {"target", "adjusted_target"}:
        extra_names.remove("initial_target_text")
    for number, record in enumerate(records, start=1):
        key = str(number)
        r = record["row"]
        texts, numbers = record["texts"], record["numbers"]
        name_r, name_c = record["name_cell"]
        reader.record("kpis", key, "name", record["name"], name_r, name_c)
        for level, (lr, lc) in record["level_cells"].items():
            value = record["category"] if level == "category" else record["subcategory"]
            reader.record("kpis", key, level, value, lr, lc)
        if record["target_field"]:
            reader.record("kpis", key, "target_text", record["target"], r, texts[record["target_field"]][0])
        if record["actual"] is not None:
            reader.record("kpis", key, "actual_text", record["actual"], r, texts["actual"][0])
        for f, column in (("reason", "reason"), ("status", "status_text"), ("nature", "nature"),
                          ("measure_unit", "measure_unit"), ("core", "core")):
            if f in texts:
                reader.record("kpis", key, column, texts[f][1], r, texts[f][0])
        if "initial" in record:
            reader.record("kpis", key, "initial_target_text", record["initial"], r, texts["initial_target"][0])
        for f in ("weight", "score", "coefficient"):
            if f in numbers:
                reader.record("kpis", key, f, numbers[f][1], r, numbers[f][0])
        rows.append([
            key, schema.DEPARTMENT_SCOPE, record["category"], record["subcategory"], record["name"],
            record["target"], record["actual"], texts.get("status", (0, None))[1],
            numbers.get("weight", (0, None))[1], numbers.get("score", (0, None))[1],
            texts.get("reason", (0, None))[1], grid.address(name_r, name_c), r,
        ])
        values = {"nature": texts.get("nature", (0, None))[1], "measure_unit": texts.get("measure_unit", (0, None))[1],
                  "initial_target_text": record.get("initial"), "coefficient": numbers.get("coefficient", (0, None))[1],
                  "core": texts.get("core", (0, None))[1]}
        for name in extra_names:
            extras.setdefault(name, []).append(values[name])
    frame = sheet_frame(rows, schema.KPIS)
    frame["category"] = frame["category"].astype("str")
    for name in extra_names:
        column = pd.Series(extras.get(name, []), dtype=object if name == "coefficient" else "str")
        frame.insert(len(frame.columns) - 1, name, column.to_numpy() if name == "coefficient" else column)
    return frame


def _require_meta(reader: _Reader) -> None:
    for key, label, fix in (
        ("department", "部门", "the form needs a 主管部门 / 部门名称 / 单位名称 / 填报单位 cell, the name beside it"),
        ("year", "年度", "the title (e.g. 项目支出绩效自评表（2022年度）) or a 年度 cell must give the year"),
    ):
        if reader.meta.get(key) is None:
            raise MetaError(f"the form states no {label}", file=reader.path, sheet=reader.grid.title,
                            expected=label, fix=fix)


def _leftovers(reader: _Reader, tables: list[tuple[_Header, list[int]]]) -> None:
    """Every own non-blank cell not placed yet goes to ``unplaced`` with the reason."""
    grid = reader.grid
    region = {r: header for header, rows in tables for r in rows}
    names = {"kpi": "指标", "budget": "预算", "basic": "基础数据", "staff": "人员"}
    for (r, c) in sorted(grid.values):
        if (r, c) in reader.placed:
            continue
        header = region.get(r)
        if header is None:
            reason = "outside every recognised table, and not a recognised label or title"
        elif c in header.fields and header.fields[c] != "ignored":
            reason = ("in the 指标 table, but the row has no indicator name (三级指标/指标名称)" if header.kind == "kpi"
                      else f"in the {names[header.kind]} table, but the line has no label")
        elif c in header.label_columns and header.kind != "kpi":
            reason = f"a label in the {names[header.kind]} table whose line has no figure it could place"
        else:
            reason = f"in the {names[header.kind]} table's row but under no recognised header"
        reader.refuse(r, c, reason)
