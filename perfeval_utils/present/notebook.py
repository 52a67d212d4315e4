"""The one setup call each notebook makes, and the small tables a notebook shows.

Notebooks present; this module holds what they would otherwise repeat: loading the
workbook named in the parameters cell, refusing a workbook of another department or
year than the notebook was asked for, and pandas display settings that show Decimals
and Chinese text readably.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perfeval_utils.errors import PerfevalError
from perfeval_utils.read.workbook import Report, load_report
from perfeval_utils.schema import META_FIELDS


class ParameterMismatchError(PerfevalError):
    """The workbook is not the department or year the notebook's parameters name."""


def setup(
    data_path: str | Path,
    department: str | None = None,
    year: int | None = None,
    *,
    charts: bool = False,
) -> Report:
    """Load the notebook's workbook, check it is the one expected, set display options.

    ``department`` / ``year`` left as None accept any workbook (papermill can pass another
    one). With ``charts=True`` the house chart style (CJK font) is applied too.
    """
    report = load_report(data_path)
    if department is not None and report.department != department:
        raise ParameterMismatchError(
            f"{data_path}: the workbook is for {report.department!r}, the notebook expects {department!r}; "
            "fix: pass the matching department (or None) in the parameters cell"
        )
    if year is not None and report.year != int(year):
        raise ParameterMismatchError(
            f"{data_path}: the workbook is for {report.year}, the notebook expects {year}; "
            "fix: pass the matching year (or None) in the parameters cell"
        )
    setup_display(charts=charts)
    return report


def setup_display(*, charts: bool = False) -> None:
    """pandas display settings for Decimals and Chinese text; the house chart style with ``charts``.

    For notebooks over many workbooks, which have no single workbook to load in :func:`setup`.
    """
    pd.set_option("display.max_colwidth", 60)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    if charts:
        from perfeval_utils.present.charts import apply_style

        apply_style()


def meta_table(report: Report) -> pd.DataFrame:
    """基本信息 as a two-column table with its 出处, Chinese field names first."""
    chinese = {key: field for field, key in META_FIELDS.items()}
    rows = [
        (chinese.get(key, key), "" if value is None else str(value), report.meta_sources.get(key) or "")
        for key, value in report.meta.items()
    ]
    return pd.DataFrame(rows, columns=["字段", "值", "出处"])


def key_figures(report: Report) -> str:
    """The headline figures as stated, as plain text (stable, so nbval can check it exactly)."""
    total = report.budget[report.budget["dimension"] == "合计"].iloc[0]
    unit = report.amount_unit

    def amount(value: object) -> str:
        return "未列" if value is None else f"{value} {unit}"

    statuses = report.kpis["status_text"].value_counts(dropna=False)
    status_text = ", ".join(f"{'未列' if pd.isna(k) else k} {n}" for k, n in statuses.items())
    rate = total["stated_rate"]
    return "\n".join(
        [
            f"部门 {report.department}，{report.year} 年度，报告类型 {report.meta['report_kind'] or '未列'}",
            f"预算数 {amount(total['budget'])}；执行数 {amount(total['executed'])}；"
            f"报告执行率 {'未列' if rate is None else f'{rate}%'}",
            f"指标 {len(report.kpis)} 个（完成情况：{status_text}）；任务 {len(report.tasks)} 个；"
            f"文中数据 {len(report.claims)} 项",
            f"自评得分 {report.meta['self_score'] if report.meta['self_score'] is not None else '未列'}",
        ]
    )
