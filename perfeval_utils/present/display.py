"""What a person in the room reads: Chinese headers, amounts as printed, one missing-value marker.

The package's frames keep English snake_case columns and exact :class:`~decimal.Decimal` values,
because code and tests read them. This module is the one place that turns any of them into a table
for people: every column gets its Chinese header (the workbook's own from :mod:`perfeval_utils.schema`,
the computed ones from :data:`COMPUTED_HEADERS`), each Decimal is shown with thousands separators at
the precision it carries (the source's printed precision for a figure as entered, the stated rounding
for a computed one), ``op`` and check kinds are shown in Chinese, and None, ``<NA>`` and NaN are all
shown as :data:`MISSING`.

- :func:`table` shows a frame in a notebook (HTML from the Styler preset :func:`styler`, plain text
  from :func:`as_text`, never a memory address);
- :func:`as_text` the same cells as a frame of strings (plain text, ``print``);
- :func:`as_float` a float copy for plotting only (``as_float(execution(r)).plot.bar(...)``): floats
  round, so the Decimal frame stays the source of truth for every comparison and every figure shown;
- :func:`report_html`, :func:`score_html` and :func:`findings` are the rich reprs of a
  :class:`~perfeval_utils.report.Report`, a score result and the failed checks.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from perfeval_utils import schema
from perfeval_utils.read import review as review_form

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from perfeval_utils.analyse.scoring import ScoreResult
    from perfeval_utils.report import Report

#: The one marker for a value the source does not state or that cannot be computed.
MISSING: Final = "—"

#: Headers of the columns the analyses compute (the workbook's own come from schema). Where one
#: English name means different things in different frames, :data:`CONTEXT_HEADERS` decides.
COMPUTED_HEADERS: Final[dict[str, str]] = {
    # shared by many frames
    "excel_row": "工作簿行", "department": "部门", "year": "年度", "report_kind": "报告类型",
    "amount_unit": "金额单位", "file": "文件", "sheet": "工作表", "unit": "单位", "value": "数值",
    "name": "名称", "item": "项目", "amount": "金额", "note": "说明", "source": "出处",
    # budget
    "rate": "重算执行率（%）", "rate_matches": "执行率按报告精度一致", "stated_rate": "报告执行率（%）",
    "lines": "行数", "budget_sum": "各行预算数之和", "budget_blank": "预算数空白行",
    "executed_sum": "各行执行数之和", "executed_blank": "执行数空白行", "total_budget": "合计预算数",
    "total_executed": "合计执行数", "basis": "依据", "share": "占比（%）",
    # indicators
    "part": "分项", "label": "分项名称", "target": "预期数", "actual": "实现数", "op": "比较",
    "completion": "完成率（%）", "met": "计算为完成", "stated_met": "报告为完成", "gap": "差距",
    "review": "需人工复核", "flag": "提示",
    # scoring
    "line": "评分项", "stated_score": "报告得分", "available": "可得分", "scored": "得分", "lost": "失分",
    # reconcile
    "check_id": "编号", "kind": "核对类型", "stated": "报告数", "computed": "重算数", "difference": "差额",
    "ok": "结果", "finding": "发现",
    # many workbooks, series and peers
    "from_unit": "原单位", "to_unit": "换算为", "factor": "系数", "converted": "已换算",
    "budget_basis": "预算数依据", "executed_basis": "执行数依据", "other_figures": "他处所列",
    "years_short": "未完成年度", "times_short": "未完成次数", "years_seen": "出现年度数", "reasons": "偏差原因",
    "measure": "指标量", "report_year": "报告年度", "change": "较上年增减", "derived_prior": "推算上年执行数",
    "recomputed_rate": "重算增减率（%）", "claims": "所据文中数据", "self_evaluation": "自评报告",
    "basic": "基本支出", "project": "项目支出", "basic_share": "基本支出占比（%）", "split_basis": "构成依据",
    "split_note": "构成说明", "prior_basis": "上年数依据", "change_basis": "增减额依据",
    "change_rate": "增减率（%）", "change_rate_basis": "增减率依据", "prior_executed": "上年执行数",
    # load warnings and errors
    "row": "行", "column": "列", "code": "类别", "message": "说明", "error": "错误",
    # mid-year monitoring (check.monitoring; the workbook's own columns come from schema's 监控 sheets)
    "execution_progress": "执行进度（%）", "time_progress": "时间进度（%）", "lag": "滞后（百分点）",
    "forecast_unspent": "预计结余", "flags": "提示", "progress": "完成进度（%）",
    "forecast_progress": "预计完成进度（%）", "compared_with_time": "按时间进度比较", "year_end": "年末数",
    "error_pct": "误差（%）",
    # flags, priority and the review round (check.flags, check.review)
    "severity": "严重程度", "evidence": "证据", "rank": "优先顺序", "gravest": "最高严重度",
    "gravest_label": "最高严重程度", "gravest_flag": "最严重提示", "families": "证据类别数",
    "high": "高严重度提示数", "weighted_severity": "提示加权", "kinds": "证据类别", "why": "理由",
    "stratum": "层", "probability": "入选概率", "selected": "入选", "rechecked": "复核得分", "moved": "变动指标数",
    "moved_list": "变动指标", "total_agrees": "复核总分与逐项之和一致",
}

#: (column that marks the frame, headers that differ in it): the first match wins per column.
CONTEXT_HEADERS: Final[tuple[tuple[str, dict[str, str]], ...]] = (
    # monitoring.budget_progress: 年度预算数, 全年预计执行数 … as on the 监控预算 form
    ("executed_to_date", {c.name: c.header for c in schema.MONITOR_BUDGET.columns}),
    # monitoring.indicator_progress: 年度指标值, 截止完成值, 全年预计完成值, 原因说明 … as on the 监控指标 form
    ("to_date", {c.name.removesuffix("_text"): c.header for c in schema.MONITOR_KPIS.columns}),
    # monitoring.forecast_accuracy: one row per budget line (项目) or indicator part (编号)
    ("year_end", {"kind": "类别", "key": "项目/编号", "forecast": "全年预计数", "error": "误差", "met": "年末完成"}),
    # review.sample, review gap per report and per moved indicator
    ("probability", {"basis": "入选依据", "weight": "权重", "why": "入选理由"}),
    # review.round_gap: per report (headers of the 复核报告 sheet) and per moved indicator (复核指标)
    ("rechecked", {**{c.name: c.header for c in review_form.REPORTS.columns}, "basis": "复核得分依据",
                   "difference": "差异", "note": "复核意见"}),
    ("review_score", {**{c.name: c.header for c in review_form.INDICATORS.columns}, "change": "变动"}),
    ("weighted_severity", {"flags": "提示数", "budget": "预算数（万元）"}),
    ("task_id", {c.name: c.header for c in schema.TASKS.columns}),
    ("claim_id", {c.name: c.header for c in schema.CLAIMS.columns}),
    ("rule_id", {c.name: c.header for c in schema.RULES.columns}),
    ("indicator_id", {"name": "指标名称"}),
    ("derived_prior", {"stated_rate": "报告增减率（%）", "executed": "当年执行数", "change": "报告增减额"}),
    ("prior_year", {"budget": "列预算数", "executed": "列执行数", "stated_rate": "列执行率", "split": "列支出构成",
                    "prior_year": "列上年数", "stated_change": "列较上年变化", "kpis": "指标数",
                    "self_score": "列自评得分"}),
)

#: Columns in percent: the header says (%), the cells are plain numbers.
PERCENT_COLUMNS: Final = frozenset({"rate", "stated_rate", "completion", "share", "basic_share", "change_rate",
                                    "recomputed_rate", "execution_progress", "time_progress", "progress",
                                    "forecast_progress", "error_pct"})
#: Said under the headers of a table without rows, so an empty table does not look cut off.
EMPTY: Final = "（无）"
#: A column whose cells are all this short (characters) is never wrapped: 资金来源 stays on one line.
NOWRAP_WIDTH: Final = 12
#: A column of longer text wraps, but never narrower than this (CSS): a wide table scrolls instead of
#: squeezing 偏差原因 into two characters a line.
WRAP_MIN_WIDTH: Final = "10em"
#: Internal columns no person needs: the unrounded completion (28 digits) and absolute paths.
HIDDEN_COLUMNS: Final = ("completion_exact", "path")

OPS: Final[dict[str, str]] = {">=": "≥", "<=": "≤", ">": "＞", "<": "＜", "=": "＝", "~": "约"}
#: A check's kind (reconcile's ``kind``) in Chinese: the notebooks' tables, the deck and the 核对底稿 alike, in the
#: words the checks' own descriptions and the red flags use (合计, 评分, 较上年增减).
CHECK_KINDS: Final[dict[str, str]] = {
    "rate": "执行率", "sum": "合计", "carryover": "结转结余", "count": "指标计数", "status": "完成情况",
    "score": "评分", "change": "较上年增减", "units": "同一数量", "rule": "核对规则",
}
#: (True, False) shown per column; any other boolean column shows 是 / 否.
BOOLEAN_TEXT: Final[dict[str, tuple[str, str]]] = {"ok": ("通过", "未通过"), "rate_matches": ("一致", "不一致")}
#: English basis phrases of analyse.series / analyse.peers, in Chinese.
BASIS_TEXT: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"^stated$"), "报告所列"),
    (re.compile(r"^prior-year column of the (\d{4}) report$"), r"\1 年报告的上年执行数列"),
    (re.compile(r"^derived from stated change in the (\d{4}) report$"), r"由 \1 年报告所列增减额推算"),
    (re.compile(r"^computed: change ÷ prior executed$"), "重算：增减额 ÷ 上年执行数"),
    (re.compile(r"^computed: (.+)$"), r"重算：\1"),
)

_BASE_HEADERS: Final[dict[str, str]] = {
    **{c.name: c.header for sheet in (schema.MONITOR_KPIS, schema.MONITOR_BUDGET) for c in sheet.columns},
    **{c.name: c.header for sheet in (schema.RULES, schema.KPIS, schema.BUDGET) for c in sheet.columns},
    **{c.name: c.header for c in schema.META.columns},
    **COMPUTED_HEADERS,
}

_STYLES: Final = [
    {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums; "
                              "font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif;"},
    {"selector": "th", "props": "background: #f1f3f5; text-align: left; padding: 3px 8px; white-space: nowrap;"},
    {"selector": "td", "props": "padding: 3px 8px; border-top: 1px solid #e9ecef; text-align: left;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold; padding: 4px 0;"},
]


def is_missing(value: object) -> bool:
    """None, NaN, ``pd.NA`` and ``NaT``: all shown as :data:`MISSING`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return False


