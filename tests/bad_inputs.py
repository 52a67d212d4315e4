"""A corpus of malformed and hostile workbooks, each a realistic mistake, with its exact outcome.

Every :class:`Case` builds one file in a folder and states what ``load_report`` must do with it:
:class:`Loads` (with exactly the listed warnings, and optional checks of the loaded figures) or
:class:`Raises` (the exact PerfevalError subclass, the sheet, row and column it names, and a
phrase of the message). ``tests/test_bad_inputs.py`` asserts each; docs/bad-inputs.md explains
the decisions. These extend tests/test_workbook_errors.py and do not repeat its cases.

Write the whole corpus to a folder to look at the files in Excel or WPS::

    .venv/bin/python -m tests.bad_inputs build/bad-inputs
"""

from __future__ import annotations

import functools
import io
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from perfeval_utils.errors import (
    AmbiguousValueError,
    CellTypeError,
    DuplicateIdError,
    DuplicateSheetError,
    FormulaError,
    MacroWorkbookError,
    MergedCellError,
    MissingColumnError,
    MissingSheetError,
    NotAWorkbookError,
    ProtectedWorkbookError,
    UnexpectedColumnError,
    UnknownValueError,
    UnsafeWorkbookError,
    WorkbookError,
)
from perfeval_utils.read.workbook import Report

from .builders import Rows, valid_sheets

Sheets = dict[str, Rows]
Build = Callable[[Path], Path]
#: openpyxl writes the sheets in order as sheet1.xml … ; the part of each sheet of valid_sheets().
PART = {title: f"xl/worksheets/sheet{i}.xml" for i, title in enumerate(valid_sheets(), start=1)}
GIB = 1024 * 1024 * 1024


# ---- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loads:
    """The workbook loads; its warnings are exactly these (code, sheet, row, column); ``check`` passes."""

    warnings: tuple[tuple[str, str | None, int | None, str | None], ...] = ()
    check: Callable[[Report], Any] | None = None


@dataclass(frozen=True)
class Raises:
    """load_report raises exactly ``error`` naming this sheet, row and column; the message contains ``needle``."""

    error: type[WorkbookError]
    sheet: str | None
    row: int | None
    column: str | None
    needle: str


@dataclass(frozen=True)
class Case:
    id: str
    mistake: str  # what the person (or program) did
    build: Build = field(repr=False)
    outcome: Loads | Raises
    hostile: bool = False  # a deliberately hostile file: also timed and memory-measured


# ---- building blocks ------------------------------------------------------------------------------


def workbook_bytes(sheets: Sheets, post: Callable[[Workbook], None] | None = None) -> bytes:
    """The sheets written with openpyxl (rows from A1, None as an empty cell), then ``post`` applied."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if post is not None:
        post(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patched(data: bytes, patches: dict[str, Callable[[bytes], bytes]]) -> bytes:
    parts = entries(data)
    for name, patch in patches.items():
        before = parts.get(name, b"")
        parts[name] = patch(before)
        assert parts[name] != before, f"patch of {name} changed nothing"
    return rezip(parts)


def replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def patch(xml: bytes) -> bytes:
        assert old in xml, f"{old!r} not in part"
        return xml.replace(old, new, 1)

    return patch


def xlsx(name: str, mutate: Callable[[Sheets], None] | None = None, post: Callable[[Workbook], None] | None = None,
         patches: dict[str, Callable[[bytes], bytes]] | None = None, sheets: Sheets | None = None) -> Build:
    """A build: valid_sheets() mutated, written with openpyxl, post-processed, XML parts patched."""

    def build(folder: Path) -> Path:
        content = sheets if sheets is not None else valid_sheets()
        if mutate is not None:
            mutate(content)
        data = workbook_bytes(content, post)
        if patches:
            data = patched(data, patches)
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def raw(name: str, make: Callable[[], bytes]) -> Build:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make())
        return path

    return build


def cell(sheet: str, row: int, column: int, value: object) -> Callable[[Sheets], None]:
    """Put ``value`` at Excel row ``row`` (1-based), 0-based ``column``."""

    def mutate(sheets: Sheets) -> None:
        target = sheets[sheet][row - 1]
        target.extend([None] * (column + 1 - len(target)))
        target[column] = value

    return mutate


def both(*mutations: Callable[[Sheets], None]) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        for mutation in mutations:
            mutation(sheets)

    return mutate


def valid_bytes() -> bytes:
    return workbook_bytes(valid_sheets())


# ---- files that are not zip archives ------------------------------------------------------------


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed OLE2/CFB container (v3, 512-byte sectors) holding ``streams``.

    This is the container of a password-protected .xlsx (streams EncryptionInfo and
    EncryptedPackage) and of a legacy .xls (stream Workbook). Streams are padded to 4096 bytes
    so that they live in the regular FAT, not the mini stream.
    """
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB sibling order
    data_sectors: list[bytes] = []
    fat = [fat_sector, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for name in names:
        body = streams[name].ljust(4096, b"\0")
        count = -(-len(body) // 512)
        first = 2 + len(data_sectors)
        starts.append((first, len(streams[name])))
        for i in range(count):
            data_sectors.append(body[i * 512:(i + 1) * 512].ljust(512, b"\0"))
            fat.append(first + i + 1 if i < count - 1 else end)
    assert len(fat) <= 128
    fat_bytes = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<III", start, size, 0))

    directory = entry("Root Entry", 5, no_stream, no_stream, 1, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else no_stream
        directory += entry(name, 2, no_stream, right, no_stream, *starts[i])
    directory = directory.ljust(512, b"\0")
    assert len(directory) == 512, "at most three streams"
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))
    assert len(header) == 512
    return header + fat_bytes + directory + b"".join(data_sectors)


def encrypted_xlsx() -> bytes:
    # EncryptionInfo of agile encryption starts with version 4.4 and flags 0x40; the package is opaque.
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + bytes(range(256)) * 30})


