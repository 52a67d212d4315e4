"""The hand-entered seed workbook against the seed text itself.

Two kinds of check: (1) every figure and value string in the workbook is printed on the
line its 出处 names (so a typo or a wrong line number fails); (2) the figures an auditor
would look for first equal what the report says, written out here from reading the text.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from perfeval_utils.report import Report
from tests.conftest import ROOT, SEED_TEXT

LINES = SEED_TEXT.read_text(encoding="utf-8").split("\n")
LINE_REF = re.compile(r"第(\d+)(?:[–-](\d+))?行")
CHINESE_FORMS = {Decimal(1000): "千"}


def cited_text(source: str) -> str:
    """The seed lines an 出处 cites, joined, with blanks and thousands separators removed."""
    spans = LINE_REF.findall(source)
    assert spans, f"出处 names no line: {source!r}"
    text = ""
    for first, last in spans:
        for number in range(int(first), int(last or first) + 1):
            text += LINES[number - 1]
    return squeeze(text)


def squeeze(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", re.sub(r"\s+", "", text))


def printed(value: Decimal, line: str) -> bool:
    """The number appears as a whole number on the line (not as part of a longer one)."""
    forms = [format(value.normalize(), "f"), CHINESE_FORMS.get(value, "\0")]
    return any(re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", line) for form in forms)


def test_seed_copy_is_byte_for_byte() -> None:
    shared = ROOT.parent / "shared" / "seeds" / "000_ba50f9612e70bb65.txt"
    if not shared.exists():
        pytest.skip("shared/seeds is not beside the repository")
    assert SEED_TEXT.read_bytes() == shared.read_bytes()


def test_every_budget_figure_is_on_its_line(seed_report: Report) -> None:
    checked = 0
    for row in seed_report.budget.itertuples():
        line = cited_text(row.source)
        assert squeeze(row.item)[:2] in line or row.dimension == "合计", row
        for value in (row.budget, row.executed, row.prior_executed, row.stated_rate):
            if value is not None:
                assert printed(value, line), (row.item, value, row.source)
                checked += 1
    assert checked == 9


def test_every_kpi_text_is_on_its_line(seed_report: Report) -> None:
    for row in seed_report.kpis.itertuples():
        line = cited_text(row.source)
        for text in (row.name, row.target_text, row.actual_text, row.status_text, row.reason):
            if isinstance(text, str):
                assert squeeze(text) in line, (row.indicator_id, text)


def test_every_claim_is_on_its_line(seed_report: Report) -> None:
    for row in seed_report.claims.itertuples():
        assert printed(row.value, cited_text(row.source)), (row.claim_id, row.item, row.value)


def test_every_task_figure_is_on_its_line(seed_report: Report) -> None:
    for row in seed_report.tasks.itertuples():
        line = cited_text(row.source)
        for value in (row.amount, row.stated_indicators, row.stated_met):
            assert printed(Decimal(int(value)) if not isinstance(value, Decimal) else value, line), (row.task_id, value)


def test_meta_values_are_on_their_lines(seed_report: Report) -> None:
    assert seed_report.meta_sources["self_score"] is not None
    assert printed(seed_report.meta["self_score"], cited_text(seed_report.meta_sources["self_score"]))
    assert printed(seed_report.meta["carryover"], cited_text(seed_report.meta_sources["carryover"]))
    assert "广州市黄埔区总工会（广州开发区总工会）2022" in squeeze(LINES[2])
    assert squeeze("2023年5月29日") in cited_text(seed_report.meta_sources["report_date"])


def test_the_figures_as_the_report_states_them(seed_report: Report) -> None:
    """Read off the seed text by a person: lines 27, 29, 49, 53, 75, 85, 89, 113."""
    meta = seed_report.meta
    assert meta["department"] == "广州市黄埔区总工会（广州开发区总工会）"
    assert (meta["year"], meta["amount_unit"], meta["report_kind"]) == (2022, "万元", "部门整体支出")
    assert meta["self_score"] == Decimal("98.39")
    assert meta["carryover"] == Decimal("3.23")
    assert str(meta["report_date"]) == "2023-05-29"

    total = seed_report.budget[seed_report.budget["dimension"] == "合计"].iloc[0]
    assert (total["budget"], total["executed"], total["stated_rate"]) == (
        Decimal("1415.43"), Decimal("1390.69"), Decimal("98.25"))
    by_source = seed_report.budget[seed_report.budget["dimension"] == "资金来源"].set_index("item")["executed"]
    assert by_source.to_dict() == {
        "一般公共预算财政拨款": Decimal("1390.69"), "政府性基金预算财政拨款": Decimal(0),
        "国有资本经营预算财政拨款": Decimal(0), "其他资金": Decimal(0)}
    by_nature = seed_report.budget[seed_report.budget["dimension"] == "支出性质"].set_index("item")["executed"]
    assert by_nature.to_dict() == {"基本支出": Decimal("1319.92"), "项目支出": Decimal("95.51")}

    kpis = seed_report.kpis.set_index("indicator_id")
    assert len(kpis) == 10
    assert kpis.loc["2", "target_text"] == "预计慰问费用约 232000 元"
    assert kpis.loc["2", "actual_text"] == "实际使用慰问费用 230500 元"
    assert kpis.loc["3", "actual_text"] == "实际组织 37 名劳模外出疗养"
    assert kpis.loc["7", "actual_text"] == "实际新增基层工会 245 家"
    assert list(kpis["status_text"]).count("未完成") == 2
    assert kpis.loc["2", "reason"].startswith("通过各种方法均无法联系上劳模李比")
    assert kpis.loc["3", "reason"].startswith("由于疫情原因影响")

    tasks = seed_report.tasks.set_index("task_id")
    assert tasks.loc["任务1", "amount"] == Decimal("46.72")
    assert tasks.loc["任务2", "amount"] == Decimal("46.2")
    assert (tasks.loc["任务1", "stated_indicators"], tasks.loc["任务1", "stated_met"]) == (8, 6)
    assert (tasks.loc["任务2", "stated_indicators"], tasks.loc["任务2", "stated_met"]) == (5, 5)

    claims = seed_report.claims.set_index("item")["value"]
    assert claims["指标计数:部门整体:合计"] == 10
    assert claims["指标计数:部门整体:产出"] == 6
    assert claims["指标计数:部门整体:效益"] == 4
    assert claims["指标计数:部门整体:已完成"] == 8
    assert claims["指标计数:部门整体:未完成"] == 2
    assert claims["任务2实际：服务对象满意度"] == Decimal("93.5")
    assert claims["受理工会法律援助案件"] == 1216
    assert claims["法律援助涉及金额"] == Decimal("6680.65")
    assert claims["返还工会经费金额"] == 6253
    assert claims["住院关爱计划慰问金新标准"] == 500
    assert claims["住院关爱计划合计发放慰问金"] == 475


def test_claim_units_are_stated(seed_report: Report) -> None:
    assert seed_report.claims["unit"].notna().all()
