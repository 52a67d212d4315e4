"""Red flags: patterns in a self-evaluation that should put it near the top of a re-check pile (自评复核).

A flag is a reason to look, not a verdict. Each rule, its threshold, its severity and the reason
for that severity are here, in one place (:data:`RULES`; thresholds in :class:`Thresholds`), and
docs/review.md prints the same table for a bureau to publish. Severity: 3 高 (the figures
contradict the report's own conclusion), 2 中 (a figure does not follow, or a value looks written
after the fact), 1 低 (worth a question). Each rule belongs to a *family* of evidence; the ranking
counts families, not rules, so two rules that read the same figures do not count twice.

The ranking (:func:`review_priority`) orders by the gravest flag, then the number of independent
families of evidence, then the money at stake (the 合计 budget on 万元), and says in one sentence
per report why it stands where it does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from perfeval_utils.analyse.budget import execution
from perfeval_utils.analyse.indicators import indicators
from perfeval_utils.cells import match_key
from perfeval_utils.check.reconcile import reconcile
from perfeval_utils.read.many import UNIT_FACTORS, to_common_unit
from perfeval_utils.report import Report

SEVERITY_LABEL = {3: "高", 2: "中", 1: "低"}
COLUMNS = ["department", "year", "flag", "severity", "evidence", "source", "file"]
EXPLANATION_FIELD = "执行偏差说明"
#: Reconcile kinds and the severity of a failed check of that kind.
CHECK_SEVERITY = {"rate": 2, "sum": 2, "carryover": 2, "change": 2, "count": 2, "status": 2, "score": 2,
                  "units": 1, "rule": 1}
#: 偏差原因 texts that give no reason (compared after match_key and without end punctuation).
NO_REASON = frozenset({"无", "暂无", "无偏差", "没有", "不适用", "/", "-", "—", "——", "n/a", "na", "无原因"})


@dataclass(frozen=True)
class Rule:
    """One flag: its Chinese name, severity, family of evidence and why it has that severity."""

    name: str
    severity: int
    family: str
    why: str


#: Every flag, in the order docs/review.md lists them. ``severity`` is the highest the rule gives.
RULES: dict[str, Rule] = {
    "spent_little_achieved_all": Rule(
        "花钱很少却全部完成", 3, "执行",
        "执行不到预算的三分之一而每个数量指标都完成（3）：钱与产出的说法互相矛盾；执行低于 80% 而全部完成为 2"),
    "rate_contradicts_amounts": Rule(
        "执行率与金额矛盾", 3, "执行",
        "报告执行率与执行数 ÷ 预算数相差超过 3 个百分点：报告的第一个数就错了，而不是舍入之差"),
    "low_execution_unexplained": Rule(
        "执行偏低未说明", 2, "执行", "执行率低于 90% 而未记录执行偏差说明：要求说明的地方没有说明"),
    "actual_is_target": Rule(
        "实现值写成目标", 2, "数值", "实现值带 ≥、≤ 等比较符，是目标的写法而不是实测值"),
    "actual_same_text": Rule(
        "实现值照抄预期值", 1, "数值", "实现值与预期值文字完全相同：常常确实完成，但值得问一句怎么测的"),
    "all_on_target": Rule(
        "全部恰好完成", 2, "数值", "至少 3 个可比较的指标全部恰为 100%：实测很少每项都正好等于目标"),
    "target_far_exceeded": Rule(
        "大幅超额", 1, "目标设定", "完成率超过 130%：目标可能定得偏低，不是造假的证据"),
    "unmet_without_reason": Rule(
        "未完成无原因", 2, "原因", "未完成的指标没有偏差原因，或原因只写「无」：自评要求说明而未说明"),
    "score_not_earned": Rule(
        "未完成却得满分", 3, "评分", "未达到目标的指标得了满分：分数与报告自己的数值矛盾"),
    "score_lost_when_met": Rule(
        "完成却扣分", 1, "评分", "已达到目标却扣分：对自评者不利，多为笔误"),
    "total_unreachable": Rule(
        "总分超过可得", 3, "评分", "自评得分高于所列分值最多可得：总分不可能成立"),
    "weights": Rule(
        "分值不合 100", 2, "评分", "分值之和不是 100 分，或得分之和不等于自评得分"),
    "inconsistent": Rule(
        "数字不自洽", 2, "勾稽", "报告所述合计、结余、增减、个数不能由自身数字得出（核对规则与单位问题为 1）"),
    "unreadable": Rule(
        "无法读取", 3, "读取", "工作簿无法读取：什么都不能核对，必须人工看原件"),
    # mid-year monitoring (perfeval_utils.check.monitoring, its FLAGS): only workbooks with 监控 sheets
    "execution_behind_unexplained": Rule(
        "执行滞后未说明原因", 2, "监控", "截止日执行进度落后时间进度而未说明原因：要求说明的地方没有说明"),
    "unspent_without_remedy": Rule(
        "预计结余无纠偏措施", 2, "监控", "预计全年有结余却没有纠偏措施：问题已知而无对策"),
    "doubtful_without_remedy": Rule(
        "可能完不成无纠偏措施", 2, "监控", "指标可能完不成却没有纠偏措施：问题已知而无对策"),
    "behind_but_certain": Rule(
        "进度滞后却称确定能完成", 3, "监控", "进度明显落后时间却称确定能完成：说法与自己的数字矛盾"),
    "forecast_far_above_target": Rule(
        "预计远超目标", 1, "目标设定", "年中预计完成远超年度目标：目标可能定得偏低"),
    "certain_but_unmet": Rule(
        "称确定能完成却未完成", 3, "监控", "年中称确定能完成，年终却未完成：监控时的判断与结果矛盾"),
    # cross-report evidence (perfeval_utils.check.cross): what one report alone cannot show
    "on_target_vs_peers": Rule(
        "恰好完成远多于同批", 2, "同批比较",
        "几乎全部指标恰为 100%，而同批其他单位的中位比例低得多：样本足够时才判断"),
    "round_rates": Rule(
        "百分比多为整数", 1, "数值", "所报百分比几乎都是 5 的整数倍：像估计而非计算所得"),
    "shared_text": Rule(
        "文字与他单位雷同", 1, "文本雷同", "偏差原因或指标文字与另一单位一字不差：可能照抄，也可能是统一模板"),
    "target_repeats_last_actual": Rule(
        "目标等于上年实际", 1, "目标设定", "多数指标今年的目标恰为上年的实现值：目标没有挑战性"),
}


def rule_of(flag: str) -> Rule:
    """The rule of a flag; a flag another module adds without registering in :data:`RULES` is its own family."""
    return RULES.get(flag) or Rule(flag, 1, flag, "")


@dataclass(frozen=True)
class Thresholds:
    """Every threshold a flag uses, in percent (``rate_points`` in percentage points)."""

    low_execution: Decimal = Decimal(80)
    grave_execution: Decimal = Decimal(100) / Decimal(3)
    explain_below: Decimal = Decimal(90)
    over_achievement: Decimal = Decimal(130)
    rate_points: Decimal = Decimal(3)
    min_parts: int = 3


DEFAULT = Thresholds()


@dataclass(frozen=True)
class Flag:
    flag: str
    severity: int
    evidence: str
    source: str = ""


def _mask(frame: pd.DataFrame, values: list[bool]) -> pd.Series:
    """A boolean row mask (a plain empty list would select columns, not rows)."""
    return pd.Series(values, index=frame.index, dtype=bool)


def _rate(report: Report) -> Decimal | None:
    total = execution(report).iloc[0]
    return total["rate"] if total["rate"] is not None else total["stated_rate"]


def _join_sources(values: Iterable[object]) -> str:
    return "；".join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


def no_reason(text: object) -> bool:
    """A blank 偏差原因, or one that says nothing (无, 暂无, /, —)."""
    if not isinstance(text, str):
        return True
    return match_key(text).rstrip("。.;；,，") in NO_REASON | {""}


def _execution_flags(report: Report, parts: pd.DataFrame, limits: Thresholds) -> list[Flag]:
    rate = _rate(report)
    flags = []
    if rate is None:
        return flags
    shown = rate.quantize(Decimal("0.01"))
    quantity = parts[parts["target"].notna() & parts["met"].notna()]
    source = _join_sources(execution(report)["source"].head(1))
    if rate < limits.low_execution and len(quantity) and bool(quantity["met"].all()):
        grave = rate < limits.grave_execution
        share = "不到预算的三分之一" if grave else f"低于 {limits.low_execution}%"
        flags.append(Flag("spent_little_achieved_all", 3 if grave else 2,
                           f"预算执行率仅 {shown}%（{share}），而 {len(quantity)} 个数量指标全部完成", source))
    if rate < limits.explain_below and not report.meta.get(EXPLANATION_FIELD):
        flags.append(Flag("low_execution_unexplained", 2,
                           f"预算执行率 {shown}% 低于 {limits.explain_below}%，"
                           f"工作簿未记录执行偏差说明（基本信息「{EXPLANATION_FIELD}」）", source))
    return flags


def _value_flags(report: Report, parts: pd.DataFrame, limits: Thresholds) -> list[Flag]:
    flags = []
    bound = parts[parts["review"].fillna("").str.contains("比较符")]
    if len(bound):
        ids = "、".join(dict.fromkeys(f"指标{i}" for i in bound["indicator_id"]))
        example = bound.iloc[0]["actual_text"]
        flags.append(Flag("actual_is_target", 2, f"{ids}的实现值写成了目标形式（如「{example}」），不是实测值",
                           _join_sources(bound["source"])))
    kpis = report.kpis
    same = kpis[_mask(kpis, [isinstance(t, str) and isinstance(a, str) and t.strip() == a.strip()
                             for t, a in zip(kpis["target_text"], kpis["actual_text"], strict=True)])]
    same = same[~same["indicator_id"].isin(bound["indicator_id"])]
    if len(same):
        ids = "、".join(f"指标{i}" for i in same["indicator_id"])
        flags.append(Flag("actual_same_text", 1, f"{ids}的实现值与预期值文字完全相同（共 {len(same)} 个）",
                           _join_sources(same["source"])))
    comparable = parts[parts["completion"].notna()]
    if len(comparable) >= limits.min_parts and all(c == 100 for c in comparable["completion"]):
        flags.append(Flag("all_on_target", 2, f"全部 {len(comparable)} 个可比较的指标完成率恰为 100%",
                           _join_sources(comparable["source"])))
    over = comparable[_mask(comparable, [c > limits.over_achievement for c in comparable["completion"]])]
    if len(over):
        listed = "、".join(f"指标{row.indicator_id}{row.label or row.name} {row.completion}%"
                           for row in over.itertuples(index=False))
        flags.append(Flag("target_far_exceeded", 1,
                           f"完成率超过 {limits.over_achievement}%：{listed}（目标可能偏低）",
                           _join_sources(over["source"])))
    unmet = parts[_mask(parts, [met is False and no_reason(reason)
                                for met, reason in zip(parts["met"].astype(object), parts["reason"], strict=True)])]
    if len(unmet):
        ids = "、".join(dict.fromkeys(
            f"指标{i}「{n}」" + ("" if not isinstance(r, str) else f"（原因写作「{r}」）")
            for i, n, r in zip(unmet["indicator_id"], unmet["name"], unmet["reason"], strict=True)))
        flags.append(Flag("unmet_without_reason", 2, f"未完成却未说明原因：{ids}", _join_sources(unmet["source"])))
    return flags


def _score_flags(report: Report, parts: pd.DataFrame) -> list[Flag]:
    flags = []
    met_by_id: dict[str, bool | None] = {
        indicator_id: None if group["met"].isna().any() else bool(group["met"].all())
        for indicator_id, group in parts.groupby("indicator_id")}
    for row in report.kpis.itertuples(index=False):
        if row.weight is None or row.score is None or pd.isna(row.weight) or pd.isna(row.score):
            continue
        met = met_by_id.get(row.indicator_id)
        if met is False and row.score >= row.weight:
            evidence = (f"指标{row.indicator_id}「{row.name}」未达到目标（预期「{row.target_text}」，"
                        f"实现「{row.actual_text}」）却得满分 {row.score} 分")
            flags.append(Flag("score_not_earned", 3, evidence, row.source))
        elif met is True and row.score < row.weight:
            flags.append(Flag("score_lost_when_met", 1, f"指标{row.indicator_id}「{row.name}」已达到目标，"
                               f"却只得 {row.score} 分（分值 {row.weight} 分）", row.source))
    weights = [w for w in report.kpis["weight"] if w is not None and not pd.isna(w)]
    stated = report.meta.get("self_score")
    if weights and stated is not None:
        reachable = sum(weights, Decimal(0)) + (report.meta.get("execution_weight") or Decimal(0))
        if stated > reachable:
            flags.append(Flag("total_unreachable", 3, f"自评得分 {stated} 分，高于所列分值最多可得的 {reachable} 分",
                               report.meta_sources.get("self_score") or ""))
    return flags


def _check_flags(report: Report, limits: Thresholds) -> list[Flag]:
    checks = reconcile(report)
    failed = checks[checks["ok"].eq(False).fillna(False)]
    flags = []
    for row in failed.itertuples(index=False):
        if row.kind == "rate" and row.difference is not None and abs(row.difference) > limits.rate_points:
            flags.append(Flag("rate_contradicts_amounts", 3,
                               f"{row.finding.rstrip('。')}，相差 {abs(row.difference)} 个百分点，"
                               f"超过 {limits.rate_points} 个",
                               row.source))
            continue
        name = "weights" if row.kind == "score" and "分值之和" in row.description else "inconsistent"
        flags.append(Flag(name, CHECK_SEVERITY.get(row.kind, 1), row.finding, row.source))
    return flags


def report_flags(report: Report, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """Every flag of one report, one row each."""
    parts = indicators(report)
    found = [*_execution_flags(report, parts, thresholds), *_value_flags(report, parts, thresholds),
             *_score_flags(report, parts), *_check_flags(report, thresholds)]
    rows = [(report.department, report.year, f.flag, f.severity, f.evidence, f.source, report.path.name)
            for f in found]
    from perfeval_utils.check.monitoring import monitoring_flags  # 监控 sheets' flags (none without them)

    rows.extend(monitoring_flags(report).itertuples(index=False, name=None))
    return pd.DataFrame(rows, columns=COLUMNS)


def _reports_of(reports: object) -> tuple[list[Report], pd.DataFrame]:
    """A Report, a ReportSet (its originals and load errors) or an iterable of Reports."""
    if isinstance(reports, Report):
        return [reports], pd.DataFrame()
    originals = getattr(reports, "originals", None)
    if originals is not None:
        return list(originals), getattr(reports, "errors", pd.DataFrame())
    return list(reports), pd.DataFrame()  # type: ignore[call-overload]


def red_flags(reports: object, thresholds: Thresholds = DEFAULT, *, cross: bool = True) -> pd.DataFrame:
    """Every flag of every report (and one per workbook that could not be read), one row each.

    Given a ReportSet and ``cross``, the cross-report evidence of :mod:`perfeval_utils.check.cross`
    is added (it says nothing below its minimum sample sizes).
    """
    loaded, errors = _reports_of(reports)
    frames = [report_flags(report, thresholds) for report in loaded]
    if len(errors):
        file_column = "file" if "file" in errors.columns else errors.columns[0]
        message_column = "message" if "message" in errors.columns else errors.columns[-1]
        frames.append(pd.DataFrame(
            [(None, None, "unreadable", 3, f"工作簿无法读取：{msg}", "", str(name))
             for name, msg in zip(errors[file_column], errors[message_column], strict=True)], columns=COLUMNS))
    if cross and getattr(reports, "originals", None) is not None:
        from perfeval_utils.check.cross import cross_flags

        frames.append(cross_flags(reports))  # type: ignore[arg-type]
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=COLUMNS)
    frame["severity_label"] = frame["severity"].map(SEVERITY_LABEL)
    frame["family"] = frame["flag"].map(lambda f: rule_of(f).family)
    return frame


def rules_table() -> pd.DataFrame:
    """The rules as a table (flag, 名称, 最高严重程度, 证据类别, 理由), for the notebook and docs/review.md."""
    return pd.DataFrame([(key, r.name, SEVERITY_LABEL[r.severity], r.family, r.why) for key, r in RULES.items()],
                        columns=["flag", "名称", "最高严重程度", "证据类别", "理由"])


def budget_at_stake(report: Report) -> Decimal | None:
    """The 合计 budget (executed where no budget is stated) on 万元, exactly: the money at stake."""
    total = report.budget[report.budget["dimension"] == "合计"].iloc[0]
    amount = total["budget"] if total["budget"] is not None else total["executed"]
    if amount is None or pd.isna(amount):
        return None
    return to_common_unit(amount, UNIT_FACTORS[report.amount_unit])


PRIORITY_COLUMNS = ["rank", "department", "year", "file", "gravest", "gravest_label", "gravest_flag", "families",
                    "budget", "flags", "high", "weighted_severity", "kinds", "why"]


def review_priority(reports: object, thresholds: Thresholds = DEFAULT, *, cross: bool = True,
                    flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per report, most urgent first, each with the sentence ``why`` it stands there.

    Order: the gravest flag (``gravest``: 3 高 … 0 none), then ``families`` (independent families
    of evidence, :data:`RULES`), then ``budget`` (合计 on 万元, the money at stake; unknown last),
    then the file name. ``weighted_severity`` (each flag kind once, at its highest severity) and
    the counts are shown but do not order: many small flags never outrank one grave one.
    Reports without a flag are listed too, so the table covers the whole pile. Pass ``flags``
    (from :func:`red_flags`) to avoid computing them twice.
    """
    loaded, _ = _reports_of(reports)
    flags = red_flags(reports, thresholds, cross=cross) if flags is None else flags
    files = {report.path.name: report for report in loaded}
    by_file: dict[str, list[tuple[str, int]]] = {}
    for file, flag, severity in zip(flags["file"], flags["flag"], flags["severity"], strict=True):
        by_file.setdefault(file, []).append((flag, int(severity)))
    rows = []
    for file in [*files, *[f for f in by_file if f not in files]]:
        own = sorted(by_file.get(file, []), key=lambda pair: -pair[1])  # stable: gravest first, as listed
        highest: dict[str, int] = {}
        for flag, severity in own:
            highest[flag] = max(severity, highest.get(flag, 0))
        report = files.get(file)
        gravest = own[0][1] if own else 0
        rows.append({
            "department": report.department if report else None,
            "year": report.year if report else None,
            "file": file,
            "gravest": gravest,
            "gravest_label": SEVERITY_LABEL.get(gravest, "无"),
            "gravest_flag": own[0][0] if own else None,
            "families": len({rule_of(flag).family for flag in highest}),
            "budget": budget_at_stake(report) if report else None,
            "flags": len(own),
            "high": sum(1 for _, severity in own if severity == 3),
            # each kind of flag counts once, at its highest severity: ten failed sums are one pattern
            "weighted_severity": sum(highest.values()),
            "kinds": "、".join(highest),
        })
    table = pd.DataFrame(rows, columns=PRIORITY_COLUMNS[1:-1])
    table["_money"] = [-1.0 if b is None else float(b) for b in table["budget"]]
    table = table.sort_values(["gravest", "families", "_money", "file"], ascending=[False, False, False, True],
                              kind="stable").drop(columns="_money").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    table["why"] = [_why(table, at) for at in range(len(table))]
    return table


