"""Reading a form's tables row by row: budget block, 基础数据表, staffing block, indicator table.

:class:`FormReader` is the state of one form being read: what has been placed (and from which
cell), what could not be (``unplaced``), the meta values, the 文中数据 rows. Every number goes
through :meth:`FormReader.number`, which reads Excel numbers with ``cells.decimal_from_excel``
exactly as ``load_report`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfeval_utils import schema
from perfeval_utils.cells import is_number
from perfeval_utils.read.form.grid import Grid
from perfeval_utils.read.form.labels import form_category, squash
from perfeval_utils.read.form.layout import Header

__all__ = ["PLACEHOLDERS", "FormReader", "KpiRecord", "basic_block", "budget_block", "kpi_table", "staff_block"]

_TOTAL_LABELS = ("合计", "总计", "小计", "总分")
BUDGET_TOTAL_LABELS = ("合计", "总计", "支出合计", "部门整体支出", "部门整体支出合计")
_NATURE_LABELS = ("基本支出", "项目支出")
PLACEHOLDERS = frozenset({"—", "——", "-", "--", "/", "／", "…", "……", "...", "……/……"})
_OPERATORS = ("≥", "≤", ">", "<", "≧", "≦", "＞", "＜", ">=", "<=")
NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PERCENT = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*[%％]$")
POINTS = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*分$")
_NUMBERING = re.compile(
    r"^(?:其中\s*[:：]?\s*)?(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[)）])?\s*"
)
_ARABIC_NUMBERING = re.compile(r"^\s*\d+[、.．]")
_NOTE_WORDS = ("注:", "注：", "备注", "说明")
_FIRST_ITEM = re.compile(r"^(?:1|一)[、.．]|^[（(](?:1|一)[)）]")


@dataclass
class FormReader:
    """The state of one form being read: what has been placed, what could not be."""

    grid: Grid
    path: Path
    placed: set[tuple[int, int]] = field(default_factory=set)
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)
    cells: list[tuple[str, str, str, Any, str]] = field(default_factory=list)
    claims: list[list[Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_sources: dict[str, str | None] = field(default_factory=dict)

    def take(self, r: int, c: int) -> None:
        self.placed.add((r, c))

    def refuse(self, r: int, c: int, reason: str) -> None:
        if (r, c) in self.placed or self.grid.own(r, c) is None:
            return
        self.placed.add((r, c))
        self.unplaced.append((self.grid.address(r, c), self.grid.text(r, c, filled=False) or "", reason))

    def record(self, frame: str, key: str, column: str, value: Any, r: int, c: int) -> None:
        self.take(r, c)
        self.cells.append((frame, key, column, value, self.grid.address(r, c)))

    def set_meta(self, key: str, value: Any, r: int, c: int) -> None:
        self.meta[key] = value
        self.meta_sources[key] = self.grid.address(r, c)
        self.record("meta", key, key, value, r, c)

    def claim(self, section: str, item: str, value: Decimal, unit: str | None, r: int, c: int) -> None:
        claim_id = f"F{len(self.claims) + 1:02d}"
        self.claims.append([claim_id, section, item, value, unit, self.grid.address(r, c), r])
        self.record("claims", item, "value", value, r, c)

    def number(self, r: int, c: int, *, what: str, rate: bool = False, points: bool = False) -> Decimal | None:
        """A numeric cell as Decimal; None for blank or a placeholder (—, /); text is refused."""
        value = self.grid.own(r, c)
        if value is None:
            return None
        if is_number(value):
            if rate and not self.grid.formats_known and 0 < value <= 1:
                self.refuse(r, c, f"{what}: a rate stored as {value} without its number format (.xls): "
                                  "1 % or 100 %? not guessed")
                return None
            return self.grid.number_shown(r, c) if rate else self.grid.decimal(r, c, value)
        text = squash(str(value))
        if text in PLACEHOLDERS:
            self.take(r, c)
            return None
        if NUMBER.match(text):
            return Decimal(text)
        if _THOUSANDS.match(text):
            return Decimal(text.replace(",", ""))
        if rate and (match := _PERCENT.match(text)):
            return Decimal(match.group(1))
        if points and (match := POINTS.match(text)):
            return Decimal(match.group(1))
        self.refuse(r, c, f"{what}: text where a number belongs")
        return None


def _label(grid: Grid, header: Header, r: int) -> tuple[int, str] | None:
    """The line's label: the rightmost own text left of the figures that is not the block's heading."""
    for c in reversed(header.label_columns):
        text = grid.text(r, c, filled=False)
        if text and not is_number(grid.own(r, c)) and text != grid.text(header.row, c):
            return c, text
    return None


def _item(label: str) -> str:
    return _NUMBERING.sub("", squash(label)) or squash(label)


def _labelled(grid: Grid, header: Header, rows: Iterable[int]) -> Iterator[tuple[int, int, str, str]]:
    """The block's lines that have a label: row, label column, label as printed, 项目 (label without numbering)."""
    for r in rows:
        found = _label(grid, header, r)
        if found is not None and not squash(found[1]).startswith(_NOTE_WORDS):  # a note below the block
            yield r, found[0], found[1], _item(found[1])


