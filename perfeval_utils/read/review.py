"""The review workbook (复核工作簿): what a reviewer found when re-checking sampled self-evaluations.

Three sheets, documented in docs/review.md and defined here (a format of its own, kept with its
reader, like the v1 sheets in :mod:`perfeval_utils.schema`):

- 复核说明: 字段 / 值 rows (复核批次, 复核单位, 复核日期, 抽样种子, 数据说明 …), all optional.
- 复核报告: one row per sampled report: 部门, 年度 and the self-evaluation's figures (filled in by
  :func:`perfeval_utils.present.review.write_review_template`), then the reviewer's 复核预算执行率得分,
  复核总分 and 复核意见.
- 复核指标: one row per indicator: 部门, 年度, 编号 and the self-evaluation's texts and scores,
  then the reviewer's 复核实现值, 复核得分 and 复核说明.

:func:`load_review` reads it with the v1 loader's machinery (package check, calamine, the same
cell conversion and located errors), then checks what is particular to a review: each report
and indicator listed once, every indicator's report in 复核报告, no score below zero or above
its 分值.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from perfeval_utils.errors import DuplicateIdError, MissingSheetError, UnknownValueError, WorkbookError
from perfeval_utils.read.convert import normalise_header
from perfeval_utils.read.layout import Table
from perfeval_utils.read.package import check_package
from perfeval_utils.read.workbook import Loader, open_workbook
from perfeval_utils.schema import Column, Kind, Sheet

INFO = Sheet("复核说明", "info", (Column("字段", "field", required=True), Column("值", "value")),
             optional=True, id_column="field")
REPORTS = Sheet(
    "复核报告",
    "reports",
    (
        Column("部门", "department", required=True),
        Column("年度", "year", Kind.COUNT, required=True),
        Column("文件", "file"),
        Column("入选理由", "reason"),
        Column("自评得分", "self_score", Kind.DECIMAL),
        Column("预算执行率分值", "execution_weight", Kind.DECIMAL),
        Column("自评预算执行率得分", "execution_score", Kind.DECIMAL),
        Column("复核预算执行率得分", "review_execution_score", Kind.DECIMAL),
        Column("复核总分", "review_total", Kind.DECIMAL),
        Column("复核意见", "review_note"),
    ),
)
INDICATORS = Sheet(
    "复核指标",
    "indicators",
    (
        Column("部门", "department", required=True),
        Column("年度", "year", Kind.COUNT, required=True),
        Column("编号", "indicator_id", required=True),
        Column("一级指标", "category"),
        Column("指标名称", "name"),
        Column("预期值", "target_text"),
        Column("自评实现值", "actual_text"),
        Column("分值", "weight", Kind.DECIMAL),
        Column("自评得分", "score", Kind.DECIMAL),
        Column("复核实现值", "review_actual"),
        Column("复核得分", "review_score", Kind.DECIMAL),
        Column("复核说明", "review_note"),
    ),
)
REVIEW_SHEETS: tuple[Sheet, ...] = (INFO, REPORTS, INDICATORS)
#: The reviewer's columns (empty in a template), by sheet name.
REVIEWER_COLUMNS = {"reports": ("review_execution_score", "review_total", "review_note"),
                    "indicators": ("review_actual", "review_score", "review_note")}


class ReviewError(WorkbookError):
    """A review workbook whose figures cannot stand (a score above its 分值, below zero …)."""


@dataclass(frozen=True)
class Review:
    """One review workbook: ``info`` (复核说明 字段 → 值), ``reports`` and ``indicators`` frames.

    The frames have the English column names of :data:`REPORTS` / :data:`INDICATORS` and end with
    ``excel_row``; numbers are Decimal, 年度 an integer.
    """

    path: Path
    info: dict[str, str | None]
    reports: pd.DataFrame
    indicators: pd.DataFrame


class _ReviewLoader(Loader):
    SHEETS = REVIEW_SHEETS


_TITLES = frozenset(sheet.title for sheet in REVIEW_SHEETS)


def _is_review_sheet(name: str) -> bool:
    return normalise_header(name) in _TITLES


def _refuse_repeats(table: Table, key: tuple[str, ...], path: Path) -> None:
    """A report (部门, 年度) or an indicator (部门, 年度, 编号) listed twice."""
    seen: dict[tuple[Any, ...], int] = {}
    columns = [table.column(name) for name in key]
    for values, row in zip(zip(*columns, strict=True), table.column("excel_row"), strict=True):
        if values in seen:
            headers = "、".join(table.header(name) for name in key)
            raise DuplicateIdError(
                f"the same {headers} appears twice (rows {seen[values]} and {row})", file=path,
                sheet=table.sheet.title, row=int(row), column=table.header(key[-1]), found=list(values),
                expected=f"each {headers} once", fix="merge the two rows into one")
        seen[values] = int(row)


def _refuse_bad_scores(table: Table, path: Path) -> None:
    scored = zip(table.column("review_score"), table.column("weight"), table.column("excel_row"), strict=True)
    for score, weight, row in scored:
        if score is None:
            continue
        if score < 0 or (weight is not None and score > weight):
            raise ReviewError(
                "复核得分 below zero" if score < 0 else f"复核得分 {score} above the indicator's 分值 {weight}",
                file=path, sheet=table.sheet.title, row=int(row), column="复核得分", found=score,
                expected=f"a score from 0 to {weight if weight is not None else 'the 分值'}",
                fix="correct the score (or the 分值 if the self-evaluation states another)")


def load_review(path: str | Path) -> Review:
    """Load and validate a review workbook; a located :class:`WorkbookError` subclass on bad input."""
    path = Path(path)
    package = check_package(path, wanted=_is_review_sheet)
    book = open_workbook(package)
    try:
        loader = _ReviewLoader(path, package, book)
        for sheet in (REPORTS, INDICATORS):
            if sheet.title not in loader.names:
                raise MissingSheetError(
                    f"required sheet「{sheet.title}」is missing", file=path, sheet=sheet.title,
                    found=list(book.sheet_names), expected="the sheets 复核说明, 复核报告, 复核指标",
                    fix="start from the workbook perfeval writes (write_review_template); see docs/review.md")
        info = loader.read_table(INFO)
        reports = loader.read_table(REPORTS)
        indicators = loader.read_table(INDICATORS)
    finally:
        book.close()
    _refuse_repeats(info, ("field",), path)
    _refuse_repeats(reports, ("department", "year"), path)
    _refuse_repeats(indicators, ("department", "year", "indicator_id"), path)
    listed = set(zip(reports.column("department"), reports.column("year"), strict=True))
    pairs = zip(indicators.column("department"), indicators.column("year"), indicators.column("excel_row"),
                strict=True)
    for department, year, row in pairs:
        if (department, year) not in listed:
            raise UnknownValueError(
                f"{department} {year} has indicators but no row in 复核报告", file=path, sheet=INDICATORS.title,
                row=int(row), column="部门", found=f"{department} {year}",
                expected="a report listed in 复核报告", fix="add the report's row to 复核报告 or correct 部门 / 年度")
    _refuse_bad_scores(indicators, path)
    for score, total, row in zip(reports.column("review_execution_score"), reports.column("review_total"),
                                 reports.column("excel_row"), strict=True):
        for value, header in ((score, "复核预算执行率得分"), (total, "复核总分")):
            if value is not None and value < Decimal(0):
                raise ReviewError(f"{header} below zero", file=path, sheet=REPORTS.title, row=int(row),
                                  column=header, found=value, expected="a score ≥ 0")
    return Review(path, dict(zip(info.column("field"), info.column("value"), strict=True)), reports.frame(),
                  indicators.frame())
