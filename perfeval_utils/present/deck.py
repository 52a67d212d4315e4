"""A 16:9 PowerPoint deck for a review meeting (评审会): one slide, one message, the title states it.

Slides are made from the committed template ``templates/deck.pptx`` (``scripts/make_deck_template.py``)
and filled through its placeholders, so every slide has a real title (outline view, navigation,
screen readers) and the typeface comes from the theme: the theme's East Asian font is Microsoft
YaHei with the GB2312 charset, which PowerPoint, Keynote, LibreOffice and WPS replace by the
platform's Chinese sans where YaHei is missing (:data:`DECK_FONTS`); no run sets a font.
Every slide carries speaker notes: each figure on it, its 出处, and how it was computed.

Other modules add slides with :func:`add_picture_slide` / :func:`add_bullets_slide` from
:func:`add_extra_slides`, the one place a further slide is appended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from perfeval_utils.analyse.budget import execution
from perfeval_utils.analyse.indicators import indicators, shortfalls
from perfeval_utils.analyse.scoring import NOT_GRADED, score
from perfeval_utils.cells import is_blank
from perfeval_utils.check.reconcile import findings, reconcile
from perfeval_utils.read.workbook import Report

if TYPE_CHECKING:
    from pptx.presentation import Presentation
    from pptx.slide import Slide

    from perfeval_utils.read.many import ReportSet

TEMPLATE: Final = Path(__file__).resolve().parent / "templates" / "deck.pptx"
TITLE_LAYOUT: Final = "标题幻灯片"
PICTURE_LAYOUT: Final = "标题和图片"
BULLETS_LAYOUT: Final = "标题和要点"
PICTURE_IDX: Final = 13  # the picture placeholder of 标题和图片 (scripts/make_deck_template.py)
#: The theme's typeface and what replaces it where it is missing: Windows has YaHei; macOS PingFang SC;
#: Kylin/UOS and other Linux desktops Noto Sans CJK SC or Source Han Sans SC (chosen by the GB2312
#: charset and sans-serif PANOSE class the theme declares).
DECK_FONTS: Final = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC")
MAX_FINDINGS_ON_SLIDE: Final = 4


@dataclass(frozen=True)
class SlidePlan:
    """What one slide says: its title (the finding), a picture or lines, and the speaker notes."""

    title: str
    notes: tuple[str, ...]
    picture: Path | None = None
    lines: tuple[str, ...] = ()
    layout: str = PICTURE_LAYOUT


# ---- building blocks (also for other modules' slides) -------------------------------------


def new_deck() -> Presentation:
    """An empty deck on the committed template (16:9, theme fonts, three layouts)."""
    from pptx import Presentation

    return Presentation(str(TEMPLATE))


def _slide_layout(deck: Presentation, name: str) -> Any:
    return next(layout for layout in deck.slide_layouts if layout.name == name)


def _notes(slide: Slide, notes: Iterable[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(notes)


def _fill(frame: Any, lines: Sequence[str]) -> None:
    """One paragraph per line in a placeholder's text frame (style from the layout, not the run)."""
    frame.text = lines[0] if lines else ""
    for line in lines[1:]:
        frame.add_paragraph().text = line


def _text_slide(deck: Presentation, layout: str, title: str, lines: Sequence[str], notes: Iterable[str]) -> Slide:
    """A slide whose placeholder 1 (subtitle or body) holds the lines."""
    slide = deck.slides.add_slide(_slide_layout(deck, layout))
    slide.shapes.title.text = title
    _fill(slide.placeholders[1].text_frame, lines)
    _notes(slide, notes)
    return slide


def add_title_slide(deck: Presentation, title: str, lines: Sequence[str], notes: Iterable[str]) -> Slide:
    """The opening slide: title and subtitle placeholders."""
    return _text_slide(deck, TITLE_LAYOUT, title, lines, notes)


def add_picture_slide(deck: Presentation, title: str, image: str | Path | None, notes: Iterable[str]) -> Slide:
    """Title and a chart, scaled to fit the picture placeholder whole (never cropped), centred."""
    slide = deck.slides.add_slide(_slide_layout(deck, PICTURE_LAYOUT))
    slide.shapes.title.text = title
    holder = slide.placeholders[PICTURE_IDX]
    if image is None:
        holder.element.getparent().remove(holder.element)  # an empty placeholder would show its prompt
    else:
        box = (holder.left, holder.top, holder.width, holder.height)
        picture = holder.insert_picture(str(image))
        picture.crop_left = picture.crop_right = picture.crop_top = picture.crop_bottom = 0
        pixels_wide, pixels_high = picture.image.size
        scale = min(box[2] / pixels_wide, box[3] / pixels_high)
        picture.width, picture.height = int(pixels_wide * scale), int(pixels_high * scale)
        picture.left = box[0] + (box[2] - picture.width) // 2
        picture.top = box[1] + (box[3] - picture.height) // 2
        picture._element.nvPicPr.cNvPr.set("descr", f"图表：{title}")  # alt text for screen readers
    _notes(slide, notes)
    return slide


