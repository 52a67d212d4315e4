"""Recover a :class:`Report` from the text of a published self-evaluation report (as in ``seeds/``).

:func:`extract_report` reads the report's text (UTF-8) and finds, by the words around them (never
by line position): the title (department, year, 报告类型), the budget paragraph (预算数, 执行数,
完成预算的 x%, 资金来源, 按支出性质 基本支出/项目支出, 年末结转和结余, 金额单位), the self-score, the
report date, the KPI table (its header, rows that wrap over lines, the table split over pages with
the header repeated), the stated indicator counts and the task sections (资金, 实施单位, 指标数,
达标数). Every figure carries its 出处 as the section heading and the line number(s) of the text,
written as the v1 workbook writes them (``第27行``, ``第75–77行``, ``第71行、第75行``); frames put
the first source line in ``excel_row``.

Nothing is guessed. What the text leaves open (the KPI table does not print 一级指标; the 支出性质
amounts do not say whether they are budget or execution figures; narrative figures are not
extracted) is said in :attr:`Extraction.open_questions`, one line each, naming the line(s).
The patterns are documented in ``docs/extraction.md``.
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
from perfeval_utils.errors import PerfevalError
from perfeval_utils.read.workbook import Report, sheet_frame

__all__ = ["Extraction", "ReportTextError", "extract_report"]


class ReportTextError(PerfevalError):
    """The report's text cannot be read: missing, or not UTF-8 text."""

    def __init__(self, problem: str, *, file: str | Path) -> None:
        self.problem = problem
        self.file = str(file)
        super().__init__(f"文件 {Path(file).name}: {problem}")


@dataclass
class Extraction:
    """What :func:`extract_report` recovered, and what it could not decide."""

    report: Report
    open_questions: list[str] = field(default_factory=list)


# ---- patterns ------------------------------------------------------------------------------------

#: An amount or count as printed: ``1,415.43``, ``46.2``, ``0`` (thousands separators are ASCII commas).
NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,])"
UNIT = r"(万元|亿元|元)"

_TITLE = re.compile(r"^(?P<dept>.+?)\s*(?P<year>\d{4})\s*年度?\s*(?P<project>.*?)(?P<kind>部门整体支出|项目支出)\s*"
                    r"绩效自评报告")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_BUDGET = re.compile(rf"预算数(?:为|是)?\s*{NUM}\s*{UNIT}")
_EXECUTED = re.compile(rf"执行数(?:为|是)?\s*{NUM}\s*{UNIT}")
_RATE = re.compile(rf"(?:完成预算的|预算执行率(?:为|是)?|执行率(?:为|是)?)\s*{NUM}\s*[%％]")
_SOURCES = re.compile(r"按资金来源(?:分|划分|看)[^。]*")
_SOURCE_ITEM = re.compile(rf"([^，,。；;：:\s][^，,。；;：:]*?)支出\s*{NUM}\s*{UNIT}")
_NATURE = re.compile(r"按支出性质(?:分|划分|看)[^。]*")
_NATURE_ITEM = re.compile(rf"(基本支出|项目支出)\s*{NUM}\s*{UNIT}")
_CARRYOVER = re.compile(rf"年末结转(?:和|及|与)?结余(?:资金)?(?:为|是)?\s*{NUM}\s*{UNIT}")
_SCORE = re.compile(rf"自评(?:得分|总分)?(?:为|是|共)?\s*{NUM}\s*分")

_TOTAL = re.compile(r"(?:指标(?:有|共有|共|合计)|设置(?:了)?[^，,。；;]*?指标)\s*(\d+)\s*(个|项)")
_CATEGORY = re.compile(r"(产出|效益|满意度|成本)指标\s*(\d+)\s*(个|项)")
_MET = re.compile(r"(\d+)\s*(个|项)(?:关键)?(?:绩效)?指标均?已(?:完成|达到|达成)")
_UNMET = re.compile(r"(另\s*)?(\d+)\s*(个|项)(?:关键)?(?:绩效)?指标均?未(?:完成|到达|达到|达)")
_IMPLEMENTER = re.compile(r"主要实施(?:机构|单位|部门)(?:为|是)\s*([^，,。；;]+)")
_TASK_AMOUNT = re.compile(rf"涉及资金\s*{NUM}\s*{UNIT}")

