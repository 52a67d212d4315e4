"""Which encoding a text file is in: UTF-8, GB18030 (which includes GBK and GB2312), or UTF-16 with a BOM.

Reports saved on Chinese Windows are often GBK; Notepad's "Unicode" is UTF-16 with a BOM. The
encoding is decided, never guessed: a BOM says UTF-8 or UTF-16; otherwise the text must decode
as UTF-8, else as GB18030, completely. Text that decodes in none is refused with the byte and
line where decoding stopped. The caller is told which encoding was used.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from perfeval_utils.errors import ReportTextError

__all__ = ["MAX_TEXT_BYTES", "decode_text", "read_text_file"]

#: A report's text is tens of kilobytes; a saved web page a few megabytes.
MAX_TEXT_BYTES = 32 * 1024 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE (BOM)"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE (BOM)"))
_TRIED = ("utf-8", "gb18030")
NEWLINE = b"\n"


def decode_text(raw: bytes, path: str | Path) -> tuple[str, str]:
    """The text and the name of the encoding it was decoded with."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return _checked(raw.decode(codec), path, name), name
            except UnicodeDecodeError as exc:
                raise _undecodable(raw, path, [(name, exc)]) from exc
    failures: list[tuple[str, UnicodeDecodeError]] = []
    for codec in _TRIED:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            failures.append((codec.upper(), exc))
            continue
        return _checked(text, path, codec.upper()), codec.upper()
    raise _undecodable(raw, path, failures)


def read_text_file(path: str | Path) -> tuple[str, str]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise ReportTextError(f"the file is too large to be a report's text ({size:,} bytes)", file=path,
                                  expected=f"at most {MAX_TEXT_BYTES:,} bytes", fix="check that this is the right file")
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportTextError(f"cannot read the report text ({exc.strerror or exc})", file=path,
                              fix="check the path") from exc
    return decode_text(raw, path)


def _checked(text: str, path: str | Path, name: str) -> str:
    if "\x00" in text:
        at = text.index("\x00")
        raise ReportTextError(
            f"a binary file, not the report's text (a NUL character after decoding as {name})", file=path,
            place=f"第{text.count(chr(10), 0, at) + 1}行", expected="text in UTF-8, GB18030/GBK or UTF-16 with a BOM",
            fix="save the report as text (UTF-8), or read the document itself (perfeval import)",
        )
    return text


def _undecodable(raw: bytes, path: str | Path, failures: list[tuple[str, UnicodeDecodeError]]) -> ReportTextError:
    first = failures[0][1].start
    stops = ", ".join(f"{name} at byte {exc.start}" for name, exc in failures)
    return ReportTextError(
        "not UTF-8 text, nor GB18030/GBK, nor UTF-16 with a BOM", file=path,
        place=f"第{raw.count(NEWLINE, 0, first) + 1}行, byte {first}", found=raw[first:first + 8].hex(" "),
        expected=f"text in one of UTF-8, GB18030/GBK, UTF-16 with a BOM (decoding stopped: {stops})",
        fix="open it in a text editor and save it as UTF-8",
    )