def legacy_xls() -> bytes:
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0406)
    return compound_file({"Workbook": bof + struct.pack("<HH", 0x000A, 0)})


# ---- hostile archives ---------------------------------------------------------------------------


def raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, stored bytes, method, crc, declared size) as given: sizes and CRCs may lie."""
    out = bytearray()
    central = bytearray()
    for name, stored, method, crc, size in members:
        offset = len(out)
        encoded = name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, method, 0, 0x21, crc, len(stored), size,
                           len(encoded), 0) + encoded + stored
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, method, 0, 0x21, crc, len(stored),
                               size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    count = len(members)
    return bytes(out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0))


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def members_of(data: bytes) -> list[tuple[str, bytes, int, int, int]]:
    return [(name, deflated(body), zipfile.ZIP_DEFLATED, zlib.crc32(body), len(body))
            for name, body in entries(data).items()]


@functools.lru_cache(maxsize=1)
def _spaces_bomb(size: int = GIB) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` blanks (~1 MB) and its CRC, built without holding the blanks."""
    chunk = b" " * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # state reset: every block is the same
    count = size // len(chunk)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return block * count + b"\x03\x00", crc  # + an empty final block


def zip_bomb() -> bytes:
    """The worksheet 预算 replaced by 1 GiB of blanks: 1 MB on disk, honest sizes in the directory."""
    stream, crc = _spaces_bomb()
    return raw_zip([(n, s, m, c, z) if n != PART["预算"] else (n, stream, zipfile.ZIP_DEFLATED, crc, GIB)
                    for n, s, m, c, z in members_of(valid_bytes())])


def lying_zip_bomb() -> bytes:
    """The same 1 GiB of blanks, but the zip directory claims the part holds 2,000 bytes."""
    stream, crc = _spaces_bomb()
    return raw_zip([(n, s, m, c, z) if n != PART["预算"] else (n, stream, zipfile.ZIP_DEFLATED, crc, 2000)
                    for n, s, m, c, z in members_of(valid_bytes())])


def many_entries() -> bytes:
    empty = deflated(b"")
    padding = [(f"xl/media/pad{i}.bin", empty, zipfile.ZIP_DEFLATED, 0, 0) for i in range(3000)]
    return raw_zip(members_of(valid_bytes()) + padding)


def duplicate_entry() -> bytes:
    members = members_of(valid_bytes())
    sheet = next(m for m in members if m[0] == PART["预算"])
    return raw_zip([*members, sheet])


BILLION_LAUGHS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE worksheet [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (b"" if i == 1 else str(i - 1).encode())) * 10)
                             for i in range(1, 10))
                  + b"]>")


def entity_bomb() -> bytes:
    """Billion laughs in the 预算 worksheet: 10⁹ "lol"s (3 GB) if a parser expanded &lol9;."""
    def patch(xml: bytes) -> bytes:
        cell, count = re.subn(rb'(<c r="B2" t="inlineStr"><is><t>)[^<]*', rb"\1&lol9;", xml, count=1)
        assert count == 1
        return BILLION_LAUGHS + cell

    return patched(valid_bytes(), {PART["预算"]: patch})


