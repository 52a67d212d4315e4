"""A small arithmetic language with units, for the checks an auditor writes in the 核对 sheet.

A rule compares two expressions over the workbook's named figures, e.g.
``文中数据[C65] * 文中数据[C66]`` against ``文中数据[C67]``. Expressions are read by a tokenizer
and a recursive-descent parser into a small typed syntax tree; nothing is ever handed to
Python's ``eval``, so a cell can hold nothing but numbers, units, references, ``+ - * /``
(also ``× ÷`` and full-width forms) and parentheses. Arithmetic is exact (``Fraction``) and
every number carries its unit, so ``500元/人 × 6000人`` is ``3000000 元`` and equals
``300万元``, while ``1万元 + 1人`` is refused. The syntax is documented in
``docs/check-rules.md``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from perfeval_utils.errors import PerfevalError
from perfeval_utils.values import parse_value
from perfeval_utils.workbook import Report

__all__ = [
    "TABLES",
    "AmbiguousNameError",
    "BinaryOp",
    "Expr",
    "Negate",
    "Number",
    "Quantity",
    "Reference",
    "Resolver",
    "RuleError",
    "RuleOutcome",
    "RuleSyntaxError",
    "Unit",
    "UnitMismatchError",
    "UnknownNameError",
    "check_rule",
    "check_rules",
    "evaluate",
    "parse_expression",
    "parse_unit",
    "references_in",
    "report_resolver",
    "sources_of",
]

# ---- errors ----------------------------------------------------------------------------


class RuleError(PerfevalError):
    """A 核对 rule that cannot be read or evaluated; ``where`` (rule and side) prefixes the message."""

    where: str | None = None

    def __str__(self) -> str:
        message = str(self.args[0]) if self.args else ""
        return f"{self.where}: {message}" if self.where else message


class RuleSyntaxError(RuleError):
    """Text that is not an expression of the rule language; the message points at the character."""

    def __init__(self, problem: str, *, expression: str = "", position: int = 0) -> None:
        self.problem = problem
        self.expression = expression
        self.position = position  # 0-based index into ``expression``
        shown = re.sub(r"\s", " ", expression)
        pad = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in shown[:position])
        super().__init__(
            f"cannot read the expression: {problem} (at character {position + 1})\n  {shown}\n  {' ' * pad}^"
        )


class UnknownNameError(RuleError):
    """A reference to a figure the workbook does not have; ``available`` lists what it does have."""

    def __init__(self, message: str, *, reference: str = "", available: tuple[str, ...] = ()) -> None:
        self.reference = reference
        self.available = available
        super().__init__(message)


class AmbiguousNameError(UnknownNameError):
    """A reference that fits more than one figure (a 预算 项目 under two 维度, a two-part 实现值)."""


class UnitMismatchError(RuleError):
    """Two quantities of different dimensions added, subtracted or compared (万元 vs 人)."""

    def __init__(self, message: str, *, left_unit: str = "", right_unit: str = "") -> None:
        self.left_unit = left_unit
        self.right_unit = right_unit
        super().__init__(message)


# ---- units -----------------------------------------------------------------------------

_PREFIXES = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_PREFIX_NAMES = {
    Fraction(10): "十", Fraction(100): "百", Fraction(1000): "千", Fraction(10_000): "万",
    Fraction(1_000_000): "百万", Fraction(10_000_000): "千万", Fraction(100_000_000): "亿",
    Fraction(10**12): "万亿",
}
#: Words that are a number, not a thing: they scale and leave no dimension.
_DIMENSIONLESS = {
    "%": Fraction(1, 100), "‰": Fraction(1, 1000), "百分点": Fraction(1, 100), "个百分点": Fraction(1, 100),
    "倍": Fraction(1),
}
#: Two spellings of one unit (个月 and 月 count the same thing).
_ALIASES = {"个月": "月", "个工作日": "工作日", "个季度": "季度", "平米": "平方米"}
_EXPONENT = re.compile(r"^(?P<base>.+?)(?:\^(?P<n>[0-9]+)|(?P<sup>[²³]))$")


@dataclass(frozen=True)
class Unit:
    """A scale times a product of base units with integer exponents; ``text`` is how it is written.

    Two units are equal when scale and dimensions are (``text`` is for display only), so the
    unit of ``元/人 × 人`` is ``元`` and ``万元`` is ``10000 × 元``.
    """

    scale: Fraction
    dims: tuple[tuple[str, int], ...] = ()
    text: str = dataclasses.field(default="", compare=False)

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    def same_dimension(self, other: Unit) -> bool:
        return self.dims == other.dims

    def __mul__(self, other: Unit) -> Unit:
        return _combine(self, other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return _combine(self, other, -1)

    def __str__(self) -> str:
        return self.text

    @property
    def name(self) -> str:
        """The text for messages; a plain number says so."""
        return self.text or "无单位（纯数字）"


_PLAIN = Unit(Fraction(1), (), "")


def _combine(a: Unit, b: Unit, sign: int) -> Unit:
    dims: dict[str, int] = dict(a.dims)
    for base, exp in b.dims:
        dims[base] = dims.get(base, 0) + sign * exp
    scale = a.scale * b.scale if sign > 0 else a.scale / b.scale
    result = Unit(scale, tuple(sorted((k, v) for k, v in dims.items() if v)))
    if b == _PLAIN:
        return Unit(result.scale, result.dims, a.text)
    if sign > 0 and a == _PLAIN:
        return Unit(result.scale, result.dims, b.text)
    return Unit(result.scale, result.dims, _unit_text(result.scale, result.dims))


def _power(base: str, exp: int) -> str:
    return base if exp == 1 else f"{base}^{exp}"


def _unit_text(scale: Fraction, dims: tuple[tuple[str, int], ...]) -> str:
    """A readable name for a computed unit: 万元/人, 元, %, ×0.5元."""
    top = "·".join(_power(b, e) for b, e in dims if e > 0)
    bottom = "·".join(_power(b, -e) for b, e in dims if e < 0)
    if not dims:
        if scale == 1:
            return ""
        special = {Fraction(1, 100): "%", Fraction(1, 1000): "‰"}
        return special.get(scale) or _PREFIX_NAMES.get(scale) or f"×{_plain_number(scale)}"
    if scale in _PREFIX_NAMES and top:
        top = _PREFIX_NAMES[scale] + top
    elif scale != 0 and 1 / scale in _PREFIX_NAMES and bottom:
        bottom = _PREFIX_NAMES[1 / scale] + bottom
    elif scale != 1:
        top = f"×{_plain_number(scale)}" + top
    return top + (f"/{bottom}" if bottom else "")


def _plain_number(value: Fraction) -> str:
    exact = _exact_decimal(value)
    return format(exact, "f") if exact is not None else f"{value.numerator}/{value.denominator}"


def _factor(word: str) -> tuple[Fraction, dict[str, int]]:
    """One word of a unit: 万元 → (10000, {元: 1}); a word not understood is its own base unit."""
    word = _ALIASES.get(word, word)
    if word in _DIMENSIONLESS:
        return _DIMENSIONLESS[word], {}
    exponent = 1
    match = _EXPONENT.match(word)
    if match:
        word = match["base"]
        exponent = int(match["n"]) if match["n"] else (2 if match["sup"] == "²" else 3)
    scale = Fraction(1)
    rest = word
    while rest and rest[0] in _PREFIXES:  # the prefix scales the word; an exponent applies to the base only
        scale *= _PREFIXES[rest[0]]
        rest = _ALIASES.get(rest[1:], rest[1:])
        if rest in _DIMENSIONLESS:
            return scale * _DIMENSIONLESS[rest], {}
    return scale, ({rest: exponent} if rest and exponent else {})


def parse_unit(text: str | None) -> Unit:
    """Read a unit as written (``万元``, ``元/人``, ``%``, ``万人次``, blank = a plain number).

    ``a/b·c`` means a per (b·c). Prefixes 十 百 千 万 亿 scale the word they stand before; a
    word not understood (``美元``, ``宗``) is a base unit of its own, never a plain number.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return _PLAIN
    raw = str(text).strip()
    folded = re.sub(r"\s+", "", raw.translate(_FOLD).replace("*", "·"))
    if not folded:
        return _PLAIN
    parts = folded.split("/")
    words = [(w, 1) for w in parts[0].split("·")] + [(w, -1) for p in parts[1:] for w in p.split("·")]
    if any(not w for w, _ in words) and parts[0]:
        return Unit(Fraction(1), ((folded, 1),), raw)  # 元/ or 元··人: not a unit we can read
    scale = Fraction(1)
    dims: dict[str, int] = {}
    for word, sign in words:
        if not word:
            continue
        factor, found = _factor(word)
        scale = scale * factor if sign > 0 else scale / factor
        for base, exp in found.items():
            dims[base] = dims.get(base, 0) + sign * exp
    return Unit(scale, tuple(sorted((k, v) for k, v in dims.items() if v)), raw)


