"""One meaning, one home: what a blank cell is, how an Excel number becomes an exact Decimal, and how
names are folded into matching keys. Every reader uses these, so two readers never disagree about
the same stored value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pandas as pd

#: Excel shows and keeps at most 15 significant digits; a stored float with more is binary noise.
EXCEL_DIGITS = 15
Cell = Any  # what calamine returns: str, float, int, bool, date, datetime, time, timedelta

# ---- cells ---------------------------------------------------------------------------

RATE_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[%％]?\s*$")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")
#: Invisible characters that arrive with text copied from web pages, PDFs and Word.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
BLANKS = re.compile(rf"[\s{INVISIBLE}]+")
STRIP = " \t\n\r\x0b\x0c\xa0\u3000\u2002\u2003\u2009\u202f" + INVISIBLE


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(STRIP))


def strip_text(text: str) -> str:
    text = text.strip()
    if text and (text[0] in INVISIBLE or text[-1] in INVISIBLE):
        text = text.strip(STRIP)
    return text


def plain_decimal(number: Decimal) -> Decimal:
    """No exponent: 1E+2 → 100, 98.2500 → 98.25."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def float_to_decimal(value: float) -> tuple[Decimal, bool]:
    """The number as Excel shows it, and whether the stored float carried noise beyond 15 digits.

    The shortest repr (1415.43 stays 1415.43) when it has at most 15 significant digits, else the
    value rounded to 15 significant digits, as Excel shows it: 0.30000000000000004 → 0.3.
    """
    if value.is_integer():
        return Decimal(int(value)), False
    text = repr(value)
    number = Decimal(text)
    if len(text) > EXCEL_DIGITS + 1 and len(number.as_tuple().digits) > EXCEL_DIGITS:
        return plain_decimal(Decimal(format(value, f".{EXCEL_DIGITS}g"))), True
    return number, False


def decimal_from_excel(value: float | int) -> Decimal:
    """The number as Excel shows it: shortest float repr, at most 15 significant digits."""
    if isinstance(value, int):
        return Decimal(value)
    return float_to_decimal(value)[0]


def is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: Cell) -> str:
    if is_number(value):
        return str(decimal_from_excel(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return strip_text(str(value))



# ---- width folding ---------------------------------------------------------------------


def _width_fold() -> dict[int, str]:
    """Full-width forms, odd blanks, dashes and tildes to ASCII, one character for one (see WIDTH_FOLD)."""
    table = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    table.update({
        0x3000: " ", 0x00A0: " ", 0x200B: " ", 0x200C: " ", 0x200D: " ", 0xFEFF: " ",
        0x2212: "-", 0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-",
        0x301C: "~", 0x223C: "~", 0xFF61: "。", 0xFF64: "、", 0xFE50: ",", 0xFE51: "、", 0xFE54: ";",
    })
    return table


#: ``str.translate`` table from what a Chinese keyboard, a PDF or a web page types (１００％, ～, the
#: ideographic space, minus signs and dashes, zero-width spaces) to ASCII. One character maps to one,
#: so a position in the folded text is the same position in the original (error carets, fragments).
WIDTH_FOLD: dict[int, str] = _width_fold()


# ---- name keys ------------------------------------------------------------------------


def match_key(text: Any) -> str:
    """The matching form of a name: NFKC (full-width → half-width), no blanks at all, Latin lower-cased.

    ``推广“智慧工会” 扩大工会影响力`` and ``推广“智慧工会”扩大工会影响力`` match; ``（万美元）``
    matches ``(万美元)``; any other difference (a changed word, a different number) does not.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def indicator_key(name: Any) -> str:
    """Indicators are the same across years when their names are the same after :func:`match_key`."""
    return match_key(name)
