"""Each red flag, with a workbook where it fires and one where it does not (built here)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import load_report
from perfeval_utils.check.flags import Thresholds, red_flags, review_priority
from tests.conftest import REFERENCE, SEED, all_workbooks

from .builders import Rows, valid_sheets, write_workbook

Sheets = dict[str, Rows]
HEADER = valid_sheets()["指标"][0]


def kpis(*rows: tuple) -> Callable[[Sheets], None]:
    """Replace the 指标 sheet: rows of (target, actual, status, weight, score, reason)."""
    def mutate(sheets: Sheets) -> None:
        sheets["指标"] = [HEADER] + [
            [str(i), "部门整体", "产出", None, f"指标{i}", t, a, st, w, sc, r, f"第{i}行"]
            for i, (t, a, st, w, sc, r) in enumerate(rows, start=1)]
        sheets["文中数据"] = sheets["文中数据"][:1] + sheets["文中数据"][2:]  # drop the stated count (10)
    return mutate


def executed(value: object) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        sheets["预算"][1][3] = value
        sheets["预算"][1][5] = None
        sheets["预算"] = sheets["预算"][:2]
    return mutate


def flags_of(tmp_path: Path, *mutations: Callable[[Sheets], None]) -> pd.DataFrame:
    sheets = valid_sheets()
    for mutation in mutations:
        mutation(sheets)
    return red_flags(load_report(write_workbook(tmp_path / "f.xlsx", sheets)))


def consistent(sheets: Sheets) -> None:
    """Make the builder's workbook agree with itself: no tasks, no stated counts, sources = executed."""
    del sheets["任务"], sheets["文中数据"]
    sheets["指标"][3][1] = "部门整体"
    sheets["预算"] = sheets["预算"][:3]


MET = ("10 场", "10 场", "已完成", None, None, None)
SHORT = ("10 场", "8 场", "未完成", None, None, "场地不足")
CASES = [
    # flag, mutations where it fires, mutations where it does not
    ("spent_little_achieved_all", [executed(1000), kpis(MET, ("5 家", "6 家", "已完成", None, None, None))],
     [executed(1400), kpis(MET, ("5 家", "6 家", "已完成", None, None, None))]),
    ("low_execution_unexplained", [executed(1200), kpis(SHORT)],
     [executed(1200), kpis(SHORT), lambda s: s["基本信息"].append(["执行偏差说明", "疫情推迟采购", None])]),
    ("actual_is_target", [kpis(("≥90%", "≥90%", None, None, None, None))],
     [kpis(("≥90%", "92%", None, None, None, None))]),
    ("actual_same_text", [kpis(MET)], [kpis(("10 场", "11 场", "已完成", None, None, None))]),
    ("all_on_target", [kpis(MET, ("5 家", "5 家", None, None, None, None), ("2 项", "2 项", None, None, None, None))],
     [kpis(MET, ("5 家", "5 家", None, None, None, None), ("2 项", "3 项", None, None, None, None))]),
    ("target_far_exceeded", [kpis(("80 家", "245 家", None, None, None, None))],
     [kpis(("80 家", "100 家", None, None, None, None))]),
    ("unmet_without_reason", [kpis(("10 场", "8 场", "未完成", None, None, None))], [kpis(SHORT)]),
    ("score_not_earned", [kpis(("10 场", "8 场", "未完成", 50, 50, "x"), ("1 项", "1 项", None, 50, 50, None))],
     [kpis(("10 场", "8 场", "未完成", 50, 40, "x"), ("1 项", "1 项", None, 50, 50, None))]),
    ("score_lost_when_met", [kpis(("10 场", "12 场", None, 50, 45, None), ("1 项", "1 项", None, 50, 50, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 50, 50, None))]),
    ("total_unreachable", [kpis(("10 场", "12 场", None, 40, 40, None), ("1 项", "1 项", None, 40, 40, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 49, 48.39, None))]),
    ("weights", [kpis(("10 场", "12 场", None, 60, 60, None), ("1 项", "1 项", None, 50, 38.39, None))],
     [kpis(("10 场", "12 场", None, 50, 50, None), ("1 项", "1 项", None, 50, 48.39, None))]),
    ("inconsistent", [consistent, lambda s: s["基本信息"].append(["年末结转结余", 3.23, "第5行"])],
     [consistent, lambda s: s["基本信息"].append(["年末结转结余", 24.74, "第5行"])]),
]


