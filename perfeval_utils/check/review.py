"""抽评 and 复核: choosing the self-evaluations to re-check, and what the re-checks show.

:func:`sample_for_review` draws the sample, in three steps a bureau can publish (docs/review.md):

1. **Certain.** Every report named in ``must_include`` and every report with a grave (高) flag is
   in the sample, whatever ``n`` (so the sample may be larger than ``n``).
2. **Allocation.** The ``m = n − certain`` remaining places go to the strata (``strata``: a column
   of ``report_set.reports`` such as ``report_kind``, or a mapping department or file → group;
   None is one stratum) in proportion to the reports left in each, by largest remainder (ties:
   stratum name), never more than a stratum holds.
3. **Draw.** Within a stratum, report *i* has weight ``wᵢ = 1 + weighted severity`` (each kind of
   flag once, at its highest severity) and inclusion probability ``πᵢ = mₕ·wᵢ / Σw`` (capped at 1,
   the excess spread again over the others). The reports are put in a random order
   (``numpy.random.default_rng(seed).permutation``) and one uniform start ``u`` in [0, 1) is
   drawn; report *i* is selected when an integer ``k`` has ``u + k`` in its slice of the
   cumulative πs (systematic sampling with probability proportional to size). Exactly ``mₕ``
   reports are selected and each with probability ``πᵢ``. Strata are drawn one after another, in
   the order of their names, from the one generator: the same seed gives the same sample.

:func:`review_gap` compares the re-checked scores of a review workbook
(:func:`perfeval_utils.read.review.load_review`) with the self-scores.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from perfeval_utils.cells import is_blank, match_key
from perfeval_utils.check.flags import DEFAULT, Thresholds, red_flags, review_priority, rule_of
from perfeval_utils.errors import PerfevalError, UnknownValueError
from perfeval_utils.read.many import ReportSet, UnknownDepartmentError, load_reports
from perfeval_utils.read.review import INDICATORS, REPORTS, Review

SAMPLE_COLUMNS = ["department", "year", "file", "stratum", "rank", "gravest_label", "weight", "probability",
                  "selected", "basis", "why"]
#: Basis of each row, in the order the table lists them.
BASES = ("指定必选", "高严重度提示", "随机抽取", "未抽中")
PROBABILITY_PLACES = Decimal("0.0001")


# ---- 抽评 ------------------------------------------------------------------------------------


def load_round(data_dir: str | Path, *, on_error: Literal["raise", "collect"] = "collect") -> ReportSet:
    """Every v1 workbook under ``data_dir`` (not examples/, the 示例数据) as a set for one review round.

    Workbooks that do not load are collected in ``errors`` (they become 无法读取 flags), not raised.
    """
    return load_reports(data_dir, on_error=on_error, progress=False)


def inclusion_probabilities(weights: list[int], m: int) -> list[Fraction]:
    """πᵢ = m·wᵢ/Σw, exactly; any π ≥ 1 is set to 1 and the rest share the remaining places."""
    probabilities: list[Fraction | None] = [None] * len(weights)
    left = list(range(len(weights)))
    places = min(m, len(weights))
    while left:
        total = sum(weights[i] for i in left)
        certain = [i for i in left if Fraction(places * weights[i], total) >= 1]
        if not certain:
            for i in left:
                probabilities[i] = Fraction(places * weights[i], total)
            break
        for i in certain:
            probabilities[i] = Fraction(1)
        places -= len(certain)
        left = [i for i in left if i not in certain]
    return [p if p is not None else Fraction(0) for p in probabilities]


def systematic_draw(probabilities: list[Fraction], rng: np.random.Generator) -> list[int]:
    """Systematic PPS in random order: the positions selected (each with its probability πᵢ)."""
    order = [int(i) for i in rng.permutation(len(probabilities))]
    start = Fraction(float(rng.random()))
    chosen, low = [], Fraction(0)
    for i in order:
        high = low + probabilities[i]
        k = -((start - high) // 1) - 1  # the largest integer k with start + k < high
        if k >= 0 and start + k >= low:
            chosen.append(i)
        low = high
    return sorted(chosen)


def _allocate(sizes: dict[str, int], m: int) -> dict[str, int]:
    """m places over strata in proportion to their sizes, by largest remainder (ties: name)."""
    total = sum(sizes.values())
    if total == 0 or m <= 0:
        return dict.fromkeys(sizes, 0)
    m = min(m, total)
    quotas = {h: Fraction(m * size, total) for h, size in sizes.items()}
    places = {h: int(q) for h, q in quotas.items()}
    for h in sorted(sizes, key=lambda h: (-(quotas[h] - places[h]), h))[: m - sum(places.values())]:
        places[h] += 1
    return places


def _stratum_of(report_set: ReportSet, strata: str | Mapping[str, str] | None) -> dict[str, str]:
    table = report_set.reports
    if strata is None:
        return dict.fromkeys(table["file"], "全部")
    if isinstance(strata, str):
        if strata not in table.columns:
            raise PerfevalError(f"strata={strata!r} is not a column of report_set.reports; "
                                f"fix: one of {', '.join(table.columns)} or a mapping department → group")
        return {f: "未列" if pd.isna(v) else str(v) for f, v in zip(table["file"], table[strata], strict=True)}
    found = {}
    for file, department in zip(table["file"], table["department"], strict=True):
        group = strata.get(file, strata.get(department))
        if group is None:
            raise PerfevalError(f"the strata mapping has no group for {department} ({file}); "
                                "fix: map every department or file to a group")
        found[file] = str(group)
    return found


def _must(report_set: ReportSet, names: Iterable[str]) -> set[str]:
    table = report_set.reports
    files = set()
    for name in names:
        hits = table[(table["file"] == name) | (table["department"] == name)]
        if hits.empty:
            raise UnknownDepartmentError(f"must_include names {name!r}, which is neither a file nor a department "
                                         "of the set; fix: spell it as the file name or the 基本信息 部门")
        files |= set(hits["file"])
    return files


def sample_for_review(report_set: ReportSet, n: int, *, seed: int, must_include: Iterable[str] = (),
                      strata: str | Mapping[str, str] | None = None, thresholds: Thresholds = DEFAULT,
                      priority: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 抽评 sample: one row per report of the set, the selected first, each saying why.

    ``probability`` is the chance the report had to be selected (1 for the certain ones);
    ``basis`` is 指定必选, 高严重度提示, 随机抽取 or 未抽中; ``why`` is a sentence. The method is
    the module's docstring; ``priority`` (from :func:`review_priority`) avoids recomputing flags.
    """
    if n < 0:
        raise PerfevalError(f"n={n}: the sample size must be ≥ 0")
    priority = review_priority(report_set, thresholds) if priority is None else priority
    priority = priority[priority["file"].isin(set(report_set.reports["file"]))]
    strata_of = _stratum_of(report_set, strata)
    named = _must(report_set, must_include)
    rows: dict[str, dict[str, Any]] = {}
    for row in priority.itertuples(index=False):
        rows[row.file] = {"department": row.department, "year": row.year, "file": row.file,
                          "stratum": strata_of[row.file], "rank": row.rank, "gravest_label": row.gravest_label,
                          "weight": 1 + int(row.weighted_severity), "gravest_flag": row.gravest_flag}
        if row.file in named:
            rows[row.file].update(basis=BASES[0], probability=Fraction(1))
        elif row.gravest == 3:
            rows[row.file].update(basis=BASES[1], probability=Fraction(1))
    certain = sum(1 for r in rows.values() if "basis" in r)
    rng = np.random.default_rng(seed)
    by_stratum: dict[str, list[str]] = {}
    for file, row in rows.items():
        if "basis" not in row:
            by_stratum.setdefault(row["stratum"], []).append(file)
    places = _allocate({h: len(files) for h, files in by_stratum.items()}, n - certain)
    for stratum in sorted(by_stratum):
        files = by_stratum[stratum]
        probabilities = inclusion_probabilities([rows[f]["weight"] for f in files], places[stratum])
        chosen = set(systematic_draw(probabilities, rng)) if places[stratum] else set()
        for at, file in enumerate(files):
            rows[file].update(basis=BASES[2] if at in chosen else BASES[3], probability=probabilities[at],
                              places=places[stratum], pool=len(files))
    records = [{**r, "why": _sample_why(r)} for r in rows.values()]
    table = pd.DataFrame(records, columns=[c for c in SAMPLE_COLUMNS if c != "selected"])
    table["selected"] = table["basis"] != BASES[3]
    table["probability"] = [Decimal(p.numerator) / Decimal(p.denominator) for p in table["probability"]]
    table["probability"] = [p.quantize(PROBABILITY_PLACES) for p in table["probability"]]
    table["_order"] = table["basis"].map(BASES.index)
    table = table.sort_values(["_order", "rank"], kind="stable").reset_index(drop=True)
    table.attrs.update(seed=seed, n=n, strata=strata if isinstance(strata, str | None) else "mapping")
    return table[SAMPLE_COLUMNS]


