"""Text for a terminal: columns counted as the terminal shows them (a Chinese character is two), and the
mid-year monitoring tables that ``perfeval monitor`` prints."""

from __future__ import annotations

from typing import Any

from perfeval_utils.cells import text_width


def pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns, counting a Chinese character as two; cut with … if longer."""
    def columns(value: str) -> int:
        return text_width(value, terminal=True)

    if columns(text) > width:
        while columns(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - columns(text))


def monitoring_text(report: Any, flags: Any) -> str:
    """The progress tables and flags as terminal text (Chinese counted two columns wide)."""
    from perfeval_utils.check import monitoring
    from perfeval_utils.check.flags import SEVERITY_LABEL

    def cell(value: Any) -> str:
        return "-" if value is None or (not isinstance(value, str) and value != value) else str(value)

    lines = [f"{report.department} {report.year} 年中监控：{monitoring.time_basis(report)}", "", "预算执行 budget:"]
    widths = (28, 10, 10, 11, 11, 8, 10, 10)
    lines.append("".join(pad(h, w) for h, w in zip(
        ("项目", "年度预算", "截止执行", "执行进度%", "时间进度%", "滞后点", "全年预计", "预计结余"), widths,
        strict=True)) + "提示")
    for row in monitoring.budget_progress(report).itertuples(index=False):
        values = (row.item, row.budget, row.executed_to_date, row.execution_progress, row.time_progress, row.lag,
                  row.forecast, row.forecast_unspent)
        lines.append("".join(pad(cell(v), w) for v, w in zip(values, widths, strict=True)) + cell(row.flags or ""))
    lines += ["", "指标进度 indicators:"]
    widths = (6, 24, 12, 10, 10, 6, 9, 9, 12)
    lines.append("".join(pad(h, w) for h, w in zip(
        ("编号", "指标", "年度指标值", "截止完成", "全年预计", "单位", "进度%", "滞后点", "完成可能性"), widths,
        strict=True)) + "提示 / 说明")
    for row in monitoring.indicator_progress(report).itertuples(index=False):
        values = (row.indicator_id, row.name, row.target, row.to_date, row.forecast, row.unit, row.progress, row.lag,
                  row.likelihood)
        note = "；".join(t for t in (row.flags, row.note) if isinstance(t, str) and t)
        lines.append("".join(pad(cell(v), w) for v, w in zip(values, widths, strict=True)) + note)
    accuracy = monitoring.forecast_accuracy(report)
    if len(accuracy):
        lines += ["", "预计与年末 forecast vs year end:"]
        for row in accuracy.itertuples(index=False):
            lines.append(f"  {row.kind} {row.key}「{row.name}」预计 {cell(row.forecast)}，年末 {cell(row.year_end)} "
                         f"{cell(row.unit)}，误差 {cell(row.error)}（{cell(row.error_pct)}%）{row.flags or ''}")
    lines += ["", f"提示 flags: {len(flags)}"]
    for flag in flags.sort_values("severity", ascending=False, kind="stable").itertuples(index=False):
        lines.append(f"  [{SEVERITY_LABEL[flag.severity]}] {flag.flag}: {flag.evidence}")
    return "\n".join(lines)