# ---- budget, 基础数据表, staffing ----------------------------------------------------------------------


def budget_block(reader: FormReader, header: Header, rows: Iterable[int], lines: list[list[Any]]) -> None:
    """项目资金 / 部门预算 block: 合计 row, 其中 rows (资金来源, or 支出性质 for 基本/项目支出)."""
    grid = reader.grid
    unit = reader.meta["amount_unit"]
    for r, c_label, label, item in _labelled(grid, header, rows):
        figures = {f: reader.number(r, c, what=f"{label} {grid.text(header.row, c)}", rate=(f == "rate"))
                   for c, f in header.fields.items()}
        known = any(word in item for word in ("资金总额", "财政拨款", "上年结转", "其他资金", *_NATURE_LABELS)) \
            or item in BUDGET_TOTAL_LABELS
        if all(v is None for v in figures.values()):
            if known:
                reader.take(r, c_label)  # an empty template line (其他资金 with nothing in it)
            continue
        total = "资金总额" in item or item in BUDGET_TOTAL_LABELS
        dimension = schema.TOTAL if total else ("支出性质" if item in _NATURE_LABELS else "资金来源")
        source = grid.address(r, c_label)
        lines.append([dimension, item, figures.get("budget"), figures.get("executed"), None, figures.get("rate"),
                      source, r])
        reader.take(r, c_label)
        for c, f in header.fields.items():
            value = figures.get(f)
            if value is None:
                continue
            if f in ("budget", "executed", "rate"):
                reader.record("budget", item, {"rate": "stated_rate"}.get(f, f), value, r, c)
            elif f == "initial_budget":
                reader.claim("项目资金", f"{item}年初预算数", value, unit, r, c)
            elif f in ("weight", "score") and total:
                reader.set_meta("execution_weight" if f == "weight" else "execution_score", value, r, c)
            else:
                reader.refuse(r, c, f"{grid.text(header.row, c)} of a 其中 line: the Report has no place for it")


def basic_block(reader: FormReader, header: Header, rows: Iterable[int], lines: list[list[Any]]) -> None:
    """基础数据表: 上年决算数 / 本年预算数 / 本年决算数 per line; 维度 is the last heading line above.

    A heading is a line with no figures that is not a 其中 / ``1、`` item (三公经费 over 1、公务用车…), or a
    line with figures directly followed by its item ``1、`` (三公经费 63.46 printed as the subtotal of its items):
    that line's 维度 is itself.
    """
    grid = reader.grid
    heading: str | None = None
    labelled = list(_labelled(grid, header, rows))
    for n, (r, c_label, label, item) in enumerate(labelled):
        figures = {f: reader.number(r, c, what=f"{label} {grid.text(header.row, c)}") for c, f in header.fields.items()}
        reader.take(r, c_label)
        is_detail = squash(label).startswith("其中") or bool(_ARABIC_NUMBERING.match(label))
        if all(v is None for v in figures.values()):
            if not is_detail:
                heading = item
            continue
        heads_a_list = not is_detail and n + 1 < len(labelled) and _FIRST_ITEM.match(squash(labelled[n + 1][2]))
        if item in BUDGET_TOTAL_LABELS:
            dimension = schema.TOTAL
        elif item in _NATURE_LABELS:
            dimension, heading = "支出性质", item
        elif heads_a_list:
            dimension = heading = item
        else:
            dimension = heading or "其他"
        lines.append([dimension, item, figures.get("budget"), figures.get("executed"), figures.get("prior_executed"),
                      None, grid.address(r, c_label), r])
        for c, f in header.fields.items():
            if figures.get(f) is not None:
                reader.record("budget", item, f, figures[f], r, c)


