"""Write the reconciliation as an Excel working paper (核对底稿) an auditor can file and annotate.

Two sheets: 核对 (every check, failures highlighted by conditional formatting, so the highlight
follows if the auditor edits or re-sorts the sheet) and 发现 (the failed checks, one sentence
each). Numbers are written as numbers, with their unit in a column of its own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from perfeval_utils.cells import is_blank
from perfeval_utils.check.reconcile import findings
from perfeval_utils.read.workbook import Report

CHECK_HEADERS = {
    "check_id": ("编号", 7), "kind": ("类别", 10), "description": ("核对内容", 56), "stated": ("报告数", 12),
    "computed": ("重算数", 12), "difference": ("差额", 12), "unit": ("单位", 7), "tolerance": ("容差", 16),
    "ok": ("结果", 8), "finding": ("发现", 60), "source": ("出处", 48),
}
FINDING_HEADERS = {"check_id": ("编号", 7), "kind": ("类别", 10), "finding": ("发现", 90), "source": ("出处", 60)}
FAIL_FILL = PatternFill(start_color="FFF4CCCC", end_color="FFF4CCCC", fill_type="solid")
UNDECIDED_FILL = PatternFill(start_color="FFFFF2CC", end_color="FFFFF2CC", fill_type="solid")
RESULT_TEXT = {True: "通过", False: "未通过"}


def working_paper_path(report: Report, out_dir: str | Path) -> Path:
    """``<out_dir>/<workbook stem>_核对底稿.xlsx``: one paper per workbook, named after it."""
    return Path(out_dir) / f"{report.path.stem}_核对底稿.xlsx"


def _cell(value: object) -> object:
    """Decimals stay exact numbers; NA becomes an empty cell."""
    if is_blank(value):
        return None
    return value


def _write_sheet(sheet, frame: pd.DataFrame, headers: dict[str, tuple[str, int]]) -> None:  # type: ignore[no-untyped-def]
    sheet.append([title for title, _ in headers.values()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        values = row._asdict()
        sheet.append([
            RESULT_TEXT.get(values[key], "无法判定") if key == "ok" else _cell(values[key]) for key in headers
        ])
    for index, (_, width) in enumerate(headers.values(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def write_working_paper(report: Report, checks: pd.DataFrame, path: str | Path) -> Path:
    """Write 核对 and 发现 sheets to ``path`` and return it (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "核对"
    _write_sheet(sheet, checks, CHECK_HEADERS)
    last_row = max(sheet.max_row, 2)
    result_column = get_column_letter(list(CHECK_HEADERS).index("ok") + 1)
    area = f"A2:{get_column_letter(len(CHECK_HEADERS))}{last_row}"
    sheet.conditional_formatting.add(area, FormulaRule(formula=[f'${result_column}2="未通过"'], fill=FAIL_FILL))
    sheet.conditional_formatting.add(area, FormulaRule(formula=[f'${result_column}2="无法判定"'], fill=UNDECIDED_FILL))
    sheet["A1"].comment = Comment(
        f"{report.department} {report.year} 年度自评报告的核对底稿；金额单位 {report.amount_unit}；"
        f"由 perfeval_utils.check.reconcile 从 {report.path.name} 生成", "perfeval")
    found = book.create_sheet("发现")
    _write_sheet(found, findings(checks), FINDING_HEADERS)
    book.save(path)
    return path
