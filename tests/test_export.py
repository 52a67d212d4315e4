"""Exports: the performance module's fields (blanks where no source) and a Fiscal Data Package of budget lines."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from perfeval_utils.cli import main
from perfeval_utils.present.export import (
    BUDGET_FIELDS,
    INDICATOR_FIELDS,
    fiscal_descriptor,
    indicator_table,
    score_table,
    write_fiscal_package,
)

from .review_builders import report_set, workbook


def _set(tmp_path: Path):
    workbook(tmp_path, "甲", 2022, [("≥10 场", "12 场", "已完成", 50, 50, None),
                                    ("满意", "基本满意", "未完成", 50, 40, "部分会员反映等候时间长")])
    workbook(tmp_path, "乙", 2022, budget=232000, executed=230500, self_score=None)
    sheets = tmp_path / "乙-2022.xlsx"
    book = load_workbook(sheets)
    book["基本信息"]["B4"] = "元"  # 乙 states its amounts in 元
    book.save(sheets)
    return report_set(tmp_path)


def test_indicators_carry_the_performance_module_field_names_and_leave_unknowns_empty(tmp_path: Path) -> None:
    table = indicator_table(_set(tmp_path))
    assert list(table.columns) == INDICATOR_FIELDS
    own = table[table["单位名称"] == "甲"]
    first = own.iloc[0]
    assert (first["一级指标"], first["三级指标"], first["指标值"], first["实际完成值"]) == (
        "产出指标", "指标1", "≥10 场", "12 场")
    assert (first["指标性质"], first["计算符号"], first["度量单位"], first["分值"], first["得分"]) == (
        "定量", "≥", "场", "50", "50")
    assert first["改进措施"] == "" and first["二级指标"] == ""  # no source: empty, not guessed
    second = own.iloc[1]
    assert second["指标性质"] == "定性" and second["偏差原因分析"] == "部分会员反映等候时间长"
    assert second["得分"] == "40" and second["项目名称"] == "部门整体支出"


def test_scores_keep_each_workbooks_own_unit(tmp_path: Path) -> None:
    table = score_table(_set(tmp_path)).set_index("单位名称")
    assert (table.loc["乙", "金额单位"], table.loc["乙", "年度预算数"], table.loc["乙", "全年执行数"]) == (
        "元", "232000", "230500")
    assert table.loc["乙", "自评得分"] == "" and table.loc["甲", "自评得分"] == "98.39"


def test_the_fiscal_data_package_tags_phases_and_the_unit_factor(tmp_path: Path) -> None:
    """乙's 232000 元 is 23.2 万元 in the package (exactly), and the factor 10000 turns 万元 into 元."""
    written = write_fiscal_package(_set(tmp_path), tmp_path / "fdp")
    descriptor = json.loads((tmp_path / "fdp" / "datapackage.json").read_text(encoding="utf-8"))
    assert [p.name for p in written] == ["datapackage.json", "budget-lines.csv"]
    measures = descriptor["model"]["measures"]
    assert measures["approved"] == {"source": "approved", "phase": "approved", "currency": "CNY", "factor": 10000,
                                    "direction": "expenditure"}
    assert measures["executed"]["phase"] == "executed"
    schema = descriptor["resources"][0]["schema"]
    with (tmp_path / "fdp" / "budget-lines.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [f["name"] for f in schema["fields"]] == [f[0] for f in BUDGET_FIELDS]
    lines = {row[1]: row for row in rows[1:]}
    assert lines["乙"][4:6] == ["23.2", "23.05"] and lines["甲"][4:6] == ["1415.43", "1390.69"]
    for row in rows[1:]:  # every number field parses as a number, every integer as an integer
        for field, cell in zip(schema["fields"], row, strict=True):
            if cell and field["type"] == "number":
                Decimal(cell)
            if cell and field["type"] == "integer":
                int(cell)
    sources = {a["source"] for d in descriptor["model"]["dimensions"].values() for a in d["attributes"].values()}
    assert sources | {m["source"] for m in measures.values()} <= {f["name"] for f in schema["fields"]}


def test_the_descriptor_is_plain_json_that_keeps_chinese_readable(tmp_path: Path) -> None:
    text = json.dumps(fiscal_descriptor(_set(tmp_path)), ensure_ascii=False)
    assert "预算数（万元）" in text and "\\u" not in text


def test_perfeval_export_writes_both_exports_and_skips_examples(tmp_path: Path) -> None:
    _set(tmp_path)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "not-a-v1-workbook.xlsx").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    performance = (tmp_path / "out" / "performance" / "绩效指标.csv").read_bytes()
    assert performance.startswith("\ufeff预算年度,单位名称".encode())  # BOM: Excel on Chinese Windows reads UTF-8
    assert (tmp_path / "out" / "fiscal" / "datapackage.json").exists()
    only = CliRunner().invoke(main, ["export", str(tmp_path), "--out", str(tmp_path / "o2"), "--format", "fiscal"])
    assert only.exit_code == 0 and not (tmp_path / "o2" / "performance").exists()


def test_perfeval_export_of_a_bad_workbook_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "bad.xlsx")])
    assert result.exit_code == 2 and "bad.xlsx" in result.stderr and "Traceback" not in result.output


def test_the_export_doc_names_every_field() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "export.md").read_text(encoding="utf-8")
    assert all(f"| {field} |" in doc or f"、{field}" in doc for field in INDICATOR_FIELDS)
    assert "factor" in doc and "10000" in doc and "approved" in doc and "executed" in doc
