"""An empty v1 workbook for next year's report, ready to fill in.

``write_template(path, department, year)`` writes every sheet of the format with its headers
(each with an explanatory comment), column widths, the header row frozen and Excel data
validation; 基本信息 lists every field with 部门, 年度 and 金额单位 filled in, and 预算 has its
one 合计 row. The file loads as it is (blank amounts stay blank, never 0), so a half-filled
template can be checked at any time.

With ``like=report`` (last year's :class:`Report`) it carries over what stays the same from
one year to the next, so only this year's figures need typing:

- 预算: every line's 维度 and 项目, amounts blank (上年执行数 too: it must be the figure the
  new report prints, not one copied from last year's workbook);
- 指标: 编号, 范围, 一级指标, 二级指标, 指标名称, 预期值 and 分值, with 实现值, 完成情况, 得分,
  偏差原因 and 出处 blank;
- 任务: 编号, 任务名称 and 实施单位 (the indicators' 范围 refer to them);
- 基本信息: 金额单位 and 报告类型.

文中数据 and 核对 start empty: they belong to one report. Nothing else is carried over, and no
figure is filled in that the new report has not stated.

With ``monitoring=True`` the workbook also gets the mid-year monitoring sheets 监控预算 and 监控指标
(drop-downs for 完成可能性 and 偏差原因类型) and the 基本信息 rows 监控截止日期 and 时间进度; with
``like`` too, 监控预算 lists last year's budget lines and 监控指标 its indicators with their 年度指标值.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.series import TOTAL_ITEM
from perfeval_utils.errors import PerfevalError
from perfeval_utils.present.writer import build_workbook, save
from perfeval_utils.read.workbook import Report

#: Columns carried over from last year's report, by sheet name; every other column starts blank.
CARRIED: dict[str, tuple[str, ...]] = {
    "budget": ("dimension", "item"),
    "kpis": ("indicator_id", "scope", "category", "subcategory", "name", "target_text", "weight"),
    "tasks": ("task_id", "name", "implementer"),
}


def _carried(sheet: schema.Sheet, frame: pd.DataFrame | None) -> pd.DataFrame:
    """The sheet's rows with only the carried columns kept (others blank), in sheet order from row 2."""
    keep = CARRIED.get(sheet.name, ())
    if frame is None or frame.empty or not keep:
        return pd.DataFrame(columns=sheet.names)
    rows = [{c.name: (getattr(r, c.name) if c.name in keep else None) for c in sheet.columns}
            for r in frame.itertuples(index=False)]
    return pd.DataFrame(rows, columns=sheet.names)


def template_frames(like: Report | None) -> dict[str, pd.DataFrame]:
    """The data rows of a template: last year's carried columns, or a lone 合计 row."""
    frames = {sheet.name: _carried(sheet, getattr(like, sheet.name) if like is not None else None)
              for sheet in schema.SHEETS if sheet is not schema.META}
    if frames["budget"].empty:
        frames["budget"] = pd.DataFrame([{"dimension": schema.TOTAL, "item": TOTAL_ITEM}], columns=schema.BUDGET.names)
    return frames


def template_meta(department: str, year: int, amount_unit: str, report_kind: str | None) -> list[tuple[str, Any, None]]:
    """One 基本信息 row per field of the format, in the documented order; the first ones filled in."""
    known = {"department": department, "year": year, "amount_unit": amount_unit, "report_kind": report_kind}
    return [(field, known.get(key), None) for field, key in schema.META_FIELDS.items()]


def write_template(
    path: str | Path,
    department: str,
    year: int,
    like: Report | None = None,
    *,
    amount_unit: str | None = None,
    monitoring: bool = False,
) -> Path:
    """Write an empty v1 workbook for ``department`` and ``year`` at ``path`` (.xlsx); return the path.

    ``like``: last year's report, whose budget lines, indicators (with their targets) and tasks are
    carried over. ``amount_unit``: 万元 or 元; default ``like``'s unit, else 万元. ``monitoring``: add the
    mid-year monitoring sheets (监控预算 / 监控指标) and their 基本信息 fields.
    """
    if not isinstance(department, str) or not department.strip():
        raise PerfevalError("write_template: department is blank; fix: pass the department's name as printed")
    low, high = schema.YEAR_RANGE
    if isinstance(year, bool) or not isinstance(year, int) or not low <= year <= high:
        raise PerfevalError(
            f"write_template: year {year!r} is not a year; fix: pass a year such as 2023 ({low}–{high})"
        )
    unit = amount_unit or (like.amount_unit if like is not None else schema.AMOUNT_UNITS[0])
    if unit not in schema.AMOUNT_UNITS:
        raise PerfevalError(f"write_template: amount_unit {unit!r} is not {' or '.join(schema.AMOUNT_UNITS)}")
    kind = like.meta.get("report_kind") if like is not None else None
    meta = template_meta(department.strip(), year, unit, kind)
    if monitoring:
        meta += [(field, None, None) for field in schema.MONITORING_META_FIELDS]
    book = build_workbook(meta, template_frames(like))
    if monitoring:
        from perfeval_utils.present.monitoring_sheets import add_monitoring_sheets, monitoring_template_frames

        add_monitoring_sheets(book, monitoring_template_frames(like))
    return save(book, path)
