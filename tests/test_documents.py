"""read_document and perfeval import on every format a department sends (issue #13).

The fixtures in tests/fixtures/documents/ are built by scripts/make_fixtures.py from eight of the nine
reference workbooks (data/reference/; yiyang is left out, see the script) and the seed; each must give
back the reference's figures. Small documents written inside the tests cover merges, encodings and refusals.
"""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from perfeval_utils.cli import main
from perfeval_utils.errors import (
    NotAWorkbookError,
    PerfevalError,
    ReportTextError,
    ScannedDocumentError,
    UnknownDocumentError,
    UnsafeWorkbookError,
)
from perfeval_utils.read.document import Intake, read_document
from perfeval_utils.read.docx import docx_blocks
from perfeval_utils.read.text import extract_report
from perfeval_utils.read.workbook import load_report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "documents"
_TABLE = json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8"))  # shared with scripts/make_fixtures.py
REFERENCE = {name: ROOT / "data" / "reference" / workbook for name, workbook in _TABLE["sources"].items()}
OVERRIDES: dict[str, dict[str, str]] = _TABLE["overrides"]
FORMATS = ("xlsx", "xls", "et", "docx", "pdf", "html")
READER = {"xlsx": "xlsx form", "xls": "xls form", "et": "xls form", "docx": "docx form", "pdf": "pdf form",
          "html": "html form"}
SEED = ROOT / "seeds" / "2022_黄埔区总工会_部门整体支出绩效自评报告.txt"
NOTE = "注：本表由项目实施单位填报。"
KPI_FIELDS = ("name", "target_text", "actual_text", "weight", "score", "category", "subcategory", "status_text",
              "reason")


def _value(value: Any) -> Any:
    return None if value is None or (not isinstance(value, Decimal) and pd.isna(value)) else value


def recovered(intake: Intake, reference: Any) -> dict[str, tuple[int, int]]:
    """(equal, total) for indicators (every field of KPI_FIELDS equal) and budget lines (figures equal).

    The 合计 line is matched by its dimension (the form calls it 年度资金总额, the reference workbook by the
    project's name); a 资金来源 line by its item.
    """
    kpis_ok = sum(
        all(_value(getattr(got, f)) == _value(getattr(want, f)) for f in KPI_FIELDS)
        for got, want in zip(intake.report.kpis.itertuples(), reference.kpis.itertuples(), strict=False)
    )
    lines_ok = 0
    for want in reference.budget.itertuples():
        got = intake.report.budget
        same = got[got["dimension"] == want.dimension]
        if want.dimension != "合计":
            same = same[same["item"] == want.item]
        if len(same) == 1 and all(_value(same.iloc[0][f]) == _value(getattr(want, f))
                                  for f in ("budget", "executed", "prior_executed", "stated_rate")):
            lines_ok += 1
    return {"indicators": (kpis_ok, len(reference.kpis)), "budget lines": (lines_ok, len(reference.budget))}


