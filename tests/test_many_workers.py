"""load_reports with worker processes gives exactly what one process gives (#17.3).

Speed is measured in benchmarks/ (``python -m benchmarks``), never here: these tests only check
that the parallel path returns the same set, the same errors (class, fields, message naming the
file), counts files on the progress bar, and picks processes only where they pay.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from perfeval_utils import WorkbookError, load_report
from perfeval_utils.read import many
from perfeval_utils.read.many import ReportSet, load_reports
from perfeval_utils.read.workbook import REPORT_SHEETS
from tests.builders import valid_sheets, write_workbook

ROOT = Path(__file__).resolve().parents[1]
FRAMES = ("reports", "budget", "kpis", "tasks", "claims", "rules", "conversions", "errors")


def _workbooks(folder: Path) -> Path:
    """Six good workbooks (two in 元), one with a text amount and one empty file."""
    for year in range(2018, 2024):
        sheets = valid_sheets()
        meta = {row[0]: row for row in sheets["基本信息"][1:]}
        meta["年度"][1] = year
        meta["金额单位"][1] = "元" if year % 3 == 0 else "万元"
        write_workbook(folder / f"{year}.xlsx", sheets)
    bad = valid_sheets()
    {row[0]: row for row in bad["基本信息"][1:]}["年度"][1] = 2030
    bad["预算"][1][2] = "1,415.43万元"
    write_workbook(folder / "bad-amount.xlsx", bad)
    (folder / "empty.xlsx").write_bytes(b"")
    return folder


def _assert_same(one: ReportSet, other: ReportSet) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name), check_exact=True)
    assert [r.path for r in one.originals] == [r.path for r in other.originals]
    assert [r.meta for r in one.originals] == [r.meta for r in other.originals]


def test_two_processes_give_the_same_set_as_one_including_collected_errors(tmp_path: Path) -> None:
    """8 files: 6 load (frames stacked, 元 converted), 2 fail; both ways agree cell for cell."""
    folder = _workbooks(tmp_path)
    alone = load_reports(folder, on_error="collect", workers=1)
    shared = load_reports(folder, on_error="collect", workers=2)
    _assert_same(alone, shared)
    assert len(shared.reports) == 6 and sorted(shared.errors["file"]) == ["bad-amount.xlsx", "empty.xlsx"]
    bad = shared.errors.set_index("file").loc["bad-amount.xlsx"]
    assert (bad["error"], bad["sheet"], bad["row"], bad["column"]) == ("CellTypeError", "预算", 2, "预算数")


def test_the_real_data_folder_loads_identically_in_processes() -> None:
    """data/ (the seed and nine reference reports) through two processes equals one process."""
    _assert_same(load_reports(ROOT / "data", workers=1), load_reports(ROOT / "data", workers=2))


def test_an_error_in_a_worker_is_raised_with_its_class_fields_and_file(tmp_path: Path) -> None:
    """The first bad file in order (bad-amount.xlsx sorts first) is raised as in one process."""
    folder = _workbooks(tmp_path)
    with pytest.raises(WorkbookError) as alone:
        load_reports(folder, workers=1)
    with pytest.raises(WorkbookError) as shared:
        load_reports(folder, workers=2)
    assert type(shared.value) is type(alone.value)
    assert str(shared.value) == str(alone.value) and "bad-amount.xlsx" in str(shared.value)
    assert (shared.value.sheet, shared.value.row, shared.value.column) == ("预算", 2, "预算数")


def test_the_progress_bar_counts_files_with_processes(tmp_path: Path, capsys) -> None:
    folder = _workbooks(tmp_path)
    load_reports(folder, on_error="collect", progress=True, workers=2)
    assert "8/8" in capsys.readouterr().err


def test_processes_only_for_more_than_a_few_dozen_files_unless_asked() -> None:
    assert many._worker_count(None, 10) == 1
    assert many._worker_count(None, many.PARALLEL_MIN_FILES) >= 1
    assert many._worker_count(1, 1000) == 1
    assert many._worker_count(4, 3) == 3  # never more processes than files


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_worker_count_that_is_not_a_positive_whole_number_is_refused(bad: object, tmp_path: Path) -> None:
    with pytest.raises(many.PerfevalError, match="workers"):
        load_reports(tmp_path, workers=bad)  # type: ignore[arg-type]


def _assert_same_report(built, loaded) -> None:
    assert (built.path, built.meta, built.meta_sources, built.warnings) == (
        loaded.path, loaded.meta, loaded.meta_sources, loaded.warnings)
    for sheet in REPORT_SHEETS:
        pd.testing.assert_frame_equal(getattr(built, sheet.name), getattr(loaded, sheet.name), check_exact=True)
        assert list(getattr(built, sheet.name).dtypes) == list(getattr(loaded, sheet.name).dtypes)


@pytest.mark.parametrize("workers", [1, 2])
def test_each_report_of_a_set_equals_the_one_load_report_gives(tmp_path: Path, workers: int) -> None:
    """The set's reports are built from its stacked rows when asked for: each equals load_report's,
    frame for frame and column type for column type, also for the workbooks in 元 and with the
    monitoring sheets (data/examples holds those)."""
    folder = _workbooks(tmp_path)
    monitoring = ROOT / "data" / "examples" / "huangpu-zonggonghui-2022-monitoring.xlsx"
    for source in [*ROOT.joinpath("data", "reference").glob("*.xlsx"), monitoring]:
        (folder / source.name).write_bytes(source.read_bytes())
    report_set = load_reports(folder, on_error="collect", workers=workers)
    assert len(report_set.originals) == len(report_set.reports) == 16
    assert any(len(r.monitoring_kpis) for r in report_set.originals)
    for built in report_set.originals:
        _assert_same_report(built, load_report(built.path))


def test_a_report_is_built_once_and_only_when_asked_for(tmp_path: Path) -> None:
    report_set = load_reports(_workbooks(tmp_path), on_error="collect", workers=1)
    reports = report_set.originals
    assert reports._built == [None] * 6
    first = report_set.report(reports.keys[2][0], reports.keys[2][1])
    assert sum(r is not None for r in reports._built) == 1 and reports[2] is first
    assert reports[-1] is reports[5] and len(reports[1:3]) == 2
    with pytest.raises(IndexError):
        reports[6]
