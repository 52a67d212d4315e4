"""stated_changes is computed once per question and handed on: same tables as recomputing it each time."""

from __future__ import annotations

import pandas as pd
import pytest

from perfeval_utils.analyse import peers, series
from perfeval_utils.read.many import ReportSet, load_reports
from tests.conftest import DATA

TONGZHOU = "北京市通州区总工会"


@pytest.fixture(scope="module")
def data() -> ReportSet:
    return load_reports(DATA, progress=False)


def test_handing_on_the_changes_gives_the_same_tables(data: ReportSet) -> None:
    changes = series.stated_changes(data)
    pd.testing.assert_frame_equal(series.series(data, changes=changes), series.series(data))
    pd.testing.assert_frame_equal(peers.statements(data, changes=changes), peers.statements(data))
    pd.testing.assert_frame_equal(peers.peer_comparison(data, changes=changes), peers.peer_comparison(data))
    mine = changes[changes["department"] == TONGZHOU]
    pd.testing.assert_frame_equal(series.execution_by_year(data, TONGZHOU, changes=mine),
                                  series.execution_by_year(data, TONGZHOU))


def test_the_handed_on_changes_are_the_ones_used(data: ReportSet) -> None:
    """通州 2024 states a change of 319.38 万元 (2849.65 − 2530.27): without it, no derived 2023 figure."""
    with_change = series.execution_by_year(data, TONGZHOU)
    assert with_change["year"].tolist() == [2023, 2024]
    empty = series.stated_changes(data).iloc[0:0]
    without = series.execution_by_year(data, TONGZHOU, changes=empty)
    assert without["year"].tolist() == [2024]


def test_differences_computes_the_stated_changes_once(data: ReportSet, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = peers.stated_changes

    def counting(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(peers, "stated_changes", counting)
    text = peers.differences(data)
    assert len(calls) == 1
    assert TONGZHOU in text
