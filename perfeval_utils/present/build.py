"""``perfeval report``: run the notebook collection for every workbook given and write what a review
meeting needs (executed notebooks, offline HTML for the analyst and for the presenter, figures, deck).

A presenter re-running one department waits for kernel start-ups, not for computation, so kernels
are few and busy: the plan has *units* (one per department-year workbook: its per-workbook
notebooks, figures and deck; one for the collection notebooks over the whole folder), cut into
*tasks* (each notebook, run and exported to HTML; each workbook's deck). Worker processes, one
per core, each launch **one** kernel (kernel.py: forked from the worker with what every notebook
imports done, see forked_kernel, else started anew, importing it while it boots) and take whichever
task is next; the kernel is reset before every notebook (names, figures, once-only warnings, execution
count), so a notebook writes the same whichever notebooks ran before it. Each
chart is drawn once: the notebook that shows it (``notebook.show``) also writes its PNG and SVG,
and a workbook's deck task, started once its notebooks are done, draws only the charts none of
them showed.
Every output is made byte-stable (no timings in notebooks, fixed cell ids, fixed dates inside the
.pptx / .xlsx zip files), so a parallel run writes exactly the bytes of a sequential one.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from perfeval_utils.present.html import offline_html, presenter_html_path
from perfeval_utils.present.kernel import WARM_MODULES, process_kernel, start_worker, stop_kernel
from perfeval_utils.read.many import ReportSet, in_examples
from perfeval_utils.read.workbook import Report, load_report

#: Notebooks with a ``data_path`` parameter run once per workbook; those with ``data_dir`` once per folder.
PER_WORKBOOK = "data_path"
PER_FOLDER = "data_dir"
#: Folder of the collection notebooks' outputs.
COLLECTION_FOLDER = "_collection"
#: Longest department part of an output folder name (characters).
FOLDER_NAME_MAX = 40
#: Zip entries (and 核对底稿 created/modified) get this date when the report states none: a fixed
#: date keeps the .pptx and .xlsx files byte-identical from run to run.
FALLBACK_DATE = dt.datetime(1980, 1, 1)

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # a transcriber's note in half-width brackets at the end


@dataclass(frozen=True)
class Written:
    """One file the run wrote, for the final list."""

    path: Path
    kind: str  # notebook, html, figure, deck

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class Job:
    """One notebook to run: where to save it executed, and the parameters to inject."""

    notebook: Path
    executed: Path
    parameters: dict[str, object]


@dataclass(frozen=True)
class Unit:
    """Notebooks run in order in one kernel; with ``workbook``, that workbook's figures and deck too."""

    folder: Path
    jobs: tuple[Job, ...]
    workbook: Path | None = None
    #: The run's workbooks of the same department (this one included), for the deck's year-over-year slide.
    history: tuple[Path, ...] = ()


# ---- finding and naming -------------------------------------------------------------------------


