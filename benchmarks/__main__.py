"""``python -m benchmarks [--files 1000] [--out build/bench]``: the figures of benchmarks/README.md.

Generates the district portfolio under ``OUT/portfolio`` (reused when already there), then
measures, in one run: loading it (``load_reports`` on every core and with ``workers=1``, a loop
of ``load_report``) against the raw floor ``pd.read_excel(f, sheet_name=None, engine="calamine")``;
``parse_value`` on distinct strings (benchmarks/value_strings.txt, cache cleared); ``reconcile``
and ``indicators`` over the portfolio; ``perfeval report`` for one department and for data/
against papermill running a one-cell notebook (measured in the same run); the test suite as
``make test`` runs it; the notebook collection from fresh kernels; ``perfeval check`` and
``import perfeval_utils``, whole processes. Writes ``OUT/results.json`` and ``OUT/results.md`` and
prints the table: every goal of issue #17 with its measured figure and met / missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"
#: What ``make test`` runs after ruff (keep in step with the Makefile's ``test`` target).
TEST_ARGS = ["--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider", "-n", "auto", "--dist", "loadfile", "-q"]
CHECK_STAND_IN = ("from perfeval_utils import load_report; from perfeval_utils.check.reconcile import reconcile; "
                  "reconcile(load_report('data/huangpu-zonggonghui-2022.xlsx'))")


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of ``action``; objects alive before it are frozen out of the garbage collector.

    With a thousand loaded reports in memory, a full collection triggered inside a short timing
    would be charged to the code measured (it made warm parse_value look 10× slower).
    """
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        result = action()
        return time.perf_counter() - start, result
    finally:
        gc.unfreeze()


def _process_seconds(argv: list[str], runs: int, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None,
                     warm: bool = True) -> dict[str, float]:
    """Wall time of a whole process (interpreter start included): median and best of ``runs``."""
    times = []
    for _ in range(runs + (1 if warm else 0)):  # a first run warms the page cache and the .pyc files
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise subprocess.CalledProcessError(done.returncode, argv, done.stdout, done.stderr)
    times = times[1:] if warm else times
    return {"median": statistics.median(times), "best": min(times), "runs": runs}


def machine() -> dict[str, Any]:
    from importlib import metadata

    import openpyxl
    import pandas

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": platform.python_version(), "pandas": pandas.__version__,
            "python-calamine": metadata.version("python-calamine"), "openpyxl": openpyxl.__version__}


