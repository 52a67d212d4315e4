"""writer.write_workbook and template.write_template: what is written loads back unchanged.

The round trip is checked value by value (Decimals compared as strings, so 100.00 is not 100) for
the seed and every reference workbook, and for a template filled in programmatically the way a
person fills it in Excel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfeval_utils import PerfevalError, load_report, schema
from perfeval_utils.present.template import write_template
from perfeval_utils.present.writer import WriteError, excel_number, write_workbook
from perfeval_utils.read.workbook import Report
from tests.builders import valid_sheets
from tests.builders import write_workbook as build_workbook
from tests.conftest import SEED, all_workbooks

WORKBOOKS = all_workbooks()
FRAMES = [sheet.name for sheet in schema.SHEETS if sheet is not schema.META]


def exact(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals as their strings, so that 100.00 and 100 differ."""
    return frame.map(lambda v: f"Decimal:{v}" if isinstance(v, Decimal) else v)


def exact_meta(meta: dict) -> dict:
    return {k: f"Decimal:{v}" if isinstance(v, Decimal) else v for k, v in meta.items()}


def assert_same(original: Report, again: Report) -> None:
    assert exact_meta(again.meta) == exact_meta(original.meta)
    assert list(again.meta) == list(original.meta)
    assert list(again.meta_sources.items()) == list(original.meta_sources.items())
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(original, name), obj=name)
        pd.testing.assert_frame_equal(exact(getattr(again, name)), exact(getattr(original, name)), obj=name)


# ---- write_workbook ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_round_trip_of_every_real_workbook_loses_nothing(path: Path, tmp_path: Path) -> None:
    original = load_report(path)
    again = load_report(write_workbook(original, tmp_path / path.name))
    assert_same(original, again)


def test_seed_figures_come_back_as_the_same_decimals(tmp_path: Path) -> None:
    again = load_report(write_workbook(load_report(SEED), tmp_path / "seed.xlsx"))
    total = again.budget.iloc[0]
    assert [str(total[c]) for c in ("budget", "executed", "stated_rate")] == ["1415.43", "1390.69", "98.25"]
    assert str(again.budget.iloc[2]["executed"]) == "0"
    assert again.tasks["stated_indicators"].tolist() == [8, 5]
    assert str(again.tasks.iloc[0]["amount"]) == "46.72"
    assert again.meta["report_date"] == dt.date(2023, 5, 29) and again.meta["year"] == 2022
    assert str(again.meta["self_score"]) == "98.39"
    assert again.meta_sources["self_score"] == "二（一）自评结论综述 第49行"


