"""Mid-year monitoring (绩效运行监控, 双监控): execution and indicators against the time elapsed, and the
July forecast against the year-end result.

Rules, in one place so an auditor can read them:

- **Time progress** (时间进度) at the cut-off 监控截止日期: whole months ÷ 12 when the date is the last
  day of its month (31 July → 7 ÷ 12 = 58.33 %), else day of the year ÷ days in the year
  (15 July 2022 → 196 ÷ 365 = 53.70 %). A 时间进度 stated in 基本信息 (the bureau's figure) overrides.
- **Budget lines**: execution_progress = 截止执行数 ÷ 年度预算数; lag = time − execution, in
  percentage points; forecast_unspent = 年度预算数 − 全年预计执行数, in the workbook's 金额单位.
- **Indicators** are read with :func:`perfeval_utils.parse_value`, part by part as in
  :mod:`perfeval_utils.analyse.indicators` (whose direction and pairing rules are reused):
  progress = 截止完成值 ÷ 年度指标值 for targets to reach, the other way (target ÷ to-date) for
  ``<=`` targets and 成本 ``=`` targets. Only cumulative quantities to reach are compared with the
  time elapsed; rates (%, ‰, 分), deadlines and durations (dates, 天, 月 …), caps (``<=``) and
  qualitative values are not, and ``note`` says so. 万元 and 元 are converted explicitly; any
  other unit that disagrees with the target's raises :class:`MonitoringUnitError`, located.
- **Flags**, each threshold a field of :class:`MonitoringThresholds`, each with its evidence
  sentence and a severity (3 高, 2 中, 1 低, as in :mod:`perfeval_utils.check.flags`):
  ``execution_behind_unexplained`` (2), ``unspent_without_remedy`` (2),
  ``doubtful_without_remedy`` (2), ``behind_but_certain`` (3), ``forecast_far_above_target`` (1),
  and, against the year-end self-evaluation, ``certain_but_unmet`` (3).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.analyse.budget import percentage
from perfeval_utils.analyse.indicators import (
    UNIT_FACTORS,
    indicators,
    measure_pairs,
    round_to,
    safe_parse,
    target_direction,
)
from perfeval_utils.cells import match_key
from perfeval_utils.check.flags import COLUMNS, RULES, SEVERITY_LABEL, Flag
from perfeval_utils.errors import MetaError, WorkbookError
from perfeval_utils.report import Report
from perfeval_utils.unit_words import TIME_UNITS
from perfeval_utils.values import Measure

HUNDRED = Decimal(100)
#: Units of rates and scores: a share, not an amount that accumulates over the year.
RATE_UNITS = frozenset({"%", "‰", "个百分点", "百分点", "分", "分值"})
#: flag code → (severity, short Chinese label shown in the ``flags`` column).
#: The monitoring flags as (severity, name); both come from check/flags.RULES, their one home (with the reason).
FLAGS: dict[str, tuple[int, str]] = {
    code: (RULES[code].severity, RULES[code].name)
    for code in ("execution_behind_unexplained", "unspent_without_remedy", "doubtful_without_remedy",
                 "behind_but_certain", "forecast_far_above_target", "certain_but_unmet")
}
BUDGET_COLUMNS = ["dimension", "item", "budget", "executed_to_date", "execution_progress", "time_progress", "lag",
                  "forecast", "forecast_unspent", "reason", "remedy", "flags", "source", "excel_row"]
INDICATOR_COLUMNS = ["indicator_id", "part", "name", "label", "target", "to_date", "forecast", "unit", "op",
                     "progress", "forecast_progress", "time_progress", "lag", "compared_with_time", "note",
                     "likelihood", "reason_type", "reason", "remedy", "flags", "source", "excel_row"]
ACCURACY_COLUMNS = ["kind", "key", "part", "name", "forecast", "year_end", "unit", "error", "error_pct",
                    "likelihood", "met", "flags", "source"]


class MonitoringUnitError(WorkbookError):
    """截止完成值 or 全年预计完成值 in a unit that is not the 年度指标值's (and not 万元 ↔ 元)."""


@dataclass(frozen=True)
class MonitoringThresholds:
    """Every threshold a monitoring flag uses, in percent or percentage points."""

    lag_points: Decimal = Decimal(10)  # execution behind time by more than this, with no 偏差原因
    unspent_share: Decimal = Decimal(0)  # forecast leaves more than this % of the budget unspent, no 纠偏措施
    indicator_lag_points: Decimal = Decimal(10)  # an indicator behind time by more than this, 确定能, no reason
    over_forecast: Decimal = Decimal(30)  # forecast above the target by more than this %


