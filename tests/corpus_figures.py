"""The bad-input corpus in figures: its size, the count by outcome, the worst time and the peak memory
of any case, each case judged in a capped child (tests/isolation.py) exactly as the tests do.

    .venv/bin/python -m tests.corpus_figures            # summary
    .venv/bin/python -m tests.corpus_figures --cases    # and one line per case

Times are wall-clock seconds of load_report in the child; memory is the child's peak resident size
(the whole process: interpreter, pandas, the load) and how much the load added to it.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from .bad_inputs import judge
from .bad_inputs_more import ALL_CASES, MORE
from .isolation import isolated


def figures(show_cases: bool = False) -> dict[str, object]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in ALL_CASES:
            target = Path(folder) / case.id
            target.mkdir()
            path = case.build(target)
            result = isolated(lambda path=path, case=case: {"outcome": judge(case, path)})
            rows.append((case.id, result))
            if show_cases:
                print(f"{case.id:45} {result.get('outcome', result['exit']):8} {result['seconds']:7.3f} s "
                      f"{result['peak_mb']:7.1f} MB peak {result['grew_mb']:7.1f} MB added")
    failed = [(case_id, r["exit"]) for case_id, r in rows if r["exit"] != "ok"]
    slowest = max(rows, key=lambda row: row[1]["seconds"])
    hungriest = max(rows, key=lambda row: row[1]["grew_mb"])
    return {
        "cases": len(rows),
        "new kinds": len(MORE),
        "by outcome": dict(Counter(r.get("outcome", "failed") for _, r in rows)),
        "worst time": (slowest[0], round(slowest[1]["seconds"], 3)),
        "peak memory": (hungriest[0], round(hungriest[1]["peak_mb"], 1), round(hungriest[1]["grew_mb"], 1)),
        "failed": failed,
    }


if __name__ == "__main__":
    summary = figures(show_cases="--cases" in sys.argv)
    for key, value in summary.items():
        print(f"{key}: {value}")
