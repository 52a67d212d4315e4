"""Malformed workbooks: each realistic mistake raises its own PerfevalError subclass, and the
message names the file, the sheet, the Excel row and the column header a person must fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from perfeval_utils import PerfevalError, WorkbookError, load_report
from perfeval_utils.errors import (
    CellTypeError,
    DuplicateIdError,
    MetaError,
    MissingColumnError,
    MissingSheetError,
    NegativeAmountError,
    NotAWorkbookError,
    TotalRowError,
    UnexpectedColumnError,
    UnknownValueError,
)
from tests.conftest import SEED

from .builders import Rows, valid_sheets, write_workbook

Sheets = dict[str, Rows]


def setting(sheet: str, row: int, column: int, value: object) -> Callable[[Sheets], None]:
    """A mutation: put ``value`` at Excel row ``row`` (1-based) and 0-based column index."""

    def mutate(sheets: Sheets) -> None:
        target = sheets[sheet][row - 1]
        target.extend([None] * (column + 1 - len(target)))
        target[column] = value

    return mutate


def dropping_sheet(sheet: str) -> Callable[[Sheets], None]:
    return lambda sheets: sheets.pop(sheet) and None


def dropping_column(sheet: str, column: int) -> Callable[[Sheets], None]:
    def mutate(sheets: Sheets) -> None:
        for row in sheets[sheet]:
            del row[column]

    return mutate


def appending(sheet: str, row: list[object]) -> Callable[[Sheets], None]:
    return lambda sheets: sheets[sheet].append(row)


def removing_row(sheet: str, row: int) -> Callable[[Sheets], None]:
    return lambda sheets: sheets[sheet].pop(row - 1) and None


# (case id, mutation, exception class, sheet, Excel row, column header or letter, found value)
CELL_CASES = [
    ("missing-column", dropping_column("预算", 3), MissingColumnError, "预算", 1, "执行数", None),
    ("misspelt-header", setting("指标", 1, 4, "指标名"), UnexpectedColumnError, "指标", 1, "指标名", "指标名"),
    ("duplicate-header", setting("任务", 1, 6, "资金"), UnexpectedColumnError, "任务", 1, "资金", "资金"),
    ("value-without-header", setting("预算", 3, 8, "备注"), UnexpectedColumnError, "预算", 3, "I", "备注"),
    ("amount-as-text", setting("预算", 2, 2, "1,415.43万元"), CellTypeError, "预算", 2, "预算数", "1,415.43万元"),
    ("approximate-amount", setting("任务", 2, 3, "约30"), CellTypeError, "任务", 2, "资金", "约30"),
    ("dash-for-amount", setting("预算", 3, 3, "—"), CellTypeError, "预算", 3, "执行数", "—"),
    ("weight-as-chinese", setting("指标", 4, 8, "十"), CellTypeError, "指标", 4, "分值", "十"),
    ("rate-with-words", setting("预算", 2, 5, "约98%"), CellTypeError, "预算", 2, "报告执行率", "约98%"),
    ("count-not-whole", setting("任务", 3, 4, 5.5), CellTypeError, "任务", 3, "报告指标数", "5.5"),
    ("claim-value-text", setting("文中数据", 3, 3, "6253万元"), CellTypeError, "文中数据", 3, "数值", "6253万元"),
    ("blank-indicator-name", setting("指标", 2, 4, None), CellTypeError, "指标", 2, "指标名称", None),
    ("unknown-category", setting("指标", 3, 2, "效果指标"), UnknownValueError, "指标", 3, "一级指标", "效果指标"),
    ("misspelt-dimension", setting("预算", 3, 0, "资金来原"), UnknownValueError, "预算", 3, "维度", "资金来原"),
    ("unknown-scope", setting("指标", 4, 1, "任务9"), UnknownValueError, "指标", 4, "范围", "任务9"),
    ("malformed-count-item", setting("文中数据", 2, 2, "指标计数:部门整体:全部"), UnknownValueError,
     "文中数据", 2, "事项", "指标计数:部门整体:全部"),
    ("fractional-count-claim", setting("文中数据", 2, 3, 10.5), CellTypeError, "文中数据", 2, "数值", "10.5"),
    ("duplicate-indicator-id", setting("指标", 3, 0, "1"), DuplicateIdError, "指标", 3, "编号", "1"),
    ("duplicate-task-id", setting("任务", 3, 0, "任务1"), DuplicateIdError, "任务", 3, "编号", "任务1"),
    ("duplicate-meta-field", appending("基本信息", ["年度", 2023, None]), DuplicateIdError,
     "基本信息", 7, "字段", "年度"),
    ("second-total-row", appending("预算", ["合计", "再合计", 1, 1, None, None, None]), TotalRowError,
     "预算", 5, "维度", None),
    ("negative-amount", setting("预算", 3, 3, -5), NegativeAmountError, "预算", 3, "执行数", "-5"),
    ("year-in-words", setting("基本信息", 3, 1, "二〇二二"), MetaError, "基本信息", 3, "值", "二〇二二"),
    ("year-out-of-range", setting("基本信息", 3, 1, 1899), MetaError, "基本信息", 3, "值", "1899"),
    ("unknown-amount-unit", setting("基本信息", 4, 1, "千元"), UnknownValueError, "基本信息", 4, "值", "千元"),
    ("blank-amount-unit", setting("基本信息", 4, 1, None), MetaError, "基本信息", 4, "值", None),
    ("unknown-report-kind", setting("基本信息", 5, 1, "项目"), UnknownValueError, "基本信息", 5, "值", "项目"),
    ("score-as-text", setting("基本信息", 6, 1, "98.39分"), CellTypeError, "基本信息", 6, "值", "98.39分"),
    ("bad-report-date", appending("基本信息", ["报告日期", "五月底", None]), MetaError,
     "基本信息", 7, "值", "五月底"),
]


@pytest.mark.parametrize(
    ("mutate", "error", "sheet", "row", "column", "found"),
    [pytest.param(*case[1:], id=case[0]) for case in CELL_CASES],
)
def test_malformed_cell_is_refused_with_its_place(
    tmp_path: Path,
    mutate: Callable[[Sheets], None],
    error: type[WorkbookError],
    sheet: str,
    row: int,
    column: str,
    found: str | None,
) -> None:
    sheets = valid_sheets()
    mutate(sheets)
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(error) as caught:
        load_report(path)
    exc = caught.value
    assert isinstance(exc, PerfevalError)
    assert (exc.sheet, exc.row, exc.column) == (sheet, row, column)
    message = str(exc)
    for part in ("bad.xlsx", f"工作表「{sheet}」", f"第 {row} 行", f"列「{column}」"):
        assert part in message
    if found is not None:
        assert found in message
    assert "expected" in message


@pytest.mark.parametrize(
    ("mutate", "sheet"),
    [
        pytest.param(dropping_sheet("指标"), "指标", id="no-kpi-sheet"),
        pytest.param(dropping_sheet("基本信息"), "基本信息", id="no-meta-sheet"),
        pytest.param(dropping_sheet("预算"), "预算", id="no-budget-sheet"),
    ],
)
def test_missing_required_sheet(tmp_path: Path, mutate: Callable[[Sheets], None], sheet: str) -> None:
    sheets = valid_sheets()
    mutate(sheets)
    path = write_workbook(tmp_path / "nosheet.xlsx", sheets)
    with pytest.raises(MissingSheetError) as caught:
        load_report(path)
    assert caught.value.sheet == sheet
    assert "nosheet.xlsx" in str(caught.value) and f"「{sheet}」" in str(caught.value)


def test_no_total_row_names_the_column(tmp_path: Path) -> None:
    sheets = valid_sheets()
    removing_row("预算", 2)(sheets)
    with pytest.raises(TotalRowError) as caught:
        load_report(write_workbook(tmp_path / "nototal.xlsx", sheets))
    assert (caught.value.sheet, caught.value.column) == ("预算", "维度")
    assert "no 合计 row" in str(caught.value)


def test_missing_required_meta_field(tmp_path: Path) -> None:
    sheets = valid_sheets()
    removing_row("基本信息", 2)(sheets)  # 部门
    with pytest.raises(MetaError) as caught:
        load_report(write_workbook(tmp_path / "nodept.xlsx", sheets))
    assert "部门" in str(caught.value) and caught.value.sheet == "基本信息"


def test_empty_header_row(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"][0] = [None] * 7
    with pytest.raises(MissingColumnError) as caught:
        load_report(write_workbook(tmp_path / "noheader.xlsx", sheets))
    assert (caught.value.sheet, caught.value.row) == ("预算", 1)


def _copy_seed(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(SEED, tmp_path / name))


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        pytest.param(lambda p: p / "absent.xlsx", "file not found", id="not-found"),
        pytest.param(lambda p: _copy_seed(p, "seed.xls"), "not an .xlsx", id="xls-suffix"),
        pytest.param(lambda p: _copy_seed(p, "seed.csv"), "not an .xlsx", id="csv-suffix"),
        pytest.param(lambda p: _file(p, "empty.xlsx", b""), "empty", id="empty"),
        pytest.param(
            lambda p: _file(p, "csv.xlsx", "维度,项目\n合计,1\n".encode()), "not an .xlsx workbook", id="csv-renamed"),
        pytest.param(lambda p: _file(p, "cut.xlsx", SEED.read_bytes()[:3000]), "cannot be read", id="truncated"),
    ],
)
def test_not_a_workbook(tmp_path: Path, make: Callable[[Path], Path], needle: str) -> None:
    path = make(tmp_path)
    with pytest.raises(NotAWorkbookError) as caught:
        load_report(path)
    assert needle in str(caught.value)
    assert path.name in str(caught.value)
    assert "fix" in str(caught.value) or "expected" in str(caught.value)


# ---- what is accepted -----------------------------------------------------------------


def test_valid_workbook_loads_every_row(tmp_path: Path) -> None:
    report = load_report(write_workbook(tmp_path / "ok.xlsx", valid_sheets()))
    assert len(report.budget) == 3 and len(report.kpis) == 3 and len(report.tasks) == 2
    assert list(report.kpis["category"]) == ["产出", "产出", "满意度"]
    assert report.kpis["weight"].tolist()[2] == Decimal(10)
    assert report.budget["excel_row"].tolist() == [2, 3, 4]


def test_optional_sheets_load_empty_with_columns(tmp_path: Path) -> None:
    sheets = valid_sheets()
    del sheets["任务"], sheets["文中数据"]
    sheets["指标"][3][1] = "部门整体"
    report = load_report(write_workbook(tmp_path / "lean.xlsx", sheets))
    assert report.tasks.empty and report.claims.empty
    assert list(report.tasks.columns) == [
        "task_id", "name", "implementer", "amount", "stated_indicators", "stated_met", "source", "excel_row"]
    assert list(report.claims.columns) == ["claim_id", "section", "item", "value", "unit", "source", "excel_row"]


def test_headers_with_stray_blanks_and_rate_as_text(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"][0][2] = " 预算数\u3000"
    sheets["预算"][1][5] = "98.25%"
    report = load_report(write_workbook(tmp_path / "blanks.xlsx", sheets))
    assert report.budget.loc[0, "stated_rate"] == Decimal("98.25")
    assert report.budget.loc[0, "budget"] == Decimal("1415.43")


def test_blank_rows_inside_a_sheet_keep_excel_row_numbers(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["指标"].insert(2, [None] * 12)
    report = load_report(write_workbook(tmp_path / "gap.xlsx", sheets))
    assert report.kpis["excel_row"].tolist() == [2, 4, 5]


def test_free_text_dimension_is_kept(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"].append(["重点项目", "工会工作经费", 50, 46.72, None, None, None])
    report = load_report(write_workbook(tmp_path / "free.xlsx", sheets))
    assert "重点项目" in set(report.budget["dimension"])


def test_other_meta_fields_are_kept(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["基本信息"].append(["联系人", "张三", None])
    report = load_report(write_workbook(tmp_path / "extra.xlsx", sheets))
    assert report.meta["联系人"] == "张三"
    assert report.meta["carryover"] is None
