"""extract_report: the seed's text gives back the hand-entered workbook, figure by figure.

The comparison covers every figure the extraction is meant to recover (meta, 预算, the KPI table,
任务, the stated indicator counts) and checks that each figure's 出处 names the same line numbers as
the hand workbook's. It leaves out 一级指标 (the seed's table does not print it; the hand workbook
assigned it by the indicator's nature, and the extraction refuses to guess) and the narrative
文中数据 rows (not extracted; said in open_questions and docs/extraction.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from perfeval_utils import PerfevalError, load_report, schema
from perfeval_utils.present.writer import write_workbook
from perfeval_utils.read.text import Extraction, ReportTextError, extract_report, line_ref
from perfeval_utils.read.workbook import Report
from tests.conftest import SEED, SEED_TEXT

SEED_BOOK = SEED
META_KEYS = ("department", "year", "amount_unit", "report_kind", "self_score", "carryover", "report_date")
KPI_FIELDS = ("indicator_id", "name", "target_text", "actual_text", "status_text", "reason")
TASK_FIELDS = ("name", "implementer", "amount", "stated_indicators", "stated_met")
FRAMES = [sheet.name for sheet in schema.SHEETS if sheet is not schema.META]


def stated(value: Any) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value))


def lines_of(source: str | None) -> set[int]:
    """The line numbers a 出处 names for the figure itself: bracketed remarks and text after ； are comments."""
    text = source or ""
    while re.search(r"（[^（）]*）", text):
        text = re.sub(r"（[^（）]*）", "", text)
    text = text.split("；")[0]
    found: set[int] = set()
    for a, b in re.findall(r"第(\d+)(?:[–-](\d+))?行", text):
        found.update(range(int(a), int(b or a) + 1))
    return found


def figures(report: Report) -> dict[str, tuple[Any, set[int]]]:
    """Every in-scope stated figure of a report: name → (value, line numbers of its 出处)."""
    out: dict[str, tuple[Any, set[int]]] = {}
    for key in META_KEYS:
        if stated(report.meta.get(key)):
            out[f"基本信息:{key}"] = (report.meta[key], lines_of(report.meta_sources.get(key)))
    for row in report.budget.itertuples():
        for column in ("budget", "executed", "stated_rate"):
            value = getattr(row, column)
            if stated(value):
                out[f"预算:{row.dimension}:{row.item}:{column}"] = (value, lines_of(row.source))
    for row in report.kpis.itertuples():
        for column in KPI_FIELDS:
            value = getattr(row, column)
            if stated(value):
                out[f"指标{row.indicator_id}:{column}"] = (value, lines_of(row.source))
    for row in report.tasks.itertuples():
        for column in TASK_FIELDS:
            value = getattr(row, column)
            if stated(value):
                out[f"{row.task_id}:{column}"] = (value, lines_of(row.source))
    for row in report.claims.itertuples():
        if row.item.startswith(schema.COUNT_PREFIX + ":"):
            out[row.item] = ((row.value, row.unit), lines_of(row.source))
    return out


@pytest.fixture(scope="module")
def seed() -> Extraction:
    return extract_report(SEED_TEXT)


@pytest.fixture(scope="module")
def hand() -> Report:
    return load_report(SEED_BOOK)


# ---- (1) the seed against the hand-entered workbook --------------------------------------------


def test_seed_extraction_equals_the_hand_workbook_figure_by_figure(seed: Extraction, hand: Report) -> None:
    want, got = figures(hand), figures(seed.report)
    wrong = {k: (want[k], got.get(k)) for k in want if got.get(k) != want[k]}
    assert wrong == {}
    assert sorted(got) == sorted(want)  # nothing extra either
    recovered = sum(got.get(k) == v for k, v in want.items())
    # 7 meta + 9 预算 (合计 3, 资金来源 4, 支出性质 2) + 52 KPI (10 × 5, 2 reasons) + 10 任务 + 12 指标计数
    assert (recovered, len(want)) == (90, 90)


def test_what_the_comparison_leaves_out_is_what_the_text_does_not_print_or_is_narrative(
    seed: Extraction, hand: Report
) -> None:
    # 一级指标: the hand workbook assigned all 10; the text prints none, so extraction leaves them blank
    assert hand.kpis["category"].notna().sum() == 10
    assert seed.report.kpis["category"].isna().all()
    narrative = hand.claims[~hand.claims["item"].str.startswith(schema.COUNT_PREFIX + ":")]
    assert len(narrative) == 55  # so the text states 90 + 55 = 145 figures, of which 90 are extracted
    assert len(seed.report.claims) == 12


def test_seed_figures_have_the_hand_workbooks_types_and_exact_text(seed: Extraction, hand: Report) -> None:
    report = seed.report
    assert report.meta["year"] == 2022 and report.meta["report_date"] == dt.date(2023, 5, 29)
    assert [str(v) for v in report.budget.iloc[0][["budget", "executed", "stated_rate"]]] == [
        "1415.43", "1390.69", "98.25"]
    reason = "通过各种方法均无法联系上劳模李比，因此没有办法将 1500 元春节慰问金给到该劳模。"
    assert report.kpis.loc[1, "reason"] == reason  # inside the brackets, without them
    assert report.tasks["stated_met"].tolist() == [6, 5]
    assert report.tasks["source"].tolist() == [
        "二（二）1 工会工作（任务 1） 第71行、第75行", "二（二）2 职工服务中心综合业务工作（任务 2） 第81行、第85–87行"]
    for name in FRAMES:
        assert list(getattr(report, name).columns) == list(getattr(hand, name).columns)
        assert getattr(report, name).dtypes.to_dict() == getattr(hand, name).dtypes.to_dict()
    assert report.kpis["excel_row"].tolist() == [58, 59, 60, 63, 64, 65, 66, 67, 68, 69]


# ---- (2) a second report, written here: not fitted to the seed -----------------------------------

SYNTHETIC = [
    "",
    "示例市某某区文化广电旅游体育局 2023 年部门整体支出 绩效自评报告",
    "",
    "一、基本情况",
    "",
    "（一）部门整体收支情况",
    "",
    "本局全年预算数 12,345,678.90 元，执行数 11,234,567.80 元，完成预算的 91.00%。",
    "",
    "按资金来源分，一般公共预算财政拨款支出 10,000,000.00 元，政府性基金预算财政拨款支出 0 元，其他资金支出 "
    "1,234,567.80 元。按支出性质看，基本支出 8,000,000 元，项目支出 3,234,567.8 元。年末结转和结余 1,111,111.10 元。",
    "",
    "二、综合评价分析",
    "",
    "（一）自评结论综述",
    "",
    "经逐项对照，整体支出绩效自",
    "",
    "评 88.5 分。",
    "",
    "（二）各重点工作任务绩效目标完成情况分析",
    "",
    "部门整体年度关键绩效指标有 3 个，其中产出指标 2 个、满意度指标 1 个。经测评，2 项指标已完成，1 项指标未完成。",
    "",
    "部门整体支出绩效关键性指标完成情况表",
    "",
    "编号\t指标名称\t指标预期值\t指标实现值\t指标完成情况",
    "1\t公共文化活动场次\t不少于 120 场（含线上",
    "活动 30 场）\t132 场\t已完成",
    "2\t图书馆借阅人次\t≥50000 人次\t48210 人次\t未完成（受场馆维修影响闭馆两个月。）",
    "",
    "编号\t指标名称\t指标预期值\t指标实现值\t指标完成情况",
    "3\t群众满意度\t≥90%\t93%\t已完成",
    "",
    "1. 公共文化服务（任务 1）",
    "",
    "本任务的主要实施单位为区文化馆，涉及资金 2,500,000.00 元。本任务 2023 年度设置绩效评价指标 4 个，"
    "其中产出指标 3 个、满意度指标 1 个。经测评，该 4 个指标中 3 个指标已达到目标值，1 个指标未达到目标值。",
    "",
    "2024年3月15日",
]


def at(fragment: str) -> int:
    """The line number (1-based) of the synthetic line that holds ``fragment``."""
    return next(i for i, line in enumerate(SYNTHETIC, start=1) if fragment in line)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Extraction:
    path = tmp_path_factory.mktemp("text") / "synthetic.txt"
    path.write_text("\n".join(SYNTHETIC), encoding="utf-8")
    return extract_report(path)


def test_a_different_report_extracts_to_the_figures_written_into_it(synthetic: Extraction) -> None:
    report = synthetic.report
    meta = {k: report.meta[k] for k in META_KEYS}
    assert meta == {
        "department": "示例市某某区文化广电旅游体育局", "year": 2023, "amount_unit": "元",
        "report_kind": "部门整体支出",
        "self_score": Decimal("88.5"), "carryover": Decimal("1111111.10"), "report_date": dt.date(2024, 3, 15),
    }
    broken = at("整体支出绩效自")  # the sentence is broken by a page break: 出处 spans it
    assert report.meta_sources["self_score"] == f"二（一）自评结论综述 第{broken}–{at('评 88.5')}行"
    budget = [(r.dimension, r.item, r.budget, r.executed, r.stated_rate) for r in report.budget.itertuples()]
    assert budget == [
        ("合计", "部门整体支出", Decimal("12345678.90"), Decimal("11234567.80"), Decimal("91.00")),
        ("资金来源", "一般公共预算财政拨款", None, Decimal("10000000.00"), None),
        ("资金来源", "政府性基金预算财政拨款", None, Decimal("0"), None),
        ("资金来源", "其他资金", None, Decimal("1234567.80"), None),
        ("支出性质", "基本支出", None, Decimal("8000000"), None),
        ("支出性质", "项目支出", None, Decimal("3234567.8"), None),
    ]
    # amounts as an amount cell holds them (no printed precision); the rate keeps its printed 91.00
    assert [str(report.budget.loc[0, c]) for c in ("budget", "stated_rate")] == ["12345678.9", "91.00"]
    kpis = report.kpis
    assert kpis["indicator_id"].tolist() == ["1", "2", "3"]
    assert kpis["target_text"].tolist() == ["不少于 120 场（含线上活动 30 场）", "≥50000 人次", "≥90%"]
    assert kpis["actual_text"].tolist() == ["132 场", "48210 人次", "93%"]
    assert kpis["status_text"].tolist() == ["已完成", "未完成", "已完成"]
    assert kpis.loc[1, "reason"] == "受场馆维修影响闭馆两个月。"
    assert kpis.loc[0, "source"].endswith(f"第{at('不少于 120')}–{at('活动 30 场')}行")  # the wrapped row
    assert kpis.loc[2, "source"] == f"二（二）部门整体支出绩效关键性指标完成情况表（续表） 第{at('群众满意度')}行"
    assert report.tasks.drop(columns=["source", "excel_row"]).to_dict("records") == [{
        "task_id": "任务1", "name": "公共文化服务", "implementer": "区文化馆", "amount": Decimal("2500000"),
        "stated_indicators": 4, "stated_met": 3}]
    claims = {r.item: (r.value, r.unit) for r in report.claims.itertuples()}
    assert claims == {
        "指标计数:部门整体:合计": (3, "个"), "指标计数:部门整体:产出": (2, "个"), "指标计数:部门整体:满意度": (1, "个"),
        "指标计数:部门整体:已完成": (2, "项"), "指标计数:部门整体:未完成": (1, "项"),
        "指标计数:任务1:产出": (3, "个"), "指标计数:任务1:满意度": (1, "个"), "指标计数:任务1:未完成": (1, "个"),
    }


# ---- (3) open questions ------------------------------------------------------------------------


def test_open_questions_name_the_expenditure_nature_doubt_and_the_missing_category(seed: Extraction) -> None:
    questions = seed.open_questions
    assert any(q.startswith("第29行") and "支出性质" in q and "预算数还是执行数" in q for q in questions)
    assert any(q.startswith("第57行") and "未列一级指标" in q for q in questions)
    narrative = next(q for q in questions if "叙述性数字" in q)
    assert "第79行" in narrative and "第113行" in narrative and "第53行" not in narrative


def test_a_stated_count_that_disagrees_with_the_table_is_asked_not_corrected(tmp_path: Path) -> None:
    text = "\n".join(SYNTHETIC).replace("关键绩效指标有 3 个", "关键绩效指标有 4 个")
    path = tmp_path / "mismatch.txt"
    path.write_text(text, encoding="utf-8")
    extraction = extract_report(path)
    assert any("指标表中是 3 个" in q for q in extraction.open_questions)
    counts = extraction.report.claims.set_index("item")["value"]
    assert counts["指标计数:部门整体:合计"] == 4


# ---- (4) write_workbook → load_report ----------------------------------------------------------


def exact(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals as their strings, so that 91.00 and 91 differ."""
    return frame.map(lambda v: f"Decimal:{v}" if isinstance(v, Decimal) else v)


