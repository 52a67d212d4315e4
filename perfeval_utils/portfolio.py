"""Many workbooks at once: several years of one department, or several departments side by side.

:func:`load_reports` loads every v1 workbook given (a folder is searched recursively) into a
:class:`ReportSet`: the frames of :class:`~perfeval_utils.workbook.Report` stacked, each with
``department`` and ``year`` columns, amounts put on 万元 (exactly: 元 × 0.0001 as Decimal, each
conversion recorded in ``conversions``), and a ``reports`` table with one row per workbook.

No figure is invented. A year-over-year series (:func:`series`) holds only figures a report
states, each with its ``basis``:

- ``stated``: the year's own report states it;
- ``prior-year column of the YEAR report``: a later report's 上年执行数 column;
- ``derived from stated change in the YEAR report``: prior executed = executed − the stated
  change (文中数据 ``较上年:<项目>:增减额``), computed exactly. This is the only derivation.

Budget lines are matched across years by 维度 and 项目 after :func:`match_key` (the 合计 line
always matches the 合计 line, whatever its 项目 says); indicators by name after the same
normalisation (see :func:`indicator_key`). docs/many-workbooks.md explains the rules.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, Inexact, localcontext
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from perfeval_utils import schema
from perfeval_utils.budget import RATE_DISPLAY, matches_at_printed_precision, percentage
from perfeval_utils.errors import PerfevalError, WorkbookError
from perfeval_utils.indicators import indicators
from perfeval_utils.workbook import Report, load_report

#: The common unit of a ReportSet, and the exact factor from each unit the format allows.
COMMON_UNIT: Final = "万元"
UNIT_FACTORS: Final[dict[str, Decimal]] = {"万元": Decimal(1), "元": Decimal("0.0001")}
#: A progress bar is shown when more workbooks than this are loaded (never under pytest).
PROGRESS_MIN_FILES: Final = 5

#: 文中数据 事项 stating a change on the prior year: 较上年:<项目>:增减额 (amount) / 增减率 (%).
CHANGE_PREFIX: Final = "较上年"
CHANGE_AMOUNT: Final = "增减额"
CHANGE_RATE: Final = "增减率"
_CHANGE_ITEM = re.compile(rf"^{CHANGE_PREFIX}[:：](?P<scope>[^:：]+)[:：](?P<kind>{CHANGE_AMOUNT}|{CHANGE_RATE})$")
PERCENT: Final = "%"

#: Series measures: the 预算 sheet's headers for the amounts, and the stated rate.
BUDGET_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "budget")
EXECUTED_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "executed")
PRIOR_MEASURE: Final = next(c.header for c in schema.BUDGET.columns if c.name == "prior_executed")
RATE_MEASURE: Final = "执行率"
#: The 支出性质 split (basic / project spending) compared between peers.
NATURE: Final = "支出性质"
BASIC: Final = "基本支出"
PROJECT: Final = "项目支出"
#: The report kind that is a final-accounts page, not a self-evaluation.
FINAL_ACCOUNTS: Final = "部门决算"

STATED: Final = "stated"
_CENT: Final = Decimal("0.01")

#: Columns converted to 万元, by sheet name (English column names).
AMOUNT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    sheet.name: tuple(c.name for c in sheet.columns if c.kind is schema.Kind.AMOUNT)
    for sheet in schema.SHEETS
    if sheet is not schema.META
}
FRAMES: Final = tuple(sheet.name for sheet in schema.SHEETS if sheet is not schema.META)

REPORT_COLUMNS: Final = ["department", "year", "report_kind", "amount_unit", "file", "path"]
CONVERSION_COLUMNS: Final = ["department", "year", "file", "from_unit", "to_unit", "factor", "converted", "path"]
ERROR_COLUMNS: Final = ["file", "error", "message", "sheet", "row", "column", "path"]
SERIES_COLUMNS: Final = ["department", "year", "dimension", "item", "measure", "value", "unit", "basis",
                         "report_year", "file", "source"]

#: The 合计 line's 项目 in a department-wide report; a stated change on it is about the 合计 line.
TOTAL_ITEM: Final = "部门整体支出"

assert NATURE in schema.BUDGET_DIMENSIONS
assert set(schema.AMOUNT_UNITS) == set(UNIT_FACTORS)


def prior_year_basis(year: int) -> str:
    """The basis of a figure read from the 上年执行数 column of the ``year`` report."""
    return f"prior-year column of the {year} report"


def derived_basis(year: int) -> str:
    """The basis of a prior-year figure derived from the change the ``year`` report states."""
    return f"derived from stated change in the {year} report"


class DuplicateReportError(PerfevalError):
    """Two workbooks hold the same department and year; the message names both files."""

    def __init__(self, department: str, year: int, first: Path, second: Path) -> None:
        self.department, self.year, self.paths = department, year, (first, second)
        super().__init__(
            f"two workbooks for {department} {year}: {first} and {second}; "
            "fix: keep one of them (or correct 部门 / 年度 in the other's 基本信息)"
        )


class NoWorkbooksError(PerfevalError):
    """Nothing to load: the path does not exist or holds no .xlsx file."""


class UnknownDepartmentError(PerfevalError):
    """A department the ReportSet holds no workbook for."""


# ---- the set ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSet:
    """Several reports, stacked. Amounts (预算数, 执行数, 上年执行数, 资金) are in :data:`COMMON_UNIT`.

    ``reports``: one row per workbook (department, year, report_kind, amount_unit as the workbook
    states it, file, path). ``conversions``: one row per workbook whose amounts were converted
    (from_unit, to_unit, factor, the columns converted). ``errors``: the workbooks that did not
    load (``on_error="collect"``), with the error's class and message. ``originals``: each
    :class:`Report` as loaded, in its own unit, for the single-report functions.
    """

    reports: pd.DataFrame
    budget: pd.DataFrame
    kpis: pd.DataFrame
    tasks: pd.DataFrame
    claims: pd.DataFrame
    rules: pd.DataFrame
    conversions: pd.DataFrame
    errors: pd.DataFrame
    originals: tuple[Report, ...] = field(default=(), repr=False)
    amount_unit: str = COMMON_UNIT

    @property
    def departments(self) -> list[str]:
        """The departments, sorted."""
        return sorted(set(self.reports["department"]))

    def years(self, department: str) -> list[int]:
        """The years the set holds a workbook for, for one department (ascending)."""
        self._check_department(department)
        return sorted(int(y) for y in self.reports.loc[self.reports["department"] == department, "year"])

    def report(self, department: str, year: int) -> Report:
        """The report of one department and year, as loaded (its own amount unit)."""
        for report in self.originals:
            if report.department == department and report.year == int(year):
                return report
        self._check_department(department)
        raise UnknownDepartmentError(f"no workbook for {department} {year}; years held: {self.years(department)}")

    def latest(self, department: str | None = None) -> Report:
        """The newest report of ``department``; with None, the newest of all (ties: department name)."""
        if department is not None:
            return self.report(department, self.years(department)[-1])
        if not self.originals:
            raise NoWorkbooksError("the ReportSet holds no workbook")
        return max(self.originals, key=lambda r: (r.year, r.department))

    def latest_path(self, department: str | None = None) -> Path:
        """Where the newest workbook of ``department`` (None: of all) is, e.g. for notebook.setup."""
        return self.latest(department).path

    def _check_department(self, department: str) -> None:
        if department not in set(self.reports["department"]):
            raise UnknownDepartmentError(
                f"no workbook for department {department!r}; the set holds: {', '.join(self.departments) or 'none'}; "
                "fix: spell the department exactly as its 基本信息 部门 says"
            )


# ---- loading ---------------------------------------------------------------------------------


def _workbook_paths(paths_or_folder: str | Path | Iterable[str | Path]) -> list[Path]:
    """Every .xlsx given; a folder is searched recursively (sorted). Excel's lock files ~$… are skipped."""
    items = [paths_or_folder] if isinstance(paths_or_folder, str | Path) else list(paths_or_folder)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$") and p.is_file())
            if not inside:
                raise NoWorkbooksError(f"{path}: the folder holds no .xlsx workbook; fix: check data_dir")
            found.extend(inside)
        elif path.exists() or path.suffix:
            found.append(path)  # a missing or non-.xlsx file is load_report's error, with its name
        else:
            raise NoWorkbooksError(f"{path}: no such file or folder; fix: check the path")
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:  # the same file given twice is one workbook
            seen.add(key)
            unique.append(path)
    if not unique:
        raise NoWorkbooksError("no workbook given")
    return unique


