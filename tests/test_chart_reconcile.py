"""The reconciliation chart draws without a missing glyph and shows the seed's sums as reconciled."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from perfeval_utils import load_report
from perfeval_utils.present.charts import house_style
from perfeval_utils.present.charts.reconcile_chart import reconciliation_figure
from tests.conftest import SEED

from .builders import valid_sheets, write_workbook


def drawn_texts(path: Path) -> str:
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = reconciliation_figure(load_report(path))
        fig.canvas.draw()
        texts = [t.get_text() for ax in fig.axes for t in [ax.title, *ax.texts, *ax.get_yticklabels()]]
        texts.append(fig.axes[0].get_xlabel())
        plt.close(fig)
    return "\n".join(texts)


def test_seed_reconciliation_chart() -> None:
    text = drawn_texts(SEED)
    assert "4 项中 3 项不符" in text  # 资金来源 ok; 支出性质, 任务资金, 结转结余 not
    assert "1415.43（差 24.74）" in text and "92.92（差 -2.59）" in text and "24.74（差 21.51）" in text
    assert "金额（万元）" in text


def test_nothing_to_reconcile(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"] = sheets["预算"][:2]
    del sheets["任务"]
    sheets["指标"][3][1] = "部门整体"
    assert "无可核对的金额" in drawn_texts(write_workbook(tmp_path / "none.xlsx", sheets))


@pytest.mark.parametrize("path", sorted((SEED.parent / "reference").glob("*.xlsx")), ids=lambda p: p.stem)
def test_reference_workbooks_draw(path: Path) -> None:
    assert drawn_texts(path)