def staff_block(reader: FormReader, header: Header, rows: Iterable[int]) -> None:
    """财政供养人员情况: 编制数 / 实际在职人数 / 控制率 → 文中数据 rows (人, %)."""
    grid = reader.grid
    section = next((grid.text(header.row, c) for c in header.label_columns if grid.text(header.row, c)), "人员情况")
    for r in rows:
        columns = [c for c in header.fields if grid.own(r, c) is not None]
        if not columns:
            break
        for c in columns:
            name = squash(grid.text(header.row, c) or "")
            value = reader.number(r, c, what=name, rate="率" in name)
            if value is not None:
                reader.claim(section or "人员情况", name, value, "%" if "率" in name else "人", r, c)


# ---- the indicator table ---------------------------------------------------------------------------


@dataclass
class KpiRecord:
    """One indicator row as read: its texts and numbers with their columns, before it becomes a frame row."""

    row: int
    category: str
    subcategory: str | None
    name: str
    name_cell: tuple[int, int]
    fields: set[str]
    texts: dict[str, tuple[int, str]]  # field → (column, text as shown)
    numbers: dict[str, tuple[int, Decimal]]  # field → (column, number)
    target: str | None = None
    target_field: str | None = None
    initial: str | None = None
    actual: str | None = None
    level_cells: dict[str, tuple[int, int]] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        return self.texts[name][1] if name in self.texts else None

    def value(self, name: str) -> Decimal | None:
        return self.numbers[name][1] if name in self.numbers else None


def kpi_table(reader: FormReader, header: Header, rows: Iterable[int], records: list[KpiRecord]) -> None:
    grid = reader.grid
    category_col, sub_col, name_col = header.column("category"), header.column("subcategory"), header.column("name")
    label_cols = [c for c in (category_col, sub_col, name_col) if c is not None]
    label_cols += [c for c, f in header.fields.items() if f == "ignored"] + header.label_columns
    last: dict[str, tuple[str | None, tuple[int, int] | None]] = {"category": (None, None), "subcategory": (None, None)}
    assert name_col is not None
    for r in rows:
        own = [c for c in grid.row_cells(r) if c in header.fields or c in header.label_columns]
        if not own:
            continue  # a blank row (or one filled only from merged cells above)
        labels = {c: squash(grid.text(r, c, filled=False) or "") for c in own if c in label_cols}
        total = next(((c, t) for c, t in labels.items() if t in _TOTAL_LABELS or t.startswith("合计")), None)
        if total is not None:
            _kpi_total(reader, header, r, total, last["category"][0])
            continue
        for c in own:
            if header.fields.get(c) == "ignored" and c not in (category_col, sub_col, name_col):
                reader.take(r, c)  # 序号
        name_cell = grid.anchor.get((r, name_col), (r, name_col))
        if name_cell[0] != r:
            name_cell = (r, name_col)  # merged down from a row above: not this row's name
        name = grid.text(*name_cell, filled=False)  # 二级 and 三级 merged across: the merged cell is the name
        if name is None:
            continue  # left for the meta scan, or unplaced
        if squash(name) in PLACEHOLDERS:
            reader.take(*name_cell)  # a template line (……)
            continue
        found: dict[str, tuple[str | None, tuple[int, int] | None]] = {}
        for level, col in (("category", category_col), ("subcategory", sub_col)):
            text = grid.text(r, col) if col else None
            cell = grid.anchor.get((r, col), (r, col)) if col else None
            found[level] = (text, cell) if text and cell != name_cell else (None, None)
        if found["category"][0] is None:  # 一级指标 written once and left blank below: filled down
            found["category"] = last["category"]
            if found["subcategory"][0] is None:
                found["subcategory"] = last["subcategory"]
        category_text = found["category"][0]
        category, points = form_category(category_text) if category_text else (None, None)
        if category is None:
            for c in own:
                reader.refuse(r, c, f"indicator row whose 一级指标 {category_text!r} is not one of "
                                    f"{'/'.join(schema.CATEGORIES)} (项目产出, 项目管理 … are read too)")
            continue
        if points is not None and found["category"] != last["category"]:
            cr, cc = found["category"][1] or (r, category_col or 1)
            reader.claim("指标表", f"一级指标分值（{category}）", points, "分", cr, cc)
        last = found
        record = _kpi_record(reader, header, r, category, found["subcategory"][0], name)
        record.name_cell = name_cell
        record.level_cells = {level: cell for level, (_, cell) in found.items() if cell is not None}
        records.append(record)