def external_entity() -> bytes:
    xxe = b'<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return patched(valid_bytes(), {"xl/workbook.xml": lambda xml: xxe + xml})


def utf16_doctype() -> bytes:
    app = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Properties>&a;</Properties>'
    return patched(valid_bytes(), {"docProps/app.xml": lambda _: app.encode("utf-16")})


def with_macros(data: bytes) -> bytes:
    parts = entries(data)
    parts["xl/vbaProject.bin"] = compound_file({"VBA": b"Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nEnd Sub"})
    return rezip(parts)


def truncated(fraction: float) -> Callable[[], bytes]:
    def make() -> bytes:
        data = valid_bytes()
        return data[: int(len(data) * fraction)]

    return make


def corrupted() -> bytes:
    """One byte flipped inside the compressed data of the 指标 worksheet (a bad USB stick, a bad download)."""
    data = bytearray(valid_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(PART["指标"])
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    return bytes(data)


def zipped_workbook() -> bytes:
    """The workbook put in a .zip (压缩包) and the .zip renamed .xlsx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("黄埔区总工会2022.xlsx", valid_bytes())
    return buffer.getvalue()


# ---- post-processing with openpyxl ---------------------------------------------------------------


def merge(sheet: str, ref: str) -> Callable[[Workbook], None]:
    return lambda book: book[sheet].merge_cells(ref)


def hide_row(sheet: str, row: int) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        book[sheet].row_dimensions[row].hidden = True

    return post


def hide_column(sheet: str, letter: str) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        book[sheet].column_dimensions[letter].hidden = True

    return post


def hide_sheet(sheet: str) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        book[sheet].sheet_state = "hidden"

    return post


def number_format(sheet: str, ref: str, fmt: str) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        book[sheet][ref].number_format = fmt

    return post


def add_sheet(title: str, rows: Rows) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)

    return post


def rename_sheet(old: str, new: str) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        book[old].title = new

    return post


def title_row(sheet: str, title: str, width: int) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        sheets[sheet].insert(0, [title] + [None] * (width - 1))

    return mutate


def merged_title(sheet: str, ref: str) -> Callable[[Workbook], None]:
    return merge(sheet, ref)


# ---- checks on loaded figures -------------------------------------------------------------------


def budget_value(row: int, column: str, expected: str) -> Callable[[Report], None]:
    def check(report: Report) -> None:
        frame = report.budget.set_index("excel_row")
        assert frame.loc[row, column] == Decimal(expected), (frame.loc[row, column], expected)
        assert str(frame.loc[row, column]) == expected

    return check


def frame_value(frame: str, row: int, column: str, expected: Any) -> Callable[[Report], None]:
    def check(report: Report) -> None:
        value = getattr(report, frame).set_index("excel_row").loc[row, column]
        assert value == expected, (value, expected)

    return check


def meta_value(key: str, expected: Any) -> Callable[[Report], None]:
    def check(report: Report) -> None:
        assert report.meta[key] == expected, (report.meta[key], expected)

    return check


def loaded_rows(frame: str, rows: list[int]) -> Callable[[Report], None]:
    def check(report: Report) -> None:
        assert getattr(report, frame)["excel_row"].tolist() == rows

    return check


# ---- the corpus -----------------------------------------------------------------------------------

B, K, T, M, C = "预算", "指标", "任务", "基本信息", "文中数据"

CASES: list[Case] = [
    # -- headers and sheet names ---------------------------------------------------------------------
    Case("header-with-unit", "the unit typed into the header: 预算数（万元）",
         xlsx("header-with-unit.xlsx", cell(B, 1, 2, "预算数（万元）")),
         Raises(UnexpectedColumnError, B, 1, "预算数(万元)", "write 预算数")),
    Case("header-kangxi-radical", "header pasted from a PDF: 项⽬ with the Kangxi radical ⽬ (U+2F6C)",
         xlsx("header-kangxi.xlsx", cell(B, 1, 1, "项\u2f6c")), Loads()),
    Case("header-zero-width-space", "header pasted from a web page with a zero-width space: 编号\\u200b",
         xlsx("header-zwsp.xlsx", cell(K, 1, 0, "编号\u200b")), Loads()),
    Case("header-line-break", "Alt+Enter inside a header: 报告\\n执行率",
         xlsx("header-newline.xlsx", cell(B, 1, 5, "报告\n执行率")), Loads()),
    Case("header-traditional", "header typed in traditional characters: 預算數",
         xlsx("header-traditional.xlsx", cell(B, 1, 2, "預算數")),
         Raises(UnexpectedColumnError, B, 1, "預算數", "unknown column header")),
    Case("missing-kpi-id-column", "the 编号 column of 指标 deleted",
         xlsx("no-kpi-id.xlsx", lambda s: [r.pop(0) for r in s[K]] and None),
         Raises(MissingColumnError, K, 1, "编号", "required column is missing")),
    Case("meta-without-source-column", "基本信息 without its optional 出处 column",
         xlsx("meta-no-source.xlsx", lambda s: [r.pop(2) for r in s[M]] and None),
         Loads(check=lambda r: r.meta_sources["department"] is None)),
    Case("sheet-name-trailing-space", "sheet named 「预算 」 (a trailing blank)",
         xlsx("sheet-blank.xlsx", post=rename_sheet(B, "预算 ")),
         Loads(warnings=(("sheet-name", "预算 ", None, None),))),
    Case("sheet-name-different", "sheet named 预算表 instead of 预算",
         xlsx("sheet-renamed.xlsx", post=rename_sheet(B, "预算表")),
         Raises(MissingSheetError, B, None, None, "required sheet「预算」is missing")),
    Case("two-sheets-same-name", "two sheets 预算 and 「预算 」 (an old copy kept)",
         xlsx("two-budgets.xlsx", post=add_sheet("预算 ", valid_sheets()[B])),
         Raises(DuplicateSheetError, "预算 ", None, None, "two sheets are named 预算")),
    Case("extra-sheet", "an extra sheet 说明 with notes for colleagues",
         xlsx("extra-sheet.xlsx", post=add_sheet("说明", [["请于5月底前填报"]])),
         Loads(warnings=(("ignored-sheet", "说明", None, None),))),
    Case("optional-sheet-missing-but-referenced", "任务 sheet deleted while 指标 rows still say 范围 = 任务1",
         xlsx("no-tasks.xlsx", lambda s: s.pop(T) and None),
         Raises(UnknownValueError, K, 4, "范围", "none listed")),
    Case("title-row-above-headers", "a merged title row 「2022年预算执行情况」 above the headers (printed-form habit)",
         xlsx("title-row.xlsx", title_row(B, "黄埔区总工会2022年预算执行情况表", 7), post=merged_title(B, "A1:G1")),
         Raises(MissingColumnError, B, 1, None, "the headers are in row 2")),
    Case("empty-workbook", "a new, empty workbook saved as .xlsx (one blank sheet)",
         raw("empty-book.xlsx", lambda: workbook_bytes({"Sheet1": []})),
         Raises(MissingSheetError, M, None, None, "required sheet「基本信息」is missing")),
    Case("empty-sheets", "the six sheets created but nothing typed in them",
         xlsx("empty-sheets.xlsx", sheets={t: [] for t in (M, B, K, T, C, "核对")}),
         Raises(MissingColumnError, M, 1, "字段", "the header row (row 1) is empty")),
    # -- amounts and numbers ----------------------------------------------------------------------
    Case("number-stored-as-text", "an amount stored as text '1415.43' (imported from another system)",
         xlsx("number-text.xlsx", cell(B, 2, 2, "1415.43")),
         Loads(warnings=(("number-as-text", B, 2, "预算数"),), check=budget_value(2, "budget", "1415.43"))),
    Case("number-as-text-nbsp", "an amount pasted from a web page: '1390.69\\xa0' (no-break space)",
         xlsx("number-nbsp.xlsx", cell(B, 2, 3, "1390.69\u00a0")),
         Loads(warnings=(("number-as-text", B, 2, "执行数"),), check=budget_value(2, "executed", "1390.69"))),
    Case("count-as-text", "报告指标数 typed as text '8'", xlsx("count-text.xlsx", cell(T, 2, 4, "8")),
         Loads(warnings=(("number-as-text", T, 2, "报告指标数"),),
               check=frame_value("tasks", 2, "stated_indicators", 8))),
    Case("full-width-digits", "an amount typed with the IME in full-width mode: １４１５．４３",
         xlsx("full-width.xlsx", cell(B, 2, 2, "１４１５．４３")),
         Raises(CellTypeError, B, 2, "预算数", "text where a number belongs")),
    Case("space-thousands-separator", "an amount with a blank as thousands separator: '1 415.43'",
         xlsx("space-thousands.xlsx", cell(B, 2, 2, "1 415.43")),
         Raises(CellTypeError, B, 2, "预算数", "text where a number belongs")),
    Case("hyphen-for-amount", "a hyphen for 'nothing': '-'", xlsx("hyphen.xlsx", cell(B, 4, 3, "-")),
         Raises(CellTypeError, B, 4, "执行数", "text where a number belongs")),
    Case("slash-for-amount", "a slash for 'not applicable': '/'", xlsx("slash.xlsx", cell(T, 3, 3, "/")),
         Raises(CellTypeError, T, 3, "资金", "text where a number belongs")),
    Case("amount-with-yuan-unit", "an amount with its unit in 任务 资金: '46.72万元'",
         xlsx("task-unit.xlsx", cell(T, 2, 3, "46.72万元")), Raises(CellTypeError, T, 2, "资金", "46.72万元")),
    Case("amount-formatted-as-date", "an amount cell formatted as a date (shows 1903-10-21)",
         xlsx("date-format.xlsx", post=number_format(B, "D3", "yyyy-mm-dd")),
         Raises(CellTypeError, B, 3, "执行数", "a date where a number belongs")),
    Case("boolean-in-weight", "TRUE typed in 分值", xlsx("boolean.xlsx", cell(K, 4, 8, True)),
         Raises(CellTypeError, K, 4, "分值", "not a number")),
    Case("float-artefact", "执行数 stored as 1390.6899999999998 (a program summed floats and wrote the result)",
         xlsx("float-noise.xlsx", patches={PART[B]: replace(b"<v>1390.69</v>", b"<v>1390.6899999999998</v>")}),
         Loads(warnings=(("float-artefact", B, 2, "执行数"),), check=budget_value(2, "executed", "1390.69"))),
    Case("zero-width-in-total", "维度 「合计」 pasted with a trailing zero-width space",
         xlsx("total-zwsp.xlsx", cell(B, 2, 0, "合计\u200b")),
         Loads(warnings=(("format-character", B, 2, "维度"),), check=budget_value(2, "budget", "1415.43"))),
    # -- rates, units, amounts that do not add up ----------------------------------------------------
    Case("rate-fraction-next-to-percent", "报告执行率 0.9825 in one row, 98.25 in another (fraction typed as is)",
         xlsx("rate-fraction.xlsx", cell(B, 3, 5, 0.9825)),
         Raises(AmbiguousValueError, B, 3, "报告执行率", "type 98.25")),
    Case("rate-percent-formatted", "报告执行率 typed as 98.25% into a percent-formatted cell (Excel stores 0.9825)",
         xlsx("rate-percent-format.xlsx", cell(B, 3, 5, 0.9825), post=number_format(B, "F3", "0.00%")),
         Loads(warnings=(("percent-format", B, 3, "报告执行率"),),
               check=lambda r: r.budget.set_index("excel_row").loc[3, "stated_rate"] == Decimal("98.25"))),
    Case("rate-one-percent", "报告执行率 1 (1 % or 100 %?)", xlsx("rate-one.xlsx", cell(B, 2, 5, 1)),
         Raises(AmbiguousValueError, B, 2, "报告执行率", "ambiguous")),
    Case("yuan-line-in-wanyuan-book", "金额单位 万元, but 基本支出 entered in 元: 13199200",
         xlsx("yuan-line.xlsx", cell(B, 4, 3, 13199200)),
         Loads(warnings=(("line-above-total", B, 4, "执行数"),),
               check=budget_value(4, "executed", "13199200"))),
    Case("yuan-task-in-wanyuan-book", "任务 资金 entered in 元 (467200) in a 万元 workbook",
         xlsx("yuan-task.xlsx", cell(T, 2, 3, 467200)), Loads(warnings=(("task-above-total", T, 2, "资金"),))),
    Case("executed-above-budget", "执行数 above 预算数 on the 合计 line (1500 > 1415.43)",
         xlsx("over-budget.xlsx", cell(B, 2, 3, 1500)),
         Loads(warnings=(("executed-above-budget", B, 2, "执行数"),), check=budget_value(2, "executed", "1500"))),
    # -- duplicates ------------------------------------------------------------------------------------
    Case("duplicate-id-full-width", "编号 1 and １ (full-width) in 指标",
         xlsx("dup-fullwidth.xlsx", cell(K, 3, 0, "１")),
         Raises(DuplicateIdError, K, 3, "编号", "differ only in full-width")),
    Case("duplicate-id-number-and-text", "编号 1 typed as a number in one row and as text '1' in another",
         xlsx("dup-number-text.xlsx", both(cell(K, 2, 0, 1), cell(K, 3, 0, "1"))),
         Raises(DuplicateIdError, K, 3, "编号", "appears twice")),
    Case("duplicate-claim-id-zero-width", "文中数据 编号 C01 twice, once with a trailing zero-width space",
         xlsx("dup-claim.xlsx", cell(C, 3, 0, "C01\u200b")), Raises(DuplicateIdError, C, 3, "编号", "C01")),
    # -- formulas ----------------------------------------------------------------------------------------
    Case("formula-not-calculated", "预算数 as =1319.92+95.51 written by a program that never calculated it",
         xlsx("formula-nocache.xlsx", cell(B, 2, 2, "=1319.92+95.51")),
         Raises(FormulaError, B, 2, "预算数", "open and save in Excel")),
    Case("formula-with-cached-value", "预算数 as =1319.92+95.51, calculated and saved by Excel (cached 1415.43)",
         xlsx("formula-cached.xlsx", cell(B, 2, 2, "=1319.92+95.51"),
              patches={PART[B]: replace(b"<f>1319.92+95.51</f><v></v>", b"<f>1319.92+95.51</f><v>1415.43</v>")}),
         Loads(warnings=(("formula", B, 2, "预算数"),), check=budget_value(2, "budget", "1415.43"))),
    Case("formula-cached-error", "报告执行率 =D2/C2 saved showing #DIV/0! (calamine reads it as blank)",
         xlsx("formula-error.xlsx", cell(B, 2, 5, "=D2/C2"),
              patches={PART[B]: replace(b'<c r="F2"><f>D2/C2</f><v></v>',
                                        b'<c r="F2" t="e"><f>D2/C2</f><v>#DIV/0!</v>')}),
         Raises(FormulaError, B, 2, "报告执行率", "#DIV/0!")),
    Case("shared-formula-not-calculated", "资金 filled down as a shared formula, never calculated",
         xlsx("shared-formula.xlsx", patches={PART[T]: replace(
             b'<c r="D3" t="n"><v>46.2</v></c>', b'<c r="D3"><f t="shared" si="0"/></c>')}),
         Raises(FormulaError, T, 3, "资金", "with no calculated value")),
    Case("formula-in-meta", "年度 as =2021+1, calculated (cached 2022)",
         xlsx("meta-formula.xlsx", cell(M, 3, 1, "=2021+1"),
              patches={PART[M]: replace(b"<f>2021+1</f><v></v>", b"<f>2021+1</f><v>2022</v>")}),
         Loads(warnings=(("formula", M, 3, "值"),), check=meta_value("year", 2022))),
    Case("formula-in-ignored-sheet", "an uncalculated formula in an extra sheet the loader does not read",
         xlsx("formula-elsewhere.xlsx", post=add_sheet("草稿", [["=SUM(1,2)"]])),
         Loads(warnings=(("ignored-sheet", "草稿", None, None),))),
    # -- merged, hidden ------------------------------------------------------------------------------------
    Case("merged-category-column", "一级指标 merged over rows 2–3 in 指标 (both 产出), as printed forms do",
         xlsx("merged-category.xlsx", post=merge(K, "C2:C3")),
         Raises(MergedCellError, K, 3, "一级指标", "C2:C3")),
    Case("merged-across-columns", "偏差原因 merged with 出处 in row 3 of 指标 (a long reason)",
         xlsx("merged-across.xlsx", post=merge(K, "K3:L3")), Raises(MergedCellError, K, 3, "出处", "K3:L3")),
    Case("merged-blank-cells", "二级指标 cells merged while all blank",
         xlsx("merged-blank.xlsx", post=merge(K, "D2:D4")), Loads()),
    Case("hidden-row", "row 3 of 指标 hidden (an indicator someone wanted out of sight)",
         xlsx("hidden-row.xlsx", post=hide_row(K, 3)),
         Loads(warnings=(("hidden-rows", K, 3, None),), check=loaded_rows("kpis", [2, 3, 4]))),
    Case("hidden-column", "the 偏差原因 column of 指标 hidden", xlsx("hidden-column.xlsx", post=hide_column(K, "K")),
         Loads(warnings=(("hidden-columns", K, 1, "偏差原因"),))),
    Case("hidden-sheet", "the 任务 sheet hidden", xlsx("hidden-sheet.xlsx", post=hide_sheet(T)),
         Loads(warnings=(("hidden-sheet", T, None, None),), check=loaded_rows("tasks", [2, 3]))),
    # -- not an .xlsx --------------------------------------------------------------------------------------
    Case("password-protected", "the workbook saved with a password to open (an encrypted OLE2 container)",
         raw("protected.xlsx", encrypted_xlsx), Raises(ProtectedWorkbookError, None, None, None, "password-protected")),
    Case("xls-renamed-xlsx", "an Excel 97–2003 .xls renamed to .xlsx", raw("old.xlsx", legacy_xls),
         Raises(ProtectedWorkbookError, None, None, None, "legacy Excel 97–2003 .xls")),
    Case("real-xls", "an Excel 97–2003 .xls sent as it is", raw("old.xls", legacy_xls),
         Raises(NotAWorkbookError, None, None, None, "legacy Excel 97–2003 workbook (.xls)")),
    Case("xlsm", "a macro-enabled workbook (.xlsm)", raw("macro.xlsm", lambda: with_macros(valid_bytes())),
         Raises(MacroWorkbookError, None, None, None, "macro-enabled workbook (.xlsm)")),
    Case("xlsm-renamed-xlsx", "a macro-enabled workbook renamed .xlsx (xl/vbaProject.bin inside)",
         raw("macro.xlsx", lambda: with_macros(valid_bytes())),
         Raises(MacroWorkbookError, None, None, None, "VBA macros")),
    Case("html-renamed-xlsx", "an 'Excel' export from a web system that is an HTML table",
         raw("export.xlsx", lambda: "<html><body><table><tr><td>维度</td></tr></table></body></html>".encode()),
         Raises(NotAWorkbookError, None, None, None, "web page (HTML)")),
    Case("xml-2003-renamed-xlsx", "an XML Spreadsheet 2003 file renamed .xlsx",
         raw("xml2003.xlsx", lambda: b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
             b'spreadsheet"></Workbook>'), Raises(NotAWorkbookError, None, None, None, "XML Spreadsheet 2003")),
    Case("gbk-csv-renamed-xlsx", "a CSV in GB18030 (the Chinese Windows default) renamed .xlsx",
         raw("gbk.xlsx", lambda: "维度,项目,预算数\n合计,部门整体支出,1415.43\n".encode("gb18030")),
         Raises(NotAWorkbookError, None, None, None, "CSV text")),
    Case("pdf-renamed-xlsx", "the printed report (PDF) saved under the workbook's name",
         raw("report.xlsx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
         Raises(NotAWorkbookError, None, None, None, "PDF")),
    Case("zip-of-workbook", "the workbook sent inside a .zip, the .zip renamed .xlsx",
         raw("zipped.xlsx", zipped_workbook),
         Raises(NotAWorkbookError, None, None, None, "workbook part xl/workbook.xml is missing")),
    Case("truncated-90-percent", "a download cut off at 90 % (the zip directory is lost)",
         raw("cut90.xlsx", truncated(0.9)), Raises(NotAWorkbookError, None, None, None, "cannot be read")),
    Case("corrupted-byte", "one byte flipped inside the 指标 sheet's data", raw("flipped.xlsx", corrupted),
         Raises(NotAWorkbookError, None, None, None, "cannot be read")),
    # -- hostile ----------------------------------------------------------------------------------------------
    Case("zip-bomb", "1 GiB of blanks as the 预算 sheet, 1 MB on disk", raw("zip-bomb.xlsx", zip_bomb),
         Raises(UnsafeWorkbookError, None, None, None, "zip bomb"), hostile=True),
    Case("zip-bomb-lying-sizes", "the same bomb, its zip directory claiming 2,000 bytes",
         raw("zip-bomb-lying.xlsx", lying_zip_bomb), Raises(UnsafeWorkbookError, None, None, None, "false sizes"),
         hostile=True),
    Case("too-many-entries", "3,000 extra entries in the archive", raw("many-entries.xlsx", many_entries),
         Raises(UnsafeWorkbookError, None, None, None, "entries"), hostile=True),
    Case("duplicate-zip-entry", "the 预算 sheet twice in the archive (two readers may pick different ones)",
         raw("duplicate-entry.xlsx", duplicate_entry), Raises(UnsafeWorkbookError, None, None, None, "twice"),
         hostile=True),
    Case("entity-bomb", "billion laughs: nested XML entities in the 预算 sheet",
         raw("entity-bomb.xlsx", entity_bomb), Raises(UnsafeWorkbookError, None, None, None, "DOCTYPE or ENTITY"),
         hostile=True),
    Case("external-entity", "an external entity (file:///etc/passwd) declared in xl/workbook.xml",
         raw("xxe.xlsx", external_entity), Raises(UnsafeWorkbookError, None, None, None, "DOCTYPE or ENTITY"),
         hostile=True),
    Case("utf16-doctype", "a DOCTYPE hidden in a UTF-16 encoded part (docProps/app.xml)",
         raw("utf16-doctype.xlsx", utf16_doctype), Raises(UnsafeWorkbookError, None, None, None, "DOCTYPE or ENTITY"),
         hostile=True),
]


def judge(case: Case, path: Path) -> str:
    """Load ``path`` and assert the case's exact outcome; 'loads', 'warning' or 'refused' when it holds."""
    from perfeval_utils import PerfevalError, load_report

    outcome = case.outcome
    if isinstance(outcome, Raises):
        try:
            load_report(path)
        except PerfevalError as exc:
            assert type(exc) is outcome.error, f"{type(exc).__name__}: {exc}"
            assert (exc.sheet, exc.row, exc.column) == (outcome.sheet, outcome.row, outcome.column), str(exc)
            message = str(exc)
            assert path.name in message and outcome.needle in message, message
            for part, value in (("工作表「{}」", exc.sheet), ("第 {} 行", exc.row), ("列「{}」", exc.column)):
                if value is not None:
                    assert part.format(value) in message, message
            assert "expected" in message or "fix" in message, message
            return "refused"
        raise AssertionError(f"loaded, expected {outcome.error.__name__}")
    report = load_report(path)
    got = sorted((w.code, w.sheet, w.row, w.column) for w in report.warnings)
    assert got == sorted(outcome.warnings), [w.message for w in report.warnings]
    for warning in report.warnings:
        assert path.name in warning.message
    if outcome.check is not None:
        outcome.check(report)
    return "warning" if report.warnings else "loads"


def generate(folder: Path) -> list[Path]:
    """Write every case's file into ``folder`` (one sub-folder per case: several share a file name)."""
    from .bad_inputs_more import ALL_CASES

    paths = []
    for case in ALL_CASES:
        target = folder / case.id
        target.mkdir(parents=True, exist_ok=True)
        paths.append(case.build(target))
    return paths


def markdown_rows() -> list[str]:
    """The corpus as Markdown table rows: id, mistake, outcome (docs/bad-inputs.md)."""
    from .bad_inputs_more import ALL_CASES

    rows = []
    for case in ALL_CASES:
        outcome = case.outcome
        if isinstance(outcome, Raises):
            place = ", ".join(str(p) for p in (outcome.sheet, outcome.row, outcome.column) if p is not None)
            result = f"raises `{outcome.error.__name__}`" + (f" ({place})" if place else "")
        elif outcome.warnings:
            result = "loads, warning " + "; ".join(f"`{w[0]}`" for w in outcome.warnings)
        else:
            result = "loads"
        mistake = re.sub(r"\|", "/", case.mistake)
        rows.append(f"| `{case.id}` | {mistake} | {result} |")
    return rows


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/bad-inputs")
    for written in generate(out):
        print(written)


# ---- measuring a refusal --------------------------------------------------------------------------

_CHILD = r"""
import json, resource, sys, time, tracemalloc
from perfeval_utils import PerfevalError, load_report

def high_water_kb():
    # VmHWM belongs to this process's memory map, new at exec; ru_maxrss would carry over the high-water
    # mark of the process that started this one (on Linux it survives exec), e.g. a big pytest worker.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def attempt():
    try:
        load_report(sys.argv[1])
        return "loaded"
    except PerfevalError as exc:
        return type(exc).__name__

before = high_water_kb()
start = time.perf_counter()
outcome = attempt()
elapsed = time.perf_counter() - start
after = high_water_kb()
tracemalloc.start()
attempt()
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"outcome": outcome, "seconds": elapsed, "rss_before_mb": before / 1024,
                  "rss_peak_mb": after / 1024, "python_peak_mb": peak / 2**20}))
"""


def measure(path: Path) -> dict[str, Any]:
    """Load ``path`` in a fresh interpreter: outcome, seconds, peak RSS of the process, peak Python allocation.

    ``rss_before_mb`` is the process after importing perfeval_utils (pandas included); ``rss_peak_mb``
    its high-water mark after the load; ``python_peak_mb`` what a second load allocated at most.
    """
    import json
    import subprocess

    result = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True,
                            timeout=120)
    return json.loads(result.stdout.strip().splitlines()[-1])