def headers(frame: pd.DataFrame) -> dict[str, str]:
    """The Chinese header of every column of ``frame`` (an unknown column keeps its name)."""
    found = dict(_BASE_HEADERS)
    for marker, overrides in reversed(CONTEXT_HEADERS):
        if marker in frame.columns:
            found.update(overrides)
    return {str(c): found.get(str(c), str(c)) for c in frame.columns}


def number_text(value: Decimal | int | Fraction) -> str:
    """Thousands separators, at the decimals the value carries (1415.43 → 1,415.43; 100.0000 stays)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, Decimal):
        return format(value, ",f")
    return str(value)


def shown_text(value: Any, column: str = "") -> str:
    """One cell as shown: Chinese for codes and booleans, :data:`MISSING` for every kind of blank."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        yes, no = BOOLEAN_TEXT.get(column, ("是", "否"))
        return yes if value else no
    if column == "op":
        return OPS.get(str(value), str(value))
    if column == "kind":
        return CHECK_KINDS.get(str(value), str(value))
    if isinstance(value, Decimal | Fraction):
        return number_text(value)
    if isinstance(value, float):
        return format(value, ",.10g")
    if isinstance(value, list | tuple):
        return "；".join(shown_text(v, column) for v in value) or MISSING
    text = str(value)
    if column.endswith("basis"):
        for pattern, chinese in BASIS_TEXT:
            if pattern.match(text):
                return pattern.sub(chinese, text)
    return text


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns])


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text :func:`table` shows, under the Chinese headers (for print and plain text)."""
    shown = _shown(frame)
    text = pd.DataFrame({c: [shown_text(v, str(c)) for v in shown[c]] for c in shown.columns}, index=shown.index,
                        columns=shown.columns)
    return text.rename(columns=headers(shown)).reset_index(drop=True)


def _is_numeric(series: pd.Series) -> bool:
    values = [v for v in series if not is_missing(v)]
    return bool(values) and all(isinstance(v, Decimal | int | float | Fraction) and not isinstance(v, bool)
                                for v in values)


def styler(frame: pd.DataFrame, caption: str | None = None) -> Styler:
    """The Styler preset: Chinese headers, no index, numbers right-aligned with separators, one missing marker.

    The table's HTML id is derived from its content, so re-running a notebook writes the same bytes.
    """
    shown = _shown(frame).reset_index(drop=True)
    names = headers(shown)
    formatters: dict[Any, Callable[[Any], str]] = {c: _formatter(str(c)) for c in shown.columns}
    from pandas.io.formats.style import Styler

    # cell_ids=False: no id on every cell (a third of the HTML); the column rules select by class.
    styler = Styler(shown, cell_ids=False).format(formatters).hide(axis="index")
    styler = styler.relabel_index([names[str(c)] for c in shown.columns], axis="columns")
    text = as_text(shown)
    per_column = {}
    for at, column in enumerate(shown.columns):
        props = "text-align: right; " if _is_numeric(shown[column]) and column != "year" else ""
        if all(len(cell) <= NOWRAP_WIDTH for cell in text.iloc[:, at]):
            props += "white-space: nowrap;"
        else:
            props += f"min-width: {WRAP_MIN_WIDTH};"
        if props:
            per_column[column] = [{"selector": "td", "props": props}]
    styler = styler.set_table_styles(_STYLES).set_table_styles(per_column, overwrite=False)
    if caption or shown.empty:
        styler = styler.set_caption(f"{caption or ''}{EMPTY if shown.empty else ''}")
    digest = hashlib.sha256(repr((caption, list(text.columns), text.to_numpy().tolist())).encode()).hexdigest()
    return styler.set_uuid(digest[:10])


@dataclass(frozen=True)
class Table:
    """What :func:`table` returns: HTML in a notebook, the same cells as plain text elsewhere.

    A bare Styler's plain-text repr is ``<Styler at 0x7f…>``, a memory address that changes on every
    run (and would change every committed notebook); this wrapper's is the table itself.
    """

    frame: pd.DataFrame
    caption: str | None = None

    @property
    def styler(self) -> Styler:
        """The pandas Styler, to style further (``table(f).styler.bar(...)`` on :func:`as_float` data)."""
        return styler(self.frame, self.caption)

    def to_html(self) -> str:
        return self.styler.to_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = as_text(self.frame)
        body = EMPTY if text.empty else text.to_string(index=False)
        return body if self.caption is None else f"{self.caption}\n{body}"


def table(frame: pd.DataFrame, caption: str | None = None) -> Table:
    """A frame for people: HTML through :func:`styler` in a notebook, :func:`as_text` as plain text."""
    return Table(frame, caption)


def _formatter(column: str) -> Callable[[Any], str]:
    def show(value: Any) -> str:
        return html.escape(shown_text(value, column))

    return show


def as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for plotting: every column of Decimal numbers as float64, blanks as NaN; other columns kept.

    For charts only (``as_float(execution(r)).plot.bar(x="item", y=["budget", "executed"])``): a float
    cannot hold every Decimal exactly, so compare, sum and show figures from the Decimal frame.
    """
    out = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object and _is_numeric(values):
            out[column] = pd.array([math.nan if is_missing(v) else float(v) for v in values], dtype="float64")
    return out


