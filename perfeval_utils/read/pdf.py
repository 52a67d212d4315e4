"""PDF reports and forms with a text layer, through pdfplumber: tables and the text around them.

Tables are found by their ruling lines; a PDF whose tables have none (text set in aligned
columns) is read with pdfplumber's text-alignment strategy instead. Each page gives its text lines
outside the tables and its tables, in order from the top; a KPI table that runs onto the next
page simply continues there (the form logic skips a repeated header). Lines that repeat at the
top or bottom of the pages (a running header, a footer) and page numbers (``3``, ``- 3 -``,
``第3页 共5页``, ``3/5``) are dropped and listed in ``Intake.dropped``. A PDF without a text layer
(a scan) is refused with its page count: nothing here does OCR.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

from perfeval_utils.errors import ScannedDocumentError, UnknownDocumentError
from perfeval_utils.read.document import Block

__all__ = ["MAX_PAGES", "pdf_blocks"]

#: A self-evaluation report runs to tens of pages; a form to a few.
MAX_PAGES = 500
_PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d+\s*[-—–]|\d+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|"
                          r"page\s*\d+(?:\s*of\s*\d+)?)$", re.I)
#: Words closer than this (points) are one word; columns of a form are further apart.
_WORD_GAP = 0.5
#: A gap wider than this many character widths splits a line into cells.
_CELL_GAP = 1.8
_LATIN_SPACED = re.compile(r"[A-Za-z] |[A-Za-z0-9] [A-Za-z]")  # a blank between Latin words
_EDGE = 2  # lines at the top and at the bottom of a page that may be a running header or footer


def _cell(value: Any) -> str | None:
    """A cell's text: lines a cell wraps onto are joined without a blank (Chinese has none), Latin words with one.

    In text already spaced as Latin (``767.86 added to 1922.76``) a bracket that wrapped onto the next line
    gets its blank back (``1922.76 (≈39.9%)``); ``100`` then ``(万元)`` stays ``100(万元)``.
    """
    if value is None:
        return None
    text = ""
    for part in (p.strip() for p in str(value).split("\n")):
        if text and part and text[-1].isascii() and (text[-1].isalpha() or text[-1] in ",.;:!?") \
                and part[0].isascii() and part[0].isalpha():
            text += " "  # Latin words wrapped onto the next line (a number split over lines stays one number)
        elif text and part and text[-1].isascii() and text[-1].isalnum() and part[0] == "(" \
                and _LATIN_SPACED.search(text):
            text += " "
        text += part
    return text or None


def _inside(line: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
    return any(x0 - 1 <= middle_x <= x1 + 1 and top - 1 <= middle_y <= bottom + 1 for x0, top, x1, bottom in boxes)


def _page_items(page: Any) -> list[tuple[float, str, Any]]:
    """Ruled tables and the text lines outside them, from the top of the page."""
    tables = [t for t in page.find_tables() if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2]
    boxes = [t.bbox for t in tables]
    items: list[tuple[float, str, Any]] = [(t.bbox[1], "table", t.extract()) for t in tables]
    for line in page.extract_text_lines(return_chars=False):
        if line["text"].strip() and not _inside(line, boxes):
            items.append((line["top"], "line", line["text"].strip()))
    return sorted(items, key=lambda item: (item[0], item[1] == "table"))


def _aligned_items(page: Any) -> list[tuple[float, str, Any]]:
    """A page without ruled tables: each text line split into cells at wide gaps; below a line that reads
    as a form header, every word goes to the header cell it sits under (left-aligned headers over
    right-aligned numbers), so columns stay aligned. Returned as one-row tables and plain lines."""
    from perfeval_utils.read.form.layout import header_kind

    words = page.extract_words(x_tolerance=_WORD_GAP, keep_blank_chars=False, use_text_flow=False)
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= 3:
            lines[-1].append(word)
        else:
            lines.append([word])
    items: list[tuple[float, str, Any]] = []
    starts: list[float] | None = None
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        cells = _split_cells(line)
        texts = ["".join(w["text"] for w in cell) for cell in cells]
        if header_kind(texts) is not None:
            starts = [cell[0]["x0"] for cell in cells]
            row = texts
        elif starts is not None and len(cells) > 1:
            row = [""] * len(starts)
            for word in line:
                middle = (word["x0"] + word["x1"]) / 2
                column = max((i for i, x in enumerate(starts) if x - 2 <= middle), default=0)
                row[column] += word["text"]
        else:
            if len(cells) == 1:
                starts = None if not texts[0].startswith(("注", "说明")) else starts
                items.append((line[0]["top"], "line", texts[0]))
                continue
            row = texts
        items.append((line[0]["top"], "row", [text or None for text in row]))
    return items


def _split_cells(line: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    cells = [[line[0]]]
    for word in line[1:]:
        previous = cells[-1][-1]
        size = max(previous["bottom"] - previous["top"], 1)
        if word["x0"] - previous["x1"] > _CELL_GAP * size:
            cells.append([word])
        else:
            cells[-1].append(word)
    return cells


def _furniture(pages: list[list[tuple[float, str, Any]]]) -> set[str]:
    """Lines at the top or bottom edge of at least two pages (digits ignored): a running header or footer."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for items in pages:
        lines = [text for _, kind, text in items if kind == "line"]
        edge = {re.sub(r"\d+", "#", text) for text in lines[:_EDGE] + lines[-_EDGE:]}
        seen.update(edge)
    return {text for text, count in seen.items() if count >= 2}