def bench_loading(files: list[Path], results: dict[str, Any], repeat: int, openpyxl: bool) -> list[Any]:
    """Best of ``repeat`` runs. The per-file reads run chunk by chunk in rotation (100 files with each
    method in turn), so that a busy moment of the machine weighs on all of them alike."""
    import pandas as pd

    from perfeval_utils import load_report
    from perfeval_utils.read.many import load_reports

    methods: dict[str, Callable[[Path], Any]] = {
        "load_report_loop": load_report,
        "floor_calamine": lambda f: pd.read_excel(f, sheet_name=None, engine="calamine"),
    }
    if openpyxl:
        methods["floor_openpyxl"] = lambda f: pd.read_excel(f, sheet_name=None, engine="openpyxl")
    for f in files[:20]:  # imports, caches
        for method in methods.values():
            method(f)
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    reports: list[Any] = []
    for run in range(repeat):
        totals = dict.fromkeys(methods, 0.0)
        for first in range(0, len(files), 100):
            chunk = files[first:first + 100]
            order = list(methods)
            shift = (first // 100 + run) % len(order)
            for name in order[shift:] + order[:shift]:
                totals[name] += _timed(lambda m=methods[name], c=chunk: [m(f) for f in c])[0]
        for name, workers in (("load_reports", None), ("load_reports_one_worker", 1)):
            before = _cpu_seconds()
            seconds, report_set = _timed(lambda w=workers: load_reports(files, progress=False, workers=w))
            cpu_used = _cpu_seconds() - before
            totals[name] = seconds
            if seconds <= best.get(name, seconds):
                cpu[name] = cpu_used
            # The set builds each Report from its stacked rows when first asked for: time that too,
            # so that what load_reports no longer does up front is not hidden.
            built, reports = _timed(lambda s=report_set: list(s.originals))
            results.setdefault("originals_built", {"files": len(files), "seconds": built})
            results["originals_built"]["seconds"] = min(results["originals_built"]["seconds"], built)
            del report_set
        for name, seconds in totals.items():
            best[name] = min(best.get(name, seconds), seconds)
    for name, seconds in best.items():
        results[name] = {"seconds": seconds, "files": len(files), "runs": repeat}
        if name in cpu:
            results[name]["cpu_seconds"] = cpu[name]  # this process and its finished workers
    results["warnings"] = sum(len(r.warnings) for r in reports)
    return reports


def _cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for (the workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def value_strings() -> list[str]:
    """benchmarks/value_strings.txt: distinct KPI value strings of data/ and of tests/test_values.py."""
    lines = (ROOT / "benchmarks" / "value_strings.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("# ")]


def bench_parse_value(reports: list[Any], results: dict[str, Any]) -> None:
    from perfeval_utils import values
    from perfeval_utils.values import parse_value

    strings = [s for r in reports for column in ("target_text", "actual_text") for s in r.kpis[column]
               if isinstance(s, str)]
    unique = value_strings()
    best_cold = float("inf")
    gc.collect()  # once, not before every run: a collection right before a 1 ms timing leaves cold caches
    gc.freeze()
    try:
        for _ in range(30):  # the parser itself: every call a cache miss; the best run is the least disturbed
            values._parse_cached.cache_clear()
            start = time.perf_counter()
            for text in unique:
                parse_value(text)
            best_cold = min(best_cold, time.perf_counter() - start)
    finally:
        gc.unfreeze()
    warm, _ = _timed(lambda: [parse_value(s) for s in strings])
    results["parse_value"] = {"portfolio_strings": len(strings), "unique_strings": len(unique),
                              "uncached_per_second": len(unique) / best_cold,
                              "portfolio_per_second": len(strings) / warm if strings else None}


def bench_analysis(reports: list[Any], results: dict[str, Any]) -> None:
    from perfeval_utils.analyse.indicators import indicators
    from perfeval_utils.check.reconcile import reconcile

    seconds, checks = _timed(lambda: [reconcile(r) for r in reports])
    results["reconcile"] = {"seconds": seconds, "reports": len(reports), "checks": sum(len(c) for c in checks)}
    seconds, rows = _timed(lambda: [indicators(r) for r in reports])
    results["indicators"] = {"seconds": seconds, "reports": len(reports), "rows": sum(len(r) for r in rows)}


def bench_notebooks(out: Path, results: dict[str, Any]) -> None:
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    target = out / "notebooks"
    shutil.rmtree(target, ignore_errors=True)
    argv = [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html", "--output-dir", str(target),
            *notebooks]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, env=env)
    results["notebooks"] = {"seconds": time.perf_counter() - start, "notebooks": len(notebooks),
                            "command": " ".join(["python", *argv[1:]])}


ONE_CELL = "import pandas as pd\nimport matplotlib.pyplot as plt\n\nplt.plot([1, 2, 3]);"


def bench_report(out: Path, results: dict[str, Any], runs: int) -> None:
    """``perfeval report`` (whole process) for one department and for data/, and the papermill baseline.

    The baseline is what a kernel start-up costs: ``papermill`` executing a one-cell notebook that
    imports pandas and matplotlib and draws one plot, measured in this run on this machine.
    """
    import nbformat

    folder = out / "report"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "one" / "data").mkdir(parents=True)
    shutil.copy(SEED, folder / "one" / "data")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ONE_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "one_cell.ipynb")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    python = sys.executable
    results["report_baseline"] = _process_seconds(
        [python, "-m", "papermill", "--no-progress-bar", str(folder / "one_cell.ipynb"), str(folder / "out.ipynb")],
        runs, env=env)
    results["report_one"] = _process_seconds(
        [python, "-m", "perfeval_utils", "report", str(folder / "one" / "data"), "--out", str(folder / "one" / "out")],
        runs, env=env)
    results["report_data"] = _process_seconds(
        [python, "-m", "perfeval_utils", "report", "--data", "data", "--out", str(folder / "data")], 1, env=env,
        warm=False)


