"""Charts for review meetings: Chinese-capable fonts, one house style, reproducible export.

Typical use::

    import matplotlib.pyplot as plt
    from perfeval_utils.present.charts import COLOURS, apply_style, save_figure

    apply_style()
    fig, ax = plt.subplots()
    ax.bar(["预算", "执行"], [120, 96], color=[COLOURS["budget"], COLOURS["executed"]])
    ax.set_ylabel("金额（万元）")
    save_figure(fig, "out/执行情况")
    plt.close(fig)

This package imports matplotlib but never chooses a backend, so Jupyter keeps its inline
backend; scripts and tests set ``MPLBACKEND=Agg`` (or ``matplotlib.use("Agg")``).
``import perfeval_utils`` alone does not import this package, hence not matplotlib.
"""

from perfeval_utils.present.charts.export import save_figure
from perfeval_utils.present.charts.figures import (
    all_figures,
    budget_execution_figure,
    kpi_completion_figure,
    score_figure,
    shortfalls_figure,
)
from perfeval_utils.present.charts.fonts import CJKFontMissingError, register_cjk_font
from perfeval_utils.present.charts.style import COLOURS, apply_style, house_style
from perfeval_utils.present.charts.trends import peer_figure, trend_figure, trend_panels_figure

__all__ = [
    "COLOURS",
    "CJKFontMissingError",
    "all_figures",
    "apply_style",
    "budget_execution_figure",
    "house_style",
    "kpi_completion_figure",
    "peer_figure",
    "register_cjk_font",
    "save_figure",
    "score_figure",
    "shortfalls_figure",
    "trend_figure",
    "trend_panels_figure",
]
