"""perfeval report (present/build.py): tasks on a few reused kernels, byte-identical outputs.

Speed is measured in benchmarks/ (``python -m benchmarks``), never here. These tests check what
the speed-ups must not change: a parallel run writes exactly the bytes a sequential run writes,
each notebook gets the analyst's and the presenter's HTML, and failures are clear errors.
"""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from perfeval_utils import PerfevalError, load_report
from perfeval_utils.present import build, kernel
from perfeval_utils.present.html import remote_references

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"
HUANGPU_FOLDER = "广州市黄埔区总工会（广州开发区总工会）_2022"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _seed_folder(tmp_path: Path) -> Path:
    """``tmp_path/data`` holding only the seed workbook."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SEED, data)
    return data


def _write_notebook(folder: Path, name: str, parameters: str, *code: str) -> None:
    """A python3 notebook of code cells under ``folder``, the first (``parameters``) tagged as papermill's."""
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (parameters, *code)])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / name)


def test_a_parallel_run_writes_the_same_bytes_as_a_sequential_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seed + notebooks 00, 04 (writes the 核对底稿) and 07 (over the folder): 2 units, run with 1 then 2
    workers into the same folder; every file (notebooks, both HTMLs, figures, deck, paper) is equal.
    The paper's 封面 states the time of the run: SOURCE_DATE_EPOCH fixes it for both runs."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = _seed_folder(tmp_path)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_overview.ipynb", "04_reproduce_figures.ipynb", "07_review_priorities.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks)
    out = tmp_path / "build"
    sequential = build.run_all(notebooks, data, out, progress=False, workers=1)
    first = _files(out)
    shutil.rmtree(out)
    listed = _perfeval_report(notebooks, data, out, workers=2)  # kernels forked (see the test below)
    assert listed == [str(w.path) for w in sequential]
    assert _files(out) == first
    folder = out / HUANGPU_FOLDER
    assert {w.kind for w in sequential} == {"notebook", "html", "figure", "deck", "workpaper"}
    assert (folder / "huangpu-zonggonghui-2022_核对底稿.xlsx").exists()
    analyst = (folder / "00_overview.html").read_text(encoding="utf-8")
    presenter = (folder / "00_overview_汇报.html").read_text(encoding="utf-8")
    code = '<span class="n">setup</span>'  # notebook.setup(...) in the highlighted code
    assert code in analyst and code not in presenter
    assert "预算数 1415.43 万元" in presenter and remote_references(presenter) == []
    assert (out / "_collection" / "07_review_priorities_汇报.html").exists()
    executed = nbformat.read(folder / "04_reproduce_figures.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells if c.cell_type == "code"] == list(
        range(1, 1 + sum(c.cell_type == "code" for c in executed.cells)))  # one kernel, counts still from 1


def _perfeval_report(notebooks: Path, data: Path, out: Path, *, workers: int) -> list[str]:
    """``perfeval report`` as a command, in a new process: one that has not imported matplotlib or IPython, so
    that its workers fork their kernels (forked_kernel.preload); the files it lists."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "perfeval_utils", "report", str(data), "--notebooks", str(notebooks),
                             "--out", str(out), "--workers", str(workers)],
                            capture_output=True, text=True, encoding="utf-8", check=False)
    assert result.returncode == 0, result.stderr
    return [line.split()[-1] for line in result.stdout.splitlines() if " KiB " in line]


#: Run in a kernel, the probe prints what a kernel started as a new process has, then whether the process
#: that started it had imported click (the command line has; no notebook does): True only when forked.
_PROBE = """
import multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor
import matplotlib
print(os.path.basename(sys.argv[0]), sys.argv[1:2], os.path.basename(os.getcwd()), sys.path)
print(os.environ["JPY_PARENT_PID"] == str(os.getppid()), os.getsid(0) == os.getpid(), os.isatty(0))
print(matplotlib.get_backend(), type(sys.stdout).__name__)
with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
    print(list(pool.map(abs, [-1, -2])))
