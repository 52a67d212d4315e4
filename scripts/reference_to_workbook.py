"""Enter the reference reports of ``shared/reference/*.json`` as v1 workbooks.

Usage::

    python scripts/reference_to_workbook.py /path/to/shared/reference data/reference

Each ``<slug>.json`` becomes ``<slug>.xlsx`` in the output folder, in the v1 format of
docs/workbook-format.md (sheet and header names come from ``perfeval_utils.schema``). Figures
are copied exactly as the JSON states them: nothing is rounded, converted, derived or
corrected, and a ``null`` is a blank cell, never 0. A key this script does not know is an
error, so nothing in a JSON is dropped without a decision (the keys deliberately left out are
listed in ``IGNORED_BUDGET_KEYS`` and explained in data/reference/README.md). Every workbook is
loaded with ``perfeval_utils.load_report`` after it is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from perfeval_utils import load_report
from perfeval_utils.schema import BUDGET, CLAIMS, DEPARTMENT_SCOPE, KPIS, META, NOTE_FIELD, REPORT_KINDS, TASKS, TOTAL

Cell = str | int | float | None
Row = list[Cell]

FINAL_ACCOUNTS_KIND = "部门决算"
AMOUNT_UNIT_CLAIM = "万元"

TOP_KEYS = frozenset(
    {
        "source_url", "department", "year", "report_kind", "budget", "self_score_stated",
        "indicator_counts_stated", "kpis", "tasks", "notes", "project_name", "staffing", "org",
    }
)
BUDGET_KEYS = frozenset(
    {
        "unit", "annual_budget", "executed", "execution_rate_stated", "basic_expenditure",
        "project_expenditure", "carryover", "by_source", "execution_weight", "execution_score",
        "income_total", "fiscal_appropriation_income", "change_vs_prior_year_stated", "change_pct_stated",
        "public_funds_within_basic", "previous_year_final", "current_year_budget", "current_year_final",
        "three_public_expenses", "staffing", "initial_budget", "in_year_addition", "carryover_start_of_year",
        "budget_completion_rate_stated", "project_expenditure_business", "public_funds",
        "government_procurement",
    }
)
#: Derived by whoever wrote the JSON, not printed in the report: never entered.
IGNORED_BUDGET_KEYS = frozenset({"prior_year_total_derived"})
KPI_KEYS = frozenset(
    {
        "category", "level2", "name", "target_text", "actual_text", "status_text", "weight", "score",
        "deviation_reason", "unit", "note", "ocr_raw_target",
    }
)
BY_SOURCE_KEYS = frozenset({"全年预算数", "全年执行数", "执行率"})

#: indicator_counts_stated key → 口径 of 指标计数:部门整体:<口径>.
COUNT_KINDS = {
    "total": "合计", "output": "产出", "effect": "效益", "satisfaction": "满意度", "met": "已完成", "unmet": "未完成",
}
#: Rows of the Hunan 基础数据表 (English JSON key → the row label of the form).
THREE_PUBLIC_ITEMS = {
    "total": "三公经费",
    "vehicle_purchase_and_maintenance": "公务用车购置和维护经费",
    "vehicle_purchase": "公车购置",
    "vehicle_operation": "公车运行维护",
    "overseas": "出国经费",
    "reception": "公务接待",
}
PUBLIC_FUND_ITEMS = {
    "office": "办公经费",
    "water_power_travel": "水费、电费、差旅费",
    "meetings_training": "会议费、培训费",
}
#: Yiyang's year blocks (previous_year_final / current_year_budget / current_year_final) → 预算 rows.
YEAR_BLOCK_ROWS = {
    "basic": ("支出性质", "基本支出"),
    "project": ("支出性质", "项目支出"),
    "public_funds": ("基本支出其中", "公用经费"),
}
HUNAN_BUDGET_CLAIMS = {
    "initial_budget": ("年初预算数", AMOUNT_UNIT_CLAIM),
    "in_year_addition": ("年中追加预算数", AMOUNT_UNIT_CLAIM),
    "carryover_start_of_year": ("年初结转结余", AMOUNT_UNIT_CLAIM),
    "budget_completion_rate_stated": ("预算完成率", "%"),
}
#: "<name> (<note>; <note>)": the JSON's department with the transcriber's notes in brackets.
DEPARTMENT_NOTE = re.compile(r"^(?P<name>.+?) \((?P<note>[^()]+)\)$")
#: 部门 when the stored text prints no name (the JSON says "unknown").
UNNAMED = "未具名部门"
TASK_CUT = re.compile(r"^(?P<name>.+?)\s*\(cut vs (?P<year>\d{4})\)$")
MAX_WIDTH = 60
MIN_WIDTH = 6


class ReferenceDataError(ValueError):
    """A JSON this script cannot enter without a new decision."""


# ---- values ---------------------------------------------------------------------------


def number(value: Any, what: str) -> int | float | None:
    """A JSON number as written (100.0 → 100, the number Excel shows); null stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReferenceDataError(f"{what}: expected a number or null, found {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def percent_text(value: Any, what: str) -> int | float:
    """A printed percentage string such as '95.10%' as the number 95.1 (for 文中数据 数值)."""
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+(?:\.\d+)?%", value):
        raise ReferenceDataError(f"{what}: expected a percentage such as '95.10%', found {value!r}")
    result = number(float(value[:-1]), what)
    assert result is not None
    return result


def check_keys(mapping: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    unknown = set(mapping) - set(known)
    if unknown:
        raise ReferenceDataError(f"{what}: keys not mapped by this script: {', '.join(sorted(unknown))}")


def report_kind(text: str) -> str:
    if text.startswith(FINAL_ACCOUNTS_KIND):
        return FINAL_ACCOUNTS_KIND
    if text in REPORT_KINDS:
        return text
    raise ReferenceDataError(f"report_kind {text!r} is none of {', '.join(REPORT_KINDS)}")


# ---- sheets ---------------------------------------------------------------------------


def department_as_printed(text: str) -> tuple[str, str | None, list[str]]:
    """The JSON ``department`` → (部门 as printed, 实施单位 or None, the transcriber's notes).

    The JSON adds notes in a trailing `` (…)`` bracket, parts separated by ``;``: a part
    ``实施单位 X`` is the form's 实施单位, any other part is a note for 备注. A name the text does
    not print (``unknown``) becomes :data:`UNNAMED`, so 部门 and the output folder stay short.
    """
    match = DEPARTMENT_NOTE.match(text)
    name, parts = (match["name"], [p.strip() for p in match["note"].split(";")]) if match else (text, [])
    implementer = next((p.removeprefix("实施单位").strip() for p in parts if p.startswith("实施单位")), None)
    notes = [p for p in parts if not p.startswith("实施单位")]
    return (UNNAMED if name == "unknown" else name), implementer, notes


def meta_rows(doc: Mapping[str, Any], file_name: str) -> list[Row]:
    url = doc["source_url"]
    budget = doc["budget"]
    department, implementer, notes = department_as_printed(doc["department"])
    fields: list[tuple[str, Cell]] = [
        ("部门", department),
        ("年度", doc["year"]),
        ("金额单位", budget["unit"]),
        ("报告类型", report_kind(doc["report_kind"])),
    ]
    if "project_name" in doc:
        fields.append(("项目名称", doc["project_name"]))
    if implementer is not None:
        fields.append(("实施单位", implementer))
    fields.append(("自评得分", number(doc["self_score_stated"], "self_score_stated")))
    if "execution_weight" in budget:
        fields.append(("预算执行率分值", number(budget["execution_weight"], "execution_weight")))
    if "execution_score" in budget:
        fields.append(("预算执行率得分", number(budget["execution_score"], "execution_score")))
    fields.append(("年末结转结余", number(budget["carryover"], "carryover")))
    fields.append(("来源文件", url))
    entered = f"entered from shared/reference/{file_name} (report_kind as given: {doc['report_kind']})"
    if department != doc["department"]:
        entered += f"; department as given: {doc['department']}"
    fields.append((NOTE_FIELD, "；".join([*notes, entered])))
    if doc.get("notes"):
        fields.append(("来源说明", doc["notes"]))
    return [[name, value, url] for name, value in fields]


def multi_year(values: Mapping[str, Any] | None, year: int, what: str) -> tuple[Cell, Cell, Cell] | None:
    """{'<y-1>_final', '<y>_budget', '<y>_final'} → (上年执行数, 预算数, 执行数); None when not stated."""
    if values is None:
        return None
    prior, plan, final = f"{year - 1}_final", f"{year}_budget", f"{year}_final"
    check_keys(values, (prior, plan, final), what)
    return (
        number(values.get(prior), f"{what}.{prior}"),
        number(values.get(plan), f"{what}.{plan}"),
        number(values.get(final), f"{what}.{final}"),
    )


def budget_row(dimension: str, item: str, budget: Cell, executed: Cell, prior: Cell, rate: Cell, url: str) -> Row:
    return [dimension, item, budget, executed, prior, rate, url]


def budget_rows(doc: Mapping[str, Any]) -> list[Row]:
    url, year, budget = doc["source_url"], doc["year"], doc["budget"]
    check_keys(budget, BUDGET_KEYS | IGNORED_BUDGET_KEYS, "budget")
    item = doc["project_name"] if doc["report_kind"] == "项目支出" else "部门整体支出"
    annual = number(budget["annual_budget"], "annual_budget")
    executed = number(budget["executed"], "executed")

    blocks = {key: budget.get(key) for key in ("previous_year_final", "current_year_budget", "current_year_final")}
    prior_total: Cell = None
    if any(blocks.values()):
        check_year_blocks(budget, blocks, year, annual, executed)
        prior_total = number(blocks["previous_year_final"]["total"], "previous_year_final.total")

    rows = [budget_row(TOTAL, item, annual, executed, prior_total,
                       number(budget["execution_rate_stated"], "execution_rate_stated"), url)]

    for source, figures in budget["by_source"].items():
        if figures is None:  # stated as a blank line of the form: not entered
            continue
        check_keys(figures, BY_SOURCE_KEYS, f"by_source.{source}")
        rate = figures.get("执行率")
        if rate is not None and not isinstance(rate, str):
            rate = number(rate, f"by_source.{source}.执行率")
        rows.append(budget_row("资金来源", source, number(figures.get("全年预算数"), source),
                               number(figures.get("全年执行数"), source), None, rate, url))

    if any(blocks.values()):
        rows.extend(year_block_rows(blocks, url))
    else:
        # 支出性质: execution figures, except where the report states no execution total but
        # a budget (塘湖镇: 基本支出 = 预算数 864.2), then they are budget figures.
        as_budget = executed is None and annual is not None
        for key, label in (("basic_expenditure", "基本支出"), ("project_expenditure", "项目支出")):
            value = number(budget[key], key)
            if value is not None:
                rows.append(budget_row("支出性质", label, value if as_budget else None,
                                       None if as_budget else value, None, None, url))

    for task in doc["tasks"]:
        if is_special_fund(task):
            rows.append(special_fund_row(task, year, url))

    three = budget.get("three_public_expenses")
    if three is not None:
        check_keys(three, THREE_PUBLIC_ITEMS, "three_public_expenses")
        for key, label in THREE_PUBLIC_ITEMS.items():
            figures = multi_year(three.get(key), year, f"three_public_expenses.{key}")
            if figures is not None:
                prior, plan, final = figures
                rows.append(budget_row("三公经费", label, plan, final, prior, None, url))
    business = multi_year(budget.get("project_expenditure_business"), year, "project_expenditure_business")
    if business is not None:
        prior, plan, final = business
        rows.append(budget_row("项目支出", "业务工作专项", plan, final, prior, None, url))
    funds = budget.get("public_funds")
    if funds is not None:
        check_keys(funds, PUBLIC_FUND_ITEMS, "public_funds")
        for key, label in PUBLIC_FUND_ITEMS.items():
            figures = multi_year(funds.get(key), year, f"public_funds.{key}")
            if figures is not None:
                prior, plan, final = figures
                rows.append(budget_row("公用经费", label, plan, final, prior, None, url))
    procurement = multi_year(budget.get("government_procurement"), year, "government_procurement")
    if procurement is not None:
        prior, plan, final = procurement
        rows.append(budget_row("政府采购", "政府采购金额", plan, final, prior, None, url))
    return rows


def check_year_blocks(
    budget: Mapping[str, Any], blocks: Mapping[str, Any], year: int, annual: Cell, executed: Cell
) -> None:
    """The year blocks must agree with the headline figures they repeat (else a decision is needed)."""
    if not all(blocks.values()):
        raise ReferenceDataError("previous_year_final / current_year_budget / current_year_final: all three or none")
    if blocks["previous_year_final"].get("year", year - 1) != year - 1:
        raise ReferenceDataError("previous_year_final.year is not the year before the report's")
    for key in blocks:
        check_keys(blocks[key], {"year", "total", *YEAR_BLOCK_ROWS}, key)
    pairs = [
        (blocks["current_year_budget"]["total"], annual, "current_year_budget.total vs annual_budget"),
        (blocks["current_year_final"]["total"], executed, "current_year_final.total vs executed"),
        (blocks["current_year_final"]["basic"], budget["basic_expenditure"], "basic vs basic_expenditure"),
        (blocks["current_year_final"]["project"], budget["project_expenditure"], "project vs project_expenditure"),
        (blocks["current_year_final"]["public_funds"], budget.get("public_funds_within_basic"),
         "public_funds vs public_funds_within_basic"),
    ]
    for a, b, what in pairs:
        if a != b:
            raise ReferenceDataError(f"{what}: {a!r} ≠ {b!r}; decide which one the workbook records")


def year_block_rows(blocks: Mapping[str, Any], url: str) -> list[Row]:
    rows = []
    for key, (dimension, item) in YEAR_BLOCK_ROWS.items():
        rows.append(budget_row(
            dimension, item,
            number(blocks["current_year_budget"].get(key), f"current_year_budget.{key}"),
            number(blocks["current_year_final"].get(key), f"current_year_final.{key}"),
            number(blocks["previous_year_final"].get(key), f"previous_year_final.{key}"),
            None, url,
        ))
    return rows


def is_special_fund(task: Mapping[str, Any]) -> bool:
    return any(key.startswith("amount_") for key in task)


def check_tasks(doc: Mapping[str, Any]) -> None:
    """Every task is a special fund (预算), a cut against last year (文中数据) or has a count (任务)."""
    for task in doc["tasks"]:
        if not (is_special_fund(task) or TASK_CUT.match(task["name"]) or task.get("indicator_count") is not None):
            raise ReferenceDataError(f"task {task['name']!r}: neither a special fund, a cut nor a counted task")


def special_fund_row(task: Mapping[str, Any], year: int, url: str) -> Row:
    """A task with prior-year / budget / final amounts (益阳's 专项资金) → one 预算 row."""
    check_keys(task, {"name", "amount", "indicator_count", f"amount_{year - 1}_final", f"amount_{year}_budget",
                      f"amount_{year}_final"}, f"task {task['name']}")
    if task.get("indicator_count") is not None:
        raise ReferenceDataError(f"task {task['name']}: has an indicator count; enter it on the 任务 sheet")
    final = number(task.get(f"amount_{year}_final"), "final")
    if task.get("amount") not in (None, final):
        raise ReferenceDataError(f"task {task['name']}: amount {task['amount']!r} ≠ amount_{year}_final {final!r}")
    return budget_row(
        "专项资金", task["name"], number(task.get(f"amount_{year}_budget"), "budget"), final,
        number(task.get(f"amount_{year - 1}_final"), "prior"), None, url,
    )


def kpi_rows(doc: Mapping[str, Any]) -> list[Row]:
    url = doc["source_url"]
    rows: list[Row] = []
    for index, kpi in enumerate(doc["kpis"], start=1):
        check_keys(kpi, KPI_KEYS, f"kpis[{index - 1}]")
        source = url
        if kpi.get("unit") is not None:
            source += f"（单位：{kpi['unit']}）"
        if kpi.get("ocr_raw_target") is not None:
            source += f"（OCR 原文预期值：{kpi['ocr_raw_target']}）"
        if kpi.get("note") is not None:
            source += f"（note: {kpi['note']}）"
        rows.append([
            index, DEPARTMENT_SCOPE, kpi["category"], kpi["level2"], kpi["name"], kpi["target_text"],
            kpi["actual_text"], kpi["status_text"], number(kpi["weight"], "weight"),
            number(kpi["score"], "score"), kpi["deviation_reason"], source,
        ])
    return rows


def task_rows(doc: Mapping[str, Any]) -> list[Row]:
    """Tasks with an indicator count (none of the nine reports has one)."""
    rows: list[Row] = []
    for task in doc["tasks"]:
        if task.get("indicator_count") is not None:
            rows.append([f"任务{len(rows) + 1}", task["name"], None, number(task.get("amount"), "amount"),
                         task["indicator_count"], None, doc["source_url"]])
    return rows


def claim_rows(doc: Mapping[str, Any]) -> list[Row]:
    url, year, budget = doc["source_url"], doc["year"], doc["budget"]
    claims: list[tuple[str, Cell, str]] = []  # 事项, 数值, 单位

    counts = doc.get("indicator_counts_stated") or {}
    check_keys(counts, COUNT_KINDS, "indicator_counts_stated")
    for key, kind in COUNT_KINDS.items():
        if counts.get(key) is not None:
            claims.append((f"指标计数:{DEPARTMENT_SCOPE}:{kind}", number(counts[key], key), "个"))

    for key, label in (("income_total", "收入合计"), ("fiscal_appropriation_income", "财政拨款收入")):
        if budget.get(key) is not None:
            claims.append((label, number(budget[key], key), AMOUNT_UNIT_CLAIM))
    if budget.get("change_vs_prior_year_stated") is not None:
        claims.append(("较上年:部门整体支出:增减额", number(budget["change_vs_prior_year_stated"], "change"),
                       AMOUNT_UNIT_CLAIM))
    if budget.get("change_pct_stated") is not None:
        claims.append(("较上年:部门整体支出:增减率", number(budget["change_pct_stated"], "change_pct"), "%"))

    for key, (label, unit) in HUNAN_BUDGET_CLAIMS.items():
        if budget.get(key) is not None:
            claims.append((label, number(budget[key], key), unit))

    for task in doc["tasks"]:
        match = TASK_CUT.match(task["name"])
        if match is None:
            continue
        if int(match["year"]) != year - 1 or task.get("indicator_count") is not None:
            raise ReferenceDataError(f"task {task['name']}: not a cut against the previous year")
        claims.append((f"较上年:{match['name']}:增减额", number(task["amount"], "amount"), AMOUNT_UNIT_CLAIM))

    for staffing in (budget.get("staffing"), doc.get("staffing")):
        if staffing is not None:
            claims.extend(staffing_claims(staffing, year))
    org = doc.get("org")
    if org is not None:
        check_keys(org, {"internal_departments"}, "org")
        claims.append(("内设机构", number(org["internal_departments"], "internal_departments"), "个"))

    return [[f"C{n:02d}", None, item, value, unit, url] for n, (item, value, unit) in enumerate(claims, start=1)]


def staffing_claims(staffing: Mapping[str, Any], year: int) -> list[tuple[str, Cell, str]]:
    """Hunan form (编制数 / <year>年实际在职人数 / 控制率) or Chongqing prose (Chinese keys as given)."""
    english = {"authorized_posts": "编制数", f"actual_staff_{year}": f"{year}年实际在职人数"}
    claims: list[tuple[str, Cell, str]] = []
    for key, value in staffing.items():
        if key == "control_rate_stated":
            claims.append(("在职人员控制率", percent_text(value, key), "%"))
        elif key in english:
            claims.append((english[key], number(value, key), "人"))
        elif re.search(r"[\u4e00-\u9fff]", key):
            claims.append((key, number(value, key), "个" if key.startswith("内设") else "人"))
        else:
            raise ReferenceDataError(f"staffing key {key!r} is not mapped")
    return claims


# ---- the workbook ---------------------------------------------------------------------


def display_width(value: Cell) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_sheet(book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Row]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        if len(row) != len(headers):
            raise AssertionError(f"{title}: row of {len(row)} cells for {len(headers)} headers")
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for at, header in enumerate(headers, start=1):
        widest = max([display_width(header), *(display_width(row[at - 1]) for row in rows)])
        sheet.column_dimensions[get_column_letter(at)].width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))