def with_categories(report: Report, categories: dict[str, str]) -> Report:
    kpis = report.kpis.copy()
    kpis["category"] = kpis["indicator_id"].map(categories).astype("str")
    return dataclasses.replace(report, kpis=kpis)


def assert_round_trip(report: Report, path: Path) -> None:
    again = load_report(write_workbook(report, path))
    assert again.meta == report.meta
    assert list(again.meta_sources.items()) == list(report.meta_sources.items())
    for name in FRAMES:
        mine, back = getattr(report, name), getattr(again, name)
        # excel_row holds the text's line number; the writer keeps it only where rows increase strictly
        pd.testing.assert_frame_equal(back.drop(columns="excel_row"), mine.drop(columns="excel_row"), obj=name)
        pd.testing.assert_frame_equal(exact(back.drop(columns="excel_row")), exact(mine.drop(columns="excel_row")))
    assert again.kpis["excel_row"].tolist() == report.kpis["excel_row"].tolist()
    assert again.tasks["excel_row"].tolist() == report.tasks["excel_row"].tolist()


def test_seed_extraction_round_trips_through_a_v1_workbook(seed: Extraction, hand: Report, tmp_path: Path) -> None:
    categories = dict(zip(hand.kpis["indicator_id"], hand.kpis["category"], strict=True))
    assert_round_trip(with_categories(seed.report, categories), tmp_path / "seed.xlsx")


