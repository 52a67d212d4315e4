"""Every Chinese sheet name, column header and allowed value of the v1 workbook, in one place.

The people who fill in a workbook read Chinese; the code reads English snake_case. This
module is the only place where the two meet, so a renamed header is a one-line change and
the documentation (docs/workbook-format.md) can be checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """How a cell is read: what the loader accepts and what it produces."""

    TEXT = "text"  # str, stripped; blank → None
    AMOUNT = "amount"  # number ≥ 0 → Decimal; blank → None
    RATE = "rate"  # percentage as printed (98.25 for 98.25 %), number or "98.25%" text → Decimal
    COUNT = "count"  # whole number ≥ 0 → int
    DECIMAL = "decimal"  # any number → Decimal (scores, 文中数据 values)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet: its Chinese header, English name, how it is read."""

    header: str
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False  # a blank cell is an error


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of the workbook, its columns in the documented order."""

    title: str
    name: str
    columns: tuple[Column, ...]
    optional: bool = False
    id_column: str | None = None  # English name of the column whose values must be unique
    #: The Chinese headers in order (kept, not rebuilt: the loader asks for them for every header cell).
    headers: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple(c.header for c in self.columns))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


# ---- 基本信息 -------------------------------------------------------------------------

META = Sheet(
    "基本信息",
    "meta",
    (
        Column("字段", "field", required=True),
        Column("值", "value"),
        Column("出处", "source"),  # optional third column: where the value is printed
    ),
    id_column="field",
)
META_OPTIONAL_HEADERS = frozenset({"出处"})

#: 基本信息 字段 → Report.meta key. The first three are required.
META_FIELDS: dict[str, str] = {
    "部门": "department",
    "年度": "year",
    "金额单位": "amount_unit",
    "报告类型": "report_kind",
    "自评得分": "self_score",
    "年末结转结余": "carryover",
    "报告日期": "report_date",
    "来源文件": "source_document",
    "预算执行率分值": "execution_weight",
    "预算执行率得分": "execution_score",
    "自评等级": "self_grade",
}
#: 基本信息 fields of mid-year monitoring (监控预算 / 监控指标); in Report.meta only when given, so a
#: self-evaluation's meta is unchanged. 时间进度 overrides the share of the year computed from the date.
MONITORING_META_FIELDS: dict[str, str] = {
    "监控截止日期": "monitoring_date",
    "时间进度": "time_progress",
}
META_REQUIRED = ("部门", "年度", "金额单位")
#: Optional free-text 基本信息 field for the transcriber's notes (what is not printed in the report:
#: how a name was read, which file a workbook was entered from). Like any field not in META_FIELDS
#: it is loaded as text into ``Report.meta`` under its Chinese name, so 部门 stays the printed name.
NOTE_FIELD = "备注"
AMOUNT_UNITS = ("万元", "元")
REPORT_KINDS = ("部门整体支出", "项目支出", "部门决算")
GRADES = ("优", "良", "中", "差")
YEAR_RANGE = (1990, 2100)

# ---- 预算 ----------------------------------------------------------------------------

BUDGET = Sheet(
    "预算",
    "budget",
    (
        Column("维度", "dimension", required=True),
        Column("项目", "item", required=True),
        Column("预算数", "budget", Kind.AMOUNT),
        Column("执行数", "executed", Kind.AMOUNT),
        Column("上年执行数", "prior_executed", Kind.AMOUNT),
        Column("报告执行率", "stated_rate", Kind.RATE),
        Column("出处", "source"),
    ),
)
TOTAL = "合计"
#: Fixed 维度 values; any other non-blank text is a free-text dimension and is kept as written.
BUDGET_DIMENSIONS = (TOTAL, "资金来源", "支出性质")

# ---- 指标 ----------------------------------------------------------------------------

KPIS = Sheet(
    "指标",
    "kpis",
    (
        Column("编号", "indicator_id", required=True),
        Column("范围", "scope", required=True),
        Column("一级指标", "category", required=True),
        Column("二级指标", "subcategory"),
        Column("指标名称", "name", required=True),
        Column("预期值", "target_text"),
        Column("实现值", "actual_text"),
        Column("完成情况", "status_text"),
        Column("分值", "weight", Kind.DECIMAL),
        Column("得分", "score", Kind.DECIMAL),
        Column("偏差原因", "reason"),
        Column("出处", "source"),
    ),
    id_column="indicator_id",
)
DEPARTMENT_SCOPE = "部门整体"
#: 一级指标, normalised (the suffix 指标 is optional). 投入 and 过程 are the first two levels of
#: the older 部门整体支出 framework (投入/过程/产出/效益) that Hunan forms still print; 决策 and 过程
#: (written 项目决策 / 项目管理) the first two of the 决策/过程/产出/效益 project framework.
CATEGORIES = ("产出", "效益", "满意度", "成本", "投入", "过程", "决策")

# ---- 任务 ----------------------------------------------------------------------------

TASKS = Sheet(
    "任务",
    "tasks",
    (
        Column("编号", "task_id", required=True),
        Column("任务名称", "name", required=True),
        Column("实施单位", "implementer"),
        Column("资金", "amount", Kind.AMOUNT),
        Column("报告指标数", "stated_indicators", Kind.COUNT),
        Column("报告达标数", "stated_met", Kind.COUNT),
        Column("出处", "source"),
    ),
    optional=True,
    id_column="task_id",
)

# ---- 文中数据 -------------------------------------------------------------------------

CLAIMS = Sheet(
    "文中数据",
    "claims",
    (
        Column("编号", "claim_id", required=True),
        Column("章节", "section"),
        Column("事项", "item", required=True),
        Column("数值", "value", Kind.DECIMAL, required=True),
        Column("单位", "unit"),
        Column("出处", "source"),
    ),
    optional=True,
    id_column="claim_id",
)

#: 文中数据 事项 that state a count of indicators: ``指标计数:<范围>:<口径>``, where 范围 is
#: 部门整体 or a task 编号 and 口径 is one of COUNT_KINDS. See docs/workbook-format.md.
COUNT_PREFIX = "指标计数"
COUNT_KINDS = ("合计", "产出", "效益", "满意度", "成本", "已完成", "未完成")

#: 文中数据 事项 that state a change on the prior year: ``较上年:<项目>:增减额`` (an amount) or
#: ``较上年:<项目>:增减率`` (per cent). See docs/many-workbooks.md.
CHANGE_PREFIX = "较上年"
CHANGE_AMOUNT = "增减额"
CHANGE_RATE = "增减率"
CHANGE_ITEM = re.compile(rf"^{CHANGE_PREFIX}[:：](?P<item>[^:：]+)[:：](?P<kind>{CHANGE_AMOUNT}|{CHANGE_RATE})$")

# ---- 核对 -------------------------------------------------------------------------------

RULES = Sheet(
    "核对",
    "rules",
    (
        Column("编号", "rule_id", required=True),
        Column("说明", "description", required=True),
        Column("左式", "left", required=True),
        Column("右式", "right", required=True),
        Column("容差", "tolerance"),  # text: a number with its unit, e.g. 0.01万元; blank = exact
        Column("出处", "source"),
    ),
    optional=True,
    id_column="rule_id",
)

SHEETS: tuple[Sheet, ...] = (META, BUDGET, KPIS, TASKS, CLAIMS, RULES)

# ---- 监控预算 / 监控指标 (optional: mid-year monitoring, 绩效运行监控) -------------------------
# Kept out of SHEETS so that a self-evaluation is written and templated as before; a workbook may
# hold both (the year-end sheets and the July monitoring) and load_report reads both.

MONITOR_BUDGET = Sheet(
    "监控预算",
    "monitoring_budget",
    (
        Column("维度", "dimension", required=True),
        Column("项目", "item", required=True),
        Column("年度预算数", "budget", Kind.AMOUNT),
        Column("截止执行数", "executed_to_date", Kind.AMOUNT),
        Column("全年预计执行数", "forecast", Kind.AMOUNT),
        Column("偏差原因", "reason"),
        Column("纠偏措施", "remedy"),
        Column("出处", "source"),
    ),
    optional=True,
)

MONITOR_KPIS = Sheet(
    "监控指标",
    "monitoring_kpis",
    (
        Column("编号", "indicator_id", required=True),
        Column("范围", "scope", required=True),
        Column("一级指标", "category", required=True),
        Column("二级指标", "subcategory"),
        Column("指标名称", "name", required=True),
        Column("年度指标值", "target_text"),
        Column("截止完成值", "to_date_text"),
        Column("全年预计完成值", "forecast_text"),
        Column("完成可能性", "likelihood"),
        Column("偏差原因类型", "reason_type"),
        Column("原因说明", "reason"),
        Column("纠偏措施", "remedy"),
        Column("出处", "source"),
    ),
    optional=True,
    id_column="indicator_id",
)
#: 完成可能性 and 偏差原因类型: the fixed lists of the 执行监控表 (财预〔2019〕136号).
LIKELIHOODS = ("确定能", "有可能", "完全不可能")
REASON_TYPES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
MONITORING_SHEETS: tuple[Sheet, ...] = (MONITOR_BUDGET, MONITOR_KPIS)
#: Every sheet load_report reads.
FORMAT_SHEETS: tuple[Sheet, ...] = (*SHEETS, *MONITORING_SHEETS)


def normalise_category(text: str) -> str | None:
    """产出指标 → 产出; None when the text is not one of CATEGORIES."""
    core = text.strip()
    if core.endswith("指标"):
        core = core[: -len("指标")]
    return core if core in CATEGORIES else None
