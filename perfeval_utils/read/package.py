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
    MacroWorkbookError,
    NotAWorkbookError,
    ProtectedWorkbookError,
    UnsafeWorkbookError,
)

# ---- limits -------------------------------------------------------------------------------------

#: A v1 workbook is tens of kilobytes; a thousand-row one under a megabyte.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
#: Entries of the archive (a workbook has about a dozen; with images a few hundred).
MAX_ENTRIES: Final = 2_000
#: Uncompressed size of one part, and of all parts together.
MAX_PART_BYTES: Final = 32 * 1024 * 1024
MAX_TOTAL_BYTES: Final = 64 * 1024 * 1024
#: Compression ratio above which a part of at least RATIO_MIN_BYTES is taken for a zip bomb.
#: Worksheet XML compresses 5–30×; deflate cannot exceed about 1032×.
MAX_RATIO: Final = 200
RATIO_MIN_BYTES: Final = 1024 * 1024

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE2_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
XLSX_SUFFIX: Final = ".xlsx"

_OTHER_SUFFIXES: Final = {
    ".xls": "a legacy Excel 97–2003 workbook (.xls)",
    ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xlsb": "a binary Excel workbook (.xlsb)",
    ".et": "a WPS 表格 workbook (.et)",
    ".ett": "a WPS 表格 template (.ett)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".csv": "a CSV text file",
    ".txt": "a text file",
}
_SAVE_AS = "open it in Excel or WPS and save it as Excel 工作簿 (.xlsx)"

# ---- patterns -----------------------------------------------------------------------------------

_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")
#: <!DOCTYPE / <!ENTITY in UTF-8 and both UTF-16 byte orders (an XML part may be UTF-16).
_DTD: Final = re.compile(
    b"|".join(re.escape(word.encode(codec)) for word in ("<!DOCTYPE", "<!ENTITY")
              for codec in ("utf-8", "utf-16-le", "utf-16-be")),
    re.IGNORECASE,
)
_FORMULA_OPEN: Final = re.compile(rb"<(?:\w+:)?f[\s/>]")
_TOKEN: Final = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>|</(?:\w+:)?row>")
_ATTR: Final = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_CELL_END: Final = re.compile(rb"</(?:\w+:)?c>")
_F_ELEMENT: Final = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V_ELEMENT: Final = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_REF: Final = re.compile(r"^([A-Z]{1,3})(\d+)$")
_COL_ELEMENT: Final = re.compile(rb"<(?:\w+:)?col\b([^>]*?)/?>")
_MERGE: Final = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_TRUE: Final = (b"1", b"true")
_RATIO_HINT = "a zip bomb? an .xlsx part never compresses this well"


# ---- what the scan reports ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """A cell with a formula (``=…``) or an Excel error value, as stored in the worksheet XML."""

    ref: str  # A1-style address
    row: int  # Excel row, 1-based
    col: int  # column index, 0-based
    formula: str | None  # the formula text without '=' (None for a shared formula's followers)
    cached: str | None  # the stored value as text; None when the formula was never calculated
    error: bool  # the stored value is an Excel error (#DIV/0!, #REF!, #N/A, ...)


@dataclass(slots=True)
class SheetScan:
    """What a worksheet's XML says that calamine does not report."""

    name: str
    part: str
    state: str = "visible"  # visible / hidden / veryHidden
    formulas: list[FormulaCell] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # Excel rows, 1-based
    hidden_columns: set[int] = field(default_factory=set)  # 0-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, first col, last row, last col
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (Excel row, 0-based col)


@dataclass(slots=True)
class PackageInfo:
    """The checked package: its sheets in workbook order and the scans of the sheets asked for."""

    path: Path
    sheet_states: dict[str, str]
    scans: dict[str, SheetScan]
    data: bytes = b""  # the bytes that were checked: the reader opens these, not the file again


# ---- the checks ---------------------------------------------------------------------------------