def find_workbooks(paths: Iterable[Path]) -> list[Path]:
    """Every .xlsx under the given files or folders (recursively), sorted; Excel's lock files skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$")
                         and not in_examples(p, path))  # made-up 示例数据 only when named
        else:
            found.append(path)
    return sorted(dict.fromkeys(found))


def folder_name(report: Report) -> str:
    """``<department>_<year>``: notes in half-width brackets dropped, unsafe characters replaced, short."""
    name = report.department or ""
    while _NOTE.search(name):
        name = _NOTE.sub("", name)
    name = _UNSAFE.sub("_", name.strip()).strip("_.")[:FOLDER_NAME_MAX] or report.path.stem
    return f"{name}_{report.year}"


def output_folder(out: Path, report: Report) -> Path:
    """``<out>/<department>_<year>`` (see :func:`folder_name`)."""
    return out / folder_name(report)


def parameter_defaults(notebook: Path) -> dict[str, object]:
    """The names assigned in the notebook's cell tagged ``parameters``, each with its value where that is a
    literal (None where it is not)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            defaults: dict[str, object] = dict.fromkeys(re.findall(r"^(\w+)\s*=", source, re.MULTILINE))
            with contextlib.suppress(SyntaxError):
                for node in ast.parse(source).body:
                    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
                    if isinstance(target, ast.Name):
                        with contextlib.suppress(ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                            defaults[target.id] = ast.literal_eval(node.value)
            return defaults
    return {}


def notebooks_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def plan(notebook_dir: Path, data: Path | Sequence[Path], out: Path) -> list[Unit]:
    """The units of a run: one per workbook (in file order), then one for the collection notebooks."""
    inputs = [data] if isinstance(data, Path) else [Path(p) for p in data]
    workbooks = find_workbooks(inputs)
    notebooks = [(nb, parameter_defaults(nb)) for nb in notebooks_in(notebook_dir)]
    units: list[Unit] = []
    taken: set[Path] = set()
    reports = [(path, load_report(path)) for path in workbooks]
    for path, report in reports:
        folder = output_folder(out, report)
        if folder in taken:  # two workbooks for one department and year: keep both, apart
            folder = folder.with_name(f"{folder.name}_{path.stem}")
        taken.add(folder)
        jobs = tuple(
            Job(nb, folder / nb.name, _declared({PER_WORKBOOK: str(path.resolve()), "department": report.department,
                                                 "year": report.year, "out_dir": str(folder.resolve())}, names))
            for nb, names in notebooks if PER_WORKBOOK in names
        )
        same = tuple(p for p, other in reports if other.department == report.department)
        units.append(Unit(folder, jobs, path, same))
    data_dir: object = str(inputs[0].resolve()) if len(inputs) == 1 else [str(p.resolve()) for p in inputs]
    collection = out / COLLECTION_FOLDER
    departments = {report.department for _, report in reports}
    folder_jobs = tuple(
        Job(nb, collection / nb.name, _declared({PER_FOLDER: data_dir, "out_dir": str(out.resolve()),
                                                 **_department_in_run(defaults, departments)}, defaults))
        for nb, defaults in notebooks if PER_WORKBOOK not in defaults and PER_FOLDER in defaults
    )
    if folder_jobs:
        units.append(Unit(collection, folder_jobs))
    return units


def _declared(parameters: dict[str, object], names: Iterable[str]) -> dict[str, object]:
    """Only the parameters the notebook's parameters cell declares (papermill warns about others)."""
    declared = set(names)
    return {key: value for key, value in parameters.items() if key in declared}


def _department_in_run(defaults: dict[str, object], departments: set[str]) -> dict[str, object]:
    """A notebook over the folder keeps the department its parameters name when the run has workbooks of it;
    otherwise it gets None, the newest workbook's department (``perfeval report`` of one other department's
    workbook stopped with "no workbook for department 广州市黄埔区总工会…")."""
    if "department" in defaults and defaults["department"] is not None and defaults["department"] not in departments:
        return {"department": None}
    return {}


# ---- running ---------------------------------------------------------------------------------


def run_all(notebook_dir: Path, data: Path | Sequence[Path], out: Path, *, progress: bool = True,
            workers: int | None = None) -> list[Written]:
    """Run every notebook and drawing of the plan (see the module docstring); list the files written, in
    plan order.

    ``workers``: processes at once, each with one kernel that runs whatever notebook is next; None: one
    per core (never more than there are tasks); 1: all in this process, one after another.
    """
    from tqdm import tqdm

    units = plan(notebook_dir, data, out)
    _clear_charts(units)
    tasks = tasks_of(units)
    if workers is None:
        from perfeval_utils.read.many import available_cores

        workers = available_cores()
    workers = max(1, min(workers, len(tasks)))
    bar = tqdm(total=sum(len(u.jobs) for u in units), desc="notebooks", unit="nb", disable=not progress)
    try:
        done = _run_tasks(tasks, workers, lambda task: bar.update(1 if isinstance(task, NotebookTask) else 0))
    finally:
        bar.close()
    return [item for unit in units for item in _unit_files(unit, tasks, done)]


def run_unit(unit: Unit) -> list[Written]:
    """One unit's notebooks and drawings in this process, one after another."""
    _clear_charts([unit])
    tasks = tasks_of([unit])
    return _unit_files(unit, tasks, _run_tasks(tasks, 1, lambda task: None))


# ---- tasks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookTask:
    """One notebook of a unit: run it in the process's kernel, then export its two HTML pages."""

    job: Job
    workbook: str  # for error messages
    figures: Path | None = None  # where notebook.show writes the charts of a workbook's notebook


@dataclass(frozen=True)
class DrawingTask:
    """A workbook's review deck, once its notebooks have run: they drew and wrote the charts they show
    (notebook.show); the ones they did not (a notebook left out of the run) are drawn here."""

    workbook: Path
    folder: Path
    history: tuple[Path, ...]


Task = NotebookTask | DrawingTask


def tasks_of(units: Sequence[Unit]) -> list[Task]:
    """The notebooks, longest first so that no worker is left with a long one while the other waits (those
    over the whole folder load every workbook), then each workbook's drawing, which waits for its notebooks."""
    notebooks: list[Task] = [
        NotebookTask(job, str(unit.workbook or job.parameters.get(PER_FOLDER, "")),
                     (unit.folder / FIGURES_FOLDER).resolve() if unit.workbook is not None else None)
        for unit in sorted(units, key=lambda u: u.workbook is not None) for job in unit.jobs]
    drawings: list[Task] = [DrawingTask(u.workbook, u.folder, u.history) for u in units if u.workbook is not None]
    return notebooks + drawings


def _clear_charts(units: Sequence[Unit]) -> None:
    """Remove the charts an earlier run left in the units' folders: a drawing keeps the ones it finds
    (write_figures ``keep``), which must be this run's."""
    for unit in units:
        for key in FIGURE_KEYS:
            for suffix in (".png", ".svg"):
                (unit.folder / FIGURES_FOLDER / f"{key}{suffix}").unlink(missing_ok=True)


def _run_tasks(tasks: list[Task], workers: int, finished: Callable[[Task], None]) -> dict[int, list[Written]]:
    """What each task wrote, by its position. In ``workers`` processes each task goes to whichever is free
    (the balance no fixed split of units gives), a drawing once its workbook's notebooks are done; every
    notebook starts from a reset kernel, so what it writes does not depend on which notebooks ran before
    it in the same kernel."""
    done: dict[int, list[Written]] = {}
    if workers == 1:
        try:
            for at, task in enumerate(tasks):  # tasks_of puts each drawing after every notebook
                done[at] = _run_task(task)
                finished(task)
        finally:
            stop_kernel()
        return done
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait

    from perfeval_utils.present.forked_kernel import preload

    cwd = _kernel_folder(tasks)
    fork = cwd is not None and preload(WARM_MODULES)  # each worker forks its kernel with the notebooks' imports done
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker, initargs=(cwd, fork))
    waiting = {task.folder: at for at, task in enumerate(tasks) if isinstance(task, DrawingTask)}
    left = {folder: sum(isinstance(t, NotebookTask) and t.job.executed.parent == folder for t in tasks)
            for folder in waiting}
    try:
        futures: dict[Future[list[Written]], int] = {}

        def submit(at: int) -> Future[list[Written]]:
            future = pool.submit(_run_task, tasks[at])
            futures[future] = at
            return future

        for at, task in enumerate(tasks):
            if isinstance(task, NotebookTask):
                submit(at)
        for folder, at in waiting.items():
            if not left[folder]:
                submit(at)
        pending = set(futures)
        while pending:
            finished_now, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished_now:
                at = futures[future]
                done[at] = future.result()  # a notebook's error is raised here
                finished(tasks[at])
                task = tasks[at]
                if isinstance(task, NotebookTask) and task.job.executed.parent in left:
                    folder = task.job.executed.parent
                    left[folder] -= 1
                    if not left[folder]:
                        pending.add(submit(waiting[folder]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _unit_files(unit: Unit, tasks: list[Task], done: dict[int, list[Written]]) -> list[Written]:
    """A unit's files in order: each notebook with its pages, then figures and deck, then the working paper."""
    written: list[Written] = []
    for at, task in enumerate(tasks):
        if isinstance(task, NotebookTask) and task.job in unit.jobs:
            written += done[at]
    for at, task in enumerate(tasks):
        if isinstance(task, DrawingTask) and task.folder == unit.folder:
            written += done[at]
    return [w for w in written if w.kind != "workpaper"] + [w for w in written if w.kind == "workpaper"]


def _run_task(task: Task) -> list[Written]:
    """A task's files; the deck and the working paper dated by the report (zip entries carry the time of
    writing otherwise, and their bytes would change from run to run)."""
    if isinstance(task, DrawingTask):
        report = load_report(task.workbook)
        written = _figures_and_deck(report, task.folder, task.history)
        for item in written:
            if item.kind == "deck":
                settle_zip(item.path, _report_datetime(report))
        return written
    job = task.job
    process_kernel(job.notebook.parent).run(job.notebook, job.executed, job.parameters, workbook=task.workbook,
                                            figures=task.figures)
    written = _export_html(task.job.executed)
    data_path = task.job.parameters.get(PER_WORKBOOK)
    if data_path is not None and "out_dir" in task.job.parameters:  # the notebook that writes the paper (04)
        from perfeval_utils.present.workpaper import working_paper_path

        report = load_report(str(data_path))
        paper = working_paper_path(report, str(task.job.parameters["out_dir"]))
        if paper.exists():
            written.append(Written(settle_zip(paper, _report_datetime(report)), "workpaper"))
    return written


def _kernel_folder(tasks: Sequence[Task]) -> Path | None:
    return next((t.job.notebook.parent for t in tasks if isinstance(t, NotebookTask)), None)


# ---- what the tasks make -------------------------------------------------------------------------

def _export_html(executed: Path) -> list[Written]:
    """The analyst's HTML (with code) and the presenter's (code hidden), both offline."""
    return [Written(executed, "notebook"),
            Written(offline_html(executed, executed.with_suffix(".html"), no_input=False), "html"),
            Written(offline_html(executed, presenter_html_path(executed), no_input=True), "html")]


#: The charts of one report (keys of charts.all_figures, and the reconciliation chart), in file-list order.
FIGURE_KEYS: Final = ("budget_execution", "kpi_completion", "shortfalls", "score", "reconciliation")
FIGURES_FOLDER: Final = "figures"


def write_figures(report: Report, out: Path, *, folder: Path | None = None,
                  keep: bool = False) -> tuple[dict[str, Path], list[Written]]:
    """Every chart of ``report`` as PNG and SVG under ``<folder>/figures`` (default: its output folder).

    ``keep``: charts whose two files are there already are not drawn again (``perfeval report``: the
    notebooks wrote them in this run; _clear_charts removes those of an earlier run first).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import all_figures, apply_style, save_figure
    from perfeval_utils.present.charts.reconcile_chart import reconciliation_figure

    apply_style()
    target = (folder or output_folder(out, report)) / FIGURES_FOLDER
    drawn = {key: (target / f"{key}.png", target / f"{key}.svg") for key in FIGURE_KEYS}
    missing = [key for key, paths in drawn.items() if not (keep and all(p.exists() for p in paths))]
    if missing:
        figures = {**all_figures(report), "reconciliation": reconciliation_figure(report)}
        for key in missing:
            save_figure(figures[key], target / key)
        for figure in figures.values():
            plt.close(figure)
    pngs = {key: png for key, (png, _) in drawn.items()}
    return pngs, [Written(path, "figure") for paths in drawn.values() for path in paths]


def write_review_deck(report: Report, out: Path, figures: dict[str, Path], *, folder: Path | None = None,
                      history: ReportSet | None = None) -> Written:
    """The 16:9 review-meeting deck ``<workbook stem>_评审会.pptx`` beside the figures; ``history`` (the
    run's workbooks) gives the year-over-year slide when the department has two years."""
    from perfeval_utils.present.deck import write_deck

    path = (folder or output_folder(out, report)) / f"{report.path.stem}_评审会.pptx"
    return Written(write_deck(report, path, figures, history), "deck")


def _figures_and_deck(report: Report, folder: Path, history: Sequence[Path]) -> list[Written]:
    from perfeval_utils.read.many import load_reports

    # the department's workbooks of the run, for the year-over-year slide; a duplicate or unreadable one drops out
    years = load_reports(list(history), on_error="collect", progress=False, workers=1) if history else None
    figures, files = write_figures(report, folder.parent, folder=folder, keep=True)
    return [*files, write_review_deck(report, folder.parent, figures, folder=folder, history=years)]


def _report_datetime(report: Report | None) -> dt.datetime:
    when = report.meta.get("report_date") if report is not None else None
    return dt.datetime(when.year, when.month, when.day) if isinstance(when, dt.date) else FALLBACK_DATE


def settle_zip(path: Path, when: dt.datetime) -> Path:
    """Rewrite an .xlsx / .pptx with every entry dated ``when`` and its core.xml dates set to ``when``.

    openpyxl and python-pptx stamp the zip entries (and openpyxl docProps/core.xml) with the time
    of writing, so two runs never give the same bytes; the report's own date does.
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            settled = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            settled.compress_type = zipfile.ZIP_DEFLATED
            settled.external_attr = info.external_attr
            target.writestr(settled, data)
    return path
