"""A realistic district portfolio: department-year workbooks built from the seed's shape, figures varied.

Each workbook has the seed's six sheets. 50 departments of one district × 20 years; amounts are
the seed's scaled by a per-department factor and a yearly drift, rounded to two decimals; the
合计 line's 报告执行率 is recomputed; one department in ten states its amounts in 元; 指标 holds
10–30 rows drawn from the seed's indicators (their value strings exactly as printed), and the
文中数据 indicator counts match them. The figures are reproducible from the file's index.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import python_calamine
from openpyxl import Workbook

SEED = Path(__file__).resolve().parents[1] / "data" / "huangpu-zonggonghui-2022.xlsx"
AGENCIES = (
    "总工会", "教育局", "卫生健康局", "民政局", "财政局", "人力资源和社会保障局", "住房和城乡建设局", "交通运输局",
    "水务局", "农业农村局", "商务局", "文化广电旅游体育局", "应急管理局", "市场监督管理局", "统计局", "医疗保障局",
    "司法局", "科学技术局", "工业和信息化局", "发展和改革局", "审计局", "城市管理和综合执法局", "生态环境分局",
    "规划和自然资源分局", "退役军人事务局", "信访局", "档案馆", "图书馆", "妇女联合会", "共青团区委", "残疾人联合会",
    "红十字会", "科学技术协会", "文学艺术界联合会", "工商业联合会", "侨务局", "民族宗教事务局", "机关事务管理局",
    "政务服务数据管理局", "投资促进局", "人民防空办公室", "融媒体中心", "疾病预防控制中心", "妇幼保健院", "人民医院",
    "中医医院", "职业技术学校", "第一中学", "实验小学", "大沙街道办事处",
)
FIRST_YEAR = 2004
CENT = Decimal("0.01")


def seed_rows() -> dict[str, list[list[Any]]]:
    """The seed workbook's cells, sheet by sheet, blank cells as None."""
    book = python_calamine.CalamineWorkbook.from_path(str(SEED))
    try:
        return {name: [[None if v == "" else v for v in row]
                       for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in book.sheet_names}
    finally:
        book.close()


def _money(value: float | Decimal, factor: Decimal) -> float:
    return float((Decimal(repr(value)) * factor).quantize(CENT, ROUND_HALF_UP))


def department_year(index: int) -> tuple[str, int]:
    return f"广州市黄埔区{AGENCIES[index % len(AGENCIES)]}", FIRST_YEAR + index // len(AGENCIES)


def portfolio_sheets(index: int, seed: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """The sheets of workbook ``index``: the seed's shape with this department-year's figures."""
    rng = random.Random(index)
    department, year = department_year(index)
    dept_rng = random.Random(department)
    scale = Decimal(str(round(dept_rng.uniform(0.2, 5.0), 3))) * Decimal(str(round(1 + 0.03 * (year - 2014), 3)))
    in_yuan = dept_rng.random() < 0.1
    factor = scale * (10000 if in_yuan else 1)
    sheets = {name: [list(row) for row in rows] for name, rows in seed.items()}

    meta = {row[0]: row for row in sheets["基本信息"][1:]}
    meta["部门"][1] = department
    meta["年度"][1] = year
    meta["金额单位"][1] = "元" if in_yuan else "万元"
    meta["自评得分"][1] = round(rng.uniform(80, 100), 2)
    meta["年末结转结余"][1] = _money(rng.uniform(0, 50), factor)
    meta["报告日期"][1] = f"{year + 1}-05-{rng.randint(10, 31):02d}"

    budget = sheets["预算"]
    rate = Decimal(str(round(rng.uniform(0.85, 1.0), 4)))
    for row in budget[1:]:
        for at in (2, 3, 4):
            if isinstance(row[at], int | float):
                row[at] = _money(row[at], factor * (rate / Decimal("0.9825") if at == 3 else 1))
        if row[0] == "合计" and row[2] and row[3]:
            row[5] = float((Decimal(repr(row[3])) / Decimal(repr(row[2])) * 100).quantize(CENT, ROUND_HALF_UP))
    for row in sheets["任务"][1:]:
        row[3] = _money(row[3], factor)

    seed_kpis = sheets["指标"][1:]
    count = rng.randint(10, 30)
    kpis = []
    for number in range(1, count + 1):
        row = list(seed_kpis[(number - 1 + rng.randint(0, 9)) % len(seed_kpis)])
        row[0] = str(number)
        row[1] = "部门整体" if number <= count // 2 else f"任务{1 + number % 2}"
        kpis.append(row)
    sheets["指标"] = [sheets["指标"][0], *kpis]
    _restate_counts(sheets, kpis)
    return sheets


def _restate_counts(sheets: dict[str, list[list[Any]]], kpis: list[list[Any]]) -> None:
    """The 文中数据 指标计数 rows state the counts of this workbook's 指标 rows."""
    def count(scope: str, kind: str) -> int:
        rows = [k for k in kpis if k[1] == scope]
        if kind == "合计":
            return len(rows)
        if kind in ("已完成", "未完成"):
            return sum(1 for k in rows if k[7] == kind)
        return sum(1 for k in rows if str(k[2]).removesuffix("指标") == kind)

    for row in sheets["文中数据"][1:]:
        item = str(row[2])
        if item.startswith("指标计数"):
            _, scope, kind = item.replace("：", ":").split(":")
            row[3] = count(scope, kind)
    tasks = {row[0]: row for row in sheets["任务"][1:]}
    for task_id, row in tasks.items():
        row[4] = count(task_id, "合计")
        row[5] = count(task_id, "已完成")


def write(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _build(job: tuple[int, str, dict[str, list[list[Any]]]]) -> str:
    index, folder, seed = job
    department, year = department_year(index)
    path = Path(folder) / f"{year}" / f"{department}-{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(write(path, portfolio_sheets(index, seed)))


def generate(folder: Path, files: int, workers: int = 2) -> list[Path]:
    """Write ``files`` workbooks under ``folder`` (one sub-folder per year); reuse them when already there."""
    stamp = folder / f".generated-{files}"
    if stamp.exists():
        found = sorted(folder.rglob("*.xlsx"))
        if len(found) == files:
            return found
    seed = seed_rows()
    jobs = [(i, str(folder), seed) for i in range(files)]
    if workers > 1:
        from multiprocessing import Pool

        with Pool(workers) as pool:
            paths = pool.map(_build, jobs, chunksize=25)
    else:
        paths = [_build(job) for job in jobs]
    stamp.write_text("generated by python -m benchmarks\n", encoding="utf-8")
    return sorted(Path(p) for p in paths)
