"""The bad-input corpus (tests/bad_inputs.py): every case's exact outcome, hostile files refused within
1 s and 200 MB, and amounts free of float artefacts. Decisions: docs/bad-inputs.md."""

from __future__ import annotations

import contextlib
import functools
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfeval_utils import PerfevalError, load_report
from perfeval_utils.cells import decimal_from_excel as _number_to_decimal
from perfeval_utils.read.package import scan_sheet
from perfeval_utils.report import WARNING_COLUMNS
from tests.conftest import ROOT, SEED

from .bad_inputs import CASES, Case, Loads, Raises, cell, entity_bomb, measure, valid_sheets, workbook_bytes, xlsx

DOC = ROOT / "docs" / "bad-inputs.md"
HOSTILE = [case for case in CASES if case.hostile]


def test_the_corpus_is_large_and_documented() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    doc = DOC.read_text(encoding="utf-8")
    missing = [case_id for case_id in ids if f"`{case_id}`" not in doc]
    assert not missing, f"docs/bad-inputs.md does not list {missing}"


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_each_bad_input_has_its_exact_outcome(case: Case, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    outcome = case.outcome
    if isinstance(outcome, Raises):
        with pytest.raises(PerfevalError) as caught:
            load_report(path)
        exc = caught.value
        assert type(exc) is outcome.error, f"{type(exc).__name__}: {exc}"
        assert (exc.sheet, exc.row, exc.column) == (outcome.sheet, outcome.row, outcome.column), str(exc)
        message = str(exc)
        assert path.name in message and outcome.needle in message, message
        for part, value in (("工作表「{}」", exc.sheet), ("第 {} 行", exc.row), ("列「{}」", exc.column)):
            if value is not None:
                assert part.format(value) in message
        assert "expected" in message or "fix" in message
        return
    assert isinstance(outcome, Loads)
    report = load_report(path)
    got = sorted((w.code, w.sheet, w.row, w.column) for w in report.warnings)
    assert got == sorted(outcome.warnings), [w.message for w in report.warnings]
    for warning in report.warnings:
        assert path.name in warning.message
    if outcome.check is not None:
        outcome.check(report)


# ---- hostile files ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {case.id: case.build(folder) for case in HOSTILE}


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in HOSTILE])
def test_hostile_file_is_refused_within_1s_and_200mb(case: Case, hostile_files: dict[str, Path]) -> None:
    """Measured in a fresh interpreter: the whole process stays under 200 MB (pandas included)."""
    figures = measure(hostile_files[case.id])
    assert isinstance(case.outcome, Raises)
    assert figures["outcome"] == case.outcome.error.__name__
    assert figures["seconds"] < 1.0, figures
    assert figures["rss_peak_mb"] < 200, figures
    assert figures["python_peak_mb"] < 50, figures


def test_openpyxl_refuses_the_entity_bomb_through_defusedxml(tmp_path: Path) -> None:
    """A second line of defence: wherever openpyxl parses a workbook, defusedxml is installed and used."""
    import openpyxl
    from defusedxml import DefusedXmlException

    assert openpyxl.DEFUSEDXML is True
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(entity_bomb())
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:  # openpyxl wraps the parser's error
        openpyxl.load_workbook(path)
    assert isinstance(caught.value.__cause__, DefusedXmlException), repr(caught.value.__cause__)
    assert time.perf_counter() - start < 1.0


def test_formulas_are_never_evaluated(tmp_path: Path) -> None:
    """A stale cached value (calculation set to manual) loads as stored: the formula is never computed."""
    build = xlsx("stale.xlsx", cell("任务", 2, 3, "=1+1"),
                 patches={"xl/worksheets/sheet4.xml": lambda xml: xml.replace(b"<f>1+1</f><v></v>",
                                                                            b"<f>1+1</f><v>46.72</v>")})
    report = load_report(build(tmp_path))
    assert report.tasks.loc[0, "amount"] == Decimal("46.72")
    assert [w.code for w in report.warnings] == ["formula"]
    assert "D2" in report.warnings[0].message and "=1+1" in report.warnings[0].message


