"""The model every stage shares: a :class:`Report` of pandas frames, its load warnings, and the
frame builder that gives every reader the same column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.internals import create_dataframe_from_blocks

from perfeval_utils.errors import (
    describe_place,
)
from perfeval_utils.schema import MONITOR_BUDGET, MONITOR_KPIS, Kind, Sheet

WARNING_COLUMNS = ["file", "sheet", "row", "column", "code", "message"]
_STR = pd.StringDtype("python", na_value=np.nan)


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """Something that loaded but an auditor should see: where it is and what it is.

    ``code`` is one of hidden-sheet, hidden-rows, hidden-columns, formula, float-artefact,
    number-as-text, percent-format, executed-above-budget, line-above-total, task-above-total,
    sheet-name, ignored-sheet, format-character, hidden-value (docs/bad-inputs.md).
    """

    code: str
    problem: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    found: Any = None

    @property
    def message(self) -> str:
        text = describe_place(Path(self.file).name, self.sheet, self.row, self.column) + f": {self.problem}"
        return text if self.found is None else f"{text}; found: {self.found!r}"

    def __str__(self) -> str:
        return self.message


#: How a workbook of made-up figures says so (data/examples/): in its 基本信息 数据说明 or source document.
EXAMPLE_MARK = "示例数据（非公开数据）"


class MetaKeys:
    """department, year and amount_unit as ``meta`` states them: one rule for a Report and for the
    record that stands for one before it is built (read.many.Loaded)."""

    __slots__ = ()
    meta: dict[str, Any]

    @property
    def department(self) -> str:
        return str(self.meta["department"])

    @property
    def year(self) -> int:
        return int(self.meta["year"])

    @property
    def amount_unit(self) -> str:
        return str(self.meta["amount_unit"])

    @property
    def example_note(self) -> str | None:
        """The workbook's own words on its made-up figures (its 数据说明, else its source document) when they
        say 示例数据（非公开数据）; None for published figures. What is presented from it must say so too."""
        for key in ("数据说明", "source_document"):
            text = self.meta.get(key)
            if isinstance(text, str) and EXAMPLE_MARK in text:
                return text
        return None


@dataclass(frozen=True, kw_only=True)
class Report(MetaKeys):
    """One department's self-evaluation for one year, as the workbook states it.

    Built with keyword arguments only (``Report(path=..., meta=..., budget=...)``): five frames in
    a row are too easy to pass in the wrong order.

    ``meta`` holds department, year, amount_unit, report_kind, self_score, carryover,
    report_date, source_document (None when not given) plus any other 基本信息 field
    under its Chinese name; ``meta_sources`` the 出处 of each 基本信息 field. Each frame
    ends with ``excel_row``, the row of the workbook the line came from. ``warnings`` holds
    what loaded but deserves a second look (:class:`LoadWarning`; as a table:
    :meth:`warning_table`). ``monitoring_budget`` and ``monitoring_kpis`` hold the optional
    mid-year monitoring sheets 监控预算 / 监控指标 (empty frames with their columns when absent).
    """

    path: Path
    meta: dict[str, Any]
    budget: pd.DataFrame
    kpis: pd.DataFrame
    tasks: pd.DataFrame
    claims: pd.DataFrame
    rules: pd.DataFrame
    meta_sources: dict[str, str | None] = field(default_factory=dict)
    warnings: tuple[LoadWarning, ...] = ()
    monitoring_budget: pd.DataFrame = field(default_factory=lambda: sheet_frame([], MONITOR_BUDGET))
    monitoring_kpis: pd.DataFrame = field(default_factory=lambda: sheet_frame([], MONITOR_KPIS))

    def warning_table(self) -> pd.DataFrame:
        """The recorded warnings, one row each: file, sheet, row, column, code, message."""
        rows = [[self.path.name, w.sheet, w.row, w.column, w.code, w.message] for w in self.warnings]
        table = pd.DataFrame(rows, columns=WARNING_COLUMNS)
        table["row"] = table["row"].astype("Int64")
        return table

    def __repr__(self) -> str:
        """One line (who, year, what it holds), not eight frames: see perfeval_utils.present.display."""
        from perfeval_utils.present.display import report_text

        return report_text(self)

    def _repr_html_(self) -> str:
        """In a notebook: the heading, 基本信息 with 出处 under Chinese headers, and the sheet counts."""
        from perfeval_utils.present.display import report_html

        return report_html(self)


def sheet_frame(records: Sequence[Sequence[Any]], sheet: Sheet) -> pd.DataFrame:
    """Text as pandas strings, exact numbers as Decimal objects, counts as nullable Int64.

    The frame is assembled from its blocks (pandas.api.internals.create_dataframe_from_blocks):
    one StringArray per text column (blanks as NaN), one Int64 array per count, the exact numbers
    in a single 2-D object block, ``excel_row`` as int64. This is what ``pd.DataFrame`` would
    build, without its per-column inference: from_records + astype took 60 % of the load time,
    a dict of arrays still 25 %, this 15 %.
    """
    count = len(records)
    blocks: list[tuple[Any, np.ndarray]] = []
    numbers: list[int] = []
    for at, column in enumerate(sheet.columns):
        if column.kind is Kind.TEXT:
            values = [r[at] for r in records]
            if all(v.__class__ is str or v is None for v in values):  # the loader's records: fast path
                text = np.array([np.nan if v is None else v for v in values] if count else [], dtype=object)
                blocks.append((pd.arrays.StringArray(text, dtype=_STR), np.array([at])))
            else:  # other callers (forms, extract): what astype("str") does, numbers → text, NA-likes → NaN
                blocks.append((pd.array(values, dtype=_STR), np.array([at])))
        elif column.kind is Kind.COUNT:
            blocks.append((pd.array([r[at] for r in records], dtype="Int64"), np.array([at])))
        else:
            numbers.append(at)
    if numbers:
        block = np.empty((len(numbers), count), dtype=object)
        for i, at in enumerate(numbers):
            block[i, :] = [r[at] for r in records]
        blocks.append((block, np.array(numbers)))
    width = len(sheet.columns)
    blocks.append((np.array([[r[-1] for r in records]], dtype="int64").reshape(1, count), np.array([width])))
    names = pd.Index([*sheet.names, "excel_row"])
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(count), columns=names)

