"""Exports for the systems bureaus use: the performance module's fields, and a Fiscal Data Package.

Two exports, documented field by field in docs/export.md:

- :func:`indicator_table` / :func:`score_table`: indicators and scores under the field names
  common to the performance modules of the 预算管理一体化 systems (一级指标, 二级指标, 三级指标,
  指标值, 实际完成值, 分值, 得分, 偏差原因分析 …). A field the workbook has no source for is left
  empty, never filled with a guess. Written as CSV in UTF-8 with a byte-order mark, which Excel
  on a Chinese Windows opens without garbling.
- :func:`write_fiscal_package`: the budget lines as a Fiscal Data Package: ``datapackage.json``
  (a frictionless Tabular Data Package whose Table Schema describes the CSV, plus the FDP
  ``model`` whose measures tag 预算数 as phase ``approved`` and 执行数 as ``executed``, currency
  CNY, factor 10000 for 万元) and ``budget-lines.csv``.

Amounts are written as the exact Decimal text (``1415.43``), never through a float.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pandas as pd

from perfeval_utils.cells import is_blank
from perfeval_utils.errors import PerfevalError
from perfeval_utils.read.many import COMMON_UNIT, ReportSet
from perfeval_utils.values import parse_value

INDICATOR_FIELDS: Final = ["预算年度", "单位名称", "项目名称", "评价类型", "一级指标", "二级指标", "三级指标",
                           "指标性质", "计算符号", "度量单位", "指标值", "实际完成值", "完成情况", "分值", "得分",
                           "偏差原因分析", "改进措施", "出处"]
SCORE_FIELDS: Final = ["预算年度", "单位名称", "评价类型", "金额单位", "年度预算数", "全年执行数", "预算执行率",
                       "预算执行率分值", "预算执行率得分", "自评得分", "自评等级", "出处"]
#: The factor that turns an amount in each unit into yuan (the FDP measure's ``factor``).
FACTORS: Final = {"万元": 10000, "元": 1}
OPS: Final = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=", "~": "约"}
ENCODING: Final = "utf-8-sig"


def _csv_text(value: Any) -> str:
    """A cell of the CSV: blank for a missing value, the exact Decimal text for numbers."""
    if is_blank(value):
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _read_target(text: Any) -> tuple[str, str, str]:
    """指标性质, 计算符号, 度量单位 read from the 预期值 text by parse_value (blank when unreadable)."""
    if not isinstance(text, str) or not text.strip():
        return "", "", ""
    try:
        first = parse_value(text)[0]
    except PerfevalError:
        return "", "", ""
    if first.value is None:
        return "定性", "", ""
    return "定量", OPS.get(first.op, first.op), first.unit or ""


def indicator_table(report_set: ReportSet) -> pd.DataFrame:
    """One row per indicator, under the performance module's field names (text; blanks where no source)."""
    rows = []
    for report in report_set.originals:
        tasks = dict(zip(report.tasks["task_id"], report.tasks["name"], strict=True))
        for kpi in report.kpis.itertuples(index=False):
            nature, op, unit = _read_target(kpi.target_text)
            rows.append([report.year, report.department, tasks.get(kpi.scope, "部门整体支出"),
                         report.meta.get("report_kind"), f"{kpi.category}指标", kpi.subcategory, kpi.name,
                         nature, op, unit, kpi.target_text, kpi.actual_text, kpi.status_text, kpi.weight,
                         kpi.score, kpi.reason, None, kpi.source])
    return pd.DataFrame([[_csv_text(v) for v in row] for row in rows], columns=INDICATOR_FIELDS)


def score_table(report_set: ReportSet) -> pd.DataFrame:
    """One row per report: budget, execution and the self-score, amounts in the workbook's own unit."""
    rows = []
    for report in report_set.originals:
        total = report.budget[report.budget["dimension"] == "合计"].iloc[0]
        meta = report.meta
        rows.append([report.year, report.department, meta.get("report_kind"), report.amount_unit, total["budget"],
                     total["executed"], total["stated_rate"], meta.get("execution_weight"),
                     meta.get("execution_score"), meta.get("self_score"), meta.get("self_grade"),
                     report.meta_sources.get("self_score") or total["source"]])
    return pd.DataFrame([[_csv_text(v) for v in row] for row in rows], columns=SCORE_FIELDS)


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str = ENCODING) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(frame.columns)
        writer.writerows(frame.itertuples(index=False))
    return path


