"""Units and exact quantities for the 核对 language: 万元 = 10000 元, 元/人 × 人 = 元, and the rule errors.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from perfeval_utils.cells import WIDTH_FOLD
from perfeval_utils.errors import PerfevalError
from perfeval_utils.unit_words import ALIASES, DIMENSIONLESS, SCALE_WORDS

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


#: The rule language's folding: the shared width folding (cells.WIDTH_FOLD) plus the operators and
#: brackets a Chinese keyboard types (× ÷ 【】, 。 for the field dot, middle dots for ·).
_FOLD: dict[int, str] = {
    **WIDTH_FOLD, ord("×"): "*", ord("÷"): "/", ord("【"): "[", ord("】"): "]", ord("。"): ".", 0x2027: "·",
    0x30FB: "·", 0x2219: "·",
}


# ---- units -----------------------------------------------------------------------------

_PREFIXES = SCALE_WORDS
_PREFIX_NAMES = {
    Fraction(10): "十", Fraction(100): "百", Fraction(1000): "千", Fraction(10_000): "万",
    Fraction(1_000_000): "百万", Fraction(10_000_000): "千万", Fraction(100_000_000): "亿",
    Fraction(10**12): "万亿",
}
_DIMENSIONLESS = DIMENSIONLESS
_ALIASES = ALIASES
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
        return _unit_product(self, other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return _unit_product(self, other, -1)

    def __str__(self) -> str:
        return self.text

    @property
    def name(self) -> str:
        """The text for messages; a plain number says so."""
        return self.text or "无单位（纯数字）"


_PLAIN = Unit(Fraction(1), (), "")


def _unit_product(a: Unit, b: Unit, sign: int) -> Unit:
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
        from perfeval_utils.check.rules.syntax import Expr, Negate, Number, parse_expression

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


