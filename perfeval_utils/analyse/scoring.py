"""Score and grade from the figures, under 财预〔2020〕10号-style rules.

A rubric is data (:class:`Rubric`), so a district's own can be passed in. The default gives
产出 50, 效益 30, 满意度 10 and the budget execution rate 10 points, split equally among a
category's indicators. Where the workbook states 分值 for every indicator, those weights are
used instead (and the execution line's points from 基本信息 预算执行率分值, else the rubric's).

Each indicator scores weight × min(completion, 100 %); an indicator with several parts uses
the mean of its parts' capped completions; a qualitative indicator scores by the table in
:mod:`perfeval_utils.analyse.indicators` (met 100 %, not met 0 %), and one that needs review scores
nothing and is listed, so the total is then a lower bound. The execution line scores
points × min(rate, 100 %). Weights are never tuned to reach a stated score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd

from perfeval_utils.analyse.budget import percentage, total_line
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.cells import is_blank
from perfeval_utils.report import Report

HUNDRED = Fraction(100)
EXECUTION_LINE = "预算执行率"
NOT_GRADED = "不评级"
#: Decimals shown in the score table; totals are computed exactly (fractions) before rounding.
TABLE_PLACES = "0.0001"


@dataclass(frozen=True)
class Rubric:
    """Points per 一级指标, for the execution rate, and the grade bands (lowest score of each grade)."""

    category_points: dict[str, Decimal] = field(
        default_factory=lambda: {"产出": Decimal(50), "效益": Decimal(30), "满意度": Decimal(10)}
    )
    execution_points: Decimal = Decimal(10)
    grades: tuple[tuple[Decimal, str], ...] = (
        (Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
    name: str = "默认（财预〔2020〕10号式：产出50、效益30、满意度10、预算执行率10）"


DEFAULT_RUBRIC = Rubric()


@dataclass(frozen=True)
class ScoreResult:
    """The per-line table (shown to 4 decimals), the exact total, the grade, and notes for the reader."""

    table: pd.DataFrame
    total: Decimal
    grade: str
    stated: Decimal | None
    weights_source: str
    notes: tuple[str, ...]
    exact: tuple[tuple[str, Fraction, Fraction], ...] = ()  # (category, weight, score) before rounding

    @property
    def difference(self) -> Decimal | None:
        return None if self.stated is None else self.total - self.stated

    def __repr__(self) -> str:
        """The total at the stated score's precision, the grade and the difference, not the whole table."""
        from perfeval_utils.present.display import score_text

        return score_text(self)

    def _repr_html_(self) -> str:
        """In a notebook: the headline figures, the notes, and the per-line table under Chinese headers."""
        from perfeval_utils.present.display import score_html

        return score_html(self)


