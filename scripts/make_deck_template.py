"""Make the deck template shipped in the package: perfeval_utils/present/templates/deck.pptx.

Built from python-pptx's default template so its licence question never arises: 16:9, three
layouts (标题幻灯片, 标题和图片 with a picture placeholder, 标题和要点), titles left-aligned and sized for
one-sentence findings, and the Chinese typeface in the theme's font scheme (``a:ea`` and the Hans
script entry), so no slide sets a font run by run. The typeface is Microsoft YaHei with the GB2312
charset and YaHei's PANOSE numbers: where YaHei is missing, PowerPoint for Mac and Keynote take
PingFang SC, and LibreOffice or WPS on Kylin/UOS take the system's Chinese sans (Noto Sans CJK SC
or Source Han Sans SC) by that charset and family class; see DECK_FONTS in present/deck.py.

Run from the repository root after changing it: ``python scripts/make_deck_template.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "perfeval_utils" / "present" / "templates" / "deck.pptx"
WIDTH, HEIGHT = Emu(12_192_000), Emu(6_858_000)  # 13.333 × 7.5 in, PowerPoint's own 16:9
TYPEFACE = "Microsoft YaHei"
PANOSE = "020B0503020204020204"  # Microsoft YaHei: sans-serif (family class 2-11)
GB2312_CHARSET = "-122"  # 134 as a signed byte: Simplified Chinese
PICTURE_IDX = 13
KEEP = {"Title Slide": "标题幻灯片", "Title Only": "标题和图片", "Title and Content": "标题和要点"}


def scale_x(element: etree._Element, factor: float) -> None:
    """Stretch every shape's x position and width from 4:3 to 16:9 (heights stay)."""
    for xfrm in element.iter(qn("a:xfrm")):
        off, ext = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
        if off is not None:
            off.set("x", str(round(int(off.get("x")) * factor)))
        if ext is not None:
            ext.set("cx", str(round(int(ext.get("cx")) * factor)))


def set_theme_fonts(presentation) -> None:  # type: ignore[no-untyped-def]
    """Latin, East Asian and the Hans script entry of both theme fonts → Microsoft YaHei (with charset)."""
    part = presentation.slide_master.part.part_related_by(RT.THEME)
    theme = etree.fromstring(part.blob)
    scheme = theme.find(f".//{qn('a:fontScheme')}")
    scheme.set("name", "perfeval")
    for kind in ("a:majorFont", "a:minorFont"):
        font = scheme.find(qn(kind))
        for tag in ("a:latin", "a:ea"):
            element = font.find(qn(tag))
            element.attrib.clear()
            element.attrib.update({"typeface": TYPEFACE, "panose": PANOSE, "pitchFamily": "34",
                                   "charset": GB2312_CHARSET if tag == "a:ea" else "0"})
        for script in font.findall(qn("a:font")):
            if script.get("script") == "Hans":
                script.set("typeface", TYPEFACE)
    part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_text_styles(presentation) -> None:  # type: ignore[no-untyped-def]
    """Titles: left, 28 pt, Chinese language tag; body: 20/18/16 pt."""
    styles = presentation.slide_master.element.find(qn("p:txStyles"))
    title = styles.find(qn("p:titleStyle")).find(qn("a:lvl1pPr"))
    title.set("algn", "l")
    title.find(qn("a:defRPr")).set("sz", "2800")
    for level, size in (("a:lvl1pPr", 2000), ("a:lvl2pPr", 1800), ("a:lvl3pPr", 1600)):
        styles.find(qn("p:bodyStyle")).find(qn(level)).find(qn("a:defRPr")).set("sz", str(size))
    for default in styles.iter(qn("a:defRPr")):
        default.set("lang", "zh-CN")


