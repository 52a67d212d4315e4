"""One entry point for every document a department has: :func:`read_document` → :class:`Intake`.

The reader is chosen by the file's first bytes, never its name: a zip holding ``word/document.xml``
is Word, one holding ``xl/workbook.xml`` a spreadsheet; ``D0 CF 11 E0`` an .xls/.et (or an old .doc,
refused with the way out); ``%PDF`` a PDF; text is a web page when it starts like one, else a
report's text. Each document reader (docx, html, pdf) gives :class:`Block` s — paragraphs and
tables in reading order. When their tables hold a form (indicator, budget or 基础数据 header), the
form logic of ``read.form`` reads them as one grid; otherwise the text logic of ``read.text`` reads
the paragraphs, table rows joined by tabs. Either way every non-blank cell or line that was not
placed is in ``Intake.unplaced`` or ``Intake.open_questions``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from perfeval_utils.errors import UnknownDocumentError
from perfeval_utils.read.filekind import MAX_FILE_BYTES, OLE2_MAGIC, ZIP_MAGIC
from perfeval_utils.read.form.grid import Grid, Merge
from perfeval_utils.report import Report

__all__ = ["UNPLACED_COLUMNS", "Block", "Intake", "blocks_grid", "blocks_lines", "read_document", "sniff"]

UNPLACED_COLUMNS = ["place", "value", "reason"]
#: What a caller may state for a document that does not: read_document(path, department=…, year=…).
OVERRIDES = frozenset({"department", "year", "amount_unit", "sheet"})


@dataclass
class Block:
    """A paragraph (``rows`` one row of one cell) or a table, with where it sits in the document.

    ``where`` names it (``表2``, ``第3页 表1``, ``第12段``); ``merges`` are table-local
    (first row, first column, last row, last column; 1-based).
    """

    where: str
    rows: list[list[str | None]]
    merges: list[Merge] = field(default_factory=list)
    table: bool = True
    row_names: bool = True  # False for one line of aligned text split into cells: its place is where + 第C列


@dataclass(frozen=True)
class Intake:
    """What :func:`read_document` read: the Report, what a person must still decide, and how it was read.

    ``unplaced`` has one row per non-blank cell or line not placed (place, value, reason);
    ``reader`` says which reader was used (``xlsx form``, ``xls form``, ``docx form``, ``docx text``,
    ``pdf form``, ``html form``, ``text`` …); ``encoding`` the text encoding where there was one.
    """

    report: Report
    open_questions: list[str]
    unplaced: pd.DataFrame
    reader: str
    encoding: str | None = None
    dropped: tuple[str, ...] = ()  # repeated page headers/footers and page numbers of a PDF, as printed

    def summary(self) -> str:
        figures = sum(int(frame.drop(columns=["excel_row"]).map(_is_figure).to_numpy().sum())
                      for frame in (self.report.budget, self.report.kpis, self.report.claims))
        return (f"{self.report.path.name}: {self.reader}, {len(self.report.kpis)} 个指标 indicators, "
                f"{figures} 个数字 figures, {len(self.open_questions)} 个待确认 open questions, "
                f"{len(self.unplaced)} 处未读入 unplaced")


def _is_figure(value: Any) -> bool:
    return isinstance(value, Decimal)


# ---- blocks → grid / lines ----------------------------------------------------------------------------


def blocks_grid(blocks: Sequence[Block], title: str) -> Grid:
    """All blocks stacked in one grid: a paragraph is a row of one cell, a table its rows (merges kept)."""
    values: dict[tuple[int, int], Any] = {}
    merges: list[Merge] = []
    origin: dict[int, tuple[Block, int]] = {}
    r = 0
    for block in blocks:
        for i, row in enumerate(block.rows, start=1):
            r += 1
            origin[r] = (block, i)
            for c, value in enumerate(row, start=1):
                if value is not None and value.strip():
                    values[(r, c)] = value
        top = r - len(block.rows)
        merges += [(top + r0, c0, top + r1, c1) for r0, c0, r1, c1 in block.merges]

    def place(row: int, column: int) -> str:
        block, i = origin[row]
        if not block.table:
            return block.where
        return f"{block.where} 第{i}行第{column}列" if block.row_names else f"{block.where}第{column}列"

    return Grid(title, values, merges=merges, place=place)


def blocks_lines(blocks: Sequence[Block]) -> list[str]:
    """The document as text lines: a paragraph per line, a table row as its cells joined by tabs."""
    lines: list[str] = []
    for block in blocks:
        for row in block.rows:
            cells = ["" if v is None else " ".join(v.split()) for v in row]
            lines.append("\t".join(cells) if block.table else cells[0])
        lines.append("")
    return lines


# ---- choosing the reader -----------------------------------------------------------------------------


def sniff(path: Path) -> str:
    """docx / xlsx / ole2 / pdf / text, from the file's first bytes (the name is not looked at)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise UnknownDocumentError(f"a damaged zip archive ({error})", file=path,
                                       expected="an intact .docx or .xlsx", fix="copy the file again") from error
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise UnknownDocumentError("a zip archive that is neither a Word document nor a workbook", file=path,
                                   found=sorted(names)[:5], expected=".docx or .xlsx",
                                   fix="save the document from Word/WPS as .docx, or the form as .xlsx")
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "text"


