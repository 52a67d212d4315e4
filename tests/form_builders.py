"""Build official self-evaluation forms with openpyxl from the reference figures in ../shared/reference.

Each builder writes one layout the way finance bureaus hand it out (merged cells, two-row headers, a
header repeated after a page break, 合计 rows, blank rows, a stray note) and returns a
:class:`BuiltForm` listing every figure it wrote: the cell, the value the loader must produce
(taken from the JSON, ``Decimal(str(json_value))`` for numbers, texts exactly) and where in the
Report it must land. The tests count how many of these figures ``load_form`` recovers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from perfeval_utils.schema import normalise_category
from tests.conftest import SHARED_REFERENCE

REFERENCE = SHARED_REFERENCE
SHEET = "自评表"
NATIONAL_BUDGET_HEADS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")


def reference(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Figure:
    """One figure written into the form: where it is and what the Report must hold."""

    label: str
    expected: Decimal | str | int
    frame: str  # meta / budget / kpis / claims
    key: str  # meta key, budget 项目, indicator 编号, claim 事项
    column: str
    cell: str  # 自评表!E12


@dataclass
class BuiltForm:
    layout: str
    path: Path
    sheet: str
    source: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    stray: dict[str, str] = field(default_factory=dict)  # cell → value: must come back in `unplaced`
    skipped_rows: list[int] = field(default_factory=list)  # repeated headers and 合计 rows


def number(value: float | int) -> Decimal:
    return Decimal(str(value))


class _Form:
    """A sheet being written, with the figures it holds."""

    def __init__(self, layout: str, path: Path, source: dict[str, Any], title: str = SHEET) -> None:
        self.book = Workbook()
        self.ws = self.book.active
        self.ws.title = title
        self.built = BuiltForm(layout, path, title, source)

    def put(self, row: int, col: int, value: Any, *, to: tuple[int, int] | None = None, fmt: str | None = None) -> str:
        cell = self.ws.cell(row=row, column=col, value=value)
        if fmt:
            cell.number_format = fmt
        if to is not None and to != (row, col):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=to[0], end_column=to[1])
        return f"{self.ws.title}!{get_column_letter(col)}{row}"

    def fig(self, row: int, col: int, value: Any, where: tuple[str, str, str], *, label: str = "",
            expected: Any = None, to: tuple[int, int] | None = None, fmt: str | None = None) -> None:
        """Write a figure and record it (expected: the JSON value, defaulting to what is written)."""
        address = self.put(row, col, value, to=to, fmt=fmt)
        wanted = value if expected is None else expected
        if isinstance(wanted, int | float) and not isinstance(wanted, bool):
            wanted = number(wanted)
        frame, key, column = where
        self.built.figures.append(Figure(label or f"{key} {column}", wanted, frame, key, column, address))

    def stray(self, row: int, col: int, value: Any) -> None:
        address = self.put(row, col, value)
        self.built.stray[address] = str(value)

    def save(self) -> BuiltForm:
        self.built.path.parent.mkdir(parents=True, exist_ok=True)
        self.book.save(self.built.path)
        return self.built


def _split_department(text: str) -> tuple[str, str | None]:
    """衡山县商务和粮食局 (实施单位 粮食调控储备与产业发展股) → the department and the 实施单位."""
    match = re.match(r"^(.*?)\s*\(实施单位\s*([^)]*)\)\s*$", text)
    if match:
        return match.group(1), match.group(2)
    return text.split(" (")[0], None


def _split_target(text: str) -> tuple[str, float | int | str, str]:
    """≥266米 → (≥, 266, 米); 100% → (=, 100, %); 显著提升 → (定性, 显著提升, '')."""
    match = re.match(r"^([≥≤]?)(\d+(?:\.\d+)?)(.*)$", text)
    if not match:
        return "定性", text, ""
    value: float | int = float(match.group(2)) if "." in match.group(2) else int(match.group(2))
    return match.group(1) or "=", value, match.group(3)


def _budget(form: _Form, row: int, label: str, columns: dict[str, int], figures: dict[str, Any],
            item: str | None = None, label_col: int = 2) -> None:
    """One budget line: label in label_col, figures by field (budget, executed, rate, weight, score)."""
    form.put(row, label_col, label)
    item = item or re.sub(r"^其中[:：]", "", label)
    where = {"budget": ("budget", item, "budget"), "executed": ("budget", item, "executed"),
             "prior_executed": ("budget", item, "prior_executed"), "rate": ("budget", item, "stated_rate"),
             "weight": ("meta", "execution_weight", "execution_weight"),
             "score": ("meta", "execution_score", "execution_score")}
    for name, spec in figures.items():
        if spec is None:
            continue
        value, expected, fmt = spec if isinstance(spec, tuple) else (spec, None, None)
        form.fig(row, columns[name], value, where[name], expected=expected, fmt=fmt, label=f"{item} {name}")


# ---- (1) the national layout (衡山县 储备粮, 16 indicators) -----------------------------------------------


def national_hengshan(path: Path) -> BuiltForm:
    """一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施.

    Two-row header (绩效指标 merged over 一级/二级/三级 on the upper row, the others merged down),
    一级指标 and 二级指标 merged down their rows, the table broken across two pages with the header
    repeated and 效益指标 printed again after the break (as in the original), a blank row at the break,
    and a note beside the table (K13) that belongs nowhere.
    """
    data = reference("hengshan-shangwuliangshiju-chubeiliang-2020.json")
    form = _Form("national", path, data)
    department, implementer = _split_department(data["department"])
    form.put(1, 1, "项目支出绩效自评表", to=(1, 9))
    form.fig(2, 1, f"（{data['year']}年度）", ("meta", "year", "year"), expected=data["year"], to=(2, 9))
    form.put(3, 1, "项目名称")
    form.fig(3, 2, data["project_name"], ("meta", "项目名称", "项目名称"), to=(3, 9))
    form.put(4, 1, "主管部门")
    form.fig(4, 2, department, ("meta", "department", "department"), to=(4, 5))
    form.put(4, 6, "实施单位")
    form.fig(4, 7, implementer, ("meta", "实施单位", "实施单位"), to=(4, 9))
    form.fig(5, 1, "项目资金（万元）", ("meta", "amount_unit", "amount_unit"), expected=data["budget"]["unit"],
             to=(8, 1))
    columns = {"initial": 3, "budget": 4, "executed": 5, "weight": 6, "rate": 7, "score": 8}
    for col, text in zip(range(3, 9), NATIONAL_BUDGET_HEADS, strict=True):
        form.put(5, col, text)
    money = data["budget"]
    _budget(form, 6, "年度资金总额", columns, {
        "budget": money["annual_budget"], "executed": money["executed"],
        "rate": (f"{money['execution_rate_stated']}%", money["execution_rate_stated"], None)})
    (source_name, source), = ((k, v) for k, v in money["by_source"].items() if v)
    _budget(form, 7, f"其中：{source_name}", columns, {
        "budget": source["全年预算数"], "executed": source["全年执行数"],
        "rate": (source["执行率"], Decimal(source["执行率"].rstrip("%")), None)})
    form.put(8, 2, "其他资金")

    def header(row: int) -> None:
        form.put(row, 2, "绩效指标", to=(row, 4))
        for col, text in zip(range(5, 10), ("年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"),
                             strict=True):
            form.put(row, col, text, to=(row + 1, col))
        for col, text in zip((2, 3, 4), ("一级指标", "二级指标", "三级指标"), strict=True):
            form.put(row + 1, col, text)

    header(10)
    kpis = data["kpis"]
    rows = list(range(12, 23)) + list(range(26, 31))  # 11 rows, blank row 23, header repeated on 24–25
    form.built.skipped_rows += [24, 25]
    header(24)
    _kpi_rows(form, kpis, rows, {"category": 2, "subcategory": 3, "name": 4, "target": 5, "actual": 6, "reason": 9},
              merge_category=True, merge_subcategory=True)
    form.stray(13, 11, "备注：库存数量以年末盘点为准")
    return form.save()


def _kpi_rows(form: _Form, kpis: list[dict[str, Any]], rows: list[int], cols: dict[str, int], *,
              merge_category: bool, merge_subcategory: bool, write: Any = None) -> None:
    """Write indicator rows; 一级/二级 merged over consecutive rows of the same value (never across a gap)."""
    runs: dict[str, list[tuple[int, int, str, str]]] = {"category": [], "subcategory": []}
    for number_, (kpi, row) in enumerate(zip(kpis, rows, strict=True), start=1):
        key = str(number_)
        for name, text in (("category", kpi["category"]), ("subcategory", kpi["level2"])):
            run = runs[name]
            same = run and run[-1][1] == row - 1 and run[-1][2] == text
            if name == "subcategory":
                same = same and run[-1][3] == kpi["category"]
            if same:
                start = run[-1][0]
                run[-1] = (start, row, text, kpi["category"])
            else:
                run.append((row, row, text, kpi["category"]))
            expected = normalise_category(text) if name == "category" else text
            merged = merge_category if name == "category" else merge_subcategory
            start = run[-1][0] if merged or name == "category" else row
            form.built.figures.append(Figure(f"指标{key} {name}", expected, "kpis", key, name,
                                             f"{form.ws.title}!{get_column_letter(cols[name])}{start}"))
        form.fig(row, cols["name"], kpi["name"], ("kpis", key, "name"))
        if write is not None:
            write(form, row, key, kpi)
            continue
        for name, column in (("target", "target_text"), ("actual", "actual_text")):
            text = kpi[f"{name}_text"]
            value: Any = int(text) if text.isdigit() else text  # a bare number is typed as a number
            form.fig(row, cols[name], value, ("kpis", key, column), expected=text)
        if kpi["deviation_reason"]:
            form.fig(row, cols["reason"], kpi["deviation_reason"], ("kpis", key, "reason"))
        for name in ("weight", "score"):
            if kpi[name] is not None and name in cols:
                form.fig(row, cols[name], kpi[name], ("kpis", key, name))
    for name, merge in (("category", merge_category), ("subcategory", merge_subcategory)):
        for start, end, text, _ in runs[name]:
            form.put(start, cols[name], text, to=(end, cols[name]) if merge else None)
            if not merge:
                for row in range(start + 1, end + 1):
                    form.put(row, cols[name], None if name == "category" else text)


# ---- (2) the Sichuan layout (中江县 水标尺, weight before target, 指标性质 and 度量单位) ---------------------


def sichuan_zhongjiang(path: Path) -> BuiltForm:
    """一级 | 二级 | 三级指标 | 分值 | 指标性质 | 指标值 | 度量单位 | 全年实际值 | 得分 | 未完成原因.

    The target is split over 指标性质 / 指标值 / 度量单位 (≥ | 266 | 米); the actual is typed as printed
    (≥266米), or as a bare number where the report prints one (100 with 度量单位 %). Ends with a ……
    template line and a 总分 row holding the self-evaluation score.
    """
    data = reference("zhongjiang-shuiliju-shuibiaochi-2022.json")
    form = _Form("sichuan", path, data)
    money = data["budget"]
    form.put(1, 1, f"{data['year']}年度项目支出绩效自评表", to=(1, 10))
    form.built.figures.append(Figure("year", data["year"], "meta", "year", "year", f"{SHEET}!A1"))
    form.built.figures.append(Figure("report_kind", data["report_kind"], "meta", "report_kind", "report_kind",
                                     f"{SHEET}!A1"))
    form.put(2, 1, "项目名称")
    form.fig(2, 2, data["project_name"], ("meta", "项目名称", "项目名称"), to=(2, 10))
    form.put(3, 1, "主管部门")
    form.fig(3, 2, data["department"], ("meta", "department", "department"), to=(3, 6))
    form.fig(3, 8, f"金额单位：{money['unit']}", ("meta", "amount_unit", "amount_unit"), expected=money["unit"],
             to=(3, 10))
    form.put(4, 1, "项目资金", to=(7, 1))
    columns = {"budget": 3, "executed": 4, "weight": 5, "rate": 6, "score": 7}
    for col, text in zip(range(3, 8), ("全年预算数", "全年执行数", "分值", "执行率", "得分"), strict=True):
        form.put(4, col, text)
    _budget(form, 5, "年度资金总额", columns, {
        "budget": money["annual_budget"], "executed": money["executed"],
        "rate": (money["execution_rate_stated"] / 100, money["execution_rate_stated"], "0.00%"),
        "weight": money["execution_weight"], "score": money["execution_score"]})
    fund = money["by_source"]["本年财政拨款"]
    _budget(form, 6, "其中：本年财政拨款", columns, {"budget": fund["全年预算数"], "executed": fund["全年执行数"]})
    form.put(7, 2, "其他资金")
    cols = {"category": 1, "subcategory": 2, "name": 3, "weight": 4, "nature": 5, "target": 6, "unit": 7,
            "actual": 8, "score": 9, "reason": 10}
    for col, text in zip(range(1, 11), ("一级指标", "二级指标", "三级指标", "分值", "指标性质", "指标值", "度量单位",
                                        "全年实际值", "得分", "未完成原因"), strict=True):
        form.put(9, col, text)

    def write(form: _Form, row: int, key: str, kpi: dict[str, Any]) -> None:
        op, value, unit = _split_target(kpi["target_text"])
        form.put(row, cols["nature"], op)
        form.fig(row, cols["target"], value, ("kpis", key, "target_text"), expected=kpi["target_text"])
        form.put(row, cols["unit"], unit or None)
        actual = kpi["actual_text"]
        a_op, a_value, a_unit = _split_target(actual)
        typed: Any = a_value if a_op == "=" and a_unit == unit and unit else actual
        form.fig(row, cols["actual"], typed, ("kpis", key, "actual_text"), expected=actual)
        form.fig(row, cols["weight"], kpi["weight"], ("kpis", key, "weight"))
        form.fig(row, cols["score"], kpi["score"], ("kpis", key, "score"))

    rows = list(range(10, 10 + len(data["kpis"])))
    _kpi_rows(form, data["kpis"], rows, cols, merge_category=True, merge_subcategory=True, write=write)
    last = rows[-1]
    form.put(last + 1, 3, "……")
    form.put(last + 2, 1, "总分", to=(last + 2, 3))
    form.fig(last + 2, cols["score"], data["self_score_stated"], ("meta", "self_score", "self_score"))
    form.built.skipped_rows += [last + 1, last + 2]
    return form.save()


# ---- (3) the Chongqing layout (中江县 figures: 年初/调整指标值, 得分系数 × 指标权重 = 指标得分) -----------------


def chongqing_zhongjiang(path: Path) -> BuiltForm:
    """一级 | 二级 | 三级 | 年初指标值 | 调整指标值 | 全年完成值 | 得分系数 | 指标权重 | 指标得分 | 是否核心指标 |
    偏差原因.

    The year is in a 年度 cell (not in the title), 一级指标 is written once and left blank below (no
    merge: filled down), 得分系数 = 指标得分 ÷ 指标权重 as the form computes it, 调整指标值 and
    是否核心指标 left blank (the report states neither), a 合计 row, a blank row, and a stray number in a
    column with no header (L13).
    """
    data = reference("zhongjiang-shuiliju-shuibiaochi-2022.json")
    form = _Form("chongqing", path, data)
    money = data["budget"]
    form.put(1, 1, "项目支出绩效自评表", to=(1, 11))
    form.put(2, 1, "年度")
    form.fig(2, 2, data["year"], ("meta", "year", "year"))
    form.fig(2, 10, f"单位：{money['unit']}", ("meta", "amount_unit", "amount_unit"), expected=money["unit"],
             to=(2, 11))
    form.put(3, 1, "单位名称")
    form.fig(3, 2, data["department"], ("meta", "department", "department"), to=(3, 4))
    form.put(3, 5, "项目名称")
    form.fig(3, 6, data["project_name"], ("meta", "项目名称", "项目名称"), to=(3, 11))
    form.put(4, 1, "自评得分")
    form.fig(4, 2, data["self_score_stated"], ("meta", "self_score", "self_score"))
    form.put(5, 1, "项目资金", to=(9, 1))
    columns = {"initial": 3, "budget": 4, "executed": 5, "rate": 6, "weight": 7, "score": 8}
    for col, text in zip(range(3, 9), ("年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分"),
                         strict=True):
        form.put(5, col, text)
    _budget(form, 6, "年度资金总额", columns, {
        "budget": money["annual_budget"], "executed": money["executed"],
        "rate": (f"{money['execution_rate_stated']:.2f}%", money["execution_rate_stated"], None),
        "weight": money["execution_weight"], "score": money["execution_score"]})
    fund = money["by_source"]["本年财政拨款"]
    _budget(form, 7, "其中：本年财政拨款", columns, {"budget": fund["全年预算数"], "executed": fund["全年执行数"]})
    form.put(8, 2, "上年结转资金")
    form.put(9, 2, "其他资金")
    cols = {"category": 1, "subcategory": 2, "name": 3, "initial": 4, "adjusted": 5, "actual": 6, "coefficient": 7,
            "weight": 8, "score": 9, "core": 10, "reason": 11}
    for col, text in zip(range(1, 12), ("一级指标", "二级指标", "三级指标", "年初指标值", "调整指标值", "全年完成值",
                                        "得分系数", "指标权重", "指标得分", "是否核心指标", "偏差原因"), strict=True):
        form.put(11, col, text)

    def write(form: _Form, row: int, key: str, kpi: dict[str, Any]) -> None:
        form.fig(row, cols["initial"], kpi["target_text"], ("kpis", key, "target_text"))
        form.fig(row, cols["actual"], kpi["actual_text"], ("kpis", key, "actual_text"))
        coefficient = Decimal(str(kpi["score"])) / Decimal(str(kpi["weight"]))
        form.fig(row, cols["coefficient"], float(coefficient), ("kpis", key, "coefficient"), expected=coefficient)
        form.fig(row, cols["weight"], kpi["weight"], ("kpis", key, "weight"))
        form.fig(row, cols["score"], kpi["score"], ("kpis", key, "score"))

    kpis = data["kpis"]
    rows = list(range(12, 17)) + list(range(18, 18 + len(kpis) - 5))  # blank row 17
    _kpi_rows(form, kpis, rows, cols, merge_category=False, merge_subcategory=False, write=write)
    total = rows[-1] + 1
    form.put(total, 1, "合计", to=(total, 3))
    form.fig(total, cols["weight"], sum(k["weight"] for k in kpis), ("claims", "分值合计", "value"))
    form.fig(total, cols["score"], sum(k["score"] for k in kpis), ("claims", "得分合计", "value"))
    form.built.skipped_rows.append(total)
    form.stray(13, 12, 5)
    return form.save()


# ---- (4) a 部门整体支出绩效自评表 (塘湖镇: 年初目标值(A) | 实际完成值(B) | 得分, no weights) ----------------


def department_tanghuzhen(path: Path) -> BuiltForm:
    """A township's department-wide form: budget block with 基本支出/项目支出 lines, no per-row 分值."""
    data = reference("tanghuzhen-2020.json")
    form = _Form("department", path, data)
    money = data["budget"]
    department = data["department"].split(" (")[0]
    form.put(1, 1, f"{data['year']}年度部门整体支出绩效自评表", to=(1, 8))
    form.built.figures.append(Figure("year", data["year"], "meta", "year", "year", f"{SHEET}!A1"))
    form.built.figures.append(Figure("report_kind", data["report_kind"], "meta", "report_kind", "report_kind",
                                     f"{SHEET}!A1"))
    form.put(2, 1, "部门名称")
    form.fig(2, 2, department, ("meta", "department", "department"), to=(2, 5))
    form.fig(2, 6, f"金额单位：{money['unit']}", ("meta", "amount_unit", "amount_unit"), expected=money["unit"],
             to=(2, 8))
    form.put(3, 1, "年度预算执行情况", to=(6, 1))
    columns = {"initial": 3, "budget": 4, "executed": 5, "weight": 6, "rate": 7, "score": 8}
    for col, text in zip(range(3, 9), NATIONAL_BUDGET_HEADS, strict=True):
        form.put(3, col, text)
    _budget(form, 4, "年度资金总额", columns, {
        "budget": money["annual_budget"], "executed": money["executed"],
        "rate": (f"{money['execution_rate_stated']}%", money["execution_rate_stated"], None),
        "weight": money["execution_weight"], "score": money["execution_score"]})
    _budget(form, 5, "其中：基本支出", columns, {"budget": money["basic_expenditure"]})
    _budget(form, 6, "项目支出", columns, {"budget": money["project_expenditure"]})
    cols = {"category": 1, "subcategory": 2, "name": 3, "target": 4, "actual": 5, "score": 6, "reason": 7}
    for col, text in zip(range(1, 8), ("一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "得分",
                                       "偏差原因"), strict=True):
        form.put(8, col, text)
    rows = list(range(9, 9 + len(data["kpis"])))
    _kpi_rows(form, data["kpis"], rows, cols, merge_category=True, merge_subcategory=True)
    total = rows[-1] + 1
    form.put(total, 1, "总分", to=(total, 5))
    form.fig(total, cols["score"], data["self_score_stated"], ("meta", "self_score", "self_score"))
    form.built.skipped_rows.append(total)
    return form.save()


