"""Build data/examples/review-round-example.xlsx: a 复核 workbook with plainly invented re-check figures.

The sample is the real one (seed 2026, three reports of data/, the method of docs/review.md); the
self-evaluation's figures are the workbooks' own. Everything a reviewer would write — re-checked
actuals, scores, totals, notes — is made up to show the format and notebook 09, and says
示例数据（非公开数据） in the workbook's 复核说明 and in every note. Run from the repository root:

    python scripts/make_review_example.py
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from perfeval_utils.check.review import load_round, sample_for_review
from perfeval_utils.present.review import review_from_sample, write_review
from perfeval_utils.report import EXAMPLE_MARK

LABEL = EXAMPLE_MARK
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "examples" / "review-round-example.xlsx"
SEED, SIZE = 2026, 3
#: Invented points taken off each sampled report's total, in sample order.
INVENTED_CUTS = (Decimal("6.5"), Decimal("2"), Decimal("0"))


def main() -> Path:
    reports = load_round(ROOT / "data")
    sample = sample_for_review(reports, SIZE, seed=SEED)
    review = review_from_sample(reports, sample, {
        "复核批次": f"{LABEL}：演示复核工作簿格式与笔记本 09", "复核单位": f"{LABEL}：虚构的复核组",
        "复核日期": "2026-11-30", "数据说明": f"{LABEL}。复核实现值、复核得分、复核总分和意见均为虚构，"
        "只用于演示；自评数字取自 data/ 中的工作簿。"})
    indicators = review.indicators.copy()
    for at, row in enumerate(indicators.itertuples(index=False)):
        moved = at % 4 == 0  # every fourth indicator "moves"
        indicators.loc[at, "review_actual"] = f"{row.actual_text}（复核未见凭据）" if moved else row.actual_text
        if row.score is not None and row.weight is not None:
            indicators.loc[at, "review_score"] = max(row.score - 1, Decimal(0)) if moved else row.score
        indicators.loc[at, "review_note"] = (f"{LABEL}：虚构的复核说明，实现值未能核实" if moved
                                             else f"{LABEL}：虚构的复核说明，与自评一致")
    reports_frame = review.reports.copy()
    for at, row in enumerate(reports_frame.itertuples(index=False)):
        base = row.self_score if row.self_score is not None else Decimal(90)
        cut = INVENTED_CUTS[at % len(INVENTED_CUTS)]
        reports_frame.loc[at, "review_total"] = base - cut
        reports_frame.loc[at, "review_note"] = f"{LABEL}：虚构的复核意见，扣 {cut} 分"
    example = dataclasses.replace(review, path=OUT, reports=reports_frame, indicators=indicators)
    return write_review(example, OUT)


if __name__ == "__main__":
    print(main())
