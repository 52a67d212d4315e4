"""The mid-year monitoring slide of the review-meeting deck (one slide, its title the finding).

Kept apart from :mod:`perfeval_utils.present.deck` so that the deck's own layout can change
without touching monitoring: ``write_deck`` makes one call, and nothing is added for a report
without 监控预算 / 监控指标 rows.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfeval_utils.check import monitoring
from perfeval_utils.report import Report

MAX_LINES = 8


def monitoring_slide_text(report: Report) -> tuple[str, tuple[str, ...]]:
    """The slide's title (time, total execution, flag count) and one short line per flagged line or indicator."""
    budget = monitoring.budget_progress(report)
    parts = monitoring.indicator_progress(report)
    accuracy = monitoring.forecast_accuracy(report)
    flags = monitoring.monitoring_flags(report)
    elapsed = monitoring.time_progress(report)
    total = budget[budget["dimension"] == "合计"]
    spent = "" if total.empty or total["execution_progress"].iloc[0] is None else \
        f"，执行 {total['execution_progress'].iloc[0]}%"
    shown = "" if elapsed is None else f"：时间进度 {elapsed.quantize(Decimal('0.01'))}%"
    high = int((flags["severity"] == 3).sum()) if len(flags) else 0
    title = f"年中监控{shown}{spent}，{len(flags)} 个提示" + (f"（{high} 个高）" if high else "")
    lines = [monitoring.time_basis(report)]
    lines += [f"• {row.item}：{row.flags}" for row in budget.itertuples(index=False) if row.flags]
    lines += [f"• 指标{row.indicator_id} {row.name}：{row.flags}" for row in parts.itertuples(index=False)
              if isinstance(row.flags, str) and row.flags]
    lines += [f"• 指标{row.key} {row.name}：{row.flags}（年末）" for row in accuracy.itertuples(index=False)
              if row.flags]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"……另有 {len(lines) - MAX_LINES} 项"]
    return title, tuple(lines) if len(flags) else (*lines, "无监控提示。")


def add_monitoring_slide(deck: Any, report: Report, picture: Path | None = None) -> Any:
    """Add the monitoring slides to the deck: the chart under the finding as title, then the flags at most
    four to a slide; every line also in the speaker notes. None (nothing added) without monitoring data.

    ``picture``: the budget-progress chart PNG; drawn here in the house style when not given.
    """
    if not monitoring.has_monitoring(report):
        return None
    from perfeval_utils.present.deck import MAX_FINDINGS_ON_SLIDE, add_bullets_slide, add_picture_slide

    title, lines = monitoring_slide_text(report)
    with tempfile.TemporaryDirectory() as folder:
        if picture is None:
            picture = _draw(report, Path(folder) / "monitoring_budget")
        slide = add_picture_slide(deck, title, picture, lines)
    points = [line for line in lines if line.startswith("• ")]
    for start in range(0, len(points), MAX_FINDINGS_ON_SLIDE):
        shown = points[start:start + MAX_FINDINGS_ON_SLIDE]
        add_bullets_slide(deck, f"年中监控提示第 {start + 1}–{start + len(shown)} 项（共 {len(points)} 项）",
                          [line[2:] for line in shown], shown)
    return slide


def _draw(report: Report, stem: Path) -> Path:
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import house_style, save_figure
    from perfeval_utils.present.charts.monitoring import budget_progress_figure

    with house_style():
        figure = budget_progress_figure(report)
        png, _ = save_figure(figure, stem)
    plt.close(figure)
    return png