def _kpi_record(reader: FormReader, header: Header, r: int, category: str, sub: str | None, name: str) -> KpiRecord:
    grid = reader.grid
    texts: dict[str, tuple[int, str]] = {}
    numbers: dict[str, tuple[int, Decimal]] = {}
    for c, f in sorted(header.fields.items()):
        if f in ("category", "subcategory", "name", "ignored"):
            continue
        if f in texts or f in numbers:
            reader.refuse(r, c, f"a second column read as {f} ({grid.text(header.row, c)}); the first one is loaded")
            continue
        if f in ("weight", "score", "coefficient"):
            value = reader.number(r, c, what=grid.text(header.row, c) or f, points=f != "coefficient")
            if value is not None:
                numbers[f] = (c, value)
        else:
            text = grid.text(r, c, filled=False)
            if text is not None:
                texts[f] = (c, text)
    unit = texts.get("measure_unit", (0, ""))[1]
    nature = texts.get("nature", (0, ""))[1]
    name_col = header.column("name")
    assert name_col is not None
    record = KpiRecord(row=r, category=category, subcategory=sub, name=name, name_cell=(r, name_col),
                       fields=set(header.fields.values()), texts=texts, numbers=numbers)
    record.target_field = next((f for f in ("adjusted_target", "target", "initial_target") if f in texts), None)
    if record.target_field:
        column, text = texts[record.target_field]
        record.target = _combined(text, nature, unit, grid, r, column)
    if "initial_target" in texts:
        column, text = texts["initial_target"]
        record.initial = _combined(text, nature, unit, grid, r, column)
    if "actual" in texts:
        column, text = texts["actual"]
        record.actual = _combined(text, "", unit, grid, r, column)
    return record


def _combined(text: str, nature: str, unit: str, grid: Grid, r: int, c: int) -> str:
    """指标性质 ≥ + 指标值 266 + 度量单位 米 → ≥266米; a value that already carries them is left alone."""
    if unit and is_number(grid.own(r, c)) and not text.endswith(unit):
        text = f"{text}{unit}"
    op = squash(nature)
    if op in _OPERATORS and not text.startswith(_OPERATORS):
        text = f"{op}{text}"
    return text


def _kpi_total(reader: FormReader, header: Header, r: int, total: tuple[int, str], category: str | None) -> None:
    """合计 / 总分 row of the KPI table: not an indicator; its numbers become 文中数据 (and 总分 the self score)."""
    grid = reader.grid
    c_label, label = total
    reader.take(r, c_label)
    word = "总分" if label == "总分" else ("小计" if label.startswith("小计") else "合计")
    for c in grid.row_cells(r):
        if c == c_label or (r, c) in reader.placed:
            continue
        f = header.fields.get(c)
        if f in ("weight", "score"):
            value = reader.number(r, c, what=f"{label} {grid.text(header.row, c)}", points=True)
            if value is None:
                continue
            kind = "分值" if f == "weight" else "得分"
            if word == "总分":
                item = "总分" if f == "score" else "总分分值"
                if f == "score" and reader.meta.get("self_score") is None:
                    reader.meta["self_score"] = value
                    reader.meta_sources["self_score"] = grid.address(r, c)
                    reader.cells.append(("meta", "self_score", "self_score", value, grid.address(r, c)))
            elif word == "小计":
                item = f"{kind}小计（{category or r}）"
            else:
                item = f"{kind}合计"
            reader.claim("指标表", item, value, "分", r, c)
        else:
            what = grid.text(header.row, c) or "this cell"
            reader.refuse(r, c, f"{label} row of the 指标 table: no place for {what}")