_L1 = re.compile(r"^([一二三四五六七八九十]+)、\s*(.*)$")
_L2 = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*(.*)$")
_L3 = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(.*)$")
_TASK = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(?P<name>.+?)\s*[（(]\s*任务\s*(?P<no>\d+)\s*[）)]\s*$")
_ROW_START = re.compile(r"^\s*\d+(?:[.\-]\d+)*\s*\t")
_STATUS = re.compile(r"^(?P<status>[^（(]+?)\s*[（(](?P<reason>.*)[）)]\s*$", re.S)
_SENTENCE_END = "。！？!?；;：:"
_CLOSERS = "”’」』）)】"
_HEADING_MAX = 40

#: KPI table header cell (spaces removed) → Report.kpis column.
KPI_HEADERS: dict[str, str] = {
    "编号": "indicator_id", "序号": "indicator_id",
    "指标名称": "name", "绩效指标": "name", "三级指标": "name",
    "指标预期值": "target_text", "预期值": "target_text", "年度指标值": "target_text", "目标值": "target_text",
    "指标实现值": "actual_text", "实现值": "actual_text", "实际完成值": "actual_text", "实际值": "actual_text",
    "指标完成情况": "status_text", "完成情况": "status_text",
    "一级指标": "category", "二级指标": "subcategory", "分值": "weight", "得分": "score",
    "偏差原因": "reason", "偏差原因分析": "reason",
}


# ---- text model ----------------------------------------------------------------------------------


@dataclass
class _Para:
    """One logical paragraph: lines joined across page breaks, each character still mapped to its line."""

    label: str
    heading: bool = False  # a short heading line (never joined)
    text: str = ""
    starts: list[int] = field(default_factory=list)
    nos: list[int] = field(default_factory=list)

    def add(self, line: str, no: int) -> None:
        self.starts.append(len(self.text))
        self.nos.append(no)
        self.text += line

    @property
    def first(self) -> int:
        return self.nos[0]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The first and last line of the characters text[start:end]."""
        i = bisect.bisect_right(self.starts, start) - 1
        j = bisect.bisect_right(self.starts, max(start, end - 1)) - 1
        return self.nos[i], self.nos[j]

    def match_span(self, m: re.Match[str], group: int = 0) -> tuple[int, int]:
        return self.span(m.start(group), m.end(group))


def line_ref(spans: Iterable[tuple[int, int]]) -> str:
    """``第27行``, ``第75–77行``, ``第71行、第75行``: line ranges merged where they overlap or touch."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return "、".join(f"第{a}行" if a == b else f"第{a}–{b}行" for a, b in merged)


def _where(label: str, spans: Iterable[tuple[int, int]]) -> str:
    return f"{label} {line_ref(spans)}".strip()


def _amount(text: str) -> Decimal:
    """``1,415.43`` → 1415.43; ``10,000,000.00`` → 10000000: the number an amount cell of the workbook holds.

    An amount cell keeps no printed precision (Excel shows 10000000), so trailing zeros after the point
    are dropped here and the extraction round-trips through a v1 workbook unchanged. Rates keep theirs.
    """
    plain = text.replace(",", "")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return Decimal(plain)


def _heading_prefix(s: str) -> re.Match[str] | None:
    return _L1.match(s) or _L2.match(s) or _L3.match(s)


def _is_heading(s: str) -> bool:
    return _heading_prefix(s) is not None and len(s) <= _HEADING_MAX and "。" not in s


def _ends_sentence(s: str) -> bool:
    core = s.rstrip(_CLOSERS) or s
    return core[-1] in _SENTENCE_END


