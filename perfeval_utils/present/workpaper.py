"""Write the reconciliation as an Excel working paper (核对底稿) an auditor can file, print and re-perform.

Sheets: 封面 (which file, its SHA-256, tool version, time of the run, the rules used), 核对 (every
check; failures highlighted by conditional formatting, so the highlight follows edits and sorts),
发现 (the failed checks, one sentence each), and the figures the formulas read: 预算, 指标, 任务.
For the arithmetic checks (执行率, 合计, 结转结余, 指标计数) the column 「Excel 重算」 holds a live
formula over those sheets that gives the 重算数 when the workbook is opened, and 「公式复核」 says
whether it does, so the auditor re-performs each check in Excel rather than trusting this tool.
Numbers are numbers, shown at the report's printed precision, with their unit in a column of its own.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from perfeval_utils import schema
from perfeval_utils.analyse.indicators import indicators, stated_met
from perfeval_utils.cells import is_blank, text_width
from perfeval_utils.check.reconcile import findings, stated_counts, tally
from perfeval_utils.present.display import CHECK_KINDS
from perfeval_utils.read.workbook import Report

#: Check kinds (perfeval_utils.check.reconcile) as an auditor reads them.
CHECK_HEADERS: Final = {
    "check_id": ("编号", 7), "kind": ("类别", 9), "description": ("核对内容", 40), "stated": ("报告数", 12),
    "computed": ("重算数", 12), "formula": ("Excel 重算", 12), "formula_check": ("公式复核", 9),
    "difference": ("差额", 11), "unit": ("单位", 6), "tolerance": ("容差", 11), "ok": ("结果", 8),
    "finding": ("发现", 44), "source": ("出处", 32),
}
FINDING_HEADERS: Final = {"check_id": ("编号", 7), "kind": ("类别", 10), "finding": ("发现", 90),
                          "source": ("出处", 60)}
FAIL_FILL: Final = PatternFill(start_color="FFF4CCCC", end_color="FFF4CCCC", fill_type="solid")
UNDECIDED_FILL: Final = PatternFill(start_color="FFFFF2CC", end_color="FFFFF2CC", fill_type="solid")
RESULT_TEXT: Final = {True: "通过", False: "未通过"}
#: Columns of the figure sheets the formulas read (letters are part of the formulas: keep in step).
BUDGET_COLUMNS: Final = {"dimension": "维度", "item": "项目", "budget": "预算数", "executed": "执行数",
                         "stated_rate": "报告执行率（%）", "source": "出处"}
KPI_COLUMNS: Final = ("范围", "一级指标", "编号", "指标名称", "完成情况（报告原文）", "报告称完成", "按数值重算",
                      "出处")
TASK_COLUMNS: Final = ("任务编号", "任务名称", "资金", "出处")


def working_paper_path(report: Report, out_dir: str | Path) -> Path:
    """``<out_dir>/<workbook stem>_核对底稿.xlsx``: one paper per workbook, named after it."""
    return Path(out_dir) / f"{report.path.stem}_核对底稿.xlsx"


def _excel_value(value: object) -> object:
    """Decimals stay exact numbers; NA becomes an empty cell."""
    if is_blank(value):
        return None
    return value


def _places(*values: object) -> int:
    """Decimal places the figures are printed with (the widest of them, at most 4)."""
    places = [-int(v.as_tuple().exponent) for v in values if isinstance(v, Decimal) and v.is_finite()]
    return min(max([0, *places]), 4)


def number_format(places: int) -> str:
    """Thousands separators and exactly ``places`` decimals: 1,415.43 for a report printing hundredths."""
    return "#,##0" + ("." + "0" * places if places else "")


# ---- the figures the formulas read --------------------------------------------------------


def _write_header_row(sheet: Worksheet, titles: list[str] | tuple[str, ...], widths: list[int] | None = None) -> None:
    sheet.append(list(titles))
    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = (widths or [14] * len(titles))[index - 1]
    sheet.freeze_panes = "A2"


def _budget_sheet(book: Workbook, report: Report) -> dict[tuple[str, str], int]:
    """预算: the budget lines as the workbook states them; returns (dimension, item) → Excel row."""
    sheet = book.create_sheet("预算")
    _write_header_row(sheet, list(BUDGET_COLUMNS.values()), [12, 22, 13, 13, 14, 48])
    rows: dict[tuple[str, str], int] = {}
    places = _places(*report.budget["budget"], *report.budget["executed"])
    for line in report.budget.itertuples(index=False):
        sheet.append([_excel_value(getattr(line, key)) for key in BUDGET_COLUMNS])
        rows[(line.dimension, line.item)] = sheet.max_row
        for column in "CD":
            sheet[f"{column}{sheet.max_row}"].number_format = number_format(places)
    _finish(sheet)
    return rows


def _kpi_sheet(book: Workbook, report: Report) -> None:
    """指标: one row per indicator, with the stated status and the status recomputed from the values."""
    sheet = book.create_sheet("指标")
    _write_header_row(sheet, KPI_COLUMNS, [12, 10, 7, 30, 16, 11, 11, 48])
    parts = indicators(report)
    met = parts.groupby("indicator_id", sort=False)["met"].agg(
        lambda values: None if values.isna().any() else bool(values.all()))
    for kpi in report.kpis.itertuples(index=False):
        said = stated_met(kpi.status_text)
        computed = met.get(kpi.indicator_id)
        sheet.append([kpi.scope, _excel_value(kpi.category), _excel_value(kpi.indicator_id), kpi.name,
                      _excel_value(kpi.status_text), {True: "已完成", False: "未完成"}.get(said, "未说明"),
                      {True: "已完成", False: "未完成"}.get(computed, "无法判定"), _excel_value(kpi.source)])
    _finish(sheet)


def _task_sheet(book: Workbook, report: Report) -> int:
    """任务: each task's funds; returns the last Excel row."""
    sheet = book.create_sheet("任务")
    _write_header_row(sheet, TASK_COLUMNS, [9, 36, 13, 48])
    places = _places(*report.tasks["amount"])
    for task in report.tasks.itertuples(index=False):
        sheet.append([_excel_value(value) for value in (task.task_id, task.name, task.amount, task.source)])
        sheet[f"C{sheet.max_row}"].number_format = number_format(places)
    _finish(sheet)
    return sheet.max_row


