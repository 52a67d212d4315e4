"""The extraction itself: one :class:`Extractor` per report text, from lines to a :class:`Report`.

Paragraphs (lines joined across page breaks), the title, the budget paragraph, the self-score,
the report date, stated indicator counts and task sections are read here; the KPI table in
tables.py (a mixin sharing the state). :meth:`Extractor.run` does the whole report.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfeval_utils import schema
from perfeval_utils.read.text.lines import (
    BUDGET,
    CARRYOVER,
    CATEGORY,
    DATE,
    EXECUTED,
    IMPLEMENTER,
    L1,
    L2,
    MET,
    NATURE,
    NATURE_ITEM,
    RATE,
    SCORE,
    SOURCE_ITEM,
    SOURCES,
    TASK,
    TASK_AMOUNT,
    TITLE,
    TOTAL,
    UNMET,
    Count,
    Para,
    Table,
    amount,
    ends_sentence,
    head_title,
    heading_prefix,
    is_heading,
    line_ref,
    narrative_lines,
    number,
    section_ref,
)
from perfeval_utils.read.text.tables import TableReading
from perfeval_utils.report import Report, sheet_frame


@dataclass
class Extraction:
    """What :func:`extract_report` recovered, and what it could not decide.

    ``encoding`` is the text's encoding (UTF-8, GB18030, UTF-16 …) when read from a file;
    ``unplaced`` lists every non-blank line nothing was read from: (第N行, text, reason).
    """

    report: Report
    open_questions: list[str] = field(default_factory=list)
    encoding: str | None = None
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)


class Extractor(TableReading):
    """One report's text being read: its lines, what was used, the open questions, the meta found."""

    def __init__(self, path: Path, lines: list[str], encoding: str | None = None) -> None:
        self.path = path
        self.lines = lines  # lines[0] is line 1
        self.encoding = encoding
        self.questions: list[str] = []
        self.used: set[int] = set()  # lines whose figures were extracted
        self.meta: dict[str, Any] = {key: None for key in schema.META_FIELDS.values()}
        self.sources: dict[str, str | None] = {}
        self.unit: str | None = None
        self.label_before: dict[int, str] = {}  # header line of each table → the section label in force

    def ask(self, spans: Iterable[tuple[int, int]] | None, question: str) -> None:
        where = line_ref(spans) if spans else ""
        self.questions.append(f"{where}：{question}" if where else question)

    def note(self, *spans: tuple[int, int]) -> None:
        for a, b in spans:
            self.used.update(range(a, b + 1))



    # -- paragraphs ------------------------------------------------------------------------

    def paragraphs(self, skip: set[int]) -> list[Para]:
        paras: list[Para] = []
        l1: tuple[str, str] | None = None
        l2: tuple[str, str] | None = None
        current: Para | None = None
        first = True
        for no, raw in enumerate(self.lines, start=1):
            if no in skip or "\t" in raw:
                current = None
                continue
            s = raw.strip()
            if not s:
                continue
            if first:
                current = Para("标题", heading=True)
                current.add(s, no)
                paras.append(current)
                first = False
                continue
            if current is not None and self._continues(current, s):
                current.add(s, no)
                continue
            prefix = heading_prefix(s)
            short = is_heading(s)
            if prefix is not None and prefix.re is L1:
                l1, l2 = (prefix.group(1), head_title(prefix.group(2), short)), None
            elif prefix is not None and prefix.re is L2:
                l2 = (prefix.group(1), head_title(prefix.group(2), short))
            if DATE.match(s):
                label = "落款"
            elif l2 is not None:
                label = f"{l1[0] if l1 else ''}（{l2[0]}）{l2[1]}"
            elif l1 is not None:
                label = f"{l1[0]}、{l1[1]}"
            else:
                label = ""
            current = Para(label, heading=short or bool(DATE.match(s)))
            current.add(s, no)
            paras.append(current)
        return paras

    def _continues(self, para: Para, s: str) -> bool:
        if para.label == "标题":  # a title wrapped over two lines
            return "报告" not in para.text and "报告" in s and len(s) <= 30
        if para.heading or ends_sentence(para.text):
            return False
        return heading_prefix(s) is None and not DATE.match(s)

    # -- meta ------------------------------------------------------------------------------

    def title(self, paras: list[Para]) -> None:
        title = next((p for p in paras if p.label == "标题"), None)
        m = TITLE.match(title.text) if title else None
        if title is None or m is None:
            spans = [(title.first, title.nos[-1])] if title else None
            self.ask(spans, "标题不是「…（…）YYYY 年部门整体支出/项目支出绩效自评报告」：部门、年度、报告类型未提取。")
            return
        spans = [title.span(0, len(title.text))]
        where = section_ref("标题", spans)
        self.meta["department"] = m.group("dept").strip()
        self.meta["year"] = int(m.group("year"))
        self.meta["report_kind"] = m.group("kind")
        for key in ("department", "year", "report_kind"):
            self.sources[key] = where
        self.note(*spans)

    def budget(self, paras: list[Para]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        para = next((p for p in paras if BUDGET.search(p.text) and EXECUTED.search(p.text)), None)
        if para is None:
            self.ask(None, "未找到预算段落（「预算数 … 执行数 …」）：预算数、执行数、执行率、金额单位未提取。")
            return rows
        b, e = BUDGET.search(para.text), EXECUTED.search(para.text)
        assert b is not None and e is not None
        if b.group(2) != e.group(2) or b.group(2) not in schema.AMOUNT_UNITS:
            self.ask([para.match_span(b), para.match_span(e)],
                     f"预算数的单位（{b.group(2)}）与执行数的单位（{e.group(2)}）不同或不是万元/元：预算未提取。")
            return rows
        self.unit = b.group(2)
        self.meta["amount_unit"] = self.unit
        spans = [para.match_span(b), para.match_span(e)]
        rate = RATE.search(para.text)
        if rate is not None:
            spans.append(para.match_span(rate))
        else:
            self.ask(spans, "预算段落未写执行率（「完成预算的 x%」）：报告执行率留空。")
        self.sources["amount_unit"] = section_ref(para.label, [para.match_span(b)])
        total_where = section_ref(para.label, spans)
        self.note(*spans)
        item = self.meta["report_kind"] or schema.TOTAL
        rows.append([schema.TOTAL, item, amount(b.group(1)), amount(e.group(1)), None,
                     Decimal(rate.group(1)) if rate else None, total_where, spans[0][0]])
        rows += self._clause_rows(paras, SOURCES, SOURCE_ITEM, "资金来源")
        rows += self._clause_rows(paras, NATURE, NATURE_ITEM, "支出性质")
        return rows

    def _clause_rows(self, paras: list[Para], clause: re.Pattern[str], item: re.Pattern[str],
                     dimension: str) -> list[list[Any]]:
        """资金来源 / 支出性质 lines: amounts under 执行数 (the text says 支出)."""
        rows: list[list[Any]] = []
        for para in paras:
            c = clause.search(para.text)
            if c is None:
                continue
            found = list(item.finditer(para.text, c.start(), c.end()))
            for m in found:
                span = para.match_span(m)
                if m.group(3) != self.unit:
                    self.ask([span], f"{dimension}「{m.group(1)}」的单位 {m.group(3)} 不是 {self.unit}：未提取。")
                    continue
                name = m.group(1).strip()
                if dimension == "资金来源":
                    name = name[: -len("支出")] if name.endswith("支出") else name
                where = section_ref(para.label, [span])
                if dimension == "支出性质":
                    name = m.group(1)
                    where += "（报告称“按支出性质”，未说明是预算数还是执行数，按“支出”录入执行数）"
                rows.append([dimension, name, None, amount(m.group(2)), None, None, where, span[0]])
                self.note(span)
            if not found:
                self.ask([para.match_span(c)], f"「{c.group(0)[:12]}…」中没有「…支出 金额 单位」：{dimension}未提取。")
            elif dimension == "支出性质":
                self.ask([para.match_span(c)], "报告按支出性质列出基本支出/项目支出，但未说明是预算数还是执行数；"
                         "已按“支出”录入执行数，请核对。")
            break
        return rows

    def carryover(self, paras: list[Para]) -> None:
        for para in paras:
            m = CARRYOVER.search(para.text)
            if m is None:
                continue
            span = para.match_span(m)
            if m.group(2) != self.unit:
                self.ask([span], f"年末结转和结余的单位 {m.group(2)} 不是预算的金额单位 {self.unit}：未提取。")
                return
            self.meta["carryover"] = amount(m.group(1))
            self.sources["carryover"] = section_ref(para.label, [span])
            self.note(span)
            return

    def self_score(self, paras: list[Para]) -> None:
        found = [(p, m) for p in paras for m in SCORE.finditer(p.text)]
        values = {amount(m.group(1)) for _, m in found}
        if len(values) > 1:
            listed = "、".join(map(str, sorted(values)))
            self.ask([p.match_span(m) for p, m in found], f"文中有多个自评得分（{listed}）：未提取。")
            return
        if found:
            para, m = found[0]
            span = para.match_span(m)
            self.meta["self_score"] = amount(m.group(1))
            self.sources["self_score"] = section_ref(para.label, [span])
            self.note(span)

    def report_date(self, paras: list[Para]) -> None:
        for para in reversed(paras):
            m = DATE.match(para.text)
            if m is None:
                continue
            try:
                self.meta["report_date"] = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                self.ask([(para.first, para.first)], f"落款日期「{para.text}」不是有效日期：未提取。")
                return
            self.sources["report_date"] = section_ref("落款", [(para.first, para.first)])
            self.note((para.first, para.first))
            return


    # -- counts and tasks ------------------------------------------------------------------

    def counts(self, para: Para, scope: str) -> dict[str, Count]:
        """Stated counts in one paragraph: 口径 → (number, unit, lines). Conflicting numbers → open question."""
        found: dict[str, Count] = {}

        def put(kind: str, matches: list[Count]) -> None:
            if not matches:
                return
            if len({n for n, _, _ in matches}) > 1:
                self.ask([s for _, _, s in matches], f"{scope}的「{kind}」指标数文中有不同的数：未提取。")
                return
            found[kind] = matches[0]

        put("合计", [(int(m.group(1)), m.group(2), para.match_span(m)) for m in TOTAL.finditer(para.text)])
        for kind in ("产出", "效益", "满意度", "成本"):
            put(kind, [(int(m.group(2)), m.group(3), para.match_span(m))
                       for m in CATEGORY.finditer(para.text) if m.group(1) == kind])
        put("已完成", [(int(m.group(1)), m.group(2), para.match_span(m)) for m in MET.finditer(para.text)])
        unmet = list(UNMET.finditer(para.text))
        if unmet and all(m.group(1) for m in unmet[1:]):  # "1 个指标未到达…，另 1 个指标未达到…" adds up
            spans = [para.match_span(m) for m in unmet]
            found["未完成"] = (sum(int(m.group(2)) for m in unmet), unmet[0].group(3),
                             (min(a for a, _ in spans), max(b for _, b in spans)))
        elif unmet:
            put("未完成", [(int(m.group(2)), m.group(3), para.match_span(m)) for m in unmet])
        return found

    def claims_rows(self, found: dict[str, Count], scope: str, label: str,
                    kinds: Sequence[str]) -> list[list[Any]]:
        rows = []
        for kind in kinds:
            if kind in found:
                number, unit, span = found[kind]
                rows.append([None, label, f"{schema.COUNT_PREFIX}:{scope}:{kind}", Decimal(number), unit,
                             section_ref(label, [span]), span[0]])
                self.note(span)
        return rows

    # -- the whole report ------------------------------------------------------------------

    def run(self) -> Extraction:
        """Find every figure the text states; what it leaves open goes to the open questions."""
        tables = self.find_tables()
        table_lines = {t.header_line for t in tables}
        for t in tables:
            table_lines.update(no for lines, _ in t.rows for no in lines)
        paras = self.paragraphs(table_lines)
        # the section label in force at each line (for tables, which are not paragraphs)
        labels = sorted((p.first, p.label) for p in paras if p.label not in ("标题", "落款"))
        for t in tables:
            i = bisect.bisect_right([no for no, _ in labels], t.header_line) - 1
            self.label_before[t.header_line] = labels[i][1] if i >= 0 else ""
        self.title(paras)
        budget_rows = self.budget(paras)
        if self.unit is not None:
            self.carryover(paras)
        self.self_score(paras)
        self.report_date(paras)
        self.meta["source_document"] = self.path.as_posix()
        task_rows, claim_rows, scope_of, dept_found = self.tasks(paras, tables)
        kpi_rows = self.kpis(tables, scope_of)
        self.check_counts(dept_found, kpi_rows)
        for i, row in enumerate(claim_rows, start=1):
            row[0] = f"C{i:02d}"
        if not tables:
            self.ask(None, "未找到指标表（表头含「编号」「指标名称」、以制表符分隔）：指标未提取。")
        narrative = narrative_lines(self.lines, self.used)
        if narrative:
            self.ask(narrative, "这些行的叙述性数字（任务完成情况、主要工作成效等）未提取为文中数据；"
                     "文中数据只含指标计数。")
        for key in ("self_score", "carryover", "report_date"):
            if key not in self.sources:
                chinese = next(k for k, v in schema.META_FIELDS.items() if v == key)
                self.ask(None, f"文中未找到{chinese}：留空。")
        sources = {k: self.sources[k] for k in schema.META_FIELDS.values() if k in self.sources}
        sources["source_document"] = None
        report = Report(
            path=self.path,
            meta=self.meta,
            budget=sheet_frame(budget_rows, schema.BUDGET),
            kpis=sheet_frame(kpi_rows, schema.KPIS),
            tasks=sheet_frame(task_rows, schema.TASKS),
            claims=sheet_frame(claim_rows, schema.CLAIMS),
            rules=sheet_frame([], schema.RULES),
            meta_sources=sources,
        )
        return Extraction(report, self.questions, self.encoding, self.unplaced(table_lines))

    def unplaced(self, table_lines: set[int]) -> list[tuple[str, str, str]]:
        """Every non-blank line nothing was read from (headings name sections; the rest is said here)."""
        narrative = {a for a, _ in narrative_lines(self.lines, self.used)}
        out = []
        for no, text in enumerate(self.lines, start=1):
            s = text.strip()
            if not s or no in self.used or (is_heading(s) and no not in table_lines):
                continue
            reason = ("holds a figure that was not extracted (see the open questions)" if no in narrative
                      else "a table line nothing was read from" if no in table_lines
                      else "prose without a figure that is read")
            out.append((line_ref([(no, no)]), s, reason))
        return out

    def tasks(self, paras: list[Para], tables: list[Table]
              ) -> tuple[list[list[Any]], list[list[Any]], dict[int, str], dict[str, Count]]:
        """Task sections (``N. 名称（任务 N）`` to the next heading) and the department's stated counts."""
        headings = sorted(p.first for p in paras if heading_prefix(p.text))
        task_rows: list[list[Any]] = []
        claim_rows: list[list[Any]] = []
        in_task: set[int] = set()
        scope_of: dict[int, str] = {}
        found_tasks: list[tuple[str, Para, list[Para]]] = []
        for para in paras:
            m = TASK.match(para.text) if para.heading else None
            if m is None:
                continue
            task_id = f"任务{m.group('no')}"
            end = next((b for b in headings if b > para.first), len(self.lines) + 1)
            body = [p for p in paras if para.first < p.first < end]
            in_task.update([para.first, *(p.first for p in body)])
            scope_of.update({t.header_line: task_id for t in tables if para.first < t.header_line < end})
            found_tasks.append((task_id, para, body))
        # the department's stated counts: the first paragraph outside the task sections that states a total
        dept = next((p for p in paras if p.first not in in_task and TOTAL.search(p.text)), None)
        dept_found: dict[str, Count] = {}
        if dept is not None:
            dept_found = self.counts(dept, schema.DEPARTMENT_SCOPE)
            claim_rows += self.claims_rows(dept_found, schema.DEPARTMENT_SCOPE, dept.label, schema.COUNT_KINDS)
        for task_id, head, body in found_tasks:
            row, claims = self.task(task_id, head, body)
            task_rows.append(row)
            claim_rows += claims
        return task_rows, claim_rows, scope_of, dept_found

    def task(self, task_id: str, head: Para, body: list[Para]) -> tuple[list[Any], list[list[Any]]]:
        m = TASK.match(head.text)
        assert m is not None
        label = f"{number(head.label)}{m.group(1)} {head.text[m.end(1):].lstrip('.．、 ').strip()}"
        spans: list[tuple[int, int]] = [(head.first, head.first)]
        implementer = money = None
        for p in body:
            im = IMPLEMENTER.search(p.text)
            if im is not None and implementer is None:
                implementer = im.group(1).strip()
                spans.append(p.match_span(im))
            am = TASK_AMOUNT.search(p.text)
            if am is not None and money is None:
                if am.group(2) != self.unit:
                    self.ask([p.match_span(am)],
                             f"{task_id}的资金单位 {am.group(2)} 不是预算的金额单位 {self.unit}：未提取。")
                else:
                    money = amount(am.group(1))
                    spans.append(p.match_span(am))
        stated = next((p for p in body if TOTAL.search(p.text)), None)
        found: dict[str, Count] = {}
        if stated is not None:
            found = self.counts(stated, task_id)
            spans += [found[k][2] for k in ("合计", "已完成") if k in found]
            if "合计" in found and "已完成" not in found:
                self.ask([found["合计"][2]], f"{task_id}写了指标数但没写达标数：报告达标数留空。")
        else:
            self.ask([(head.first, head.first)], f"{task_id}没有写「设置绩效评价指标 N 个」：报告指标数留空。")
        self.note(*spans)
        row = [task_id, m.group("name").strip(), implementer, money,
               found["合计"][0] if "合计" in found else None, found["已完成"][0] if "已完成" in found else None,
               section_ref(label, spans), head.first]
        kinds = [k for k in schema.COUNT_KINDS if k not in ("合计", "已完成")]  # those two are the 任务 row's
        return row, self.claims_rows(found, task_id, label, kinds)

    def check_counts(self, stated: dict[str, Count], kpi_rows: list[list[Any]]) -> None:
        """Say where the department's stated counts disagree with its KPI table (never correct either)."""
        rows = [r for r in kpi_rows if r[1] == schema.DEPARTMENT_SCOPE]
        if not rows:
            return
        table = {"合计": len(rows), "已完成": sum(r[7] == "已完成" for r in rows),
                 "未完成": sum(r[7] == "未完成" for r in rows)}
        for kind, count in table.items():
            if kind in stated and stated[kind][0] != count:
                self.ask([stated[kind][2]],
                         f"文中称部门整体「{kind}」指标 {stated[kind][0]} 个，指标表中是 {count} 个："
                         "两者都照录，请核对。")
