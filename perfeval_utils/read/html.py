"""Web pages saved from a government site (.html / .htm): tables with rowspan/colspan, and the text.

Read with the standard library's html.parser (no network, nothing fetched, no script run). The
encoding is the one the page declares (``<meta charset=gbk>``; GB2312 and GBK read as GB18030),
else read/encoding.py decides. Text outside tables becomes one line per block element (p, div,
h1–h6, li, br); a table's cells are laid out on a grid, a cell spanning rows or columns as a
merged range.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from perfeval_utils.read.document import Block
from perfeval_utils.read.encoding import decode_text

__all__ = ["html_blocks", "looks_like_html"]

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article",
               "header", "footer", "center"}
_SKIP = {"script", "style", "noscript", "template"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8", "utf8": "utf-8"}


def looks_like_html(raw: bytes) -> bool:
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<table")) or (
        b"<html" in head and head[:1] == b"<")


class _Cell:
    def __init__(self, rowspan: int, colspan: int) -> None:
        self.rowspan, self.colspan = rowspan, colspan
        self.text: list[str] = []


class _Page(HTMLParser):
    """Collects blocks in order: text lines outside tables, and each outermost table's rows of cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, object]] = []  # ("line", str) or ("table", list of rows of _Cell)
        self.line: list[str] = []
        self.skip = 0
        self.depth = 0  # table nesting
        self.rows: list[list[_Cell]] = []
        self.cell: _Cell | None = None
        self.in_title = False
        self.title: list[str] = []  # the browser tab's title: kept apart, it is not the document's first line

    def flush(self) -> None:
        text = " ".join("".join(self.line).split())
        if text:
            self.blocks.append(("line", text))
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip += 1
        elif tag == "table":
            if self.depth == 0:
                self.flush()
                self.rows = []
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("td", "th") and self.rows:
            values = dict(attrs)
            self.cell = _Cell(_span(values.get("rowspan")), _span(values.get("colspan")))
            self.rows[-1].append(self.cell)
        elif tag in _BLOCK_TAGS:
            if self.depth and self.cell is not None:
                self.cell.text.append("\n")
            elif not self.depth:
                self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.blocks.append(("table", self.rows))
                self.cell = None
        elif self.depth == 1 and tag in ("td", "th"):
            self.cell = None
        elif tag in _BLOCK_TAGS and not self.depth:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skip:
            return
        if self.depth:
            if self.cell is not None:
                self.cell.text.append(data)
        else:
            self.line.append(data)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 1000))
    except ValueError:
        return 1


def _block_of(rows: list[list[_Cell]], number: int) -> Block:
    """Cells on a grid: a cell takes the first free column; rowspan/colspan reserve the cells they cover."""
    taken: set[tuple[int, int]] = set()
    grid: dict[tuple[int, int], str] = {}
    merges = []
    for r, row in enumerate(rows, start=1):
        c = 1
        for cell in row:
            while (r, c) in taken:
                c += 1
            text = "\n".join(" ".join(part.split()) for part in "".join(cell.text).split("\n")).strip("\n ")
            if text:
                grid[(r, c)] = text
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            if cell.rowspan > 1 or cell.colspan > 1:
                merges.append((r, c, r + cell.rowspan - 1, c + cell.colspan - 1))
            c += cell.colspan
    height = max([len(rows), *(r for r, _ in taken)], default=0)
    width = max((c for _, c in taken), default=0)
    out: list[list[str | None]] = [[grid.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]
    return Block(f"表{number}", out, merges)


def html_blocks(path: Path, raw: bytes) -> tuple[list[Block], str]:
    """The page's blocks and the encoding used (declared by the page, else decided from the bytes)."""
    declared = _CHARSET.search(raw[:4096])
    codec = _ALIASES.get(declared.group(1).decode("ascii", "replace").lower()) if declared else None
    text, encoding = None, None
    if codec is not None:
        try:
            text, encoding = raw.decode(codec), f"{codec.upper()} (declared by the page)"
        except UnicodeDecodeError:
            text = None
    if text is None:
        text, encoding = decode_text(raw, path)
    page = _Page()
    page.feed(text)
    page.close()
    page.flush()
    blocks: list[Block] = []
    lines = tables = 0
    for kind, value in page.blocks:
        if kind == "line":
            lines += 1
            blocks.append(Block(f"第{lines}行（正文）", [[str(value)]], table=False))
        else:
            tables += 1
            blocks.append(_block_of(value, tables))  # type: ignore[arg-type]
    title = " ".join("".join(page.title).split())
    if title:  # last, so that the text logic takes the page's own first line as the report's title
        blocks.append(Block("网页标题（<title>）", [[title]], table=False))
    return blocks, encoding or "UTF-8"
