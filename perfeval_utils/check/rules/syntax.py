"""The 核对 language's syntax: tokenizer, recursive-descent parser, syntax tree and exact evaluation
(never Python's eval).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from perfeval_utils.check.rules.units import (
    _FOLD,
    _PLAIN,
    Quantity,
    RuleError,
    RuleSyntaxError,
    Unit,
    UnitMismatchError,
    UnknownNameError,
    parse_unit,
)
from perfeval_utils.unit_words import UNIT_SYMBOLS

#: Digits of a number literal in a rule: more than any printed figure (Excel shows 15 significant
#: digits); beyond it a literal is a typing accident or an attack on int conversion.
MAX_NUMBER_DIGITS = 30

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


_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_MAX_DEPTH = 100
_DIGITS = frozenset("0123456789")


def _unit_char(c: str) -> bool:
    return c.isalpha() or c in UNIT_SYMBOLS


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
        digits = sum(c in _DIGITS for c in match.group())
        if digits > MAX_NUMBER_DIGITS:  # Fraction("1" * 5000) is a ValueError (int conversion limit)
            raise self.error(f"a number of {digits} digits: a figure has at most {MAX_NUMBER_DIGITS}", start)
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
            if digits_end == pos + 1 or digits_end - pos > 7 or int(self.s[pos + 1 : digits_end]) == 0:
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