def check_file(path: Path) -> bytes:
    """The file's bytes, once it is known to exist, be named .xlsx, be small enough and be a zip."""
    if not path.is_file():
        raise NotAWorkbookError("file not found", file=path, expected="an existing .xlsx file", fix="check the path")
    suffix = path.suffix.lower()
    if suffix != XLSX_SUFFIX:
        what = _OTHER_SUFFIXES.get(suffix, suffix or "(no suffix)")
        cls = MacroWorkbookError if suffix == ".xlsm" else NotAWorkbookError
        raise cls(
            f"not an .xlsx workbook: {what}",
            file=path,
            found=path.suffix or "(no suffix)",
            expected=".xlsx (Excel 2007+ workbook, 工作簿)",
            fix=_SAVE_AS + (" (this drops the macros; they are never run here)" if suffix == ".xlsm" else ""),
        )
    size = path.stat().st_size
    if size == 0:
        raise NotAWorkbookError(
            "the file is empty (0 bytes)", file=path, expected="an .xlsx workbook",
            fix="save the workbook again; the copy may have been interrupted",
        )
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbookError(
            f"the file is too large to be a v1 workbook ({size:,} bytes)", file=path,
            found=size, expected=f"at most {MAX_FILE_BYTES:,} bytes", fix="check that this is the right file",
        )
    data = path.read_bytes()
    if data.startswith(OLE2_MAGIC):
        kind = _ole2_kind(data)
        unlock = ("open it in Excel or WPS with its password, clear the password (文件 → 信息 → 保护工作簿 → "
                  "用密码进行加密) and save it as Excel 工作簿 (.xlsx)")
        raise ProtectedWorkbookError(
            f"not an .xlsx workbook: password-protected or legacy .xls ({kind})",
            file=path,
            found="an OLE2/CFB container (starts with D0 CF 11 E0)",
            expected="an unencrypted .xlsx (a zip archive)",
            fix=_SAVE_AS if "legacy" in kind else unlock if "password" in kind else f"{unlock}; if it is an .xls, "
            f"{_SAVE_AS}",
        )
    if not data.startswith(ZIP_MAGIC):
        raise NotAWorkbookError(
            "the file is not an .xlsx workbook (an .xlsx is a zip archive; this one is not)",
            file=path,
            found=_looks_like(data),
            expected="bytes starting with PK (zip)",
            fix="if it is a CSV, a web page or an old .xls renamed to .xlsx, " + _SAVE_AS,
        )
    return data