print("forked:", "click" in sys.modules)
"""


def test_kernels_forked_by_the_workers_start_as_new_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`perfeval report` with two workers forks their kernels from a process that has the notebooks' imports
    done: a probe notebook prints what it prints in a kernel started anew (the launcher as sys.argv[0], the
    notebook folder as working folder, the same sys.path, its own session, JPY_PARENT_PID its parent, stdin
    not a terminal, matplotlib's inline backend, a process pool that works); only the fork differs."""
    monkeypatch.delenv("MPLBACKEND", raising=False)  # (make test sets Agg) so that ipykernel sets its inline one
    notebooks = tmp_path / "notebooks"
    _write_notebook(notebooks, "05_probe.ipynb", "data_dir = None", _PROBE)
    data = _seed_folder(tmp_path)

    def printed(out: Path) -> list[str]:
        executed = nbformat.read(out / "_collection" / "05_probe.ipynb", as_version=4)
        return "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", [])).splitlines()

    build.run_all(notebooks, data, tmp_path / "new", progress=False, workers=1)  # a kernel started anew
    _perfeval_report(notebooks, data, tmp_path / "forked", workers=2)
    new, forked = printed(tmp_path / "new"), printed(tmp_path / "forked")
    assert forked[:-1] == new[:-1]
    assert new[0].startswith("ipykernel_launcher.py ['-f'] notebooks [") and "''" in new[0]
    assert new[1:] == ["True True False", "module://matplotlib_inline.backend_inline OutStream", "[1, 2]",
                       "forked: False"]
    assert forked[-1] == "forked: True"


def test_only_a_process_that_has_not_used_matplotlib_or_ipython_preloads_the_kernels() -> None:
    """A kernel forked from a process that had drawn or styled a figure, or made an IPython shell, would
    inherit it: there the workers launch their kernels anew."""
    import matplotlib  # noqa: F401 - imported here as by any test that draws

    from perfeval_utils.present.forked_kernel import preload

    assert preload(kernel.WARM_MODULES) is False


def test_notebooks_over_the_folder_take_a_department_the_run_has(tmp_path: Path) -> None:
    """05 and 06 name 广州市黄埔区总工会… in their parameters. A run holding that department keeps it; a run of
    another department's workbook gives them None (the newest workbook's department) instead of stopping
    with "no workbook for department 广州市黄埔区总工会…", and 05 runs through on 中江县水利局."""
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ROOT / "data" / "reference" / "zhongjiang-shuiliju-shuibiaochi-2022.xlsx", other)
    seed = tmp_path / "seed"
    seed.mkdir()
    shutil.copy(SEED, seed)

    def collection_parameters(data: Path) -> dict[str, dict[str, object]]:
        (unit,) = [u for u in build.plan(ROOT / "notebooks", data, tmp_path / "out") if u.workbook is None]
        return {job.notebook.stem[:2]: job.parameters for job in unit.jobs}

    assert build.parameter_defaults(ROOT / "notebooks" / "05_year_over_year.ipynb")["department"] == (
        "广州市黄埔区总工会（广州开发区总工会）")
    kept, moved = collection_parameters(seed), collection_parameters(other)
    assert "department" not in kept["05"] and "department" not in kept["06"]  # the notebook's own stays
    assert moved["05"]["department"] is None and moved["06"]["department"] is None
    assert "department" not in moved["07"]  # 07 has no department parameter
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "05_year_over_year.ipynb", notebooks)
    build.run_all(notebooks, other, tmp_path / "out", progress=False, workers=1)
    executed = nbformat.read(tmp_path / "out" / "_collection" / "05_year_over_year.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert printed.startswith("1 个工作簿；部门 中江县水利局，年度 2022")


def test_folder_names_are_short_and_drop_transcribers_notes(tmp_path: Path) -> None:
    report = load_report(SEED)
    assert build.folder_name(report) == HUANGPU_FOLDER  # full-width brackets are part of the name
    note = "区商务局 (district not named; 实施单位 投资促进中心)"
    noted = type(report)(**{**vars(report), "meta": {**report.meta, "department": note}})
    assert build.folder_name(noted) == "区商务局_2022"
    long = type(report)(**{**vars(report), "meta": {**report.meta, "department": "很" * 80}})
    assert build.folder_name(long) == "很" * build.FOLDER_NAME_MAX + "_2022"


def test_a_workbook_file_is_accepted_as_well_as_a_folder(tmp_path: Path) -> None:
    units = build.plan(ROOT / "notebooks", SEED, tmp_path)
    assert [u.workbook for u in units] == [SEED, None]
    assert units[0].folder == tmp_path / HUANGPU_FOLDER
    assert [j.notebook.name[:2] for j in units[0].jobs] == ["00", "01", "02", "03", "04", "08"]  # per workbook
    assert all(j.parameters["data_dir"] == str(SEED.resolve()) for j in units[1].jobs)


def test_settled_zip_files_are_byte_identical_whenever_written(tmp_path: Path) -> None:
    """Two zips of the same members written at different times (2001 and now) settle to the same bytes."""
    when = dt.datetime(2023, 5, 20)
    paths = []
    for name, stamp in (("a.xlsx", (2001, 1, 1, 0, 0, 0)), ("b.xlsx", (2026, 11, 30, 12, 0, 0))):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(zipfile.ZipInfo("docProps/core.xml", stamp),
                       f'<dcterms:created xsi:type="x">{stamp[0]}-01-01T00:00:00Z</dcterms:created>')
            z.writestr(zipfile.ZipInfo("xl/workbook.xml", stamp), "<workbook/>")
        paths.append(build.settle_zip(path, when))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with zipfile.ZipFile(paths[0]) as z:
        assert b"2023-05-20T00:00:00Z" in z.read("docProps/core.xml")
        assert {i.date_time for i in z.infolist()} == {(2023, 5, 20, 0, 0, 0)}


def test_injected_parameters_are_readable_and_have_a_fixed_cell_id() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "00_overview.ipynb", as_version=4)
    injected = kernel.inject_parameters(nb, {"department": "益阳市总工会", "year": 2022})
    cell = injected.cells[2]
    assert cell.id == "injected-parameters" and cell.metadata["tags"] == ["injected-parameters"]
    assert "department = '益阳市总工会'" in cell.source
    again = kernel.inject_parameters(injected, {"year": 2023})  # replaces, never stacks
    assert sum("injected-parameters" in c.metadata.get("tags", []) for c in again.cells) == 1