def test_scan_finds_formulas_in_cells_without_addresses() -> None:
    """The r attribute is optional in OOXML; positions are then implied by order."""
    xml = (b'<worksheet><sheetData><row><c t="inlineStr"><is><t>a</t></is></c><c><f>1+1</f></c></row>'
           b'<row hidden="1"><c><v>1</v></c><c t="e"><v>#REF!</v></c></row></sheetData></worksheet>')
    scan = scan_sheet("x", "x.xml", xml)
    assert [(f.ref, f.formula, f.cached, f.error) for f in scan.formulas] == [
        ("B1", "1+1", None, False), ("B2", None, "#REF!", True)]
    assert scan.hidden_rows == {2}


# ---- warnings -------------------------------------------------------------------------------------------


def test_the_seed_loads_without_warnings() -> None:
    assert load_report(SEED).warnings == ()


def test_warnings_as_a_table(tmp_path: Path) -> None:
    build = xlsx("two.xlsx", cell("预算", 2, 3, 1500), post=lambda book: setattr(
        book["指标"].row_dimensions[3], "hidden", True))
    table = load_report(build(tmp_path)).warning_table()
    assert list(table.columns) == WARNING_COLUMNS
    assert table["code"].tolist() == ["hidden-rows", "executed-above-budget"]
    assert table["row"].tolist() == [3, 2]
    assert all(m.startswith("文件 two.xlsx, 工作表「") for m in table["message"])


# ---- float artefacts -------------------------------------------------------------------------------------


def test_amounts_sum_exactly_to_two_decimals(tmp_path: Path) -> None:
    """Cells 0.1, 0.2, 1319.92, 95.51 load as exact Decimals: their sums are exact (floats are not)."""
    sheets = valid_sheets()
    sheets["预算"] += [["经费", "甲", 0.1, 0.2, None, None, None], ["经费", "乙", 1319.92, 95.51, None, None, None]]
    path = tmp_path / "sums.xlsx"
    path.write_bytes(workbook_bytes(sheets))
    budget = load_report(path).budget.set_index("item")
    assert 0.1 + 0.2 != 0.3 and 1319.92 + 95.51 == 1415.43  # floats: sometimes right, never reliably
    assert budget.loc["甲", "budget"] + budget.loc["甲", "executed"] == Decimal("0.3")
    assert str(budget.loc["乙", "budget"] + budget.loc["乙", "executed"]) == "1415.43"
    column = [budget.loc["甲", "budget"]] * 10
    assert sum(column, Decimal(0)) == Decimal("1.0") and sum([0.1] * 10) != 1.0


@given(st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=50))
def test_wanyuan_amounts_to_two_decimals_round_trip_and_sum_exactly(cents: list[int]) -> None:
    """Any amount typed with two decimals (up to 10¹¹ 万元) loads as exactly that amount; sums are exact."""
    typed = [Decimal(c).scaleb(-2) for c in cents]
    loaded = [_number_to_decimal(float(t)) for t in typed]
    assert loaded == typed
    assert sum(loaded, Decimal(0)) == Decimal(sum(cents)).scaleb(-2)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_float_to_decimal_is_the_shortest_repr_up_to_15_digits(value: float) -> None:
    number = _number_to_decimal(value)
    shortest = repr(value)
    digits = len(Decimal(shortest).as_tuple().digits)
    if value.is_integer():
        assert number == int(value)
    elif digits <= 15:
        assert number == Decimal(shortest)
    else:  # binary noise beyond what Excel shows: rounded to 15 significant digits
        assert number == Decimal(format(value, ".15g"))


# ---- damaged files: nothing but a PerfevalError -------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _valid_workbook() -> bytes:
    return workbook_bytes(valid_sheets())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4),
       st.one_of(st.none(), st.floats(0.05, 1)))
def test_a_damaged_file_loads_or_raises_a_perfeval_error(tmp_path: Path, flips: list[tuple[float, int]],
                                                         cut: float | None) -> None:
    """Random bytes changed and the file cut anywhere: load_report loads or raises a PerfevalError, never else."""
    data = bytearray(_valid_workbook())
    for where, byte in flips:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: max(1, int(cut * len(data)))]
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    with contextlib.suppress(PerfevalError):
        load_report(path)