def write_performance_tables(report_set: ReportSet, folder: str | Path) -> list[Path]:
    """绩效指标.csv and 自评得分.csv in ``folder``."""
    folder = Path(folder)
    return [_write_csv(indicator_table(report_set), folder / "绩效指标.csv"),
            _write_csv(score_table(report_set), folder / "自评得分.csv")]


# ---- Fiscal Data Package -------------------------------------------------------------------

BUDGET_FIELDS: Final = [
    ("fiscal_year", "integer", "年度", "date:fiscal-year"),
    ("department", "string", "部门（单位名称）", "administrative-classification:generic:level1:label"),
    ("dimension", "string", "维度：合计 / 资金来源 / 支出性质 或自定分组", None),
    ("item", "string", "项目", None),
    ("approved", "number", "预算数（万元）", "value"),
    ("executed", "number", "执行数（万元）", "value"),
    ("reported_rate", "number", "报告所印执行率（%），不是金额", None),
    ("source", "string", "出处：该行在报告中的位置", None),
]


def budget_lines(report_set: ReportSet) -> pd.DataFrame:
    """The budget lines of the set on its common unit (万元), as CSV text, in the package's column order."""
    frame = report_set.budget
    rows = [[row.year, row.department, row.dimension, row.item, row.budget, row.executed, row.stated_rate,
             row.source] for row in frame.itertuples(index=False)]
    return pd.DataFrame([[_csv_text(v) for v in row] for row in rows], columns=[f[0] for f in BUDGET_FIELDS])


def fiscal_descriptor(report_set: ReportSet, name: str = "perfeval-budget-lines") -> dict[str, Any]:
    """The datapackage.json descriptor: Table Schema of the CSV and the FDP model (measures and dimensions)."""
    factor = FACTORS[report_set.amount_unit if report_set.amount_unit else COMMON_UNIT]
    fields = []
    for field, kind, description, column_type in BUDGET_FIELDS:
        entry: dict[str, Any] = {"name": field, "type": kind, "description": description}
        if kind == "number":
            entry["decimalChar"] = "."
        if column_type:
            entry["columnType"] = column_type
        fields.append(entry)
    measure = {"currency": "CNY", "factor": factor, "direction": "expenditure"}
    return {
        "profile": "fiscal-data-package",
        "name": name,
        "title": "预算绩效自评：预算与执行（perfeval 导出）",
        "description": f"各部门自评报告所列预算行；金额单位 {report_set.amount_unit}（factor {factor} 换算为元），"
                       "由 perfeval 从 v1 工作簿导出，数字照报告，不作推算。",
        "resources": [{
            "name": "budget-lines", "path": "budget-lines.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": fields, "missingValues": [""]},
        }],
        "model": {
            "measures": {
                "approved": {"source": "approved", "phase": "approved", **measure},
                "executed": {"source": "executed", "phase": "executed", **measure},
            },
            "dimensions": {
                "fiscal_year": {"dimensionType": "datetime", "primaryKey": "fiscal_year",
                                "attributes": {"fiscal_year": {"source": "fiscal_year"}}},
                "department": {"dimensionType": "entity", "primaryKey": "department",
                               "attributes": {"department": {"source": "department"}}},
                "line": {"dimensionType": "classification", "primaryKey": ["dimension", "item"],
                         "attributes": {"dimension": {"source": "dimension"}, "item": {"source": "item"}}},
            },
        },
    }


def write_fiscal_package(report_set: ReportSet, folder: str | Path) -> list[Path]:
    """datapackage.json and budget-lines.csv (UTF-8, no BOM: the package states its encoding) in ``folder``."""
    folder = Path(folder)
    lines = _write_csv(budget_lines(report_set), folder / "budget-lines.csv", encoding="utf-8")
    descriptor = folder / "datapackage.json"
    descriptor.write_text(json.dumps(fiscal_descriptor(report_set), ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    return [descriptor, lines]


def export_all(report_set: ReportSet, out: str | Path,
               formats: Iterable[str] = ("performance", "fiscal")) -> list[Path]:
    """Every export asked for under ``out``: performance/ (the module's fields) and fiscal/ (the package)."""
    out = Path(out)
    written: list[Path] = []
    if "performance" in formats:
        written += write_performance_tables(report_set, out / "performance")
    if "fiscal" in formats:
        written += write_fiscal_package(report_set, out / "fiscal")
    return written
