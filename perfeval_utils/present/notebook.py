"""The one setup call each notebook makes, and the sentences and tables a notebook shows.

Notebooks present; this module holds what they would otherwise compute in a cell: loading the
workbook (:func:`setup`) or the folder of workbooks (:func:`setup_many`) named in the parameters
cell, refusing a workbook of another department or year than the notebook was asked for, display
settings (pandas, the house chart style, inline PNGs without a software version so a re-run
writes the same bytes), next year's preview for the year-over-year notebook, and the one-line
sentences a notebook prints (stable text, so nbval can check it exactly).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from perfeval_utils.errors import PerfevalError
from perfeval_utils.read.workbook import Report, load_report

if TYPE_CHECKING:
    from perfeval_utils.read.many import ReportSet

#: Inline PNGs as the exported ones (present/charts/export.py): no "Software" text chunk.
INLINE_FIGURE_KWARGS = {"bbox_inches": "tight", "metadata": {"Software": None}}


class ParameterMismatchError(PerfevalError):
    """The workbook is not the department or year the notebook's parameters name."""


def setup(
    data_path: str | Path,
    department: str | None = None,
    year: int | None = None,
    *,
    charts: bool = False,
) -> Report:
    """Load the notebook's workbook, check it is the one expected, set display options.

    ``department`` / ``year`` left as None accept any workbook (papermill can pass another
    one). With ``charts=True`` the house chart style (CJK font) is applied too.
    """
    report = load_report(data_path)
    if department is not None and report.department != department:
        raise ParameterMismatchError(
            f"{data_path}: the workbook is for {report.department!r}, the notebook expects {department!r}; "
            "fix: pass the matching department (or None) in the parameters cell"
        )
    if year is not None and report.year != int(year):
        raise ParameterMismatchError(
            f"{data_path}: the workbook is for {report.year}, the notebook expects {year}; "
            "fix: pass the matching year (or None) in the parameters cell"
        )
    setup_display(charts=charts)
    return report


def heading(report: Report) -> str:
    """The line under each notebook's setup: department, year, amount unit."""
    return f"{report.department}，{report.year} 年度，金额单位 {report.amount_unit}"


def setup_many(
    data_dir: str | Path, department: str | None = None, *, charts: bool = True
) -> tuple[ReportSet, Report]:
    """The collection notebooks' setup: every workbook under ``data_dir`` and the department's newest report.

    ``department`` None means the newest workbook's department. No progress bar, so no timing
    lands in the committed output.
    """
    from perfeval_utils.read.many import load_reports

    reports = load_reports(data_dir, progress=False)
    return reports, setup(reports.latest_path(department), department, charts=charts)


def setup_display(*, charts: bool = False) -> None:
    """pandas display settings for Decimals and Chinese text; the house chart style with ``charts``.

    For notebooks over many workbooks, which have no single workbook to load in :func:`setup`.
    Inside IPython, inline figures are saved without matplotlib's "Software" chunk
    (:data:`INLINE_FIGURE_KWARGS`), so a committed notebook does not change with the version.
    """
    pd.set_option("display.max_colwidth", 60)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    if charts:
        from perfeval_utils.present.charts import apply_style

        apply_style()
        _inline_without_version()


def _inline_without_version() -> None:
    """In a Jupyter kernel: figures inline, as PNGs without the matplotlib version. No-op elsewhere.

    Inline even when the environment says ``MPLBACKEND=Agg`` (as ``make test`` does), so a notebook
    shows its charts and writes the same outputs however it is run.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    shell.run_line_magic("matplotlib", "inline")
    set_matplotlib_formats("png", **INLINE_FIGURE_KWARGS)


#: Where :func:`show` also writes each chart it shows (``perfeval report`` sets it per notebook, see
#: :func:`reset_kernel`); None: it only shows them.
_FIGURES: dict[str, Path | None] = {"folder": None}


def show(figure: Any, name: str) -> None:
    """Show a chart as the PNG that is exported (200 dpi, shown at half size: sharp on a projector).

    Under ``perfeval report`` the chart is also written as ``<figures>/<name>.png`` and ``.svg``, the
    files the deck uses: each chart is drawn once, not once for the notebook and again for the files.
    ``name`` is its key in :func:`perfeval_utils.present.charts.all_figures` (or ``reconciliation``).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    from perfeval_utils.present.charts.export import figure_png, save_figure

    folder = _FIGURES["folder"]
    if folder is not None:
        png, _ = save_figure(figure, folder / name)
        data = png.read_bytes()
    else:
        data = figure_png(figure)
    plt.close(figure)
    display(Image(data=data, format="png", retina=True))


