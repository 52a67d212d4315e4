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
#: Every Unicode format character (category Cf: zero-width, bidirectional marks and isolates, soft
#: hyphen, tags), as of Unicode 15, written out so that importing does not scan 1.1 M code points
#: (tests/test_hardening.py checks it against unicodedata). They are invisible in Excel, so two
#: 编号 differing only by one look identical: every reader strips them (with a warning on data).
FORMAT_CHARS = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
                "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
                "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
FORMAT = re.compile(f"[{FORMAT_CHARS}]")
BLANKS = re.compile(rf"[\s{FORMAT_CHARS}]+")
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


def strip_format(text: str) -> tuple[str, str]:
    """``text`` without format characters, and the removed ones named (``U+202E``), '' when none."""
    if text.isascii() or FORMAT.search(text) is None:
        return text, ""
    found = sorted({f"U+{ord(c):04X}" for c in FORMAT.findall(text)})
    return FORMAT.sub("", text), " ".join(found)


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
    """No exponent: 1E+2 → 100, 98.2500 → 98.25 (beyond the context's 28 digits the number is left as it is)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1)) if number.adjusted() < 28 else number
    return number.normalize()


class NumberProblem(ValueError):
    """A stored number no field may take (NaN, infinity, beyond the field's range).

    Not a PerfevalError: the reader that meets it knows the file, sheet, row and column, and raises
    its own located error with ``problem``, ``expected`` and ``fix``.
    """

    def __init__(self, problem: str, expected: str, fix: str) -> None:
        self.problem = problem
        self.expected = expected
        self.fix = fix
        super().__init__(problem)


#: The largest magnitude any figure of a self-evaluation takes: 10¹⁵ is a thousand trillion 元
#: (more than any budget) and the 15 significant digits Excel keeps as an integer.
MAX_MAGNITUDE = Decimal(10) ** 15
#: The largest count (指标数, 达标数, 人次 …): a billion.
MAX_COUNT = 10**9


def float_to_decimal(value: float) -> tuple[Decimal, bool]:
    """The number as Excel shows it, and whether the stored float carried noise beyond 15 digits.

    The shortest repr (1415.43 stays 1415.43) when it has at most 15 significant digits, else the
    value rounded to 15 significant digits, as Excel shows it: 0.30000000000000004 → 0.3, and
    12345678901234567890 (a float) → 12345678901234600000. NaN and infinity raise
    :class:`NumberProblem`: they are no figure, and Excel shows #NUM! for them.
    """
    if value.is_integer():
        if -1e15 < value < 1e15:
            return Decimal(int(value)), False
        number = Decimal(int(value))
        shown = plain_decimal(Decimal(format(value, f".{EXCEL_DIGITS - 1}e")))
        return shown, shown != number
    if value != value or value in (_INF, -_INF):
        raise NumberProblem(
            f"the cell stores {value!r}, which is no number (Excel shows #NUM! or nothing for it)",
            "a finite number", "type the figure the report prints",
        )
    text = repr(value)
    number = Decimal(text)
    if len(text) > EXCEL_DIGITS + 1 and len(number.as_tuple().digits) > EXCEL_DIGITS:
        return plain_decimal(Decimal(format(value, f".{EXCEL_DIGITS}g"))), True
    return number, False


_INF = float("inf")


def excel_number(value: float | int | Decimal, *, count: bool = False) -> tuple[Decimal, bool]:
    """The one number rule of every reader: finite, within range, exact as Excel shows it.

    Returns the Decimal and whether the stored float carried noise beyond 15 significant digits
    (a reader records that as a warning). Raises :class:`NumberProblem` for NaN, infinity, a
    magnitude of 10¹⁵ or more (a count: above :data:`MAX_COUNT`, or not whole), so that NaN and
    infinity never enter a frame and no int conversion overflows downstream.
    """
    noisy = False
    if isinstance(value, float):
        number, noisy = float_to_decimal(value)
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        number = value
        if not number.is_finite():
            raise NumberProblem(f"{number} is no number", "a finite number", "type the figure the report prints")
    if count:
        if number != number.to_integral_value() or abs(number) > MAX_COUNT:
            raise NumberProblem(
                f"{number} is not a whole count up to {MAX_COUNT:,}",
                f"a whole number from 0 to {MAX_COUNT:,}", "type the count the report prints",
            )
    elif abs(number) >= MAX_MAGNITUDE:
        raise NumberProblem(
            f"{number} is beyond any figure of a self-evaluation (10¹⁵ or more)",
            "a figure below 10¹⁵ in the workbook's unit", "check the cell: a pasted ID or a typing accident?",
        )
    return number, noisy


def decimal_from_excel(value: float | int) -> Decimal:
    """The number as Excel shows it: shortest float repr, at most 15 significant digits."""
    if isinstance(value, int):
        return Decimal(value)
    return float_to_decimal(value)[0]


def is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: Cell) -> str:
    if is_number(value) and not (isinstance(value, float) and (value != value or abs(value) == _INF)):
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


# ---- display width ------------------------------------------------------------------------

#: East-Asian-Width classes a CJK font draws two columns wide: wide, full-width and ambiguous (“”, …, ①).
#: A terminal shows ambiguous characters one column wide, so it counts only wide and full-width.
FULL_WIDTH_CLASSES = frozenset({"W", "F", "A"})
TERMINAL_WIDE_CLASSES = frozenset({"W", "F"})


def char_width(char: str, *, terminal: bool = False) -> int:
    """2 for a character drawn two columns wide (Chinese, full-width punctuation), else 1."""
    wide = TERMINAL_WIDE_CLASSES if terminal else FULL_WIDTH_CLASSES
    return 2 if unicodedata.east_asian_width(char) in wide else 1


def text_width(text: str, *, terminal: bool = False) -> int:
    """Width in half-width columns: chart labels and Excel columns (a CJK font), or a terminal."""
    return sum(char_width(c, terminal=terminal) for c in text)