def _ole2_kind(data: bytes) -> str:
    """Which OLE2 container: the stream names sit in its directory, in UTF-16."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "this one is an encrypted, password-protected workbook"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "this one is a legacy Excel 97–2003 .xls"
    return "an OLE2 compound file"


def _looks_like(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "a web page (HTML) renamed .xlsx"
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "an XML Spreadsheet 2003 file renamed .xlsx"
    if head.startswith(b"<"):
        return "an XML or HTML text file renamed .xlsx"
    try:
        text = data[:200].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:200].decode("gb18030")
        except UnicodeDecodeError:
            return repr(data[:8])
    first = text.splitlines()[0] if text.strip() else text
    kind = "CSV" if ("," in first or "\t" in first) else "plain"
    return f"{kind} text starting {first[:40]!r}"


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
            if (b"<!" in part or b"!\x00" in part) and _DTD.search(part):
                raise UnsafeWorkbookError(
                    f"XML part {info.filename} declares a DOCTYPE or ENTITY (an entity bomb or an external "
                    "entity); an Excel workbook never has one",
                    file=path, found=info.filename, expected="XML parts without <!DOCTYPE or <!ENTITY",
                    fix="do not open this file in other programs either; ask for the workbook again",
                )
            parts[info.filename] = part
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
        if info.filename in seen:
            raise UnsafeWorkbookError(
                f"the archive lists {info.filename} twice", file=path, found=info.filename,
                expected="each part once", fix="do not open this file; ask for the workbook again",
            )
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise ProtectedWorkbookError(
                f"entry {info.filename} is encrypted (a zip password)", file=path, found=info.filename,
                expected="an unencrypted .xlsx", fix="remove the password and " + _SAVE_AS,
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
    names = {n.lower() for n in seen}
    if "xl/vbaproject.bin" in names or any(n.endswith("vbaproject.bin") for n in names):
        raise MacroWorkbookError(
            "the workbook contains VBA macros (xl/vbaProject.bin): a macro-enabled workbook renamed .xlsx",
            file=path, found="xl/vbaProject.bin",
            expected="a plain .xlsx without macros (macros are never run here, and Excel refuses such a file)",
            fix=_SAVE_AS + " (this drops the macros)",
        )


# ---- the workbook's own parts -------------------------------------------------------------------
#
# workbook.xml, its relationships and styles.xml are read with regular expressions over
# attributes, not with an XML parser: no entity can be expanded (and <!DOCTYPE is refused above),
# and it is ten times faster than building a tree for three small parts of every workbook.

_RELATIONSHIP: Final = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_SHEET: Final = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_NUMFMT: Final = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_CELLXFS: Final = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?cellXfs>)", re.S)
_XF: Final = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)/?>")


def _resolve(base: str, target: str) -> str:
    """A relationship target relative to the part ``base`` (``xl/workbook.xml``) → a zip entry name."""
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
    for match in _RELATIONSHIP.finditer(parts.get(rels_name, b"")):
        attrs = _attrs(match.group(1))
        rel_id, target = _text(attrs.get(b"Id")), _text(attrs.get(b"Target"))
        if rel_id and target and attrs.get(b"TargetMode") != b"External":
            out[rel_id] = (_text(attrs.get(b"Type")) or "", _resolve(part, target))
    return out


def _scan_workbook(path: Path, parts: dict[str, bytes], wanted: Callable[[str], bool]) -> PackageInfo:
    main = next((target for kind, target in _rels(parts, "").values() if kind.endswith("/officeDocument")),
                "xl/workbook.xml")
    if main not in parts:
        raise unreadable(path, f"the workbook part {main} is missing")
    rels = _rels(parts, main)
    states: dict[str, str] = {}
    targets: dict[str, str] = {}
    for match in _SHEET.finditer(parts[main]):
        attrs = _attrs(match.group(1))
        name = _text(attrs.get(b"name")) or ""
        states[name] = _text(attrs.get(b"state")) or "visible"
        rel = rels.get(_text(attrs.get(b"id")) or "")
        if rel:
            targets[name] = rel[1]
    styles = next((target for kind, target in rels.values() if kind.endswith("/styles")), None)
    percent = _percent_styles(parts[styles]) if styles in parts else set()
    scans = {}
    for name, part in targets.items():
        if wanted(name) and part in parts:
            scans[name] = scan_sheet(name, part, parts[part], states[name], percent)
    return PackageInfo(path, states, scans)


_BUILTIN_PERCENT: Final = {9, 10}


def _percent_styles(styles: bytes) -> set[int]:
    """Indices of cellXfs whose number format shows a percentage (0%, 0.00%, or a custom format with %)."""
    custom: set[int] = set()
    if b"%" in styles:
        for match in _NUMFMT.finditer(styles):
            attrs = _attrs(match.group(1))
            code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", _text(attrs.get(b"formatCode")) or "")
            if "%" in code:
                custom.add(int(attrs.get(b"numFmtId") or -1))
    xfs = _CELLXFS.search(styles)
    if xfs is None or xfs.group(1) is None:
        return set()
    formats = [int(_attrs(m.group(1)).get(b"numFmtId") or 0) for m in _XF.finditer(xfs.group(1))]
    return {i for i, fmt in enumerate(formats) if fmt in _BUILTIN_PERCENT or fmt in custom}


# ---- worksheet XML ------------------------------------------------------------------------------


def column_index(letters: str) -> int:
    """'A' → 0, 'AA' → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letters(index: int) -> str:
    """0 → 'A', 26 → 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {m.group(1).rpartition(b":")[2]: (m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(raw)}


_XML_ENTITY: Final = re.compile(r"&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|quot|apos|amp));")
_NAMED: Final = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


def _unescape(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def _text(raw: bytes | None) -> str | None:
    """An attribute value or element text, XML references resolved (&amp; and &#22522; alike)."""
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    return _XML_ENTITY.sub(_unescape, text) if "&" in text else text


def scan_sheet(name: str, part: str, xml: bytes, state: str = "visible", percent: set[int] | None = None) -> SheetScan:
    """Formula and error cells, hidden rows/columns, merges and percent-formatted cells of one worksheet."""
    scan = SheetScan(name, part, state)
    if b"mergeCell" in xml:
        for match in _MERGE.finditer(xml):
            ref = match.group(1).decode()
            first, _, last = ref.partition(":")
            first_col, first_row = _split_ref(first)
            last_col, last_row = _split_ref(last or first)
            scan.merged.append((first_row, first_col, last_row, last_col))
    if b"hidden" in xml:
        for match in _COL_ELEMENT.finditer(xml):
            attrs = _attrs(match.group(1))
            if attrs.get(b"hidden") in _TRUE:
                low, high = int(attrs.get(b"min", b"1")), int(attrs.get(b"max", b"1"))
                scan.hidden_columns.update(range(low - 1, min(high, 16384)))
    percent = percent or set()
    formulas = (b"<f" in xml or b":f" in xml) and _FORMULA_OPEN.search(xml) is not None
    if formulas or b't="e"' in xml or b"t='e'" in xml or b"hidden" in xml or percent:
        _scan_cells(scan, xml, percent)
    return scan


def _split_ref(ref: str) -> tuple[int, int]:
    match = _REF.match(ref)
    if not match:
        return 0, 0
    return column_index(match.group(1)), int(match.group(2))


def _scan_cells(scan: SheetScan, xml: bytes, percent: set[int]) -> None:
    """Walk rows and cells in order (the r attribute is optional in OOXML: positions are implied)."""
    row = 0
    col = -1
    pos = 0
    while True:
        match = _TOKEN.search(xml, pos)
        if match is None:
            return
        pos = match.end()
        kind = match.group(1)
        if kind is None:  # </row>
            continue
        attrs = _attrs(match.group(2))
        if kind == b"row":
            row = int(attrs[b"r"]) if b"r" in attrs else row + 1
            col = -1
            if attrs.get(b"hidden") in _TRUE:
                scan.hidden_rows.add(row)
            continue
        ref = attrs.get(b"r")
        if ref is not None:
            col, cell_row = _split_ref(ref.decode())
            row = cell_row or row
        else:
            col += 1
        body = b""
        if not match.group(3):  # not self-closing: the body runs to </c>
            end = _CELL_END.search(xml, pos)
            if end is None:
                return
            body = xml[pos:end.start()]
            pos = end.end()
        if percent and attrs.get(b"s") is not None and int(attrs[b"s"]) in percent:
            scan.percent_cells.add((row, col))
        is_error = attrs.get(b"t") == b"e"
        f_match = _F_ELEMENT.search(body) if b"f" in body else None
        if f_match is None and not is_error:
            continue
        v_match = _V_ELEMENT.search(body)
        cached = _text(v_match.group(1)) if v_match else None
        if cached == "" and attrs.get(b"t") not in (b"str", b"inlineStr"):
            cached = None  # <v></v> on a number cell: openpyxl's way of writing a formula it never calculated
        formula = _text(f_match.group(1)) if f_match else None
        scan.formulas.append(FormulaCell(f"{column_letters(col)}{row}", row, col, formula, cached, is_error))
