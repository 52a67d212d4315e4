"""Time one review round (flags, ranking, sample, template, export) on data/ and on a larger set.

The larger set is the real workbooks of data/ copied under invented department names (副本 1 …),
written to a temporary folder and never kept: it measures how the cross-report checks scale,
not anything about those bodies. Run from the repository root:

    python scripts/measure_review_round.py [copies]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfeval_utils.check.flags import red_flags, review_priority
from perfeval_utils.check.review import load_round, sample_for_review
from perfeval_utils.present.export import export_all
from perfeval_utils.present.review import write_review_template
from perfeval_utils.present.writer import write_workbook

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"  {label:<28} {time.perf_counter() - start:8.2f} s")
    return result


def round_on(folder: Path, out: Path) -> None:
    reports = timed("load_round", lambda: load_round(folder))
    print(f"  ({len(reports.originals)} reports)")
    found = timed("red_flags (with cross)", lambda: red_flags(reports))
    priority = timed("review_priority", lambda: review_priority(reports, flags=found))
    sample = timed("sample_for_review n=10", lambda: sample_for_review(reports, 10, seed=1, priority=priority))
    timed("write_review_template", lambda: write_review_template(reports, sample, out / "r.xlsx"))
    timed("export_all", lambda: export_all(reports, out / "export"))


def main(copies: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print("data/:")
        round_on(ROOT / "data", out)
        originals = load_round(ROOT / "data").originals
        big = out / "big"
        for copy in range(copies):
            for report in originals:
                meta = {**report.meta, "department": f"{report.department} 副本 {copy}"}
                write_workbook(dataclasses.replace(report, meta=meta), big / f"{copy}-{report.path.name}")
        print(f"{copies} copies of data/:")
        round_on(big, out)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