def _show_progress(progress: bool | None, count: int) -> bool:
    if progress is not None:
        return progress
    return count > PROGRESS_MIN_FILES and "PYTEST_CURRENT_TEST" not in os.environ


def to_common_unit(value: Any, factor: Decimal) -> Any:
    """``value`` × ``factor`` exactly (元 → 万元: 232000 → 23.2); blanks stay blank; never rounds."""
    if value is None or not isinstance(value, Decimal):
        return value
    if factor == 1:
        return value
    with localcontext() as context:
        context.prec = 60
        context.traps[Inexact] = True
        result = (value * factor).normalize()
    if result.as_tuple().exponent > 0:  # type: ignore[operator]
        result = result.quantize(Decimal(1))
    return result


def _error_row(path: Path, exc: PerfevalError) -> dict[str, Any]:
    is_workbook = isinstance(exc, WorkbookError)
    return {
        "file": path.name,
        "error": type(exc).__name__,
        "message": str(exc),
        "sheet": exc.sheet if is_workbook else None,  # type: ignore[union-attr]
        "row": exc.row if is_workbook else None,  # type: ignore[union-attr]
        "column": exc.column if is_workbook else None,  # type: ignore[union-attr]
        "path": str(path),
    }


def load_reports(
    paths_or_folder: str | Path | Iterable[str | Path],
    *,
    on_error: Literal["raise", "collect"] = "raise",
    progress: bool | None = None,
) -> ReportSet:
    """Load every v1 workbook given (a folder: every .xlsx in it, recursively) into a :class:`ReportSet`.

    Two workbooks for the same department and year raise :class:`DuplicateReportError` naming
    both. A workbook that does not load raises its :class:`WorkbookError` (the message names the
    file); with ``on_error="collect"`` the others are loaded and the failures returned in
    ``errors`` (duplicates too: both files are then left out, since neither can be preferred).
    ``progress``: a tqdm bar on stderr; None shows it for more than :data:`PROGRESS_MIN_FILES`
    workbooks, except under pytest.
    """
    if on_error not in ("raise", "collect"):
        raise PerfevalError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
    paths = _workbook_paths(paths_or_folder)
    loaded: list[Report] = []
    errors: list[dict[str, Any]] = []
    bar = tqdm(paths, desc="读取工作簿", unit="个", disable=not _show_progress(progress, len(paths)))
    for path in bar:
        try:
            loaded.append(load_report(path))
        except PerfevalError as exc:
            if on_error == "raise":
                raise
            errors.append(_error_row(path, exc))
    bar.close()
    kept = _refuse_duplicates(loaded, errors, on_error)
    return _stack(kept, errors)