def _sample_why(row: dict[str, Any]) -> str:
    basis = row["basis"]
    if basis == BASES[0]:
        return "必选：按要求指定复核"
    if basis == BASES[1]:
        return f"必选：有高严重度提示（{rule_of(row['gravest_flag']).name}），复核优先顺序第 {row['rank']} 位"
    share = Decimal(row["probability"].numerator) / Decimal(row["probability"].denominator)
    text = (f"入选概率 {share.quantize(PROBABILITY_PLACES)}（权重 {row['weight']} = 1 + 提示加权 {row['weight'] - 1}；"
            f"「{row['stratum']}」层 {row['pool']} 份中抽 {row['places']} 份）")
    return ("抽中：按提示加权随机抽取，" if basis == BASES[2] else "未抽中：") + text


def selected(sample: pd.DataFrame) -> pd.DataFrame:
    """The rows of the sample that were selected."""
    return sample[sample["selected"]].reset_index(drop=True)


# ---- 复核 ------------------------------------------------------------------------------------


class ReviewMismatchError(UnknownValueError):
    """A review row that does not match the report set (another report, indicator or version)."""


@dataclass(frozen=True)
class ReviewGap:
    """Per report (``reports``), per moved indicator (``moved``) and across reports (``distribution``)."""

    reports: pd.DataFrame
    moved: pd.DataFrame
    distribution: pd.DataFrame
    note: str = ""


