"""Build the document fixtures in tests/fixtures/documents/ from the reference workbooks and the seed.

    python scripts/make_fixtures.py            # needs LibreOffice (soffice) for the .pdf and .xls files

Eight of the nine real reports (data/reference/*.xlsx, entered from ../shared/reference/*.json) are laid
out as official forms the way published ones are, and written as every format a department sends:

- ``hengshan``: the national 专项资金绩效目标自评表 layout (一级 | 二级 | 三级 | 年度指标值 | 实际完成值 |
  完成情况 | 偏差原因分析及改进措施), a two-row header (绩效指标 over 一级/二级/三级), 一级/二级 merged
  over their rows, the department labelled ``主管部门及代码`` with the code in brackets.
- ``zhongjiang``: a scored form (分值 | 年度指标值 | 全年实际值 | 得分) whose 一级指标 read 项目产出 /
  项目效益, whose body is named only by ``实施单位``, with a 总分 row.
- ``tanghuzhen``: a 部门整体支出绩效自评表, the body under ``部门（单位）名称``, 基本/项目支出 lines with only a
  预算数 (the report states no 执行数), scores without 分值, a 总分 row.
- ``shangwuju`` (qu-shangwuju-fuwumaoyi): a 项目支出 form signed ``单位名称（盖章）`` beside its 实施单位, 一级指标
  written 项目产出指标 / 项目效益指标 under a two-row header; the 万美元 amounts stay in names and values as printed.
- ``hunan`` (unknown-hunan-jichushujubiao): a 基础数据表 with year-stamped columns (2017年决算数 | 2018年预算数 |
  2018年决算数), 三公经费 printed with figures over its 1、2、 items, then the indicator table with 一级指标
  written 部门投入 / 部门管理. The form prints no body's name: the reader is told ``department=未具名部门``
  (OVERRIDES), as the reference names it. Its last indicator's texts and one 偏差原因 are the transcriber's
  English (the reference holds no Chinese for them); they are laid out as printed text all the same.
- ``liangping`` / ``rongchang`` / ``tongzhou``: the 决算 pages have no indicator table; their expenditure
  (部门整体支出, and for liangping 基本支出 / 项目支出) is laid out as a budget-only 基础数据表 (本年预算数 |
  本年决算数), the body under ``填报单位：`` / ``部门名称`` / ``预算部门``.

Left out: ``yiyang-zonggonghui-2022``. Its reference files 公用经费 under the 维度 ``基本支出其中`` and the
three funds under ``专项资金``; a 基础数据表 prints ``其中：公用经费`` below ``一、基本支出`` (维度 基本支出), and
``基本支出其中`` is the transcriber's grouping, not a label any form prints, so the line cannot come back
equal without printing a made-up heading (tests/test_forms.py covers its form from the JSON).

Formats: ``.xlsx`` (openpyxl), ``.xls`` (LibreOffice from the .xlsx) and the same bytes named ``.et``
(WPS's spreadsheet name; not a file saved by WPS), ``.docx`` (written here: the head and budget in one
table, the indicator table split in two by a page break with its header repeated), ``.pdf`` (LibreOffice
Calc prints a ruled copy of the .xlsx whose indicator table runs over two pages, its header repeated,
with a running header and page numbers; the machine has no LibreOffice Writer) and ``.html``
(rowspan/colspan). The seed report's text is also written as a .docx (paragraphs, the KPI table as a
Word table) for the text path. Every figure comes from the reference workbook; tests/test_documents.py
compares each fixture with it. The generated files are committed, so the tests need no converter.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfeval_utils import load_report  # noqa: E402
from perfeval_utils.report import Report  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "documents"
REFERENCE = ROOT / "data" / "reference"
SEED = ROOT / "seeds" / "2022_黄埔区总工会_部门整体支出绩效自评报告.txt"
#: The fixtures built from each reference workbook, and what the reader is told (one table with the tests).
_TABLE = json.loads((OUT / "sources.json").read_text(encoding="utf-8"))
SOURCES: dict[str, str] = _TABLE["sources"]
OVERRIDES: dict[str, dict[str, str]] = _TABLE["overrides"]
FORMATS = ("xlsx", "xls", "et", "docx", "pdf", "html")
Merge = tuple[int, int, int, int]


@dataclass
class Part:
    """Rows of cells (None = empty) with merged ranges (1-based, part-local)."""

    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)
    header_rows: int = 0  # the first rows are the header (repeated after a page break)


@dataclass
class Form:
    title: str
    head: Part  # label : value rows and the budget block
    kpi: Part  # header rows then one row per indicator (and a 总分 row)
    split: int  # indicator rows before the page break in the .docx
    running_header: str
    print_break: int  # indicator rows on the PDF's first page (at a 一级指标 boundary, see write_xlsx)
    label_width: int = 16  # column A in the PDF (Calc clips a label wider than its cell)


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}%"


def _runs(values: list[Any], first: int, column: int) -> list[Merge]:
    """Vertical merges over consecutive equal values (the value printed once, in the first row)."""
    merges = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start > 1:
                merges.append((first + start, column, first + i - 1, column))
            start = i
    return merges


def _blank_repeats(rows: list[list[Any]], column: int) -> None:
    previous = object()
    for row in rows:
        if row[column - 1] == previous:
            row[column - 1] = None
        else:
            previous = row[column - 1]


def hengshan(report: Report) -> Form:
    width = 7
    total = report.budget.iloc[0]
    source = report.budget.iloc[1]
    department = report.meta["department"]
    head_rows = [
        ["主管部门及代码", f"[430423]{department}", None, None, None, None, None],
        ["项目名称", report.meta["项目名称"], None, None, None, None, None],
        ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "执行率", None],
        [None, "年度资金总额", None, _number(total.budget), _number(total.executed), _rate(total.stated_rate), None],
        [None, f"其中：{source['item']}", None, _number(source.budget), _number(source.executed),
         _rate(source.stated_rate), None],
        [None, "其他资金", None, None, None, None, None],
    ]
    head = Part(head_rows, [(1, 2, 1, width), (2, 2, 2, width), (3, 1, 6, 1)])
    header = [["绩效指标", None, None, "年度指标值", "实际完成值", "完成情况", "偏差原因分析及改进措施"],
              ["一级指标", "二级指标", "三级指标", None, None, None, None]]
    body = [[f"{k.category}指标", k.subcategory, k.name, k.target_text, k.actual_text,
             None if _na(k.status_text) else k.status_text, None if _na(k.reason) else k.reason]
            for k in report.kpis.itertuples()]
    merges = [(1, 1, 1, 3), *((1, c, 2, c) for c in range(4, 8))]
    merges += _runs([r[0] for r in body], 3, 1) + _runs([(r[0], r[1]) for r in body], 3, 2)
    _blank_repeats(body, 2)
    _blank_repeats(body, 1)
    kpi = Part(header + body, merges, header_rows=2)
    return Form(f"{report.year}年度县级专项资金绩效目标自评表", head, kpi, 9, "衡山县商务和粮食局 绩效自评", 9)


def zhongjiang(report: Report) -> Form:
    width = 8
    total = report.budget.iloc[0]
    source = report.budget.iloc[1]
    meta = report.meta
    head_rows = [
        ["实施单位", meta["department"], None, None, None, None, None, None],
        ["项目名称", meta["项目名称"], None, None, None, None, None, None],
        ["项目资金（万元）", None, "全年预算数", "全年执行数", "分值", "执行率", "得分", None],
        [None, "年度资金总额", _number(total.budget), _number(total.executed), _number(meta["execution_weight"]),
         _rate(total.stated_rate), _number(meta["execution_score"]), None],
        [None, f"其中：{source['item']}", _number(source.budget), _number(source.executed), None,
         _rate(source.stated_rate), None, None],
    ]
    head = Part(head_rows, [(1, 2, 1, width), (2, 2, 2, width), (3, 1, 5, 1)])
    words = {"产出": "项目产出", "效益": "项目效益", "满意度": "满意度指标"}
    header = [["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分", "未完成原因"]]
    body = [[words[k.category], k.subcategory, k.name, _number(k.weight), k.target_text, k.actual_text,
             _number(k.score), None if _na(k.reason) else k.reason] for k in report.kpis.itertuples()]
    merges = _runs([r[0] for r in body], 2, 1) + _runs([(r[0], r[1]) for r in body], 2, 2)
    _blank_repeats(body, 2)
    _blank_repeats(body, 1)
    weights = sum(report.kpis["weight"])
    scores = sum(report.kpis["score"])
    body.append(["总分", None, None, _number(weights), None, None, _number(scores), None])
    merges.append((len(body) + 1, 1, len(body) + 1, 3))
    kpi = Part(header + body, merges, header_rows=1)
    return Form(f"项目支出绩效自评表（{report.year}年度）", head, kpi, 5, "中江县水利局 项目支出绩效自评", 6)


def _scored_kpis(report: Report, words: dict[str, str],
                 columns: tuple[str, ...]) -> tuple[list[list[Any]], list[Merge]]:
    """One row per indicator in ``columns`` (KPI field names), 一级/二级 merged over their rows (header: 1 row)."""
    def cell(k: Any, column: str) -> Any:
        if column == "category":
            return words[k.category]
        value = getattr(k, column)
        if column in ("weight", "score"):
            return _number(value)
        return None if _na(value) else value

    body = [[cell(k, c) for c in columns] for k in report.kpis.itertuples()]
    merges = _runs([r[0] for r in body], 2, 1) + _runs([(r[0], r[1]) for r in body], 2, 2)
    _blank_repeats(body, 2)
    _blank_repeats(body, 1)
    return body, merges


def tanghuzhen(report: Report) -> Form:
    """部门整体支出绩效自评表 of a township: the body under 部门（单位）名称, 基本/项目支出 lines with only a
    预算数 (the report states no 执行数), scores without 分值, a 总分 row."""
    width = 8
    total, basic, project = (report.budget.iloc[i] for i in range(3))
    meta = report.meta
    head_rows = [
        ["部门（单位）名称", meta["department"], None, None, None, None, None, None],
        ["年度预算执行情况（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", None, _number(total.budget), _number(total.executed), _number(meta["execution_weight"]),
         _rate(total.stated_rate), _number(meta["execution_score"])],
        [None, f"其中：{basic['item']}", None, _number(basic.budget), _number(basic.executed), None, None, None],
        [None, project["item"], None, _number(project.budget), _number(project.executed), None, None, None],
    ]
    head = Part(head_rows, [(1, 2, 1, width), (2, 1, 5, 1)])
    header = [["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "完成情况", "得分",
               "偏差原因分析及改进措施"]]
    words = {"产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标"}
    body, merges = _scored_kpis(report, words, ("category", "subcategory", "name", "target_text", "actual_text",
                                                "status_text", "score", "reason"))
    body.append(["总分", None, None, None, None, None, _number(meta["self_score"]), None])
    merges.append((len(body) + 1, 1, len(body) + 1, 6))
    kpi = Part(header + body, merges, header_rows=1)
    return Form(f"{report.year}年度部门整体支出绩效自评表", head, kpi, 3, "塘湖镇人民政府 部门整体支出绩效自评", 3)


def shangwuju(report: Report) -> Form:
    """项目支出绩效自评表 whose body signs as 单位名称（盖章） beside its 实施单位; 一级指标 written 项目产出指标 /
    项目效益指标 under a two-row header (绩效指标 over 一级/二级/三级); scores only; two amounts in 万美元 kept
    in the indicator's name and values as printed."""
    width = 7
    total = report.budget.iloc[0]
    meta = report.meta
    head_rows = [
        ["单位名称（盖章）", meta["department"], None, "实施单位", meta["实施单位"], None, None],
        ["项目名称", meta["项目名称"], None, None, None, None, None],
        ["项目资金（万元）", None, "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", _number(total.budget), _number(total.executed), _number(meta["execution_weight"]),
         _rate(total.stated_rate), _number(meta["execution_score"])],
        [None, "其他资金", None, None, None, None, None],
    ]
    head = Part(head_rows, [(1, 2, 1, 3), (1, 5, 1, width), (2, 2, 2, width), (3, 1, 5, 1)])
    header = [["绩效指标", None, None, "年度指标值", "实际完成值", "得分", "偏差原因分析及改进措施"],
              ["一级指标", "二级指标", "三级指标", None, None, None, None]]
    words = {"产出": "项目产出指标", "效益": "项目效益指标"}
    body, merges = _scored_kpis(report, words, ("category", "subcategory", "name", "target_text", "actual_text",
                                                "score", "reason"))
    merges = [(1, 1, 1, 3), *((1, c, 2, c) for c in range(4, 8))] + [(r0 + 1, c0, r1 + 1, c1)
                                                                       for r0, c0, r1, c1 in merges]
    body.append(["总分", None, None, None, None, _number(meta["self_score"]), None])
    merges.append((len(body) + 2, 1, len(body) + 2, 5))
    kpi = Part(header + body, merges, header_rows=2)
    return Form(f"{report.year}年度项目支出绩效自评表", head, kpi, 4, "区商务局 项目支出绩效自评", 6)


