"""The reference workbooks in data/reference/ against the JSON they were entered from.

Every figure is read here straight off ``shared/reference/<slug>.json`` (an independent reading:
the converter script is not imported) and compared exactly, as ``Decimal(str(json_number))``,
with what ``load_report`` loads from ``data/reference/<slug>.xlsx``. The last test runs the
converter into a temporary folder and checks the committed workbooks are not stale.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfeval_utils import load_report
from perfeval_utils.read.workbook import Report
from tests.conftest import REFERENCE as REFERENCE_WORKBOOKS
from tests.conftest import ROOT, SHARED_REFERENCE

REFERENCE = SHARED_REFERENCE
WORKBOOKS = REFERENCE_WORKBOOKS
SCRIPT = ROOT / "scripts" / "reference_to_workbook.py"
JSON_FILES = sorted(REFERENCE.glob("*.json")) if REFERENCE.is_dir() else []
MISSING = f"the reference JSONs are not beside the repository ({REFERENCE} has no *.json)"

# How a person reads the labels of the Hunan 基础数据表 rows the JSON names in English.
THREE_PUBLIC = {
    "total": "三公经费",
    "vehicle_purchase_and_maintenance": "公务用车购置和维护经费",
    "vehicle_purchase": "公车购置",
    "vehicle_operation": "公车运行维护",
    "overseas": "出国经费",
    "reception": "公务接待",
}
PUBLIC_FUNDS = {"office": "办公经费", "water_power_travel": "水费、电费、差旅费", "meetings_training": "会议费、培训费"}

Expected = dict[tuple[str, str], tuple[Decimal | None, ...]]


def cases() -> list[Any]:
    if not JSON_FILES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="no-reference-json")]
    return [pytest.param(path, id=path.stem) for path in JSON_FILES]


@cache
def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def read_workbook(path: Path) -> Report:
    return load_report(path)


@pytest.fixture(params=cases())
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Report]:
    path: Path = request.param
    return read_json(path), read_workbook(WORKBOOKS / f"{path.stem}.xlsx")


def d(value: Any) -> Decimal | None:
    """A JSON number as the exact decimal it is written as; null → None (a blank cell)."""
    return None if value is None else Decimal(str(value))


def pct(text: str) -> Decimal:
    """'95.10%' → Decimal('95.10')."""
    assert text.endswith("%"), text
    return Decimal(text[:-1])


def blank_to_none(value: Any) -> Any:
    if value is None or (not isinstance(value, Decimal | str) and pd.isna(value)):
        return None
    return value


def three_years(values: dict[str, Any] | None, year: int) -> tuple[Decimal | None, ...] | None:
    """(预算数, 执行数, 上年执行数) of a {'<y-1>_final', '<y>_budget', '<y>_final'} block."""
    if values is None:
        return None
    return d(values.get(f"{year}_budget")), d(values.get(f"{year}_final")), d(values.get(f"{year - 1}_final"))


# ---- what the JSON says --------------------------------------------------------------


def expected_budget(doc: dict[str, Any]) -> Expected:
    """(维度, 项目) → (预算数, 执行数, 上年执行数, 报告执行率), read off the JSON."""
    b, year = doc["budget"], doc["year"]
    item = doc["project_name"] if doc["report_kind"] == "项目支出" else "部门整体支出"
    prior = b["previous_year_final"]["total"] if "previous_year_final" in b else None
    total = (d(b["annual_budget"]), d(b["executed"]), d(prior), d(b["execution_rate_stated"]))
    rows: Expected = {("合计", item): total}
    for source, figures in b["by_source"].items():
        if figures is not None:
            rate = figures.get("执行率")
            rows["资金来源", source] = (d(figures["全年预算数"]), d(figures["全年执行数"]), None,
                                        pct(rate) if rate is not None else None)
    if "previous_year_final" in b:  # 益阳: 2021 决算 / 2022 预算 / 2022 决算 columns
        for key, dim, label in (("basic", "支出性质", "基本支出"), ("project", "支出性质", "项目支出"),
                                ("public_funds", "基本支出其中", "公用经费")):
            rows[dim, label] = (d(b["current_year_budget"][key]), d(b["current_year_final"][key]),
                                d(b["previous_year_final"][key]), None)
        assert d(b["basic_expenditure"]) == rows["支出性质", "基本支出"][1]
        assert d(b["project_expenditure"]) == rows["支出性质", "项目支出"][1]
        assert d(b["public_funds_within_basic"]) == rows["基本支出其中", "公用经费"][1]
    else:
        budget_figures = b["executed"] is None  # 塘湖镇 states the budget only: 基本支出 = 预算数
        for key, label in (("basic_expenditure", "基本支出"), ("project_expenditure", "项目支出")):
            if b[key] is not None:
                amount = d(b[key])
                rows["支出性质", label] = (amount, None, None, None) if budget_figures else (None, amount, None, None)
    for task in doc["tasks"]:
        if f"amount_{year}_final" in task:
            rows["专项资金", task["name"]] = (d(task[f"amount_{year}_budget"]), d(task[f"amount_{year}_final"]),
                                             d(task[f"amount_{year - 1}_final"]), None)
    for key, label in THREE_PUBLIC.items():
        figures = three_years((b.get("three_public_expenses") or {}).get(key), year)
        if figures is not None:
            rows["三公经费", label] = (*figures, None)
    for key, label in PUBLIC_FUNDS.items():
        figures = three_years((b.get("public_funds") or {}).get(key), year)
        if figures is not None:
            rows["公用经费", label] = (*figures, None)
    for key, dim, label in (("project_expenditure_business", "项目支出", "业务工作专项"),
                            ("government_procurement", "政府采购", "政府采购金额")):
        figures = three_years(b.get(key), year)
        if figures is not None:
            rows[dim, label] = (*figures, None)
    return rows


def expected_claims(doc: dict[str, Any]) -> dict[str, tuple[Decimal | None, str]]:
    """事项 → (数值, 单位), read off the JSON."""
    b, year = doc["budget"], doc["year"]
    claims: dict[str, tuple[Decimal | None, str]] = {}
    for key, item, unit in (
        ("income_total", "收入合计", "万元"),
        ("fiscal_appropriation_income", "财政拨款收入", "万元"),
        ("change_vs_prior_year_stated", "较上年:部门整体支出:增减额", "万元"),
        ("change_pct_stated", "较上年:部门整体支出:增减率", "%"),
        ("initial_budget", "年初预算数", "万元"),
        ("in_year_addition", "年中追加预算数", "万元"),
        ("carryover_start_of_year", "年初结转结余", "万元"),
        ("budget_completion_rate_stated", "预算完成率", "%"),
    ):
        if b.get(key) is not None:
            claims[item] = (d(b[key]), unit)
    for task in doc["tasks"]:
        if task["name"].endswith(f" (cut vs {year - 1})"):
            name = task["name"].removesuffix(f" (cut vs {year - 1})")
            claims[f"较上年:{name}:增减额"] = (d(task["amount"]), "万元")
    staffing = {**b.get("staffing", {}), **doc.get("staffing", {})}
    for key, value in staffing.items():
        if key == "authorized_posts":
            claims["编制数"] = (d(value), "人")
        elif key == f"actual_staff_{year}":
            claims[f"{year}年实际在职人数"] = (d(value), "人")
        elif key == "control_rate_stated":
            claims["在职人员控制率"] = (pct(value), "%")
        else:
            claims[key] = (d(value), "个" if key.startswith("内设") else "人")
    if "org" in doc:
        claims["内设机构"] = (d(doc["org"]["internal_departments"]), "个")
    assert all(v is None for v in doc["indicator_counts_stated"].values()), "counts stated: extend this test"
    return claims


# ---- the tests -----------------------------------------------------------------------


def test_one_workbook_per_reference_json() -> None:
    if not JSON_FILES:
        pytest.skip(MISSING)
    assert sorted(p.stem for p in WORKBOOKS.glob("*.xlsx")) == [p.stem for p in JSON_FILES]


#: 部门 as the report prints it, and its 实施单位: the JSON's department without the transcriber's
#: bracketed notes (those go to 备注). Written out here, not derived, so the script's rule is checked.
PRINTED_DEPARTMENT: dict[str, tuple[str, str | None]] = {
    "hengshan-shangwuliangshiju-chubeiliang-2020": ("衡山县商务和粮食局", "粮食调控储备与产业发展股"),
    "liangping-zonggonghui-juesuan-2021": ("重庆市梁平区总工会", None),
    "qu-shangwuju-fuwumaoyi-2020": ("区商务局", "投资促进中心"),
    "rongchang-zonggonghui-juesuan-2024": ("重庆市荣昌区总工会本级", None),
    "tanghuzhen-2020": ("塘湖镇人民政府", None),
    "tongzhou-zonggonghui-juesuan-2024": ("北京市通州区总工会", None),
    "unknown-hunan-jichushujubiao-2018": ("未具名部门", None),
    "yiyang-zonggonghui-2022": ("益阳市总工会", None),
    "zhongjiang-shuiliju-shuibiaochi-2022": ("中江县水利局", None),
}


def test_department_is_the_printed_name_and_the_notes_go_to_remarks(case: tuple[dict[str, Any], Report]) -> None:
    """衡山县商务和粮食局 (实施单位 粮食调控储备与产业发展股) → 部门 衡山县商务和粮食局,
    实施单位 粮食调控储备与产业发展股, and the JSON's whole string in 备注; no 部门 has a bracket or a Latin letter."""
    doc, report = case
    department, implementer = PRINTED_DEPARTMENT[Path(report.path).stem]
    assert (report.department, report.meta.get("实施单位")) == (department, implementer)
    assert not re.search(r"[()A-Za-z]", report.department)
    if doc["department"] != department:
        assert f"department as given: {doc['department']}" in report.meta["备注"]