GAP_COLUMNS = ["department", "year", "file", "self_score", "rechecked", "basis", "difference", "moved",
               "moved_list", "total_agrees", "note"]
MOVED_COLUMNS = ["department", "year", "indicator_id", "name", "actual_text", "review_actual", "weight", "score",
                 "review_score", "change", "review_note"]


def _mismatch(review: Review, sheet: str, row: Any, column: str, problem: str, found: Any, fix: str) -> Exception:
    return ReviewMismatchError(problem, file=review.path, sheet=sheet, row=int(row), column=column, found=found,
                               expected="the figures of the report set's workbook", fix=fix)


def _check_against(report_set: ReportSet, review: Review) -> None:
    """Every reviewed report and indicator exists in the set and was prefilled from it."""
    for row in review.reports.itertuples(index=False):
        try:
            report = report_set.report(row.department, int(row.year))
        except UnknownDepartmentError:
            raise _mismatch(review, REPORTS.title, row.excel_row, "部门", f"no workbook for {row.department} "
                            f"{row.year} in the report set", f"{row.department} {row.year}",
                            "load the workbook of that report with the others") from None
        stated = report.meta.get("self_score")
        if not is_blank(row.self_score) and row.self_score != stated:
            raise _mismatch(review, REPORTS.title, row.excel_row, "自评得分",
                            f"自评得分 {row.self_score} but the workbook states {stated}", row.self_score,
                            "the review was prepared from another version of the workbook: write the template again")
        ids = set(report.kpis["indicator_id"])
        own = review.indicators[(review.indicators["department"] == row.department)
                                & (review.indicators["year"] == row.year)]
        for kpi in own.itertuples(index=False):
            if kpi.indicator_id not in ids:
                raise _mismatch(review, INDICATORS.title, kpi.excel_row, "编号",
                                f"指标 {kpi.indicator_id} is not in the workbook of {row.department} {row.year}",
                                kpi.indicator_id, "correct the 编号 or write the template again")