# ---- formulas -----------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def check_formulas(report: Report, budget_rows: dict[tuple[str, str], int], task_last_row: int) -> dict[str, str]:
    """Description of an arithmetic check → the Excel formula that recomputes its 重算数.

    The descriptions are those :mod:`perfeval_utils.check.reconcile` writes; tests assert that every
    arithmetic check of every workbook in data/ gets its formula, so a reworded check is caught.
    """
    formulas: dict[str, str] = {}
    for (dimension, item), row in budget_rows.items():
        line = report.budget[(report.budget["dimension"] == dimension) & (report.budget["item"] == item)].iloc[0]
        if isinstance(line["stated_rate"], Decimal):
            places = max(-int(line["stated_rate"].as_tuple().exponent), 0)
            formulas[f"{dimension}「{item}」执行率：执行数 ÷ 预算数，按报告精度比较"] = (
                f"=ROUND(预算!D{row}/预算!C{row}*100,{places})")
    for dimension in report.budget["dimension"].unique():
        for column, label in (("C", "预算数"), ("D", "执行数")):
            formulas[f"{dimension}各项{label}之和"] = f"=SUMIFS(预算!{column}:{column},预算!A:A,{_quoted(dimension)})"
    formulas["各任务资金之和"] = f"=SUM(任务!C2:C{max(task_last_row, 2)})"
    total = budget_rows.get((schema.TOTAL, _total_item(report)))
    if total is not None:
        formulas["年末结转结余 对 预算数 − 执行数"] = f"=预算!C{total}-预算!D{total}"
    counts = stated_counts(report)
    for scope, group in counts.groupby("scope", sort=False):
        values = dict(zip(group["kind"], group["value"], strict=False))
        for kind in values:
            where = f"指标!A:A,{_quoted(scope)}"
            if kind in schema.CATEGORIES:
                where += f",指标!B:B,{_quoted(kind)}"
            elif kind in ("已完成", "未完成"):
                recomputed = f"=COUNTIFS({where},指标!G:G,{_quoted(kind)})"
                formulas[f"{scope}{kind}指标数 对 按数值重算的完成情况"] = recomputed
                where += f",指标!F:F,{_quoted(kind)}"
            formulas[f"{scope}{kind}指标数 对 指标表"] = f"=COUNTIFS({where})"
        for parts, label in ((list(schema.CATEGORIES), "各类指标数之和"), (["已完成", "未完成"], "已完成与未完成之和")):
            present = [k for k in parts if k in values]
            formulas[f"{scope}{label}"] = "=" + "+".join(str(int(values[k])) for k in present)
    return formulas


def _total_item(report: Report) -> str:
    totals = report.budget[report.budget["dimension"] == schema.TOTAL]
    return str(totals.iloc[0]["item"]) if len(totals) else ""


def _formula_for(description: str, formulas: dict[str, str]) -> str | None:
    """Exact description, or the longest key it starts with (sum and count descriptions add the figures)."""
    if description in formulas:
        return formulas[description]
    keys = [key for key in formulas if description.startswith(key)]
    return formulas[max(keys, key=len)] if keys else None


# ---- sheets -------------------------------------------------------------------------------


