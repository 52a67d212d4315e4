"""Year-over-year series from what the reports state: each figure with its basis (stated, a later
report's prior-year column, or derived from a stated change), never invented. docs/many-workbooks.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, Inexact, localcontext
from typing import Any, Final

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.budget import RATE_DISPLAY, matches_at_printed_precision, percentage
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.cells import indicator_key, is_blank, match_key, text_or_none
from perfeval_utils.read.many import AMOUNT_COLUMNS, COMMON_UNIT, UNIT_FACTORS, ReportSet, to_common_unit
from perfeval_utils.report import Report

PERCENT: Final = "%"

#: Series measures: the 预算 sheet's headers for the amounts, and the stated rate.
BUDGET_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "budget")
EXECUTED_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "executed")
PRIOR_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "prior_executed")
RATE_MEASURE: Final = "执行率"

STATED: Final = "stated"
#: Rates and shares across reports (a change rate, a basic-spending share) are shown at two decimals.
SHARE_DISPLAY: Final = Decimal("0.01")

SERIES_COLUMNS: Final = ["department", "year", "dimension", "item", "measure", "value", "unit", "basis",
                         "report_year", "file", "source"]

#: The 合计 line's 项目 in a department-wide report; a stated change on it is about the 合计 line.
TOTAL_ITEM: Final = "部门整体支出"


def prior_year_basis(year: int) -> str:
    """The basis of a figure read from the 上年执行数 column of the ``year`` report."""
    return f"prior-year column of the {year} report"


def derived_basis(year: int) -> str:
    """The basis of a prior-year figure derived from the change the ``year`` report states."""
    return f"derived from stated change in the {year} report"


def _line_key(dimension: str, item: str) -> tuple[str, str]:
    """A budget line across years: the 合计 line always matches 合计; others by 维度 and 项目."""
    if dimension == schema.TOTAL:
        return (schema.TOTAL, "")
    return (match_key(dimension), match_key(item))


# ---- series ----------------------------------------------------------------------------------


def _claim_in_common_unit(value: Decimal, unit: Any) -> Decimal | None:
    """A stated change in 万元; None when its unit is not an amount unit."""
    factor = UNIT_FACTORS.get(str(unit).strip()) if not is_blank(unit) else None
    return None if factor is None else to_common_unit(value, factor)


def stated_changes(report_set: ReportSet, department: str | None = None) -> pd.DataFrame:
    """Every stated change on the prior year (文中数据 较上年:<项目>:增减额 / 增减率), one row per 项目.

    Columns: department, year, item, change (万元, as stated), stated_rate (%, as stated), executed
    (the line's 执行数 this year, 万元), derived_prior (executed − change, exact; NA where the report
    states no executed amount for that 项目), recomputed_rate (change ÷ derived_prior, %, 2 decimals),
    rate_matches (the stated rate against the recomputed one at the precision printed), note, source.
    """
    rows = []
    for report in originals(report_set, department):
        claims = report.claims
        found: dict[str, dict[str, Any]] = {}
        for claim in claims.itertuples(index=False):
            match = schema.CHANGE_ITEM.match(str(claim.item).strip())
            if not match:
                continue
            entry = found.setdefault(match["item"].strip(), {"ids": [], "sources": []})
            entry["ids"].append(claim.claim_id)
            if text_or_none(claim.source):
                entry["sources"].append(str(claim.source))
            if match["kind"] == schema.CHANGE_AMOUNT:
                entry["change"] = _claim_in_common_unit(claim.value, claim.unit)
                entry["change_unit"] = text_or_none(claim.unit)
            else:
                entry["rate"] = claim.value if text_or_none(claim.unit) in (PERCENT, "％") else None
        lines = lines_in_common_unit(report)
        for scope, entry in found.items():
            line = line_for_scope(lines, scope)
            executed = None if line is None else line["executed"]
            change = entry.get("change")
            derived = None
            note = []
            if "change" in entry and change is None:
                note.append(f"增减额单位「{entry.get('change_unit')}」不是金额单位，未使用")
            if change is not None and executed is not None:
                with localcontext() as context:
                    context.prec = 60
                    context.traps[Inexact] = True
                    derived = executed - change
            elif change is not None:
                note.append(f"报告未列「{scope}」的执行数，无法推算上年数")
            recomputed = percentage(change, derived)
            stated_rate = entry.get("rate")
            matches = matches_at_printed_precision(recomputed, stated_rate)
            if matches is False:
                note.append(f"报告增减率 {stated_rate}% 与增减额不符（按增减额推算为 "
                            f"{recomputed.quantize(SHARE_DISPLAY, rounding=ROUND_HALF_UP)}%）")  # type: ignore[union-attr]
            rows.append({
                "department": report.department, "year": report.year, "item": scope, "change": change,
                "stated_rate": stated_rate, "executed": executed, "derived_prior": derived,
                "recomputed_rate": None if recomputed is None else recomputed.quantize(SHARE_DISPLAY,
                                                                                       rounding=ROUND_HALF_UP),
                "rate_matches": matches, "note": "；".join(note) or None, "claims": "、".join(entry["ids"]),
                "source": "；".join(dict.fromkeys(entry["sources"])) or None,
            })
    frame = pd.DataFrame(rows, columns=["department", "year", "item", "change", "stated_rate", "executed",
                                        "derived_prior", "recomputed_rate", "rate_matches", "note", "claims", "source"])
    frame["rate_matches"] = frame["rate_matches"].astype("boolean")
    return frame


def changes_of(changes: pd.DataFrame, department: str, year: int) -> pd.DataFrame:
    """The rows of :func:`stated_changes` that one department's report of ``year`` states."""
    return changes[(changes["department"] == department) & (changes["year"] == year)]


