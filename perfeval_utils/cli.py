"""The ``perfeval`` command: check workbooks, run the notebooks, write figures and a deck.

Bad arguments and bad files give one clear line and a non-zero exit (2 for a usage or input
error, 1 for checks that fail); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from perfeval_utils.errors import PerfevalError
from perfeval_utils.present.terminal import monitoring_text, pad

EXIT_FAILED_CHECKS = 1
EXIT_BAD_INPUT = 2
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class PathError(PerfevalError):
    """A path given on the command line that is missing, a dead link, or a folder named like a workbook."""


def say(text: str, err: bool = False) -> None:
    """Print a line so that it survives any console encoding (GBK, cp1252, ASCII): what the console
    cannot show becomes '?' (a file name that is not valid UTF-8, U+2212 …) instead of a crash."""
    stream = sys.stderr if err else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    click.echo(text.encode(encoding, "replace").decode(encoding, "replace"), err=err)


def _exit_now(code: object) -> NoReturn:
    """``sys.exit(code)`` for a process whose work is done: exit handlers run (temporary folders removed, logs
    flushed), standard streams flushed, then the process ends without the interpreter's teardown. Every pool
    of worker processes has been shut down by then (run_all, load_reports wait for theirs)."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as sys.exit("message"): shown, status 1
        say(str(code), err=True)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to say anyway
            stream.flush()
    os._exit(status)