def _moved(review: Review) -> pd.DataFrame:
    rows = []
    for kpi in review.indicators.itertuples(index=False):
        score_moved = not is_blank(kpi.review_score) and (is_blank(kpi.score) or kpi.review_score != kpi.score)
        actual_moved = not is_blank(kpi.review_actual) and match_key(kpi.review_actual) != match_key(kpi.actual_text)
        if score_moved or actual_moved:
            change = kpi.review_score - kpi.score if score_moved and not is_blank(kpi.score) else None
            rows.append({c: getattr(kpi, c) for c in MOVED_COLUMNS if c != "change"} | {"change": change})
    return pd.DataFrame(rows, columns=MOVED_COLUMNS)


def _rechecked(row: Any, own: pd.DataFrame) -> tuple[Decimal | None, str, bool | None]:
    """The re-checked total (复核总分, else the sum of complete item scores), its basis, and agreement."""
    items = list(own["review_score"])
    execution = row.review_execution_score
    complete = len(items) > 0 and not any(is_blank(s) for s in items) and (
        not is_blank(execution) or is_blank(row.execution_weight))
    summed = sum(items, Decimal(0)) + (Decimal(0) if is_blank(execution) else execution) if complete else None
    if not is_blank(row.review_total):
        return row.review_total, "复核总分", None if summed is None else summed == row.review_total
    if summed is not None:
        return summed, "各项复核得分之和", None
    return None, "未复核", None


def review_gap(report_set: ReportSet, reviews: Review | Iterable[Review]) -> ReviewGap:
    """Self-score against re-checked score per report, the indicators that moved, the spread of differences.

    ``difference`` = re-checked − self-score (negative: the department scored itself higher than the
    re-check). A report without a 复核总分 is re-checked by the sum of its reviewer scores when every
    indicator (and the execution line, where it has points) has one; else it is listed as 未复核.
    """
    reviews = [reviews] if isinstance(reviews, Review) else list(reviews)
    rows, moved_frames = [], []
    for review in reviews:
        _check_against(report_set, review)
        moved = _moved(review)
        moved_frames.append(moved)
        for row in review.reports.itertuples(index=False):
            report = report_set.report(row.department, int(row.year))
            key = (review.indicators["department"] == row.department) & (review.indicators["year"] == row.year)
            rechecked, basis, agrees = _rechecked(row, review.indicators[key])
            stated = report.meta.get("self_score")
            own = moved[(moved["department"] == row.department) & (moved["year"] == row.year)]
            rows.append({
                "department": row.department, "year": int(row.year), "file": report.path.name, "self_score": stated,
                "rechecked": rechecked, "basis": basis,
                "difference": None if rechecked is None or stated is None else rechecked - stated,
                "moved": len(own),
                "moved_list": "；".join(_moved_text(m) for m in own.itertuples(index=False)),
                "total_agrees": agrees, "note": None if is_blank(row.review_note) else row.review_note,
            })
    table = pd.DataFrame(rows, columns=GAP_COLUMNS)
    moved = pd.concat(moved_frames, ignore_index=True) if moved_frames else pd.DataFrame(columns=MOVED_COLUMNS)
    return ReviewGap(table, moved, _distribution(table))


