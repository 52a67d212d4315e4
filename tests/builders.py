"""Build small v1 workbooks inside tests, so every malformed case is visible in code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Rows = list[list[Any]]


def valid_sheets() -> dict[str, Rows]:
    """A minimal, valid workbook (two tasks, three indicators) to mutate case by case."""
    return copy.deepcopy(
        {
            "基本信息": [
                ["字段", "值", "出处"],
                ["部门", "测试区总工会", "标题"],
                ["年度", 2022, "标题"],
                ["金额单位", "万元", "第1行"],
                ["报告类型", "部门整体支出", None],
                ["自评得分", 98.39, "第2行"],
            ],
            "预算": [
                ["维度", "项目", "预算数", "执行数", "上年执行数", "报告执行率", "出处"],
                ["合计", "部门整体支出", 1415.43, 1390.69, None, 98.25, "第3行"],
                ["资金来源", "一般公共预算财政拨款", None, 1390.69, None, None, "第4行"],
                ["支出性质", "基本支出", None, 1319.92, None, None, "第4行"],
            ],
            "指标": [
                ["编号", "范围", "一级指标", "二级指标", "指标名称", "预期值", "实现值", "完成情况",
                 "分值", "得分", "偏差原因", "出处"],
                ["1", "部门整体", "产出", None, "培训次数", "4 场次", "4 场次", "已完成", None, None, None, "第5行"],
                ["2", "部门整体", "产出指标", None, "慰问金", "约 232000 元", "230500 元", "未完成", None, None,
                 "联系不上", "第6行"],
                ["3", "任务1", "满意度", None, "满意度", "90%", "96%", "已完成", 10, 10, None, "第7行"],
            ],
            "任务": [
                ["编号", "任务名称", "实施单位", "资金", "报告指标数", "报告达标数", "出处"],
                ["任务1", "工会工作", "各业务部", 46.72, 8, 6, "第8行"],
                ["任务2", "综合业务", "中心", 46.2, 5, 5, "第9行"],
            ],
            "文中数据": [
                ["编号", "章节", "事项", "数值", "单位", "出处"],
                ["C01", "二", "指标计数:部门整体:合计", 10, "个", "第10行"],
                ["C02", "三", "返还工会经费金额", 6253, "万元", "第11行"],
            ],
        }
    )


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """Write the sheets in order, rows from A1, None as an empty cell."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path