DEFAULT = MonitoringThresholds()


def _given(value: Any) -> str | None:
    """A loaded text cell (already stripped, blank as NA) as str or None."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _flag(code: str, evidence: str, source: str) -> Flag:
    """A flag of check/flags.py's kind, its severity from :data:`FLAGS`."""
    return Flag(code, FLAGS[code][0], evidence, source)


def _labels(flags: list[Flag]) -> str:
    return "、".join(dict.fromkeys(FLAGS[f.flag][1] for f in flags))


# ---- time ------------------------------------------------------------------------------------


def year_elapsed(date: dt.date) -> Decimal:
    """The share of the year elapsed at ``date``, in percent (exact to 28 digits).

    A month end counts whole months (31 July → 7 ÷ 12 × 100 = 58.333…); any other day counts
    days (15 July 2022 → 196 ÷ 365 × 100 = 53.698…; 31 December → 100).
    """
    with localcontext() as context:
        context.prec = 28
        if date.day == calendar.monthrange(date.year, date.month)[1]:
            return Decimal(date.month) / 12 * HUNDRED
        days = 366 if calendar.isleap(date.year) else 365
        return Decimal(date.timetuple().tm_yday) / days * HUNDRED


def has_monitoring(report: Report) -> bool:
    """True when the workbook has a 监控预算 or 监控指标 row."""
    return bool(len(report.monitoring_budget) or len(report.monitoring_kpis))


def time_progress(report: Report) -> Decimal | None:
    """时间进度 in percent: 基本信息 时间进度 when stated, else :func:`year_elapsed` at 监控截止日期."""
    stated = report.meta.get("time_progress")
    if stated is not None:
        return stated
    date = report.meta.get("monitoring_date")
    if date is None:
        if has_monitoring(report):
            raise MetaError("the workbook has monitoring sheets but no 监控截止日期", file=report.path,
                            sheet=schema.META.title, column="字段", expected="a row 监控截止日期 with a date",
                            fix="add 监控截止日期 (e.g. 2022-07-31) to 基本信息, or 时间进度")
        return None
    return year_elapsed(date)


def time_basis(report: Report) -> str:
    """One sentence saying where the time progress comes from."""
    stated = report.meta.get("time_progress")
    date = report.meta.get("monitoring_date")
    if stated is not None:
        return f"时间进度 {stated}%（基本信息所填，财政部门设定）"
    if date is None:
        return "未填监控截止日期，无时间进度"
    last = calendar.monthrange(date.year, date.month)[1]
    how = f"{date.month}/12（月末按整月）" if date.day == last else \
        f"{date.timetuple().tm_yday}/{366 if calendar.isleap(date.year) else 365}（非月末按天）"
    return f"截至 {date.isoformat()}，时间进度 {round_to(year_elapsed(date))}% = {how}"


# ---- budget lines ----------------------------------------------------------------------------


def _budget_lines(report: Report, limits: MonitoringThresholds) -> tuple[list[dict[str, Any]], list[Flag]]:
    elapsed = time_progress(report)
    unit = report.amount_unit
    rows, found = [], []
    for line in report.monitoring_budget.itertuples(index=False):
        progress = percentage(line.executed_to_date, line.budget)
        lag = None if progress is None or elapsed is None else elapsed - progress
        unspent = None if line.budget is None or line.forecast is None else line.budget - line.forecast
        reason, remedy, source = _given(line.reason), _given(line.remedy), _given(line.source) or ""
        own = []
        if lag is not None and lag > limits.lag_points and reason is None:
            own.append(_flag("execution_behind_unexplained",
                             f"「{line.item}」截至监控日执行 {line.executed_to_date} {unit}，为年度预算 {line.budget} "
                             f"{unit} 的 {round_to(progress)}%，落后时间进度 {round_to(elapsed)}% 达 {round_to(lag)} "
                             f"个百分点（阈值 {limits.lag_points}），未填偏差原因", source))
        share = percentage(unspent, line.budget)
        if unspent is not None and unspent > 0 and share is not None and share > limits.unspent_share \
                and remedy is None:
            own.append(_flag("unspent_without_remedy",
                             f"「{line.item}」全年预计执行 {line.forecast} {unit}，将结余 {unspent} {unit}"
                             f"（年度预算的 {round_to(share)}%），未填纠偏措施", source))
        found.extend(own)
        rows.append({"dimension": line.dimension, "item": line.item, "budget": line.budget,
                     "executed_to_date": line.executed_to_date, "execution_progress": round_to(progress),
                     "time_progress": round_to(elapsed), "lag": round_to(lag), "forecast": line.forecast,
                     "forecast_unspent": unspent, "reason": reason, "remedy": remedy, "flags": _labels(own),
                     "source": source, "excel_row": line.excel_row})
    return rows, found


