"""``python -m benchmarks [--files 1000] [--out build/bench]``: the figures of benchmarks/README.md.

Generates the district portfolio under ``OUT/portfolio`` (reused when already there), then
measures, in one run: loading it (``load_reports``, a loop of ``load_report``) against the raw
floors ``pd.read_excel(f, sheet_name=None, engine="calamine" / "openpyxl")``; ``parse_value``
throughput on the real indicator value strings; ``reconcile`` and ``indicators`` over the whole
portfolio; the notebook collection executed from fresh kernels; ``perfeval check`` on one
workbook (and the ``python -c`` stand-in) and ``import perfeval_utils``, whole processes. Writes
``OUT/results.json`` and ``OUT/results.md`` and prints the table.
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


def _process_seconds(argv: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> dict[str, float]:
    """Wall time of a whole process (interpreter start included): median and best of ``runs``."""
    times = []
    for _ in range(runs + 1):  # the first run warms the page cache and the .pyc files
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise subprocess.CalledProcessError(done.returncode, argv, done.stdout, done.stderr)
    times = times[1:]
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


def bench_loading(files: list[Path], results: dict[str, Any], repeat: int) -> list[Any]:
    """Best of ``repeat`` runs. The per-file reads run chunk by chunk in rotation (100 files with each
    method in turn), so that a busy moment of the machine weighs on all of them alike."""
    import pandas as pd

    from perfeval_utils import load_report

    methods: dict[str, Callable[[Path], Any]] = {
        "load_report_loop": load_report,
        "floor_calamine": lambda f: pd.read_excel(f, sheet_name=None, engine="calamine"),
        "floor_openpyxl": lambda f: pd.read_excel(f, sheet_name=None, engine="openpyxl"),
    }
    for f in files[:20]:  # imports, caches
        for method in methods.values():
            method(f)
    try:
        from perfeval_utils.read.many import load_reports
    except ImportError:  # pragma: no cover - portfolio.py is written alongside
        load_reports = None
    best: dict[str, float] = {}
    reports: list[Any] = []
    for run in range(repeat):
        totals = dict.fromkeys(methods, 0.0)
        for first in range(0, len(files), 100):
            chunk = files[first:first + 100]
            order = list(methods)
            shift = (first // 100 + run) % len(order)
            for name in order[shift:] + order[:shift]:
                totals[name] += _timed(lambda m=methods[name], c=chunk: [m(f) for f in c])[0]
        if load_reports is not None:
            seconds, report_set = _timed(lambda: load_reports(files, progress=False))
            totals["load_reports"] = seconds
            reports = list(report_set.originals)
        for name, seconds in totals.items():
            best[name] = min(best.get(name, seconds), seconds)
    for name, seconds in best.items():
        results[name] = {"seconds": seconds, "files": len(files), "runs": repeat}
    if not reports:
        reports = [load_report(f) for f in files]
    results["warnings"] = sum(len(r.warnings) for r in reports)
    return reports


def bench_parse_value(reports: list[Any], results: dict[str, Any]) -> None:
    from perfeval_utils import load_report, values
    from perfeval_utils.values import parse_value

    def texts(report: Any) -> list[str]:
        return [s for column in ("target_text", "actual_text") for s in report.kpis[column] if isinstance(s, str)]

    strings = [s for r in reports for s in texts(r)]
    real = [ROOT / "data" / "huangpu-zonggonghui-2022.xlsx", *sorted((ROOT / "data" / "reference").glob("*.xlsx"))]
    unique = sorted({s for path in real for s in texts(load_report(path))} | set(strings))
    values._parse_cached.cache_clear()
    cold, _ = _timed(lambda: [parse_value(s) for s in unique])
    best_cold = cold
    for _ in range(4):  # the parser itself: every call a cache miss
        values._parse_cached.cache_clear()
        best_cold = min(best_cold, _timed(lambda: [parse_value(s) for s in unique])[0])
    warm, _ = _timed(lambda: [parse_value(s) for s in strings])
    results["parse_value"] = {"portfolio_strings": len(strings), "unique_strings": len(unique),
                              "uncached_per_second": len(unique) / best_cold,
                              "portfolio_per_second": len(strings) / warm}


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


def bench_processes(results: dict[str, Any], runs: int) -> None:
    perfeval = shutil.which("perfeval", path=str(Path(sys.executable).parent))
    if perfeval:  # exit status 1 means "checks that fail": still a complete run
        results["perfeval_check"] = _process_seconds([perfeval, "check", str(SEED.relative_to(ROOT))], runs, (0, 1))
    results["check_stand_in"] = _process_seconds([sys.executable, "-c", CHECK_STAND_IN], runs)
    results["import"] = _process_seconds([sys.executable, "-c", "import perfeval_utils"], runs)


def table(results: dict[str, Any]) -> str:
    rows = ["| measurement | figure | goal | met |", "|---|---|---|---|"]

    def add(name: str, figure: str, goal: str = "", met: bool | None = None) -> None:
        rows.append(f"| {name} | {figure} | {goal} | {'' if met is None else ('yes' if met else '**no**')} |")

    floor = results.get("floor_calamine")
    openpyxl_floor = results.get("floor_openpyxl")
    if floor:
        n = floor["files"]
        for key, label in (("load_reports", "`load_reports` over the portfolio"),
                           ("load_report_loop", "loop of `load_report`")):
            if key in results:
                seconds = results[key]["seconds"]
                ratio = seconds / floor["seconds"]
                speedup = openpyxl_floor["seconds"] / seconds
                add(f"{label} ({n} files)", f"{seconds:.2f} s ({seconds / n * 1000:.1f} ms/file)")
                add("… against the calamine floor", f"{ratio:.2f}×", "≤ 1.3×", ratio <= 1.3)
                add("… faster than the openpyxl read", f"{speedup:.1f}×", "≥ 5×", speedup >= 5)
        add(f'floor: `pd.read_excel(f, sheet_name=None, engine="calamine")` ({n} files)',
            f"{floor['seconds']:.2f} s ({floor['seconds'] / n * 1000:.1f} ms/file)")
        add(f'`pd.read_excel(f, sheet_name=None, engine="openpyxl")` ({n} files)',
            f"{openpyxl_floor['seconds']:.2f} s ({openpyxl_floor['seconds'] / n * 1000:.1f} ms/file)")
    if "parse_value" in results:
        p = results["parse_value"]
        add(f"`parse_value`, the {p['unique_strings']} distinct value strings of data/, cache cleared",
            f"{p['uncached_per_second']:,.0f} strings/s", "≥ 100,000/s", p["uncached_per_second"] >= 100_000)
        add(f"`parse_value`, the portfolio's {p['portfolio_strings']:,} strings in order",
            f"{p['portfolio_per_second']:,.0f} strings/s", "≥ 100,000/s", p["portfolio_per_second"] >= 100_000)
    for key, label in (("reconcile", "`reconcile` over the portfolio"),
                       ("indicators", "`indicators` over the portfolio")):
        if key in results:
            r = results[key]
            add(f"{label} ({r['reports']} reports)", f"{r['seconds']:.2f} s ({r['seconds'] / r['reports'] * 1000:.1f}"
                " ms/report)")
    if "notebooks" in results:
        nb = results["notebooks"]
        add(f"{nb['notebooks']} notebooks, fresh kernels (nbconvert --execute)", f"{nb['seconds']:.1f} s", "≤ 60 s",
            nb["seconds"] <= 60)
    if "perfeval_check" in results:
        c = results["perfeval_check"]
        add("`perfeval check` one workbook, whole process", f"{c['median']:.2f} s (best {c['best']:.2f})", "≤ 1 s",
            c["median"] <= 1)
    if "check_stand_in" in results:
        c = results["check_stand_in"]
        add("stand-in `python -c \"…reconcile(load_report(seed))\"`", f"{c['median']:.2f} s (best {c['best']:.2f})",
            "≤ 1 s", c["median"] <= 1)
    if "import" in results:
        c = results["import"]
        add('`python -c "import perfeval_utils"`', f"{c['median']:.2f} s (best {c['best']:.2f})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="workbooks in the portfolio (default 1000)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                        help="output folder (default build/bench)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each whole-process timing (default 5)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of the loading comparison; the best counts")
    parser.add_argument("--skip", action="append", default=[], choices=["loading", "parse", "analysis", "notebooks",
                        "processes"], help="leave a measurement out (repeatable)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    from benchmarks.portfolio import generate

    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    results: dict[str, Any] = {"machine": machine(), "command": command}
    seconds, files = _timed(lambda: generate(out / "portfolio", args.files))
    results["generate"] = {"seconds": seconds, "files": len(files)}
    print(f"portfolio: {len(files)} workbooks under {out / 'portfolio'} ({seconds:.1f} s)", flush=True)
    reports: list[Any] = []
    if "loading" not in args.skip:
        reports = bench_loading(files, results, args.repeat)
    elif "parse" not in args.skip or "analysis" not in args.skip:
        from perfeval_utils import load_report

        reports = [load_report(f) for f in files]
    if "parse" not in args.skip:
        bench_parse_value(reports, results)
    if "analysis" not in args.skip:
        bench_analysis(reports, results)
    if "notebooks" not in args.skip:
        bench_notebooks(out, results)
    if "processes" not in args.skip:
        bench_processes(results, args.runs)
    markdown = table(results)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out / "results.md").write_text(markdown + "\n", encoding="utf-8")
    print(json.dumps(results["machine"], ensure_ascii=False))
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
