"""The KPI table of a report's text: a tab-separated header with 编号 and 指标名称, rows that wrap over
lines, the table split over pages with the header repeated (续表).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from perfeval_utils import schema
from perfeval_utils.read.form.labels import form_category
from perfeval_utils.read.text.lines import KPI_HEADERS, ROW_START, STATUS, Table, line_ref, number


class TableReading:
    """The KPI-table half of :class:`~perfeval_utils.read.text.extractor.Extractor` (a mixin: same state)."""

    lines: list[str]
    label_before: dict[int, str]

    def line(self, no: int) -> str:
        return self.lines[no - 1]

    #: Provided by the Extractor this mixin is part of: record an open question / mark spans as read.
    ask: Callable[[Any, str], None]
    note: Callable[..., None]

    # -- tables ----------------------------------------------------------------------------

    def _header_cells(self, no: int) -> list[str | None] | None:
        text = self.line(no)
        if text.count("\t") < 2:
            return None
        cells = [re.sub(r"\s+", "", c) for c in text.split("\t")]
        mapped = [KPI_HEADERS.get(c) for c in cells]
        if "indicator_id" in mapped and "name" in mapped:
            return mapped
        return None

    def find_tables(self) -> list[Table]:
        tables: list[Table] = []
        n = len(self.lines)
        no = 1
        while no <= n:
            headers = self._header_cells(no)
            if headers is None:
                no += 1
                continue
            title = None
            before = no - 1
            while before >= 1 and not self.line(before).strip():
                before -= 1
            if before >= 1 and "\t" not in self.line(before) and self.line(before).strip().endswith("表"):
                title = self.line(before).strip()
            table = Table(no, title, headers, [])
            after_break = False
            no += 1
            while no <= n:
                text = self.line(no)
                if not text.strip():
                    nxt = no + 1
                    while nxt <= n and not self.line(nxt).strip():
                        nxt += 1
                    if nxt <= n and self._header_cells(nxt) is not None:  # page break, header repeated
                        after_break = True
                        no = nxt + 1
                        continue
                    if nxt <= n and ROW_START.match(self.line(nxt)):  # page break without a header
                        no = nxt
                        continue
                    break
                if self._header_cells(no) is not None:
                    after_break = True
                elif ROW_START.match(text):
                    table.rows.append(([no], after_break))
                elif table.rows:
                    table.rows[-1][0].append(no)  # a row wrapped over lines
                else:
                    break
                no += 1
            tables.append(table)
        return tables


    # -- KPI table -------------------------------------------------------------------------

    def kpis(self, tables: list[Table], scope_of: dict[int, str]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for table in tables:
            scope = scope_of.get(table.header_line, schema.DEPARTMENT_SCOPE)
            unknown = [c for c, h in zip(self.line(table.header_line).split("\t"), table.headers, strict=True)
                       if h is None and c.strip()]
            header = [(table.header_line, table.header_line)]
            if unknown:
                self.ask(header, f"指标表的列「{'、'.join(unknown)}」不认识：未提取。")
            if "category" not in table.headers and table.rows:
                self.ask(header, f"指标表未列一级指标（产出/效益/满意度/成本）：{len(table.rows)} 个指标的"
                         "一级指标留空，不按名称猜测；写成 v1 工作簿前须人工填写（加载器要求一级指标）。")
            section = number(self.label_before.get(table.header_line, ""))
            for lines, after_break in table.rows:
                rows.append(self._kpi_row(table, lines, after_break, scope, section))
        return rows

    def _kpi_row(self, table: Table, lines: list[int], after_break: bool, scope: str, section: str) -> list[Any]:
        text = "".join(self.line(no) for no in lines)
        cells = [c.strip() for c in text.split("\t")]
        span = (lines[0], lines[-1])
        if len(cells) != len(table.headers):
            self.ask([span], f"指标表这一行有 {len(cells)} 格，表头有 {len(table.headers)} 列：按顺序对齐，请核对。")
        values: dict[str, Any] = {}
        for header, cell in zip(table.headers, cells, strict=False):
            if header is not None and cell:
                values.setdefault(header, cell)
        status = values.get("status_text")
        if status is not None:
            m = STATUS.match(status)
            if m is not None:
                values["status_text"] = m.group("status").strip()
                values.setdefault("reason", m.group("reason").strip())
        for key in ("weight", "score"):
            if key in values:
                try:
                    values[key] = Decimal(values[key])
                except ArithmeticError:
                    what = "分值" if key == "weight" else "得分"
                    self.ask([span], f"指标表的{what}「{values[key]}」不是数字：未提取。")
                    values[key] = None
        if "category" in values:
            values["category"] = form_category(values["category"])[0] or values["category"]
        title = (table.title or "指标表") + ("（续表）" if after_break else "")
        where = f"{section}{title} {line_ref([span])}"
        self.note(span)
        return [values.get("indicator_id"), scope, values.get("category"), values.get("subcategory"),
                values.get("name"), values.get("target_text"), values.get("actual_text"), values.get("status_text"),
                values.get("weight"), values.get("score"), values.get("reason"), where, lines[0]]
