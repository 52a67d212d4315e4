"""Check an .xlsx file as a package before any spreadsheet reader opens it.

An .xlsx is a zip archive of XML parts. Before calamine reads a single cell, this module
refuses, with a :class:`~perfeval_utils.errors.WorkbookError` naming the file, what is not a
plain, safe, calculated workbook:

- not an .xlsx at all: an OLE2/CFB container (a password-protected workbook, or a legacy
  .xls; both start with ``D0 CF 11 E0``), a CSV, HTML or XML Spreadsheet 2003 file renamed
  .xlsx, a truncated or corrupt zip;
- a hostile or absurd archive: too large, too many entries, an entry inflating more than
  :data:`MAX_PART_BYTES` or more than :data:`MAX_RATIO` times its compressed size (a zip
  bomb), an entry whose data does not match its declared size or CRC, the same entry name
  twice (two readers could pick different ones);
- any XML part with a ``<!DOCTYPE`` or ``<!ENTITY`` (an Excel workbook never has one: this is
  the XML entity bomb, and external entities); the parts this module parses itself are then
  read with defusedxml;
- a workbook with VBA macros (``xl/vbaProject.bin``). Macros are never run by calamine nor by
  this package; the file is refused so that what is loaded is a plain .xlsx.

Sizes are checked on the central directory before anything is inflated, and every part is
inflated with a hard cap (its declared size), so a refusal costs milliseconds and a few
megabytes whatever the archive claims. Nothing here evaluates a formula or runs a macro.

For the sheets the loader wants, the worksheet XML is scanned with regular expressions (no
XML tree is built) for what calamine does not report: formula cells with and without a
cached value, cells holding an Excel error value (calamine reads ``#DIV/0!`` as a blank),
hidden rows and columns, merged ranges, cells with a percent number format, the sheet's
visibility. :mod:`perfeval_utils.read.workbook` turns these into errors or recorded warnings.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from perfeval_utils.errors import (
    FormulaError,
    MacroWorkbookError,
    NotAWorkbookError,
    ProtectedWorkbookError,
    UnsafeWorkbookError,
    WorkbookError,
)
from perfeval_utils.read.damage import date_styles, locate_damage
from perfeval_utils.read.filekind import MAX_FILE_BYTES, SAVE_AS, ZIP_MAGIC, check_file
from perfeval_utils.read.sheetxml import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_CELLS,
    FormulaCell,
    SheetScan,
    Span,
    cell_refs,
    column_index,
    column_letters,
    format_styles,
    merges,
    scan_sheet,
    sheet_extent,
    sheet_repeats,
    xml_attrs,
    xml_text,
)

__all__ = [
    "MAX_FILE_BYTES",
    "FormulaCell",
    "PackageInfo",
    "SheetScan",
    "check_file",
    "check_package",
    "column_index",
    "column_letters",
    "part_key",
    "scan_sheet",
    "unreadable",
]

# ---- limits -------------------------------------------------------------------------------------

#: Entries of the archive (a workbook has about a dozen; with images a few hundred).
MAX_ENTRIES: Final = 2_000
#: Uncompressed size of one part, and of all parts together.
MAX_PART_BYTES: Final = 32 * 1024 * 1024
MAX_TOTAL_BYTES: Final = 64 * 1024 * 1024
#: Compression ratio above which a part of at least RATIO_MIN_BYTES is taken for a zip bomb.
#: Worksheet XML compresses 5–30×; deflate cannot exceed about 1032×.
MAX_RATIO: Final = 200
RATIO_MIN_BYTES: Final = 1024 * 1024


# ---- patterns -----------------------------------------------------------------------------------

_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")
#: <!DOCTYPE / <!ENTITY in UTF-8 and both UTF-16 byte orders (an XML part may be UTF-16).
_DTD: Final = re.compile(
    b"|".join(re.escape(word.encode(codec)) for word in ("<!DOCTYPE", "<!ENTITY")
              for codec in ("utf-8", "utf-16-le", "utf-16-be")),
    re.IGNORECASE,
)
_RATIO_HINT = "a zip bomb? an .xlsx part never compresses this well"

@dataclass(slots=True)
class PackageInfo:
    """The checked package: its sheets in workbook order and the scans of the sheets asked for.

    ``parts`` holds every XML part (keyed by :func:`part_key`) so that a reader that fails on a sheet
    can ask :meth:`damage` which cell it failed on.
    """

    path: Path
    sheet_states: dict[str, str]
    scans: dict[str, SheetScan]
    data: bytes = b""  # the bytes that were checked: the reader opens these, not the file again
    sheet_parts: dict[str, str] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict, repr=False)
    shared_strings: int = 0

    def damage(self, sheet: str, reason: object) -> WorkbookError:
        """The located error for a sheet a reader could not read: the cell, what it stores, what was expected."""
        xml = self.parts.get(self.sheet_parts.get(sheet, ""), b"")
        styles = next((xml for key, xml in self.parts.items() if key.endswith("styles.xml")), b"")
        found = locate_damage(xml, self.shared_strings, date_styles(styles)) if xml else None
        if found is None:
            return NotAWorkbookError(
                f"sheet「{sheet}」cannot be read ({reason})", file=self.path, sheet=sheet,
                expected="an intact .xlsx workbook", fix="open it in Excel and save it again as .xlsx",
            )
        cls = FormulaError if found.problem.startswith("the cell holds the Excel error") else NotAWorkbookError
        return cls(
            f"{'cell ' if found.col >= 0 else ''}{found.ref}: {found.problem}", file=self.path, sheet=sheet,
            row=found.row or None, column=column_letters(found.col) if found.col >= 0 else None, found=found.found,
            expected=found.expected,
            fix="type the figure again in Excel (or WPS) and save; if a program wrote the file, have it fixed",
        )


# ---- the checks ---------------------------------------------------------------------------------


def unreadable(path: Path, reason: object) -> NotAWorkbookError:
    """The one error for a workbook that is damaged or cannot be parsed, here or in calamine."""
    return NotAWorkbookError(
        f"the workbook cannot be read ({reason})",
        file=path,
        expected="an intact, unencrypted .xlsx workbook",
        fix="the file may be truncated, damaged or password-protected: copy it again, or open it in Excel, "
        "remove any password and save it again as .xlsx",
    )


def _inflate(path: Path, data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One entry's bytes, never more than it declares (and so never more than the limits allow)."""
    start = info.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != ZIP_MAGIC:
        raise unreadable(path, f"damaged entry {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin:begin + info.compress_size]
    if len(raw) < info.compress_size:
        raise unreadable(path, f"entry {info.filename} is cut short (truncated file)")
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, info.file_size + 1)
        except zlib.error as exc:
            raise unreadable(path, f"entry {info.filename} is damaged: {exc}") from exc
        if len(out) > info.file_size or inflater.unconsumed_tail:
            _refuse_oversize(path, raw, info)
    else:
        raise unreadable(path, f"entry {info.filename} uses compression method {info.compress_type}")
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        raise unreadable(path, f"entry {info.filename} is damaged (size or CRC mismatch)")
    return out