def test_meta(case: tuple[dict[str, Any], Report]) -> None:
    doc, report = case
    meta, url, b = report.meta, doc["source_url"], doc["budget"]
    kind = "部门决算" if doc["report_kind"].startswith("部门决算") else doc["report_kind"]
    assert (meta["year"], meta["amount_unit"], meta["report_kind"]) == (doc["year"], b["unit"], kind)
    assert meta["self_score"] == d(doc["self_score_stated"])
    assert meta["carryover"] == d(b["carryover"])
    assert meta["execution_weight"] == d(b.get("execution_weight"))
    assert meta["execution_score"] == d(b.get("execution_score"))
    assert meta["source_document"] == url
    assert meta.get("项目名称") == doc.get("project_name")
    assert f"shared/reference/{Path(report.path).stem}.json" in meta["备注"]
    assert set(report.meta_sources.values()) == {url}


def test_total_row(case: tuple[dict[str, Any], Report]) -> None:
    doc, report = case
    b = doc["budget"]
    total = report.budget[report.budget["dimension"] == "合计"]
    assert len(total) == 1
    row = total.iloc[0]
    assert row["item"] == (doc["project_name"] if doc["report_kind"] == "项目支出" else "部门整体支出")
    assert row["budget"] == d(b["annual_budget"])
    assert row["executed"] == d(b["executed"])
    assert row["stated_rate"] == d(b["execution_rate_stated"])
    assert row["prior_executed"] == d(b.get("previous_year_final", {}).get("total"))