def picture_placeholder(layout) -> None:  # type: ignore[no-untyped-def]
    """Add a picture placeholder under the title of the Title Only layout."""
    title = next(shape for shape in layout.placeholders if shape.placeholder_format.idx == 0)
    sp = copy.deepcopy(title._element)
    nv = sp.find(qn("p:nvSpPr"))
    nv.find(qn("p:cNvPr")).set("id", "20")
    nv.find(qn("p:cNvPr")).set("name", "图片占位符")
    ph = nv.find(qn("p:nvPr")).find(qn("p:ph"))
    ph.attrib.clear()
    ph.attrib.update({"type": "pic", "idx": str(PICTURE_IDX)})
    text = sp.find(qn("p:txBody"))
    if text is not None:
        sp.remove(text)
    layout.shapes._spTree.append(sp)
    shape = next(s for s in layout.placeholders if s.placeholder_format.idx == PICTURE_IDX)
    shape.left, shape.top = Inches(0.5), Inches(1.45)
    shape.width, shape.height = Emu(WIDTH - Inches(1.0)), Inches(5.8)


#: The placeholders' prompts, shown only while a slide is being edited by hand.
PROMPTS = {"Click to edit Master title style": "单击此处编辑标题",
           "Click to edit Master subtitle style": "单击此处编辑副标题",
           "Click to edit Master text styles": "单击此处编辑文本",
           "Second level": "第二级", "Third level": "第三级", "Fourth level": "第四级", "Fifth level": "第五级"}


def chinese_prompts(presentation) -> None:  # type: ignore[no-untyped-def]
    """Prompts in Chinese, tagged zh-CN, on the master and every layout."""
    for part in [presentation.slide_master, *presentation.slide_layouts]:
        for text in part.element.iter(qn("a:t")):
            if text.text in PROMPTS:
                text.text = PROMPTS[text.text]
                properties = text.getparent().find(qn("a:rPr"))
                if properties is not None:
                    properties.set("lang", "zh-CN")


def title_slide_title_size(layout) -> None:  # type: ignore[no-untyped-def]
    """The opening slide's title: 36 pt, centred (the other titles are 28 pt, left)."""
    title = next(shape for shape in layout.placeholders if shape.placeholder_format.idx == 0)
    body = title._element.find(qn("p:txBody"))
    styles = body.find(qn("a:lstStyle"))
    if styles is None:
        styles = etree.SubElement(body, qn("a:lstStyle"))
        body.insert(1, styles)  # after a:bodyPr
    level = etree.SubElement(styles, qn("a:lvl1pPr"), {"algn": "ctr"})
    etree.SubElement(level, qn("a:defRPr"), {"sz": "3600"})


def main() -> None:
    presentation = Presentation()
    factor = WIDTH / presentation.slide_width
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    scale_x(presentation.slide_master.element, factor)
    for layout in list(presentation.slide_layouts):
        if layout.name not in KEEP:
            presentation.slide_layouts.remove(layout)
            continue
        scale_x(layout.element, factor)
    by_name = {layout.name: layout for layout in presentation.slide_layouts}
    picture_placeholder(by_name["Title Only"])
    for english, chinese in KEEP.items():
        by_name[english].element.cSld.set("name", chinese)
    # the content layout's title and body: the title band like the picture layout's, the body under it
    for layout in presentation.slide_layouts:
        for shape in layout.placeholders:
            if shape.placeholder_format.idx == 0 and layout.name != "标题幻灯片":
                shape.left, shape.top = Inches(0.5), Inches(0.3)
                shape.width, shape.height = Emu(WIDTH - Inches(1.0)), Inches(1.05)
            if shape.placeholder_format.idx == 1 and layout.name == "标题和要点":
                shape.left, shape.top = Inches(0.6), Inches(1.5)
                shape.width, shape.height = Emu(WIDTH - Inches(1.2)), Inches(5.5)
    title_slide_title_size(by_name["Title Slide"])
    chinese_prompts(presentation)
    set_theme_fonts(presentation)
    set_text_styles(presentation)
    presentation.core_properties.title = "perfeval 评审会演示文稿模板"
    presentation.core_properties.author = "perfeval"
    presentation.core_properties.last_modified_by = "perfeval"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    presentation.save(str(OUTPUT))
    print(f"{OUTPUT}: {[layout.name for layout in presentation.slide_layouts]}")


if __name__ == "__main__":
    main()
