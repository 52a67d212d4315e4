"""Paths and fixtures every test file shares: one definition of where the data is, the seed loaded once.

Test modules import the constants (``from tests.conftest import SEED``) and take the fixtures by
name. ``seed_report`` is shared by the whole session, so a test that takes it must only read it
(frames and meta are mutable objects): a test that changes a report builds its own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from perfeval_utils import load_report
from perfeval_utils.report import Report

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
#: The seed: 广州市黄埔区总工会（广州开发区总工会） 2022, transcribed from SEED_TEXT.
SEED = DATA / "huangpu-zonggonghui-2022.xlsx"
SEED_TEXT = ROOT / "seeds" / "2022_黄埔区总工会_部门整体支出绩效自评报告.txt"
#: The nine real reports as v1 workbooks.
REFERENCE = DATA / "reference"
#: Their reference figures as JSON, beside the repository (``../shared/reference``).
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


def reference_workbooks() -> list[Path]:
    """Every workbook in data/reference, in name order."""
    return sorted(REFERENCE.glob("*.xlsx"))


def all_workbooks() -> list[Path]:
    """The seed first, then the reference workbooks: every workbook the repository ships."""
    return [SEED, *reference_workbooks()]


@cache
def load_seed() -> Report:
    """The seed report, loaded once; for hypothesis tests, which cannot take function-scoped fixtures."""
    return load_report(SEED)


@pytest.fixture(scope="session")
def seed_report() -> Report:
    """The seed report, shared by every test that only reads it."""
    return load_seed()
