"""Recover a :class:`Report` from the text of a published self-evaluation report (as in ``seeds/``).

:func:`extract_report` reads the report's text (UTF-8, GB18030/GBK or UTF-16 with a BOM; the
encoding used is in :attr:`Extraction.encoding`) and finds, by the words around them (never by
line position): the title (department, year, 报告类型), the budget paragraph (预算数, 执行数,
完成预算的 x%, 资金来源, 按支出性质 基本支出/项目支出, 年末结转和结余, 金额单位), the self-score, the
report date, the KPI table (its header, rows that wrap over lines, the table split over pages with
the header repeated), the stated indicator counts and the task sections (资金, 实施单位, 指标数,
达标数). Every figure carries its 出处 as the section heading and the line number(s) of the text
(``第27行``, ``第75–77行``, ``第71行、第75行``); frames put the first source line in ``excel_row``.

Nothing is guessed: what the text leaves open is said in :attr:`Extraction.open_questions`, one
line each, naming the line(s). Modules: ``lines`` (patterns and the paragraph model), ``tables``
(the KPI table), ``extractor`` (the rest and the whole run). docs/extraction.md documents them.
"""

from __future__ import annotations

from pathlib import Path

from perfeval_utils.errors import ReportTextError
from perfeval_utils.read.encoding import read_text_file
from perfeval_utils.read.text.extractor import Extraction, Extractor
from perfeval_utils.read.text.lines import line_ref

__all__ = ["Extraction", "ReportTextError", "extract_lines", "extract_report", "line_ref"]


def split_lines(text: str) -> list[str]:
    return [line.rstrip("\r\n").rstrip(" \u3000") for line in text.split("\n")]


def extract_report(path: str | Path) -> Extraction:
    """Read a report's text file and recover its figures as a :class:`Report`.

    Raises :class:`ReportTextError` (a :class:`PerfevalError`) naming the file when it is missing,
    binary or in none of the encodings read. Everything the text leaves open goes to
    :attr:`Extraction.open_questions`.
    """
    path = Path(path)
    text, encoding = read_text_file(path)
    return Extractor(path, split_lines(text), encoding).run()


def extract_lines(path: str | Path, lines: list[str], encoding: str | None = None) -> Extraction:
    """The same on lines a document reader produced (paragraphs; table rows joined by tabs)."""
    return Extractor(Path(path), lines, encoding).run()
