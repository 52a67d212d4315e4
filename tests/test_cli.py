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
from tests.conftest import REFERENCE, ROOT, SEED

from .builders import valid_sheets, write_workbook

CONSISTENT = REFERENCE / "hengshan-shangwuliangshiju-chubeiliang-2020.xlsx"


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


def test_deck_is_built_on_placeholders_with_notes_and_the_theme_font(tmp_path: Path) -> None:
    from lxml import etree
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn

    code, _, _ = run("deck", str(SEED), "--out", str(tmp_path))
    assert code == 0
    deck_path = next(tmp_path.rglob("*.pptx"))
    deck = Presentation(str(deck_path))
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    # every slide has a title placeholder (outline view, navigation, screen readers)
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles == [
        "广州市黄埔区总工会（广州开发区总工会） 2022 年度绩效自评",
        "预算执行率 98.25%：执行 1390.69 万元，预算 1415.43 万元",
        "10 项指标中 8 项完成，2 项未完成",
        "劳模疗养参加数量完成 80.43%，差 9 名",
        "得分：重算 98.14 分（优），报告自评 98.39 分",
        "复核：44 项核对中 6 项需说明",
        "复核发现第 1–4 项（共 6 项）",
        "复核发现第 5–6 项（共 6 项）",
    ]
    layouts = [slide.slide_layout.name for slide in deck.slides]
    assert layouts == ["标题幻灯片", *["标题和图片"] * 5, "标题和要点", "标题和要点"]
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 14
                and shape.placeholder_format.type == 18]  # pictures placed in the picture placeholder
    assert len(pictures) == 5 and all(len(p.image.blob) > 10_000 for p in pictures)
    assert all(p._element.nvPicPr.cNvPr.get("descr", "").startswith("图表：") for p in pictures)  # alt text
    findings = [p.text for slide in list(deck.slides)[6:] for p in slide.placeholders[1].text_frame.paragraphs]
    assert len(findings) == 6 and findings[0].startswith("支出性质各项执行数之和为 1415.43 万元")
    # speaker notes everywhere, with the figures' 出处 and how they were computed
    notes = [slide.notes_slide.notes_text_frame.text for slide in deck.slides]
    assert all("出处" in text for text in notes)
    assert "1390.69 ÷ 1415.43 × 100 = 98.2521%" in notes[1] and "第27行" in notes[1]
    assert "差 = 预期 − 实现 = 9 名" in notes[3]
    # no run sets a typeface: the theme's East Asian font does, with the GB2312 charset for substitution
    runs = [run for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    assert runs and all(run._r.rPr is None or run._r.rPr.find(qn("a:ea")) is None for run in runs)
    assert all(run._r.rPr is None or run._r.rPr.find(qn("a:latin")) is None for run in runs)
    theme = etree.fromstring(deck.slide_master.part.part_related_by(RT.THEME).blob)
    for kind in ("a:majorFont", "a:minorFont"):
        ea = theme.find(f".//{qn(kind)}/{qn('a:ea')}")
        assert (ea.get("typeface"), ea.get("charset")) == ("Microsoft YaHei", "-122")


def test_deck_adds_a_year_over_year_slide_when_the_department_has_two_years(tmp_path: Path) -> None:
    """yiyang 2022 states its 2021 executed figure (1274.38 万元) beside its own 1342.49 万元."""
    from pptx import Presentation

    from perfeval_utils.present.deck import write_deck
    from perfeval_utils.read.workbook import load_report

    report = load_report(ROOT / "data" / "reference" / "yiyang-zonggonghui-2022.xlsx")
    deck = Presentation(str(write_deck(report, tmp_path / "deck.pptx", {})))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[2] == "执行数 2021 年 → 2022 年：1274.38 → 1342.49 万元"
    assert titles[3] == "报告未列绩效指标" and "无未完成指标" not in titles  # no "0 项指标中 0 项完成"
    assert (tmp_path / "figures" / "year_over_year.png").stat().st_size > 10_000
    assert "2021 年" in deck.slides[2].notes_slide.notes_text_frame.text
    single = Presentation(str(write_deck(load_report(SEED), tmp_path / "seed.pptx", {})))
    assert not any("年 →" in slide.shapes.title.text for slide in single.slides)  # one year only: no such slide


def test_findings_are_at_most_four_per_slide() -> None:
    from perfeval_utils.present.deck import BULLETS_LAYOUT, MAX_FINDINGS_ON_SLIDE, plan_slides
    from perfeval_utils.read.workbook import load_report

    plans = [p for p in plan_slides(load_report(SEED), {}) if p.layout == BULLETS_LAYOUT]
    assert MAX_FINDINGS_ON_SLIDE == 4 and [len(p.lines) for p in plans] == [4, 2]


def test_report_writes_offline_html(tmp_path: Path) -> None:
    from perfeval_utils.present.html import remote_references

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


def test_the_command_process_ends_fast_but_runs_its_exit_handlers_and_keeps_its_status(tmp_path: Path) -> None:
    """As a process, the command skips the interpreter's teardown (0.2 s) but not what exit handlers do:
    a handler registered with atexit still runs, everything printed arrives, the exit status is click's."""
    marker = tmp_path / "handler-ran"
    code = ("import atexit, pathlib\nfrom perfeval_utils.cli import main\n"
            f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ran')\n"
            "main(['check', 'missing.xlsx'], prog_name='perfeval')\n")
    failed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", check=False)
    assert failed.returncode == 2 and "missing.xlsx" in failed.stderr
    assert marker.read_text() == "ran"
    listed = subprocess.run([sys.executable, "-m", "perfeval_utils", "check", "--format", "json", str(SEED)],
                            capture_output=True, text=True, encoding="utf-8", check=False)
    assert listed.returncode == 1 and json.loads(listed.stdout)  # checks that fail: 1, all of the JSON flushed


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


def test_report_of_a_file_needs_no_data_folder_where_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`perfeval report FILE` from a folder without data/ runs (--data is only checked when used), and
    without FILE the missing default is one clear line and exit 2."""
    from perfeval_utils.present import build

    asked: list[object] = []
    monkeypatch.setattr(build, "run_all", lambda notebooks, data, out, workers: asked.append(data) or [])
    monkeypatch.chdir(tmp_path)
    code, _, _ = run("report", str(SEED), "--notebooks", str(ROOT / "notebooks"))
    assert code == 0 and asked == [[SEED]]
    code, _, err = run("report", "--notebooks", str(ROOT / "notebooks"))
    assert code == 2 and "not found: data" in err and asked == [[SEED]]
