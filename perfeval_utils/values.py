"""Read the value strings of a KPI table (指标预期值 / 指标实现值) into numbers.

Reports print values such as ``≥90%``, ``预计慰问费用约 232000 元``, ``2天以内``,
``4 场次（工会干部线上业务培训 3 场，女职工知识讲座 1 场）`` or plain words (``显著提升``).
:func:`parse_value` turns one such string into a list of :class:`Measure`: the number (an exact
:class:`~decimal.Decimal` with the printed precision), the unit as written (never converted), the
comparison it states, the words around it and any parenthesised breakdown.

The parser is deliberately conservative: Chinese numerals count only where they clearly stand as a
quantity, and anything it cannot read as a number or a date comes back as one qualitative measure
instead of an exception. Only empty or non-string input raises :class:`ValueParseError`.

One module of ~590 lines on purpose: the readers share the compiled scanner (one master regex,
unit and operator tables built once at import) and positions into the one folded string, and
splitting them would put those tables behind imports on the hot path. Speed (#17, at least
150,000 distinct strings a second, ``python -m benchmarks``): the commonest values (``100%``,
``≥90%``, ``20万元``) are read by one regex match, words without any digit or numeral skip the
scanner, values without brackets skip breakdown placement, and cheap first-character checks
spare most regex calls.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from perfeval_utils.cells import WIDTH_FOLD
from perfeval_utils.errors import ValueParseError
from perfeval_utils.unit_words import LATIN_UNITS, TIME_UNITS, UNIT_SPELLINGS, UNIT_WORDS

__all__ = ["KNOWN_UNITS", "OPS", "Measure", "parse_value"]

#: Every comparison a :class:`Measure` can state; ``~`` means "about".
OPS: tuple[str, ...] = (">=", "<=", ">", "<", "=", "~")

#: Units recognised right after a number (the one vocabulary, perfeval_utils/unit_words.py).
KNOWN_UNITS: tuple[str, ...] = UNIT_WORDS


@dataclass(frozen=True, slots=True)
class Measure:
    """One quantity, date or qualitative statement read from a value string."""

    value: Decimal | None = None
    unit: str | None = None
    op: str = "="
    label: str | None = None
    tail: str | None = None
    date: dt.date | None = None
    qualitative: str | None = None
    breakdown: tuple[Measure, ...] = ()
    text: str = ""
    #: A deadline given as a month of a year the text does not state (``9月前``, ``12月底前``): 1–12.
    month: int | None = None


_FOLD = WIDTH_FOLD
# Any character the folding changes: most values have none, and one search is cheaper than translate.
_FOLDED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]")

# --- regular expressions (compiled once) ---------------------------------------------------------

# Latin units of two letters or more in any case (KM, kWh); one letter only lower case (5G is no gram).
_LATIN = (f"(?i:{'|'.join(sorted((u for u in LATIN_UNITS if len(u) > 1), key=len, reverse=True))})"
          f"|[{''.join(u for u in LATIN_UNITS if len(u) == 1)}]")
# A number touched by a Latin letter is part of a code (A3, 5G) unless the letters are a unit (8km).
_ARABIC = (r"(?<![A-Za-z\d.])(?>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?>\.\d+)?(?!\d)"
           rf"(?:(?![A-Za-z])|(?=(?:{_LATIN})(?![A-Za-z])))")
# 2023年12月31日, 2023年6月底, 2023年底; a whole year as a period: 2022年度内, 2023年内, 2020年全年.
_YMD = (r"(?<![\d.])(?P<y>\d{4})\s*年\s*(?:(?P<mo>\d{1,2})(?!\d)\s*月\s*"
        r"(?:(?P<d>\d{1,2})(?!\d)\s*[日号]|底|末)?|年?底|年?末|(?P<whole>全年)|度?(?=\s*(?:之内|内)))")
_ISO = r"(?<![\d.])(?P<y2>\d{4})(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})(?![\d.])"
# A month of an unstated year as a deadline: 9月前, 12月底前, 11月底完成 (not 3月内: three months).
_MONTH = r"(?<![\d.])(?P<mm>\d{1,2})(?!\d)\s*月\s*(?:底|末|(?=之前|以前|前))"
# Bare years (2023年, 2023年度) and days without a year are words, not quantities.
_SKIP = r"(?<![\d.])(?:(?:19|20)\d{2}\s*年度?|\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|底|末|份))"
# 百分之九十五, 百分之九十五点五, 百分之百, 百分之95: a percentage in words.
_PERCENT = r"百分之(?P<pn>[〇零一二两三四五六七八九十百]+|\d+(?:\.\d+)?)(?:点(?P<pd>[〇零一二三四五六七八九]+))?"
_CN = r"[〇零一二两三四五六七八九十百千万亿]+"

_MASTER_RE = re.compile(
    rf"(?P<ymd>{_YMD})|(?P<iso>{_ISO})|(?P<md>{_MONTH})|(?P<skip>{_SKIP})|(?P<pct>{_PERCENT})"
    rf"|(?P<num>{_ARABIC})|(?P<cn>{_CN})"
)
_NUM_RE = re.compile(_ARABIC)
_BASE = "|".join(re.escape(u) for u in sorted(KNOWN_UNITS, key=len, reverse=True))
# 千米, 千瓦时: a unit word that starts with 千 / 万 / 亿 is that unit, not 千 times the rest
_SCALED_WORDS = "|".join(re.escape(u) for u in sorted(KNOWN_UNITS, key=len, reverse=True) if u[0] in "万亿千")
_UNIT_RE = re.compile(
    rf"\s*(?P<a1>[多余])?\s*(?P<mult>(?!{_SCALED_WORDS})[万亿千])?(?P<a2>[多余])?\s*(?P<base>{_BASE})?"
    rf"(?:/(?P<per>{_BASE}))?"
)
#: First characters of what the readers above can match: most positions fail here without a regex.
_UNIT_FIRST = frozenset("多余万亿千" + "".join(u[0] for u in KNOWN_UNITS))
_POST_FIRST = frozenset("及其或以之左上内")
_RANGE_FIRST = frozenset("-~至到")
_SIMPLE_OPS = {"≥": ">=", "≧": ">=", "⩾": ">=", ">=": ">=", "=>": ">=", "≤": "<=", "≦": "<=", "⩽": "<=",
               "<=": "<=", "=<": "<=", ">": ">", "<": "<", "=": "=", "≈": "~", "~": "~"}
_SIMPLE_RE = re.compile(
    rf"(?P<op>{'|'.join(re.escape(o) for o in sorted(_SIMPLE_OPS, key=len, reverse=True))})?\s*"
    rf"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>(?:(?!{_SCALED_WORDS})[万亿千])?(?:{_BASE}))?"
)
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
_ANY_NUMBER = re.compile(rf"\d|{_CN}")
_LATIN_RE = re.compile(rf"(?:{_LATIN})(?![A-Za-z])")
_RANGE_RE = re.compile(r"\s*(?:-+|~|至|到)\s*")
_POST_RE = re.compile(
    r"\s*(?:(?P<ge>及其以上|及以上|或以上|以上)|(?P<le>及其以下|及以下|或以下|以下|以内|之内)"
    r"|(?P<ap>左右|上下(?![\u4e00-\u9fff]))|(?P<in>内))"
)
_DATE_POST_RE = re.compile(r"\s*(?:(?P<le>之前|以前|以内|之内|前|内)|(?P<ge>之后|以后|后|起))")
_PAREN_RE = re.compile(r"[()]")
_SEP_RE = re.compile(r"[,;、。]")
_CJK_GAP_RE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_WS_RE = re.compile(r"\s+")
_SEPARATORS = frozenset(",;、。")

# (word, op, characters that must not precede it): 节约 is not 约, 最近 is not 近.
_PRE_OPS: tuple[tuple[str, str, str], ...] = tuple(sorted(
    [
        *((w, ">=", "") for w in ("大于等于", "大于或等于", "不低于", "不少于", "不小于", "至少", "最少",
                                  "不得低于", "不得少于", "不早于", "≥", "≧", "⩾", ">=", "=>")),
        *((w, "<=", "") for w in ("小于等于", "小于或等于", "不超过", "不超", "不高于", "不多于", "不大于",
                                  "最多", "不得超过", "不得高于", "截至", "截止", "截止到", "不晚于",
                                  "不迟于", "≤", "≦", "⩽", "<=", "=<")),
        *((w, ">", "") for w in ("超过", "大于", "高于", "多于", "逾", ">")),
        ("超", ">", "高赶"),
        *((w, "<", "") for w in ("低于", "小于", "少于", "不足", "不到", "<")),
        *((w, "~", "") for w in ("约为", "大约", "大概", "接近", "将近", "≈", "~")),
        ("约", "~", "节制签合违履预公条契邀相盟守缔集简婉特"),
        ("近", "~", "最附邻靠就亲贴"),
        ("=", "=", ""),
        # 达到 95% is the threshold 95 %; 未达到 / 下达 / 高达 state no bound.
        ("达到", ">=", "未没不"),
        ("达", ">=", "未没不下送传抵通表发直转雷到长高上"),
    ],
    key=lambda t: len(t[0]),
    reverse=True,
))
# Indexed by last character, longest word first, so the common "no operator" case is one dict miss.
_PRE_BY_LAST: dict[str, tuple[tuple[str, str, str], ...]] = {
    c: tuple(e for e in _PRE_OPS if e[0][-1] == c) for c in {e[0][-1] for e in _PRE_OPS}
}
_OP_SYMBOLS = frozenset("≥≧⩾≤≦⩽<>=≈~:")
_BOUNDARY = frozenset(",;、。:()!?")
_STRIP = " \t\r\n\f\v,;、。:"
_CN_BLOCK_PREV = frozenset("第周期初拜")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_BOUNDS = frozenset({">=", "<=", ">", "<"})
_MAX_DEPTH = 32

# (value, unit, op, date, month)
_Item = tuple[Decimal | None, str | None, str, dt.date | None, int | None]
#: After 万 / 亿 / 千, a character that is an operator word, not a measure word (万以上, 万多).
_NOT_MEASURE = frozenset("以及或左上下之内前后起多余")


@dataclass(slots=True)
class _Quantity:
    """A quantity found in the text: [start, end) spans operator words, number, unit and post words."""

    start: int
    end: int
    items: tuple[_Item, ...]


# --- small readers -------------------------------------------------------------------------------


def _is_boundary(s: str, i: int, hi: int) -> bool:
    """True where a word ends: the end, whitespace or punctuation (so 一米阳光 is no quantity)."""
    return i >= hi or s[i].isspace() or s[i] in _BOUNDARY


def _pre_op(s: str, floor: int, pos: int) -> tuple[str | None, int]:
    """The operator word right before ``pos`` (after ``floor``) and where it starts."""
    j = pos
    while j > floor and s[j - 1].isspace():
        j -= 1
    if j == floor:
        return None, pos
    for word, op, banned in _PRE_BY_LAST.get(s[j - 1], ()):
        k = j - len(word)
        if k >= floor and s.startswith(word, k) and not (banned and k > floor and s[k - 1] in banned):
            return op, k
    return None, pos


def _read_unit(s: str, pos: int, hi: int) -> tuple[str | None, bool, int]:
    """Unit right after a number, whether 多/余 made it approximate, and where the unit ends."""
    if pos < hi and s[pos].isascii() and s[pos].isalpha():
        latin = _LATIN_RE.match(s, pos, hi)
        if latin is not None:
            return latin.group(), False, latin.end()
    if pos >= hi or not (s[pos] in _UNIT_FIRST or s[pos].isspace()):
        return None, False, pos
    m = _UNIT_RE.match(s, pos, hi)
    if m is None:  # pragma: no cover - every part of the pattern is optional
        return None, False, pos
    base, mult, a1, a2 = m["base"], m["mult"], m["a1"], m["a2"]
    if base:
        unit = (mult or "") + UNIT_SPELLINGS.get(base, base) + (f"/{m['per']}" if m["per"] else "")
        return unit, bool(a1 or a2), m.end()
    if mult:
        if a2 and _is_boundary(s, m.end("a2"), hi):
            return mult, True, m.end("a2")
        end = m.end("mult")
        # 550万粒: one measure word the vocabulary lacks, ending the word, stays with 万 as the unit
        if (not a2 and end < hi and "\u4e00" <= s[end] <= "\u9fff" and s[end] not in _NOT_MEASURE
                and _is_boundary(s, end + 1, hi)):
            return mult + s[end], bool(a1), end + 1
        return mult, bool(a1), end
    if a1 and _is_boundary(s, m.end("a1"), hi):
        return None, True, m.end("a1")
    return None, False, pos


def _read_post(s: str, pos: int, hi: int, unit: str | None) -> tuple[str | None, int]:
    """Operator words after the unit (以上, 以内, 左右 ...); 内 counts only after a time unit."""
    if pos >= hi or not (s[pos] in _POST_FIRST or s[pos].isspace()):
        return None, pos
    m = _POST_RE.match(s, pos, hi)
    if m is None:
        return None, pos
    if m["ge"]:
        return ">=", m.end()
    if m["le"]:
        return "<=", m.end()
    if m["ap"]:
        return "~", m.end()
    return ("<=", m.end()) if unit in TIME_UNITS else (None, pos)


def _operator_of(pre: str | None, post: str | None, approx: bool) -> str:
    """A bound (before or after the number) beats "about", which beats a plain "="."""
    for op in (pre, post):
        if op is not None and op in _BOUNDS:
            return op
    if approx or "~" in (pre, post):
        return "~"
    return "="


def _cn_to_int(t: str) -> int | None:
    """Value of a Chinese numeral (二十, 一百零五, 千, 二〇二三); None when it is not well formed."""
    if len(t) > 1 and all(c in _CN_DIGITS for c in t):
        if "〇" not in t and "零" not in t:
            return None  # 一二, 三五: a list or an idiom, not a number
        return int("".join(str(_CN_DIGITS[c]) for c in t))
    if len(t) > 1 and t[0] in _CN_BIG:
        return None  # 万一
    total = section = 0
    digit: int | None = None
    last_small, last_big, last_unit, after_zero = 10**5, 10**13, 0, False
    for i, c in enumerate(t):
        if c in _CN_DIGITS:
            d = _CN_DIGITS[c]
            if digit is not None:
                return None
            if d == 0:
                after_zero, last_unit = True, 0
            else:
                digit = d
        elif c in _CN_SMALL:
            u = _CN_SMALL[c]
            if u >= last_small or (digit is None and i != 0):
                return None
            section += (1 if digit is None else digit) * u
            digit, last_small, last_unit, after_zero = None, u, u, False
        else:
            u = _CN_BIG[c]
            if u >= last_big:
                return None
            section += digit or 0
            total += (section or 1) * u
            digit, section, last_small, last_big, last_unit, after_zero = None, 0, 10**5, u, u, False
    if digit is not None:
        # 一百五 = 150, 一万五 = 15000: a bare digit after a large unit scales to the next place.
        section += digit * (last_unit // 10 if last_unit >= 100 and not after_zero else 1)
    return total + section


# --- quantity readers ----------------------------------------------------------------------------


def _read_number(s: str, m: re.Match[str], floor: int, hi: int) -> _Quantity:
    """An Arabic number with its unit, operator words, or a range ``90%-95%``."""
    a, b = m.span()
    value = Decimal(m.group().replace(",", ""))
    if a - 1 >= floor and s[a - 1] == "-" and (a - 1 == floor or s[a - 2].isspace() or s[a - 2] in _OP_SYMBOLS):
        value, a = -value, a - 1
    pre, start = _pre_op(s, floor, a)
    unit, approx, e = _read_unit(s, b, hi)
    r = _RANGE_RE.match(s, e, hi) if e < hi and (s[e] in _RANGE_FIRST or s[e].isspace()) else None
    m2 = _NUM_RE.match(s, r.end(), hi) if r else None
    if m2 is not None:
        high = Decimal(m2.group().replace(",", ""))
        unit2, _, e2 = _read_unit(s, m2.end(), hi)
        unit, unit2 = unit or unit2, unit2 or unit
        _, end = _read_post(s, e2, hi, unit2)
        return _Quantity(start, end, ((value, unit, ">=", None, None), (high, unit2, "<=", None, None)))
    post, end = _read_post(s, e, hi, unit)
    return _Quantity(start, end, ((value, unit, _operator_of(pre, post, approx), None, None),))


def _read_cn(s: str, m: re.Match[str], floor: int, hi: int) -> _Quantity | None:
    """A Chinese-numeral quantity (三场, 近千名, 十二个月), or None where it is just a word (第一, 一线)."""
    a, b = m.span()
    if a > floor and s[a - 1] in _CN_BLOCK_PREV:
        return None
    t = m.group()
    if t[-1] in _CN_BIG:  # 两万元 -> 2 万元, like 2万元; a lone 一万 stays 10000
        unit_try, _, _ = _read_unit(s, b - 1, hi)
        if unit_try is not None and len(unit_try) > 1:
            t, b = t[:-1], b - 1
    n = _cn_to_int(t) if t else 1
    if n is None:
        return None
    pre, start = _pre_op(s, floor, a)
    unit, approx, e = _read_unit(s, b, hi)
    if unit == "年" and len(t) == 4 and all(c in _CN_DIGITS for c in t):
        return None  # 二〇二三年 is a year, like 2023年
    post, end = _read_post(s, e, hi, unit)
    if pre is None and not approx:
        if len(t) <= 1 and t in "万亿千百":
            return None  # a bare 千 or 万 is a quantity only in 近千名, 千余人
        if not _is_boundary(s, end, hi):
            return None
        if unit is None and not (a == floor or _is_boundary(s, a - 1, hi)):
            return None
    return _Quantity(start, end, ((Decimal(n), unit, _operator_of(pre, post, approx), None, None),))


def _read_percent(s: str, m: re.Match[str], floor: int, hi: int) -> _Quantity | None:
    """A percentage in words: 百分之九十五 = 95 %, 百分之九十五点五 = 95.5 %, 百分之百 = 100 %."""
    words = m["pn"]
    if words[0].isdigit():
        value = Decimal(words)
    else:
        n = _cn_to_int(words)
        if n is None:
            return None
        value = Decimal(n)
    if m["pd"]:
        value = Decimal(f"{value}.{''.join(str(_CN_DIGITS[c]) for c in m['pd'])}")
    pre, start = _pre_op(s, floor, m.start())
    post, end = _read_post(s, m.end(), hi, "%")
    return _Quantity(start, end, ((value, "%", _operator_of(pre, post, False), None, None),))


def _read_date(s: str, m: re.Match[str], floor: int, hi: int) -> _Quantity | None:
    """A date or deadline (2023年12月31日前, 2023年6月底前, 2023-06-30, 2022年度内, 9月前); None if no real date."""
    month_only = None
    if m["md"]:
        month_only = int(m["mm"])
        if not 1 <= month_only <= 12:
            return None
        when = None
    else:
        if m["ymd"]:
            year = int(m["y"])
            month = int(m["mo"]) if m["mo"] else 12
            day = int(m["d"]) if m["d"] else 0
        else:
            year, month, day = int(m["y2"]), int(m["m2"]), int(m["d2"])
        if not 1 <= month <= 12 or not 1 <= year <= 9999:
            return None
        if day == 0:  # 底 / 末 / a bare month / a whole year: its last day
            day = calendar.monthrange(year, month)[1]
        try:
            when = dt.date(year, month, day)
        except ValueError:
            return None
    pre, start = _pre_op(s, floor, m.start())
    p = _DATE_POST_RE.match(s, m.end(), hi)
    post = None if p is None else ("<=" if p["le"] else ">=")
    if post is None and m["whole"]:
        post = "<="  # 2020年全年: within the year
    end = m.end() if p is None else p.end()
    return _Quantity(start, end, ((None, None, _operator_of(pre, post, False), when, month_only),))


def _scan(s: str, lo: int, hi: int) -> list[_Quantity]:
    """All quantities in ``s[lo:hi]`` (a stretch with no brackets), left to right."""
    found: list[_Quantity] = []
    floor = pos = lo
    while pos < hi:
        m = _MASTER_RE.search(s, pos, hi)
        if m is None:
            break
        kind = m.lastgroup
        q: _Quantity | None = None
        if kind == "num":
            q = _read_number(s, m, floor, hi)
        elif kind == "cn":
            q = _read_cn(s, m, floor, hi)
        elif kind == "pct":
            q = _read_percent(s, m, floor, hi)
        elif kind in ("ymd", "iso", "md"):
            q = _read_date(s, m, floor, hi)
        if q is None:
            pos = m.end()
        else:
            found.append(q)
            floor = pos = q.end
    return found


# --- assembling measures -------------------------------------------------------------------------


def _bracket_groups(s: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Outermost matched ``( … )`` pairs as (open, close) indexes; stray brackets are text."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for m in _PAREN_RE.finditer(s, lo, hi):
        if m.group() == "(":
            stack.append(m.start())
        elif stack:
            pairs.append((stack.pop(), m.start()))
    pairs.sort()
    outer: list[tuple[int, int]] = []
    for a, b in pairs:
        if not outer or a > outer[-1][1]:
            outer.append((a, b))
    return outer


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    """Shrink [a, b) past whitespace and separators at both ends."""
    while a < b and s[a] in _STRIP:
        a += 1
    while b > a and s[b - 1] in _STRIP:
        b -= 1
    return a, b


def _words(s: str, a: int, b: int, skip: list[tuple[int, int]]) -> str | None:
    """The words in [a, b) without the breakdown brackets, PDF spacing between CJK characters removed."""
    if skip:
        parts: list[str] = []
        for x, y in skip:
            if a <= x < b:
                parts.append(s[a:x])
                a = y + 1
        parts.append(s[a:b])
        text = "".join(parts)
    else:
        text = s[a:b]
    if " " in text or not text.isprintable():  # any whitespace at all (isprintable: False for \t, \u2003)
        text = _WS_RE.sub(" ", _CJK_GAP_RE.sub("", text))
    return text.strip(_STRIP) or None


def _cuts(s: str, qs: list[_Quantity], lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Where each quantity's words start and end: between two quantities, at the last separator."""
    label_from = [lo] * len(qs)
    tail_to = [hi] * len(qs)
    for i in range(len(qs) - 1):
        a, k = qs[i].end, qs[i + 1].start - 1
        while k >= a and s[k] not in _SEPARATORS:
            k -= 1
        tail_to[i], label_from[i + 1] = (k, k + 1) if k >= a else (a, a)
    return label_from, tail_to


