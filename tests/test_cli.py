"""The ``perfeval`` command: exit codes, JSON output, the deck and the offline HTML report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfeval_utils.cli import main

from .builders import valid_sheets, write_workbook

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"
CONSISTENT = ROOT / "data" / "reference" / "hengshan-shangwuliangshiju-chubeiliang-2020.xlsx"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_exits_0_when_everything_holds() -> None:
    code, out, _ = run("check", str(CONSISTENT))
    assert code == 0 and "1 个可读取 loaded, 0 项核对未通过" in out


def test_check_exits_1_when_a_check_fails() -> None:
    code, out, _ = run("check", str(SEED))
    assert code == 1 and "huangpu-zonggonghui-2022.xlsx" in out and " 44 " in out


def test_check_exits_1_when_a_workbook_cannot_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("维度,项目\n", encoding="utf-8")
    shutil.copy(CONSISTENT, tmp_path / "good.xlsx")
    code, out, _ = run("check", str(tmp_path))
    assert code == 1 and "bad.xlsx" in out and "not an .xlsx workbook" in out and "1 个可读取 loaded" in out


def test_check_json() -> None:
    code, out, _ = run("check", "--format", "json", str(SEED))
    rows = json.loads(out)
    assert code == 1 and rows[0]["checks"] == 44 and rows[0]["failed"] == 6
    assert rows[0]["findings"][0].startswith("支出性质各项执行数之和为 1415.43 万元")


def test_missing_path_is_a_usage_error() -> None:
    code, _, err = run("check", "no/such/folder")
    assert code == 2 and "not found: no/such/folder" in err


def test_bad_workbook_for_deck_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["预算"][1][2] = "1,415.43万元"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    result = subprocess.run([sys.executable, "-m", "perfeval_utils", "deck", str(path), "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "工作表「预算」, 第 2 行, 列「预算数」" in result.stderr
    debug = subprocess.run([sys.executable, "-m", "perfeval_utils", "--debug", "deck", str(path)],
                           capture_output=True, text=True, check=False)
    assert "Traceback" in debug.stderr


def test_help_is_bilingual() -> None:
    for command in ([], ["check"], ["report"], ["figures"], ["deck"]):
        code, out, _ = run(*command, "--help")
        assert code == 0 and "/" in out
    assert "校验并核对工作簿 / validate and reconcile workbooks" in run("check", "--help")[1]


def test_deck_slides_titles_pictures_and_east_asian_font(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.oxml.ns import qn

    code, _, _ = run("deck", str(SEED), "--out", str(tmp_path))
    assert code == 0
    deck_path = next(tmp_path.rglob("*.pptx"))
    deck = Presentation(str(deck_path))
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    titles = [slide.shapes[0].text_frame.text for slide in deck.slides]
    assert titles == [
        "广州市黄埔区总工会（广州开发区总工会） 2022 年度绩效自评",
        "预算执行率 98.25%：执行 1390.69 万元，预算 1415.43 万元",
        "10 项指标中 8 项完成，2 项未完成",
        "劳模疗养参加数量完成 80.43%，差 9 名",
        "得分：重算 98.14 分（优），报告自评 98.39 分",
        "复核：44 项核对中 6 项需说明",
    ]
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 4 and all(len(p.image.blob) > 10_000 for p in pictures)
    runs = [run for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    assert runs and all(run._r.rPr.find(qn("a:ea")).get("typeface") == "Microsoft YaHei" for run in runs)


def test_report_writes_offline_html(tmp_path: Path) -> None:
    from perfeval_utils.present.build import remote_references

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SEED, data / SEED.name)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_overview.ipynb", notebooks)
    out = tmp_path / "build"
    code, listing, _ = run("report", str(data / SEED.name), "--out", str(out), "--notebooks", str(notebooks))
    assert code == 0
    folder = out / "广州市黄埔区总工会（广州开发区总工会）_2022"
    html = (folder / "00_overview_汇报.html").read_text(encoding="utf-8")  # the presenter's: no code
    assert "预算数 1415.43 万元" in html
    assert remote_references(html) == []
    assert '<span class="n">setup</span>' not in html
    assert '<span class="n">setup</span>' in (folder / "00_overview.html").read_text(encoding="utf-8")
    executed = (folder / "00_overview.ipynb").read_text(encoding="utf-8")
    assert "department = '广州市黄埔区总工会（广州开发区总工会）'" in executed  # injected readable, not \\uXXXX
    assert (folder / "huangpu-zonggonghui-2022_评审会.pptx").exists()
    assert len(list((folder / "figures").glob("*.png"))) == 5
    assert "00_overview.html" in listing and "KiB" in listing


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_python_m_entry_point(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "perfeval_utils", *args], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and "perfeval" in result.stdout


def test_template_command_writes_a_loadable_workbook(tmp_path: Path) -> None:
    from perfeval_utils import load_report

    target = tmp_path / "2023.xlsx"
    code, out, _ = run("template", str(target), "--department", "测试区总工会", "--year", "2023", "--like", str(SEED))
    assert code == 0 and str(target) in out
    report = load_report(target)
    assert (report.department, report.year) == ("测试区总工会", 2023)
    assert list(report.kpis["name"]) == list(load_report(SEED).kpis["name"])  # carried over from 2022
    assert report.kpis["actual_text"].isna().all()  # only the actuals remain to be typed


def test_extract_command_prints_open_questions(tmp_path: Path) -> None:
    target = tmp_path / "extracted.xlsx"
    seed_text = ROOT / "seeds" / "2022_黄埔区总工会_部门整体支出绩效自评报告.txt"
    code, out, _ = run("extract", str(seed_text), str(target))
    assert code == 0 and target.exists()
    assert "待确认 open question: 第29行" in out and "一级指标" in out
