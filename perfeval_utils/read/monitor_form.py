"""Read the official 项目支出绩效目标执行监控表 (财预〔2019〕136号 layout) into a :class:`Report`.

The form a department fills in at the monitoring cut-off: a head (title with the year, 项目名称,
主管部门, 实施单位), a funds block (年度预算数 / 1-7月执行数 / 执行率 / 全年预计执行数, lines
年度资金总额, 其中：财政拨款 …) and an indicator table (一级/二级/三级指标, 年度指标值,
1-7月实际完成值, 全年预计完成值, 偏差原因分析, 完成目标可能性, 原因说明). 偏差原因分析 and
完成目标可能性 are printed either as one text column or as one tick column per fixed value
(经费保障 | 制度保障 | … and 确定能 | 有可能 | 完全不可能) under a second header row; both are read.

The result is :class:`perfeval_utils.read.form.FormResult` with the figures in
``Report.monitoring_budget`` and ``Report.monitoring_kpis`` (the same frames as the v1 sheets
监控预算 / 监控指标), the funds total also as the 预算 合计's 预算数, ``monitoring_date`` the last day
of the month the headers name (1-7月 → 31 July), every 出处 the cell (``监控表!D7``).
Tables are found by header words, never by position; a non-blank cell that cannot be placed is
listed in ``unplaced`` with the reason. This is a small reader of its own: the helpers of
:mod:`perfeval_utils.read.form` that find and combine header rows are private to that module.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from perfeval_utils import schema
from perfeval_utils.cells import NumberProblem, cell_text, excel_number, is_blank, is_number
from perfeval_utils.errors import CellTypeError, MetaError, MissingSheetError, TotalRowError, UnknownValueError
from perfeval_utils.read.form import AmountUnitError, FormResult
from perfeval_utils.read.package import check_package
from perfeval_utils.report import Report, sheet_frame

#: Header words → field, first match wins (全年预计… before 执行数, 实际完成值 before 指标值).
BUDGET_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("forecast", ("全年预计执行数", "预计执行数")),
    ("rate", ("执行率",)),
    ("executed_to_date", ("执行数",)),
    ("budget", ("年度预算数", "全年预算数", "年初预算数", "预算数")),
    ("reason", ("偏差原因",)),
    ("remedy", ("纠偏措施", "改进措施")),
)
KPI_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("forecast_text", ("全年预计完成值", "预计完成值")),
    ("to_date_text", ("实际完成值", "累计完成值", "完成值")),
    ("target_text", ("年度指标值", "指标值")),
    ("category", ("一级指标",)),
    ("subcategory", ("二级指标",)),
    ("name", ("三级指标", "指标名称")),
    ("reason_type", ("偏差原因分析", "偏差原因类型", "偏差原因")),
    ("likelihood", ("完成目标可能性", "完成可能性")),
    ("reason", ("原因说明",)),
    ("remedy", ("纠偏措施", "改进措施")),
)
TOTAL_LABELS = ("年度资金总额", "资金总额", "合计", "总计")
TICKS = frozenset({"√", "✓", "✔", "☑", "是", "1", "Y", "y"})
_MONTHS = re.compile(r"1\s*[-－—–~～至]\s*(\d{1,2})\s*月")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_CELL = re.compile(r"[（(]?((?:19|20)\d{2})年度?[)）]?")
_UNIT = re.compile(r"[（(]\s*(万元|元)\s*[)）]|单位\s*[:：]\s*(万元|元)")


def _core(value: Any) -> str:
    return re.sub(r"\s+", "", cell_text(value)) if not is_blank(value) else ""


def _field_of(text: str, words: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    return next((name for name, options in words if any(o in text for o in options)), None)


class _Sheet:
    """One sheet's cells with merged ranges filled from their top-left cell, and what has been placed."""

    def __init__(self, sheet: Any, path: Path) -> None:
        self.title, self.path = sheet.title, path
        self.values = {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row if not is_blank(c.value)}
        self.anchor = {(r, c): (m.min_row, m.min_col) for m in sheet.merged_cells.ranges
                       for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
        self.last_row = max((r for r, _ in self.values), default=0)
        self.placed: set[tuple[int, int]] = set()
        self.cells: list[tuple[str, str, str, Any, str]] = []

    def get(self, r: int, c: int) -> Any:
        return self.values.get(self.anchor.get((r, c), (r, c)))

    def text(self, r: int, c: int) -> str:
        return _core(self.get(r, c))

    def address(self, r: int, c: int) -> str:
        r, c = self.anchor.get((r, c), (r, c))
        return f"{self.title}!{get_column_letter(c)}{r}"

    def take(self, r: int, c: int, frame: str = "", key: str = "", column: str = "", value: Any = None) -> None:
        self.placed.add(self.anchor.get((r, c), (r, c)))
        if frame:
            self.cells.append((frame, key, column, value, self.address(r, c)))

    def row(self, r: int) -> dict[int, str]:
        return {c: self.text(r, c) for c in range(1, 1 + max((c for _, c in self.values), default=0))
                if self.text(r, c)}

    def amount(self, r: int, c: int, header: str) -> Decimal | None:
        value = self.get(r, c)
        if is_blank(value) or _core(value) in ("—", "-", "/", "——"):
            return None
        if is_number(value):
            try:
                return excel_number(value)[0]
            except NumberProblem as problem:
                raise CellTypeError(problem.problem, file=self.path, sheet=self.title, row=r, column=header,
                                    found=value, expected=problem.expected, fix=problem.fix) from None
        text = _core(value).replace(",", "")
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return Decimal(text)
        raise CellTypeError("text where an amount belongs", file=self.path, sheet=self.title, row=r, column=header,
                            found=value, expected="an amount in the form's unit, e.g. 46.72",
                            fix=f"type the bare number in {self.address(r, c)}")


def _find_header(sheet: _Sheet, words: tuple[tuple[str, tuple[str, ...]], ...], needed: set[str]) -> tuple[int, dict]:
    for r in range(1, sheet.last_row + 1):
        fields: dict[int, str] = {}
        for c, text in sheet.row(r).items():
            name = _field_of(text, words)
            if name is not None and name not in fields.values():
                fields[c] = name
        if needed <= set(fields.values()):
            return r, fields
    return 0, {}


def _ticks(sheet: _Sheet, r: int, fields: dict[int, str]) -> dict[int, tuple[str, str]]:
    """Tick columns under a two-row header: column → (field, fixed value).

    The row below the header is a tick header when it names at least three of the fixed values (a
    data row holds at most one 偏差原因 type and one 完成可能性).
    """
    found = {}
    for c, text in sheet.row(r + 1).items():
        for name, options in (("reason_type", schema.REASON_TYPES), ("likelihood", schema.LIKELIHOODS)):
            if text in options and sheet.anchor.get((r + 1, c), (r + 1, c))[0] == r + 1:
                found[c] = (name, text)
    return found if len(found) >= 3 else {}


def _meta(sheet: _Sheet, amount_unit: str | None) -> tuple[dict[str, Any], dict[str, str | None]]:
    meta: dict[str, Any] = dict.fromkeys(schema.META_FIELDS.values())
    sources: dict[str, str | None] = {}
    meta["report_kind"] = "项目支出"
    labels = {"主管部门": "department", "主管部门及代码": "department", "项目名称": "项目名称", "实施单位": "实施单位"}
    for (r, c), value in sorted(sheet.values.items()):
        text = _core(value)
        match = (_YEAR.search(text) if "监控表" in text else _YEAR_CELL.fullmatch(text)) if meta["year"] is None \
            else None
        if match:
            meta["year"], sources["year"] = int(match.group(1)), sheet.address(r, c)
            sheet.take(r, c, "meta", "year", "year", meta["year"])
        elif "监控表" in text:
            sheet.take(r, c)
        key = labels.get(text.rstrip(":："))
        if key is not None and meta.get(key) is None:
            right = next((x for x in range(c + 1, c + 6) if sheet.text(r, x) and sheet.anchor.get((r, x)) !=
                          sheet.anchor.get((r, c), (r, c))), None)
            if right is not None:
                meta[key], sources[key] = cell_text(sheet.get(r, right)), sheet.address(r, right)
                sheet.take(r, c)
                sheet.take(r, right, "meta", key, key, meta[key])
        if meta["amount_unit"] is None and (match := _UNIT.search(text)):
            meta["amount_unit"], sources["amount_unit"] = match.group(1) or match.group(2), sheet.address(r, c)
            sheet.take(r, c, "meta", "amount_unit", "amount_unit", meta["amount_unit"])
    stated = meta["amount_unit"]
    if amount_unit is not None and stated is not None and stated != amount_unit:
        raise AmountUnitError(f"the form states {stated}, {amount_unit} was given", file=sheet.path, sheet=sheet.title,
                              found=stated, expected=amount_unit, fix="pass amount_unit=None or the form's unit")
    meta["amount_unit"] = stated or amount_unit
    for key, label in (("amount_unit", "金额单位"), ("year", "年度"), ("department", "主管部门")):
        if meta[key] is None:
            error = AmountUnitError if key == "amount_unit" else MetaError
            raise error(f"the form states no {label}", file=sheet.path, sheet=sheet.title, expected=label,
                        fix="pass amount_unit='万元' or '元'" if key == "amount_unit"
                        else f"the form needs a {label} (title 执行监控表（2022年度）, a 主管部门 cell)")
    return meta, sources


def _budget(sheet: _Sheet, unit: str, stop: int) -> tuple[list[list[Any]], int]:
    """The funds block's lines, from its header down to the first row without a label (or ``stop``)."""
    r, fields = _find_header(sheet, BUDGET_WORDS, {"budget", "executed_to_date"})
    if not r:
        return [], 0
    for c in fields:
        sheet.take(r, c)
    first = min(fields)
    lines: list[list[Any]] = []
    row = r + 1
    while row < stop:
        left = [sheet.text(row, c) for c in range(1, first)]
        if any("目标" in text or _field_of(text, KPI_WORDS) for text in left):
            break  # 年度总体目标 or the indicator table: the funds block has ended
        label_c = next((c for c in range(first - 1, 0, -1) if sheet.text(row, c) and not sheet.text(row, c).endswith(
            f"（{unit}）")), None)
        label = sheet.text(row, label_c) if label_c else ""
        if not label:
            break
        values = {name: sheet.amount(row, c, name) if name in ("budget", "executed_to_date", "forecast") else
                  (cell_text(sheet.get(row, c)) if sheet.text(row, c) else None) for c, name in fields.items()}
        if values.get("budget") is None and values.get("executed_to_date") is None:
            row += 1
            continue
        item = re.sub(r"^其中[:：]", "", label)
        dimension = schema.TOTAL if any(t in label for t in TOTAL_LABELS) else "资金来源"
        sheet.take(row, label_c)  # type: ignore[arg-type]
        for c, name in fields.items():
            if sheet.text(row, c):
                sheet.take(row, c, "monitoring_budget", item, name, values[name])
        lines.append([dimension, item, values.get("budget"), values.get("executed_to_date"), values.get("forecast"),
                      values.get("reason"), values.get("remedy"), sheet.address(row, label_c), row])  # type: ignore[arg-type]
        row += 1
    return lines, r


def _kpis(sheet: _Sheet) -> tuple[list[list[Any]], int]:
    r, fields = _find_header(sheet, KPI_WORDS, {"name", "target_text"})
    if not r:
        return [], 0
    ticks = _ticks(sheet, r, fields)
    for c in fields:
        sheet.take(r, c)
    for c in ticks:
        sheet.take(r + 1, c)
    records: list[list[Any]] = []
    category = subcategory = None
    for row in range(r + (2 if ticks else 1), sheet.last_row + 1):
        by_field = {name: (c, sheet.text(row, c)) for c, name in fields.items()}
        name_c, name = by_field["name"]
        if not name:
            continue
        values: dict[str, Any] = {}
        for field in ("target_text", "to_date_text", "forecast_text", "reason", "remedy", "reason_type",
                      "likelihood"):
            c, text = by_field.get(field, (0, ""))
            if text and not (field in ("reason_type", "likelihood") and c in ticks):
                values[field] = cell_text(sheet.get(row, c))
                sheet.take(row, c, "monitoring_kpis", str(len(records) + 1), field, values[field])
        for c, (field, option) in ticks.items():
            if sheet.text(row, c) in TICKS:
                if values.get(field):
                    raise UnknownValueError(f"two ticks in {field}", file=sheet.path, sheet=sheet.title, row=row,
                                            column=option, found=[values[field], option], expected="one tick")
                values[field] = option
                sheet.take(row, c, "monitoring_kpis", str(len(records) + 1), field, option)
        if values.get("reason_type") and values["reason_type"] not in schema.REASON_TYPES:  # free text: a reason
            values["reason"] = "；".join(v for v in (values.pop("reason_type"), values.get("reason")) if v)
        if values.get("likelihood") and values["likelihood"] not in schema.LIKELIHOODS:
            raise UnknownValueError("unknown 完成目标可能性", file=sheet.path, sheet=sheet.title, row=row,
                                    column="完成目标可能性", found=values["likelihood"],
                                    expected=" / ".join(schema.LIKELIHOODS))
        for level in ("category", "subcategory"):
            c, text = by_field.get(level, (0, ""))
            if text:
                sheet.take(row, c)
                if level == "category":
                    category, subcategory = schema.normalise_category(text), None
                    if category is None:
                        raise UnknownValueError("unknown 一级指标", file=sheet.path, sheet=sheet.title, row=row,
                                                column="一级指标", found=text,
                                                expected=" / ".join(schema.CATEGORIES))
                else:
                    subcategory = text
        if category is None:
            raise UnknownValueError("an indicator row with no 一级指标 above it", file=sheet.path, sheet=sheet.title,
                                    row=row, column="一级指标", expected=" / ".join(schema.CATEGORIES))
        sheet.take(row, name_c, "monitoring_kpis", str(len(records) + 1), "name", name)
        records.append([str(len(records) + 1), schema.DEPARTMENT_SCOPE, category, subcategory,
                        cell_text(sheet.get(row, name_c)), values.get("target_text"), values.get("to_date_text"),
                        values.get("forecast_text"), values.get("likelihood"), values.get("reason_type"),
                        values.get("reason"), values.get("remedy"), sheet.address(row, name_c), row])
    return records, r


def _cut_off(sheet: _Sheet, year: int) -> dt.date | None:
    months = {int(m.group(1)) for value in sheet.values.values() if (m := _MONTHS.search(_core(value)))}
    if len(months) > 1:
        raise MetaError(f"the headers name different periods: 1-{sorted(months)} 月", file=sheet.path,
                        sheet=sheet.title, found=sorted(months), expected="one cut-off month (e.g. 1-7月)")
    if not months or not 1 <= (month := months.pop()) <= 12:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def load_monitor_form(path: str | Path, sheet: str | None = None, *, amount_unit: str | None = None) -> FormResult:
    """Read a 项目支出绩效目标执行监控表 (``sheet``: its name; default the first sheet with an indicator table).

    ``amount_unit`` ('万元' or '元') is needed only when the form states none.
    """
    path = Path(path)
    package = check_package(path)
    book = load_workbook(io.BytesIO(package.data), data_only=True)
    names = [sheet] if sheet is not None else book.sheetnames
    if sheet is not None and sheet not in book.sheetnames:
        raise MissingSheetError(f"no sheet named {sheet}", file=path, sheet=sheet, expected=" / ".join(book.sheetnames))
    for name in names:
        grid = _Sheet(book[name], path)
        if _find_header(grid, KPI_WORDS, {"name", "target_text"})[0] or \
                _find_header(grid, BUDGET_WORDS, {"budget", "executed_to_date"})[0]:
            break
    else:
        raise MissingSheetError("no sheet holds a 执行监控表 (a header row with 三级指标 and 年度指标值, or 年度预算数 "
                                "and 1-7月执行数)", file=path, expected="a 项目支出绩效目标执行监控表")
    meta, sources = _meta(grid, amount_unit)
    meta["monitoring_date"] = _cut_off(grid, meta["year"])
    records, kpi_row = _kpis(grid)
    lines, _ = _budget(grid, meta["amount_unit"], kpi_row or grid.last_row + 1)
    totals = [line for line in lines if line[0] == schema.TOTAL]
    if len(totals) != 1:
        raise TotalRowError(f"{len(totals)} 年度资金总额 lines in the funds block", file=path, sheet=grid.title,
                            found=len(totals), expected="one 年度资金总额 (合计) line with 年度预算数 and 1-7月执行数",
                            fix="fill in the form's 年度资金总额 line")
    year_end = [[schema.TOTAL, totals[0][1], totals[0][2], None, None, None, totals[0][7], totals[0][8]]]
    report = Report(path=path, meta=meta, budget=sheet_frame(year_end, schema.BUDGET),
                    kpis=sheet_frame([], schema.KPIS), tasks=sheet_frame([], schema.TASKS),
                    claims=sheet_frame([], schema.CLAIMS), rules=sheet_frame([], schema.RULES), meta_sources=sources,
                    monitoring_budget=sheet_frame(lines, schema.MONITOR_BUDGET),
                    monitoring_kpis=sheet_frame(records, schema.MONITOR_KPIS))
    unplaced = [(grid.address(r, c), cell_text(v), "not a recognised label, header or table cell")
                for (r, c), v in sorted(grid.values.items()) if (r, c) not in grid.placed]
    cells = pd.DataFrame(grid.cells, columns=["frame", "key", "column", "value", "cell"])
    cells["value"] = cells["value"].astype("str")
    return FormResult(report, pd.DataFrame(unplaced, columns=["cell", "value", "reason"]).astype("str"), cells)