# ---- (5) a 基础数据表 (益阳市总工会: 上年决算数 | 本年预算数 | 本年决算数) ------------------------------------


def basic_yiyang(path: Path) -> BuiltForm:
    """财政供养人员情况 block, then 经费控制情况 with three amount columns; 三公经费 lines, the 项目支出 lines,
    template lines left blank or printed —— (as in the original), a blank row, and a note in F10."""
    data = reference("yiyang-zonggonghui-2022.json")
    form = _Form("basic", path, data, title="基础数据表")
    money = data["budget"]
    year = data["year"]
    form.put(1, 1, f"{year}年度部门整体支出绩效评价基础数据表", to=(1, 4))
    title = "基础数据表!A1"
    form.built.figures.append(Figure("year", year, "meta", "year", "year", title))
    form.built.figures.append(Figure("report_kind", data["report_kind"], "meta", "report_kind", "report_kind", title))
    form.fig(2, 1, f"填报单位：{data['department']}", ("meta", "department", "department"),
             expected=data["department"], to=(2, 3))
    form.fig(2, 4, f"单位：{money['unit']}", ("meta", "amount_unit", "amount_unit"), expected=money["unit"])
    staff = money["staffing"]
    form.put(3, 1, "财政供养人员情况", to=(4, 1))
    for col, text in zip((2, 3, 4), ("编制数", f"{year}年实际在职人数", "控制率"), strict=True):
        form.put(3, col, text)
    form.fig(4, 2, staff["authorized_posts"], ("claims", "编制数", "value"))
    form.fig(4, 3, staff[f"actual_staff_{year}"], ("claims", f"{year}年实际在职人数", "value"))
    form.fig(4, 4, staff["control_rate_stated"], ("claims", "控制率", "value"),
             expected=Decimal(staff["control_rate_stated"].rstrip("%")))
    for col, text in zip(range(1, 5), ("经费控制情况", "上年决算数", "本年预算数", "本年决算数"), strict=True):
        form.put(5, col, text)
    prior, budget, final = money["previous_year_final"], money["current_year_budget"], money["current_year_final"]
    columns = {"prior_executed": 2, "budget": 3, "executed": 4}

    def line(row: int, label: str, item: str, p: Any, b: Any, f: Any) -> None:
        _budget(form, row, label, columns, {"prior_executed": p, "budget": b, "executed": f}, item=item, label_col=1)

    line(6, "部门整体支出", "部门整体支出", prior["total"], budget["total"], final["total"])
    line(7, "一、基本支出", "基本支出", prior["basic"], budget["basic"], final["basic"])
    line(8, "其中：公用经费", "公用经费", prior["public_funds"], budget["public_funds"], final["public_funds"])
    form.put(9, 1, "三公经费")
    three = money["three_public_expenses"]
    car, running = three["vehicle_purchase_and_maintenance"], three["vehicle_operation"]
    keys = (f"{year - 1}_final", f"{year}_budget", f"{year}_final")
    line(10, "1、公务用车购置和维护经费", "公务用车购置和维护经费", *(car[k] for k in keys))
    line(11, "其中：公车运行维护", "公车运行维护", *(running[k] for k in keys))
    form.put(12, 1, "2、出国经费")
    for col in (2, 3, 4):
        form.put(12, col, "——")
    form.put(13, 1, "3、公务接待")
    line(15, "二、项目支出", "项目支出", prior["project"], budget["project"], final["project"])
    for row, task in enumerate(data["tasks"], start=16):
        line(row, task["name"], task["name"], *(task[f"amount_{k}"] for k in keys))
    form.put(19, 1, "政府采购金额")
    form.put(20, 1, "楼堂馆所")
    for col in (2, 3, 4):
        form.put(20, col, "——")
    form.stray(10, 6, "注：出国经费、公务接待费本年未发生")
    return form.save()