def _money(value: Decimal | None) -> str:
    return "预算未列" if value is None else f"预算 {value} 万元"


def _why(table: pd.DataFrame, at: int) -> str:
    """One sentence: what puts the report at its rank, and what puts it above the next one."""
    row = table.iloc[at]
    if row["gravest"] == 0:
        head = f"第 {row['rank']} 位：没有任何提示（{_money(row['budget'])}）"
    else:
        head = (f"第 {row['rank']} 位：最严重的提示为「{row['gravest_label']}」"
                f"（{rule_of(row['gravest_flag']).name}），{row['families']} 类独立证据，{_money(row['budget'])}")
    if at + 1 >= len(table):
        return head + "。"
    below = table.iloc[at + 1]
    if row["gravest"] > below["gravest"]:
        reason = f"排在第 {below['rank']} 位之前，因为后者最严重的提示只是「{below['gravest_label']}」"
    elif row["families"] > below["families"]:
        reason = f"与第 {below['rank']} 位同级，但证据类别更多（{row['families']} 对 {below['families']}）"
    elif row["gravest"] == 0 and row["budget"] != below["budget"]:
        reason = f"与第 {below['rank']} 位同样没有提示，涉及资金更多（对方{_money(below['budget'])}）"
    elif row["budget"] != below["budget"]:
        reason = (f"与第 {below['rank']} 位同级同类数，涉及资金更多"
                  f"（{_money(row['budget'])}，对方{_money(below['budget'])}）")
    else:
        reason = f"与第 {below['rank']} 位同级、同类数、同预算，按文件名排序"
    return f"{head}；{reason}。"


def evidence_text(priority: pd.DataFrame, flags: pd.DataFrame, top: int = 3) -> str:
    """The flags of the ``top`` reports of the priority table, one sentence each, with their 出处."""
    lines = []
    for row in priority.head(top).itertuples(index=False):
        own = flags[flags["file"] == row.file].sort_values("severity", ascending=False, kind="stable")
        lines.append(f"{row.file}：{row.why}")  # the file, not the 部门: the table above names the body
        if own.empty:
            lines.append("   无提示")
        for flag in own.itertuples(index=False):
            source = f"（出处：{flag.source}）" if flag.source else ""
            lines.append(f"   [{SEVERITY_LABEL[flag.severity]}] {flag.evidence}{source}")
    return "\n".join(lines)


def ranking_text(priority: pd.DataFrame) -> str:
    """The ranked list as plain text, one line per report: its sentence and its file (stable for nbval)."""
    return "\n".join(f"{row.why}（{row.file}）" for row in priority.itertuples(index=False))
