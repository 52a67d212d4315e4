"""Word ``.docx``: paragraphs and tables in reading order, merged cells from ``gridSpan`` / ``vMerge``.

The archive is checked before anything is inflated, with the limits and the checks of
:mod:`perfeval_utils.read.package` (entry count, sizes, compression ratio, duplicated or encrypted
entries), and ``word/document.xml`` is inflated with the same hard cap and parsed with defusedxml
(no DTD, no entity). An old binary ``.doc`` never reaches here: read_document refuses it with the
way out (save it as .docx).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from perfeval_utils.errors import UnknownDocumentError
from perfeval_utils.read.document import Block

__all__ = ["docx_blocks", "ooxml_part"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def ooxml_part(path: Path, part: str) -> bytes:
    """One part of an OOXML package, after the package checks of read/package.py (sizes, ratio, entries)."""
    from perfeval_utils.read import package

    size = path.stat().st_size
    if size > package.MAX_FILE_BYTES:
        raise UnknownDocumentError(f"the file is too large ({size:,} bytes)", file=path,
                                   expected=f"at most {package.MAX_FILE_BYTES:,} bytes")
    data = path.read_bytes()
    try:
        import io

        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, KeyError, IndexError) as exc:
        raise package.unreadable(path, str(exc) or type(exc).__name__) from exc
    package._check_directory(path, infos)  # the workbook's archive checks, shared (no copy)
    info = next((i for i in infos if i.filename == part), None)
    if info is None:
        raise UnknownDocumentError(f"the package has no {part}", file=path, expected="a Word document (.docx)",
                                   fix="open it in Word or WPS and save it again as .docx")
    return package._inflate(path, data, info)


def _element_text(element: Any) -> str:
    """A paragraph's or cell's text: w:t runs, w:tab as a tab, w:br as a line break; cell paragraphs by lines."""
    out: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{W}t" and node.text:
            out.append(node.text)
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag in (f"{W}br", f"{W}cr") or (tag == f"{W}p" and out):
            out.append("\n")
    return "".join(out).strip()


def _table(element: Any, number: int) -> Block:
    rows: list[list[str | None]] = []
    merges: list[tuple[int, int, int, int]] = []
    open_merges: dict[int, list[int]] = {}  # column → [first row, first column, last row, last column]
    for r, tr in enumerate(element.findall(f"{W}tr"), start=1):
        row: list[str | None] = []
        c = 1
        for tc in tr.findall(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span_el = props.find(f"{W}gridSpan") if props is not None else None
            span = int(span_el.get(f"{W}val", "1")) if span_el is not None else 1
            vmerge = props.find(f"{W}vMerge") if props is not None else None
            text = _element_text(tc)
            if vmerge is not None and vmerge.get(f"{W}val", "continue") != "restart" and c in open_merges:
                open_merges[c][2] = r
                row += [None] * span
            else:
                if c in open_merges:
                    merges.append(tuple(open_merges.pop(c)))  # type: ignore[arg-type]
                row += [text or None] + [None] * (span - 1)
                if vmerge is not None or span > 1:
                    open_merges[c] = [r, c, r, c + span - 1]
            c += span
        rows.append(row)
    merges += [tuple(m) for m in open_merges.values()]  # type: ignore[misc]
    return Block(f"表{number}", rows, [m for m in merges if m[0] != m[2] or m[1] != m[3]])


def docx_blocks(path: Path) -> list[Block]:
    """The document's body in reading order: each paragraph and each table (nested tables read as cell text)."""
    xml = ooxml_part(path, "word/document.xml")
    try:
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except Exception as error:  # defusedxml's refusals and ParseError have no common base but Exception
        raise UnknownDocumentError(f"word/document.xml cannot be parsed ({type(error).__name__}: {error})",
                                   file=path, fix="open it in Word or WPS and save it again as .docx") from error
    body = root.find(f"{W}body")
    blocks: list[Block] = []
    tables = paragraphs = 0
    for child in (body if body is not None else []):
        if child.tag == f"{W}tbl":
            tables += 1
            blocks.append(_table(child, tables))
        elif child.tag == f"{W}p":
            paragraphs += 1
            text = _element_text(child)
            if text:
                for line in text.split("\n"):
                    if line.strip():
                        blocks.append(Block(f"第{paragraphs}段", [[line.strip()]], table=False))
    return blocks