def _fit_row_heights(sheet: Worksheet) -> None:
    """Row heights for the wrapped lines (LibreOffice and print preview do not grow rows by themselves)."""
    for row in sheet.iter_rows(min_row=2):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and not cell.value.startswith("="):
                width = max(int(sheet.column_dimensions[cell.column_letter].width or 10) - 1, 1)
                lines = max(lines, sum(-(-text_width(part) // width) or 1 for part in cell.value.split("\n")))
        sheet.row_dimensions[row[0].row].height = min(15 * lines, 409)


def _finish(sheet: Worksheet) -> None:
    """Wrap text, filter on the header, print landscape fitted to the page width with the header repeated."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _fit_row_heights(sheet)
    sheet.auto_filter.ref = sheet.dimensions
    _print_setup(sheet)
    sheet.print_title_rows = "1:1"


def _print_setup(sheet: Worksheet) -> None:
    """A4 landscape, every column on the page width, as many pages down as needed."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _checks_sheet(book: Workbook, report: Report, checks: pd.DataFrame, formulas: dict[str, str]) -> None:
    sheet = book.create_sheet("核对", 1)
    _write_header_row(sheet, [title for title, _ in CHECK_HEADERS.values()],
                      [width for _, width in CHECK_HEADERS.values()])
    column = {key: get_column_letter(index) for index, key in enumerate(CHECK_HEADERS, start=1)}
    for row in checks.itertuples(index=False):
        values: dict[str, Any] = row._asdict()
        excel_row = sheet.max_row + 1
        formula = _formula_for(values["description"], formulas) if values["computed"] is not None else None
        values["kind"] = CHECK_KINDS.get(values["kind"], values["kind"])
        values["ok"] = RESULT_TEXT.get(values["ok"], "无法判定")
        values["formula"] = formula
        values["formula_check"] = (f'=IF(ROUND({column["formula"]}{excel_row}-{column["computed"]}{excel_row},8)=0,'
                                   '"一致","不一致")') if formula else None
        sheet.append([_excel_value(values[key]) for key in CHECK_HEADERS])
        places = _places(values["stated"], values["computed"])
        for key in ("stated", "computed", "formula", "difference"):
            sheet[f"{column[key]}{excel_row}"].number_format = number_format(places)
    last_row = max(sheet.max_row, 2)
    area = f"A2:{get_column_letter(len(CHECK_HEADERS))}{last_row}"
    result = column["ok"]
    sheet.conditional_formatting.add(area, FormulaRule(formula=[f'${result}2="未通过"'], fill=FAIL_FILL))
    sheet.conditional_formatting.add(area, FormulaRule(formula=[f'${result}2="无法判定"'], fill=UNDECIDED_FILL))
    _finish(sheet)
    for cell in sheet[column["formula_check"]][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")


def _findings_sheet(book: Workbook, checks: pd.DataFrame) -> None:
    sheet = book.create_sheet("发现", 2)
    _write_header_row(sheet, [title for title, _ in FINDING_HEADERS.values()],
                      [width for _, width in FINDING_HEADERS.values()])
    for row in findings(checks).itertuples(index=False):
        values = row._asdict()
        values["kind"] = CHECK_KINDS.get(values["kind"], values["kind"])
        sheet.append([_excel_value(values[key]) for key in FINDING_HEADERS])
    _finish(sheet)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tool_version() -> str:
    """The installed perfeval-utils version (what an auditor cites to reproduce the paper)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"perfeval-utils {version('perfeval-utils')}"
    except PackageNotFoundError:
        return "perfeval-utils（未安装，源代码运行）"


def run_time() -> datetime:
    """The time of the run for the 封面: now, or SOURCE_DATE_EPOCH (seconds, the reproducible-builds
    convention) when it is set, so that two runs of the same input can be compared byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)


def _cover_sheet(book: Workbook, report: Report, checks: pd.DataFrame, now: datetime) -> None:
    sheet = book.active
    sheet.title = "封面"
    kinds = [f"{CHECK_KINDS.get(kind, kind)}（{kind}）" for kind in dict.fromkeys(checks["kind"])]
    rules = int((checks["kind"] == "rule").sum())
    rows = [
        ("核对底稿", f"{report.department} {report.year} 年度绩效自评报告"),
        ("部门", report.department), ("年度", report.year), ("金额单位", report.amount_unit),
        ("输入文件", report.path.name), ("输入文件 SHA-256", file_sha256(report.path)),
        ("原始资料", _excel_value(report.meta.get("source_document")) or "未注明"),
        ("工具版本", tool_version()), ("运行时间（UTC）", now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("核对规则", "内置核对：" + "、".join(kinds) + f"；工作簿「核对」表规则 {rules} 项（docs/check-rules.md）"),
        ("结果", tally(checks).splitlines()[0]),
        ("怎样复核", "「核对」表的「Excel 重算」列是读取「预算」「指标」「任务」表的公式，打开即重算；"
                     "「公式复核」列比较它与本工具的重算数。"),
    ]
    for label, value in rows:
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    _print_setup(sheet)


def write_working_paper(report: Report, checks: pd.DataFrame, path: str | Path, *,
                        now: datetime | None = None) -> Path:
    """Write 封面, 核对, 发现, 预算, 指标 and 任务 to ``path`` and return it (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    _cover_sheet(book, report, checks, now or run_time())
    budget_rows = _budget_sheet(book, report)
    _kpi_sheet(book, report)
    task_last_row = _task_sheet(book, report)
    _checks_sheet(book, report, checks, check_formulas(report, budget_rows, task_last_row))
    _findings_sheet(book, checks)
    book.save(path)
    return path