def hunan(report: Report) -> Form:
    """A Hunan 部门整体支出 基础数据表 that prints no body's name: year-stamped columns (2017年决算数 |
    2018年预算数 | 2018年决算数), 三公经费 as a subtotal over its 1、2、 items, 项目支出 / 公用经费 / 政府采购 as
    headings over theirs; then the indicator table, 一级指标 written 部门投入 / 部门管理 (管理 is 过程)."""
    year = report.year
    lines = {row.item: row for row in report.budget.itertuples()}

    def line(label: str, item: str) -> list[Any]:
        row = lines[item]
        return [label, _number(row.prior_executed), _number(row.budget), _number(row.executed)]

    head_rows = [
        [None, None, None, "单位：万元"],
        ["经费控制情况", f"{year - 1}年决算数", f"{year}年预算数", f"{year}年决算数"],
        line("部门整体支出", "部门整体支出"),
        line("三公经费", "三公经费"),
        line("1、公务用车购置和维护经费", "公务用车购置和维护经费"),
        line("其中：公车购置", "公车购置"),
        line("公车运行维护", "公车运行维护"),
        line("2、公务接待", "公务接待"),
        ["项目支出", None, None, None],
        line("1、业务工作专项", "业务工作专项"),
        ["公用经费", None, None, None],
        line("1、办公经费", "办公经费"),
        line("2、水费、电费、差旅费", "水费、电费、差旅费"),
        line("3、会议费、培训费", "会议费、培训费"),
        ["政府采购", None, None, None],
        line("1、政府采购金额", "政府采购金额"),
    ]
    head = Part(head_rows, [])
    header = [["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "完成情况", "得分",
               "偏差原因分析及改进措施"]]
    words = {"投入": "部门投入", "过程": "部门管理"}
    body, merges = _scored_kpis(report, words, ("category", "subcategory", "name", "weight", "target_text",
                                                "actual_text", "status_text", "score", "reason"))
    kpi = Part(header + body, merges, header_rows=1)
    return Form(f"{year}年度部门整体支出绩效评价基础数据表", head, kpi, 2, "部门整体支出绩效评价", 2, label_width=32)