@pytest.mark.parametrize(("flag", "fires", "quiet"), CASES, ids=[c[0] for c in CASES])
def test_flag_fires_and_stays_quiet(tmp_path: Path, flag: str, fires: list, quiet: list) -> None:
    found = flags_of(tmp_path, *fires)
    assert flag in set(found["flag"]), found[["flag", "evidence"]]
    row = found[found["flag"] == flag].iloc[0]
    assert row["evidence"] and row["severity"] in (1, 2, 3) and row["file"] == "f.xlsx"
    assert flag not in set(flags_of(tmp_path, *quiet)["flag"])


def test_evidence_states_the_figures(tmp_path: Path) -> None:
    found = flags_of(tmp_path, executed(1000), kpis(MET, ("5 家", "6 家", "已完成", None, None, None)))
    evidence = found.set_index("flag").loc["spent_little_achieved_all", "evidence"]
    assert evidence == "预算执行率仅 70.65%，而 2 个数量指标全部完成"  # 1000 / 1415.43 = 70.649…%


def test_thresholds_are_parameters(tmp_path: Path) -> None:
    mutation = kpis(("80 家", "120 家", None, None, None, None))  # 150 %
    assert "target_far_exceeded" in set(flags_of(tmp_path, mutation)["flag"])
    sheets = valid_sheets()
    mutation(sheets)
    report = load_report(write_workbook(tmp_path / "t.xlsx", sheets))
    assert "target_far_exceeded" not in set(red_flags(report, Thresholds(over_achievement=Decimal(200)))["flag"])


def test_priority_counts_each_kind_once(tmp_path: Path) -> None:
    reports = [load_report(SEED),
               load_report(REFERENCE / "zhongjiang-shuiliju-shuibiaochi-2022.xlsx"),
               load_report(REFERENCE / "yiyang-zonggonghui-2022.xlsx")]
    table = review_priority(reports)
    assert list(table["file"]) == ["zhongjiang-shuiliju-shuibiaochi-2022.xlsx", "huangpu-zonggonghui-2022.xlsx",
                                   "yiyang-zonggonghui-2022.xlsx"]
    # 中江: actual_is_target 2 + actual_same_text 1 + all_on_target 2 + weights 2 + inconsistent 2 = 9
    # 黄埔: actual_same_text 1 + target_far_exceeded 1 + inconsistent 2 (six failed checks) = 4
    assert list(table["weighted_severity"]) == [9, 4, 0]
    assert list(table["flags"]) == [5, 8, 0]
    assert list(table["rank"]) == [1, 2, 3]


def test_unreadable_workbook_in_a_set_is_flagged(tmp_path: Path) -> None:
    from perfeval_utils.read.many import load_reports

    write_workbook(tmp_path / "good.xlsx", valid_sheets())
    (tmp_path / "bad.xlsx").write_text("not a workbook", encoding="utf-8")
    found = red_flags(load_reports(tmp_path, on_error="collect"))
    unreadable = found[found["flag"] == "unreadable"]
    assert len(unreadable) == 1 and unreadable.iloc[0]["severity"] == 3
    assert "bad.xlsx" in unreadable.iloc[0]["file"] + unreadable.iloc[0]["evidence"]


def test_flags_chart_draws_without_missing_glyphs() -> None:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import house_style
    from perfeval_utils.present.charts.flags_chart import flags_figure

    reports = [load_report(p) for p in all_workbooks()]
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = flags_figure(review_priority(reports), red_flags(reports))
        fig.canvas.draw()
        ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert ticks[0] == "1. 2022 中江县水利局" and len(ticks) == 10
        assert fig.axes[0].get_xlabel().startswith("提示数（个）")
        plt.close(fig)