def add_bullets_slide(deck: Presentation, title: str, lines: Sequence[str], notes: Iterable[str]) -> Slide:
    """Title and up to a handful of points in the body placeholder."""
    return _text_slide(deck, BULLETS_LAYOUT, title, lines, notes)


# ---- what the slides say ------------------------------------------------------------------


def _pct_text(value: Decimal | None) -> str:
    return "无法计算" if value is None else f"{value.quantize(Decimal('0.01'))}%"


def _amount_text(value: Any, unit: str) -> str:
    return "未列" if is_blank(value) else f"{value} {unit}"


def _str_or(value: Any, default: str = "") -> str:
    return default if is_blank(value) else str(value)


def _title_plan(report: Report, graded: str, stated: str) -> SlidePlan:
    sources = report.meta_sources
    notes = [f"资料：{report.path.name}" + (f"（转录自 {report.meta['source_document']}）"
                                          if report.meta.get("source_document") else ""),
             f"部门、年度：出处 {sources.get('department') or '未注明'}；金额单位 {report.amount_unit}"
             f"（出处 {sources.get('amount_unit') or '未注明'}）。"]
    if report.meta.get("self_score") is not None:
        notes.append(f"报告自评 {report.meta['self_score']} 分：出处 {sources.get('self_score') or '未注明'}。")
    notes.append("重算得分见「得分」页备注；本文稿的每个数字由 perfeval 从工作簿重算，不照抄。")
    lines = (f"{graded}{stated}", f"资料：{report.path.name}")
    if report.example_note is not None:  # made-up figures: the first thing anyone sees says so
        lines = (report.example_note, *lines)
    return SlidePlan(f"{report.department} {report.year} 年度绩效自评", tuple(notes), None, lines, TITLE_LAYOUT)


def _budget_plan(report: Report, figures: dict[str, Path]) -> SlidePlan:
    unit = report.amount_unit
    total = execution(report).iloc[0]
    rate = total["stated_rate"] if total["stated_rate"] is not None else total["rate"]
    notes = [f"预算数 {_amount_text(total['budget'], unit)}、执行数 {_amount_text(total['executed'], unit)}："
             f"出处 {total['source']}。"]
    if total["rate"] is not None:
        notes.append(f"执行率 = 执行数 ÷ 预算数 × 100 = {total['executed']} ÷ {total['budget']} × 100 = "
                     f"{total['rate']}%（保留 4 位小数）。")
    if total["stated_rate"] is not None:
        agrees = {True: "按报告精度相符", False: "按报告精度不符"}.get(total["rate_matches"], "无法比较")
        notes.append(f"报告所列执行率 {total['stated_rate']}%，{agrees}；标题用报告所列数。")
    amounts = "，".join(f"{label} {total[key]} {unit}" if not is_blank(total[key]) else f"{label}数未列"
                       for key, label in (("executed", "执行"), ("budget", "预算")))
    title = f"预算执行率 {_pct_text(rate)}：{amounts}" if rate is not None else f"{amounts}，执行率无法计算"
    return SlidePlan(title, tuple(notes), figures.get("budget_execution"))


