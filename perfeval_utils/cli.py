"""The ``perfeval`` command: check workbooks, run the notebooks, write figures and a deck.

Bad arguments and bad files give one clear line and a non-zero exit (2 for a usage or input
error, 1 for checks that fail); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import click

from perfeval_utils.errors import PerfevalError

EXIT_FAILED_CHECKS = 1
EXIT_BAD_INPUT = 2


class _Group(click.Group):
    """Turns a PerfevalError into one line on stderr (or a traceback with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PerfevalError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"perfeval: 错误 error: {exc}", err=True)
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
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"not found: {', '.join(missing)}", param_hint="FILE_OR_FOLDER")
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
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_table(rows)
    if any(r["error"] or r["failed"] for r in rows):
        sys.exit(EXIT_FAILED_CHECKS)


def _pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns, counting a Chinese character as two; cut with … if longer."""
    def columns(value: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)

    if columns(text) > width:
        while columns(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - columns(text))


def _print_table(rows: list[dict[str, Any]]) -> None:
    click.echo(f"{_pad('文件 file', 44)} {_pad('部门 department', 30)} {_pad('年度', 5)}{_pad('核对', 5)}"
               f"{_pad('未通过', 7)}错误 error")
    for row in rows:
        failed = "-" if row["failed"] is None else str(row["failed"])
        click.echo(f"{_pad(Path(row['file']).name, 44)} {_pad(row['department'] or '-', 30)} "
                   f"{_pad(str(row['year'] or '-'), 5)}{_pad(str(row['checks']), 5)}{_pad(failed, 7)}"
                   f"{(row['error'] or '')[:200]}")
    loaded = sum(1 for r in rows if not r["error"])
    click.echo(f"{len(rows)} 个工作簿 workbooks: {loaded} 个可读取 loaded, "
               f"{sum(r['failed'] or 0 for r in rows)} 项核对未通过 failed checks")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[FILE_OR_FOLDER]...")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=Path("data"), show_default=True,
              help="工作簿或其所在目录（未给出 FILE_OR_FOLDER 时）/ a workbook or folder of workbooks (without paths).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True,
              help="输出目录 / output folder.")
@click.option("--notebooks", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("notebooks"), show_default=True, help="笔记本目录 / notebook folder.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="同时运行的部门数（默认：每个 CPU 核一个）/ departments run at once (default: one per core).")
@click.option("--no-input", is_flag=True, hidden=True,
              help="不再需要：每个笔记本都写两份 HTML / no longer needed: both HTML files are always written.")
def report(paths: tuple[Path, ...], data: Path, out: Path, notebooks: Path, workers: int | None,
           no_input: bool) -> None:
    """运行全部笔记本并导出离线 HTML、图表和演示文稿 / run every notebook, export offline HTML, figures, decks.

    Per notebook two HTML files: ``NN_name.html`` with the code (the analyst's) and
    ``NN_name_汇报.html`` without it (the presenter's).
    """
    from perfeval_utils.present.build import run_all

    _list_written(run_all(notebooks, list(paths) or data, out, workers=workers))


def _write_figures(report: Any, out: Path) -> tuple[dict[str, Path], list]:  # type: ignore[type-arg]
    from perfeval_utils.present.build import write_figures

    return write_figures(report, out)


def _write_deck(report: Any, out: Path, figures: dict[str, Path]) -> Any:
    from perfeval_utils.present.build import write_review_deck

    return write_review_deck(report, out, figures)


def _list_written(written: list) -> None:  # type: ignore[type-arg]
    click.echo(f"写入 {len(written)} 个文件 files written:")
    for item in written:
        click.echo(f"  {item.kind:<9} {item.size / 1024:>8.1f} KiB  {item.path}")


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
def template(path: Path, department: str, year: int, like: Path | None) -> None:
    """写一个待填写的空白工作簿 / write an empty v1 workbook ready to fill in."""
    from perfeval_utils.present.template import write_template
    from perfeval_utils.read.workbook import load_report

    written = write_template(path, department, year, like=load_report(like) if like else None)
    click.echo(f"写入 written: {written}")


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
    click.echo(f"写入 written: {written}")
    for question in extraction.open_questions:
        click.echo(f"待确认 open question: {question}")


if __name__ == "__main__":  # pragma: no cover
    main()