# ---- exact numbers ---------------------------------------------------------------------


def _exact_decimal(value: Fraction) -> Decimal | None:
    """The exact decimal of ``value`` when it has one (denominator 2^a·5^b), else None."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    while places and scaled % 10 == 0:
        scaled, places = scaled // 10, places - 1
    return Decimal((int(value < 0), tuple(int(d) for d in str(scaled)), -places))


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, for display."""
    scaled = abs(value) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal((int(value < 0 and whole != 0), tuple(int(d) for d in str(whole)), -places))


# ---- quantities ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Quantity:
    """An exact number in a unit. Equal quantities are the same amount: ``300 万元 == 3000000 元``."""

    value: Fraction
    unit: Unit = _PLAIN

    def __post_init__(self) -> None:
        if not isinstance(self.value, Fraction):
            object.__setattr__(self, "value", Fraction(self.value))

    @classmethod
    def of(cls, value: int | str | Decimal | Fraction, unit: str | Unit = "") -> Quantity:
        """``Quantity.of("23.05", "万元")``: the unit as text is read with :func:`parse_unit`."""
        if isinstance(value, Decimal | str):
            value = Fraction(Decimal(value))
        return cls(Fraction(value), unit if isinstance(unit, Unit) else parse_unit(unit))

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """A single number with its unit (``0.01万元``, ``-5%``), as a 容差 or a test writes it."""
        expr = parse_expression(text)
        sign = 1
        node: Expr = expr
        if isinstance(node, Negate):
            sign, node = -1, node.operand
        if not isinstance(node, Number):
            raise RuleSyntaxError("expected one number with its unit, e.g. 0.01万元", expression=text, position=0)
        return cls(sign * node.value, node.unit)

    @property
    def unit_text(self) -> str:
        return self.unit.text

    @property
    def base_value(self) -> Fraction:
        """The value in the base units (元, 人 …) with the scale (万, %) multiplied out."""
        return self.value * self.unit.scale

    def _require_same(self, other: Quantity, verb: str) -> None:
        if not self.unit.same_dimension(other.unit):
            raise UnitMismatchError(
                f"cannot {verb}: 单位不一致, {self.unit.name} vs {other.unit.name} "
                "(convert explicitly, e.g. × 1人/名, if the two really count the same thing)",
                left_unit=self.unit.name, right_unit=other.unit.name,
            )

    def __add__(self, other: Quantity) -> Quantity:
        self._require_same(other, f"add {other} to {self}")
        return Quantity(self.value + other.base_value / self.unit.scale, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        self._require_same(other, f"subtract {other} from {self}")
        return Quantity(self.value - other.base_value / self.unit.scale, self.unit)

    def __mul__(self, other: Quantity) -> Quantity:
        if self.unit.dimensionless and other.unit.dimensionless:  # 98.25% × 100 = 98.25
            return Quantity(self.base_value * other.base_value)
        if other.unit.dimensionless:  # 475万元 × 50% = 237.5 万元: a plain factor keeps the unit as written
            return Quantity(self.value * other.base_value, self.unit)
        if self.unit.dimensionless:
            return Quantity(self.base_value * other.value, other.unit)
        return Quantity(self.value * other.value, self.unit * other.unit)

    def __truediv__(self, other: Quantity) -> Quantity:
        if other.value == 0:
            raise ZeroDivisionError("division by zero")
        if self.unit.dimensionless and other.unit.dimensionless:
            return Quantity(self.base_value / other.base_value)
        if other.unit.dimensionless:
            return Quantity(self.value / other.base_value, self.unit)
        if self.unit.dimensionless:
            return Quantity(self.base_value / other.value, _PLAIN / other.unit)
        return Quantity(self.value / other.value, self.unit / other.unit)

    def __neg__(self) -> Quantity:
        return Quantity(-self.value, self.unit)

    def __abs__(self) -> Quantity:
        return Quantity(abs(self.value), self.unit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.unit.same_dimension(other.unit) and self.base_value == other.base_value

    def __hash__(self) -> int:
        return hash((self.base_value, self.unit.dims))

    def to(self, unit: str | Unit) -> Quantity:
        """The same amount in another unit of the same dimension (``to("元")``)."""
        # its own unit's text is always understood, even a computed one such as ×0.1元/人
        target = unit if isinstance(unit, Unit) else self.unit if unit == self.unit.text else parse_unit(unit)
        if not self.unit.same_dimension(target):
            raise UnitMismatchError(
                f"cannot express {self} in {target.name}: 单位不一致, {self.unit.name} vs {target.name}",
                left_unit=self.unit.name, right_unit=target.name,
            )
        return Quantity(self.base_value / target.scale, target)

    def in_unit(self, unit: str | Unit = "", places: int | None = None) -> Decimal:
        """The number in ``unit`` as a Decimal: exact, or rounded half-up to ``places`` for display.

        Without ``places`` a value with no finite decimal (1/3) is rounded to 12 places.
        """
        value = self.to(unit).value
        if places is not None:
            return _round_half_up(value, places)
        exact = _exact_decimal(value)
        return exact if exact is not None else _round_half_up(value, 12)

    def display(self, places: int | None = None) -> str:
        """``3000000 元``; rounded (and marked ≈ when not exact) only if ``places`` is given or needed."""
        exact = _exact_decimal(self.value)
        if places is None and exact is not None:
            number = format(exact, "f")
        else:
            shown = _round_half_up(self.value, 6 if places is None else places)
            number = ("" if Fraction(shown) == self.value else "≈") + format(shown, "f")
        return f"{number} {self.unit.text}" if self.unit.text else number

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:
        return f"Quantity({self.display()!r})"


# ---- the syntax tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A number as written, with its unit (``500元/人``); ``text`` is the literal for messages."""

    value: Fraction
    unit: Unit = _PLAIN
    text: str = dataclasses.field(default="", compare=False)
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Reference:
    """A named figure of the workbook: ``table[key].field#part`` (``指标[8].实现值#2``)."""

    table: str
    key: str
    field: str | None = None
    part: int | None = None
    position: int = dataclasses.field(default=0, compare=False)

    @property
    def text(self) -> str:
        return (
            f"{self.table}[{self.key}]"
            + (f".{self.field}" if self.field is not None else "")
            + (f"#{self.part}" if self.part is not None else "")
        )

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Negate:
    """Unary minus."""

    operand: Expr
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class BinaryOp:
    """``left op right`` with op one of ``+ - * /`` (× ÷ and full-width forms are read as these)."""

    op: str
    left: Expr
    right: Expr
    position: int = dataclasses.field(default=0, compare=False)


Expr = Number | Reference | Negate | BinaryOp
Resolver = Callable[[Reference], Quantity]

#: The tables a reference can name, in the order the docs list them.
TABLES = ("文中数据", "预算", "任务", "指标", "基本信息")

# ---- the tokenizer ---------------------------------------------------------------------


def _build_fold() -> dict[int, str]:
    """Full-width and Chinese-keyboard forms to ASCII, one character for one, so positions still match."""
    table = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    table.update({
        0x3000: " ", 0x00A0: " ", ord("×"): "*", ord("÷"): "/", 0x2212: "-", 0x2013: "-", ord("【"): "[",
        ord("】"): "]", ord("。"): ".", 0x2027: "·", 0x30FB: "·", 0x2219: "·",
    })
    return table


_FOLD = _build_fold()
_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_UNIT_SYMBOLS = frozenset("%‰°℃²³㎡㎞")
_MAX_DEPTH = 100
_DIGITS = frozenset("0123456789")


def _unit_char(c: str) -> bool:
    return c.isalpha() or c in _UNIT_SYMBOLS


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "ref", "op", "(", ")", "end"
    position: int
    text: str
    node: Number | Reference | None = None


class _Lexer:
    """Splits an expression into tokens; refuses any character the language does not use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.s = text.translate(_FOLD)
        self.n = len(self.s)

    def error(self, problem: str, position: int) -> RuleSyntaxError:
        return RuleSyntaxError(problem, expression=self.text, position=position)

    def tokens(self) -> Iterator[_Token]:
        """Tokens one at a time, so the parser reports the first problem from the left, whichever kind."""
        pos, s = 0, self.s
        while True:
            while pos < self.n and s[pos].isspace():
                pos += 1
            if pos >= self.n:
                yield _Token("end", pos, "")
                return
            c = s[pos]
            if c in "+-*/":
                yield _Token("op", pos, c)
                pos += 1
            elif c in "()":
                yield _Token(c, pos, self.text[pos])
                pos += 1
            elif c in _DIGITS:
                token, pos = self.number(pos)
                yield token
            elif _unit_char(c):
                token, pos = self.name(pos)
                yield token
            else:
                raise self.error(f"unexpected character {self.text[pos]!r}; {_ALLOWED}", pos)

    def word(self, pos: int) -> int:
        while pos < self.n and _unit_char(self.s[pos]):
            pos += 1
        return pos

    def starts_reference(self, start: int, end: int) -> bool:
        after = end
        while after < self.n and self.s[after].isspace():
            after += 1
        return self.s[start:end] in TABLES and after < self.n and self.s[after] == "["

    def number(self, start: int) -> tuple[_Token, int]:
        match = _NUMBER.match(self.s, start)
        assert match is not None
        end = match.end()
        if end < self.n and (
            self.s[end] in _DIGITS or (self.s[end] in ",." and end + 1 < self.n and self.s[end + 1] in _DIGITS)
        ):
            raise self.error("malformed number (thousands separators go every 3 digits: 1,415.43)", start)
        value = Fraction(match.group().replace(",", ""))
        unit_start = end
        while unit_start < self.n and self.s[unit_start].isspace():
            unit_start += 1
        unit_end = self.word(unit_start)
        if unit_start > end and unit_end > unit_start and self.s[unit_start].isascii():
            unit_end = unit_start  # a Latin unit (km) must touch its number, so `1 if …` is no unit
        if unit_end == unit_start or self.starts_reference(unit_start, unit_end):
            return _Token("num", start, self.text[start:end], Number(value, _PLAIN, self.text[start:end], start)), end
        # 元/人, 人/名, 元/人·天: a / or · right between two unit words belongs to the unit
        while unit_end + 1 < self.n and self.s[unit_end] in "/·" and _unit_char(self.s[unit_end + 1]):
            next_end = self.word(unit_end + 1)
            if self.starts_reference(unit_end + 1, next_end):
                break
            unit_end = next_end
        literal = self.text[start:unit_end]
        unit = parse_unit(self.text[unit_start:unit_end])
        return _Token("num", start, literal, Number(value, unit, literal, start)), unit_end

    def name(self, start: int) -> tuple[_Token, int]:
        end = self.word(start)
        word = self.text[start:end]
        if not self.starts_reference(start, end):
            if word.isascii():
                raise self.error(f"unknown name {word!r}: names are not allowed, only references such as "
                                 "文中数据[C65] or 预算[合计].执行数", start)
            if self.s[start:end] in TABLES:
                raise self.error(f"{word} must be followed by [编号], e.g. 文中数据[C65]", end)
            raise self.error(f"{word!r} is neither a reference nor a unit after a number (write 1{word} for "
                             f"one {word}; references are {'、'.join(t + '[…]' for t in TABLES)})", start)
        pos = end
        while self.s[pos] != "[":
            pos += 1
        close = pos + 1
        while close < self.n and self.s[close] not in "[]\n":
            close += 1
        if close >= self.n or self.s[close] != "]":
            raise self.error("unclosed [ in a reference (write 文中数据[C65])", pos)
        key = self.text[pos + 1 : close].strip()
        if not key:
            raise self.error("empty [] in a reference: write the 编号 or 项目 inside", pos)
        pos = close + 1
        field_name: str | None = None
        part: int | None = None
        if pos < self.n and self.s[pos] == ".":
            field_end = self.word(pos + 1)
            if field_end == pos + 1:
                raise self.error("expected a field name after '.', e.g. .执行数", pos + 1)
            field_name = self.text[pos + 1 : field_end]
            pos = field_end
        if pos < self.n and self.s[pos] == "#":
            digits_end = pos + 1
            while digits_end < self.n and self.s[digits_end].isascii() and self.s[digits_end].isdigit():
                digits_end += 1
            if digits_end == pos + 1 or int(self.s[pos + 1 : digits_end]) == 0:
                raise self.error("expected a part number 1, 2, … after '#'", pos + 1)
            part = int(self.s[pos + 1 : digits_end])
            pos = digits_end
        ref = Reference(self.s[start:end], key, field_name, part, start)
        return _Token("ref", start, self.text[start:pos], ref), pos


_ALLOWED = "an expression holds only numbers with units, references, + - * / × ÷ and ( )"

# ---- the parser --------------------------------------------------------------------------


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := '-' unary | primary; primary := number | reference | '(' expr ')'."""

    def __init__(self, text: str, tokens: Iterator[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.current = next(tokens)
        self.depth = 0

    def error(self, problem: str, position: int) -> RuleSyntaxError:
        return RuleSyntaxError(problem, expression=self.text, position=position)

    def advance(self) -> None:
        self.current = next(self.tokens)

    def parse(self) -> Expr:
        expr = self.expr()
        token = self.current
        if token.kind == ")":
            raise self.error("unmatched ')'", token.position)
        if token.kind != "end":
            raise self.error(f"expected an operator (+ - * / × ÷) before {token.text!r}", token.position)
        return expr

    def expr(self) -> Expr:
        left = self.term()
        while self.current.kind == "op" and self.current.text in "+-":
            token = self.current
            self.advance()
            left = BinaryOp(token.text, left, self.term(), token.position)
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.current.kind == "op" and self.current.text in "*/":
            token = self.current
            self.advance()
            left = BinaryOp(token.text, left, self.unary(), token.position)
        return left

    def enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"nested more than {_MAX_DEPTH} levels deep", position)

    def unary(self) -> Expr:
        token = self.current
        if token.kind == "op" and token.text == "-":
            self.enter(token.position)
            self.advance()
            node = Negate(self.unary(), token.position)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Expr:
        token = self.current
        if token.kind in ("num", "ref"):
            self.advance()
            assert token.node is not None
            return token.node
        if token.kind == "(":
            self.enter(token.position)
            self.advance()
            inner = self.expr()
            if self.current.kind != ")":
                found = "the end" if self.current.kind == "end" else repr(self.current.text)
                raise self.error(f"'(' opened at character {token.position + 1} is not closed; found {found}",
                                 self.current.position)
            self.advance()
            self.depth -= 1
            return inner
        if token.kind == "end" and not self.text.strip():
            raise self.error("the expression is empty", token.position)
        if token.kind == "end":
            raise self.error("the expression ends where a number, a reference or '(' belongs", token.position)
        raise self.error(f"expected a number, a reference or '(' but found {token.text!r}", token.position)


def parse_expression(text: str) -> Expr:
    """Read one side of a rule into a syntax tree; anything outside the language is a RuleSyntaxError.

    Nothing is executed: the text is tokenized and parsed by hand, never given to ``eval``.
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"expected the expression as text, got {type(text).__name__}", expression=str(text))
    lexer = _Lexer(text)
    return _Parser(text, lexer.tokens()).parse()


def references_in(expr: Expr) -> tuple[Reference, ...]:
    """The references of an expression, left to right, each once."""
    found: dict[Reference, None] = {}
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Reference):
            found.setdefault(node)
        elif isinstance(node, Negate):
            stack.append(node.operand)
        elif isinstance(node, BinaryOp):
            stack.extend((node.right, node.left))
    return tuple(found)


# ---- evaluation --------------------------------------------------------------------------


def _no_workbook(ref: Reference) -> Quantity:
    raise UnknownNameError(f"{ref.text}: no workbook to look it up in", reference=ref.text)


def evaluate(expr: Expr, resolve: Resolver | None = None) -> Quantity:
    """The exact value of an expression; ``resolve`` gives each reference's quantity.

    Iterative, so a long chain of ``+`` cannot exhaust Python's recursion limit.
    """
    lookup = resolve or _no_workbook
    values: list[Quantity] = []
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, Number):
            values.append(Quantity(node.value, node.unit))
        elif isinstance(node, Reference):
            values.append(lookup(node))
        elif isinstance(node, Negate):
            if ready:
                values.append(-values.pop())
            else:
                stack.extend(((node, True), (node.operand, False)))
        elif ready:
            right, left = values.pop(), values.pop()
            values.append(_apply(node, left, right))
        else:
            stack.extend(((node, True), (node.right, False), (node.left, False)))
    return values.pop()


def _apply(node: BinaryOp, left: Quantity, right: Quantity) -> Quantity:
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return left / right
    except UnitMismatchError as exc:
        exc.args = (f"{exc.args[0]} (operator at character {node.position + 1})",)
        raise
    except ZeroDivisionError:
        raise RuleError(f"division by zero: {left} / {right} (operator at character {node.position + 1})") from None


# ---- the workbook's named figures ----------------------------------------------------------

_BUDGET_FIELDS = {"预算数": "budget", "执行数": "executed", "上年执行数": "prior_executed", "报告执行率": "stated_rate"}
_TASK_FIELDS = {"资金": "amount", "报告指标数": "stated_indicators", "报告达标数": "stated_met"}
_KPI_FIELDS = {"预期值": "target_text", "实现值": "actual_text", "分值": "weight", "得分": "score"}
_META_FIELDS = {"自评得分": "self_score", "年末结转结余": "carryover", "预算执行率分值": "execution_weight",
                "预算执行率得分": "execution_score"}


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _listing(names: Iterable[str], limit: int = 12) -> str:
    items = list(names)
    if not items:
        return "（无）"
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:6]) + " … " + "、".join(items[-3:]) + f"（共 {len(items)} 个）"


def _unknown(ref: Reference, what: str, available: Iterable[str], wanted: str | None = None) -> UnknownNameError:
    names = tuple(available)
    hint = difflib.get_close_matches(wanted or ref.key, names, n=1, cutoff=0.6)
    message = f"{ref.text}: {what}; available: {_listing(names)}"
    if hint:
        message += f"; did you mean {hint[0]}?"
    return UnknownNameError(message, reference=ref.text, available=names)


def _budget_label(dimension: str, item: str) -> str:
    return dimension if dimension == "合计" else f"{dimension}/{item}"


@dataclass(frozen=True)
class _Figure:
    """A resolved reference: its value and unit, and the 出处 of the row it came from."""

    quantity: Quantity | None
    source: str


class _Lookup:
    """Finds the row a reference names and reads its figure; one instance per report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.money = parse_unit(report.amount_unit)
        self._indexes: dict[tuple[int, str], dict[Any, int]] = {}  # (frame, column) → key → first row

    def __call__(self, ref: Reference) -> Quantity:
        figure = self.find(ref, need_value=True)
        assert figure.quantity is not None
        return figure.quantity

    def find(self, ref: Reference, need_value: bool) -> _Figure:
        if ref.part is not None and not (ref.table == "指标" and ref.field in ("预期值", "实现值")):
            raise UnknownNameError(f"{ref.text}: #{ref.part} applies only to 指标[…].预期值 / 指标[…].实现值",
                                   reference=ref.text)
        reader = {
            "文中数据": self.claim, "预算": self.budget, "任务": self.task, "指标": self.kpi, "基本信息": self.meta,
        }[ref.table]
        return reader(ref, need_value)

    @staticmethod
    def _field(ref: Reference, fields: Mapping[str, str]) -> str:
        if ref.field is None:
            raise UnknownNameError(f"{ref.text}: name a field, e.g. {ref.text}.{next(iter(fields))}; "
                                   f"fields: {'、'.join(fields)}", reference=ref.text, available=tuple(fields))
        if ref.field not in fields:
            raise _unknown(ref, f"no field {ref.field} in {ref.table}", fields, ref.field)
        return fields[ref.field]

    @staticmethod
    def _no_field(ref: Reference, example: str) -> None:
        if ref.field is not None:
            raise UnknownNameError(f"{ref.text}: {ref.table} takes no field; write {example}", reference=ref.text)

    def _value(self, ref: Reference, value: Any, unit: Unit, source: str, need_value: bool) -> _Figure:
        if _blank(value):
            if need_value:
                raise UnknownNameError(f"{ref.text} is blank in the workbook (the report does not state it)",
                                       reference=ref.text)
            return _Figure(None, source)
        return _Figure(Quantity(Fraction(value), unit), source)

    def _row(self, ref: Reference, frame: pd.DataFrame, column: str, sheet: str) -> pd.Series:
        """The first row whose ``column`` equals the reference's key (an index built once per frame)."""
        index = self._indexes.get((id(frame), column))
        if index is None:
            index = {}
            for position, key in enumerate(frame[column]):
                index.setdefault(key, position)
            self._indexes[(id(frame), column)] = index
        if ref.key not in index:
            raise _unknown(ref, f"no {sheet} row with 编号 {ref.key}", frame[column].tolist())
        return frame.iloc[index[ref.key]]

    def claim(self, ref: Reference, need_value: bool) -> _Figure:
        self._no_field(ref, f"文中数据[{ref.key}]")
        row = self._row(ref, self.report.claims, "claim_id", "文中数据")
        return self._value(ref, row["value"], parse_unit(row["unit"]), _source(row["source"]), need_value)

    def budget(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _BUDGET_FIELDS)
        frame = self.report.budget
        key = ref.key.replace("／", "/")
        labels = [_budget_label(d, i) for d, i in zip(frame["dimension"], frame["item"], strict=True)]
        hits = [
            k for k, (d, i) in enumerate(zip(frame["dimension"], frame["item"], strict=True))
            if key in (labels[k], i) or (d == "合计" and key == f"合计/{i}")
        ]
        if not hits:
            raise _unknown(ref, "no 预算 line with that 项目 (or 维度/项目)", labels)
        if len(hits) > 1:
            candidates = tuple(labels[k] for k in hits)
            raise AmbiguousNameError(
                f"{ref.text}: ambiguous, {len(hits)} 预算 lines have 项目 {ref.key}: "
                + "、".join(f"预算[{c}]" for c in candidates) + "; write 预算[维度/项目]",
                reference=ref.text, available=candidates,
            )
        row = frame.iloc[hits[0]]
        unit = parse_unit("%") if column == "stated_rate" else self.money
        return self._value(ref, row[column], unit, _source(row["source"]), need_value)

    def task(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _TASK_FIELDS)
        row = self._row(ref, self.report.tasks, "task_id", "任务")
        unit = self.money if column == "amount" else parse_unit("个")
        value = row[column]
        if column != "amount" and not _blank(value):
            value = int(value)  # a nullable Int64 count
        return self._value(ref, value, unit, _source(row["source"]), need_value)

    def kpi(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _KPI_FIELDS)
        row = self._row(ref, self.report.kpis, "indicator_id", "指标")
        source = _source(row["source"])
        if column in ("weight", "score"):
            return self._value(ref, row[column], parse_unit("分"), source, need_value)
        text = row[column]
        if _blank(text):
            return self._value(ref, None, _PLAIN, source, need_value)
        if not need_value:
            return _Figure(None, source)
        numbers = [m for m in parse_value(str(text)) if m.value is not None]
        if not numbers:
            raise UnknownNameError(f"{ref.text}: no number in {text!r}", reference=ref.text)
        parts = tuple(f"#{k} = {m.value}{' ' + m.unit if m.unit else ''}" for k, m in enumerate(numbers, start=1))
        if ref.part is None and len(numbers) > 1:
            raise AmbiguousNameError(
                f"{ref.text}: {text!r} holds {len(numbers)} numbers ({'、'.join(parts)}); write {ref.text}#1 … "
                f"#{len(numbers)}", reference=ref.text, available=parts,
            )
        index = (ref.part or 1) - 1
        if index >= len(numbers):
            raise UnknownNameError(f"{ref.text}: {text!r} holds only {len(numbers)} number(s): {'、'.join(parts)}",
                                   reference=ref.text, available=parts)
        measure = numbers[index]
        return self._value(ref, measure.value, parse_unit(measure.unit), source, need_value)

    def meta(self, ref: Reference, need_value: bool) -> _Figure:
        self._no_field(ref, f"基本信息[{ref.key}]")
        if ref.key not in _META_FIELDS:
            raise _unknown(ref, "not a number field of 基本信息", _META_FIELDS)
        key = _META_FIELDS[ref.key]
        unit = self.money if key == "carryover" else parse_unit("分")
        source = _source(self.report.meta_sources.get(key))
        return self._value(ref, self.report.meta.get(key), unit, source, need_value)


def _source(value: Any) -> str:
    return "" if _blank(value) else str(value)


def report_resolver(report: Report) -> Resolver:
    """The lookup :func:`evaluate` needs to read one workbook's named figures (文中数据[C65] …)."""
    return _Lookup(report)


def sources_of(report: Report, references: Iterable[str | Reference]) -> list[str]:
    """The 出处 of each referenced figure, in order, for the auditor's trail.

    "" where the row gives no 出处 or the reference names no row (C99, an ambiguous 项目): the
    outcome of such a rule already carries the error, and listing its sources must not fail.
    Text that is not one reference is a RuleSyntaxError.
    """
    lookup = _Lookup(report)
    out: list[str] = []
    for item in references:
        ref = item if isinstance(item, Reference) else parse_expression(item)
        if not isinstance(ref, Reference):
            raise RuleSyntaxError("expected one reference such as 文中数据[C65]", expression=str(item))
        try:
            out.append(lookup.find(ref, need_value=False).source)
        except UnknownNameError:
            out.append("")
    return out


# ---- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleOutcome:
    """One 核对 rule checked: both sides, their difference (left − right, in left's unit) and the verdict.

    ``error`` holds the message when the rule could not be evaluated (then ok is False and the
    quantities not reached are None); ``references`` are the figures used, for :func:`sources_of`.
    """

    rule_id: str
    description: str
    left: Quantity | None
    right: Quantity | None
    difference: Quantity | None
    tolerance: Quantity | None
    ok: bool
    references: tuple[str, ...] = ()
    error: str | None = None
    left_text: str = ""
    right_text: str = ""
    excel_row: int | None = None


def _cell(row: Mapping[str, Any] | pd.Series, *names: str) -> Any:
    for name in names:
        if name in row:  # a dict's keys, a Series' index
            value = row[name]
            return None if _blank(value) else value
    return None


@contextlib.contextmanager
def _where(place: str) -> Iterator[None]:
    """Prefix a RuleError raised inside with the rule and the side it came from."""
    try:
        yield
    except RuleError as exc:
        if exc.where is None:
            exc.where = place
        raise


def _check(
    report: Report, row: Mapping[str, Any] | pd.Series, resolve: Resolver, partial: dict[str, Any]
) -> RuleOutcome:
    """Check one row; ``partial`` collects what was reached, for the outcome of a rule that fails."""
    rule_id = str(_cell(row, "rule_id", "编号") or "")
    description = str(_cell(row, "description", "说明") or "")
    left_text = str(_cell(row, "left", "左式") or "")
    right_text = str(_cell(row, "right", "右式") or "")
    tolerance_text = _cell(row, "tolerance", "容差")
    excel_row = _cell(row, "excel_row")
    partial.update(rule_id=rule_id, description=description, left_text=left_text, right_text=right_text,
                   excel_row=None if excel_row is None else int(excel_row))
    with _where(f"核对 {rule_id} 左式"):
        left_expr = parse_expression(left_text)
    with _where(f"核对 {rule_id} 右式"):
        right_expr = parse_expression(right_text)
    partial["references"] = tuple(r.text for r in dict.fromkeys((*references_in(left_expr),
                                                                  *references_in(right_expr))))
    tolerance: Quantity | None = None
    if tolerance_text is not None and str(tolerance_text).strip():
        with _where(f"核对 {rule_id} 容差"):
            tolerance = Quantity.parse(str(tolerance_text))
            if tolerance.value < 0:
                raise RuleError(f"容差 {tolerance} is negative; write the allowed difference as a positive number")
        partial["tolerance"] = tolerance
    with _where(f"核对 {rule_id} 左式"):
        left = evaluate(left_expr, resolve)
    partial["left"] = left
    with _where(f"核对 {rule_id} 右式"):
        right = evaluate(right_expr, resolve)
    partial["right"] = right
    with _where(f"核对 {rule_id}"):
        if not left.unit.same_dimension(right.unit):
            raise UnitMismatchError(
                f"左式 {left} and 右式 {right} are in different units ({left.unit.name} vs {right.unit.name}); "
                "convert one side explicitly (e.g. × 1人/名) if they count the same thing",
                left_unit=left.unit.name, right_unit=right.unit.name,
            )
        difference = left - right
        partial["difference"] = difference
        allowed = Fraction(0)
        if tolerance is not None:
            if not tolerance.unit.same_dimension(left.unit):
                raise UnitMismatchError(
                    f"容差 {tolerance} is not in the unit of the sides ({tolerance.unit.name} vs {left.unit.name}); "
                    f"write it with a unit, e.g. 0.01{left.unit.text}",
                    left_unit=left.unit.name, right_unit=tolerance.unit.name,
                )
            allowed = tolerance.base_value
    return RuleOutcome(rule_id, description, left, right, difference, tolerance,
                       abs(difference.base_value) <= allowed, partial["references"], None, left_text, right_text,
                       partial["excel_row"])


def check_rule(report: Report, rule_row: Mapping[str, Any] | pd.Series) -> RuleOutcome:
    """Check one 核对 row (a row of ``report.rules``, or a dict with the same keys); raises RuleError."""
    return _check(report, rule_row, report_resolver(report), {})


def check_rules(report: Report) -> list[RuleOutcome]:
    """Check every 核对 row in order; a rule that cannot be evaluated gives ok=False with ``error`` set."""
    resolve = report_resolver(report)
    outcomes: list[RuleOutcome] = []
    for _, row in report.rules.iterrows():
        partial: dict[str, Any] = {}
        try:
            outcomes.append(_check(report, row, resolve, partial))
        except PerfevalError as exc:
            outcomes.append(RuleOutcome(
                partial.get("rule_id", ""), partial.get("description", ""), partial.get("left"),
                partial.get("right"), partial.get("difference"), partial.get("tolerance"), False,
                partial.get("references", ()), str(exc), partial.get("left_text", ""),
                partial.get("right_text", ""), partial.get("excel_row"),
            ))
    return outcomes