def bench_tests(results: dict[str, Any]) -> None:
    """The test suite as ``make test`` runs it (ruff, then pytest with the notebooks), whole processes."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "pytest", *TEST_ARGS], cwd=ROOT, capture_output=True, env=env,
                          text=True)
    seconds = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    results["make_test"] = {"seconds": seconds, "returncode": done.returncode, "summary": summary,
                            "command": "python -m pytest " + " ".join(TEST_ARGS)}


def bench_processes(results: dict[str, Any], runs: int) -> None:
    perfeval = shutil.which("perfeval", path=str(Path(sys.executable).parent))
    if perfeval:  # exit status 1 means "checks that fail": still a complete run
        results["perfeval_check"] = _process_seconds([perfeval, "check", str(SEED.relative_to(ROOT))], runs, (0, 1))
    results["check_stand_in"] = _process_seconds([sys.executable, "-c", CHECK_STAND_IN], runs)
    results["import"] = _process_seconds([sys.executable, "-c", "import perfeval_utils"], runs)


def goals(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """Issue #17's goals: (goal, measured figure, target, met); a goal not measured in this run is left out."""
    rows: list[tuple[str, str, str, bool | None]] = []
    base = results.get("report_baseline")
    if base and "report_one" in results:
        ratio = results["report_one"]["median"] / base["median"]
        rows.append(("1. `perfeval report`, one department (median) ÷ papermill one-cell notebook",
                     f"{ratio:.2f}× ({results['report_one']['median']:.1f} s ÷ {base['median']:.1f} s)", "≤ 3×",
                     ratio <= 3))
    if base and "report_data" in results:
        ratio = results["report_data"]["median"] / base["median"]
        rows.append(("2. `perfeval report --data data` (10 workbooks) ÷ the same baseline",
                     f"{ratio:.2f}× ({results['report_data']['median']:.1f} s)", "≤ 10×", ratio <= 10))
    floor = results.get("floor_calamine")
    if floor:
        for key, label, target in (
            ("load_reports", "3. `load_reports` on every core ÷ single-core calamine floor", 0.65),
            ("load_reports_one_worker", "3. `load_reports(workers=1)` ÷ the same floor", 1.3),
        ):
            if key in results:
                ratio = results[key]["seconds"] / floor["seconds"]
                rows.append((f"{label} ({floor['files']} files)",
                             f"{ratio:.2f}× ({results[key]['seconds']:.2f} s ÷ {floor['seconds']:.2f} s)",
                             f"≤ {target}×", ratio <= target))
    if "parse_value" in results:
        p = results["parse_value"]
        rows.append((f"4. `parse_value`, {p['unique_strings']} distinct strings, cache cleared",
                     f"{p['uncached_per_second']:,.0f} /s", "≥ 150,000 /s", p["uncached_per_second"] >= 150_000))
    if "make_test" in results:
        t = results["make_test"]
        rows.append(("5. `make test` (ruff + pytest -n auto, notebooks included)",
                     f"{t['seconds']:.0f} s ({t['summary']})", "< 180 s, passing",
                     t["seconds"] < 180 and t["returncode"] == 0))
    return rows