def _plain_span(s: str, orig: str, lo: int, hi: int) -> tuple[Measure, ...]:
    """:func:`_parse_span` for a stretch with no brackets (most values): no breakdowns to place."""
    qs = _scan(s, lo, hi)
    if not qs:
        return ()
    if len(qs) == 1:
        label_from, tail_to = [lo], [hi]
    else:
        label_from, tail_to = _cuts(s, qs, lo, hi)
    out: list[Measure] = []
    for i, q in enumerate(qs):
        a, b = label_from[i], tail_to[i]
        label = None if a == q.start else _words(s, a, q.start, [])
        tail = None if b == q.end else _words(s, q.end, b, [])
        ta, tb = _trim(s, a, b)
        text = orig[ta:tb]
        for value, unit, op, when, month in q.items:
            out.append(Measure(value, unit, op, label, tail, when, None, (), text, month))
    return tuple(out)


def _parse_span(s: str, orig: str, lo: int, hi: int, depth: int) -> tuple[Measure, ...]:
    """Measures in ``s[lo:hi]``; empty when it holds no quantity or date at all."""
    if s.find("(", lo, hi) < 0:
        return _plain_span(s, orig, lo, hi)
    groups = _bracket_groups(s, lo, hi)
    inner: dict[tuple[int, int], tuple[Measure, ...]] = {}
    for a, b in groups:
        ms = _parse_span(s, orig, a + 1, b, depth + 1) if depth < _MAX_DEPTH else ()
        if ms:
            inner[(a, b)] = ms
    qs: list[_Quantity] = []
    piece = lo
    for a, b in groups:
        qs.extend(_scan(s, piece, a))
        piece = b + 1
    qs.extend(_scan(s, piece, hi))
    if not qs:
        return tuple(m for ms in inner.values() for m in ms)

    def is_sep(k: int) -> bool:
        return not any(a < k < b for a, b in groups)

    breakdowns: list[list[Measure]] = [[] for _ in qs]
    label_from = [lo] * len(qs)  # where each measure's label (and text) starts
    tail_to = [hi] * len(qs)  # where each measure's tail (and text) ends
    for i in range(len(qs) - 1):
        a, b = qs[i].end, qs[i + 1].start
        cut_a = cut_b = a
        seps = [m.start() for m in _SEP_RE.finditer(s, a, b) if is_sep(m.start())]
        in_region = [g for g in inner if a <= g[0] and g[1] < b]
        if seps:
            cut_a, cut_b = seps[-1], seps[-1] + 1
        elif in_region:
            cut_a = cut_b = in_region[-1][1] + 1
        tail_to[i], label_from[i + 1] = cut_a, cut_b
        for g in in_region:
            breakdowns[i].extend(inner[g])
    for g, ms in inner.items():
        if g[1] < qs[0].start:
            breakdowns[0].extend(ms)
        elif g[0] >= qs[-1].end:
            breakdowns[-1].extend(ms)

    skip = sorted(inner)
    out: list[Measure] = []
    for i, q in enumerate(qs):
        label = _words(s, label_from[i], q.start, skip)
        tail = _words(s, q.end, tail_to[i], skip)
        ta, tb = _trim(s, label_from[i], tail_to[i])
        text = orig[ta:tb]
        last = len(q.items) - 1
        for k, (value, unit, op, when, month) in enumerate(q.items):
            out.append(Measure(value=value, unit=unit, op=op, label=label, tail=tail, date=when,
                               breakdown=tuple(breakdowns[i]) if k == last else (), text=text, month=month))
    return tuple(out)