def test_a_failing_notebook_is_a_clear_error_naming_notebook_and_workbook(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    _write_notebook(notebooks, "00_broken.ipynb", "data_path = None", "1 / 0")
    data = _seed_folder(tmp_path)
    with pytest.raises(kernel.NotebookRunError) as caught:
        build.run_unit(build.plan(notebooks, data, tmp_path / "out")[0])
    message = str(caught.value)
    assert "00_broken.ipynb" in message and SEED.name in message and "ZeroDivisionError" in message
    assert isinstance(caught.value, PerfevalError)
    assert str(pickle.loads(pickle.dumps(caught.value))) == message  # it can come back from a worker


def test_each_notebook_starts_as_in_a_fresh_kernel_though_the_kernel_is_reused(tmp_path: Path) -> None:
    """Two notebooks over the folder run one after the other in one kernel: the second does not see the
    first's names, shows a once-only warning the first showed too, and counts its cells from 1."""
    notebooks = tmp_path / "notebooks"
    for name, body in (("05_first.ipynb", "leak = 1"), ("06_second.ipynb", "print('leak' in dir())")):
        _write_notebook(notebooks, name, "data_dir = None", body,
                        "import warnings\nwarnings.warn('shown every time', UserWarning)\n3 * 3")
    data = _seed_folder(tmp_path)
    build.run_all(notebooks, data, tmp_path / "out", progress=False, workers=1)
    second = nbformat.read(tmp_path / "out" / "_collection" / "06_second.ipynb", as_version=4)
    code = [c for c in second.cells if c.cell_type == "code"]
    assert code[2].outputs[0]["text"] == "False\n"  # the injected parameters cell is code[1]
    assert [c.execution_count for c in code] == [1, 2, 3, 4]
    assert "shown every time" in code[3].outputs[0]["text"]
    assert code[3].outputs[1]["execution_count"] == 4 and code[3].outputs[1]["data"]["text/plain"] == "9"


def test_charts_shown_in_the_notebooks_are_the_files_and_are_drawn_once(tmp_path: Path) -> None:
    """Notebooks 03 and 04 show the score and reconciliation charts (notebook.show): under perfeval report
    they also write them, byte for byte what `perfeval figures` draws; the drawing task draws only the
    three charts no notebook of the run showed, and the notebook's image is the PNG file itself."""
    import base64

    from perfeval_utils.present.build import FIGURE_KEYS, write_figures

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("03_score_and_grade.ipynb", "04_reproduce_figures.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks)
    data = _seed_folder(tmp_path)
    out = tmp_path / "build"
    (out / HUANGPU_FOLDER / "figures").mkdir(parents=True)
    (out / HUANGPU_FOLDER / "figures" / "score.png").write_bytes(b"from an earlier run")
    written = build.run_all(notebooks, data, out, progress=False, workers=2)
    figures = out / HUANGPU_FOLDER / "figures"
    assert [w.path.name for w in written if w.kind == "figure"] == [
        f"{key}.{suffix}" for key in FIGURE_KEYS for suffix in ("png", "svg")]
    _, drawn = write_figures(load_report(SEED), tmp_path / "cli", folder=tmp_path / "cli")
    for item in drawn:
        assert (figures / item.path.name).read_bytes() == item.path.read_bytes(), item.path.name
    executed = nbformat.read(out / HUANGPU_FOLDER / "03_score_and_grade.ipynb", as_version=4)
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1 and base64.b64decode(images[0]["data"]["image/png"]) == (figures / "score.png").read_bytes()
    from PIL import Image

    with Image.open(figures / "score.png") as png:  # shown at half its 200-dpi size: sharp on a projector
        assert images[0]["metadata"]["image/png"]["width"] == png.width // 2