def table(results: dict[str, Any]) -> str:
    rows = ["| goal (#17) | measured | target | met |", "|---|---|---|---|"]
    for goal, figure, target, met in goals(results):
        rows.append(f"| {goal} | {figure} | {target} | {'met' if met else '**missed**'} |")
    rows += ["", "| other measurement | figure |", "|---|---|"]

    def add(name: str, figure: str) -> None:
        rows.append(f"| {name} | {figure} |")

    floor = results.get("floor_calamine")
    if floor:
        n = floor["files"]
        for key, label in (("load_reports", "`load_reports` (workers=None: every core)"),
                           ("load_reports_one_worker", "`load_reports(workers=1)`"),
                           ("load_report_loop", "loop of `load_report`"),
                           ("floor_calamine", 'floor: `pd.read_excel(f, sheet_name=None, engine="calamine")`'),
                           ("floor_openpyxl", '`pd.read_excel(f, sheet_name=None, engine="openpyxl")`')):
            if key in results:
                r = results[key]
                cpu = f", CPU {r['cpu_seconds']:.2f} s" if "cpu_seconds" in r else ""
                add(f"{label} ({n} files)", f"{r['seconds']:.2f} s ({r['seconds'] / n * 1000:.1f} ms/file{cpu})")
    if "originals_built" in results:
        r = results["originals_built"]
        add(f"then every `Report` of the set built from its stacked rows, first access ({r['files']} reports)",
            f"{r['seconds']:.2f} s ({r['seconds'] / r['files'] * 1000:.2f} ms/report)")
    if "parse_value" in results and results["parse_value"]["portfolio_per_second"]:
        p = results["parse_value"]
        add(f"`parse_value`, the portfolio's {p['portfolio_strings']:,} strings in order (cached)",
            f"{p['portfolio_per_second']:,.0f} /s")
    for key, label in (("reconcile", "`reconcile` over the portfolio"),
                       ("indicators", "`indicators` over the portfolio")):
        if key in results:
            r = results[key]
            add(f"{label} ({r['reports']} reports)",
                f"{r['seconds']:.2f} s ({r['seconds'] / r['reports'] * 1000:.1f} ms/report)")
    for key, label in (("report_baseline", "baseline: papermill, one-cell notebook (pandas, matplotlib, one plot)"),
                       ("report_one", "`perfeval report` one department (seed only)"),
                       ("report_data", "`perfeval report --data data`"),
                       ("perfeval_check", "`perfeval check` one workbook"),
                       ("check_stand_in", "stand-in `python -c \"…reconcile(load_report(seed))\"`"),
                       ("import", '`python -c "import perfeval_utils"`')):
        if key in results:
            c = results[key]
            add(f"{label}, whole process", f"{c['median']:.2f} s (best {c['best']:.2f}, {c['runs']} runs)")
    if "notebooks" in results:
        nb = results["notebooks"]
        add(f"{nb['notebooks']} notebooks, fresh kernels (nbconvert --execute)", f"{nb['seconds']:.1f} s")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="workbooks in the portfolio (default 1000)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                        help="output folder (default build/bench)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each whole-process timing (default 3)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of the loading comparison; the best counts")
    parser.add_argument("--openpyxl", action="store_true", help="also time the openpyxl read (slow)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["loading", "parse", "analysis", "report", "tests", "notebooks", "processes"],
                        help="leave a measurement out (repeatable)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    from benchmarks.portfolio import generate

    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    results: dict[str, Any] = {"machine": machine(), "command": command, "load_before": os.getloadavg()}
    seconds, files = _timed(lambda: generate(out / "portfolio", args.files))
    results["generate"] = {"seconds": seconds, "files": len(files)}
    print(f"portfolio: {len(files)} workbooks under {out / 'portfolio'} ({seconds:.1f} s)", flush=True)
    reports: list[Any] = []
    if "loading" not in args.skip:
        reports = bench_loading(files, results, args.repeat, args.openpyxl)
    elif "analysis" not in args.skip:
        from perfeval_utils.read.many import load_reports

        reports = list(load_reports(files, progress=False).originals)
    if "parse" not in args.skip:
        bench_parse_value(reports, results)
    if "analysis" not in args.skip:
        bench_analysis(reports, results)
    del reports
    for name, bench in (("report", lambda: bench_report(out, results, args.runs)),
                        ("tests", lambda: bench_tests(results)),
                        ("notebooks", lambda: bench_notebooks(out, results)),
                        ("processes", lambda: bench_processes(results, args.runs))):
        if name not in args.skip:
            print(f"measuring {name} …", flush=True)
            try:
                bench()
            except subprocess.CalledProcessError as exc:  # one failed command must not lose the other figures
                results.setdefault("failed", []).append({"measurement": name, "command": " ".join(map(str, exc.cmd)),
                                                         "stderr": (exc.stderr or b"")[-2000:]})
    results["load_after"] = os.getloadavg()
    markdown = table(results)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out / "results.md").write_text(markdown + "\n", encoding="utf-8")
    print(json.dumps(results["machine"], ensure_ascii=True))
    print(f"load average before / after: {results['load_before']} / {results['load_after']}")
    _print(markdown)
    return 0


def _print(text: str) -> None:
    """Print so that any character survives a console that is not UTF-8 (a GBK Windows console)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout.write(text.encode(encoding, errors="backslashreplace").decode(encoding) + "\n")


if __name__ == "__main__":
    sys.exit(main())
