"""Checking a 核对 rule: both sides evaluated exactly, compared at the stated precision, with the
sources of every figure used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from perfeval_utils.cells import is_blank
from perfeval_utils.check.rules.lookup import report_resolver
from perfeval_utils.check.rules.syntax import Resolver, evaluate, parse_expression, references_in
from perfeval_utils.check.rules.units import Quantity, RuleError, UnitMismatchError
from perfeval_utils.errors import PerfevalError
from perfeval_utils.report import Report

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


def _row_value(row: Mapping[str, Any] | pd.Series, *names: str) -> Any:
    for name in names:
        if name in row:  # a dict's keys, a Series' index
            value = row[name]
            return None if is_blank(value) else value
    return None


@contextlib.contextmanager
def _placed(place: str) -> Iterator[None]:
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
    rule_id = str(_row_value(row, "rule_id", "编号") or "")
    description = str(_row_value(row, "description", "说明") or "")
    left_text = str(_row_value(row, "left", "左式") or "")
    right_text = str(_row_value(row, "right", "右式") or "")
    tolerance_text = _row_value(row, "tolerance", "容差")
    excel_row = _row_value(row, "excel_row")
    partial.update(rule_id=rule_id, description=description, left_text=left_text, right_text=right_text,
                   excel_row=None if excel_row is None else int(excel_row))
    with _placed(f"核对 {rule_id} 左式"):
        left_expr = parse_expression(left_text)
    with _placed(f"核对 {rule_id} 右式"):
        right_expr = parse_expression(right_text)
    partial["references"] = tuple(r.text for r in dict.fromkeys((*references_in(left_expr),
                                                                  *references_in(right_expr))))
    tolerance: Quantity | None = None
    if tolerance_text is not None and str(tolerance_text).strip():
        with _placed(f"核对 {rule_id} 容差"):
            tolerance = Quantity.parse(str(tolerance_text))
            if tolerance.value < 0:
                raise RuleError(f"容差 {tolerance} is negative; write the allowed difference as a positive number")
        partial["tolerance"] = tolerance
    with _placed(f"核对 {rule_id} 左式"):
        left = evaluate(left_expr, resolve)
    partial["left"] = left
    with _placed(f"核对 {rule_id} 右式"):
        right = evaluate(right_expr, resolve)
    partial["right"] = right
    with _placed(f"核对 {rule_id}"):
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