def _read_text(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportTextError(f"cannot read the report text ({exc.strerror or exc})", file=path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportTextError(
            f"not UTF-8 text (byte {exc.start}); expected the report's text as in seeds/, saved as UTF-8", file=path
        ) from exc
    if "\x00" in text:
        raise ReportTextError("a binary file, not the report's text; expected UTF-8 text as in seeds/", file=path)
    return [line.rstrip("\r\n").rstrip(" \u3000") for line in text.split("\n")]


# ---- the extraction ------------------------------------------------------------------------------


_Count = tuple[int, str, tuple[int, int]]  # a stated count: number, unit as printed (个/项), first and last line


@dataclass
class _Table:
    header_line: int
    title: str | None
    headers: list[str | None]
    rows: list[tuple[list[int], bool]]  # the lines of each row, and whether it comes after a repeated header


class _Extractor:
    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.lines = lines  # lines[0] is line 1
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

    def line(self, no: int) -> str:
        return self.lines[no - 1]

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

    def find_tables(self) -> list[_Table]:
        tables: list[_Table] = []
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
            table = _Table(no, title, headers, [])
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
                    if nxt <= n and _ROW_START.match(self.line(nxt)):  # page break without a header
                        no = nxt
                        continue
                    break
                if self._header_cells(no) is not None:
                    after_break = True
                elif _ROW_START.match(text):
                    table.rows.append(([no], after_break))
                elif table.rows:
                    table.rows[-1][0].append(no)  # a row wrapped over lines
                else:
                    break
                no += 1
            tables.append(table)
        return tables

    # -- paragraphs ------------------------------------------------------------------------

    def paragraphs(self, skip: set[int]) -> list[_Para]:
        paras: list[_Para] = []
        l1: tuple[str, str] | None = None
        l2: tuple[str, str] | None = None
        current: _Para | None = None
        first = True
        for no, raw in enumerate(self.lines, start=1):
            if no in skip or "\t" in raw:
                current = None
                continue
            s = raw.strip()
            if not s:
                continue
            if first:
                current = _Para("标题", heading=True)
                current.add(s, no)
                paras.append(current)
                first = False
                continue
            if current is not None and self._continues(current, s):
                current.add(s, no)
                continue
            prefix = _heading_prefix(s)
            short = _is_heading(s)
            if prefix is not None and prefix.re is _L1:
                l1, l2 = (prefix.group(1), _head_title(prefix.group(2), short)), None
            elif prefix is not None and prefix.re is _L2:
                l2 = (prefix.group(1), _head_title(prefix.group(2), short))
            if _DATE.match(s):
                label = "落款"
            elif l2 is not None:
                label = f"{l1[0] if l1 else ''}（{l2[0]}）{l2[1]}"
            elif l1 is not None:
                label = f"{l1[0]}、{l1[1]}"
            else:
                label = ""
            current = _Para(label, heading=short or bool(_DATE.match(s)))
            current.add(s, no)
            paras.append(current)
        return paras

    def _continues(self, para: _Para, s: str) -> bool:
        if para.label == "标题":  # a title wrapped over two lines
            return "报告" not in para.text and "报告" in s and len(s) <= 30
        if para.heading or _ends_sentence(para.text):
            return False
        return _heading_prefix(s) is None and not _DATE.match(s)

    # -- meta ------------------------------------------------------------------------------

    def title(self, paras: list[_Para]) -> None:
        title = next((p for p in paras if p.label == "标题"), None)
        m = _TITLE.match(title.text) if title else None
        if title is None or m is None:
            spans = [(title.first, title.nos[-1])] if title else None
            self.ask(spans, "标题不是「…（…）YYYY 年部门整体支出/项目支出绩效自评报告」：部门、年度、报告类型未提取。")
            return
        spans = [title.span(0, len(title.text))]
        where = _where("标题", spans)
        self.meta["department"] = m.group("dept").strip()
        self.meta["year"] = int(m.group("year"))
        self.meta["report_kind"] = m.group("kind")
        for key in ("department", "year", "report_kind"):
            self.sources[key] = where
        self.note(*spans)

    def budget(self, paras: list[_Para]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        para = next((p for p in paras if _BUDGET.search(p.text) and _EXECUTED.search(p.text)), None)
        if para is None:
            self.ask(None, "未找到预算段落（「预算数 … 执行数 …」）：预算数、执行数、执行率、金额单位未提取。")
            return rows
        b, e = _BUDGET.search(para.text), _EXECUTED.search(para.text)
        assert b is not None and e is not None
        if b.group(2) != e.group(2) or b.group(2) not in schema.AMOUNT_UNITS:
            self.ask([para.match_span(b), para.match_span(e)],
                     f"预算数的单位（{b.group(2)}）与执行数的单位（{e.group(2)}）不同或不是万元/元：预算未提取。")
            return rows
        self.unit = b.group(2)
        self.meta["amount_unit"] = self.unit
        spans = [para.match_span(b), para.match_span(e)]
        rate = _RATE.search(para.text)
        if rate is not None:
            spans.append(para.match_span(rate))
        else:
            self.ask(spans, "预算段落未写执行率（「完成预算的 x%」）：报告执行率留空。")
        self.sources["amount_unit"] = _where(para.label, [para.match_span(b)])
        total_where = _where(para.label, spans)
        self.note(*spans)
        item = self.meta["report_kind"] or schema.TOTAL
        rows.append([schema.TOTAL, item, _amount(b.group(1)), _amount(e.group(1)), None,
                     Decimal(rate.group(1)) if rate else None, total_where, spans[0][0]])
        rows += self._clause_rows(paras, _SOURCES, _SOURCE_ITEM, "资金来源")
        rows += self._clause_rows(paras, _NATURE, _NATURE_ITEM, "支出性质")
        return rows

    def _clause_rows(self, paras: list[_Para], clause: re.Pattern[str], item: re.Pattern[str],
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
                where = _where(para.label, [span])
                if dimension == "支出性质":
                    name = m.group(1)
                    where += "（报告称“按支出性质”，未说明是预算数还是执行数，按“支出”录入执行数）"
                rows.append([dimension, name, None, _amount(m.group(2)), None, None, where, span[0]])
                self.note(span)
            if not found:
                self.ask([para.match_span(c)], f"「{c.group(0)[:12]}…」中没有「…支出 金额 单位」：{dimension}未提取。")
            elif dimension == "支出性质":
                self.ask([para.match_span(c)], "报告按支出性质列出基本支出/项目支出，但未说明是预算数还是执行数；"
                         "已按“支出”录入执行数，请核对。")
            break
        return rows

    def carryover(self, paras: list[_Para]) -> None:
        for para in paras:
            m = _CARRYOVER.search(para.text)
            if m is None:
                continue
            span = para.match_span(m)
            if m.group(2) != self.unit:
                self.ask([span], f"年末结转和结余的单位 {m.group(2)} 不是预算的金额单位 {self.unit}：未提取。")
                return
            self.meta["carryover"] = _amount(m.group(1))
            self.sources["carryover"] = _where(para.label, [span])
            self.note(span)
            return

    def self_score(self, paras: list[_Para]) -> None:
        found = [(p, m) for p in paras for m in _SCORE.finditer(p.text)]
        values = {_amount(m.group(1)) for _, m in found}
        if len(values) > 1:
            listed = "、".join(map(str, sorted(values)))
            self.ask([p.match_span(m) for p, m in found], f"文中有多个自评得分（{listed}）：未提取。")
            return
        if found:
            para, m = found[0]
            span = para.match_span(m)
            self.meta["self_score"] = _amount(m.group(1))
            self.sources["self_score"] = _where(para.label, [span])
            self.note(span)

    def report_date(self, paras: list[_Para]) -> None:
        for para in reversed(paras):
            m = _DATE.match(para.text)
            if m is None:
                continue
            try:
                self.meta["report_date"] = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                self.ask([(para.first, para.first)], f"落款日期「{para.text}」不是有效日期：未提取。")
                return
            self.sources["report_date"] = _where("落款", [(para.first, para.first)])
            self.note((para.first, para.first))
            return

    # -- KPI table -------------------------------------------------------------------------

    def kpis(self, tables: list[_Table], scope_of: dict[int, str]) -> list[list[Any]]:
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
            section = _number(self.label_before.get(table.header_line, ""))
            for lines, after_break in table.rows:
                rows.append(self._kpi_row(table, lines, after_break, scope, section))
        return rows

    def _kpi_row(self, table: _Table, lines: list[int], after_break: bool, scope: str, section: str) -> list[Any]:
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
            m = _STATUS.match(status)
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
            values["category"] = schema.normalise_category(values["category"]) or values["category"]
        title = (table.title or "指标表") + ("（续表）" if after_break else "")
        where = f"{section}{title} {line_ref([span])}"
        self.note(span)
        return [values.get("indicator_id"), scope, values.get("category"), values.get("subcategory"),
                values.get("name"), values.get("target_text"), values.get("actual_text"), values.get("status_text"),
                values.get("weight"), values.get("score"), values.get("reason"), where, lines[0]]

    # -- counts and tasks ------------------------------------------------------------------

    def counts(self, para: _Para, scope: str) -> dict[str, _Count]:
        """Stated counts in one paragraph: 口径 → (number, unit, lines). Conflicting numbers → open question."""
        found: dict[str, _Count] = {}

        def put(kind: str, matches: list[_Count]) -> None:
            if not matches:
                return
            if len({n for n, _, _ in matches}) > 1:
                self.ask([s for _, _, s in matches], f"{scope}的「{kind}」指标数文中有不同的数：未提取。")
                return
            found[kind] = matches[0]

        put("合计", [(int(m.group(1)), m.group(2), para.match_span(m)) for m in _TOTAL.finditer(para.text)])
        for kind in ("产出", "效益", "满意度", "成本"):
            put(kind, [(int(m.group(2)), m.group(3), para.match_span(m))
                       for m in _CATEGORY.finditer(para.text) if m.group(1) == kind])
        put("已完成", [(int(m.group(1)), m.group(2), para.match_span(m)) for m in _MET.finditer(para.text)])
        unmet = list(_UNMET.finditer(para.text))
        if unmet and all(m.group(1) for m in unmet[1:]):  # "1 个指标未到达…，另 1 个指标未达到…" adds up
            spans = [para.match_span(m) for m in unmet]
            found["未完成"] = (sum(int(m.group(2)) for m in unmet), unmet[0].group(3),
                             (min(a for a, _ in spans), max(b for _, b in spans)))
        elif unmet:
            put("未完成", [(int(m.group(2)), m.group(3), para.match_span(m)) for m in unmet])
        return found

    def claims_rows(self, found: dict[str, _Count], scope: str, label: str,
                    kinds: Sequence[str]) -> list[list[Any]]:
        rows = []
        for kind in kinds:
            if kind in found:
                number, unit, span = found[kind]
                rows.append([None, label, f"{schema.COUNT_PREFIX}:{scope}:{kind}", Decimal(number), unit,
                             _where(label, [span]), span[0]])
                self.note(span)
        return rows


def _number(label: str) -> str:
    """``二（二）`` of ``二（二）各重点工作任务绩效目标完成情况分析``: the section's number only."""
    m = re.match(r"^[一二三四五六七八九十]*（[一二三四五六七八九十]+）", label)
    return m.group(0) if m else ""


def _head_title(rest: str, short: bool) -> str:
    """The heading's words: the whole rest of a short heading, else up to the first comma or full stop."""
    if short:
        return rest.strip()
    return re.split(r"[，,。.]", rest, maxsplit=1)[0].strip()


def _narrative_lines(lines: list[str], used: set[int]) -> list[tuple[int, int]]:
    """Lines holding a figure (not a year, not a document number) that nothing was extracted from."""
    spans = []
    for no, text in enumerate(lines, start=1):
        s = text.strip()
        if no in used or not s or _is_heading(s) or _DATE.match(s):
            continue
        rest = re.sub(r"〔\d+〕\s*\d+\s*号|\d{4}\s*年度?", "", s)
        if re.search(r"\d", rest):
            spans.append((no, no))
    return spans


def extract_report(path: str | Path) -> Extraction:
    """Read a report's text (UTF-8, as in ``seeds/``) and recover its figures as a :class:`Report`.

    Raises :class:`ReportTextError` (a :class:`PerfevalError`) naming the file when it is missing or
    not UTF-8 text. Everything the text leaves open goes to :attr:`Extraction.open_questions`.
    """
    path = Path(path)
    x = _Extractor(path, _read_text(path))
    tables = x.find_tables()
    table_lines = {t.header_line for t in tables}
    for t in tables:
        table_lines.update(no for lines, _ in t.rows for no in lines)
    paras = x.paragraphs(table_lines)

    # the section label in force at each line (for tables, which are not paragraphs)
    labels = sorted((p.first, p.label) for p in paras if p.label not in ("标题", "落款"))
    for t in tables:
        i = bisect.bisect_right([no for no, _ in labels], t.header_line) - 1
        x.label_before[t.header_line] = labels[i][1] if i >= 0 else ""

    x.title(paras)
    budget_rows = x.budget(paras)
    if x.unit is not None:
        x.carryover(paras)
    x.self_score(paras)
    x.report_date(paras)
    x.meta["source_document"] = path.as_posix()

    # task sections: from a "N. 名称（任务 N）" heading to the next heading; a KPI table inside one is the task's
    headings = sorted(p.first for p in paras if _heading_prefix(p.text))
    task_rows: list[list[Any]] = []
    claim_rows: list[list[Any]] = []
    in_task: set[int] = set()
    scope_of: dict[int, str] = {}
    tasks_found: list[tuple[str, _Para, list[_Para]]] = []
    for para in paras:
        m = _TASK.match(para.text) if para.heading else None
        if m is None:
            continue
        task_id = f"任务{m.group('no')}"
        end = next((b for b in headings if b > para.first), len(x.lines) + 1)
        body = [p for p in paras if para.first < p.first < end]
        in_task.update([para.first, *(p.first for p in body)])
        scope_of.update({t.header_line: task_id for t in tables if para.first < t.header_line < end})
        tasks_found.append((task_id, para, body))

    # the department's stated counts: the first paragraph outside the task sections that states a total
    dept = next((p for p in paras if p.first not in in_task and _TOTAL.search(p.text)), None)
    dept_found: dict[str, _Count] = {}
    if dept is not None:
        dept_found = x.counts(dept, schema.DEPARTMENT_SCOPE)
        claim_rows += x.claims_rows(dept_found, schema.DEPARTMENT_SCOPE, dept.label, schema.COUNT_KINDS)

    for task_id, head, body in tasks_found:
        m = _TASK.match(head.text)
        assert m is not None
        label = f"{_number(head.label)}{m.group(1)} {head.text[m.end(1):].lstrip('.．、 ').strip()}"
        spans: list[tuple[int, int]] = [(head.first, head.first)]
        implementer = amount = None
        for p in body:
            im = _IMPLEMENTER.search(p.text)
            if im is not None and implementer is None:
                implementer = im.group(1).strip()
                spans.append(p.match_span(im))
            am = _TASK_AMOUNT.search(p.text)
            if am is not None and amount is None:
                if am.group(2) != x.unit:
                    x.ask([p.match_span(am)],
                          f"{task_id}的资金单位 {am.group(2)} 不是预算的金额单位 {x.unit}：未提取。")
                else:
                    amount = _amount(am.group(1))
                    spans.append(p.match_span(am))
        stated = next((p for p in body if _TOTAL.search(p.text)), None)
        found: dict[str, _Count] = {}
        if stated is not None:
            found = x.counts(stated, task_id)
            spans += [found[k][2] for k in ("合计", "已完成") if k in found]
            if "合计" in found and "已完成" not in found:
                x.ask([found["合计"][2]], f"{task_id}写了指标数但没写达标数：报告达标数留空。")
        else:
            x.ask([(head.first, head.first)], f"{task_id}没有写「设置绩效评价指标 N 个」：报告指标数留空。")
        x.note(*spans)
        task_rows.append([task_id, m.group("name").strip(), implementer, amount,
                          found["合计"][0] if "合计" in found else None,
                          found["已完成"][0] if "已完成" in found else None,
                          _where(label, spans), head.first])
        kinds = [k for k in schema.COUNT_KINDS if k not in ("合计", "已完成")]  # those two are the 任务 row's
        claim_rows += x.claims_rows(found, task_id, label, kinds)

    kpi_rows = x.kpis(tables, scope_of)
    _check_counts(x, dept_found, kpi_rows)
    for i, row in enumerate(claim_rows, start=1):
        row[0] = f"C{i:02d}"
    if not tables:
        x.ask(None, "未找到指标表（表头含「编号」「指标名称」、以制表符分隔）：指标未提取。")

    narrative = _narrative_lines(x.lines, x.used)
    if narrative:
        x.ask(narrative, "这些行的叙述性数字（任务完成情况、主要工作成效等）未提取为文中数据；文中数据只含指标计数。")

    for key in ("department", "year", "amount_unit", "report_kind", "self_score", "carryover", "report_date"):
        if key in x.sources:
            continue
        if key not in ("department", "year", "amount_unit", "report_kind"):
            chinese = next(k for k, v in schema.META_FIELDS.items() if v == key)
            x.ask(None, f"文中未找到{chinese}：留空。")
    order = list(schema.META_FIELDS.values())
    sources = {k: x.sources[k] for k in order if k in x.sources}
    sources["source_document"] = None

    report = Report(
        path=path,
        meta=x.meta,
        budget=sheet_frame(budget_rows, schema.BUDGET),
        kpis=sheet_frame(kpi_rows, schema.KPIS),
        tasks=sheet_frame(task_rows, schema.TASKS),
        claims=sheet_frame(claim_rows, schema.CLAIMS),
        rules=sheet_frame([], schema.RULES),
        meta_sources=sources,
    )
    return Extraction(report, x.questions)


def _check_counts(x: _Extractor, stated: dict[str, _Count], kpi_rows: list[list[Any]]) -> None:
    """Say where the department's stated counts disagree with its KPI table (never correct either)."""
    rows = [r for r in kpi_rows if r[1] == schema.DEPARTMENT_SCOPE]
    if not rows:
        return
    table = {"合计": len(rows), "已完成": sum(r[7] == "已完成" for r in rows),
             "未完成": sum(r[7] == "未完成" for r in rows)}
    for kind, count in table.items():
        if kind in stated and stated[kind][0] != count:
            x.ask([stated[kind][2]],
                  f"文中称部门整体「{kind}」指标 {stated[kind][0]} 个，指标表中是 {count} 个：两者都照录，请核对。")