# ---- rich reprs -----------------------------------------------------------------------------


def _rows_html(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def report_text(report: Report) -> str:
    """A short one-line repr: who, which year, what is in it."""
    kind = report.meta.get("report_kind") or MISSING
    return (f"Report({report.department} {report.year} 年度 {kind}，金额单位 {report.amount_unit}；"
            f"{_counts(report)}；{report.path.name})")


def _counts(report: Report) -> str:
    return (f"预算 {len(report.budget)} 行，指标 {len(report.kpis)} 个，任务 {len(report.tasks)} 个，"
            f"文中数据 {len(report.claims)} 项，核对规则 {len(report.rules)} 条，加载提示 {len(report.warnings)} 条")


def meta_rows(report: Report) -> list[tuple[str, str, str]]:
    """基本信息 as (字段, 值, 出处), Chinese field names, values as shown, the missing marker for blanks."""
    chinese = {key: field for field, key in schema.META_FIELDS.items()}
    return [(chinese.get(key, key), shown_text(value, key), report.meta_sources.get(key) or MISSING)
            for key, value in report.meta.items()]


def report_html(report: Report) -> str:
    """A Report in a notebook: the heading, 基本信息 with 出处, and how much each sheet holds."""
    kind = report.meta.get("report_kind") or MISSING
    meta = pd.DataFrame(meta_rows(report), columns=["字段", "值", "出处"])
    return (f"<div><strong>{html.escape(report.department)}</strong> · {report.year} 年度 · {html.escape(str(kind))}"
            f" · 金额单位 {html.escape(report.amount_unit)}<br><small>{html.escape(_counts(report))}；"
            f"文件 {html.escape(report.path.name)}</small>{styler(meta).to_html()}</div>")


def _at_stated_precision(total: Decimal, stated: Decimal | None) -> Decimal:
    """The recomputed total rounded half up to the decimals the stated score is printed with (else 2)."""
    places = 2 if stated is None else max(-int(stated.as_tuple().exponent), 0)
    return total.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score_text(result: ScoreResult) -> str:
    """A short repr: recomputed total at the stated score's precision, grade, stated score, difference."""
    shown = _at_stated_precision(result.total, result.stated)
    if result.stated is None:
        return f"ScoreResult(重算 {shown} 分，等级 {result.grade}；报告未列自评得分)"
    difference = shown - result.stated
    return f"ScoreResult(重算 {shown} 分，等级 {result.grade}；报告自评 {result.stated} 分，差 {difference:+} 分)"


def score_html(result: ScoreResult) -> str:
    """A score result in a notebook: the headline, the notes, then the per-line table."""
    shown = _at_stated_precision(result.total, result.stated)
    rows = [("重算得分", f"{shown}（精确到万分位 {result.total}）"), ("等级", result.grade),
            ("报告自评得分", shown_text(result.stated))]
    if result.stated is not None:
        rows.append(("差（重算 − 报告）", f"{shown - result.stated:+}"))
    rows.append(("权重来源", result.weights_source))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    return (f"<div>{_rows_html(rows)}{f'<ul>{notes}</ul>' if notes else ''}"
            f"{styler(result.table).to_html()}</div>")


@dataclass(frozen=True)
class Findings:
    """The failed checks, one sentence each: a numbered list in a notebook, numbered lines as text."""

    frame: pd.DataFrame

    def lines(self) -> list[str]:
        return [f"{row.check_id}（{shown_text(row.kind, 'kind')}）{row.finding}"
                for row in self.frame.itertuples(index=False)]

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return "\n".join(self.lines()) if len(self) else "没有未通过的核对。"

    def _repr_html_(self) -> str:
        if not len(self):
            return "<p>没有未通过的核对。</p>"
        items = "".join(
            f"<li><strong>{html.escape(row.check_id)}（{html.escape(shown_text(row.kind, 'kind'))}）</strong>"
            f"{html.escape(str(row.finding))}<br><small>出处：{html.escape(shown_text(row.source))}</small></li>"
            for row in self.frame.itertuples(index=False))
        return f"<ol>{items}</ol>"


def findings(checks: pd.DataFrame) -> Findings:
    """The failed checks of :func:`perfeval_utils.check.reconcile.reconcile`, shown as findings."""
    from perfeval_utils.check.reconcile import findings as failed

    return Findings(failed(checks))


def tally(checks: pd.DataFrame) -> Table:
    """:func:`perfeval_utils.check.reconcile.tally` as a table: per check kind (in Chinese), how many passed,
    failed and could not be decided; its first sentence (the totals) is the caption."""
    from perfeval_utils.check.reconcile import tally as sentence

    results = ("通过", "未通过", "无法判定")
    outcome = [results[2] if is_missing(ok) else results[0] if ok else results[1] for ok in checks["ok"]]
    kinds = [shown_text(k, "kind") for k in checks["kind"]]
    counts = pd.crosstab(pd.Series(kinds, name="核对类型"), pd.Series(outcome, name=None))
    counts = counts.reindex(columns=list(results), fill_value=0).reset_index()
    counts.columns = ["核对类型", *results]
    return Table(counts.assign(合计=counts[list(results)].sum(axis=1)), sentence(checks).splitlines()[0])
