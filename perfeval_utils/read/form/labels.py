"""The words real forms print: header cells, head-of-form labels, 一级指标 of both frameworks.

Everything here is vocabulary, so a province's new wording is a one-line change. Labels are
matched on :func:`label_key`: NFKC (full-width brackets and letters → half-width), no blanks
anywhere (``主 管 部 门``), and the decorations real forms add dropped (``及代码``, ``（盖章）``).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from perfeval_utils import schema

__all__ = [
    "BASIC_HEADER_WORDS",
    "BUDGET_HEADER_WORDS",
    "DEPARTMENT_LABELS",
    "KPI_HEADER_WORDS",
    "META_LABELS",
    "form_category",
    "label_key",
    "squash",
]

# (field, words): a header cell belongs to the first field one of whose words it contains (blanks
# removed). The order matters: 得分系数 before 得分, 实际完成值 before 指标值, 偏差原因… before 分值.

KPI_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("coefficient", ("得分系数",)),
    ("core", ("是否核心指标", "核心指标")),
    ("nature", ("指标性质",)),
    ("measure_unit", ("度量单位", "计量单位")),
    ("reason", ("偏差原因", "未完成原因", "原因分析", "改进措施")),
    ("category", ("一级指标",)),
    ("subcategory", ("二级指标",)),
    ("name", ("三级指标", "指标名称")),
    ("initial_target", ("年初指标值", "年初目标值")),
    ("adjusted_target", ("调整指标值", "调整后指标值")),
    ("actual", ("实际完成值", "全年实际值", "全年完成值", "指标实现值", "实际完成", "实现值", "完成值", "实际值")),
    ("target", ("年度指标值", "指标预期值", "预期目标", "预期值", "目标值", "指标值")),
    ("score", ("指标得分", "得分")),
    ("weight", ("分值", "权重")),
    ("status", ("完成情况",)),
    ("ignored", ("绩效指标", "序号")),
)

BUDGET_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("initial_budget", ("年初预算数", "年初预算")),
    ("budget", ("全年预算数", "调整后预算数", "全年预算")),
    ("executed", ("全年执行数", "执行数")),
    ("rate", ("执行率",)),
    ("weight", ("分值", "权重")),
    ("score", ("得分",)),
)

#: 基础数据表 columns; ``2021年决算数 / 2022年预算数 / 2022年决算数`` are recognised too (the 决算 of the
#: 预算's year is 本年决算数, an earlier one 上年决算数).
BASIC_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("prior_executed", ("上年决算数", "上年决算")),
    ("executed", ("本年决算数", "本年决算")),
    ("budget", ("本年预算数", "本年预算")),
)

STAFF_HEADER_WORDS = ("编制数", "在职人数", "实有人数")

#: Labels naming the body, in the order one is preferred when the form has several; keys as label_key gives them.
DEPARTMENT_LABELS = ("主管部门", "部门名称", "部门(单位)名称", "单位名称", "预算部门", "填报单位")
IMPLEMENTER_LABEL = "实施单位"

#: Label cells of the form's head (label_key form) → meta key; the value is the next cell to the right,
#: or the text after the colon.
META_LABELS: dict[str, str] = {
    **dict.fromkeys(DEPARTMENT_LABELS, "department"),
    "项目名称": "项目名称",
    IMPLEMENTER_LABEL: IMPLEMENTER_LABEL,
    "年度": "year",
    "自评得分": "self_score",
    "自评总分": "self_score",
    "总分": "self_score",
    "自评等级": "self_grade",
    "填表人": "填表人",
    "联系电话": "联系电话",
    "填报日期": "填报日期",
}

#: What forms add to a label: 主管部门及代码, 单位名称（盖章）, 填报单位（公章）.
_DECORATION = re.compile(r"\((?:盖章|签章|公章|章|代码)\)|及(?:其)?代码|\(加盖公章\)")
_BLANKS = re.compile(r"[\s\u200b\u3000]+")


def squash(text: str) -> str:
    """The text without any blank (line breaks and full-width blanks included): how header words match."""
    return re.sub(r"\s+", "", text)


def label_key(text: str) -> str:
    """``主 管 部 门 及代码：`` → ``主管部门``; ``部门（单位）名称`` → ``部门(单位)名称``."""
    key = _BLANKS.sub("", unicodedata.normalize("NFKC", text))
    return _DECORATION.sub("", key).rstrip(":")


#: 一级指标 of the two frameworks (产出/效益/满意度/成本, and 决策/过程/产出/效益), as forms write them.
_CATEGORY_WORDS = {"产出": "产出", "效益": "效益", "满意度": "满意度", "成本": "成本", "投入": "投入",
                   "过程": "过程", "管理": "过程", "决策": "决策"}
_POINTS = re.compile(r"\((\d+(?:\.\d+)?)分?\)$")


def form_category(text: str) -> tuple[str | None, Decimal | None]:
    """``项目产出指标（50分）`` → (产出, 50); ``项目管理`` → (过程, None); (None, None) when not a 一级指标.

    With or without the prefix 项目/部门 and the suffix 指标; 管理 is 过程 where a province uses that word.
    """
    key = _BLANKS.sub("", unicodedata.normalize("NFKC", text))
    points = None
    if match := _POINTS.search(key):
        points, key = Decimal(match.group(1)), key[: match.start()]
    for prefix in ("项目", "部门"):
        if key.startswith(prefix) and key[len(prefix):] not in ("", "指标"):
            key = key[len(prefix):]
    key = key.removesuffix("指标").removesuffix("类")
    category = _CATEGORY_WORDS.get(key)
    if category is None or category not in schema.CATEGORIES:
        return None, None
    return category, points