def budget_progress(report: Report, thresholds: MonitoringThresholds = DEFAULT) -> pd.DataFrame:
    """One row per 监控预算 line: execution against the time elapsed, the forecast, its flags.

    Percentages are shown to two decimals (half up); lags and flags use the exact quotients.
    """
    rows, _ = _budget_lines(report, thresholds)
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


# ---- indicators ------------------------------------------------------------------------------


def _in_unit(measure: Measure | None, target: Measure, kpi: Any, column: str, report: Report) -> Decimal | None:
    """The measure's value in the target's unit; a unit that cannot be converted is a located error."""
    if measure is None or measure.value is None:
        return None
    if not measure.unit or not target.unit or measure.unit == target.unit:
        return measure.value
    factor = UNIT_FACTORS.get((measure.unit, target.unit))
    if factor is None:
        header = next(c.header for c in schema.MONITOR_KPIS.columns if c.name == column)
        raise MonitoringUnitError(
            f"指标{kpi.indicator_id}「{kpi.name}」: {header} is in {measure.unit}, the 年度指标值 in {target.unit}",
            file=report.path, sheet=schema.MONITOR_KPIS.title, row=int(kpi.excel_row), column=header,
            found=getattr(kpi, column),
            expected=f"a value in {target.unit}, the unit of 年度指标值 {kpi.target_text!r}",
            fix=f"write {header} in {target.unit}, or correct the 年度指标值's unit",
        )
    return measure.value * factor


def _not_compared(target: Measure, direction: str) -> str | None:
    """Why a part is not compared with the time elapsed; None for a cumulative quantity to reach."""
    if target.date is not None:
        return "时限指标（日期），不按时间进度比较"
    if target.value is None:
        return "定性指标，不按时间进度比较"
    if target.unit in RATE_UNITS:
        return "比率指标，不按时间进度比较"
    if target.unit in TIME_UNITS:
        return "时限/时长指标，不按时间进度比较"
    if direction == "limit":
        return "上限指标（越低越好），不按时间进度比较"
    return None


def _part(kpi: Any, target: Measure, to_date: Measure | None, forecast: Measure | None, elapsed: Decimal | None,
          report: Report, limits: MonitoringThresholds) -> tuple[dict[str, Any], list[Flag]]:
    direction = target_direction(target.op, kpi.category)
    so_far = _in_unit(to_date, target, kpi, "to_date_text", report)
    expected = _in_unit(forecast, target, kpi, "forecast_text", report)
    note = _not_compared(target, direction)
    if target.value is None or so_far is None:
        progress = None
    elif direction == "reach":
        progress = percentage(so_far, target.value)
    else:
        progress = percentage(target.value, so_far) if so_far else None
    lag = elapsed - progress if note is None and progress is not None and elapsed is not None else None
    if note is None and so_far is None:
        note = "截止完成值未填或不是数值"
    ahead = percentage(expected, target.value) if direction == "reach" and target.value else None
    likelihood, reason, remedy = _given(kpi.likelihood), _given(kpi.reason), _given(kpi.remedy)
    source, unit = _given(kpi.source) or "", target.unit or ""
    who = f"指标{kpi.indicator_id}「{kpi.name}」"
    own = []
    if lag is not None and lag > limits.indicator_lag_points and likelihood == "确定能" and reason is None:
        own.append(_flag("behind_but_certain",
                         f"{who}截止完成 {so_far}{unit}，为年度指标值 {target.value}{unit} 的 {round_to(progress)}%，"
                         f"落后时间进度 {round_to(elapsed)}% 达 {round_to(lag)} 个百分点"
                         f"（阈值 {limits.indicator_lag_points}），"
                         "却称确定能完成且未说明原因", source))
    if ahead is not None and ahead > HUNDRED + limits.over_forecast:
        own.append(_flag("forecast_far_above_target",
                         f"{who}全年预计完成 {expected}{unit}，为年度指标值 {target.value}{unit} "
                         f"的 {round_to(ahead)}%，"
                         f"超出 {limits.over_forecast}% 以上（目标可能定得偏低）", source))
    row = {"indicator_id": kpi.indicator_id, "name": kpi.name, "label": target.label, "target": target.value,
           "to_date": so_far, "forecast": expected, "unit": target.unit, "op": target.op,
           "progress": round_to(progress), "forecast_progress": round_to(ahead), "time_progress": round_to(elapsed),
           "lag": round_to(lag), "compared_with_time": note is None, "note": note, "likelihood": likelihood,
           "reason_type": _given(kpi.reason_type), "reason": reason, "remedy": remedy, "source": source,
           "excel_row": kpi.excel_row}
    return row, own


