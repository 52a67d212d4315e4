"""One blank test for every stage (cells.is_blank): what counts as "not stated", and what never does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from perfeval_utils.cells import is_blank, text_or_none
from perfeval_utils.report import Report

BLANK = [
    None, "", " ", "\t\n", "\u3000", "\xa0", "\u2028", "\u200b", " \u200b\u3000\ufeff ",
    float("nan"), np.float64("nan"), pd.NA, pd.NaT, np.datetime64("NaT"),
]
NOT_BLANK = [
    0, 0.0, -0.0, False, True, Decimal(0), Decimal("NaN"), "0", "-", "—", "/", "a", " 工会 ",
    dt.date(2022, 1, 1), dt.datetime(2022, 1, 1), float("inf"), [], [None], pd.Series([None]),
]


@pytest.mark.parametrize("value", BLANK, ids=repr)
def test_missing_markers_and_blank_text_are_blank(value: object) -> None:
    assert is_blank(value)
    assert text_or_none(value) is None


@pytest.mark.parametrize("value", NOT_BLANK, ids=repr)
def test_numbers_placeholders_dates_and_containers_are_not_blank(value: object) -> None:
    """A zero is a figure; a dash is a placeholder a reader decides about; a Decimal NaN is a bug to surface."""
    assert not is_blank(value)


def test_text_or_none_trims_blanks_and_invisible_characters() -> None:
    assert text_or_none(" 原因\u200b ") == "原因"
    assert text_or_none(1415.43) == "1415.43"


def test_blank_agrees_with_pandas_on_every_cell_of_the_loaded_seed(seed_report: Report) -> None:
    """Loaders leave no blank-only text in a frame: is_blank and pd.isna agree cell by cell."""
    checked = 0
    for frame in (seed_report.budget, seed_report.kpis, seed_report.tasks, seed_report.claims, seed_report.rules):
        for value in frame.to_numpy().ravel():
            assert is_blank(value) == bool(pd.isna(value)), repr(value)
            checked += 1
    assert checked > 200