def _simple(s: str, orig: str, lo: int, hi: int) -> tuple[Measure, ...] | None:
    """The commonest values (``100%``, ``≥90%``, ``2 项``, ``20万元``, ``4500``) in one regex match.

    Only forms the scanner reads the same way (a symbol operator, a plain number, one unit word)
    take this path; anything else, and a year such as ``2023年``, goes to the scanner.
    """
    m = _SIMPLE_RE.fullmatch(s, lo, hi)
    if m is None or (m["u"] and m["u"][0] == "年" and _YEAR_RE.fullmatch(m["n"])):
        return None
    op = _SIMPLE_OPS[m["op"]] if m["op"] else "="
    unit = UNIT_SPELLINGS.get(m["u"], m["u"]) if m["u"] else m["u"]
    return (Measure(Decimal(m["n"]), unit, op, None, None, None, None, (), orig[lo:hi], None),)


@lru_cache(maxsize=8192)
def _parse_cached(text: str) -> tuple[Measure, ...]:
    """Pure parse of one string; cached because reports repeat the same values (100%, 是, 高)."""
    s = text if _FOLDED.search(text) is None else text.translate(_FOLD)
    if not s.strip():
        raise ValueParseError(text, "the value is empty")
    lo, hi = _trim(s, 0, len(s))
    try:
        found = _simple(s, text, lo, hi) or ()
        if found:
            return found
        if _ANY_NUMBER.search(s, lo, hi) is not None:  # every reader needs a digit or a numeral
            found = _plain_span(s, text, lo, hi) if s.find("(", lo, hi) < 0 else _parse_span(s, text, lo, hi, 0)
    except (ArithmeticError, ValueError, IndexError, KeyError, RecursionError):
        # Safety net: a reader bug must not stop a whole table; the text stays qualitative.
        found = ()
    if found:
        return found
    a, b = len(s) - len(s.lstrip()), len(s.rstrip())
    whole = text[a:b]
    return (Measure(qualitative=whole, text=whole),)


def parse_value(text: str) -> list[Measure]:
    """Read one indicator value string (指标预期值 / 指标实现值) into measures.

    Returns at least one :class:`Measure`; text with no number or date comes back as a single
    qualitative measure. Raises :class:`ValueParseError` for empty text or a non-string argument.
    """
    if not isinstance(text, str):
        raise ValueParseError(text, f"expected text, got {type(text).__name__}")
    return list(_parse_cached(text))