def _indicator_parts(report: Report, limits: MonitoringThresholds) -> tuple[list[dict[str, Any]], list[Flag]]:
    elapsed = time_progress(report)
    rows, found = [], []
    for kpi in report.monitoring_kpis.itertuples(index=False):
        targets = safe_parse(kpi.target_text)
        own: list[Flag] = []
        likelihood, remedy = _given(kpi.likelihood), _given(kpi.remedy)
        if likelihood in ("有可能", "完全不可能") and remedy is None:
            own.append(_flag("doubtful_without_remedy",
                             f"指标{kpi.indicator_id}「{kpi.name}」完成可能性为「{likelihood}」，未填纠偏措施",
                             _given(kpi.source) or ""))
        if targets is None:
            rows.append({"indicator_id": kpi.indicator_id, "part": 1, "name": kpi.name, "likelihood": likelihood,
                         "note": "年度指标值为空，无法比较", "compared_with_time": False, "flags": _labels(own),
                         "remedy": remedy, "reason": _given(kpi.reason), "reason_type": _given(kpi.reason_type),
                         "source": _given(kpi.source) or "", "excel_row": kpi.excel_row})
            found.extend(own)
            continue
        to_dates = measure_pairs(targets, safe_parse(kpi.to_date_text) or [])
        forecasts = measure_pairs(targets, safe_parse(kpi.forecast_text) or [])
        for at, (target, to_date) in enumerate(to_dates):
            if target is None:
                continue  # more to-date parts than target parts: nothing to compare them with
            forecast = forecasts[at][1] if at < len(forecasts) else None
            row, flags = _part(kpi, target, to_date, forecast, elapsed, report, limits)
            part_flags = (own if at == 0 else []) + flags
            rows.append({**row, "part": at + 1, "flags": _labels(part_flags)})
            found.extend(part_flags)
    return rows, found


def indicator_progress(report: Report, thresholds: MonitoringThresholds = DEFAULT) -> pd.DataFrame:
    """One row per part of each 监控指标 indicator: progress against the target and the time elapsed.

    ``progress`` is in percent of the target (the other way for ``<=`` targets); ``lag`` is time −
    progress for cumulative quantities only, NA otherwise, with ``note`` saying why.
    """
    rows, _ = _indicator_parts(report, thresholds)
    frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    frame["part"] = frame["part"].astype("int64")
    frame["compared_with_time"] = frame["compared_with_time"].astype("boolean")
    return frame


# ---- forecast against the year end -----------------------------------------------------------


def _budget_accuracy(report: Report) -> list[dict[str, Any]]:
    year_end = {(line.dimension, match_key(line.item)): line for line in report.budget.itertuples(index=False)}
    rows = []
    for line in report.monitoring_budget.itertuples(index=False):
        final = year_end.get((line.dimension, match_key(line.item)))
        if final is None or final.executed is None or line.forecast is None:
            continue
        error = line.forecast - final.executed
        rows.append({"kind": "预算", "key": line.item, "part": 1, "name": line.item, "forecast": line.forecast,
                     "year_end": final.executed, "unit": report.amount_unit, "error": error,
                     "error_pct": round_to(percentage(error, final.executed)), "likelihood": None, "met": None,
                     "flags": "", "source": _given(final.source) or ""})
    return rows