def _refuse_duplicates(reports: list[Report], errors: list[dict[str, Any]], on_error: str) -> list[Report]:
    by_key: dict[tuple[str, int], list[Report]] = {}
    for report in reports:
        by_key.setdefault((report.department, report.year), []).append(report)
    dropped: set[int] = set()
    for (department, year), group in by_key.items():
        if len(group) < 2:
            continue
        duplicate = DuplicateReportError(department, year, group[0].path, group[1].path)
        if on_error == "raise":
            raise duplicate
        for report in group:
            others = [str(r.path) for r in group if r is not report]
            row = _error_row(report.path, duplicate)
            row["message"] = (f"two workbooks for {department} {year}: {report.path} and {', '.join(others)}; "
                              "both left out; fix: keep one of them")
            errors.append(row)
            dropped.add(id(report))
    return [r for r in reports if id(r) not in dropped]


def _stack(reports: list[Report], errors: list[dict[str, Any]]) -> ReportSet:
    """Concatenate each frame kind once, then convert only the rows of reports not in 万元.

    Converting frame by frame (a copy, a map over every amount column, two inserts per frame)
    cost more than loading the workbooks; stacking first keeps ``load_reports`` near the cost of
    reading the files.
    """
    reports = sorted(reports, key=lambda r: (r.department, r.year))
    conversions = []
    for report in reports:
        if report.amount_unit != COMMON_UNIT:
            columns = [f"{sheet.title}:{c.header}" for sheet in schema.SHEETS if sheet is not schema.META
                       for c in sheet.columns if c.kind is schema.Kind.AMOUNT]
            conversions.append({"department": report.department, "year": report.year, "file": report.path.name,
                                "from_unit": report.amount_unit, "to_unit": COMMON_UNIT,
                                "factor": UNIT_FACTORS[report.amount_unit], "converted": "、".join(columns),
                                "path": str(report.path)})
    stacked = {}
    for sheet in schema.SHEETS:
        if sheet is schema.META:
            continue
        parts = [getattr(report, sheet.name) for report in reports]
        if not any(len(part) for part in parts):
            stacked[sheet.name] = pd.DataFrame(columns=["department", "year", *sheet.names, "excel_row"])
            stacked[sheet.name]["year"] = stacked[sheet.name]["year"].astype("int64")
            continue
        lengths = [len(part) for part in parts]
        frame = pd.concat([part for part in parts if len(part)], ignore_index=True)
        frame.insert(0, "year", np.repeat([r.year for r in reports], lengths).astype("int64"))
        frame.insert(0, "department", np.repeat([r.department for r in reports], lengths))
        factors = np.repeat([UNIT_FACTORS[r.amount_unit] for r in reports], lengths)
        to_convert = np.flatnonzero([f != 1 for f in factors])
        for column in (c for c in AMOUNT_COLUMNS[sheet.name] if c in frame.columns):
            frame[column] = frame[column].astype(object)
            if len(to_convert):
                values = frame[column].to_numpy(copy=True)
                for row in to_convert:
                    values[row] = to_common_unit(values[row], factors[row])
                frame[column] = pd.Series(values, index=frame.index, dtype=object)
        frame["department"] = frame["department"].astype("str")
        stacked[sheet.name] = frame
    table = pd.DataFrame(
        [{"department": r.department, "year": r.year, "report_kind": r.meta.get("report_kind"),
          "amount_unit": r.amount_unit, "file": r.path.name, "path": str(r.path)} for r in reports],
        columns=REPORT_COLUMNS,
    )
    table["year"] = table["year"].astype("int64")
    return ReportSet(
        reports=table,
        conversions=pd.DataFrame(conversions, columns=CONVERSION_COLUMNS),
        errors=pd.DataFrame(errors, columns=ERROR_COLUMNS),
        originals=tuple(reports),
        **stacked,
    )


