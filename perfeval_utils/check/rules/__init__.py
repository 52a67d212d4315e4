"""A small arithmetic language with units, for the checks an auditor writes in the 核对 sheet.

A rule compares two expressions over the workbook's named figures, e.g.
``文中数据[C65] * 文中数据[C66]`` against ``文中数据[C67]``. Expressions are read by a tokenizer
and a recursive-descent parser into a small typed syntax tree; nothing is ever handed to
Python's ``eval``, so a cell can hold nothing but numbers, units, references, ``+ - * /``
(also ``× ÷`` and full-width forms) and parentheses. Arithmetic is exact (``Fraction``) and
every number carries its unit, so ``500元/人 × 6000人`` is ``3000000 元`` and equals
``300万元``, while ``1万元 + 1人`` is refused. The syntax is documented in
``docs/check-rules.md``.

The pieces, in the order a rule passes through them: :mod:`.units` (units, exact quantities, the
errors), :mod:`.syntax` (tokenizer, parser, evaluation), :mod:`.lookup` (the workbook's named
figures), :mod:`.check` (a rule's outcome).
"""

from perfeval_utils.check.rules.check import RuleOutcome, check_rule, check_rules
from perfeval_utils.check.rules.lookup import report_resolver, sources_of
from perfeval_utils.check.rules.syntax import (
    TABLES,
    BinaryOp,
    Expr,
    Negate,
    Number,
    Reference,
    Resolver,
    evaluate,
    parse_expression,
    references_in,
)
from perfeval_utils.check.rules.units import (
    AmbiguousNameError,
    Quantity,
    RuleError,
    RuleSyntaxError,
    Unit,
    UnitMismatchError,
    UnknownNameError,
    parse_unit,
)

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
