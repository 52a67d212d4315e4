"""Write the review workbook (复核工作簿): the template for a 抽评 sample, or a filled-in review.

:func:`write_review_template` fills in, for each sampled report, the self-evaluation's figures
(自评得分, each indicator's texts, 分值 and 得分) and leaves the reviewer's columns empty and
shaded; :func:`write_review` writes any :class:`~perfeval_utils.read.review.Review` back so that
``load_review(write_review(review, path))`` gives the same frames, value for value. Both use the
v1 writer's openpyxl helpers (header notes, widths, frozen header, number validation).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from perfeval_utils.cells import is_blank
from perfeval_utils.present.writer import COMMENT_AUTHOR, add_sheet, new_workbook, save, write_meta, write_rows
from perfeval_utils.read.many import ReportSet
from perfeval_utils.read.review import INDICATORS, INFO, REPORTS, REVIEWER_COLUMNS, Review
from perfeval_utils.report import sheet_frame
from perfeval_utils.schema import Sheet

#: The reviewer's columns are shaded so that nobody types over the self-evaluation's figures.
REVIEWER_FILL: Final = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
NOTES: Final[Mapping[str, str]] = {
    "department": "部门，照自评工作簿「基本信息」，不要改动（复核按部门和年度对应自评报告）。",
    "year": "年度，四位年份，不要改动。",
    "file": "自评工作簿的文件名，供查找。",
    "reason": "该报告为何入选抽评（高严重度提示、指定、随机抽取及其概率）。",
    "self_score": "自评报告的自评得分（由 perfeval 填入，不要改动）。",
    "execution_weight": "预算执行率的分值（由 perfeval 填入）。",
    "execution_score": "自评报告的预算执行率得分（由 perfeval 填入）。",
    "review_execution_score": "复核人填写：复核后的预算执行率得分（数字）。",
    "review_total": "复核人填写：复核后的总分（数字）。留空时按各项复核得分之和计算（须每项都填）。",
    "review_note": "复核人填写：复核意见或说明。",
    "indicator_id": "指标编号，照自评工作簿，不要改动。",
    "target_text": "自评报告的预期值（由 perfeval 填入）。",
    "actual_text": "自评报告的实现值（由 perfeval 填入）。",
    "weight": "该指标的分值（由 perfeval 填入）；复核得分不能超过它。",
    "score": "自评报告中该指标的得分（由 perfeval 填入）。",
    "review_actual": "复核人填写：核实后的实际完成值，照核实的原始凭据，连同单位。",
    "review_score": "复核人填写：复核后的该指标得分（数字，0 到分值之间）。",
}


def _sheet(book: Any, sheet: Sheet, frame: pd.DataFrame) -> None:
    rows = int(frame["excel_row"].max()) if "excel_row" in frame.columns and len(frame) else len(frame) + 1
    values = {c.name: frame[c.name].tolist() for c in sheet.columns if c.name in frame.columns}
    ws = add_sheet(book, sheet, rows, values)
    reviewer = REVIEWER_COLUMNS.get(sheet.name, ())
    for at, column in enumerate(sheet.columns, start=1):
        note = NOTES.get(column.name)
        if note:
            ws.cell(row=1, column=at).comment = Comment(note + ("（必填）" if column.required else ""), COMMENT_AUTHOR)
        if column.name in reviewer:
            ws.cell(row=1, column=at).fill = REVIEWER_FILL
            for row in range(2, max(rows, len(frame) + 1) + 1):
                ws.cell(row=row, column=at).fill = REVIEWER_FILL
    write_rows(ws, sheet, frame)


def write_review(review: Review, path: str | Path) -> Path:
    """Write ``review`` as a review workbook (.xlsx); load_review reads back the same frames."""
    book = new_workbook()
    info = [(field, value, None) for field, value in review.info.items()]
    ws = add_sheet(book, INFO, len(info) + 1, {"field": [i[0] for i in info], "value": [i[1] for i in info]})
    write_meta(ws, info)
    _sheet(book, REPORTS, review.reports)
    _sheet(book, INDICATORS, review.indicators)
    return save(book, path)


def review_from_sample(report_set: ReportSet, sample: pd.DataFrame,
                       info: Mapping[str, str | None] | None = None) -> Review:
    """The review of the sample's selected reports with the self-evaluation filled in, the reviewer's part empty."""
    chosen = sample[sample["selected"]] if "selected" in sample.columns else sample
    reports, indicators = [], []
    for row in chosen.itertuples(index=False):
        report = report_set.report(row.department, int(row.year))
        meta = report.meta
        reports.append({"department": report.department, "year": report.year, "file": report.path.name,
                        "reason": getattr(row, "why", None), "self_score": meta.get("self_score"),
                        "execution_weight": meta.get("execution_weight"),
                        "execution_score": meta.get("execution_score")})
        for kpi in report.kpis.itertuples(index=False):
            indicators.append({"department": report.department, "year": report.year,
                               **{c: getattr(kpi, c) for c in ("indicator_id", "category", "name", "target_text",
                                                               "actual_text", "weight", "score")}})
    frames = []  # built as the loader builds them (sheet_frame), so a template equals its reloaded self
    for sheet, rows in ((REPORTS, reports), (INDICATORS, indicators)):
        records = [[None if is_blank(row.get(name)) else row.get(name) for name in sheet.names] + [at]
                   for at, row in enumerate(rows, start=2)]
        frames.append(sheet_frame(records, sheet))
    defaults = {"复核批次": None, "抽样种子": str(sample.attrs.get("seed", "")) or None, "复核单位": None,
                "复核日期": None}
    return Review(Path("复核工作簿.xlsx"), {**defaults, **(info or {})}, *frames)


def write_review_template(report_set: ReportSet, sample: pd.DataFrame, path: str | Path,
                          info: Mapping[str, str | None] | None = None) -> Path:
    """The review workbook for the sample's selected reports, ready for the reviewers (see docs/review.md)."""
    return write_review(review_from_sample(report_set, sample, info), path)