@pytest.fixture(scope="module")
def intakes() -> dict[tuple[str, str], Intake]:
    return {(name, fmt): read_document(FIXTURES / f"{name}.{fmt}", **OVERRIDES.get(name, {}))
            for name in REFERENCE for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_fixture_gives_the_reference_figures(intakes: dict, name: str, fmt: str) -> None:
    intake, reference = intakes[(name, fmt)], load_report(REFERENCE[name])
    assert intake.reader == READER[fmt]
    counts = recovered(intake, reference)
    assert counts["indicators"] == (len(reference.kpis), len(reference.kpis))
    assert counts["budget lines"] == (len(reference.budget), len(reference.budget))
    assert len(intake.report.kpis) == len(reference.kpis)
    for key in ("department", "year", "amount_unit", "execution_weight", "execution_score", "self_score"):
        assert intake.report.meta[key] == reference.meta[key], key


def test_the_department_code_and_the_implementing_body_are_read_as_real_forms_print_them(intakes: dict) -> None:
    """hengshan prints 主管部门及代码 | [430423]…; zhongjiang names its body only under 实施单位 (a warning)."""
    for fmt in FORMATS:
        assert intakes[("hengshan", fmt)].report.meta["部门代码"] == "430423"
        zhongjiang = intakes[("zhongjiang", fmt)]
        assert [w.code for w in zhongjiang.report.warnings] == ["department-from-implementer"]
        assert any("实施单位" in q for q in zhongjiang.open_questions)


def test_nothing_read_is_silently_dropped(intakes: dict) -> None:
    """The note under each form is in unplaced; the web page's <title> too; the PDF's page furniture is listed."""
    for (name, fmt), intake in intakes.items():
        assert NOTE in set(intake.unplaced["value"]), (name, fmt)
    assert "绩效自评公开" in set(intakes[("hengshan", "html")].unplaced["value"])
    assert intakes[("hengshan", "pdf")].dropped == ("第1页: 衡山县商务和粮食局 绩效自评", "第1页: 第 1 页",
                                                   "第2页: 衡山县商务和粮食局 绩效自评", "第2页: 第 2 页")


def test_a_kpi_table_running_onto_the_next_page_continues(intakes: dict) -> None:
    sources = list(intakes[("hengshan", "pdf")].report.kpis["source"])
    assert sources[0].startswith("第1页表") and sources[-1].startswith("第2页表")
    split = list(intakes[("hengshan", "docx")].report.kpis["source"])
    assert split[8].startswith("表2") and split[9].startswith("表3")  # the page-break header between them skipped


def test_a_form_printed_without_ruling_lines_is_read_by_aligned_text() -> None:
    """No ruled table: words go to the header cell they sit under (numbers right-aligned, headers left)."""
    intake = read_document(FIXTURES / "zhongjiang-unruled.pdf")
    reference = load_report(REFERENCE["zhongjiang"])
    assert recovered(intake, reference) == {"indicators": (9, 9), "budget lines": (2, 2)}
    assert intake.report.meta["execution_weight"] == Decimal(10)
    assert intake.report.kpis["source"].iloc[0].startswith("第1页第")
    assert NOTE in set(intake.unplaced["value"])


def test_a_category_cut_off_its_table_by_a_page_break_is_an_open_question() -> None:
    """Calc prints a merged 效益指标 cut by a page break above the next page's table: its rows cannot be told
    from the 产出 rows above, so the reader says so instead of passing the filled-down category silently."""
    intake = read_document(FIXTURES / "hengshan-cut-category.pdf")
    assert any("效益指标" in q and "一级指标" in q for q in intake.open_questions)
    assert "效益指标 经济效益指标" in set(intake.unplaced["value"])


def test_word_merges_come_from_gridspan_and_vmerge() -> None:
    """hengshan.docx table 2: 绩效指标 spans three columns; 产出指标 runs down nine rows from row 3."""
    table = [b for b in docx_blocks(FIXTURES / "hengshan.docx") if b.table][1]
    assert (1, 1, 1, 3) in table.merges
    assert (3, 1, 11, 1) in table.merges
    assert table.rows[2][0] == "产出指标" and table.rows[3][0] is None


@pytest.mark.parametrize(("fmt", "encoding"), [("docx", None), ("html", "GB18030")])
def test_the_seed_report_as_word_or_web_page_reads_as_its_text_does(fmt: str, encoding: str | None) -> None:
    """The seed's lines as Word paragraphs and tables, or as a GBK web page without a charset: same figures."""
    intake = read_document(FIXTURES / f"huangpu-report.{fmt}")
    text = extract_report(SEED)
    assert (intake.reader, intake.encoding) == (f"{fmt} text", encoding)
    columns = ["indicator_id", "name", "target_text", "actual_text", "status_text", "reason"]
    assert intake.report.kpis[columns].fillna("").equals(text.report.kpis[columns].fillna(""))
    budget = ["dimension", "item", "budget", "executed", "stated_rate"]
    assert intake.report.budget[budget].values.tolist() == text.report.budget[budget].values.tolist()
    assert intake.report.meta["self_score"] == Decimal("98.39")
    assert intake.report.department == text.report.department
    assert len(intake.report.tasks) == 2 and len(intake.report.claims) == 12
    assert any("一级指标" in q for q in intake.open_questions)
    assert "prose without a figure that is read" in set(intake.unplaced["reason"])


# ---- web pages -----------------------------------------------------------------------------------------

PAGE = """<html><head><meta charset="gbk">
<script>document.write('<table><tr><td>不是</td></tr></table>')</script></head><body><h2>项目支出绩效自评表（2023年度）</h2><p>主管部门：测试局</p><p>金额单位：万元</p>
<table><tr><td rowspan="2">项目资金</td><td></td><td>全年预算数</td><td>全年执行数</td></tr>
<tr><td>年度资金总额</td><td>100</td><td>90</td></tr></table>
<table><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>年度指标值</td><td>实际完成值</td><td>备注</td></tr>
<tr><td rowspan="2">产出指标</td><td colspan="2">培训次数</td><td>4次</td><td>4次</td><td>见附件</td></tr>
<tr><td>数量指标</td><td>慰问人数</td><td>100人</td><td>98人</td><td></td></tr></table></body></html>"""


def test_a_web_page_in_gbk_with_rowspan_and_colspan(tmp_path: Path) -> None:
    """产出指标 spans two rows; 培训次数 spans 二级 and 三级 (so the merged cell gives the name); script is skipped."""
    path = tmp_path / "page.htm"
    path.write_bytes(PAGE.encode("gbk"))
    intake = read_document(path)
    assert intake.reader == "html form" and intake.encoding == "GB18030 (declared by the page)"
    kpis = intake.report.kpis
    assert list(kpis["category"]) == ["产出", "产出"]
    assert list(kpis["actual_text"]) == ["4次", "98人"]
    assert intake.report.budget["executed"].tolist() == [Decimal(90)]
    assert "见附件" in set(intake.unplaced["value"])
    assert "不是" not in set(intake.unplaced["value"])


# ---- the reader is chosen by content, and bad input is refused clearly ----------------------------------


def test_the_reader_is_chosen_by_the_bytes_not_the_name(tmp_path: Path) -> None:
    renamed = tmp_path / "自评表.txt"
    renamed.write_bytes((FIXTURES / "hengshan.pdf").read_bytes())
    assert read_document(renamed).reader == "pdf form"
    xlsx = tmp_path / "自评表.dat"
    xlsx.write_bytes((FIXTURES / "zhongjiang.xlsx").read_bytes())
    assert len(read_document(xlsx).report.kpis) == 9


def test_a_given_department_that_contradicts_the_text_is_an_open_question() -> None:
    intake = read_document(FIXTURES / "huangpu-report.docx", department="别的单位", year=2022)
    assert intake.report.department == "广州市黄埔区总工会（广州开发区总工会）"
    assert any("别的单位" in q for q in intake.open_questions)
    assert not any("2022" in q and "year" in q for q in intake.open_questions)


def test_a_misspelt_override_is_not_ignored() -> None:
    with pytest.raises(TypeError, match="departmnet"):
        read_document(FIXTURES / "hengshan.xlsx", departmnet="测试局")


def test_an_old_word_document_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "报告.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "WordDocument".encode("utf-16-le"))
    with pytest.raises(NotAWorkbookError, match=r"报告\.doc.*save it as \.docx"):
        read_document(path)


def test_a_scanned_pdf_is_refused_with_its_page_count(tmp_path: Path) -> None:
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[3 0 R 4 0 R]/Count 2>>endobj\n"
                     b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                     b"4 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                     b"trailer<</Root 1 0 R>>\n%%EOF\n")
    with pytest.raises(ScannedDocumentError, match=r"扫描件\.pdf: the PDF has no text layer \(2 页"):
        read_document(path)


def test_a_word_zip_bomb_is_refused_by_the_package_checks(tmp_path: Path) -> None:
    """2 MB of blanks deflate about 1000×: above the 200× read/package.py allows for a part over 1 MB."""
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", " " * (2 * 1024 * 1024))
    with pytest.raises(UnsafeWorkbookError, match="zip bomb"):
        read_document(path)


@pytest.mark.parametrize(("content", "error", "words"), [
    (b"", UnknownDocumentError, "empty"),
    (b"PK\x03\x04 not really a zip", UnknownDocumentError, "damaged zip"),
    (b"abc \x80\xff def", ReportTextError, "GB18030"),
])
def test_unreadable_documents_are_refused_with_the_file_named(tmp_path: Path, content: bytes,
                                                             error: type, words: str) -> None:
    path = tmp_path / "坏文件.bin"
    path.write_bytes(content)
    with pytest.raises(error, match=words) as caught:
        read_document(path)
    assert isinstance(caught.value, PerfevalError) and "坏文件.bin" in str(caught.value)


# ---- perfeval import, then perfeval check ---------------------------------------------------------------


def test_import_then_check_works_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    files = [str(FIXTURES / f"{name}.{fmt}") for name in REFERENCE if name not in OVERRIDES for fmt in FORMATS]
    imported = runner.invoke(main, ["import", *files, "--out", str(tmp_path)], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    assert len(imported.output.strip().splitlines()) == len(files)
    for name, given in OVERRIDES.items():
        told = [str(FIXTURES / f"{name}.{fmt}") for fmt in FORMATS]
        options = [word for key, value in given.items() for word in (f"--{key}", value)]
        told_imported = runner.invoke(main, ["import", *told, *options, "--out", str(tmp_path)],
                                      catch_exceptions=False)
        assert told_imported.exit_code == 0, told_imported.output
        files += told
    assert "hengshan.pdf: pdf form, 16 个指标 indicators" in imported.output
    checked = runner.invoke(main, ["check", "--format", "json", str(tmp_path)], catch_exceptions=False)
    import json

    rows = json.loads(checked.output)
    assert len(rows) == len(files) and all(row["error"] is None for row in rows)
    assert {row["failed"] for row in rows if "hengshan" in row["file"]} == {0}
    # zhongjiang: 9 indicators carry 100 points and the budget line 10 more, against a total of 100 (docs/forms.md)
    assert {row["failed"] for row in rows if "zhongjiang" in row["file"]} == {2}
    pending = load_workbook(tmp_path / "hengshan_pdf.xlsx")["待核"]
    values = [[c.value for c in row] for row in pending.iter_rows()]
    assert values[1][:3] == ["未读入", "第2页第2行", NOTE]
    assert any(row[0] == "已略去（页眉页脚页码）" for row in values)


def test_import_says_what_it_needs_for_a_form_that_does_not_state_it(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(FIXTURES / "huangpu-report.docx"), "--out", str(tmp_path)],
                           catch_exceptions=False)
    assert result.exit_code == 0
    assert "docx text, 10 个指标 indicators" in result.output
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(b"%PDF-1.4\ntrailer<<>>\n%%EOF\n")
    failed = runner.invoke(main, ["import", str(broken), "--out", str(tmp_path)], catch_exceptions=False)
    assert failed.exit_code == 2 and "坏.pdf" in failed.output


#: Printed labels of the forms' blocks that hold no figure of their own (the budget block's and 基础数据表's corner).
TEMPLATE_WORDS = ("年度资金总额", "其他资金", "总分", "项目资金（万元）", "年度预算执行情况（万元）", "经费控制情况",
                  "支出决算情况")
_YEAR_COLUMN = re.compile(r"(?:19|20)\d{2}年(?:预算|决算)数")


@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_non_blank_cell_of_a_form_is_read_recognised_or_listed(name: str) -> None:
    """Walk every non-blank cell of the .xlsx fixture: it is a value the Report holds, a header, label,
    title or category word the form logic recognises, or a row of unplaced — never simply gone."""
    from perfeval_utils.read.form.head import _unit_in
    from perfeval_utils.read.form.labels import (
        BASIC_HEADER_WORDS,
        BUDGET_HEADER_WORDS,
        KPI_HEADER_WORDS,
        META_LABELS,
        form_category,
        label_key,
        squash,
    )
    from perfeval_utils.read.form.layout import classify
    from perfeval_utils.read.form.records import _item

    intake = read_document(FIXTURES / f"{name}.xlsx", **OVERRIDES.get(name, {}))
    report = intake.report
    held = {str(v) for frame in (report.budget, report.kpis, report.claims) for v in frame.to_numpy().ravel()}
    held |= {str(v) for v in report.meta.values()} | {f"[430423]{report.department}"}
    listed = set(intake.unplaced["value"])
    sheet = load_workbook(FIXTURES / f"{name}.xlsx").active
    gone = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = str(cell.value)
            known = (text in held or text in listed or "自评表" in text or "基础数据表" in text
                     or label_key(text) in META_LABELS or classify(text, KPI_HEADER_WORDS)
                     or classify(text, BUDGET_HEADER_WORDS) or classify(text, BASIC_HEADER_WORDS)
                     or form_category(text)[0] or text in TEMPLATE_WORDS or _YEAR_COLUMN.fullmatch(text)
                     or _unit_in(squash(text)) or label_key(text.split("：")[0]) in META_LABELS
                     or _item(text) in held or text.removesuffix("%") in held)
            if not known:
                gone.append((cell.coordinate, text))
    assert gone == []


def test_an_xlsx_form_passes_the_package_check_first(tmp_path: Path) -> None:
    """load_form (and read_document) refuse a form carrying VBA macros, as load_report does."""
    from perfeval_utils.errors import MacroWorkbookError

    path = tmp_path / "自评表.xlsx"
    with zipfile.ZipFile(FIXTURES / "zhongjiang.xlsx") as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(MacroWorkbookError, match="macros"):
        read_document(path)


def test_import_takes_the_department_and_year_a_form_does_not_state(tmp_path: Path) -> None:
    from .form_builders import write_rows

    rows = [["项目支出绩效自评表"], [None, None, None, "金额单位：万元"],
            ["项目资金", None, "全年预算数", "全年执行数"], [None, "年度资金总额", 100, 90], [],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
            ["项目产出", "数量指标", "培训次数", "4次", "4次"]]
    form = write_rows(tmp_path / "无部门.xlsx", rows)
    runner = CliRunner()
    refused = runner.invoke(main, ["import", str(form), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert refused.exit_code == 2 and "--department" in refused.output
    done = runner.invoke(main, ["import", str(form), "--out", str(tmp_path / "out"), "--department", "测试局",
                                "--year", "2023"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    report = load_report(tmp_path / "out" / "无部门_xlsx.xlsx")
    assert (report.department, report.year, list(report.kpis["category"])) == ("测试局", 2023, ["产出"])


def test_a_bracket_wrapped_onto_the_next_line_of_latin_text_keeps_its_blank() -> None:
    """Hunan's 实际完成值 (the transcriber's English) wraps before its bracket in the PDF; Chinese does not."""
    from perfeval_utils.read.pdf import _cell

    assert _cell("767.86 added to 1922.76\n(≈39.9%)") == "767.86 added to 1922.76 (≈39.9%)"
    assert _cell("服务外包在岸\n(万美元)") == "服务外包在岸(万美元)"
    assert _cell("100\n(万元)") == "100(万元)"
    assert _cell("grew year\non year") == "grew year on year"
