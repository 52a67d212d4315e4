"""A 16:9 PowerPoint deck for a review meeting (评审会): one slide, one message, the title states it.

Charts are the house-style PNGs; text boxes carry Chinese, so every run gets an East Asian
typeface in its XML (python-pptx sets only the Latin one, and PowerPoint or WPS would then
pick a fallback that may not have the characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from perfeval_utils.analyse.budget import execution
from perfeval_utils.analyse.indicators import indicators, shortfalls
from perfeval_utils.analyse.scoring import NOT_GRADED, score
from perfeval_utils.check.reconcile import findings, reconcile
from perfeval_utils.read.workbook import Report

#: Typefaces written into every run: East Asian for Chinese, Latin for digits and letters.
EAST_ASIAN_FONT = "Microsoft YaHei"
LATIN_FONT = "Microsoft YaHei"
SLIDE_WIDTH_IN = 13.333
SLIDE_HEIGHT_IN = 7.5
MAX_FINDINGS_ON_SLIDE = 6


@dataclass(frozen=True)
class SlidePlan:
    """What one slide says: its title (the finding), a picture and/or lines of text."""

    title: str
    picture: Path | None = None
    lines: tuple[str, ...] = ()


def _set_fonts(run, size_pt: int) -> None:  # type: ignore[no-untyped-def]
    """Latin and East Asian typeface on one run (python-pptx writes only ``a:latin``)."""
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size_pt)
    run.font.name = LATIN_FONT
    properties = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        existing = properties.find(qn(tag))
        if existing is not None:
            properties.remove(existing)
    for tag in ("a:ea", "a:cs"):
        element = properties.makeelement(qn(tag), {"typeface": EAST_ASIAN_FONT})
        properties.append(element)


def _text_box(slide, left: float, top: float, width: float, height: float, lines: tuple[str, ...] | list[str],
              size_pt: int) -> None:  # type: ignore[no-untyped-def]
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(size_pt * 0.6)
        run = paragraph.add_run()
        run.text = line
        _set_fonts(run, size_pt)


def _percent(value: Decimal | None) -> str:
    return "无法计算" if value is None else f"{value.quantize(Decimal('0.01'))}%"


def plan_slides(report: Report, figures: dict[str, Path]) -> list[SlidePlan]:
    """The slides for one report, each title stating what the slide shows (computed, never typed)."""
    unit = report.amount_unit
    total = execution(report).iloc[0]
    result = score(report)
    parts = indicators(report)
    gaps = shortfalls(report)
    checks = reconcile(report)
    found = findings(checks)
    stated = "" if report.meta.get("self_score") is None else f"，报告自评 {report.meta['self_score']} 分"
    graded = ("不重算得分" if result.grade == NOT_GRADED
              else f"重算 {result.total.quantize(Decimal('0.01'))} 分（{result.grade}）")
    slides = [SlidePlan(f"{report.department} {report.year} 年度绩效自评", None,
                        (f"{graded}{stated}", f"资料：{report.path.name}"))]
    rate = total["stated_rate"] if total["stated_rate"] is not None else total["rate"]
    executed = "未列" if total["executed"] is None else f"{total['executed']} {unit}"
    budget = "未列" if total["budget"] is None else f"{total['budget']} {unit}"
    slides.append(SlidePlan(f"预算执行率 {_percent(rate)}：执行 {executed}，预算 {budget}",
                            figures.get("budget_execution")))
    indicator_count = parts["indicator_id"].nunique()
    unmet = gaps["indicator_id"].nunique()
    slides.append(SlidePlan(f"{indicator_count} 项指标中 {indicator_count - unmet} 项完成，{unmet} 项未完成",
                            figures.get("kpi_completion")))
    if gaps.empty:
        slides.append(SlidePlan("无未完成指标", figures.get("shortfalls")))
    else:
        worst = gaps.iloc[0]  # the chart itself carries each gap and its stated reason
        gap = "" if worst["gap"] is None else f"，差 {worst['gap']} {worst['unit'] or ''}".rstrip()
        slides.append(SlidePlan(f"{worst['name']}完成 {_percent(worst['completion'])}{gap}",
                                figures.get("shortfalls")))
    slides.append(SlidePlan(f"得分：{graded}{stated}", figures.get("score")))
    lines = tuple(f"• {finding}" for finding in found["finding"].head(MAX_FINDINGS_ON_SLIDE))
    if len(found) > MAX_FINDINGS_ON_SLIDE:
        lines += (f"……另有 {len(found) - MAX_FINDINGS_ON_SLIDE} 项，见核对底稿",)
    slides.append(SlidePlan(f"复核：{len(checks)} 项核对中 {len(found)} 项需说明" if len(found) else
                            f"复核：{len(checks)} 项核对全部相符", None, lines or ("报告所列数字相互一致。",)))
    return slides


def write_deck(report: Report, path: str | Path, figures: dict[str, Path]) -> Path:
    """Write the deck to ``path``: one slide per plan, pictures embedded, Chinese text with its typeface."""
    from pptx import Presentation
    from pptx.util import Inches

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deck = Presentation()
    deck.slide_width = Inches(SLIDE_WIDTH_IN)
    deck.slide_height = Inches(SLIDE_HEIGHT_IN)
    blank = deck.slide_layouts[6]
    for plan in plan_slides(report, figures):
        slide = deck.slides.add_slide(blank)
        is_title = plan.picture is None and not plan.title.startswith("复核")
        _text_box(slide, 0.5, 2.6 if is_title else 0.3, 12.3, 1.2 if is_title else 0.9, [plan.title],
                  36 if is_title else 26)
        if plan.picture is not None:
            # 16:9 picture under the title: 10.6 in wide is 5.96 in tall, ending above the slide's 7.5 in
            picture_width = 8.6 if plan.lines else 10.6
            left = 0.5 if plan.lines else (SLIDE_WIDTH_IN - picture_width) / 2
            slide.shapes.add_picture(str(plan.picture), Inches(left), Inches(1.3), width=Inches(picture_width))
            if plan.lines:
                _text_box(slide, 9.3, 1.4, 3.7, 5.6, plan.lines, 13)
        elif plan.lines:
            _text_box(slide, 0.7, 4.0 if is_title else 1.4, 12.0, 5.5, plan.lines, 20 if is_title else 16)
    from perfeval_utils.present.deck_monitoring import add_monitoring_slide  # nothing without 监控 sheets

    add_monitoring_slide(deck, report, figures.get("monitoring_budget"))
    deck.core_properties.title = f"{report.department} {report.year} 年度绩效自评"
    deck.save(str(path))
    return path
