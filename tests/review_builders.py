"""Workbooks for the review tests: one department, one year, the indicators and budget given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfeval_utils.read.many import ReportSet, load_reports

from .builders import valid_sheets, write_workbook

#: (target, actual, status, weight, score, reason) of one indicator.
Indicator = tuple[Any, Any, Any, Any, Any, Any]
MET: Indicator = ("10 场", "11 场", "已完成", None, None, None)


def workbook(folder: Path, department: str, year: int, indicators: Sequence[Indicator] = (MET,), *,
             budget: Any = 1415.43, executed: Any = 1390.69, rate: Any = None, self_score: Any = 98.39,
             names: Sequence[str] | None = None, kind: str = "部门整体支出") -> Path:
    """A consistent v1 workbook (no tasks, no stated counts) at ``folder/<department>-<year>.xlsx``."""
    sheets = valid_sheets()
    del sheets["任务"], sheets["文中数据"]
    sheets["基本信息"][1][1], sheets["基本信息"][2][1] = department, year
    sheets["基本信息"][4][1], sheets["基本信息"][5][1] = kind, self_score
    sheets["预算"] = [sheets["预算"][0], ["合计", "部门整体支出", budget, executed, None, rate, "第3行"]]
    header = sheets["指标"][0]
    sheets["指标"] = [header] + [
        [str(i), "部门整体", "产出", None, names[i - 1] if names else f"指标{i}", t, a, st, w, sc, r, f"第{i}行"]
        for i, (t, a, st, w, sc, r) in enumerate(indicators, start=1)]
    return write_workbook(folder / f"{department}-{year}.xlsx", sheets)


def report_set(folder: Path) -> ReportSet:
    return load_reports(folder, progress=False)