def round_gap(report_set: ReportSet, review_path: str | Path | None) -> ReviewGap:
    """review_gap of the review workbook at ``review_path`` for the reports the set holds; ``note`` says what is not.

    With None (no review yet) the gap is empty. Reports of the review that the set does not hold
    (another round, or a data folder that is a part of this one) are left out of the comparison
    and named in ``note``, which :func:`gap_text` prints; :func:`review_gap` itself refuses them.
    """
    table = pd.DataFrame(columns=GAP_COLUMNS)
    if review_path is None:
        return ReviewGap(table, pd.DataFrame(columns=MOVED_COLUMNS), _distribution(table),
                         "尚无复核结果：复核工作簿填好后，在参数中给出 review_path")
    from perfeval_utils.read.review import load_review

    review = load_review(review_path)
    held = set(zip(report_set.reports["department"], report_set.reports["year"], strict=True))
    keep = [(d, int(y)) in held for d, y in zip(review.reports["department"], review.reports["year"], strict=True)]
    absent = review.reports[[not k for k in keep]]
    note = "" if absent.empty else (
        f"复核工作簿 {review.path.name} 中有 {len(absent)} 份报告不在本批工作簿中，未作比较："
        + "、".join(f"{d} {y}" for d, y in zip(absent["department"], absent["year"], strict=True)))
    pairs = set(zip(review.reports[keep]["department"], review.reports[keep]["year"], strict=True))
    indicators = review.indicators[[(d, y) in pairs for d, y in zip(review.indicators["department"],
                                                                      review.indicators["year"], strict=True)]]
    kept = dataclasses.replace(review, reports=review.reports[keep], indicators=indicators)
    return dataclasses.replace(review_gap(report_set, kept), note=note)


def _moved_text(row: Any) -> str:
    if row.change is not None:
        return f"指标{row.indicator_id} 得分 {row.score}→{row.review_score}"
    if not is_blank(row.review_score):
        return f"指标{row.indicator_id} 复核得分 {row.review_score}"
    return f"指标{row.indicator_id} 实现值「{row.actual_text}」→「{row.review_actual}」"


def _distribution(table: pd.DataFrame) -> pd.DataFrame:
    """Across reports: how many were re-checked and how the differences spread (exact Decimals)."""
    values = sorted(d for d in table["difference"] if d is not None and not pd.isna(d))
    count = len(values)
    middle = statistics.median(values) if count else None
    rows = [
        ("复核报告数", len(table)), ("有差异可比的", count),
        ("复核低于自评", sum(1 for v in values if v < 0)), ("持平", sum(1 for v in values if v == 0)),
        ("复核高于自评", sum(1 for v in values if v > 0)),
        ("平均差（分）", None if not count else sum(values, Decimal(0)) / count),
        ("中位差（分）", middle), ("最小差（分）", values[0] if count else None),
        ("最大差（分）", values[-1] if count else None),
    ]
    return pd.DataFrame(rows, columns=["指标", "值"])


def review_round(report_set: ReportSet, n: int, *, seed: int, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                        pd.DataFrame]:
    """Flags, the priority table and the sample in one call (what notebook 09 shows first)."""
    flags = red_flags(report_set)
    priority = review_priority(report_set, flags=flags)
    return flags, priority, sample_for_review(report_set, n, seed=seed, priority=priority, **options)


def sample_text(sample: pd.DataFrame) -> str:
    """The sample as plain text: the selected reports with why, then how many were not drawn."""
    chosen = selected(sample)
    lines = [f"抽评样本 {len(chosen)} 份（共 {len(sample)} 份，种子 {sample.attrs.get('seed')}）："]
    lines += [f"{at}. {row.file}：{row.why}" for at, row in enumerate(chosen.itertuples(index=False), start=1)]
    rest = sample[~sample["selected"]]
    if len(rest):
        lines.append(f"未抽中 {len(rest)} 份，入选概率 {min(rest['probability'])}–{max(rest['probability'])}")
    return "\n".join(lines)


def gap_text(gap: ReviewGap) -> str:
    """Each reviewed report's self-score, re-checked score and difference, then the indicators that moved."""
    if gap.reports.empty:
        return gap.note or "复核工作簿中没有报告"
    lines = [gap.note] if gap.note else []
    for row in gap.reports.itertuples(index=False):
        if row.difference is None or pd.isna(row.difference):
            stated = "未列" if is_blank(row.self_score) else f"{row.self_score} 分"
            rechecked = "未复核" if row.rechecked is None else f"{row.rechecked} 分"
            lines.append(f"{row.file}：自评 {stated}，复核 {rechecked}，差额无从计算")
            continue
        lines.append(f"{row.file}：自评 {row.self_score} 分，复核 {row.rechecked} 分（{row.basis}），"
                     f"差 {row.difference:+} 分；变动指标 {row.moved} 个")
    return "\n".join(lines)
