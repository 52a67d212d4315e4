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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, Inexact, localcontext
from pathlib import Path
from typing import Any, Final, Literal, overload

import numpy as np
import pandas as pd
from tqdm import tqdm

from perfeval_utils import schema
from perfeval_utils.errors import PerfevalError, WorkbookError
from perfeval_utils.read.workbook import REPORT_SHEETS, Report, read_records, sheet_frame
from perfeval_utils.report import LoadWarning, MetaKeys

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
    :class:`Report` as loaded, in its own unit, for the single-report functions (built when first
    asked for: see :class:`Reports`).
    """

    reports: pd.DataFrame
    budget: pd.DataFrame
    kpis: pd.DataFrame
    tasks: pd.DataFrame
    claims: pd.DataFrame
    rules: pd.DataFrame
    conversions: pd.DataFrame
    errors: pd.DataFrame
    originals: Reports = field(default_factory=lambda: Reports(), repr=False)
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
        key = (department, int(year))
        if key in self.originals.keys:
            return self.originals[self.originals.keys.index(key)]
        self._check_department(department)
        raise UnknownDepartmentError(f"no workbook for {department} {year}; years held: {self.years(department)}")

    def latest(self, department: str | None = None) -> Report:
        """The newest report of ``department``; with None, the newest of all (ties: department name)."""
        if department is not None:
            return self.report(department, self.years(department)[-1])
        if not self.originals:
            raise NoWorkbooksError("the ReportSet holds no workbook")
        keys = self.originals.keys
        return self.originals[max(range(len(keys)), key=lambda i: (keys[i][1], keys[i][0]))]

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
    loaded: list[Loaded] = []
    parts: dict[str, list[pd.DataFrame]] = {sheet.name: [] for sheet in REPORT_SHEETS}
    errors: list[dict[str, Any]] = []
    bar = tqdm(total=len(paths), desc="读取工作簿", unit="个", disable=not _show_progress(progress, len(paths)))
    chunks = _load_chunks(paths, _worker_count(workers, len(paths)))
    # Loading makes many objects that all stay alive: the collector's full passes over them freed
    # nothing and cost up to a third of the stacking.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for chunk in chunks:
            for path, outcome in chunk.outcomes:
                if isinstance(outcome, PerfevalError):
                    if on_error == "raise":
                        raise outcome
                    errors.append(_error_row(path, outcome))
                else:
                    loaded.append(outcome)
            for name, frame in chunk.frames.items():
                parts[name].append(frame)
            bar.update(len(chunk.outcomes))
        whole = {sheet.name: _concat(parts[sheet.name], sheet) for sheet in REPORT_SHEETS}
        kept = _refuse_duplicates(loaded, errors, on_error)
        return _stack(kept, errors, whole)
    finally:
        chunks.close()  # on an error raised above: stop the workers now, not when collected
        bar.close()
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


@dataclass(frozen=True, slots=True)
class Loaded(MetaKeys):
    """One loaded workbook without its rows, which travel stacked with the rest of its chunk's.

    ``rows``: how many rows each sheet of :data:`REPORT_SHEETS` gave; ``first``: where its rows
    start in the frames of all workbooks (set once every chunk is in).
    """

    path: Path
    meta: dict[str, Any]
    meta_sources: dict[str, Any]
    warnings: tuple[LoadWarning, ...]
    rows: tuple[int, ...]
    first: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Chunk:
    """What loading some workbooks gives: each path's Loaded (or error), and one frame per sheet holding
    the rows of every workbook that loaded, in order. A worker sends seven frames, not seven a workbook."""

    outcomes: list[tuple[Path, Any]]
    frames: dict[str, pd.DataFrame]


#: Workbooks a worker loads before it sends them: enough that each chunk's seven frames cost little
#: per workbook, few enough that the progress bar moves and both cores stay busy to the end.
CHUNK_FILES: Final = 32


def _load_chunks(paths: list[Path], workers: int) -> Iterator[Chunk]:
    """The paths' chunks, loaded, in order; in this process or in ``workers`` processes."""
    if workers == 1:
        for first in range(0, len(paths), CHUNK_FILES // 4):  # the bar moves every eight files
            yield _load_chunk(paths[first:first + CHUNK_FILES // 4], portable=False)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = _guided_chunks(paths, workers)
    # fork (where there is one) starts a worker in milliseconds instead of importing pandas again.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    # Objects alive now move out of the collector's reach, so that a worker's collections do not
    # touch (and so copy, page by page) the memory it shares with this process after the fork.
    gc.freeze()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    try:
        for chunk in pool.map(_load_chunk, chunks):
            yield Chunk([(path, _rebuilt(result)) for path, result in chunk.outcomes], chunk.frames)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _guided_chunks(paths: list[Path], workers: int) -> list[list[Path]]:
    """Chunks of at most CHUNK_FILES that shrink towards the end (a quarter of what is left per worker),
    so that no worker is left loading a long last chunk while the others wait."""
    chunks, first = [], 0
    while first < len(paths):
        size = max(4, min(CHUNK_FILES, (len(paths) - first) // (workers * 4)))
        chunks.append(paths[first:first + size])
        first += size
    return chunks


def _load_chunk(paths: list[Path], portable: bool = True) -> Chunk:
    """Load each workbook; stack the rows of those that load. ``portable``: an error as its class and fields
    (see _rebuilt), for a worker to send back."""
    if portable:
        gc.enable()  # a forked worker inherits the parent's switched-off collector
    outcomes: list[tuple[Path, Any]] = []
    rows: dict[str, list[list[Any]]] = {sheet.name: [] for sheet in REPORT_SHEETS}
    for path in paths:
        try:
            records = read_records(path)
        except PerfevalError as exc:
            outcomes.append((path, (type(exc), exc.args, dict(vars(exc))) if portable else exc))
            continue
        for name, sheet_rows in records.records.items():
            rows[name].extend(sheet_rows)
        counts = tuple(len(records.records[sheet.name]) for sheet in REPORT_SHEETS)
        outcomes.append((path, Loaded(path, records.meta, records.meta_sources, records.warnings, counts)))
    return Chunk(outcomes, {sheet.name: sheet_frame(rows[sheet.name], sheet) for sheet in REPORT_SHEETS})


def _rebuilt(result: Any) -> Loaded | PerfevalError:
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


def _concat(parts: list[pd.DataFrame], sheet: schema.Sheet) -> pd.DataFrame:
    """The chunks' frames of one sheet as one (the column types are the sheet's, whatever is empty)."""
    filled = [part for part in parts if len(part)]
    if not filled:
        return sheet_frame([], sheet)
    return filled[0] if len(filled) == 1 else pd.concat(filled, ignore_index=True)


def _refuse_duplicates(loaded: list[Loaded], errors: list[dict[str, Any]], on_error: str) -> list[Loaded]:
    """The workbooks to keep, each with where its rows start; two for one department and year are an error."""
    first = [0] * len(REPORT_SHEETS)
    placed = []
    for item in loaded:
        placed.append(replace(item, first=tuple(first)))
        first = [start + count for start, count in zip(first, item.rows, strict=True)]
    by_key: dict[tuple[str, int], list[Loaded]] = {}
    for item in placed:
        by_key.setdefault((item.department, item.year), []).append(item)
    dropped: set[int] = set()
    for (department, year), group in by_key.items():
        if len(group) < 2:
            continue
        duplicate = DuplicateReportError(department, year, group[0].path, group[1].path)
        if on_error == "raise":
            raise duplicate
        for item in group:
            others = [str(r.path) for r in group if r is not item]
            row = _error_row(item.path, duplicate)
            row["message"] = (f"two workbooks for {department} {year}: {item.path} and {', '.join(others)}; "
                              "both left out; fix: keep one of them")
            errors.append(row)
            dropped.add(id(item))
    return [item for item in placed if id(item) not in dropped]


class Reports(Sequence[Report]):
    """The reports of a :class:`ReportSet`, each built from the stacked rows the first time it is asked for.

    A thousand reports built at load time cost a third of the load (seven small frames each); most
    uses of a set read its stacked frames, and one department's series reads a few reports.
    """

    def __init__(self, loaded: Sequence[Loaded] = (), frames: dict[str, pd.DataFrame] | None = None) -> None:
        self._loaded = tuple(loaded)
        self._frames = frames or {}
        self._built: list[Report | None] = [None] * len(self._loaded)
        #: (department, year) of each report, in order, without building it.
        self.keys: tuple[tuple[str, int], ...] = tuple((item.department, item.year) for item in self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)

    @overload
    def __getitem__(self, index: int) -> Report: ...

    @overload
    def __getitem__(self, index: slice) -> list[Report]: ...

    def __getitem__(self, index: int | slice) -> Report | list[Report]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # negative indices; IndexError past the end
        report = self._built[index]
        if report is None:
            report = self._built[index] = self._build(self._loaded[index])
        return report

    def of(self, department: str | None) -> list[Report]:
        """The reports of one department (None: all), building only those."""
        return [self[i] for i, key in enumerate(self.keys) if department is None or key[0] == department]

    def _build(self, item: Loaded) -> Report:
        frames = {sheet.name: _rows(self._frames[sheet.name], start, count)
                  for sheet, start, count in zip(REPORT_SHEETS, item.first, item.rows, strict=True)}
        return Report(path=item.path, meta=item.meta, meta_sources=item.meta_sources, warnings=item.warnings,
                      **frames)

    def __repr__(self) -> str:
        shown = ", ".join(f"{department} {year}" for department, year in self.keys[:3])
        return f"<{len(self)} reports: {shown}{' …' if len(self) > 3 else ''}>"


def _rows(frame: pd.DataFrame, start: int, count: int) -> pd.DataFrame:
    """One workbook's rows of a stacked sheet: the frame load_report builds (index from 0, same column types)."""
    return frame.iloc[start:start + count].reset_index(drop=True)


def _stack(loaded: list[Loaded], errors: list[dict[str, Any]], whole: dict[str, pd.DataFrame]) -> ReportSet:
    """Order the stacked rows by department and year, then convert only the rows of reports not in 万元.

    Converting frame by frame (a copy, a map over every amount column, two inserts per frame)
    cost more than loading the workbooks; stacking first keeps ``load_reports`` near the cost of
    reading the files.
    """
    loaded = sorted(loaded, key=lambda item: (item.department, item.year))
    conversions = []
    for item in loaded:
        if item.amount_unit != COMMON_UNIT:
            columns = [f"{sheet.title}:{c.header}" for sheet in schema.SHEETS if sheet is not schema.META
                       for c in sheet.columns if c.kind is schema.Kind.AMOUNT]
            conversions.append({"department": item.department, "year": item.year, "file": item.path.name,
                                "from_unit": item.amount_unit, "to_unit": COMMON_UNIT,
                                "factor": UNIT_FACTORS[item.amount_unit], "converted": "、".join(columns),
                                "path": str(item.path)})
    stacked = {}
    for at, sheet in enumerate(REPORT_SHEETS):
        if sheet.name not in FRAMES:
            continue
        lengths = np.array([item.rows[at] for item in loaded], dtype="int64")
        starts = np.array([item.first[at] for item in loaded], dtype="int64")
        # Row i of the result is row starts[k] + (i - where report k begins) of the stacked chunks.
        order = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
        frame = whole[sheet.name].take(order).reset_index(drop=True)
        frame.insert(0, "year", np.repeat([item.year for item in loaded], lengths).astype("int64"))
        frame.insert(0, "department", np.repeat(np.array([item.department for item in loaded], dtype=object),
                                                lengths))
        factors = np.repeat(np.array([UNIT_FACTORS[item.amount_unit] for item in loaded], dtype=object), lengths)
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
        [{"department": item.department, "year": item.year, "report_kind": item.meta.get("report_kind"),
          "amount_unit": item.amount_unit, "file": item.path.name, "path": str(item.path)} for item in loaded],
        columns=REPORT_COLUMNS,
    )
    table["year"] = table["year"].astype("int64")
    return ReportSet(
        reports=table,
        conversions=pd.DataFrame(conversions, columns=CONVERSION_COLUMNS),
        errors=pd.DataFrame(errors, columns=ERROR_COLUMNS),
        originals=Reports(loaded, whole),
        **stacked,
    )