def originals(report_set: ReportSet, department: str | None) -> list[Report]:
    """The reports as loaded (not the template rows), of one department or all; an unknown name is an error."""
    if department is not None:
        report_set._check_department(department)
    return report_set.originals.of(department)


def lines_in_common_unit(report: Report) -> list[dict[str, Any]]:
    """The report's budget lines as dicts, amounts converted to 万元 (the ReportSet's unit)."""
    factor = UNIT_FACTORS[report.amount_unit]
    lines = []
    for line in report.budget.itertuples(index=False):
        values = line._asdict()
        for column in AMOUNT_COLUMNS["budget"]:
            values[column] = to_common_unit(values[column], factor)
        lines.append(values)
    return lines


def line_for_scope(lines: list[dict[str, Any]], scope: str) -> dict[str, Any] | None:
    """The budget line a stated change is about: by 项目; 部门整体支出 (or the 合计's 项目) is the 合计 line."""
    wanted = match_key(scope)
    total = next(line for line in lines if line["dimension"] == schema.TOTAL)
    if wanted in (match_key(total["item"]), match_key(TOTAL_ITEM), match_key(schema.TOTAL)):
        return total
    matching = [line for line in lines if match_key(line["item"]) == wanted]
    return matching[0] if len(matching) == 1 else None