def test_budget_rows(case: tuple[dict[str, Any], Report]) -> None:
    """Every 预算 row (合计, 资金来源, 支出性质, multi-year rows) and no other."""
    doc, report = case
    loaded = {
        (row.dimension, row.item): (row.budget, row.executed, row.prior_executed, row.stated_rate)
        for row in report.budget.itertuples()
    }
    assert len(loaded) == len(report.budget), "a (维度, 项目) pair appears twice"
    expected = expected_budget(doc)
    assert loaded.keys() == expected.keys()
    for key, values in expected.items():
        assert loaded[key] == values, key
        for got, want in zip(loaded[key], values, strict=True):
            assert got is None if want is None else isinstance(got, Decimal), (key, got)
    assert set(report.budget["source"]) == {doc["source_url"]}


def test_null_by_source_entries_are_not_entered(case: tuple[dict[str, Any], Report]) -> None:
    doc, report = case
    for source, figures in doc["budget"]["by_source"].items():
        if figures is None:
            assert source not in set(report.budget["item"])


def test_kpis(case: tuple[dict[str, Any], Report]) -> None:
    doc, report = case
    kpis, url = report.kpis, doc["source_url"]
    assert len(kpis) == len(doc["kpis"])
    for index, (kpi, row) in enumerate(zip(doc["kpis"], kpis.itertuples(), strict=True), start=1):
        assert row.indicator_id == str(index)
        assert row.scope == "部门整体"
        assert row.category == kpi["category"].removesuffix("指标")
        for field, key in (("subcategory", "level2"), ("name", "name"), ("target_text", "target_text"),
                           ("actual_text", "actual_text"), ("status_text", "status_text"),
                           ("reason", "deviation_reason")):
            assert blank_to_none(getattr(row, field)) == kpi[key], (index, field)
        assert row.weight == d(kpi["weight"]), index
        assert row.score == d(kpi["score"]), index
        assert row.source.startswith(url)
        for extra in ("unit", "ocr_raw_target", "note"):
            if kpi.get(extra) is not None:
                assert kpi[extra] in row.source, (index, extra)