def test_synthetic_extraction_round_trips_through_a_v1_workbook(synthetic: Extraction, tmp_path: Path) -> None:
    assert_round_trip(with_categories(synthetic.report, {"1": "产出", "2": "产出", "3": "满意度"}), tmp_path / "s.xlsx")


# ---- (5) what cannot be read --------------------------------------------------------------------


def test_a_text_without_a_budget_paragraph_gives_an_open_question(tmp_path: Path) -> None:
    path = tmp_path / "nobudget.txt"
    path.write_text("某某局 2022 年部门整体支出绩效自评报告\n\n一、基本情况\n\n本年度工作顺利。\n", encoding="utf-8")
    extraction = extract_report(path)
    assert extraction.report.budget.empty and extraction.report.meta["amount_unit"] is None
    assert extraction.report.meta["department"] == "某某局"
    assert any("未找到预算段落" in q for q in extraction.open_questions)
    assert any("未找到指标表" in q for q in extraction.open_questions)


def test_gbk_and_utf16_reports_are_read_and_say_their_encoding(tmp_path: Path) -> None:
    text = ("某某局 2022 年部门整体支出绩效自评报告\n\n一、基本情况\n\n"
            "全年预算数 1,415.43 万元，执行数 1,390.69 万元。\n")
    for codec, name in (("gbk", "GB18030"), ("utf-16", "UTF-16 LE (BOM)"), ("utf-8", "UTF-8"),
                        ("utf-8-sig", "UTF-8 (BOM)")):
        path = tmp_path / f"{codec}.txt"
        path.write_bytes(text.encode(codec))
        extraction = extract_report(path)
        assert extraction.encoding == name
        assert extraction.report.meta["department"] == "某某局"
        assert extraction.report.budget["budget"].iloc[0] == Decimal("1415.43")


def test_a_file_in_no_known_encoding_is_refused_with_its_name_and_place(tmp_path: Path) -> None:
    """0xFF is neither a UTF-8 nor a GB18030 byte: the error names the file, the line and the byte."""
    path = tmp_path / "坏报告.txt"
    path.write_bytes("第一行\n".encode() + b"\xff\xfe\xff rest")
    with pytest.raises(ReportTextError, match=r"坏报告\.txt, 第2行, byte 10") as caught:
        extract_report(path)
    assert isinstance(caught.value, PerfevalError) and "UTF-8" in str(caught.value)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"abc\x00def")
    with pytest.raises(ReportTextError, match="binary"):
        extract_report(binary)
    with pytest.raises(PerfevalError, match=r"missing\.txt"):
        extract_report(tmp_path / "missing.txt")


def test_line_ref_merges_overlapping_ranges_in_the_workbook_style() -> None:
    assert line_ref([(27, 27)]) == "第27行"
    assert line_ref([(85, 87), (81, 81), (85, 85)]) == "第81行、第85–87行"
    assert line_ref([(71, 71), (75, 75)]) == "第71行、第75行"