BUILDERS = {
    "national": national_hengshan,
    "sichuan": sichuan_zhongjiang,
    "chongqing": chongqing_zhongjiang,
    "department": department_tanghuzhen,
    "basic": basic_yiyang,
}


# ---- small synthetic forms for the edge cases ------------------------------------------------------------


def write_rows(path: Path, rows: list[list[Any]], *, title: str = SHEET, merges: tuple[str, ...] = (),
               formats: dict[str, str] | None = None, extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    """Rows from A1 (None = empty cell), merged ranges like 'A7:A8', number formats by cell; other sheets first."""
    book = Workbook()
    book.remove(book.active)
    for name, sheet_rows in (*(extra_sheets or {}).items(), (title, rows)):
        sheet = book.create_sheet(name)
        for row in sheet_rows:
            sheet.append(row)
    sheet = book[title]
    for merged in merges:
        sheet.merge_cells(merged)
    for address, number_format in (formats or {}).items():
        sheet[address].number_format = number_format
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def minimal_rows() -> list[list[Any]]:
    """A small national-layout form: title with year, department, unit, budget block, one KPI row."""
    return [
        ["项目支出绩效自评表（2023年度）"],
        ["主管部门", "测试局", None, "金额单位：万元"],
        ["项目资金", None, "全年预算数", "全年执行数", "执行率"],
        [None, "年度资金总额", 100, 90, "90%"],
        [],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
        ["产出指标", "数量指标", "培训次数", "4次", "4次", 50, 50, None],
    ]