def test_round_trip_keeps_printed_precision_text_blank_rows_and_formulas_as_text(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"][1][5] = "100.00%"  # printed precision: loads as Decimal("100.00")
    sheets["预算"].insert(2, [None] * 7)  # a blank row: the next lines sit at rows 4 and 5
    sheets["任务"][2][3] = 46.2
    sheets["文中数据"].append(["C03", None, "较上年:部门整体支出:增减额", -17.84, "万元", None])
    sheets["基本信息"].append(["备注", "自由文字", None])  # an extra field, kept as text
    sheets["基本信息"].append(["报告日期", "2023年5月29日", "落款"])
    original = load_report(build_workbook(tmp_path / "in.xlsx", sheets))
    assert str(original.budget.iloc[0]["stated_rate"]) == "100.00"
    assert original.budget["excel_row"].tolist() == [2, 4, 5]
    original.kpis.loc[0, "reason"] = "=见附件"  # text that looks like a formula must stay text
    again = load_report(write_workbook(original, tmp_path / "out.xlsx"))
    assert_same(original, again)
    assert str(again.budget.iloc[0]["stated_rate"]) == "100.00"
    assert str(again.tasks.iloc[1]["amount"]) == "46.2"
    assert str(again.claims.iloc[2]["value"]) == "-17.84"
    assert again.kpis.iloc[0]["reason"] == "=见附件"
    assert again.meta["备注"] == "自由文字"
    assert again.meta["report_date"] == dt.date(2023, 5, 29)


def test_a_number_excel_cannot_hold_is_refused_not_rounded() -> None:
    assert excel_number(Decimal("1415.43")) == 1415.43
    assert excel_number(Decimal("0")) == 0 and isinstance(excel_number(Decimal("0")), int)
    assert excel_number(Decimal("232000")) == 232000
    with pytest.raises(WriteError, match="more digits"):
        excel_number(Decimal("1415.4300000000000001"))
    with pytest.raises(WriteError):
        excel_number(Decimal("NaN"))


def test_writer_refuses_a_path_that_is_not_xlsx(tmp_path: Path) -> None:
    with pytest.raises(PerfevalError, match=r"\.xlsx"):
        write_workbook(load_report(SEED), tmp_path / "out.xls")


def test_written_workbook_is_laid_out_for_people(tmp_path: Path) -> None:
    book = load_workbook(write_workbook(load_report(SEED), tmp_path / "seed.xlsx"))
    assert book.sheetnames == [sheet.title for sheet in schema.SHEETS]
    for sheet in schema.SHEETS:
        ws = book[sheet.title]
        assert [c.value for c in ws[1]] == list(sheet.headers)
        assert all(c.comment is not None and c.comment.text for c in ws[1])
        assert ws.freeze_panes == "A2"
    widths = book["指标"].column_dimensions
    assert widths["E"].width >= 36  # 指标名称 is wide


# ---- write_template ----------------------------------------------------------------------------


def _validations(ws) -> list:
    return list(ws.data_validations.dataValidation)


def _validation_for(ws, cell: str):
    return [v for v in _validations(ws) if cell in v.sqref]


def test_template_has_every_sheet_headers_comments_widths_frozen_rows_and_validation(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx", "某区总工会", 2023)
    book = load_workbook(path)
    assert book.sheetnames == [sheet.title for sheet in schema.SHEETS]  # 核对, 任务 and 文中数据 included
    for sheet in schema.SHEETS:
        ws = book[sheet.title]
        assert [c.value for c in ws[1]] == list(sheet.headers)
        for cell in ws[1]:
            assert cell.comment is not None and len(cell.comment.text) > 5, (sheet.title, cell.value)
        assert ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c.column_letter].width >= 12 for c in ws[1])
    budget = book["预算"]
    (dimension,) = _validation_for(budget, "A2")
    assert dimension.type == "list" and "合计" in dimension.formula1 and "支出性质" in dimension.formula1
    assert dimension.errorStyle == "warning"  # a free-text dimension is allowed
    for column in "CDE":  # 预算数, 执行数, 上年执行数
        (amount,) = _validation_for(budget, f"{column}2")
        assert (amount.type, amount.operator, amount.formula1) == ("decimal", "greaterThanOrEqual", "0")
    (category,) = _validation_for(book["指标"], "C2")
    assert category.type == "list" and all(c in category.formula1 for c in ("产出", "效益", "满意度", "成本"))
    (count,) = _validation_for(book["任务"], "E2")
    assert count.type == "whole"
    meta = book["基本信息"]
    fields = [row[0].value for row in meta.iter_rows(min_row=2)]
    assert fields == list(schema.META_FIELDS)
    year_row = fields.index("年度") + 2
    (year,) = _validation_for(meta, f"B{year_row}")
    assert (year.type, year.formula1, year.formula2) == ("whole", "1990", "2100")
    assert meta[f"B{year_row}"].value == 2023
    (unit,) = _validation_for(meta, f"B{fields.index('金额单位') + 2}")
    assert unit.type == "list" and "万元" in unit.formula1


def test_an_empty_template_loads_with_blanks_not_zeros(tmp_path: Path) -> None:
    report = load_report(write_template(tmp_path / "t.xlsx", "某区总工会", 2023, amount_unit="元"))
    assert (report.department, report.year, report.amount_unit) == ("某区总工会", 2023, "元")
    assert report.meta["report_kind"] is None and report.meta["self_score"] is None
    (total,) = report.budget.itertuples(index=False)
    assert (total.dimension, total.item) == ("合计", "部门整体支出")
    assert total.budget is None and total.executed is None and total.stated_rate is None
    assert report.kpis.empty and report.tasks.empty and report.claims.empty and report.rules.empty


def test_template_refuses_a_bad_year_or_department(tmp_path: Path) -> None:
    with pytest.raises(PerfevalError, match="not a year"):
        write_template(tmp_path / "t.xlsx", "某区总工会", 23)
    with pytest.raises(PerfevalError, match="blank"):
        write_template(tmp_path / "t.xlsx", " ", 2023)
    with pytest.raises(PerfevalError, match="amount_unit"):
        write_template(tmp_path / "t.xlsx", "某区总工会", 2023, amount_unit="千元")