def series(report_set: ReportSet, department: str | None = None, *,
           changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every budget figure by year, in 万元, each with its basis; prior-year figures as years of their own.

    One row per department, year, budget line (dimension, item) and measure (预算数, 执行数, 执行率),
    with ``unit`` (万元 or %), ``basis`` (``stated``, ``prior-year column of the YEAR report`` or
    ``derived from stated change in the YEAR report``), ``report_year`` (the report the figure is
    read from), ``file`` and ``source`` (the 出处 of the line, or of the stated change). A figure
    stated by two reports appears twice: :func:`execution_by_year` chooses, and says so. ``changes``:
    :func:`stated_changes` of the same set when the caller has it already (it is not recomputed).
    """
    rows: list[dict[str, Any]] = []
    if changes is None:
        changes = stated_changes(report_set, department)
    for report in originals(report_set, department):
        base = {"department": report.department, "report_year": report.year, "file": report.path.name}
        lines = lines_in_common_unit(report)
        for line in lines:
            where = {**base, "dimension": line["dimension"], "item": line["item"],
                     "source": text_or_none(line["source"])}
            for measure, column, unit in ((BUDGET_MEASURE, "budget", COMMON_UNIT),
                                          (EXECUTED_MEASURE, "executed", COMMON_UNIT),
                                          (RATE_MEASURE, "stated_rate", PERCENT)):
                if not is_blank(line[column]):
                    rows.append({**where, "year": report.year, "measure": measure, "value": line[column],
                                 "unit": unit, "basis": STATED})
            if not is_blank(line["prior_executed"]):
                rows.append({**where, "year": report.year - 1, "measure": EXECUTED_MEASURE,
                             "value": line["prior_executed"], "unit": COMMON_UNIT,
                             "basis": prior_year_basis(report.year)})
        total = next(line for line in lines if line["dimension"] == schema.TOTAL)
        for change in changes_of(changes, report.department, report.year).itertuples(index=False):
            if is_blank(change.derived_prior):
                continue
            line = line_for_scope(lines, change.item) or total
            rows.append({**base, "dimension": line["dimension"], "item": line["item"], "year": report.year - 1,
                         "measure": EXECUTED_MEASURE, "value": change.derived_prior, "unit": COMMON_UNIT,
                         "basis": derived_basis(report.year), "source": change.source})
    frame = pd.DataFrame(rows, columns=SERIES_COLUMNS)
    frame = frame.sort_values(["department", "year", "report_year"], kind="stable").reset_index(drop=True)
    for column in ("year", "report_year"):
        frame[column] = frame[column].astype("int64")
    return frame


#: Which figure wins when several reports state one: the year's own report, then a later report's
#: 上年执行数 column, then a derivation from a stated change.
def _basis_rank(basis: str) -> int:
    if basis == STATED:
        return 0
    return 1 if basis.startswith("prior-year column") else 2


EXECUTION_COLUMNS: Final = ["year", "budget", "budget_basis", "executed", "executed_basis", "stated_rate", "rate",
                            "other_figures", "source"]


def execution_by_year(
    report_set: ReportSet, department: str, dimension: str = schema.TOTAL, item: str | None = None, *,
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One budget line of one department, one row per year: budget, executed, the rates, each with its basis.

    ``rate`` is executed ÷ budget in percent (4 decimals, like :func:`perfeval_utils.analyse.budget.execution`),
    computed only when both are stated by that year's own report; ``stated_rate`` is the rate as
    printed. Where two reports state different figures for the same year and measure, the year's
    own report wins and ``other_figures`` lists the others. A year whose workbook has the line but
    states nothing on it (a template not yet filled in) is a row of blanks, never of zeros.
    ``changes``: :func:`stated_changes` of the set when the caller has it already.
    """
    data = series(report_set, department, changes=changes)
    wanted = _line_key(dimension, item or "")
    mask = [_line_key(d, i) == wanted for d, i in zip(data["dimension"], data["item"], strict=True)]
    data = data[pd.Series(mask, index=data.index, dtype=bool)]
    # A workbook that has the line but states nothing on it yet (a template being filled) is a year too.
    years = {int(y) for y in data["year"]} | {
        r.year for r in originals(report_set, department)
        if any(_line_key(d, i) == wanted for d, i in zip(r.budget["dimension"], r.budget["item"], strict=True))
    }
    rows = []
    for year in sorted(years):
        group = data[data["year"] == year]
        row: dict[str, Any] = {"year": int(year)}
        others: list[str] = []
        sources: list[str] = []
        for measure, column in ((BUDGET_MEASURE, "budget"), (EXECUTED_MEASURE, "executed"),
                                (RATE_MEASURE, "stated_rate")):
            figures = group[group["measure"] == measure]
            if figures.empty:
                row[column] = None
                if column != "stated_rate":
                    row[f"{column}_basis"] = None
                continue
            ranked = figures.assign(_rank=[_basis_rank(b) for b in figures["basis"]]).sort_values(
                ["_rank", "report_year"], kind="stable")
            best = ranked.iloc[0]
            row[column] = best["value"]
            if column != "stated_rate":
                row[f"{column}_basis"] = best["basis"]
            if text_or_none(best["source"]):
                sources.append(str(best["source"]))
            for other in ranked.iloc[1:].itertuples(index=False):
                if other.value != best["value"]:
                    others.append(f"{measure} {other.value}（{other.basis}）")
        both_stated = row.get("budget_basis") == STATED and row.get("executed_basis") == STATED
        exact = percentage(row["executed"], row["budget"]) if both_stated else None
        row["rate"] = None if exact is None else exact.quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP)
        row["other_figures"] = "；".join(others) or None
        row["source"] = "；".join(dict.fromkeys(sources)) or None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=EXECUTION_COLUMNS)
    frame["year"] = frame["year"].astype("int64")
    return frame


# ---- indicators ------------------------------------------------------------------------------

INDICATOR_COLUMNS: Final = ["department", "year", "key", "name", "part", "label", "indicator_id", "category",
                            "target_text", "actual_text", "target", "actual", "unit", "completion", "met",
                            "stated_met", "reason", "years", "ambiguous", "source"]


