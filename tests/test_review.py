"""抽评 and 复核: the sample (reproducible, stratified, grave first), the review workbook and the gap."""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from perfeval_utils.check.review import (
    ReviewMismatchError,
    gap_text,
    inclusion_probabilities,
    load_round,
    review_gap,
    sample_for_review,
    sample_text,
    selected,
    systematic_draw,
)
from perfeval_utils.errors import CellTypeError, DuplicateIdError, MissingSheetError, PerfevalError, UnknownValueError
from perfeval_utils.present.review import review_from_sample, write_review, write_review_template
from perfeval_utils.read.many import UnknownDepartmentError
from perfeval_utils.read.review import Review, ReviewError, load_review

from .review_builders import report_set, workbook

ROOT = Path(__file__).resolve().parents[1]
GRAVE = dict(executed=100)  # 100 / 1415.43 = 7.07 % spent, every indicator met: severity 3
SHORT_NO_REASON = ("10 场", "8 场", "未完成", None, None, None)  # unmet_without_reason: severity 2


@pytest.fixture
def pile(tmp_path: Path):
    """Ten reports: 甲 grave; 乙丙 one medium flag each; 丁… none. Two report kinds, five each."""
    workbook(tmp_path, "甲", 2022, **GRAVE)
    for name in "乙丙":
        workbook(tmp_path, name, 2022, [SHORT_NO_REASON])
    for name in "丁戊己庚辛壬癸":
        workbook(tmp_path, name, 2022, kind="项目支出" if name in "丁戊己庚辛" else "部门整体支出")
    return report_set(tmp_path)


# ---- the draw --------------------------------------------------------------------------------


def test_inclusion_probabilities_are_proportional_to_weight_and_capped_at_one() -> None:
    """m = 2 over weights 6, 1, 1, 1: 2·6/9 = 4/3 ≥ 1 → 1; the last place over 1, 1, 1 → 1/3 each."""
    assert inclusion_probabilities([6, 1, 1, 1], 2) == [1, Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]
    assert inclusion_probabilities([3, 1], 1) == [Fraction(3, 4), Fraction(1, 4)]
    assert inclusion_probabilities([1, 1], 5) == [1, 1]  # more places than reports: all in


def test_the_systematic_draw_selects_exactly_m_each_with_its_probability() -> None:
    """Over 4000 seeds, each report's selection frequency is within 0.03 of π (σ ≤ 0.008)."""
    probabilities = inclusion_probabilities([5, 4, 3, 1, 1, 1], 3)
    counts: Counter[int] = Counter()
    for seed in range(4000):
        chosen = systematic_draw(probabilities, np.random.default_rng(seed))
        assert len(chosen) == 3
        counts.update(chosen)
    for at, probability in enumerate(probabilities):
        assert abs(counts[at] / 4000 - float(probability)) < 0.03, (at, counts[at], probability)


def test_the_sample_takes_every_grave_report_first_and_says_why(pile) -> None:
    sample = sample_for_review(pile, 3, seed=7)
    chosen = selected(sample)
    assert len(chosen) == 3 and chosen.loc[0, "department"] == "甲"
    assert chosen.loc[0, "basis"] == "高严重度提示" and chosen.loc[0, "probability"] == 1
    assert chosen.loc[0, "why"].startswith("必选：有高严重度提示（花钱很少却全部完成）")
    assert set(chosen.loc[1:, "basis"]) == {"随机抽取"}
    assert len(sample) == 10 and set(sample[~sample["selected"]]["basis"]) == {"未抽中"}


def test_probabilities_rise_with_the_flags_as_documented(pile) -> None:
    """Two places over 9 reports: 乙丙 weigh 1 + 2 = 3, the seven others 1; Σw = 13.

    π(乙) = 2·3/13 = 0.4615, π(丁) = 2/13 = 0.1538; the πs of a stratum add up to its places.
    """
    sample = sample_for_review(pile, 3, seed=1).set_index("department")
    assert sample.loc["乙", "weight"] == 3 and sample.loc["乙", "probability"] == Decimal("0.4615")
    assert sample.loc["丁", "probability"] == Decimal("0.1538")
    drawn = sample[sample["basis"].isin(["随机抽取", "未抽中"])]
    assert abs(sum(drawn["probability"]) - 2) < Decimal("0.001")
    assert "权重 3 = 1 + 提示加权 2；「全部」层 9 份中抽 2 份" in sample.loc["乙", "why"]