def convert(json_path: Path, out_dir: Path) -> Path:
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    check_keys(doc, TOP_KEYS, json_path.name)
    check_tasks(doc)
    book = Workbook()
    book.remove(book.active)
    write_sheet(book, META.title, META.headers, meta_rows(doc, json_path.name))
    write_sheet(book, BUDGET.title, BUDGET.headers, budget_rows(doc))
    write_sheet(book, KPIS.title, KPIS.headers, kpi_rows(doc))
    tasks = task_rows(doc)
    if tasks:
        write_sheet(book, TASKS.title, TASKS.headers, tasks)
    claims = claim_rows(doc)
    if claims:
        write_sheet(book, CLAIMS.title, CLAIMS.headers, claims)
    out_path = out_dir / f"{json_path.stem}.xlsx"
    book.save(out_path)
    load_report(out_path)  # refuse to leave a workbook the loader does not accept
    return out_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("reference_dir", type=Path, help="folder holding the reference *.json files")
    parser.add_argument("out_dir", type=Path, help="folder to write the <slug>.xlsx workbooks into")
    args = parser.parse_args(argv)
    sources = sorted(args.reference_dir.glob("*.json"))
    if not sources:
        parser.error(f"no *.json in {args.reference_dir}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for source in sources:
        out = convert(source, args.out_dir)
        report = load_report(out)
        print(f"{out}: 预算 {len(report.budget)}, 指标 {len(report.kpis)}, 任务 {len(report.tasks)}, "
              f"文中数据 {len(report.claims)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