def _final_accounts(label: str, running: str) -> Any:
    """A 决算 page's expenditure as a budget-only form (no indicator table): the body under ``label``,
    本年预算数 | 本年决算数 columns, 部门整体支出 and, where the page gives them, 基本支出 / 项目支出."""
    def build(report: Report) -> Form:
        rows = [[f"{label}：{report.meta['department']}" if label == "填报单位" else label,
                 None if label == "填报单位" else report.meta["department"], None],
                [None, None, "单位：万元"],
                ["支出决算情况", "本年预算数", "本年决算数"]]
        for row in report.budget.itertuples():
            words = {"合计": "", "支出性质": {"基本支出": "一、", "项目支出": "二、"}.get(row.item, "")}
            rows.append([f"{words[row.dimension]}{row.item}", _number(row.budget), _number(row.executed)])
        merges = [(1, 1, 1, 3)] if label == "填报单位" else [(1, 2, 1, 3)]
        return Form(f"{report.year}年度部门整体支出绩效评价基础数据表", Part(rows, merges), Part([]), 0, running, 0)
    return build


BUILDERS = {
    "hengshan": hengshan,
    "zhongjiang": zhongjiang,
    "tanghuzhen": tanghuzhen,
    "shangwuju": shangwuju,
    "hunan": hunan,
    "liangping": _final_accounts("填报单位", "梁平区总工会 部门决算"),
    "rongchang": _final_accounts("部门名称", "荣昌区总工会 部门决算"),
    "tongzhou": _final_accounts("预算部门", "通州区总工会 部门决算"),
}


