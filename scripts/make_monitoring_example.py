"""Build data/examples/huangpu-zonggonghui-2022-monitoring.xlsx: a mid-year monitoring example.

No department here has published monitoring figures. The example keeps the seed's real annual
figures (预算, 指标, 任务 of data/huangpu-zonggonghui-2022.xlsx, the 2022 self-evaluation) and adds
mid-year figures that are INVENTED (截止执行数, 全年预计执行数, 截止完成值, 全年预计完成值, reasons and
remedies), chosen so that each monitoring flag fires once. 基本信息 and every 出处 say
示例数据（非公开数据）. Run from the repository root:

    python scripts/make_monitoring_example.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd

from perfeval_utils import load_report, schema
from perfeval_utils.present.monitoring_sheets import add_monitoring_sheets
from perfeval_utils.present.writer import build_workbook, meta_rows, save
from perfeval_utils.report import EXAMPLE_MARK

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"
OUT = ROOT / "data" / "examples" / "huangpu-zonggonghui-2022-monitoring.xlsx"
MARK = EXAMPLE_MARK
INVENTED = f"{MARK}：监控数为虚构"
D = Decimal

# 维度, 项目, 年度预算数 (real: seed 合计 and the two tasks' 资金), 截止执行数, 全年预计执行数, 偏差原因, 纠偏措施
BUDGET = [
    ("合计", "部门整体支出", D("1415.43"), D("742.10"), D("1395.00"), "人员经费按月支付，项目支出集中在下半年",
     "加快下半年项目支出进度"),
    ("任务", "工会工作", D("46.72"), D("15.20"), D("46.72"), None, "下半年集中开展劳模疗养"),
    ("任务", "职工服务中心综合业务工作", D("46.2"), D("25.00"), D("40.00"), "部分培训改为线上，费用减少", None),
]
# 编号 (as in 指标), 截止完成值, 全年预计完成值, 完成可能性, 偏差原因类型, 原因说明, 纠偏措施
KPIS = [
    ("1", "1 场次", "4 场次", "确定能", None, None, None),
    ("2", "已发放慰问费用 98000 元", "预计全年使用慰问费用 232000 元", "确定能", "其他",
     "慰问金在春节、五一集中发放，下半年按计划发放", None),
    ("3", "已组织 12 名劳模", "预计组织 40 名劳模", "有可能", "其他", "部分劳模年龄偏大、身体原因无法出行", None),
    ("6", "100%", "100%", "确定能", None, None, None),
    ("7", "已新增基层工会 150 家", "预计新增基层工会 240 家", "确定能", None, None, None),
    ("10", None, "90%", "确定能", None, "满意度调查在年底开展", None),
]


def _marked(source: object) -> str:
    """Every 出处 says the workbook is example data; a real figure keeps where the seed prints it."""
    return MARK if not isinstance(source, str) or not source else f"{MARK}；年度数据出处：{source}"


def main(out: Path = OUT) -> Path:
    seed = load_report(SEED)
    meta = {**seed.meta, "department": f"{seed.department}（示例）",
            "source_document": f"{MARK}：年度数据取自 {seed.meta['source_document']}"}
    sources = {key: _marked(value) for key, value in seed.meta_sources.items()}
    rows = meta_rows(meta, sources)
    rows += [("监控截止日期", dt.date(2022, 7, 31), INVENTED), ("数据说明", f"{MARK}：年度预算、指标与年末数取自 "
             "黄埔区总工会 2022 年自评报告；监控截止数、全年预计数、原因与措施为虚构，仅供演示", MARK)]
    frames = {name: getattr(seed, name).assign(source=[_marked(s) for s in getattr(seed, name)["source"]])
              for name in ("budget", "kpis", "tasks", "claims", "rules")}
    book = build_workbook(rows, frames)
    names = seed.kpis.set_index("indicator_id")
    kpis = pd.DataFrame(
        [{"indicator_id": i, "scope": names.loc[i, "scope"], "category": names.loc[i, "category"],
          "subcategory": names.loc[i, "subcategory"], "name": names.loc[i, "name"],
          "target_text": names.loc[i, "target_text"], "to_date_text": to_date, "forecast_text": forecast,
          "likelihood": likely, "reason_type": kind, "reason": reason, "remedy": remedy,
          "source": f"{INVENTED}；年度指标值出处：{names.loc[i, 'source']}"}
         for i, to_date, forecast, likely, kind, reason, remedy in KPIS],
        columns=schema.MONITOR_KPIS.names)
    budget = pd.DataFrame([(*line, INVENTED) for line in BUDGET], columns=schema.MONITOR_BUDGET.names)
    add_monitoring_sheets(book, {"monitoring_budget": budget, "monitoring_kpis": kpis})
    out.parent.mkdir(parents=True, exist_ok=True)
    return save(book, out)


if __name__ == "__main__":
    print(main())
