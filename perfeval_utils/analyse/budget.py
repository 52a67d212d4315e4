"""Budget execution: how much of each budget line was spent, against the rate the report prints.

Rates are computed in exact decimal arithmetic from the amounts as entered, and compared
with the stated rate at the precision the report prints it: 98.25 % stated matches
1390.69 ÷ 1415.43 = 98.2521…%, because that rounds (half up) to 98.25.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pandas as pd

from perfeval_utils.cells import is_blank
from perfeval_utils.report import Report
from perfeval_utils.schema import TOTAL

#: Digits kept in the displayed ``rate`` column (percent); matching uses the exact quotient.
RATE_DISPLAY = Decimal("0.0001")
HUNDRED = Decimal(100)


def percentage(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole × 100, exact to 28 significant digits; None where whole is missing or zero."""
    if is_blank(part) or is_blank(whole) or whole == 0:
        return None
    with localcontext() as context:
        context.prec = 28
        return part / whole * HUNDRED


def matches_at_printed_precision(computed: Decimal | None, stated: Decimal | None) -> bool | None:
    """True when ``computed`` rounds half-up to ``stated`` at the decimals ``stated`` is printed with.

    None when either side is missing: nothing to compare is not a match and not a mismatch.
    """
    if computed is None or is_blank(stated):
        return None
    exponent = Decimal(1).scaleb(min(stated.as_tuple().exponent, 0))  # type: ignore[arg-type]
    return computed.quantize(exponent, rounding=ROUND_HALF_UP) == stated


def total_line(report: Report) -> pd.Series:
    """The 合计 row of the budget (the loader guarantees exactly one)."""
    return report.budget[report.budget["dimension"] == TOTAL].iloc[0]


def execution(report: Report) -> pd.DataFrame:
    """One row per budget line: dimension, item, budget, executed, rate, stated_rate, rate_matches.

    ``rate`` is executed ÷ budget in percent (Decimal, shown to 4 decimals), NA where the line has
    no budget; ``rate_matches`` is NA where there is no stated rate or no rate to compare.
    """
    rows = []
    for line in report.budget.itertuples(index=False):
        exact = percentage(line.executed, line.budget)
        rows.append(
            {
                "dimension": line.dimension,
                "item": line.item,
                "budget": line.budget,
                "executed": line.executed,
                "rate": None if exact is None else exact.quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP),
                "stated_rate": line.stated_rate,
                "rate_matches": matches_at_printed_precision(exact, line.stated_rate),
                "source": line.source,
                "excel_row": line.excel_row,
            }
        )
    frame = pd.DataFrame(rows, columns=[
        "dimension", "item", "budget", "executed", "rate", "stated_rate", "rate_matches", "source", "excel_row"])
    frame["rate_matches"] = frame["rate_matches"].astype("boolean")
    return frame


def split(report: Report, dimension: str) -> pd.DataFrame:
    """The lines of one dimension (资金来源, 支出性质 …) with each line's share of the total, in percent.

    Shares are of the total budget where the line states a budget, else of the total executed,
    and ``basis`` says which: the seed states its 支出性质 lines without saying which they are.
    """
    total = total_line(report)
    lines = report.budget[report.budget["dimension"] == dimension]
    rows = []
    for line in lines.itertuples(index=False):
        if line.budget is not None:
            amount, basis, whole = line.budget, "预算数", total["budget"]
        else:
            amount, basis, whole = line.executed, "执行数", total["executed"]
        share = percentage(amount, whole)
        rows.append(
            {
                "item": line.item,
                "amount": amount,
                "basis": basis,
                "share": None if share is None else share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                "source": line.source,
            }
        )
    return pd.DataFrame(rows, columns=["item", "amount", "basis", "share", "source"])


def dimension_sums(report: Report) -> pd.DataFrame:
    """Each dimension's lines summed, beside the total budget and total executed (exact Decimals).

    Lines with a blank amount are left out of that column's sum and counted in ``*_blank``, so a
    sum over partly stated lines is visibly partial.
    """
    total = total_line(report)
    rows = []
    for dimension, lines in report.budget[report.budget["dimension"] != TOTAL].groupby("dimension", sort=False):
        budgets = [v for v in lines["budget"] if v is not None]
        executed = [v for v in lines["executed"] if v is not None]
        rows.append(
            {
                "dimension": dimension,
                "lines": len(lines),
                "budget_sum": sum(budgets, Decimal(0)) if budgets else None,
                "budget_blank": len(lines) - len(budgets),
                "executed_sum": sum(executed, Decimal(0)) if executed else None,
                "executed_blank": len(lines) - len(executed),
                "total_budget": total["budget"],
                "total_executed": total["executed"],
            }
        )
    return pd.DataFrame(rows, columns=["dimension", "lines", "budget_sum", "budget_blank", "executed_sum",
                                       "executed_blank", "total_budget", "total_executed"])


def execution_summary(report: Report) -> str:
    """The department total's execution in one sentence, computed and as stated (for notebooks)."""
    line = execution(report).iloc[0]
    unit = report.amount_unit
    budget = "未列" if line["budget"] is None else f"{line['budget']} {unit}"
    executed = "未列" if line["executed"] is None else f"{line['executed']} {unit}"
    computed = "无法计算" if line["rate"] is None else f"{line['rate']}%"
    if line["stated_rate"] is None:
        stated = "报告未列执行率"
    else:
        verdict = {True: "按报告精度一致", False: "按报告精度不一致"}.get(
            None if is_blank(line["rate_matches"]) else bool(line["rate_matches"]), "无从比较")
        stated = f"报告执行率 {line['stated_rate']}%，{verdict}"
    return f"预算数 {budget}，执行数 {executed}，重算执行率 {computed}；{stated}"
