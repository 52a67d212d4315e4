"""The 核对底稿: Chinese check kinds, printable, identifies its input, and re-performable in Excel.

Hand computation for the seed (huangpu 2022, 万元): 年末结转结余 is stated as 3.23; 预算数 − 执行数 =
1415.43 − 1390.69 = 24.74, so 差额 = 24.74 − 3.23 = 21.51 and the row fails; the Excel formula
``=预算!C2-预算!D2`` reads the same two figures from the 预算 sheet and gives 24.74.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perfeval_utils.check.reconcile import reconcile
from perfeval_utils.present.display import CHECK_KINDS
from perfeval_utils.present.workpaper import working_paper_path, write_working_paper
from perfeval_utils.read.workbook import load_report
from tests.conftest import SEED, all_workbooks

WORKBOOKS = all_workbooks()  # the ten real workbooks (data/examples/ is invented data)
ARITHMETIC = {CHECK_KINDS[kind] for kind in ("rate", "sum", "carryover", "count")}
NOW = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)


def _paper(tmp_path: Path, path: Path = SEED) -> Path:
    report = load_report(path)
    return write_working_paper(report, reconcile(report), working_paper_path(report, tmp_path), now=NOW)


def _rows(sheet) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_working_paper_sheets_kinds_in_chinese_and_the_failed_carryover(tmp_path: Path) -> None:
    path = _paper(tmp_path)
    assert path.name == "huangpu-zonggonghui-2022_核对底稿.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["封面", "核对", "发现", "预算", "指标", "任务"]
    rows = _rows(book["核对"])
    assert len(rows) == 44
    assert {row["类别"] for row in rows} <= set(CHECK_KINDS.values())  # no English code such as rate or sum
    carry = next(row for row in rows if row["类别"] == "结转结余")
    assert (carry["报告数"], carry["重算数"], carry["差额"], carry["结果"]) == (3.23, 24.74, 21.51, "未通过")
    assert carry["Excel 重算"] == "=预算!C2-预算!D2"
    rules = [rule for cf in book["核对"].conditional_formatting for rule in cf.rules]
    assert any('="未通过"' in rule.formula[0] for rule in rules)
    found = _rows(book["发现"])
    assert len(found) == 6 and str(found[0]["发现"]).startswith("支出性质各项执行数之和为 1415.43 万元")


def test_number_formats_follow_the_reports_precision(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(_paper(tmp_path))["核对"]
    rate_row = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "执行率")
    assert rate_row[3].value == 98.25 and rate_row[3].number_format == "#,##0.00"  # printed as 98.25
    count_row = next(row for row in sheet.iter_rows(min_row=2)
                     if row[1].value == "指标计数" and row[4].value is not None)
    assert count_row[4].number_format == "#,##0"
    assert openpyxl.load_workbook(_paper(tmp_path))["预算"]["C2"].number_format == "#,##0.00"


def test_every_sheet_filters_freezes_and_prints_landscape_fitted_to_width(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_paper(tmp_path))
    for name in ("核对", "发现", "预算", "指标", "任务"):
        sheet = book[name]
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert sheet.freeze_panes == "A2", name
        assert sheet.page_setup.orientation == "landscape", name
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert sheet.print_title_rows == "$1:$1", name
    for sheet in book.worksheets:
        assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9), sheet.title  # A4


def test_cover_identifies_the_input_the_tool_the_time_and_the_rules(tmp_path: Path) -> None:
    cover = dict(openpyxl.load_workbook(_paper(tmp_path))["封面"].iter_rows(values_only=True))
    assert cover["输入文件 SHA-256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert cover["输入文件"] == SEED.name
    assert str(cover["工具版本"]).startswith("perfeval-utils")
    assert cover["运行时间（UTC）"] == "2026-11-30 08:15:00"
    assert "执行率（rate）" in str(cover["核对规则"]) and "「核对」表规则 13 项" in str(cover["核对规则"])
    assert str(cover["结果"]).startswith("共 44 项核对：通过 36 项，未通过 6 项")


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.stem for p in WORKBOOKS])
def test_every_arithmetic_check_has_a_live_formula(tmp_path: Path, path: Path) -> None:
    rows = _rows(openpyxl.load_workbook(_paper(tmp_path, path))["核对"])
    arithmetic = [row for row in rows if row["类别"] in ARITHMETIC and row["重算数"] is not None]
    assert all(str(row["Excel 重算"]).startswith("=") for row in arithmetic), [
        row["核对内容"] for row in arithmetic if not row["Excel 重算"]]
    assert all(str(row["公式复核"]).startswith("=IF(") for row in arithmetic)


@pytest.mark.skipif(not shutil.which("soffice"),
                    reason="LibreOffice (soffice) is not installed: formulas not recalculated")
def test_formulas_give_the_computed_figures_when_libreoffice_recalculates(tmp_path: Path) -> None:
    """LibreOffice opens each paper (openpyxl stores no cached results, so every formula is computed) → CSV."""
    papers = [_paper(tmp_path / path.stem, path) for path in WORKBOOKS]
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
                    "--outdir", str(out), *map(str, papers)], check=True, capture_output=True, timeout=300)
    compared = 0
    for paper in papers:
        with (out / f"{paper.stem}-核对.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(reconcile(load_report(WORKBOOKS[papers.index(paper)])))
        for row in rows:
            if row["Excel 重算"]:
                assert Decimal(row["Excel 重算"]) == Decimal(row["重算数"]), (paper.name, row["编号"])
                assert row["公式复核"] == "一致", (paper.name, row["编号"])
                compared += 1
    assert compared == 29  # every arithmetic check of the ten workbooks in data/


def test_the_cover_takes_the_run_time_from_source_date_epoch_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """1700000000 s after 1970-01-01 UTC is 2023-11-14 22:13:20; unset, the time is now."""
    from perfeval_utils.present.workpaper import run_time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run_time() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert abs((run_time() - datetime.now(UTC)).total_seconds()) < 60