def _na(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) == "nan"


# ---- .xlsx -----------------------------------------------------------------------------------------------


def write_xlsx(form: Form, path: Path, *, printable: bool = False, ruled: bool = True) -> None:
    """The form on one sheet; ``printable``: ruled cells, tall indicator rows (the table runs over two pages),
    the indicator header repeated on each page, a running header and page numbers (for the PDF)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.worksheet.pagebreak import Break

    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    width = max(len(r) for r in form.kpi.rows or form.head.rows)
    sheet.append([form.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    offset = 1
    spans: dict[str, tuple[int, int]] = {}
    for part in (form.head, form.kpi) if form.kpi.rows else (form.head,):
        spans["head" if part is form.head else "kpi"] = (offset + 1, offset + len(part.rows))
        for row in part.rows:
            sheet.append(row)
        for r0, c0, r1, c1 in part.merges:
            sheet.merge_cells(start_row=offset + r0, start_column=c0, end_row=offset + r1, end_column=c1)
        offset += len(part.rows)
        if part is form.head:
            sheet.append([])
            offset += 1
    sheet.append([])
    sheet.append(["注：本表由项目实施单位填报。"])
    if printable:
        thin = Side(style="thin", color="000000")
        for first, last in spans.values():
            for row in sheet.iter_rows(min_row=first, max_row=last, max_col=width):
                for cell in row:
                    if ruled:
                        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")  # as Word prints a merged cell
        first, last = spans.get("kpi", (0, -1))
        for r in range(first + form.kpi.header_rows, last + 1):
            sheet.row_dimensions[r].height = 60
        if form.kpi.rows:  # a page break after the split row: Calc would print a merged 一级指标 cut by a break
            sheet.row_breaks.append(Break(id=first + form.kpi.header_rows + form.print_break - 1))  # above the table
            sheet.print_title_rows = f"{first}:{first + form.kpi.header_rows - 1}"
        for column in range(1, width + 1):  # labels and names on one line: Calc does not grow a row to fit
            sheet.column_dimensions[chr(64 + column)].width = {1: form.label_width, 2: 30, 3: 30}.get(column, 12)
        sheet.oddHeader.center.text = form.running_header
        sheet.oddFooter.center.text = "第 &P 页"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    book.save(path)


# ---- .docx -----------------------------------------------------------------------------------------------

_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_FONT = '<w:rPr><w:rFonts w:ascii="Noto Serif CJK SC" w:eastAsia="Noto Serif CJK SC"/><w:sz w:val="{size}"/></w:rPr>'


def _run(text: str, size: int = 20) -> str:
    return f'<w:r>{_FONT.format(size=size)}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str, *, size: int = 20, center: bool = False, page_break: bool = False) -> str:
    props = "<w:pPr>" + ('<w:pageBreakBefore/>' if page_break else "") + \
        ('<w:jc w:val="center"/>' if center else "") + "</w:pPr>"
    return f"<w:p>{props}{_run(text, size) if text else ''}</w:p>"


def _cell_xml(value: Any, span: int, vmerge: str | None, width: int) -> str:
    props = f'<w:tcW w:w="{width * span}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    text = "" if value is None or vmerge == "continue" else str(value)
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_para(text, size=18)}</w:tc>"


def _table_xml(rows: list[list[Any]], merges: list[Merge], *, header_rows: int = 0, height: int = 0) -> str:
    width_total = 9600
    columns = max(len(r) for r in rows)
    width = width_total // columns
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{width_total}" w:type="dxa"/><w:tblBorders>{border}</w:tblBorders>'
           '<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>'
           + "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(columns)) + "</w:tblGrid>"]
    for r, row in enumerate(rows, start=1):
        props = ("<w:tblHeader/>" if r <= header_rows else "") + \
            (f'<w:trHeight w:val="{height}"/><w:cantSplit/>' if height else "")
        cells = []
        c = 1
        while c <= columns:
            merge = next((m for m in merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]), None)
            if merge is None:
                cells.append(_cell_xml(row[c - 1] if c <= len(row) else None, 1, None, width))
                c += 1
                continue
            span = merge[3] - merge[1] + 1
            vmerge = None if merge[0] == merge[2] else ("restart" if r == merge[0] else "continue")
            cells.append(_cell_xml(row[c - 1] if r == merge[0] else None, span, vmerge, width))
            c = merge[3] + 1
        out.append(f"<w:tr><w:trPr>{props}</w:trPr>{''.join(cells)}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _clip(part: Part, first: int, last: int, keep_header: bool) -> tuple[list[list[Any]], list[Merge]]:
    """Rows first..last (1-based) of a part, after its header rows when keep_header, merges clipped."""
    chosen = list(range(1, part.header_rows + 1)) if keep_header else []
    chosen += list(range(first, last + 1))
    rows = [list(part.rows[i - 1]) for i in chosen]
    index = {old: new for new, old in enumerate(chosen, start=1)}
    merges = []
    for r0, c0, r1, c1 in part.merges:
        inside = [r for r in range(r0, r1 + 1) if r in index]
        if not inside:
            continue
        top, bottom = index[inside[0]], index[inside[-1]]
        if r0 not in index:  # the merge began before the break: its text printed again at the top
            rows[top - 1][c0 - 1] = part.rows[r0 - 1][c0 - 1]
        if (top, bottom, c0, c1) != (top, top, c0, c0):
            merges.append((top, c0, bottom, c1))
    return rows, merges


_SECT = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
         '<w:pgMar w:top="1300" w:right="1000" w:bottom="1300" w:left="1000" w:header="600" w:footer="600"/>'
         '</w:sectPr>')


def _package(path: Path, body: str) -> None:
    rels = ['<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/>']
    types = ['<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/>',
             '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.styles+xml"/>']
    parts: dict[str, str] = {}
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    parts["[Content_Types].xml"] = (
        f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types) + "</Types>")
    parts["_rels/.rels"] = (
        f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>')
    parts["word/_rels/document.xml.rels"] = (
        f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels) + "</Relationships>")
    parts["word/styles.xml"] = f'{head}<w:styles {_NS}><w:docDefaults><w:rPrDefault>{_FONT.format(size=20)}' \
        '</w:rPrDefault></w:docDefaults></w:styles>'
    parts["word/document.xml"] = f'{head}<w:document {_NS}><w:body>{body}{_SECT}</w:body></w:document>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("[Content_Types].xml", "_rels/.rels", *sorted(n for n in parts if n.startswith("word/"))):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, parts[name])


def write_docx(form: Form, path: Path) -> None:
    """Title paragraph; head and budget in one table; the indicator table split by a page break, header repeated."""
    body = [_para(form.title, size=28, center=True),
            _table_xml(form.head.rows, form.head.merges), _para("")]
    if form.kpi.rows:
        first = form.kpi.header_rows + 1
        cut = first + form.split - 1
        rows, merges = _clip(form.kpi, first, cut, keep_header=True)
        body.append(_table_xml(rows, merges, header_rows=form.kpi.header_rows))
        rows, merges = _clip(form.kpi, cut + 1, len(form.kpi.rows), keep_header=True)
        body.append(_para("（续表）", page_break=True))
        body.append(_table_xml(rows, merges, header_rows=form.kpi.header_rows))
    body.append(_para("注：本表由项目实施单位填报。"))
    _package(path, "".join(body))


def _seed_blocks() -> list[str | list[list[str]]]:
    """The seed's text as blocks: a line (stripped), or a run of tab-separated lines as a table's rows."""
    blocks: list[str | list[list[str]]] = []
    table: list[list[str]] = []
    for line in [*SEED.read_text(encoding="utf-8").split("\n"), ""]:
        if "\t" in line:
            table.append(line.split("\t"))
            continue
        if table:
            blocks.append(table)
            table = []
        blocks.append(line.strip())
    return blocks


def write_seed_docx(path: Path) -> None:
    """The seed report's text as Word: each line a paragraph, each tab-separated block a Word table."""
    body = [_table_xml(block, []) if isinstance(block, list) else _para(block) for block in _seed_blocks()]
    _package(path, "".join(body))


