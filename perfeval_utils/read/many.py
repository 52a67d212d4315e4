"""Many workbooks at once: several years of one department, or several departments side by side.

:func:`load_reports` loads every v1 workbook given (a folder is searched recursively) into a
:class:`ReportSet`: the frames of :class:`~perfeval_utils.read.workbook.Report` stacked, each with
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

import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, Inexact, localcontext
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from perfeval_utils import schema
from perfeval_utils.errors import PerfevalError, WorkbookError
from perfeval_utils.read.workbook import Report, load_report

#: The common unit of a ReportSet, and the exact factor from each unit the format allows.
COMMON_UNIT: Final = "万元"
UNIT_FACTORS: Final[dict[str, Decimal]] = {"万元": Decimal(1), "元": Decimal("0.0001")}
#: A progress bar is shown when more workbooks than this are loaded (never under pytest).
PROGRESS_MIN_FILES: Final = 5
#: With ``workers=None``, processes are used from this many workbooks on (below it, starting
#: them costs more than it saves: a workbook loads in about 5–10 ms).
PARALLEL_MIN_FILES: Final = 48

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
assert set(schema.AMOUNT_UNITS) == set(UNIT_FACTORS)
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


#: Sub-folder of made-up example workbooks (示例数据): left out of a folder search unless asked for.
EXAMPLES_FOLDER: Final = "examples"


def in_examples(path: Path, folder: Path) -> bool:
    """True when ``path``, found under ``folder``, lies in an ``examples`` sub-folder."""
    return EXAMPLES_FOLDER in path.relative_to(folder).parts[:-1]


def _workbook_paths(paths_or_folder: str | Path | Iterable[str | Path], include_examples: bool = False) -> list[Path]:
    """Every .xlsx given; a folder is searched recursively (sorted). Excel's lock files ~$… are skipped,
    and the folder's examples/ (示例数据) unless ``include_examples``."""
    items = [paths_or_folder] if isinstance(paths_or_folder, str | Path) else list(paths_or_folder)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$") and p.is_file()
                            and (include_examples or not in_examples(p, path)))
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
    include_examples: bool = False,
    workers: int | None = None,
) -> ReportSet:
    """Load every v1 workbook given (a folder: every .xlsx in it, recursively) into a :class:`ReportSet`.

    Two workbooks for the same department and year raise :class:`DuplicateReportError` naming
    both. A workbook that does not load raises its :class:`WorkbookError` (the message names the
    file); with ``on_error="collect"`` the others are loaded and the failures returned in
    ``errors`` (duplicates too: both files are then left out, since neither can be preferred).
    ``progress``: a tqdm bar on stderr counting files; None shows it for more than
    :data:`PROGRESS_MIN_FILES` workbooks, except under pytest. ``include_examples``: also the
    made-up workbooks of a folder's ``examples/`` (示例数据, left out by default). ``workers``: processes loading
    workbooks at once; None uses every core for more than :data:`PARALLEL_MIN_FILES` workbooks
    and this process otherwise; 1 never starts a process. The result is the same either way.
    """
    if on_error not in ("raise", "collect"):
        raise PerfevalError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise PerfevalError(f"workers must be a whole number of processes, 1 or more (or None), not {workers!r}")
    paths = _workbook_paths(paths_or_folder, include_examples)
    loaded: list[Report] = []
    errors: list[dict[str, Any]] = []
    bar = tqdm(total=len(paths), desc="读取工作簿", unit="个", disable=not _show_progress(progress, len(paths)))
    chunks = _load_chunks(paths, _worker_count(workers, len(paths)))
    try:
        for chunk in chunks:
            for path, outcome in chunk:
                if isinstance(outcome, PerfevalError):
                    if on_error == "raise":
                        raise outcome
                    errors.append(_error_row(path, outcome))
                else:
                    loaded.append(outcome)
            bar.update(len(chunk))
    finally:
        chunks.close()  # on an error raised above: stop the workers now, not when collected
        bar.close()
    kept = _refuse_duplicates(loaded, errors, on_error)
    # Stacking makes many objects while every loaded report is alive: the collector's full passes
    # over them freed nothing and cost up to a third of the stacking.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _stack(kept, errors)
    finally:
        if collecting:
            gc.enable()


def _worker_count(workers: int | None, files: int) -> int:
    """Processes to use: as asked, or every core for many files; 1 inside a daemonic process (no children)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    if workers is None:
        if files < PARALLEL_MIN_FILES:
            return 1
        workers = available_cores()
    return max(1, min(workers, files))


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_Outcome = list[tuple[Path, "Report | PerfevalError"]]


def _load_chunks(paths: list[Path], workers: int) -> Iterator[_Outcome]:
    """(path, Report or the PerfevalError it raised) for every path, in order, a chunk at a time."""
    if workers == 1:
        for path in paths:
            yield [_load_one(path)]
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Small chunks keep the progress bar moving and both cores busy to the end; fork (where there
    # is one) starts a worker in milliseconds instead of importing pandas again.
    size = max(1, min(16, len(paths) // (workers * 8)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    # Objects alive now move out of the collector's reach, so that a worker's collections do not
    # touch (and so copy, page by page) the memory it shares with this process after the fork.
    gc.freeze()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    # Unpickling a thousand reports makes millions of objects that all stay alive: the cyclic
    # collector's passes over them cost ~15 % of the parent's time and free nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for outcome in pool.map(_load_chunk, chunks):
            yield [(path, _rebuilt(result)) for path, result in outcome]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
        if collecting:
            gc.enable()


def _load_one(path: Path) -> tuple[Path, Report | PerfevalError]:
    try:
        return path, load_report(path)
    except PerfevalError as exc:
        return path, exc


def _load_chunk(paths: list[Path]) -> list[tuple[Path, Any]]:
    """In a worker: load each workbook; an error travels as its class and fields (see _rebuilt)."""
    gc.enable()  # a forked worker inherits the parent's switched-off collector
    out: list[tuple[Path, Any]] = []
    for path in paths:
        _, result = _load_one(path)
        if isinstance(result, PerfevalError):
            result = (type(result), result.args, dict(vars(result)))
        out.append((path, result))
    return out


def _rebuilt(result: Any) -> Report | PerfevalError:
    """The worker's error as the same class with the same fields and message.

    WorkbookError takes keyword arguments, which pickle cannot pass back to ``__init__``, so the
    error is rebuilt from its parts instead of being pickled whole.
    """
    if not isinstance(result, tuple):
        return result
    cls, args, fields = result
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(fields)
    return exc


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