def _indicator_accuracy(report: Report) -> tuple[list[dict[str, Any]], list[Flag]]:
    parts = indicators(report).set_index(["indicator_id", "part"])
    rows, found = [], []
    for kpi in report.monitoring_kpis.itertuples(index=False):
        forecasts = safe_parse(kpi.forecast_text) or []
        likelihood = _given(kpi.likelihood)
        for part in range(1, max(len(forecasts), 1) + 1):
            if (kpi.indicator_id, part) not in parts.index:
                continue
            final = parts.loc[(kpi.indicator_id, part)]
            forecast = forecasts[part - 1] if part <= len(forecasts) else None
            value = forecast.value if forecast is not None else None
            if value is not None and forecast.unit and final["unit"] and forecast.unit != final["unit"]:
                factor = UNIT_FACTORS.get((forecast.unit, final["unit"]))
                value = None if factor is None else value * factor
            error = None if value is None or final["actual"] is None else value - final["actual"]
            met = None if pd.isna(final["met"]) else bool(final["met"])
            own = []
            if likelihood == "确定能" and met is False:
                own.append(_flag("certain_but_unmet",
                                 f"指标{kpi.indicator_id}「{kpi.name}」监控时称确定能完成（预计 {kpi.forecast_text}），"
                                 f"年末实现 {final['actual_text']}，未达到年度指标值 {final['target_text']}",
                                 _given(final["source"]) or ""))
            found.extend(own)
            rows.append({"kind": "指标", "key": kpi.indicator_id, "part": part, "name": kpi.name, "forecast": value,
                         "year_end": final["actual"], "unit": final["unit"], "error": error,
                         "error_pct": round_to(percentage(error, final["actual"])), "likelihood": likelihood,
                         "met": met, "flags": _labels(own), "source": _given(final["source"]) or ""})
    return rows, found


def forecast_accuracy(report: Report) -> pd.DataFrame:
    """The July forecast against the year-end 执行数 and 实现值, per budget line and indicator part.

    Lines and indicators are linked by 维度 + 项目 and by 编号; ``error`` = forecast − year end in the
    native unit (the workbook's 金额单位, the indicator's unit), ``error_pct`` of the year-end
    figure. Empty when the workbook has no year-end figure to link to.
    """
    indicator_rows, _ = _indicator_accuracy(report)
    frame = pd.DataFrame([*_budget_accuracy(report), *indicator_rows], columns=ACCURACY_COLUMNS)
    frame["part"] = frame["part"].astype("int64")
    frame["met"] = frame["met"].astype("boolean")
    return frame


# ---- flags -----------------------------------------------------------------------------------


def monitoring_flags(report: Report, thresholds: MonitoringThresholds = DEFAULT) -> pd.DataFrame:
    """Every monitoring flag of one report, in the shape of :func:`perfeval_utils.check.flags.report_flags`."""
    if not has_monitoring(report):
        return pd.DataFrame(columns=COLUMNS)
    found = [*_budget_lines(report, thresholds)[1], *_indicator_parts(report, thresholds)[1],
             *_indicator_accuracy(report)[1]]
    rows = [(report.department, report.year, f.flag, f.severity, f.evidence, f.source, report.path.name)
            for f in found]
    return pd.DataFrame(rows, columns=COLUMNS)


def has_high_flag(flags: pd.DataFrame) -> bool:
    """True when a flag of high severity (3) is among ``flags``."""
    return bool((flags["severity"] == 3).any()) if len(flags) else False


def _json_value(value: Any) -> Any:
    """JSON-safe: Decimal → its exact text, NA → None."""
    if isinstance(value, Decimal):
        return str(value)
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def monitoring_json(report: Report, thresholds: MonitoringThresholds = DEFAULT) -> dict[str, Any]:
    """Every monitoring table as plain JSON values (Decimals as exact text), for machines."""
    tables = {"budget": budget_progress(report, thresholds), "indicators": indicator_progress(report, thresholds),
              "forecast_accuracy": forecast_accuracy(report), "flags": monitoring_flags(report, thresholds)}
    elapsed = time_progress(report)
    return {"file": report.path.name, "department": report.department, "year": report.year,
            "time_progress": _json_value(elapsed), "time_basis": time_basis(report),
            **{name: [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]
               for name, frame in tables.items()}}


def flag_sentences(report: Report, thresholds: MonitoringThresholds = DEFAULT) -> str:
    """Each monitoring flag as one sentence with its severity and 出处, most severe first (for notebooks)."""
    if not has_monitoring(report):
        return "工作簿没有年中监控数据（监控预算、监控指标），无监控提示"
    flags = monitoring_flags(report, thresholds).sort_values("severity", ascending=False, kind="stable")
    if flags.empty:
        return "无监控提示"
    return "\n".join(f"[{SEVERITY_LABEL[f.severity]}] {f.evidence}" + (f"（出处：{f.source}）" if f.source else "")
                     for f in flags.itertuples(index=False))