def test_the_same_seed_gives_the_same_sample_and_seeds_differ(pile) -> None:
    first = sample_for_review(pile, 4, seed=2026)
    assert first.equals(sample_for_review(pile, 4, seed=2026))
    samples = {tuple(selected(sample_for_review(pile, 4, seed=s))["file"]) for s in range(12)}
    assert len(samples) > 1
    assert first.attrs["seed"] == 2026


def test_strata_share_the_places_by_largest_remainder(pile) -> None:
    """5 places − 1 grave = 4 over 项目支出 (5 reports) and 部门整体支出 (4 left): 4·5/9 = 2.22, 4·4/9 = 1.78.

    Whole parts 2 + 1, the remaining place to the larger remainder (0.78): 2 and 2.
    """
    sample = sample_for_review(pile, 5, seed=3, strata="report_kind")
    drawn = sample[sample["basis"] == "随机抽取"]
    assert Counter(drawn["stratum"]) == {"项目支出": 2, "部门整体支出": 2}
    by_stratum = sample[sample["basis"].isin(["随机抽取", "未抽中"])].groupby("stratum")["probability"].sum()
    assert abs(by_stratum["项目支出"] - 2) < Decimal("0.001") and abs(by_stratum["部门整体支出"] - 2) < Decimal("0.001")


def test_strata_can_be_a_mapping_of_departments_to_groups(pile) -> None:
    groups = {name: ("工会" if name in "甲乙丙丁戊" else "商务") for name in "甲乙丙丁戊己庚辛壬癸"}
    sample = sample_for_review(pile, 3, seed=3, strata=groups)
    drawn = sample[sample["basis"] == "随机抽取"]
    assert Counter(drawn["stratum"]) == {"工会": 1, "商务": 1}  # 4 and 5 left: 2·4/9 = 0.89, 2·5/9 = 1.11
    with pytest.raises(PerfevalError, match="no group for 癸"):
        sample_for_review(pile, 3, seed=3, strata={k: v for k, v in groups.items() if k != "癸"})
    with pytest.raises(PerfevalError, match="not a column"):
        sample_for_review(pile, 3, seed=3, strata="district")


def test_must_include_puts_named_reports_in_and_refuses_unknown_names(pile) -> None:
    sample = sample_for_review(pile, 2, seed=5, must_include=["癸"])
    chosen = selected(sample)
    assert list(chosen["department"][:2]) == ["癸", "甲"] and chosen.loc[0, "basis"] == "指定必选"
    assert len(chosen) == 2  # 癸 and the grave 甲 fill n = 2: nothing left to draw
    with pytest.raises(UnknownDepartmentError, match="子"):
        sample_for_review(pile, 2, seed=5, must_include=["子"])


def test_grave_reports_are_all_taken_even_beyond_n(tmp_path: Path) -> None:
    for name in "甲乙丙":
        workbook(tmp_path, name, 2022, **GRAVE)
    workbook(tmp_path, "丁", 2022)
    sample = sample_for_review(report_set(tmp_path), 2, seed=0)
    chosen = selected(sample)
    assert set(chosen["department"]) == {"甲", "乙", "丙"} and set(chosen["basis"]) == {"高严重度提示"}


# ---- the review workbook -----------------------------------------------------------------------


def test_the_template_round_trip_is_lossless(pile, tmp_path: Path) -> None:
    sample = sample_for_review(pile, 3, seed=7)
    review = review_from_sample(pile, sample, {"复核批次": "2026 年第一批"})
    loaded = load_review(write_review_template(pile, sample, tmp_path / "out" / "复核.xlsx",
                                               {"复核批次": "2026 年第一批"}))
    assert loaded.info == {**review.info}
    for name in ("reports", "indicators"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(review, name), check_dtype=False)
    assert list(loaded.reports["department"]) == list(selected(sample)["department"])
    assert loaded.reports["review_total"].isna().all() and loaded.indicators["review_score"].isna().all()