def pdf_blocks(path: Path) -> tuple[list[Block], tuple[str, ...]]:
    """The PDF's blocks in reading order, and the header/footer/page-number lines dropped (as printed)."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    from perfeval_utils.read.package import MAX_FILE_BYTES

    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnknownDocumentError(f"the PDF is too large ({size:,} bytes)", file=path,
                                   expected=f"at most {MAX_FILE_BYTES:,} bytes")
    try:
        with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
            count = len(pdf.pages)
            if count > MAX_PAGES:
                raise UnknownDocumentError(f"the PDF has {count} pages", file=path, expected=f"at most {MAX_PAGES}")
            if not any(page.chars for page in pdf.pages):
                raise ScannedDocumentError(
                    f"the PDF has no text layer ({count} 页 pages, all images: a scan)", file=path,
                    found=f"{count} pages without text", expected="a PDF with text (exported from Word, WPS or Excel)",
                    fix="ask for the document as .docx/.xlsx or as a PDF exported from it; no OCR is done here",
                )
            pages = [_page_items(page) for page in pdf.pages]
            if not any(kind == "table" for items in pages for _, kind, _ in items):  # no ruled table anywhere
                pages = [_aligned_items(page) for page in pdf.pages]
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as error:
        raise UnknownDocumentError(f"the PDF cannot be read ({type(error).__name__}: {error})", file=path,
                                   expected="an intact PDF", fix="copy the file again, or export it again") from error
    furniture = _furniture(pages)
    blocks: list[Block] = []
    dropped: list[str] = []
    for number, items in enumerate(pages, start=1):
        line_no = table_no = 0
        for _, kind, value in items:
            if kind == "row":
                line_no += 1
                blocks.append(Block(f"第{number}页第{line_no}行", [value], row_names=False))
            elif kind == "line":
                line_no += 1
                if _PAGE_NUMBER.match(value.replace(" ", "")) or re.sub(r"\d+", "#", value) in furniture:
                    dropped.append(f"第{number}页: {value}")
                    continue
                blocks.append(Block(f"第{number}页第{line_no}行", [[value]], table=False))
            else:
                table_no += 1
                rows = [[_cell(v) for v in row] for row in value]
                blocks.append(Block(f"第{number}页表{table_no}", rows))
    return blocks, tuple(dropped)