def reset_kernel(figures: str | None = None) -> None:
    """Before each notebook ``perfeval report`` runs in a reused kernel: the kernel as a fresh one would be,
    and ``figures`` the folder :func:`show` writes the notebook's charts to (None: none).

    The previous notebook's figures are closed, its names and cached outputs dropped, the once-only
    warnings forgotten (a warning shown before would be hidden now) and the execution count set so
    that the next cell is 1 (outputs carry it). IPython's ``%reset -f`` drops the names too but also
    runs a full garbage collection, 0.1 s a notebook; modules stay imported either way.
    """
    import matplotlib.pyplot as plt

    _FIGURES["folder"] = Path(figures) if figures is not None else None
    plt.close("all")
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    if shell is None:
        return
    hook = shell.displayhook
    for number in range(1, hook.prompt_count + 1):  # the _1, _2 … of cached outputs
        shell.user_ns.pop(f"_{number}", None)
        shell.user_ns_hidden.pop(f"_{number}", None)
    shell.user_ns.get("_oh", {}).clear()
    hook._, hook.__, hook.___ = "", "", ""
    for name in [name for name in shell.user_ns if name not in shell.user_ns_hidden]:
        del shell.user_ns[name]
    shell.user_ns.update({"_": "", "__": "", "___": ""})
    shell.execution_count = 1  # the next cell's number (IPython has counted the cell calling this already)


def meta_table(report: Report) -> pd.DataFrame:
    """基本信息 as a three-column table (字段, 值, 出处), Chinese field names, — where nothing is stated."""
    from perfeval_utils.present.display import meta_rows

    return pd.DataFrame(meta_rows(report), columns=["字段", "值", "出处"])


def key_figures(report: Report) -> str:
    """The headline figures as stated, as plain text (stable, so nbval can check it exactly)."""
    total = report.budget[report.budget["dimension"] == "合计"].iloc[0]
    unit = report.amount_unit

    def amount(value: object) -> str:
        return "未列" if value is None else f"{value} {unit}"

    statuses = report.kpis["status_text"].value_counts(dropna=False)
    status_text = ", ".join(f"{'未列' if pd.isna(k) else k} {n}" for k, n in statuses.items())
    rate = total["stated_rate"]
    return "\n".join(
        [
            f"部门 {report.department}，{report.year} 年度，报告类型 {report.meta['report_kind'] or '未列'}",
            f"预算数 {amount(total['budget'])}；执行数 {amount(total['executed'])}；"
            f"报告执行率 {'未列' if rate is None else f'{rate}%'}",
            f"指标 {len(report.kpis)} 个（完成情况：{status_text}）；任务 {len(report.tasks)} 个；"
            f"文中数据 {len(report.claims)} 项",
            f"自评得分 {report.meta['self_score'] if report.meta['self_score'] is not None else '未列'}",
        ]
    )


# ---- collections of workbooks (05, 06) --------------------------------------------------------


def collection_summary(reports: ReportSet, department: str) -> str:
    """How many workbooks, which department, which years (the first line of 05 and 06)."""
    years = "、".join(str(y) for y in reports.years(department))
    return f"{len(reports.reports)} 个工作簿；部门 {department}，年度 {years}"


def conversions_text(reports: ReportSet) -> str:
    """Which workbooks were converted to 万元, or that none needed converting."""
    if reports.conversions.empty:
        return "没有需要换算的工作簿：都以万元填报。"
    lines = [f"{row.file}（{row.department} {row.year}）：{row.from_unit} → {row.to_unit}，× {row.factor}"
             for row in reports.conversions.itertuples(index=False)]
    return "换算为万元的工作簿：\n" + "\n".join(lines)


def peer_departments(reports: ReportSet, department: str, pattern: str) -> list[str]:
    """The departments whose name contains ``pattern``, and ``department`` itself, in the set's order."""
    return [d for d in reports.departments if pattern in d or d == department]


def years_sentence(reports: ReportSet, department: str) -> str:
    """Whether the department's execution can be read as a trend yet."""
    from perfeval_utils.analyse.series import execution_by_year

    by_year = execution_by_year(reports, department)
    if len(by_year) < 2:
        return (f"{department} 目前只有 {reports.years(department)[0]} 年一个年度的工作簿，报告也未列上年数："
                "还看不出趋势。加入下一年度的工作簿后，每年一行，图按年排列（第 4 节是预览）。")
    return f"{department}：{by_year['year'].min()}–{by_year['year'].max()} 年，共 {len(by_year)} 个年度。"


def indicator_sentence(reports: ReportSet, department: str) -> str:
    """How many indicator parts appear in two years or more, and how many fell short twice or more."""
    from perfeval_utils.analyse.series import indicator_trend, recurring_shortfalls

    trend, recurring = indicator_trend(reports, department), recurring_shortfalls(reports, department)
    if trend.empty:
        years = "、".join(str(y) for y in reports.years(department))
        return f"没有在两个以上年度都出现的指标：{department} 的指标只来自 {years} 年。反复未完成的指标：无从判断。"
    return (f"{trend['name'].nunique()} 个指标在两个以上年度出现；反复未完成的指标 "
            f"{len(recurring)} 项。")


def next_year_preview(reports: ReportSet, report: Report, folder: str | Path | None = None) -> ReportSet:
    """The department's workbooks plus next year's blank template (written like ``report``), loaded together.

    Shows what the year-over-year tables will hold once the next workbook is typed in: the new
    year is a row of blanks, never of zeros. The template goes to ``folder`` (default: a new
    temporary folder), never beside the data.
    """
    from perfeval_utils.present.template import write_template
    from perfeval_utils.read.many import load_reports

    target = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="perfeval-preview-"))
    preview = write_template(target / f"{report.year + 1}.xlsx", report.department, report.year + 1, like=report)
    own = reports.reports.loc[reports.reports["department"] == report.department, "path"]
    return load_reports([*own, preview], progress=False)