def test_a_filled_review_round_trip_keeps_every_figure(pile, tmp_path: Path) -> None:
    review = review_from_sample(pile, sample_for_review(pile, 2, seed=7))
    indicators = review.indicators.copy()
    indicators["review_actual"] = ["9 场（凭据 3 份）"] * len(indicators)
    indicators["review_note"] = ["=不是公式"] * len(indicators)
    reports = review.reports.copy()
    reports["review_total"] = [Decimal("91.25"), Decimal("88")]
    reports["review_execution_score"] = [Decimal("9.8"), Decimal("0")]
    filled = dataclasses.replace(review, reports=reports, indicators=indicators)
    loaded = load_review(write_review(filled, tmp_path / "filled.xlsx"))
    for name in ("reports", "indicators"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(filled, name), check_dtype=False)
    assert loaded.reports.loc[0, "review_total"] == Decimal("91.25")
    sheet = load_workbook(tmp_path / "filled.xlsx")["复核指标"]
    assert sheet["J1"].value == "复核实现值" and sheet["J1"].fill.start_color.rgb.endswith("FFF2CC")


def _filled(tmp_path: Path, change) -> Path:
    """A template for 甲 (indicator 10 场 → 11 场, 分值 10, 得分 10) with one change applied by openpyxl."""
    (tmp_path / "in").mkdir()
    workbook(tmp_path / "in", "甲", 2022, [("10 场", "11 场", "已完成", 10, 10, None)])
    reports = report_set(tmp_path / "in")
    path = write_review_template(reports, sample_for_review(reports, 1, seed=0), tmp_path / "r.xlsx")
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


@pytest.mark.parametrize(("change", "error", "place"), [
    (lambda b: b["复核指标"].__setitem__("K2", 12), ReviewError, ("复核指标", 2, "复核得分")),
    (lambda b: b["复核指标"].__setitem__("K2", -1), ReviewError, ("复核指标", 2, "复核得分")),
    (lambda b: b["复核指标"].__setitem__("K2", "八分"), CellTypeError, ("复核指标", 2, "复核得分")),
    (lambda b: b["复核报告"].__setitem__("I2", "九十"), CellTypeError, ("复核报告", 2, "复核总分")),
    (lambda b: b["复核指标"].append(["甲", 2022, "1"]), DuplicateIdError, ("复核指标", 3, "编号")),
    (lambda b: b["复核指标"].append(["乙", 2022, "1"]), UnknownValueError, ("复核指标", 3, "部门")),
    (lambda b: b.remove(b["复核报告"]), MissingSheetError, ("复核报告", None, None)),
], ids=["above-weight", "negative", "text-score", "text-total", "duplicate", "unlisted-report", "missing-sheet"])
def test_a_bad_review_workbook_is_a_located_error(tmp_path: Path, change, error, place) -> None:
    with pytest.raises(error) as caught:
        load_review(_filled(tmp_path, change))
    assert (caught.value.sheet, caught.value.row, caught.value.column) == place
    assert caught.value.file.endswith("r.xlsx")


# ---- the gap -----------------------------------------------------------------------------------


def _review(reports, totals: dict[str, Decimal | None], scores: dict[str, list[Decimal | None]] | None = None,
            execution: dict[str, Decimal | None] | None = None) -> Review:
    review = review_from_sample(reports, pd.DataFrame({"department": list(totals), "year": [2022] * len(totals)}))
    frame = review.reports.copy()
    frame["review_total"] = [totals[d] for d in frame["department"]]
    frame["review_execution_score"] = [(execution or {}).get(d) for d in frame["department"]]
    indicators = review.indicators.copy()
    if scores:
        indicators["review_score"] = [v for d in frame["department"] for v in scores[d]]
    return dataclasses.replace(review, reports=frame, indicators=indicators)