def test_value_strings_keep_their_signs() -> None:
    """'≥' (zhongjiang) and '≧' (tanghuzhen, U+2267) stay as printed."""
    if not JSON_FILES:
        pytest.skip(MISSING)
    texts = "".join(
        str(v) for p in JSON_FILES for v in read_workbook(WORKBOOKS / f"{p.stem}.xlsx").kpis[
            ["target_text", "actual_text"]].to_numpy().ravel() if isinstance(v, str))
    assert "≥" in texts
    assert "≧" in texts


def test_claims(case: tuple[dict[str, Any], Report]) -> None:
    """Stated changes, income, Hunan budget lines, staffing, cuts: every 文中数据 row and no other."""
    doc, report = case
    loaded = {row.item: (row.value, row.unit) for row in report.claims.itertuples()}
    assert len(loaded) == len(report.claims), "an 事项 appears twice"
    assert loaded == expected_claims(doc)
    assert set(report.claims["source"]) <= {doc["source_url"]}


def test_derived_prior_year_total_is_not_entered() -> None:
    """prior_year_total_derived (the 决算 pages) is the transcriber's subtraction, not a printed figure."""
    if not JSON_FILES:
        pytest.skip(MISSING)
    checked = 0
    for path in JSON_FILES:
        derived = d(read_json(path)["budget"].get("prior_year_total_derived"))
        if derived is None:
            continue
        report = read_workbook(WORKBOOKS / f"{path.stem}.xlsx")
        numbers = [v for c in ("budget", "executed", "prior_executed") for v in report.budget[c] if v is not None]
        assert derived not in [*numbers, *report.claims["value"]], path.stem
        checked += 1
    assert checked == 3


def test_no_task_rows(case: tuple[dict[str, Any], Report]) -> None:
    """No JSON has a task with an indicator count: 任务 stays out."""
    doc, report = case
    assert all(task["indicator_count"] is None for task in doc["tasks"])
    assert report.tasks.empty


def test_header_row_is_bold_and_frozen() -> None:
    if not JSON_FILES:
        pytest.skip(MISSING)
    for path in JSON_FILES:
        book = load_workbook(WORKBOOKS / f"{path.stem}.xlsx")
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2", (path.stem, sheet.title)
            assert all(cell.font.bold for cell in sheet[1] if cell.value is not None), (path.stem, sheet.title)


def test_converter_reproduces_the_committed_workbooks(tmp_path: Path) -> None:
    if not JSON_FILES:
        pytest.skip(MISSING)
    subprocess.run([sys.executable, str(SCRIPT), str(REFERENCE), str(tmp_path)], check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == sorted(p.name for p in WORKBOOKS.glob("*.xlsx"))
    for path in JSON_FILES:
        fresh = load_report(tmp_path / f"{path.stem}.xlsx")
        committed = read_workbook(WORKBOOKS / f"{path.stem}.xlsx")
        assert fresh.meta == committed.meta, path.stem
        assert fresh.meta_sources == committed.meta_sources, path.stem
        for frame in ("budget", "kpis", "tasks", "claims"):
            pd.testing.assert_frame_equal(getattr(fresh, frame), getattr(committed, frame), obj=f"{path.stem} {frame}")
