"""``perfeval report``: run the notebook collection for every workbook given and write what a review
meeting needs (executed notebooks, offline HTML for the analyst and for the presenter, figures, deck).

A presenter re-running one department waits for kernel start-ups, not for computation, so kernels
are few and busy: the plan has *units* (one per department-year workbook: its per-workbook
notebooks, figures and deck; one for the collection notebooks over the whole folder), cut into
*tasks* (each notebook, run and exported to HTML; each workbook's deck). Worker processes, one
per core, each launch **one** kernel (forked from the worker with what every notebook imports done,
see forked_kernel; else started anew, importing it while it boots) and take whichever task is next;
the kernel is reset before every notebook (names, figures, once-only warnings, execution count), so
a notebook writes the same whichever notebooks ran before it. Each
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
import os
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from perfeval_utils.errors import PerfevalError
from perfeval_utils.present.html import offline_html, presenter_html_path
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
#: Run before every notebook (see notebook.reset_kernel); it binds no name and shows nothing.
_RESET = '__import__("perfeval_utils.present.notebook", fromlist=["reset_kernel"]).reset_kernel({figures})'


class NotebookRunError(PerfevalError):
    """A notebook stopped with an error; the message names the notebook, the workbook and the error."""

    def __init__(self, notebook: str, workbook: str, problem: str) -> None:
        self.notebook, self.workbook, self.problem = notebook, workbook, problem
        super().__init__(f"{notebook} on {workbook}: {problem}; fix: open the executed notebook beside the HTML "
                         "to see the failing cell, or run `perfeval check` on the workbook")

    def __reduce__(self) -> tuple[Any, ...]:  # it travels back from a worker process
        return (type(self), (self.notebook, self.workbook, self.problem))


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


def _department_in_run(defaults: dict[str, object], departments: set[str | None]) -> dict[str, object]:
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
            _stop_kernel()
        return done
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait

    from perfeval_utils.present.forked_kernel import preload

    cwd = _kernel_folder(tasks)
    fork = cwd is not None and preload(WARM_MODULES)  # each worker forks its kernel with the notebooks' imports done
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(cwd, fork))
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
    kernel = _process_kernel(task.job.notebook.parent)
    kernel.run(task.job, workbook=task.workbook, figures=task.figures)
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


# ---- one kernel per process ------------------------------------------------------------------------

_KERNEL: dict[str, _Kernel] = {}


def _start_worker(cwd: Path | None, fork: bool) -> None:
    """In a new worker: launch its kernel now (it boots while the worker draws), forked from this worker
    where :func:`~perfeval_utils.present.forked_kernel.preload` allowed it, and stop it when the worker
    ends."""
    from multiprocessing.util import Finalize

    if cwd is not None:
        _process_kernel(cwd, wait=False, fork=fork)
    Finalize(None, _stop_kernel, exitpriority=100)  # registered after the fork: the kernel has none


def _process_kernel(cwd: Path, *, wait: bool = True, fork: bool = False) -> _Kernel:
    kernel = _KERNEL.get("kernel")
    if kernel is None:
        kernel = _KERNEL["kernel"] = _Kernel(cwd)
        kernel.launch(fork=fork)
    if wait:
        kernel.ready()
    return kernel


def _stop_kernel() -> None:
    kernel = _KERNEL.pop("kernel", None)
    if kernel is not None:
        kernel.stop()


#: Run by the kernel as it starts, before it reports ready: what every notebook imports, so the imports
#: happen while the worker does something else, and nothing a first import prints lands in a notebook.
WARM_MODULES = ("pandas", "matplotlib.pyplot", "perfeval_utils.present.notebook", "perfeval_utils.present.charts",
                "perfeval_utils.present.display")
WARM_IMPORTS = tuple(f"import {module}" for module in WARM_MODULES)


class _Kernel:
    """One python3 kernel for a process's notebooks, launched once, reset before every notebook."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.km: Any = None
        self.kc: Any = None
        self.sockets: tempfile.TemporaryDirectory[str] | None = None

    def launch(self, *, fork: bool = False) -> None:
        """Start the kernel process, forked from this one with ``fork`` (see forked_kernel); do not wait
        for it (see :meth:`ready`)."""
        seed = None
        if fork:  # before anything here makes an event loop, zmq context or socket the child would share
            from perfeval_utils.present.forked_kernel import KernelFork

            seed = KernelFork()
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets where there are any (no TCP ports to find, no warning about plain-text TCP), at an
        # absolute path: the kernel runs in the notebooks' folder, this process elsewhere
        if os.name == "posix":
            self.sockets = tempfile.TemporaryDirectory(prefix="perfeval-kernel-")
            self.km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                         ip=str(Path(self.sockets.name) / "kernel"))
        else:
            self.km = AsyncKernelManager(kernel_name="python3")
        if fork:
            from perfeval_utils.present.forked_kernel import ForkingProvisioner

            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = ForkingProvisioner(kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec,
                                                     parent=self.km)
            self.km.provisioner.fork = seed
        warm = "--IPKernelApp.exec_lines=" + repr(list(WARM_IMPORTS))
        # no input history: nobody reads it, kernels running at once would share its SQLite file, and it
        # refuses the execution count going back to 1 before each notebook
        run_sync(self.km.start_kernel)(cwd=str(self.cwd), extra_arguments=[warm, "--HistoryManager.enabled=False"])

    def ready(self) -> None:
        """Wait until the kernel answers (once); one client serves all the process's notebooks."""
        from jupyter_core.utils import run_sync

        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(_answered)(self.km, self.kc, 120)

    def stop(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            self.kc.stop_channels()
        run_sync(self.km.shutdown_kernel)(now=True)
        if self.sockets is not None:
            self.sockets.cleanup()

    def _client(self, nb: Any) -> Any:
        from nbclient import NotebookClient

        # no timings and one stream output per cell: a print split by the kernel's flush timing
        # would otherwise differ from run to run
        client = NotebookClient(nb, km=self.km, kernel_name="python3", record_timing=False, coalesce_streams=True,
                                timeout=600, resources={"metadata": {"path": str(self.cwd)}})
        client.kc = self.kc
        return client

    def run(self, job: Job, *, workbook: str, figures: Path | None = None) -> None:
        """Execute ``job``'s notebook with its parameters injected and save it, executed or as far as it got."""
        import nbformat
        from jupyter_core.utils import run_sync
        from nbclient.exceptions import CellExecutionError

        # the previous notebook's names, figures and warnings go (imported modules stay): every notebook
        # starts alike, whichever ran before it in this kernel
        # (sent as a silent request, not as a notebook: no client to set up, no count taken)
        reset = _RESET.format(figures=repr(str(figures)) if figures is not None else "None")
        reply = run_sync(self.kc.execute_interactive)(reset, silent=True, store_history=False, timeout=120,
                                                      output_hook=lambda message: None)
        if reply["content"]["status"] != "ok":
            raise NotebookRunError(job.notebook.name, workbook, "the kernel could not be reset before it: "
                                   + str(reply["content"].get("evalue", reply["content"]["status"])))
        nb = inject_parameters(nbformat.read(job.notebook, as_version=4), job.parameters)
        client = self._client(nb)
        job.executed.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.execute()
        except CellExecutionError as exc:
            nbformat.write(nb, job.executed)
            problem = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise NotebookRunError(job.notebook.name, workbook, problem) from None
        nbformat.write(nb, job.executed)


async def _answered(km: Any, kc: Any, timeout: float) -> None:
    """Until the kernel has answered a kernel_info request on the shell channel and sent something on IOPub
    (so that IOPub is connected): jupyter_client's ``wait_for_ready`` without its last step, which waits
    another 0.2 s for IOPub to fall quiet. Nothing needs that here: nbclient and ``execute_interactive``
    take only the messages of their own request."""
    import time
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await kc.iopub_channel.get_msg(timeout=0.2)
                return
            except Empty:  # IOPub not connected yet: ask again
                pass
        if not await km.is_alive():
            raise RuntimeError("the kernel died before it answered")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel did not answer in {timeout:.0f} s")


def inject_parameters(nb: Any, parameters: dict[str, object]) -> Any:
    """Papermill's injected-parameters cell after the ``parameters`` cell, Chinese kept readable, fixed id."""
    import nbformat
    from papermill.translators import PythonTranslator

    class Readable(PythonTranslator):
        @classmethod
        def translate_str(cls, val: str) -> str:
            return repr(val)  # papermill escapes Chinese to \\uXXXX, unreadable in the HTML

    cell = nbformat.v4.new_code_cell(source=Readable.codify(parameters, "Parameters"))
    cell.id = "injected-parameters"  # a fixed id: nbformat's random one would change the file every run
    cell.metadata["tags"] = ["injected-parameters"]
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells = [c for c in nb.cells[:at] if "injected-parameters" not in c.metadata.get("tags", [])] + [cell] + [
        c for c in nb.cells[at:] if "injected-parameters" not in c.metadata.get("tags", [])]
    nb.metadata["papermill"] = {"parameters": parameters}
    return nb


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
