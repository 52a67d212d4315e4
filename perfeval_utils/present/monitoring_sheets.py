"""The two mid-year monitoring sheets (监控预算, 监控指标) of a written workbook or template.

Laid out like every other sheet (:func:`perfeval_utils.present.writer.add_sheet`: header notes,
widths, frozen header, numbers only under amounts) plus drop-downs for the fixed lists 完成可能性
and 偏差原因类型, so a department cannot type a value the loader will refuse.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from perfeval_utils import schema
from perfeval_utils.present.writer import COMMENT_AUTHOR, VALIDATION_ROWS, add_sheet, list_validation, write_rows

#: Header notes of the monitoring sheets (Chinese, for the people who fill them in).
NOTES: dict[tuple[str, str], str] = {
    ("monitoring_budget", "budget"): "全年预算数，单位见基本信息「金额单位」；不带单位的数字。",
    ("monitoring_budget", "executed_to_date"): "截至「监控截止日期」的累计执行数（如 1–7 月执行数）。",
    ("monitoring_budget", "forecast"): "全年预计执行数。",
    ("monitoring_budget", "reason"): "执行进度与时间进度有偏差时，写偏差原因。",
    ("monitoring_budget", "remedy"): "预计有结余或进度滞后时，写纠偏措施。",
    ("monitoring_kpis", "indicator_id"): "指标编号；与「指标」表相同的编号即同一指标（年末对照用）。",
    ("monitoring_kpis", "target_text"): "年度指标值，照原文，连同单位和 ≥ 等符号。",
    ("monitoring_kpis", "to_date_text"): "截至监控截止日期的累计完成值（如 1–7 月实际完成值），单位与年度指标值相同。",
    ("monitoring_kpis", "forecast_text"): "全年预计完成值，单位与年度指标值相同。",
    ("monitoring_kpis", "likelihood"): "完成目标可能性：确定能 / 有可能 / 完全不可能（从下拉中选）。",
    ("monitoring_kpis", "reason_type"): "偏差原因类型：经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他"
                                        "（从下拉中选）。",
    ("monitoring_kpis", "reason"): "原因说明。",
    ("monitoring_kpis", "remedy"): "纠偏措施。",
}


def add_monitoring_sheets(book: Workbook, frames: Mapping[str, pd.DataFrame] | None = None) -> None:
    """Append 监控预算 and 监控指标 to ``book``, with ``frames``' rows (by sheet name) when given."""
    for sheet in schema.MONITORING_SHEETS:
        frame = (frames or {}).get(sheet.name)
        if frame is None:
            frame = pd.DataFrame(columns=sheet.names)
        values = {c.name: frame[c.name].tolist() for c in sheet.columns if c.name in frame.columns}
        ws = add_sheet(book, sheet, len(frame) + 1, values)
        write_rows(ws, sheet, frame)
        for at, column in enumerate(sheet.columns, start=1):
            if (sheet.name, column.name) in NOTES:
                note = NOTES[(sheet.name, column.name)] + ("（必填）" if column.required else "")
                comment = Comment(note, COMMENT_AUTHOR)
                comment.width, comment.height = 320, 120
                ws.cell(row=1, column=at).comment = comment
        if sheet is schema.MONITOR_KPIS:
            last = max(VALIDATION_ROWS, len(frame) + 101)
            for name, options in (("likelihood", schema.LIKELIHOODS), ("reason_type", schema.REASON_TYPES)):
                letter = get_column_letter(sheet.names.index(name) + 1)
                validation = list_validation(options, strict=True, prompt="请从下拉中选。")
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{last}")


def monitoring_frames(report: object) -> dict[str, pd.DataFrame]:
    """The report's monitoring frames by sheet name (empty dict when it has none)."""
    frames = {sheet.name: getattr(report, sheet.name, None) for sheet in schema.MONITORING_SHEETS}
    return {name: frame for name, frame in frames.items() if frame is not None and len(frame)}


def monitoring_template_frames(like: object | None) -> dict[str, pd.DataFrame]:
    """Rows to pre-fill from last year's report: its budget lines (a lone 合计 without one) and its
    indicators with their 年度指标值; every figure of this year blank."""
    budget_names, kpi_names = schema.MONITOR_BUDGET.names, schema.MONITOR_KPIS.names
    lines = getattr(like, "budget", None)
    if lines is None or lines.empty:
        from perfeval_utils.analyse.series import TOTAL_ITEM

        budget = pd.DataFrame([{"dimension": schema.TOTAL, "item": TOTAL_ITEM}], columns=budget_names)
    else:
        budget = pd.DataFrame([{"dimension": r.dimension, "item": r.item} for r in lines.itertuples(index=False)],
                              columns=budget_names)
    kpis = getattr(like, "kpis", None)
    carried = ("indicator_id", "scope", "category", "subcategory", "name", "target_text")
    rows = [] if kpis is None else [{c: getattr(r, c) for c in carried} for r in kpis.itertuples(index=False)]
    return {"monitoring_budget": budget, "monitoring_kpis": pd.DataFrame(rows, columns=kpi_names)}