def grade(total: Decimal, rubric: Rubric = DEFAULT_RUBRIC) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (or the rubric's bands)."""
    for lowest, name in rubric.grades:
        if total >= lowest:
            return name
    return rubric.grades[-1][1]


def _capped(completion: Decimal | None) -> Fraction | None:
    return None if completion is None else min(Fraction(completion), HUNDRED)


def _decimal(value: Fraction, places: str = TABLE_PLACES) -> Decimal:
    """A fraction as a Decimal rounded half up at ``places`` (exact until this point)."""
    quantum = Decimal(places)
    scaled = value / Fraction(quantum)
    whole = int(scaled)  # truncates toward zero
    if abs(scaled - whole) >= Fraction(1, 2):
        whole += 1 if scaled > 0 else -1
    return (Decimal(whole) * quantum).quantize(quantum)


def _weights(report: Report, per_indicator: pd.DataFrame, rubric: Rubric) -> tuple[dict[str, Fraction], str, list[str]]:
    """Weight of each indicator: the workbook's 分值 if every indicator has one, else the rubric's split."""
    notes: list[str] = []
    stated = dict(zip(report.kpis["indicator_id"], report.kpis["weight"], strict=True))
    if stated and all(not is_blank(w) for w in stated.values()):
        return {k: Fraction(v) for k, v in stated.items()}, "工作簿「分值」", notes
    if any(not is_blank(w) for w in stated.values()):
        notes.append("部分指标有分值、部分没有：分值不全，改用评分规则的平均分配")
    counts = per_indicator["category"].value_counts()
    stated_points = form_category_points(report)
    if stated_points:
        listed = "、".join(f"{c} {p}" for c, p in stated_points.items())
        notes.append(f"一级指标的分值取自报告（{listed}），其余类别按评分规则")
        rubric = replace(rubric, category_points={**rubric.category_points, **stated_points})
    scale = Fraction(1)
    stated_execution = report.meta.get("execution_weight")
    category_total = sum((Fraction(p) for p in rubric.category_points.values()), Fraction(0))
    if stated_execution is not None and Fraction(stated_execution) != Fraction(rubric.execution_points):
        scale = (HUNDRED - Fraction(stated_execution)) / category_total
        remaining = _decimal(HUNDRED - Fraction(stated_execution), "0.01")
        notes.append(f"报告给预算执行率 {stated_execution} 分：评分规则的类别分值按比例缩放到 {remaining} 分")
    weights: dict[str, Fraction] = {}
    for indicator_id, category in zip(per_indicator["indicator_id"], per_indicator["category"], strict=True):
        points = rubric.category_points.get(category)
        if points is None:
            notes.append(f"指标 {indicator_id} 的一级指标「{category}」在评分规则中没有分值，计 0 分")
            points = Decimal(0)
        weights[indicator_id] = Fraction(points) * scale / int(counts[category])
    missing = [c for c in rubric.category_points if c not in set(per_indicator["category"])]
    if missing:
        notes.append(f"没有 {'、'.join(missing)} 指标：这些类别的分值无人可得，满分不足 100")
    return weights, f"评分规则：{rubric.name}", notes


#: 文中数据 事项 in which a form states a category's points: the 一级指标 cell (``产出指标（50分）``) or a 小计 row.
_CATEGORY_POINTS = re.compile(r"^(?:一级指标分值|分值小计)（(.+)）$")


def form_category_points(report: Report) -> dict[str, Decimal]:
    """Points per 一级指标 as the form states them (first statement of each category wins)."""
    points: dict[str, Decimal] = {}
    for item, value in zip(report.claims["item"], report.claims["value"], strict=True):
        match = _CATEGORY_POINTS.match(str(item))
        if match and match.group(1) not in points:
            points[match.group(1)] = Decimal(value)
    return points


def score(report: Report, rubric: Rubric | None = None) -> ScoreResult:
    """Score each indicator and the execution rate, total them, grade, and compare with 自评得分.

    A workbook without indicators (a 决算 page) has nothing to score: its grade is
    :data:`NOT_GRADED` and the notes say why.
    """
    rubric = rubric or DEFAULT_RUBRIC
    parts = indicators(report)
    per_indicator = (
        parts.groupby("indicator_id", sort=False)
        .agg(name=("name", "first"), category=("category", "first"),
             completions=("completion_exact", list), reviews=("review", lambda r: [x for x in r if x]))
        .reset_index()
    )
    weights, weights_source, notes = _weights(report, per_indicator, rubric)
    rows = []
    for line in per_indicator.itertuples(index=False):
        capped = [_capped(c) for c in line.completions]
        weight = weights[line.indicator_id]
        if any(c is None for c in capped):
            completion, points = None, Fraction(0)
            notes.append(f"指标 {line.indicator_id}（{line.name}）无法计算完成率，未计分，需人工复核")
        else:
            completion = sum(capped, Fraction(0)) / len(capped)  # type: ignore[arg-type]
            points = weight * completion / HUNDRED
        rows.append({"line": f"{line.indicator_id} {line.name}", "category": line.category, "weight": weight,
                     "completion": completion, "score": points,
                     "stated_score": _stated_score(report, line.indicator_id)})
    execution_weight = Fraction(report.meta.get("execution_weight") or rubric.execution_points)
    total = total_line(report)
    rate = percentage(total["executed"], total["budget"])
    if rate is None and total["stated_rate"] is not None:
        rate = total["stated_rate"]
        notes.append("预算数或执行数未列，预算执行率按报告所述执行率计分")
    if rate is None:
        notes.append("预算执行率无法计算，执行率一项未计分")
    capped_rate = _capped(rate)
    rows.append({"line": EXECUTION_LINE, "category": EXECUTION_LINE, "weight": execution_weight,
                 "completion": capped_rate,
                 "score": Fraction(0) if capped_rate is None else execution_weight * capped_rate / HUNDRED,
                 "stated_score": report.meta.get("execution_score")})
    points_total = sum((r["score"] for r in rows), Fraction(0))
    weight_total = sum((r["weight"] for r in rows), Fraction(0))
    if weight_total != HUNDRED:
        notes.append(f"各项分值合计 {_decimal(weight_total, '0.01')}，不是 100")
    exact = tuple((r["category"], r["weight"], r["score"]) for r in rows)
    for row in rows:
        for column in ("weight", "completion", "score"):
            row[column] = None if row[column] is None else _decimal(row[column])
    table = pd.DataFrame(rows, columns=["line", "category", "weight", "completion", "score", "stated_score"])
    total = _decimal(points_total, "0.0001")
    stated = report.meta.get("self_score")
    if report.kpis.empty:
        notes.insert(0, "工作簿没有绩效指标：得分与等级无从重算")
        return ScoreResult(table, total, NOT_GRADED, stated, weights_source, tuple(notes), exact)
    return ScoreResult(table, total, grade(total, rubric), stated, weights_source, tuple(notes), exact)


def _stated_score(report: Report, indicator_id: str) -> Decimal | None:
    value = report.kpis.loc[report.kpis["indicator_id"] == indicator_id, "score"].iloc[0]
    return None if is_blank(value) else value


def _show(value: Decimal, places: str = "0.01") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def by_category(result: ScoreResult) -> pd.DataFrame:
    """Points scored against points available, per category (the execution line as its own)."""
    totals: dict[str, list[Fraction]] = {}
    for category, weight, points in result.exact:
        available, scored = totals.setdefault(category, [Fraction(0), Fraction(0)])
        totals[category] = [available + weight, scored + points]
    return pd.DataFrame(
        [(c, _decimal(a), _decimal(s), _decimal(a - s)) for c, (a, s) in totals.items()],
        columns=["category", "available", "scored", "lost"],
    )


def summary(result: ScoreResult) -> str:
    """The total, grade and the comparison with the stated score, in plain text (two decimals)."""
    if result.grade == NOT_GRADED:
        lines = [f"不重算得分：{result.notes[0]}"]
        lines.append("报告未列自评得分" if result.stated is None else f"报告自评得分 {result.stated} 分")
        return "\n".join(lines)
    lines = [f"重算得分 {_show(result.total)} 分，等级 {result.grade}（权重来源：{result.weights_source}）"]
    if result.stated is not None:
        lines.append(f"报告自评得分 {result.stated} 分；差 {_show(result.difference or Decimal(0))} 分")
    else:
        lines.append("报告未列自评得分")
    lines.extend(f"注：{note}" for note in result.notes)
    return "\n".join(lines)


def weights_statement(report: Report) -> str:
    """Say plainly whether the workbook publishes the weights needed to reproduce the stated score."""
    weights = [w for w in report.kpis["weight"] if not is_blank(w)]
    scores = [s for s in report.kpis["score"] if not is_blank(s)]
    n = len(report.kpis)
    if n and len(weights) == n:
        published = f"报告列出了全部 {n} 个指标的分值"
        published += f"和 {len(scores)} 个指标的得分" if scores else "，未列各指标得分"
        return published + "：重算按报告的分值进行，可逐项核对。"
    return (
        f"报告未列出指标分值（{n} 个指标中列出 {len(weights)} 个）"
        + ("，也未列各指标得分" if not scores else f"，列出 {len(scores)} 个得分")
        + "：重算只能按默认评分规则进行，无法精确复现报告的自评得分；差异如实列出，不调权重去凑。"
    )