def _kpi_plans(report: Report, figures: dict[str, Path]) -> list[SlidePlan]:
    parts = indicators(report)
    gaps = shortfalls(report)
    count = parts["indicator_id"].nunique()
    unmet = gaps["indicator_id"].nunique()
    if count == 0:
        return [SlidePlan("报告未列绩效指标", ("工作簿「指标」表为空：报告没有列出可核对的绩效指标，出处见工作簿。",),
                          figures.get("kpi_completion"))]
    notes = [f"指标 {count} 项：工作簿「指标」表，每项的出处为报告中该行（见核对底稿）。",
             "完成 = 实现值达到预期值（按指标方向比较，≥、≤ 或等于）；一项指标有几个数值时，每个数值都达到才算完成。"]
    notes += [f"未完成：指标{row.indicator_id}「{row.name}」，出处 {row.source}"
              for row in gaps.itertuples(index=False)]
    if gaps.empty:  # one slide says it: no shortfall slide with an empty chart
        return [SlidePlan(f"{count} 项指标全部完成（按实现值与预期值重算）", tuple(notes),
                          figures.get("kpi_completion"))]
    plans = [SlidePlan(f"{count} 项指标中 {count - unmet} 项完成，{unmet} 项未完成", tuple(notes),
                       figures.get("kpi_completion"))]
    worst = gaps.iloc[0]  # the chart carries each gap and its stated reason
    gap = "" if is_blank(worst["gap"]) else f"，差 {worst['gap']} {_str_or(worst['unit'])}".rstrip()
    notes = []
    for row in gaps.itertuples(index=False):
        unit = _str_or(row.unit)
        notes.append(f"指标{row.indicator_id}「{row.name}」：预期 {_amount_text(row.target, unit)}，"
                     f"实现 {_amount_text(row.actual, unit)}；"
                     f"差 = 预期 − 实现 = {_amount_text(row.gap, unit)}；完成 = 实现 ÷ 预期 × 100 = "
                     f"{_pct_text(None if is_blank(row.completion) else row.completion)}。"
                     f"报告所述原因：{_str_or(row.reason, '未说明').rstrip('。')}。"
                     f"出处 {_str_or(row.source, '未注明')}。")
    completion = None if is_blank(worst["completion"]) else worst["completion"]
    done = f"完成 {_pct_text(completion)}" if completion is not None else "未完成"
    plans.append(SlidePlan(f"{worst['name']}{done}{gap}", tuple(notes),
                           figures.get("shortfalls")))
    return plans


def _score_plan(report: Report, figures: dict[str, Path], graded: str, stated: str) -> SlidePlan:
    result = score(report)
    notes = [f"{result.weights_source}。"]
    notes += [f"{row.line}（{row.category}）：分值 {row.weight} × 完成率 {row.completion}% = {row.score} 分"
              for row in result.table.itertuples(index=False) if row.score is not None]
    if result.grade != NOT_GRADED:
        notes.append(f"合计 {result.total} 分，等级 {result.grade}。")
    if report.meta.get("self_score") is not None:
        source = report.meta_sources.get("self_score") or "未注明"
        notes.append(f"报告自评 {report.meta['self_score']} 分：出处 {source}。")
    return SlidePlan(f"得分：{graded}{stated}", tuple(notes), figures.get("score"))


