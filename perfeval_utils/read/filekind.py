"""What kind of file a reader was given, before it is opened as a zip: a folder named like a workbook,
a file that cannot be opened (locked by Excel or WPS, no permission, a name too long), the wrong
suffix, empty, too large, an OLE2 container (a password-protected workbook or a legacy .xls), or
something else renamed .xlsx (CSV, HTML, XML Spreadsheet 2003, PDF). Each is a located error that
says how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from perfeval_utils.errors import MacroWorkbookError, NotAWorkbookError, ProtectedWorkbookError, UnsafeWorkbookError

#: A v1 workbook is tens of kilobytes; a thousand-row one under a megabyte.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
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
SAVE_AS = "open it in Excel or WPS and save it as Excel 工作簿 (.xlsx)"


def check_file(path: Path) -> bytes:
    """The file's bytes, once it is known to exist, be named .xlsx, be small enough and be a zip."""
    try:
        return _check_file(path)
    except OSError as exc:  # locked by Excel or WPS, no permission, a name too long, a symlink loop
        raise NotAWorkbookError(
            f"the file cannot be opened ({exc.strerror or exc})", file=path, found=type(exc).__name__,
            expected="a readable .xlsx file",
            fix="close it in Excel or WPS (a file open there is locked), check that you may read it, "
            "and shorten its name or folder if they are very long",
        ) from exc


def _check_file(path: Path) -> bytes:
    if path.is_dir():
        raise NotAWorkbookError(
            "a folder named like a workbook, not a file", file=path, found="a folder",
            expected="an .xlsx file", fix="give the workbook file itself, or the folder that holds the workbooks",
        )
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
            fix=SAVE_AS + (" (this drops the macros; they are never run here)" if suffix == ".xlsm" else ""),
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
            fix=SAVE_AS if "legacy" in kind else unlock if "password" in kind else f"{unlock}; if it is an .xls, "
            f"{SAVE_AS}",
        )
    if not data.startswith(ZIP_MAGIC):
        raise NotAWorkbookError(
            "the file is not an .xlsx workbook (an .xlsx is a zip archive; this one is not)",
            file=path,
            found=_looks_like(data),
            expected="bytes starting with PK (zip)",
            fix="if it is a CSV, a web page or an old .xls renamed to .xlsx, " + SAVE_AS,
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