def test_the_gap_per_report_and_its_distribution(tmp_path: Path) -> None:
    """甲 98.39 → 92.39 (−6); 乙 98.39 → 98.39 (0); 丙 90 → items 40 + 45 + execution 10 = 95 (+5).

    Mean (−6 + 0 + 5) / 3 = −0.333…; median 0.
    """
    workbook(tmp_path, "甲", 2022)
    workbook(tmp_path, "乙", 2022)
    workbook(tmp_path, "丙", 2022, [("10 场", "11 场", None, 50, 50, None), ("5 家", "4 家", None, 40, 30, "x")],
             self_score=90)
    reports = report_set(tmp_path)
    review = _review(reports, {"甲": Decimal("92.39"), "乙": Decimal("98.39"), "丙": None},
                     {"甲": [None], "乙": [None], "丙": [Decimal(40), Decimal(45)]}, {"丙": Decimal(10)})
    gap = review_gap(reports, review)
    table = gap.reports.set_index("department")
    assert table.loc["甲", "difference"] == Decimal("-6") and table.loc["乙", "difference"] == 0
    assert table.loc["丙", "rechecked"] == 95 and table.loc["丙", "basis"] == "各项复核得分之和"
    assert table.loc["丙", "moved_list"] == "指标1 得分 50→40；指标2 得分 30→45"
    distribution = dict(zip(gap.distribution["指标"], gap.distribution["值"], strict=True))
    assert distribution["复核低于自评"] == 1 and distribution["持平"] == 1 and distribution["复核高于自评"] == 1
    assert distribution["中位差（分）"] == 0 and distribution["平均差（分）"] == Decimal(-1) / 3
    assert list(gap.moved["indicator_id"]) == ["1", "2"]


def test_a_report_without_a_total_or_every_item_score_is_not_yet_reviewed(tmp_path: Path) -> None:
    workbook(tmp_path, "甲", 2022, [("10 场", "11 场", None, 50, 50, None), ("5 家", "4 家", None, 40, 30, "x")])
    reports = report_set(tmp_path)
    gap = review_gap(reports, _review(reports, {"甲": None}, {"甲": [Decimal(40), None]}))
    assert gap.reports.loc[0, "basis"] == "未复核" and pd.isna(gap.reports.loc[0, "difference"])


def test_a_total_that_disagrees_with_its_item_scores_is_shown(tmp_path: Path) -> None:
    workbook(tmp_path, "甲", 2022, [("10 场", "11 场", None, 50, 50, None)])
    reports = report_set(tmp_path)
    gap = review_gap(reports, _review(reports, {"甲": Decimal(60)}, {"甲": [Decimal(45)]}))
    agrees = gap.reports.loc[0, "total_agrees"]  # 60 stated, 45 summed
    assert agrees is not None and not agrees and gap.reports.loc[0, "rechecked"] == 60


def test_a_review_of_another_version_or_indicator_is_refused(tmp_path: Path) -> None:
    workbook(tmp_path, "甲", 2022)
    reports = report_set(tmp_path)
    review = _review(reports, {"甲": Decimal(90)})
    other = dataclasses.replace(review, reports=review.reports.assign(self_score=[Decimal(97)]))
    with pytest.raises(ReviewMismatchError, match="another version") as caught:
        review_gap(reports, other)
    assert (caught.value.sheet, caught.value.row, caught.value.column) == ("复核报告", 2, "自评得分")
    wrong = dataclasses.replace(review, indicators=review.indicators.assign(indicator_id=["9"]))
    with pytest.raises(ReviewMismatchError, match="指标 9"):
        review_gap(reports, wrong)
    absent = dataclasses.replace(review, reports=review.reports.assign(department=["乙"]))
    with pytest.raises(ReviewMismatchError, match="no workbook for 乙"):
        review_gap(reports, absent)