def _check_plans(report: Report, figures: dict[str, Path]) -> list[SlidePlan]:
    from perfeval_utils.present.display import CHECK_KINDS

    checks = reconcile(report)
    found = findings(checks)
    by_kind = checks.groupby("kind", sort=False)["ok"].agg(lambda ok: f"{int((ok == True).sum())}/{len(ok)}")  # noqa: E712
    notes = [f"{CHECK_KINDS.get(str(kind), kind)}：通过 {passed}" for kind, passed in by_kind.items()]
    notes.append("每项核对的报告数、重算数、公式和出处见核对底稿（…_核对底稿.xlsx）。")
    title = (f"复核：{len(checks)} 项核对中 {len(found)} 项需说明" if len(found)
             else f"复核：{len(checks)} 项核对全部相符")
    plans = [SlidePlan(title, tuple(notes), figures.get("reconciliation"))]
    pages = max(1, -(-len(found) // MAX_FINDINGS_ON_SLIDE))
    for page in range(pages if len(found) else 0):
        chunk = found.iloc[page * MAX_FINDINGS_ON_SLIDE:(page + 1) * MAX_FINDINGS_ON_SLIDE]
        first, last = page * MAX_FINDINGS_ON_SLIDE + 1, page * MAX_FINDINGS_ON_SLIDE + len(chunk)
        span = f"第 {first} 项" if first == last else f"第 {first}–{last} 项"
        notes = tuple(f"{row.check_id}（{CHECK_KINDS.get(row.kind, row.kind)}）：出处 {row.source}"
                      for row in chunk.itertuples(index=False))
        plans.append(SlidePlan(f"复核发现{span}（共 {len(found)} 项）", notes, None,
                               tuple(str(text) for text in chunk["finding"]), BULLETS_LAYOUT))
    return plans


def _year_plan(report: Report, history: ReportSet | None, folder: Path) -> SlidePlan | None:
    """Execution year by year, when the department has two or more years (own workbooks or prior-year columns)."""
    from perfeval_utils.analyse.series import execution_by_year
    from perfeval_utils.read.many import load_reports

    history = history if history is not None else load_reports([report.path], progress=False)
    if report.department not in history.departments:
        return None
    table = execution_by_year(history, report.department)
    table = table[[not (pd.isna(b) and pd.isna(e)) for b, e in zip(table["budget"], table["executed"], strict=True)]]
    if len(table) < 2:
        return None
    import matplotlib.pyplot as plt

    from perfeval_utils.present.charts import apply_style, save_figure, trend_figure

    apply_style()
    figure = trend_figure(history, report.department)
    png, _ = save_figure(figure, folder / "year_over_year")
    plt.close(figure)
    unit = history.amount_unit
    notes = [f"{int(row.year)} 年：预算 {_amount_text(row.budget, unit)}（{_str_or(row.budget_basis, '未列')}），"
             f"执行 {_amount_text(row.executed, unit)}（{_str_or(row.executed_basis, '未列')}），"
             f"执行率 {_year_rate(row._asdict())}；"
             f"出处 {_str_or(row.source, '未注明')}" for row in table.itertuples(index=False)]
    notes.append(f"金额统一换算为 {unit}；括号内为该数的依据（stated：该年报告所列）；"
                 "执行率 = 执行数 ÷ 预算数 × 100，仅当两数均为该年报告所列时重算。")
    return SlidePlan(_year_title(table, unit), tuple(notes), png)


def _year_rate(row: dict[str, Any]) -> str:
    """The year's rate: recomputed when both amounts are that year's own, else as printed, else 未列."""
    if not is_blank(row["rate"]):
        return _pct_text(row["rate"])
    return "未列" if is_blank(row["stated_rate"]) else f"{row['stated_rate']}%"


def _year_title(table: pd.DataFrame, unit: str) -> str:
    """Compare first and last year on the measure both state: the rate, else executed, else budget."""
    first, last = table.iloc[0].to_dict(), table.iloc[-1].to_dict()
    span = f"{int(first['year'])} 年 → {int(last['year'])} 年"
    if _year_rate(first) != "未列" and _year_rate(last) != "未列":
        return f"执行率 {span}：{_year_rate(first)} → {_year_rate(last)}"
    for column, label in (("executed", "执行数"), ("budget", "预算数")):
        if not is_blank(first[column]) and not is_blank(last[column]):
            return f"{label} {span}：{first[column]} → {last[column]} {unit}"
    return f"预算执行 {span}：逐年数字见图"


def plan_slides(report: Report, figures: dict[str, Path], history: ReportSet | None = None,
                folder: Path | None = None) -> list[SlidePlan]:
    """The slides for one report, each title stating what the slide shows (computed, never typed)."""
    result = score(report)
    stated = "" if report.meta.get("self_score") is None else f"，报告自评 {report.meta['self_score']} 分"
    graded = ("不重算得分" if result.grade == NOT_GRADED
              else f"重算 {result.total.quantize(Decimal('0.01'))} 分（{result.grade}）")
    plans = [_title_plan(report, graded, stated), _budget_plan(report, figures)]
    year = _year_plan(report, history, folder) if folder is not None else None
    if year is not None:
        plans.append(year)
    plans += _kpi_plans(report, figures)
    plans.append(_score_plan(report, figures, graded, stated))
    plans += _check_plans(report, figures)
    return plans


def add_extra_slides(deck: Presentation, report: Report, figures: dict[str, Path]) -> None:
    """The one place where slides made by other modules are appended (after the findings)."""
    from perfeval_utils.present.deck_monitoring import add_monitoring_slide  # nothing without 监控 sheets

    add_monitoring_slide(deck, report, figures.get("monitoring_budget"))


def write_deck(report: Report, path: str | Path, figures: dict[str, Path] | None = None,
               history: ReportSet | None = None) -> Path:
    """Write the deck to ``path`` from the template: one slide per plan, then :func:`add_extra_slides`.

    ``figures`` maps chart keys (budget_execution, kpi_completion, shortfalls, score, reconciliation) to
    PNGs; ``history`` (the department's other years, a ReportSet) adds a year-over-year slide when it
    holds two years or more, its chart written to ``<path's folder>/figures/year_over_year.png``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = figures or {}
    deck = new_deck()
    for plan in plan_slides(report, figures, history, path.parent / "figures"):
        if plan.layout == TITLE_LAYOUT:
            add_title_slide(deck, plan.title, plan.lines, plan.notes)
        elif plan.layout == BULLETS_LAYOUT:
            add_bullets_slide(deck, plan.title, plan.lines, plan.notes)
        else:
            add_picture_slide(deck, plan.title, plan.picture, plan.notes)
    add_extra_slides(deck, report, figures)
    deck.core_properties.title = f"{report.department} {report.year} 年度绩效自评"
    deck.core_properties.author = "perfeval"
    deck.core_properties.language = "zh-CN"
    deck.save(str(path))
    return path