def write_seed_html(path: Path) -> None:
    """The seed report as a web page saved in GBK without a charset declaration: <p> per line, tables."""
    body = [_table_html(Part(block)) if isinstance(block, list) else f"<p>{html.escape(block)}</p>"
            for block in _seed_blocks() if block]
    page = "<html><head><title>部门整体支出绩效自评报告</title></head><body>" + "\n".join(body) + "</body></html>"
    path.write_bytes(page.encode("gb18030"))


# ---- .html ------------------------------------------------------------------------------------------------


def _table_html(part: Part) -> str:
    out = ['<table border="1" cellspacing="0">']
    for r, row in enumerate(part.rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            merge = next((m for m in part.merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]), None)
            if merge is not None and (r, c) != (merge[0], merge[1]):
                continue
            attrs = ""
            if merge is not None:
                if merge[2] > merge[0]:
                    attrs += f' rowspan="{merge[2] - merge[0] + 1}"'
                if merge[3] > merge[1]:
                    attrs += f' colspan="{merge[3] - merge[1] + 1}"'
            text = "" if value is None else html.escape(str(value))
            cells.append(f"<td{attrs}>{text}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def write_html(form: Form, path: Path) -> None:
    page = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8"><title>绩效自评公开</title>',
            "<style>td{border:1px solid #000}</style><script>var x = '<td>不是表格</td>';</script></head><body>",
            f"<h1>{html.escape(form.title)}</h1>", _table_html(form.head), "<p>&nbsp;</p>",
            _table_html(form.kpi) if form.kpi.rows else "",
            "<p>注：本表由项目实施单位填报。</p>", "</body></html>"]
    path.write_text("\n".join(page), encoding="utf-8")


