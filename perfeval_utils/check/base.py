"""What every reconciliation check produces: the :class:`Check` record, the columns of the table
:func:`perfeval_utils.check.reconcile.reconcile` returns, and the two wording helpers every kind
of check writes its sentences with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

COLUMNS = ["check_id", "kind", "description", "stated", "computed", "difference", "unit", "tolerance", "ok",
           "finding", "source"]
#: How a check compares: exactly, or at the precision the report prints (rates).
EXACT = "精确相等"
PRINTED = "按报告精度四舍五入"


@dataclass
class Check:
    """One check before it becomes a row; ``ok`` None means it could not be decided."""

    kind: str
    description: str
    stated: Decimal | None
    computed: Decimal | None
    unit: str | None
    tolerance: str
    ok: bool | None
    finding: str | None
    sources: tuple[str, ...]

    @property
    def difference(self) -> Decimal | None:
        if self.stated is None or self.computed is None:
            return None
        return self.computed - self.stated


def cited(*given: object) -> tuple[str, ...]:
    """The 出处 that are given (blank and missing ones dropped), as text."""
    return tuple(str(s) for s in given if isinstance(s, str) and s)


def fmt(value: Decimal | None, unit: str | None = None) -> str:
    """A figure in a finding: 未列 when missing, integers without decimals (100, not 100.00), with its unit."""
    if value is None:
        return "未列"
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return f"{text} {unit}" if unit else text