def _frame(rows: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=UNPLACED_COLUMNS).astype("str")


def _form_intake(result: Any, reader: str, encoding: str | None = None, dropped: tuple[str, ...] = ()) -> Intake:
    from perfeval_utils.read.form.labels import form_category

    unplaced = result.unplaced.rename(columns={"cell": "place"})
    questions = [w.message for w in result.report.warnings]
    for place, value in zip(unplaced["place"], unplaced["value"], strict=True):
        words = value.split()
        if words and form_category(words[0])[0] is not None and len(value) <= 30:
            # a 一级指标 printed outside its table (a merged cell cut by a page break): the rows it heads
            # may have been given the category above them
            questions.append(f"{place}：「{value}」是一级指标却在表外，附近指标的一级指标可能不对，请核对。")
    return Intake(result.report, questions, unplaced, reader, encoding, dropped)


def _text_intake(extraction: Any, reader: str, overrides: dict[str, Any], dropped: tuple[str, ...] = ()) -> Intake:
    report = extraction.report
    questions = list(extraction.open_questions)
    for key in ("department", "year", "amount_unit"):
        given, stated = overrides.get(key), report.meta.get(key)
        if given is None:
            continue
        if stated is None:
            report.meta[key] = given
            report.meta_sources[key] = f"read_document({key}=…)"
        elif str(stated) != str(given):
            questions.append(f"文中写的是 {stated}，调用时给的 {key} 是 {given}：保留文中的，请核对。")
    return Intake(report, questions, _frame(extraction.unplaced), reader, extraction.encoding, dropped)


def read_blocks(path: Path, blocks: Sequence[Block], kind: str, overrides: dict[str, Any],
                encoding: str | None = None, dropped: tuple[str, ...] = ()) -> Intake:
    """The form logic when the blocks hold a form's budget block (or a 基础数据表), else the text logic.

    A published report may print its KPI table as a table; only a form has the 全年预算数 | 全年执行数 block.
    """
    from perfeval_utils.read.form import read_grid
    from perfeval_utils.read.form.layout import find_headers, holds_form
    from perfeval_utils.read.text import extract_lines

    grid = blocks_grid(blocks, path.name)
    headers = find_headers(grid)
    if holds_form(headers) and any(h.kind in ("budget", "basic") for h in headers):
        form = {k: overrides.get(k) for k in ("amount_unit", "department", "year")}
        return _form_intake(read_grid(grid, path, headers, **form), f"{kind} form", encoding, dropped)
    extraction = extract_lines(path, blocks_lines(blocks), encoding)
    return _text_intake(extraction, f"{kind} text", overrides, dropped)


def _spreadsheet(path: Path, kind: str, overrides: dict[str, Any]) -> Intake:
    from perfeval_utils.read.form import load_form

    result = load_form(path, overrides.get("sheet"), amount_unit=overrides.get("amount_unit"),
                       department=overrides.get("department"), year=overrides.get("year"))
    return _form_intake(result, f"{kind} form")


def _read_text_document(path: Path, overrides: dict[str, Any]) -> Intake:
    from perfeval_utils.read.encoding import read_text_file
    from perfeval_utils.read.html import html_blocks, looks_like_html
    from perfeval_utils.read.text import extract_lines, split_lines

    raw = path.read_bytes()
    if looks_like_html(raw):
        blocks, encoding = html_blocks(path, raw)
        return read_blocks(path, blocks, "html", overrides, encoding)
    text, encoding = read_text_file(path)
    return _text_intake(extract_lines(path, split_lines(text), encoding), "text", overrides)


def read_document(path: str | Path, **overrides: Any) -> Intake:
    """Read any document a department has — form (.xlsx/.xls/.et), Word, PDF, web page or text — into an Intake.

    ``overrides``: ``department``, ``year``, ``amount_unit`` for a document that does not state them;
    ``sheet`` for a workbook with several forms. Bad input raises a PerfevalError naming the file.
    """
    unknown = set(overrides) - OVERRIDES
    if unknown:
        raise TypeError(f"read_document() got unknown overrides {sorted(unknown)}; known: {sorted(OVERRIDES)}")
    path = Path(path)
    if not path.is_file():
        raise UnknownDocumentError("file not found", file=path, fix="check the path")
    size = path.stat().st_size
    if size == 0:
        raise UnknownDocumentError("the file is empty (0 bytes)", file=path, fix="copy the file again")
    if size > MAX_FILE_BYTES:
        raise UnknownDocumentError(f"the file is too large to be a self-evaluation ({size:,} bytes)", file=path,
                                   found=size, expected=f"at most {MAX_FILE_BYTES:,} bytes",
                                   fix="check that this is the right file")
    kind = sniff(path)
    if kind == "docx":
        from perfeval_utils.read.docx import docx_blocks

        return read_blocks(path, docx_blocks(path), "docx", overrides)
    if kind == "pdf":
        from perfeval_utils.read.pdf import pdf_blocks

        blocks, dropped = pdf_blocks(path)
        return read_blocks(path, blocks, "pdf", overrides, dropped=dropped)
    if kind in ("xlsx", "ole2"):
        return _spreadsheet(path, "xlsx" if kind == "xlsx" else "xls", overrides)
    return _read_text_document(path, overrides)