# ---- LibreOffice ------------------------------------------------------------------------------------------


def convert(source: Path, target: Path, to: str) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice (LibreOffice) is needed for the .pdf and .xls fixtures")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", to,
                        "--outdir", folder, str(source)], check=True, capture_output=True, timeout=300)
        made = next(p for p in Path(folder).iterdir() if p.is_file() and p.suffix == target.suffix)
        shutil.move(made, target)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, workbook in SOURCES.items():
        form = BUILDERS[name](load_report(REFERENCE / workbook))
        write_xlsx(form, OUT / f"{name}.xlsx")
        write_docx(form, OUT / f"{name}.docx")
        write_html(form, OUT / f"{name}.html")
        with tempfile.TemporaryDirectory() as folder:
            printable = Path(folder) / f"{name}.xlsx"
            write_xlsx(form, printable, printable=True)
            convert(printable, OUT / f"{name}.pdf", "pdf")
            if name == "zhongjiang":  # no ruling lines: the tables are found by aligned text
                write_xlsx(form, printable, printable=True, ruled=False)
                convert(printable, OUT / f"{name}-unruled.pdf", "pdf")
            if name == "hengshan":  # the hazard: a page break cutting the merged 效益 cell (its text lands outside)
                form.print_break = 10
                write_xlsx(form, printable, printable=True)
                convert(printable, OUT / f"{name}-cut-category.pdf", "pdf")
        convert(OUT / f"{name}.xlsx", OUT / f"{name}.xls", 'xls:MS Excel 97')
        shutil.copyfile(OUT / f"{name}.xls", OUT / f"{name}.et")
    write_seed_docx(OUT / "huangpu-report.docx")
    write_seed_html(OUT / "huangpu-report.html")
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