#: How far past its declared size an entry is inflated to tell a damaged entry from a lying one.
OVERSIZE_PROBE: Final = 1024 * 1024


def _refuse_oversize(path: Path, raw: bytes, info: zipfile.ZipInfo) -> None:
    """An entry inflating past its declared size: damaged if it stops soon after, else built to lie (a bomb)."""
    probe = zlib.decompressobj(-15)
    try:
        out = probe.decompress(raw, info.file_size + OVERSIZE_PROBE)
    except zlib.error as exc:
        raise unreadable(path, f"entry {info.filename} is damaged: {exc}") from exc
    if len(out) >= info.file_size + OVERSIZE_PROBE and not probe.eof:
        raise UnsafeWorkbookError(
            f"entry {info.filename} inflates to more than {len(out):,} bytes although the zip directory declares "
            f"{info.file_size:,} (a zip bomb with false sizes)",
            file=path, found=info.filename, expected="an entry whose size matches the zip directory",
            fix="do not open this file in other programs either; ask for the workbook again",
        )
    raise unreadable(path, f"entry {info.filename} is damaged (it inflates to {len(out):,} bytes, "
                      f"not the {info.file_size:,} declared)")


def check_package(path: str | Path, wanted: Callable[[str], bool] = lambda name: True) -> PackageInfo:
    """Refuse a file that is not a plain, safe .xlsx; scan the worksheets whose name ``wanted`` accepts."""
    path = Path(path)
    data = check_file(path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
            struct.error, KeyError, IndexError, OverflowError) as exc:  # zipfile raises all of these on damage
        raise unreadable(path, str(exc) or type(exc).__name__) from exc
    _check_directory(path, infos)
    parts: dict[str, bytes] = {}
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            part = _inflate(path, data, info)
            if b"!" in part and _DTD.search(part):  # one byte: a fast scan; "<!" in UTF-8 and UTF-16 holds it
                raise UnsafeWorkbookError(
                    f"XML part {info.filename} declares a DOCTYPE or ENTITY (an entity bomb or an external "
                    "entity); an Excel workbook never has one",
                    file=path, found=info.filename, expected="XML parts without <!DOCTYPE or <!ENTITY",
                    fix="do not open this file in other programs either; ask for the workbook again",
                )
            parts[part_key(info.filename)] = part
    try:
        info = _scan_workbook(path, parts, wanted)
    except (ValueError, KeyError, IndexError, OverflowError) as exc:  # malformed numbers or references in the XML
        raise unreadable(path, f"malformed XML ({type(exc).__name__}: {exc})") from exc
    info.data = data
    return info


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnsafeWorkbookError(
            f"the archive has {len(infos):,} entries", file=path, found=len(infos),
            expected=f"at most {MAX_ENTRIES:,} entries (a workbook has about a dozen)",
            fix="do not open this file; ask for the workbook again",
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        if part_key(info.filename) in seen:  # calamine finds parts case-insensitively: Sheet1.xml is sheet1.xml
            raise UnsafeWorkbookError(
                f"the archive lists {info.filename} twice", file=path, found=info.filename,
                expected="each part once", fix="do not open this file; ask for the workbook again",
            )
        seen.add(part_key(info.filename))
        if info.flag_bits & 0x1:
            raise ProtectedWorkbookError(
                f"entry {info.filename} is encrypted (a zip password)", file=path, found=info.filename,
                expected="an unencrypted .xlsx", fix="remove the password and " + SAVE_AS,
            )
        size = info.file_size
        total += size
        ratio = size / max(info.compress_size, 1)
        if size > MAX_PART_BYTES or (size >= RATIO_MIN_BYTES and ratio > MAX_RATIO):
            raise UnsafeWorkbookError(
                f"entry {info.filename} would inflate to {size:,} bytes from {info.compress_size:,} "
                f"({ratio:,.0f}×): {_RATIO_HINT}",
                file=path, found=info.filename,
                expected=f"parts of at most {MAX_PART_BYTES:,} bytes compressed at most {MAX_RATIO}×",
                fix="do not open this file; ask for the workbook again",
            )
        if total > MAX_TOTAL_BYTES:
            raise UnsafeWorkbookError(
                f"the archive would inflate to more than {MAX_TOTAL_BYTES:,} bytes", file=path, found=total,
                expected=f"at most {MAX_TOTAL_BYTES:,} bytes in all", fix="do not open this file; ask for it again",
            )
    names = seen
    if "xl/vbaproject.bin" in names or any(n.endswith("vbaproject.bin") for n in names):
        raise MacroWorkbookError(
            "the workbook contains VBA macros (xl/vbaProject.bin): a macro-enabled workbook renamed .xlsx",
            file=path, found="xl/vbaProject.bin",
            expected="a plain .xlsx without macros (macros are never run here, and Excel refuses such a file)",
            fix=SAVE_AS + " (this drops the macros)",
        )


# ---- the workbook's own parts -------------------------------------------------------------------
#
# workbook.xml, its relationships and styles.xml are read with regular expressions over
# attributes, not with an XML parser: no entity can be expanded (and <!DOCTYPE is refused above),
# and it is ten times faster than building a tree for three small parts of every workbook.

_RELATIONSHIP: Final = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_SHEET: Final = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_SHARED_STRING: Final = re.compile(rb"<(?:\w+:)?si[\s/>]")


def part_key(name: str) -> str:
    """How calamine finds a part: case-insensitive, backslashes as slashes, no leading slash."""
    return name.replace("\\", "/").lstrip("/").casefold()


def _resolve(base: str, target: str) -> str:
    """A relationship target relative to the part ``base`` (``xl/workbook.xml``) → a zip entry name."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target.lstrip("/")
    folder = base.rpartition("/")[0]
    pieces = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if pieces:
                pieces.pop()
        elif piece and piece != ".":
            pieces.append(piece)
    return "/".join(pieces)


def _rels(parts: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target entry) of ``part`` ('' for the package itself)."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    out: dict[str, tuple[str, str]] = {}
    for match in _RELATIONSHIP.finditer(parts.get(part_key(rels_name), b"")):
        attrs = xml_attrs(match.group(1))
        rel_id, target = xml_text(attrs.get(b"Id")), xml_text(attrs.get(b"Target"))
        if rel_id and target:
            external = (xml_text(attrs.get(b"TargetMode")) or "").lower() == "external"
            out[rel_id] = (xml_text(attrs.get(b"Type")) or "", target if external else _resolve(part, target))
    return out


def _scan_workbook(path: Path, parts: dict[str, bytes], wanted: Callable[[str], bool]) -> PackageInfo:
    """``parts`` is keyed by :func:`part_key`, so a target is found however its case or slashes are written."""
    main = next((target for kind, target in _rels(parts, "").values() if kind.endswith("/officeDocument")),
                "xl/workbook.xml")
    if part_key(main) not in parts:
        raise unreadable(path, f"the workbook part {main} is missing")
    rels = _rels(parts, main)
    states: dict[str, str] = {}
    targets: dict[str, str] = {}
    for match in _SHEET.finditer(parts[part_key(main)]):
        attrs = xml_attrs(match.group(1))
        name = xml_text(attrs.get(b"name")) or ""
        states[name] = xml_text(attrs.get(b"state")) or "visible"
        rel = rels.get(xml_text(attrs.get(b"id")) or "")
        if rel:
            targets[name] = rel[1]
        elif wanted(name):
            raise NotAWorkbookError(
                f"sheet「{name}」has no part in the package (its relationship is missing)", file=path, sheet=name,
                expected="every sheet's part inside the .xlsx",
                fix="the file was assembled by a program or damaged: open it in Excel and save it again as .xlsx",
            )
    styles = next((target for kind, target in rels.values() if kind.endswith("/styles")), None)
    shown = format_styles(parts[part_key(styles)]) if styles and part_key(styles) in parts else {}
    worksheets = {key for key, xml in parts.items() if b"sheetData" in xml}
    for name, target in targets.items():
        key = part_key(target)
        if key in parts:
            worksheets.add(key)
        elif wanted(name):
            raise NotAWorkbookError(
                f"the part {target} that holds sheet「{name}」is missing from the package", file=path, sheet=name,
                found=target, expected="every sheet's part inside the .xlsx",
                fix="the file was assembled by a program or damaged: open it in Excel and save it again as .xlsx",
            )
    sheet_of = {part_key(target): name for name, target in targets.items()}
    spans = {key: _check_cells(path, sheet_of.get(key), key, parts[key]) for key in sorted(worksheets)}
    for key in (k for k in parts if k.endswith("sharedstrings.xml")):
        _check_cells(path, None, key, parts[key], extent=False)
    scans = {}
    for name, target in targets.items():
        key = part_key(target)
        if wanted(name) and key in parts:
            scans[name] = scan_sheet(name, target, parts[key], states[name], shown, spans.get(key))
    strings = next((target for kind, target in rels.values() if kind.endswith("/sharedStrings")), None)
    count = len(_SHARED_STRING.findall(parts.get(part_key(strings), b""))) if strings else 0
    return PackageInfo(path, states, scans, sheet_parts={n: part_key(t) for n, t in targets.items()},
                       parts=parts, shared_strings=count)


def _check_cells(path: Path, sheet: str | None, part: str, xml: bytes, extent: bool = True) -> list[Span] | None:
    """What every reader of the sheet relies on: UTF-8 text that the scan can read, no CDATA (calamine reads
    <v><![CDATA[1415.43]]></v> as a blank), one value per address, and a used range a reader can allocate.
    Returns the sheet's merged ranges (None when ``extent`` is off), which the scan needs too."""
    place = f"sheet「{sheet}」" if sheet else f"the part {part}"
    problem = None
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in xml[:200]:
        problem = "is written in UTF-16; Excel and WPS write UTF-8, and this check reads UTF-8 only"
    elif b"!" in xml and b"<![CDATA[" in xml:  # the one-byte search is the fast one
        problem = "holds a CDATA section, which spreadsheet readers read as a blank"
    if problem:
        raise NotAWorkbookError(
            f"{place} {problem}", file=path, sheet=sheet, found=part, expected="a worksheet as Excel writes it",
            fix="the file was written by a program, not by Excel: open it in Excel or WPS and save it again as .xlsx",
        )
    if not extent:
        return None
    refs = cell_refs(xml)
    twice = sheet_repeats(refs)
    if twice is not None:
        raise NotAWorkbookError(
            f"{place} stores two values at {twice}: readers differ in which they take, and Excel repairs the file",
            file=path, sheet=sheet, found=twice, expected="one value per cell",
            fix="open the file in Excel or WPS, check the cell, and save it again as .xlsx",
        )
    spans = merges(xml)
    extent = sheet_extent(xml, refs, spans)
    if extent.cells <= MAX_CELLS and extent.rows <= EXCEL_ROWS and extent.columns <= EXCEL_COLUMNS:
        return spans
    where = extent.row_at if extent.rows > EXCEL_ROWS or extent.rows >= extent.columns * 100 else extent.column_at
    raise UnsafeWorkbookError(
        f"{'sheet「' + sheet + '」' if sheet else 'the part ' + part} reaches {where}: read from A1 that is "
        f"{extent.rows:,} rows × {extent.columns:,} columns = {extent.cells:,} cells (a stray cell or merge far "
        "from the table makes a reader allocate them all)",
        file=path, sheet=sheet, found=where, expected=f"a used range of at most {MAX_CELLS:,} cells inside Excel's "
        f"{EXCEL_ROWS:,} rows × {EXCEL_COLUMNS:,} columns",
        fix=f"select the rows and columns beyond the table in Excel, delete them (删除, not just clear) and save; "
        f"the cell or range reaching furthest is {where}",
    )