def indicator_series(report_set: ReportSet, department: str | None = None) -> pd.DataFrame:
    """Every indicator part of every report, with its matching ``key`` and the number of ``years`` it appears in.

    Matching rule (:func:`indicator_key`): two indicators are the same when their names are equal
    after NFKC normalisation, removing all blanks and lower-casing Latin letters; 一级指标 and 范围
    are shown but not compared, so a renamed indicator is a new one. A name used twice in one
    report is ``ambiguous`` and is not matched across years.
    """
    parts = []
    for report in originals(report_set, department):
        frame = indicators(report)
        if frame.empty:
            continue
        frame = frame.assign(department=report.department, year=report.year,
                             key=[indicator_key(n) for n in frame["name"]])
        ids_per_key = frame.groupby("key")["indicator_id"].nunique()
        frame["ambiguous"] = frame["key"].map(ids_per_key).gt(1)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    data = pd.concat(parts, ignore_index=True)
    clear = data[~data["ambiguous"]]
    years = clear.groupby(["department", "key"])["year"].nunique()
    data["years"] = [1 if amb else int(years.get((d, k), 1))
                     for d, k, amb in zip(data["department"], data["key"], data["ambiguous"], strict=True)]
    data = data[INDICATOR_COLUMNS].sort_values(["department", "key", "part", "year"], kind="stable")
    return data.reset_index(drop=True)


def indicator_trend(report_set: ReportSet, department: str | None = None, min_years: int = 2) -> pd.DataFrame:
    """The indicator parts that appear in at least ``min_years`` years, year by year (target, actual, completion)."""
    data = indicator_series(report_set, department)
    data = data[data["years"] >= min_years]
    return data[["department", "name", "part", "label", "year", "category", "target_text", "actual_text",
                 "completion", "met", "stated_met", "reason"]].reset_index(drop=True)


def recurring_shortfalls(report_set: ReportSet, department: str | None = None, min_years: int = 2) -> pd.DataFrame:
    """Indicator parts that fell short in at least ``min_years`` years (computed or as the report states).

    Columns: department, name, label, years_short (e.g. 2022、2023), times_short, years_seen, reasons.
    """
    data = indicator_series(report_set, department)
    short = data[data["met"].eq(False).fillna(False) | data["stated_met"].eq(False).fillna(False)]
    rows = []
    for (dept, _key, _part), group in short.groupby(["department", "key", "part"], sort=True):
        years = sorted({int(y) for y in group["year"]})
        if len(years) < min_years:
            continue
        first = group.iloc[-1]
        reasons = [f"{int(y)}：{r}" for y, r in zip(group["year"], group["reason"], strict=True) if text_or_none(r)]
        rows.append({"department": dept, "name": first["name"], "label": first["label"],
                     "years_short": "、".join(str(y) for y in years), "times_short": len(years),
                     "years_seen": int(first["years"]), "reasons": "；".join(reasons) or None})
    return pd.DataFrame(rows, columns=["department", "name", "label", "years_short", "times_short", "years_seen",
                                       "reasons"])




# ---- views for a worked example over several departments ------------------------------------


def departments_with_series(report_set: ReportSet, pattern: str = "") -> list[str]:
    """The departments whose name contains ``pattern`` and whose 合计 line has figures for two years or more."""
    return [d for d in report_set.departments if pattern in d and len(execution_by_year(report_set, d)) > 1]


def total_series(report_set: ReportSet, departments: list[str]) -> pd.DataFrame:
    """The 合计 line's 执行数 by year for ``departments``: department, year, value, unit, basis, file."""
    data = series(report_set)
    wanted = data["department"].isin(departments) & (data["dimension"] == schema.TOTAL) & (
        data["measure"] == EXECUTED_MEASURE)
    return data.loc[wanted, ["department", "year", "value", "unit", "basis", "file"]].reset_index(drop=True)


def lines_by_year(report_set: ReportSet, departments: list[str]) -> pd.DataFrame:
    """Every other budget line stated for two years or more: one row per line, one column per year and amount.

    Columns: department, dimension, item, then ``<year> <measure>`` (预算数, 执行数) in year order; a
    cell the reports do not state is None. Rates are left out: they are recomputed elsewhere.
    """
    data = series(report_set)
    data = data[data["department"].isin(departments) & (data["dimension"] != schema.TOTAL)
                & (data["measure"] != RATE_MEASURE)]
    keys = ["department", "dimension", "item"]
    data = data[data.groupby(keys)["year"].transform("nunique") > 1]
    columns = sorted({(int(y), str(m)) for y, m in zip(data["year"], data["measure"], strict=True)},
                     key=lambda c: (c[0], c[1] != BUDGET_MEASURE))
    rows = []
    for key, group in data.groupby(keys, sort=False):
        figures = {(int(r.year), str(r.measure)): r.value for r in group.itertuples(index=False)}
        rows.append([*key, *(figures.get(c) for c in columns)])
    return pd.DataFrame(rows, columns=[*keys, *(f"{y} {m}" for y, m in columns)])
