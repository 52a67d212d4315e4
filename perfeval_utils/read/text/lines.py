"""The text model of a report: patterns, paragraphs joined across page breaks, line references.

Every character of a joined paragraph keeps its line number, so a figure broken over a page
break gets ``第85–87行``. Shared by the extractor (extractor.py) and the KPI table reader (tables.py).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

# ---- patterns ------------------------------------------------------------------------------------

#: An amount or count as printed: ``1,415.43``, ``46.2``, ``0`` (thousands separators are ASCII commas).
NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,])"
UNIT = r"(万元|亿元|元)"

TITLE = re.compile(r"^(?P<dept>.+?)\s*(?P<year>\d{4})\s*年度?\s*(?P<project>.*?)(?P<kind>部门整体支出|项目支出)\s*"
                    r"绩效自评报告")
DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
BUDGET = re.compile(rf"预算数(?:为|是)?\s*{NUM}\s*{UNIT}")
EXECUTED = re.compile(rf"执行数(?:为|是)?\s*{NUM}\s*{UNIT}")
RATE = re.compile(rf"(?:完成预算的|预算执行率(?:为|是)?|执行率(?:为|是)?)\s*{NUM}\s*[%％]")
SOURCES = re.compile(r"按资金来源(?:分|划分|看)[^。]*")
SOURCE_ITEM = re.compile(rf"([^，,。；;：:\s][^，,。；;：:]*?)支出\s*{NUM}\s*{UNIT}")
NATURE = re.compile(r"按支出性质(?:分|划分|看)[^。]*")
NATURE_ITEM = re.compile(rf"(基本支出|项目支出)\s*{NUM}\s*{UNIT}")
CARRYOVER = re.compile(rf"年末结转(?:和|及|与)?结余(?:资金)?(?:为|是)?\s*{NUM}\s*{UNIT}")
SCORE = re.compile(rf"自评(?:得分|总分)?(?:为|是|共)?\s*{NUM}\s*分")

TOTAL = re.compile(r"(?:指标(?:有|共有|共|合计)|设置(?:了)?[^，,。；;]*?指标)\s*(\d+)\s*(个|项)")
CATEGORY = re.compile(r"(产出|效益|满意度|成本)指标\s*(\d+)\s*(个|项)")
MET = re.compile(r"(\d+)\s*(个|项)(?:关键)?(?:绩效)?指标均?已(?:完成|达到|达成)")
UNMET = re.compile(r"(另\s*)?(\d+)\s*(个|项)(?:关键)?(?:绩效)?指标均?未(?:完成|到达|达到|达)")
IMPLEMENTER = re.compile(r"主要实施(?:机构|单位|部门)(?:为|是)\s*([^，,。；;]+)")
TASK_AMOUNT = re.compile(rf"涉及资金\s*{NUM}\s*{UNIT}")

L1 = re.compile(r"^([一二三四五六七八九十]+)、\s*(.*)$")
L2 = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*(.*)$")
L3 = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(.*)$")
TASK = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(?P<name>.+?)\s*[（(]\s*任务\s*(?P<no>\d+)\s*[）)]\s*$")
ROW_START = re.compile(r"^\s*\d+(?:[.\-]\d+)*\s*\t")
STATUS = re.compile(r"^(?P<status>[^（(]+?)\s*[（(](?P<reason>.*)[）)]\s*$", re.S)
SENTENCE_END = "。！？!?；;：:"
CLOSERS = "”’」』）)】"
HEADING_MAX = 40

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
class Para:
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


def section_ref(label: str, spans: Iterable[tuple[int, int]]) -> str:
    return f"{label} {line_ref(spans)}".strip()


def amount(text: str) -> Decimal:
    """``1,415.43`` → 1415.43; ``10,000,000.00`` → 10000000: the number an amount cell of the workbook holds.

    An amount cell keeps no printed precision (Excel shows 10000000), so trailing zeros after the point
    are dropped here and the extraction round-trips through a v1 workbook unchanged. Rates keep theirs.
    """
    plain = text.replace(",", "")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return Decimal(plain)


def heading_prefix(s: str) -> re.Match[str] | None:
    return L1.match(s) or L2.match(s) or L3.match(s)


def is_heading(s: str) -> bool:
    return heading_prefix(s) is not None and len(s) <= HEADING_MAX and "。" not in s


def ends_sentence(s: str) -> bool:
    core = s.rstrip(CLOSERS) or s
    return core[-1] in SENTENCE_END




Count = tuple[int, str, tuple[int, int]]  # a stated count: number, unit as printed (个/项), first and last line


@dataclass
class Table:
    header_line: int
    title: str | None
    headers: list[str | None]
    rows: list[tuple[list[int], bool]]  # the lines of each row, and whether it comes after a repeated header



def number(label: str) -> str:
    """``二（二）`` of ``二（二）各重点工作任务绩效目标完成情况分析``: the section's number only."""
    m = re.match(r"^[一二三四五六七八九十]*（[一二三四五六七八九十]+）", label)
    return m.group(0) if m else ""


def head_title(rest: str, short: bool) -> str:
    """The heading's words: the whole rest of a short heading, else up to the first comma or full stop."""
    if short:
        return rest.strip()
    return re.split(r"[，,。.]", rest, maxsplit=1)[0].strip()


def narrative_lines(lines: list[str], used: set[int]) -> list[tuple[int, int]]:
    """Lines holding a figure (not a year, not a document number) that nothing was extracted from."""
    spans = []
    for no, text in enumerate(lines, start=1):
        s = text.strip()
        if no in used or not s or is_heading(s) or DATE.match(s):
            continue
        rest = re.sub(r"〔\d+〕\s*\d+\s*号|\d{4}\s*年度?", "", s)
        if re.search(r"\d", rest):
            spans.append((no, no))
    return spans