# ---- matching --------------------------------------------------------------------------------


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


def _line_key(dimension: str, item: str) -> tuple[str, str]:
    """A budget line across years: the 合计 line always matches 合计; others by 维度 and 项目."""
    if dimension == schema.TOTAL:
        return (schema.TOTAL, "")
    return (match_key(dimension), match_key(item))


# ---- series ----------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and bool(pd.isna(value)))


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def _claim_in_common_unit(value: Decimal, unit: Any) -> Decimal | None:
    """A stated change in 万元; None when its unit is not an amount unit."""
    factor = UNIT_FACTORS.get(str(unit).strip()) if not _blank(unit) else None
    return None if factor is None else to_common_unit(value, factor)


def stated_changes(report_set: ReportSet, department: str | None = None) -> pd.DataFrame:
    """Every stated change on the prior year (文中数据 较上年:<项目>:增减额 / 增减率), one row per 项目.

    Columns: department, year, item, change (万元, as stated), stated_rate (%, as stated), executed
    (the line's 执行数 this year, 万元), derived_prior (executed − change, exact; NA where the report
    states no executed amount for that 项目), recomputed_rate (change ÷ derived_prior, %, 2 decimals),
    rate_matches (the stated rate against the recomputed one at the precision printed), note, source.
    """
    rows = []
    for report in _originals(report_set, department):
        claims = report.claims
        found: dict[str, dict[str, Any]] = {}
        for claim in claims.itertuples(index=False):
            match = _CHANGE_ITEM.match(str(claim.item).strip())
            if not match:
                continue
            entry = found.setdefault(match["scope"].strip(), {"ids": [], "sources": []})
            entry["ids"].append(claim.claim_id)
            if _text(claim.source):
                entry["sources"].append(str(claim.source))
            if match["kind"] == CHANGE_AMOUNT:
                entry["change"] = _claim_in_common_unit(claim.value, claim.unit)
                entry["change_unit"] = _text(claim.unit)
            else:
                entry["rate"] = claim.value if _text(claim.unit) in (PERCENT, "％") else None
        lines = _lines_in_common_unit(report)
        for scope, entry in found.items():
            line = _line_for_scope(lines, scope)
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
                            f"{recomputed.quantize(_CENT, rounding=ROUND_HALF_UP)}%）")  # type: ignore[union-attr]
            rows.append({
                "department": report.department, "year": report.year, "item": scope, "change": change,
                "stated_rate": stated_rate, "executed": executed, "derived_prior": derived,
                "recomputed_rate": None if recomputed is None else recomputed.quantize(_CENT, rounding=ROUND_HALF_UP),
                "rate_matches": matches, "note": "；".join(note) or None, "claims": "、".join(entry["ids"]),
                "source": "；".join(dict.fromkeys(entry["sources"])) or None,
            })
    frame = pd.DataFrame(rows, columns=["department", "year", "item", "change", "stated_rate", "executed",
                                        "derived_prior", "recomputed_rate", "rate_matches", "note", "claims", "source"])
    frame["rate_matches"] = frame["rate_matches"].astype("boolean")
    return frame