def _fill(path: Path) -> None:
    """Type this year's figures into a template, cell by cell, as a person would in Excel."""
    book = load_workbook(path)
    meta = book["基本信息"]
    rows = {row[0].value: row[0].row for row in meta.iter_rows(min_row=2)}
    meta.cell(rows["自评得分"], 2, 96.5)
    meta.cell(rows["自评得分"], 3, "二（一） 第40行")
    meta.cell(rows["报告日期"], 2, dt.date(2024, 5, 20))
    budget = book["预算"]
    budget["C2"], budget["D2"], budget["E2"], budget["F2"] = 1415.43, 1390.69, 1274.38, 98.25
    budget["G2"] = "一（二） 第27行"
    budget["D3"] = 0  # a stated zero stays 0
    kpis = book["指标"]
    kpis["G2"], kpis["H2"] = "4 场次", "已完成"
    kpis["G3"], kpis["H3"], kpis["J3"], kpis["K3"] = "230500 元", "未完成", 9.5, "联系不上"
    tasks = book["任务"]
    tasks["D2"], tasks["E2"], tasks["F2"] = 46.72, 8, 6
    tasks["D3"] = 46.2
    claims = book["文中数据"]
    for at, value in enumerate(["C01", "三", "较上年:部门整体支出:增减额", -17.84, "万元", "第90行"], start=1):
        claims.cell(2, at, value)
    rules = book["核对"]
    for at, value in enumerate(["R01", "合计相符", "C01", "C01", "0.01万元", None], start=1):
        rules.cell(2, at, value)
    book.save(path)


def test_template_like_last_year_fill_in_and_load_loses_nothing(tmp_path: Path) -> None:
    last = load_report(build_workbook(tmp_path / "2022.xlsx", valid_sheets()))
    path = write_template(tmp_path / "2023.xlsx", last.department, 2023, like=last)
    blank = load_report(path)
    carried = ["indicator_id", "scope", "category", "subcategory", "name", "target_text", "weight"]
    pd.testing.assert_frame_equal(exact(blank.kpis[carried]), exact(last.kpis[carried]))
    assert blank.kpis["actual_text"].isna().all() and blank.kpis["status_text"].isna().all()
    assert blank.tasks[["task_id", "name", "implementer"]].equals(last.tasks[["task_id", "name", "implementer"]])
    assert blank.tasks["amount"].isna().all()
    assert blank.budget[["dimension", "item"]].equals(last.budget[["dimension", "item"]])
    assert blank.budget["prior_executed"].isna().all()  # never copied from last year's workbook
    assert blank.claims.empty and blank.rules.empty
    assert (blank.meta["amount_unit"], blank.meta["report_kind"]) == ("万元", "部门整体支出")

    _fill(path)
    filled = load_report(path)
    assert (filled.year, str(filled.meta["self_score"]), filled.meta["report_date"]) == (
        2023, "96.5", dt.date(2024, 5, 20))
    assert filled.meta_sources["self_score"] == "二（一） 第40行"
    total = filled.budget.iloc[0]
    assert [str(total[c]) for c in ("budget", "executed", "prior_executed", "stated_rate")] == [
        "1415.43", "1390.69", "1274.38", "98.25"]
    assert str(filled.budget.iloc[1]["executed"]) == "0" and filled.budget.iloc[2]["executed"] is None
    assert filled.kpis["actual_text"].tolist()[:2] == ["4 场次", "230500 元"]
    assert filled.kpis["target_text"].tolist() == last.kpis["target_text"].tolist()
    assert (str(filled.kpis.iloc[1]["score"]), filled.kpis.iloc[1]["reason"]) == ("9.5", "联系不上")
    assert [str(a) for a in filled.tasks["amount"]] == ["46.72", "46.2"]
    assert filled.tasks["stated_indicators"].tolist()[0] == 8 and filled.tasks["stated_met"].tolist()[0] == 6
    assert str(filled.claims.iloc[0]["value"]) == "-17.84"
    assert filled.rules.iloc[0]["tolerance"] == "0.01万元"

    # and the filled template survives write_workbook too
    assert_same(filled, load_report(write_workbook(filled, tmp_path / "again.xlsx")))


def test_template_like_the_seed_carries_its_ten_indicators(tmp_path: Path) -> None:
    seed = load_report(SEED)
    blank = load_report(write_template(tmp_path / "2023.xlsx", seed.department, 2023, like=seed))
    assert blank.kpis["name"].tolist() == seed.kpis["name"].tolist()
    assert blank.kpis["target_text"].tolist() == seed.kpis["target_text"].tolist()
    assert blank.kpis["category"].tolist() == seed.kpis["category"].tolist()
    assert blank.tasks["task_id"].tolist() == ["任务1", "任务2"]
    assert len(blank.budget) == len(seed.budget) and blank.budget["executed"].isna().all()
