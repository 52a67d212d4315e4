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
from pandas.api.types import is_scalar

#: Excel shows and keeps at most 15 significant digits; a stored float with more is binary noise.
EXCEL_DIGITS = 15
Cell = Any  # what calamine returns: str, float, int, bool, date, datetime, time, timedelta

# ---- cells ---------------------------------------------------------------------------

RATE_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[%％]?\s*$")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")
#: Invisible characters that arrive with text copied from web pages, PDFs and Word.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
BLANKS = re.compile(rf"[\s{INVISIBLE}]+")
#: Every character ``str.strip()`` removes (all of Unicode's white space, up to the ideographic space
#: U+3000) plus the invisible ones, so blank means the same whether a cell holds spaces, a no-break
#: space, a line separator or a zero-width space.
STRIP = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + INVISIBLE


def is_blank(value: Cell) -> bool:
    """Not stated: None, pandas' missing markers (float NaN, pd.NA, NaT) or text of blanks only.

    The one blank test of every stage: the loaders use it on raw cells (they refuse NaN and
    infinities before they ask, so a NaN never passes for a blank cell there), the analyses and
    charts on frames, where pandas writes a missing value as NaN or pd.NA. A Decimal is never
    blank, not even Decimal("NaN"): no reader makes one, so one in a frame is a bug to surface.
    Anything that is not a scalar (a list, a frame) is not blank either.
    """
    if value is None:
        return True
    kind = value.__class__
    if kind is str:  # the loaders' hot path: most cells are text
        return not value.strip(STRIP)
    if kind is float:
        return value != value
    if kind is int or kind is bool or kind is Decimal:
        return False
    if isinstance(value, str):
        return not value.strip(STRIP)
    if isinstance(value, Decimal):
        return False
    # pd.isna of a list-like answers per element: [None] would pass for blank. Only scalars are asked.
    return is_scalar(value) and bool(pd.isna(value))


def strip_text(text: str) -> str:
    text = text.strip()
    if text and (text[0] in INVISIBLE or text[-1] in INVISIBLE):
        text = text.strip(STRIP)
    return text


def text_or_none(value: Any) -> str | None:
    """The value as trimmed text, or None when it is blank (:func:`is_blank`): labels, reasons, 出处."""
    if is_blank(value):
        return None
    return strip_text(str(value)) or None


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