def _originals(report_set: ReportSet, department: str | None) -> list[Report]:
    if department is not None:
        report_set._check_department(department)
    return [r for r in report_set.originals if department is None or r.department == department]


def _lines_in_common_unit(report: Report) -> list[dict[str, Any]]:
    factor = UNIT_FACTORS[report.amount_unit]
    lines = []
    for line in report.budget.itertuples(index=False):
        values = line._asdict()
        for column in AMOUNT_COLUMNS["budget"]:
            values[column] = to_common_unit(values[column], factor)
        lines.append(values)
    return lines


def _line_for_scope(lines: list[dict[str, Any]], scope: str) -> dict[str, Any] | None:
    """The budget line a stated change is about: by 项目; 部门整体支出 (or the 合计's 项目) is the 合计 line."""
    wanted = match_key(scope)
    total = next(line for line in lines if line["dimension"] == schema.TOTAL)
    if wanted in (match_key(total["item"]), match_key(TOTAL_ITEM), match_key(schema.TOTAL)):
        return total
    matching = [line for line in lines if match_key(line["item"]) == wanted]
    return matching[0] if len(matching) == 1 else None


def series(report_set: ReportSet, department: str | None = None) -> pd.DataFrame:
    """Every budget figure by year, in 万元, each with its basis; prior-year figures as years of their own.

    One row per department, year, budget line (dimension, item) and measure (预算数, 执行数, 执行率),
    with ``unit`` (万元 or %), ``basis`` (``stated``, ``prior-year column of the YEAR report`` or
    ``derived from stated change in the YEAR report``), ``report_year`` (the report the figure is
    read from), ``file`` and ``source`` (the 出处 of the line, or of the stated change). A figure
    stated by two reports appears twice: :func:`execution_by_year` chooses, and says so.
    """
    rows: list[dict[str, Any]] = []
    changes = stated_changes(report_set, department)
    for report in _originals(report_set, department):
        base = {"department": report.department, "report_year": report.year, "file": report.path.name}
        for line in _lines_in_common_unit(report):
            where = {**base, "dimension": line["dimension"], "item": line["item"], "source": _text(line["source"])}
            for measure, column, unit in ((BUDGET_MEASURE, "budget", COMMON_UNIT),
                                          (EXECUTED_MEASURE, "executed", COMMON_UNIT),
                                          (RATE_MEASURE, "stated_rate", PERCENT)):
                if not _blank(line[column]):
                    rows.append({**where, "year": report.year, "measure": measure, "value": line[column],
                                 "unit": unit, "basis": STATED})
            if not _blank(line["prior_executed"]):
                rows.append({**where, "year": report.year - 1, "measure": EXECUTED_MEASURE,
                             "value": line["prior_executed"], "unit": COMMON_UNIT,
                             "basis": prior_year_basis(report.year)})
        total = next(line for line in _lines_in_common_unit(report) if line["dimension"] == schema.TOTAL)
        mine = changes[(changes["department"] == report.department) & (changes["year"] == report.year)]
        for change in mine.itertuples(index=False):
            if change.derived_prior is None or _blank(change.derived_prior):
                continue
            line = _line_for_scope(_lines_in_common_unit(report), change.item) or total
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
    report_set: ReportSet, department: str, dimension: str = schema.TOTAL, item: str | None = None
) -> pd.DataFrame:
    """One budget line of one department, one row per year: budget, executed, the rates, each with its basis.

    ``rate`` is executed ÷ budget in percent (4 decimals, like :func:`perfeval_utils.budget.execution`),
    computed only when both are stated by that year's own report; ``stated_rate`` is the rate as
    printed. Where two reports state different figures for the same year and measure, the year's
    own report wins and ``other_figures`` lists the others. A year whose workbook has the line but
    states nothing on it (a template not yet filled in) is a row of blanks, never of zeros.
    """
    data = series(report_set, department)
    wanted = _line_key(dimension, item or "")
    mask = [_line_key(d, i) == wanted for d, i in zip(data["dimension"], data["item"], strict=True)]
    data = data[pd.Series(mask, index=data.index, dtype=bool)]
    # A workbook that has the line but states nothing on it yet (a template being filled) is a year too.
    years = {int(y) for y in data["year"]} | {
        r.year for r in _originals(report_set, department)
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
            if _text(best["source"]):
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
    for report in _originals(report_set, department):
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
        reasons = [f"{int(y)}：{r}" for y, r in zip(group["year"], group["reason"], strict=True) if _text(r)]
        rows.append({"department": dept, "name": first["name"], "label": first["label"],
                     "years_short": "、".join(str(y) for y in years), "times_short": len(years),
                     "years_seen": int(first["years"]), "reasons": "；".join(reasons) or None})
    return pd.DataFrame(rows, columns=["department", "name", "label", "years_short", "times_short", "years_seen",
                                       "reasons"])


# ---- peers -----------------------------------------------------------------------------------

STATEMENT_COLUMNS: Final = ["department", "year", "report_kind", "self_evaluation", "budget", "executed",
                            "stated_rate", "split", "prior_year", "stated_change", "kpis", "self_score"]


def statements(report_set: ReportSet, departments: Sequence[str] | None = None) -> pd.DataFrame:
    """What each report states at all: the 合计 line's amounts and rate, the 基本/项目 split, a prior-year
    figure, a stated change, how many indicators, a self-score. ``self_evaluation`` is False for a
    部门决算 page, which reports final accounts and is not a self-evaluation.
    """
    rows = []
    changes = stated_changes(report_set)
    for report in report_set.originals:
        if departments is not None and report.department not in departments:
            continue
        total = report.budget[report.budget["dimension"] == schema.TOTAL].iloc[0]
        nature = report.budget[report.budget["dimension"] == NATURE]
        mine = changes[(changes["department"] == report.department) & (changes["year"] == report.year)]
        rows.append({
            "department": report.department, "year": report.year, "report_kind": report.meta.get("report_kind"),
            "self_evaluation": report.meta.get("report_kind") != FINAL_ACCOUNTS,
            "budget": not _blank(total["budget"]), "executed": not _blank(total["executed"]),
            "stated_rate": not _blank(total["stated_rate"]),
            "split": bool(set(nature["item"]) & {BASIC, PROJECT}),
            "prior_year": not _blank(total["prior_executed"]),
            "stated_change": bool(len(mine)),
            "kpis": len(report.kpis),
            "self_score": report.meta.get("self_score") is not None,
        })
    frame = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
    return frame.sort_values(["department", "year"], kind="stable").reset_index(drop=True)


PEER_COLUMNS: Final = ["department", "year", "report_kind", "self_evaluation", "budget", "executed", "stated_rate",
                       "rate", "basic", "project", "basic_share", "split_basis", "split_note", "prior_executed",
                       "prior_basis", "change", "change_basis", "change_rate", "change_rate_basis"]


def _share(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    exact = percentage(part, whole)
    return None if exact is None else exact.quantize(_CENT, rounding=ROUND_HALF_UP)


def peer_comparison(report_set: ReportSet, departments: Sequence[str] | None = None) -> pd.DataFrame:
    """Each department's newest report on 万元: total executed, the basic/project split, the rates, the change.

    - ``rate``: executed ÷ budget (2 decimals) where both are stated; ``stated_rate`` as printed.
    - ``basic`` / ``project``: the 支出性质 lines, from 执行数 where stated, else 预算数 (``split_basis``
      says which); ``basic_share`` is basic ÷ (basic + project); ``split_note`` says when the two
      lines add up to the total budget rather than to the total executed.
    - ``prior_executed``: the prior year's executed, from the 上年执行数 column or derived from a
      stated change (``prior_basis``). ``change``: the stated change, else executed − 上年执行数
      (``change_basis``); ``change_rate``: the stated rate, else change ÷ prior (``change_rate_basis``).
    """
    chosen = [report_set.latest(d) for d in (departments or report_set.departments)]
    changes = stated_changes(report_set)
    rows = []
    for report in chosen:
        lines = _lines_in_common_unit(report)
        total = next(line for line in lines if line["dimension"] == schema.TOTAL)
        row: dict[str, Any] = {
            "department": report.department, "year": report.year, "report_kind": report.meta.get("report_kind"),
            "self_evaluation": report.meta.get("report_kind") != FINAL_ACCOUNTS,
            "budget": total["budget"], "executed": total["executed"], "stated_rate": total["stated_rate"],
        }
        both = not _blank(total["budget"]) and not _blank(total["executed"])
        row["rate"] = _share(total["executed"], total["budget"]) if both else None
        row.update(_split(lines, total))
        row.update(_change(report, total, changes))
        rows.append(row)
    rows.sort(key=lambda r: (-(r["executed"] if not _blank(r["executed"]) else Decimal(-1)), r["department"]))
    return pd.DataFrame(rows, columns=PEER_COLUMNS)


def _split(lines: list[dict[str, Any]], total: dict[str, Any]) -> dict[str, Any]:
    nature = {line["item"]: line for line in lines if line["dimension"] == NATURE and line["item"] in (BASIC, PROJECT)}
    out: dict[str, Any] = {"basic": None, "project": None, "basic_share": None, "split_basis": None, "split_note": None}
    if not nature:
        return out
    column = "executed" if all(not _blank(line["executed"]) for line in nature.values()) else "budget"
    out["split_basis"] = EXECUTED_MEASURE if column == "executed" else BUDGET_MEASURE
    basic = nature.get(BASIC, {}).get(column)
    project = nature.get(PROJECT, {}).get(column)
    out["basic"], out["project"] = basic, project
    if basic is not None and project is not None:
        whole = basic + project
        out["basic_share"] = _share(basic, whole)
        notes = []
        if not _blank(total["executed"]) and whole != total["executed"]:
            same_as_budget = not _blank(total["budget"]) and whole == total["budget"]
            notes.append(f"{BASIC}+{PROJECT} = {whole}，" + (f"等于{BUDGET_MEASURE}，" if same_as_budget else "")
                         + f"不等于{EXECUTED_MEASURE} {total['executed']}")
        out["split_note"] = "；".join(notes) or None
    return out


def _change(report: Report, total: dict[str, Any], changes: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"prior_executed": None, "prior_basis": None, "change": None, "change_basis": None,
                           "change_rate": None, "change_rate_basis": None}
    mine = changes[(changes["department"] == report.department) & (changes["year"] == report.year)]
    lines = _lines_in_common_unit(report)
    about_total = [(_line_for_scope(lines, item) or {}).get("dimension") == schema.TOTAL for item in mine["item"]]
    mine = mine[pd.Series(about_total, index=mine.index, dtype=bool)]
    if not _blank(total["prior_executed"]):
        out["prior_executed"], out["prior_basis"] = total["prior_executed"], prior_year_basis(report.year)
    elif len(mine) and not _blank(mine.iloc[0]["derived_prior"]):
        out["prior_executed"], out["prior_basis"] = mine.iloc[0]["derived_prior"], derived_basis(report.year)
    if len(mine) and not _blank(mine.iloc[0]["change"]):
        out["change"], out["change_basis"] = mine.iloc[0]["change"], STATED
    elif out["prior_basis"] == prior_year_basis(report.year) and not _blank(total["executed"]):
        out["change"] = total["executed"] - total["prior_executed"]
        out["change_basis"] = f"computed: {EXECUTED_MEASURE} − {PRIOR_MEASURE}"
    if len(mine) and not _blank(mine.iloc[0]["stated_rate"]):
        out["change_rate"], out["change_rate_basis"] = mine.iloc[0]["stated_rate"], STATED
    elif out["change"] is not None and out["prior_executed"] is not None:
        out["change_rate"] = _share(out["change"], out["prior_executed"])
        out["change_rate_basis"] = "computed: change ÷ prior executed"
    return out


_STATED_LABELS: Final = {
    "budget": BUDGET_MEASURE, "executed": EXECUTED_MEASURE, "stated_rate": RATE_MEASURE, "split": f"{BASIC}/{PROJECT}",
    "prior_year": PRIOR_MEASURE, "stated_change": "较上年增减", "kpis": "绩效指标", "self_score": "自评得分",
}


def differences(report_set: ReportSet, departments: Sequence[str] | None = None) -> str:
    """One line per department's newest report: its kind and year, what it does not state, and how each
    compared figure was obtained (stated, read from a prior-year column, derived, computed)."""
    chosen = list(departments or report_set.departments)
    stated = statements(report_set, chosen).set_index(["department", "year"])
    compared = peer_comparison(report_set, chosen)
    changes = stated_changes(report_set)
    lines = []
    for row in compared.itertuples(index=False):
        flags = stated.loc[(row.department, row.year)]
        kind = "自评报告" if row.self_evaluation else "部门决算页，不是自评报告"
        missing = [label for key, label in _STATED_LABELS.items() if not flags[key]]
        parts = [f"{row.department}（{row.year} 年，{row.report_kind}）：{kind}"]
        if missing:
            parts.append("未列" + "、".join(missing))
        if not flags["stated_rate"] and row.rate is not None:
            parts.append(f"{RATE_MEASURE} {row.rate}% 由{BUDGET_MEASURE}、{EXECUTED_MEASURE}算得")
        if row.prior_executed is not None:
            how = "取自本报告的上年执行数列" if row.prior_basis == prior_year_basis(row.year) else "由所列增减额推算"
            parts.append(f"{row.year - 1} 年执行数 {row.prior_executed} 万元{how}")
        if row.change is not None and row.change_basis != STATED:
            parts.append(f"较上年增减 {row.change} 万元、{row.change_rate}% 为算得")
        mine = changes[(changes["department"] == row.department) & (changes["year"] == row.year)]
        parts.extend(str(note) for note in mine["note"] if _text(note) and "增减率" in str(note))
        if _text(row.split_note):
            parts.append(str(row.split_note))
        lines.append("；".join(parts) + "。")
    years = sorted({int(y) for y in compared["year"]})
    if len(years) > 1:
        lines.append(f"年度不同（{years[0]}–{years[-1]} 年），金额为各年当年数，未作物价调整。")
    return "\n".join(lines)