def test_the_gap_chart_draws_with_units_and_no_missing_glyph(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import house_style
    from perfeval_utils.present.charts.review_chart import review_gap_figure

    workbook(tmp_path, "甲", 2022)
    workbook(tmp_path, "乙", 2022)
    reports = report_set(tmp_path)
    gap = review_gap(reports, _review(reports, {"甲": Decimal("92.39"), "乙": Decimal("99")}))
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = review_gap_figure(gap.reports)
        fig.canvas.draw()
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["2022 甲", "2022 乙"]
        assert ax.get_xlabel().startswith("复核得分 − 自评得分（分）")
        assert [round(p.get_width(), 2) for p in ax.patches] == [-6.0, 0.61]
        plt.close(fig)


def test_the_example_review_is_labelled_and_matches_the_data_folder() -> None:
    """data/examples/review-round-example.xlsx (scripts/make_review_example.py): invented figures, labelled."""
    review = load_review(ROOT / "data" / "examples" / "review-round-example.xlsx")
    assert all("示例数据（非公开数据）" in str(v) for v in review.info.values() if v and not str(v)[:4].isdigit())
    notes = [*review.reports["review_note"], *review.indicators["review_note"]]
    assert notes and all(str(n).startswith("示例数据（非公开数据）") for n in notes if isinstance(n, str))
    gap = review_gap(load_round(ROOT / "data"), review)
    assert len(gap.reports) == 3


def test_the_texts_the_notebook_prints(pile, tmp_path: Path) -> None:
    sample = sample_for_review(pile, 3, seed=7)
    text = sample_text(sample)
    assert text.splitlines()[0] == "抽评样本 3 份（共 10 份，种子 7）："
    assert text.splitlines()[1].startswith("1. 甲-2022.xlsx：必选：有高严重度提示")
    assert text.splitlines()[-1].startswith("未抽中 7 份，入选概率 0.")
    (tmp_path / "x").mkdir()
    workbook(tmp_path / "x", "甲", 2022)
    reports = report_set(tmp_path / "x")
    gap = review_gap(reports, _review(reports, {"甲": Decimal("92.39")}))
    assert gap_text(gap) == "甲-2022.xlsx：自评 98.39 分，复核 92.39 分（复核总分），差 -6.00 分；变动指标 0 个"


def test_the_gap_chart_saves_the_same_bytes_twice(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import house_style, save_figure
    from perfeval_utils.present.charts.review_chart import review_gap_figure

    workbook(tmp_path, "甲", 2022)
    reports = report_set(tmp_path)
    gap = review_gap(reports, _review(reports, {"甲": Decimal("92.39")}))
    saved = []
    for run in ("a", "b"):
        with house_style():
            fig = review_gap_figure(gap.reports)
            saved.append([p.read_bytes() for p in save_figure(fig, tmp_path / run / "gap")])
            plt.close(fig)
    assert saved[0] == saved[1] and saved[0][0][:8] == b"\x89PNG\r\n\x1a\n"


def test_before_any_review_the_round_has_an_empty_gap_that_says_so(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from perfeval_utils.check.review import round_gap
    from perfeval_utils.present.charts import house_style
    from perfeval_utils.present.charts.review_chart import review_gap_figure

    workbook(tmp_path, "甲", 2022)
    gap = round_gap(report_set(tmp_path), None)
    assert gap.reports.empty and gap_text(gap).startswith("尚无复核结果")
    assert dict(zip(gap.distribution["指标"], gap.distribution["值"], strict=True))["复核报告数"] == 0
    with house_style(), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = review_gap_figure(gap.reports)
        fig.canvas.draw()
        assert fig.axes[0].texts[0].get_text() == "尚无可比较的复核结果"
        plt.close(fig)



def test_reports_of_the_review_the_set_does_not_hold_are_named_not_compared(tmp_path: Path) -> None:
    """The example review (3 reports) beside data/reference (2 of them): the seed's report is named, left out."""
    from perfeval_utils.check.review import round_gap

    gap = round_gap(load_round(ROOT / "data" / "reference"), ROOT / "data" / "examples" / "review-round-example.xlsx")
    assert len(gap.reports) == 2 and "huangpu-zonggonghui-2022.xlsx" not in set(gap.reports["file"])
    assert gap.note.startswith("复核工作簿 review-round-example.xlsx 中有 1 份报告不在本批工作簿中，"
                               "未作比较：广州市黄埔区总工会")
    assert gap_text(gap).splitlines()[0] == gap.note
    workbook(tmp_path, "甲", 2022)
    none = round_gap(report_set(tmp_path), ROOT / "data" / "examples" / "review-round-example.xlsx")
    assert none.reports.empty and gap_text(none) == none.note and "中有 3 份报告不在本批工作簿中" in none.note


def test_a_set_where_nothing_loaded_gives_an_empty_sample_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_text("x", encoding="utf-8")
    reports = load_round(tmp_path)
    sample = sample_for_review(reports, 3, seed=1)
    assert sample.empty and list(sample.columns)[-3:] == ["selected", "basis", "why"]
    assert sample_text(sample).startswith("抽评样本 0 份（共 0 份")