class _Group(click.Group):
    """Turns a PerfevalError or an OSError (locked, too long, a loop, no permission) into one line on
    stderr and exit 2 (or a traceback with --debug)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The command as a process (``perfeval`` or ``python -m perfeval_utils``; tests call :meth:`main`):
        once click is done, run the exit handlers and leave without Python freeing every object one by one,
        which takes 0.2 s with pandas, matplotlib and Jupyter loaded (``perfeval report`` waited for it)."""
        try:
            self.main(*args, **kwargs)
        except SystemExit as done:
            _exit_now(done.code)
        _exit_now(0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (PerfevalError, OSError, click.BadParameter) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(exc, click.BadParameter):  # a missing file, a symlink loop: one line, not the usage text
                say(f"perfeval: 错误 error: {exc.format_message()}", err=True)
            elif isinstance(exc, OSError):
                where = f" {exc.filename}" if exc.filename is not None else ""
                say(f"perfeval: 错误 error:{where}: {exc.strerror or exc} (the file may be open in Excel or WPS, "
                    "its name too long, or not readable)", err=True)
            else:
                say(f"perfeval: 错误 error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="出错时显示完整回溯 / show the full traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """预算绩效自评的核对、图表与汇报 / check, chart and present budget performance self-evaluations."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _paths(values: tuple[str, ...]) -> list[Path]:
    from perfeval_utils.present.build import find_workbooks

    paths = [Path(v) for v in values]
    for path in paths:
        if path.is_symlink() and not path.exists():
            raise PathError(f"{path}: a symbolic link that leads nowhere (a loop, or its target is gone)")
        if not path.exists():
            raise PathError(f"not found: {path}")
        if path.is_dir() and path.suffix.lower() in WORKBOOK_SUFFIXES:
            raise PathError(f"{path}: a folder named like a workbook; give the workbook file, or a folder of them")
    return find_workbooks(paths)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_FOLDER...")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式 / output format.")
def check(paths: tuple[str, ...], output: str) -> None:
    """校验并核对工作簿 / validate and reconcile workbooks.

    Exit status 0 when every workbook loads and every check passes, 1 otherwise.
    """
    from perfeval_utils.check.reconcile import reconcile
    from perfeval_utils.read.workbook import load_report

    rows = []
    for path in _paths(paths):
        try:
            report = load_report(path)
        except PerfevalError as exc:
            rows.append({"file": str(path), "department": None, "year": None, "error": str(exc),
                         "checks": 0, "failed": None, "findings": []})
            continue
        checks = reconcile(report)
        failed = checks[checks["ok"].eq(False).fillna(False)]
        rows.append({"file": str(path), "department": report.department, "year": report.year, "error": None,
                     "checks": len(checks), "failed": len(failed), "findings": list(failed["finding"])})
    if output == "json":
        say(json.dumps(rows, ensure_ascii=True, indent=2))  # ASCII: readable by any console and any program
    else:
        _print_table(rows)
    if any(r["error"] or r["failed"] for r in rows):
        sys.exit(EXIT_FAILED_CHECKS)


def _print_table(rows: list[dict[str, Any]]) -> None:
    say(f"{pad('文件 file', 44)} {pad('部门 department', 30)} {pad('年度', 5)}{pad('核对', 5)}"
               f"{pad('未通过', 7)}错误 error")
    for row in rows:
        failed = "-" if row["failed"] is None else str(row["failed"])
        say(f"{pad(Path(row['file']).name, 44)} {pad(row['department'] or '-', 30)} "
                   f"{pad(str(row['year'] or '-'), 5)}{pad(str(row['checks']), 5)}{pad(failed, 7)}"
                   f"{(row['error'] or '')[:200]}")
    loaded = sum(1 for r in rows if not r["error"])
    say(f"{len(rows)} 个工作簿 workbooks: {loaded} 个可读取 loaded, "
               f"{sum(r['failed'] or 0 for r in rows)} 项核对未通过 failed checks")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[FILE_OR_FOLDER]...")
@click.option("--data", type=click.Path(path_type=Path), default=Path("data"), show_default=True,
              help="工作簿或其所在目录（未给出 FILE_OR_FOLDER 时）/ a workbook or folder of workbooks (without paths).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
              help="输出目录 / output folder.")
@click.option("--notebooks", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("notebooks"), show_default=True, help="笔记本目录 / notebook folder.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="同时运行的进程数，每个一个内核（默认：每个 CPU 核一个）/ processes at once, one kernel each "
              "(default: one per core).")
@click.option("--no-input", is_flag=True, hidden=True,
              help="不再需要：每个笔记本都写两份 HTML / no longer needed: both HTML files are always written.")
def report(paths: tuple[Path, ...], data: Path, out: Path, notebooks: Path, workers: int | None,
           no_input: bool) -> None:
    """运行全部笔记本并导出离线 HTML、图表和演示文稿 / run every notebook, export offline HTML, figures, decks.

    Per notebook two HTML files: ``NN_name.html`` with the code (the analyst's) and
    ``NN_name_汇报.html`` without it (the presenter's).
    """
    from perfeval_utils.present.build import run_all

    if not paths and not data.exists():  # checked only when used: `perfeval report FILE` needs no data/ here
        raise PathError(f"not found: {data}; fix: give a workbook or folder, or --data")
    _list_written(run_all(notebooks, list(paths) or data, out, workers=workers))


def _write_figures(report: Any, out: Path) -> tuple[dict[str, Path], list]:  # type: ignore[type-arg]
    from perfeval_utils.present.build import write_figures

    return write_figures(report, out)


def _write_deck(report: Any, out: Path, figures: dict[str, Path], history: Any = None) -> Any:
    from perfeval_utils.present.build import write_review_deck

    return write_review_deck(report, out, figures, history=history)


def _list_written(written: list) -> None:  # type: ignore[type-arg]
    say(f"写入 {len(written)} 个文件 files written:")
    for item in written:
        say(f"  {item.kind:<9} {item.size / 1024:>8.1f} KiB  {item.path}")


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_FOLDER...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
              help="输出目录 / output folder.")
def figures(paths: tuple[str, ...], out: Path) -> None:
    """把每张图写成 PNG 和 SVG / write every chart as PNG and SVG."""
    from perfeval_utils.read.workbook import load_report

    written = []
    for path in _paths(paths):
        written += _write_figures(load_report(path), out)[1]
    _list_written(written)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="WORKBOOK")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
              help="输出目录 / output folder.")
def deck(path: Path, out: Path) -> None:
    """为一个部门一个年度写评审会演示文稿（16:9 PPTX）/ write the review-meeting deck for one workbook."""
    from perfeval_utils.read.workbook import load_report

    report = load_report(path)
    figures, files = _write_figures(report, out)
    _list_written([*files, _write_deck(report, out, figures)])


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="NEW_WORKBOOK")
@click.option("--department", required=True, help="部门名称 / department name.")
@click.option("--year", type=int, required=True, help="年度 / year.")
@click.option("--like", "like", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="沿用该工作簿的指标与目标 / carry over this workbook's indicators and targets.")
@click.option("--monitoring", is_flag=True,
              help="加上年中监控表（监控预算、监控指标）/ add the mid-year monitoring sheets.")
def template(path: Path, department: str, year: int, like: Path | None, monitoring: bool) -> None:
    """写一个待填写的空白工作簿 / write an empty v1 workbook ready to fill in."""
    from perfeval_utils.present.template import write_template
    from perfeval_utils.read.workbook import load_report

    written = write_template(path, department, year, like=load_report(like) if like else None,
                             monitoring=monitoring)
    say(f"写入 written: {written}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="WORKBOOK")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式 / output format (JSON is ASCII-escaped, so it survives any console encoding).")
def monitor(path: Path, output: str) -> None:
    """打印年中监控进度表与提示 / print the mid-year monitoring progress tables and flags.

    Exit status 1 when a flag of high severity fires, 0 otherwise.
    """
    from perfeval_utils.check import monitoring
    from perfeval_utils.read.workbook import load_report

    report = load_report(path)
    if not monitoring.has_monitoring(report):
        raise PerfevalError(f"{path.name}: no 监控预算 or 监控指标 rows; fix: add the monitoring sheets "
                            "(docs/workbook-format.md, 监控预算 / 监控指标)")
    flags = monitoring.monitoring_flags(report)
    if output == "json":
        say(json.dumps(monitoring.monitoring_json(report), ensure_ascii=True, indent=2))
    else:
        say(monitoring_text(report, flags))
    if monitoring.has_high_flag(flags):
        sys.exit(EXIT_FAILED_CHECKS)


@main.command()
@click.argument("text", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="REPORT_TEXT")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="NEW_WORKBOOK")
def extract(text: Path, path: Path) -> None:
    """从报告文本提取数字写成工作簿 / extract a report's figures from its text into a workbook.

    Questions the text cannot answer are printed; indicators whose 一级指标 the report does not
    print must be classified by hand before the workbook loads.
    """
    from perfeval_utils.present.writer import write_workbook
    from perfeval_utils.read.text import extract_report

    extraction = extract_report(text)
    written = write_workbook(extraction.report, path)
    say(f"写入 written: {written}")
    for question in extraction.open_questions:
        say(f"待确认 open question: {question}")


@main.command("export")
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_FOLDER...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/export"),
              show_default=True, help="输出目录 / output folder.")
@click.option("--format", "formats", type=click.Choice(["performance", "fiscal"]), multiple=True,
              help="绩效模块字段（performance）或财政数据包（fiscal）；默认两者 / default both.")
def export_command(paths: tuple[str, ...], out: Path, formats: tuple[str, ...]) -> None:
    """导出绩效指标与得分（一体化绩效模块字段）和预算行（Fiscal Data Package）/ export for finance systems.

    A folder gives every workbook in it except examples/ (示例数据); see docs/export.md.
    """
    from perfeval_utils.present.export import export_all
    from perfeval_utils.read.many import load_reports

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise click.BadParameter(f"not found: {', '.join(missing)}", param_hint="FILE_OR_FOLDER")
    reports = load_reports([Path(p) for p in paths], progress=False)  # a folder's examples/ is left out
    for path in export_all(reports, out, formats or ("performance", "fiscal")):
        click.echo(f"写入 written: {path}")


#: What ``perfeval import`` reads in a folder (any file named otherwise is still read when given by name).
DOCUMENT_SUFFIXES = (".xlsx", ".xls", ".et", ".docx", ".doc", ".pdf", ".html", ".htm", ".txt")


def _documents(values: tuple[str, ...]) -> list[Path]:
    paths = [Path(v) for v in values]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"not found: {', '.join(missing)}", param_hint="FILE_OR_FOLDER")
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                      and not p.name.startswith(("~$", "."))]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


@main.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_FOLDER...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("data"), show_default=True,
              help="工作簿输出目录 / folder for the workbooks.")
@click.option("--department", default=None, help="文件未写明时的部门 / department, when the document states none.")
@click.option("--year", type=int, default=None, help="文件未写明时的年度 / year, when the document states none.")
@click.option("--amount-unit", type=click.Choice(["万元", "元"]), default=None,
              help="文件未写明时的金额单位 / amount unit, when the document states none.")
def import_documents(paths: tuple[str, ...], out: Path, department: str | None, year: int | None,
                     amount_unit: str | None) -> None:
    """读入表格、Word、PDF、网页或文本，写成工作簿 / read forms, Word, PDF, web pages or text into workbooks.

    One v1 workbook per document, named after it (``自评表.pdf`` → ``自评表_pdf.xlsx``), with a sheet 待核
    listing what a person must still decide. Exit status 2 when a document cannot be read at all.
    """
    from perfeval_utils.present.writer import write_intake
    from perfeval_utils.read.document import read_document

    failed = 0
    for path in _documents(paths):
        try:
            intake = read_document(path, department=department, year=year, amount_unit=amount_unit)
        except PerfevalError as exc:
            failed += 1
            say(f"{path.name}: 错误 error: {exc}")
            continue
        target = write_intake(intake, out / f"{path.stem}_{path.suffix.lstrip('.').lower() or 'txt'}.xlsx")
        say(f"{intake.summary()} → {target}")
    if failed:
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":  # pragma: no cover
    main()
