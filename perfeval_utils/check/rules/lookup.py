"""The workbook's named figures as the 核对 language sees them: 预算[合计.执行数], 文中数据[C65] …
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from perfeval_utils.cells import is_blank
from perfeval_utils.check.rules.syntax import Reference, Resolver, parse_expression
from perfeval_utils.check.rules.units import (
    _PLAIN,
    AmbiguousNameError,
    Quantity,
    RuleSyntaxError,
    Unit,
    UnknownNameError,
    parse_unit,
)
from perfeval_utils.report import Report
from perfeval_utils.values import parse_value

# ---- the workbook's named figures ----------------------------------------------------------

_BUDGET_FIELDS = {"预算数": "budget", "执行数": "executed", "上年执行数": "prior_executed", "报告执行率": "stated_rate"}
_TASK_FIELDS = {"资金": "amount", "报告指标数": "stated_indicators", "报告达标数": "stated_met"}
_KPI_FIELDS = {"预期值": "target_text", "实现值": "actual_text", "分值": "weight", "得分": "score"}
_META_FIELDS = {"自评得分": "self_score", "年末结转结余": "carryover", "预算执行率分值": "execution_weight",
                "预算执行率得分": "execution_score"}


def _listing(names: Iterable[str], limit: int = 12) -> str:
    items = list(names)
    if not items:
        return "（无）"
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:6]) + " … " + "、".join(items[-3:]) + f"（共 {len(items)} 个）"


def _unknown(ref: Reference, what: str, available: Iterable[str], wanted: str | None = None) -> UnknownNameError:
    names = tuple(available)
    hint = difflib.get_close_matches(wanted or ref.key, names, n=1, cutoff=0.6)
    message = f"{ref.text}: {what}; available: {_listing(names)}"
    if hint:
        message += f"; did you mean {hint[0]}?"
    return UnknownNameError(message, reference=ref.text, available=names)


def _budget_label(dimension: str, item: str) -> str:
    return dimension if dimension == "合计" else f"{dimension}/{item}"


@dataclass(frozen=True)
class _Figure:
    """A resolved reference: its value and unit, and the 出处 of the row it came from."""

    quantity: Quantity | None
    source: str


class _Lookup:
    """Finds the row a reference names and reads its figure; one instance per report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.money = parse_unit(report.amount_unit)
        self._indexes: dict[tuple[int, str], dict[Any, int]] = {}  # (frame, column) → key → first row

    def __call__(self, ref: Reference) -> Quantity:
        figure = self.find(ref, need_value=True)
        assert figure.quantity is not None
        return figure.quantity

    def find(self, ref: Reference, need_value: bool) -> _Figure:
        if ref.part is not None and not (ref.table == "指标" and ref.field in ("预期值", "实现值")):
            raise UnknownNameError(f"{ref.text}: #{ref.part} applies only to 指标[…].预期值 / 指标[…].实现值",
                                   reference=ref.text)
        reader = {
            "文中数据": self.claim, "预算": self.budget, "任务": self.task, "指标": self.kpi, "基本信息": self.meta,
        }[ref.table]
        return reader(ref, need_value)

    @staticmethod
    def _field(ref: Reference, fields: Mapping[str, str]) -> str:
        if ref.field is None:
            raise UnknownNameError(f"{ref.text}: name a field, e.g. {ref.text}.{next(iter(fields))}; "
                                   f"fields: {'、'.join(fields)}", reference=ref.text, available=tuple(fields))
        if ref.field not in fields:
            raise _unknown(ref, f"no field {ref.field} in {ref.table}", fields, ref.field)
        return fields[ref.field]

    @staticmethod
    def _no_field(ref: Reference, example: str) -> None:
        if ref.field is not None:
            raise UnknownNameError(f"{ref.text}: {ref.table} takes no field; write {example}", reference=ref.text)

    def _value(self, ref: Reference, value: Any, unit: Unit, source: str, need_value: bool) -> _Figure:
        if is_blank(value):
            if need_value:
                raise UnknownNameError(f"{ref.text} is blank in the workbook (the report does not state it)",
                                       reference=ref.text)
            return _Figure(None, source)
        return _Figure(Quantity(Fraction(value), unit), source)

    def _row(self, ref: Reference, frame: pd.DataFrame, column: str, sheet: str) -> pd.Series:
        """The first row whose ``column`` equals the reference's key (an index built once per frame)."""
        index = self._indexes.get((id(frame), column))
        if index is None:
            index = {}
            for position, key in enumerate(frame[column]):
                index.setdefault(key, position)
            self._indexes[(id(frame), column)] = index
        if ref.key not in index:
            raise _unknown(ref, f"no {sheet} row with 编号 {ref.key}", frame[column].tolist())
        return frame.iloc[index[ref.key]]

    def claim(self, ref: Reference, need_value: bool) -> _Figure:
        self._no_field(ref, f"文中数据[{ref.key}]")
        row = self._row(ref, self.report.claims, "claim_id", "文中数据")
        return self._value(ref, row["value"], parse_unit(row["unit"]), _source(row["source"]), need_value)

    def budget(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _BUDGET_FIELDS)
        frame = self.report.budget
        key = ref.key.replace("／", "/")
        labels = [_budget_label(d, i) for d, i in zip(frame["dimension"], frame["item"], strict=True)]
        hits = [
            k for k, (d, i) in enumerate(zip(frame["dimension"], frame["item"], strict=True))
            if key in (labels[k], i) or (d == "合计" and key == f"合计/{i}")
        ]
        if not hits:
            raise _unknown(ref, "no 预算 line with that 项目 (or 维度/项目)", labels)
        if len(hits) > 1:
            candidates = tuple(labels[k] for k in hits)
            raise AmbiguousNameError(
                f"{ref.text}: ambiguous, {len(hits)} 预算 lines have 项目 {ref.key}: "
                + "、".join(f"预算[{c}]" for c in candidates) + "; write 预算[维度/项目]",
                reference=ref.text, available=candidates,
            )
        row = frame.iloc[hits[0]]
        unit = parse_unit("%") if column == "stated_rate" else self.money
        return self._value(ref, row[column], unit, _source(row["source"]), need_value)

    def task(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _TASK_FIELDS)
        row = self._row(ref, self.report.tasks, "task_id", "任务")
        unit = self.money if column == "amount" else parse_unit("个")
        value = row[column]
        if column != "amount" and not is_blank(value):
            value = int(value)  # a nullable Int64 count
        return self._value(ref, value, unit, _source(row["source"]), need_value)

    def kpi(self, ref: Reference, need_value: bool) -> _Figure:
        column = self._field(ref, _KPI_FIELDS)
        row = self._row(ref, self.report.kpis, "indicator_id", "指标")
        source = _source(row["source"])
        if column in ("weight", "score"):
            return self._value(ref, row[column], parse_unit("分"), source, need_value)
        text = row[column]
        if is_blank(text):
            return self._value(ref, None, _PLAIN, source, need_value)
        if not need_value:
            return _Figure(None, source)
        numbers = [m for m in parse_value(str(text)) if m.value is not None]
        if not numbers:
            raise UnknownNameError(f"{ref.text}: no number in {text!r}", reference=ref.text)
        parts = tuple(f"#{k} = {m.value}{' ' + m.unit if m.unit else ''}" for k, m in enumerate(numbers, start=1))
        if ref.part is None and len(numbers) > 1:
            raise AmbiguousNameError(
                f"{ref.text}: {text!r} holds {len(numbers)} numbers ({'、'.join(parts)}); write {ref.text}#1 … "
                f"#{len(numbers)}", reference=ref.text, available=parts,
            )
        index = (ref.part or 1) - 1
        if index >= len(numbers):
            raise UnknownNameError(f"{ref.text}: {text!r} holds only {len(numbers)} number(s): {'、'.join(parts)}",
                                   reference=ref.text, available=parts)
        measure = numbers[index]
        return self._value(ref, measure.value, parse_unit(measure.unit), source, need_value)

    def meta(self, ref: Reference, need_value: bool) -> _Figure:
        self._no_field(ref, f"基本信息[{ref.key}]")
        if ref.key not in _META_FIELDS:
            raise _unknown(ref, "not a number field of 基本信息", _META_FIELDS)
        key = _META_FIELDS[ref.key]
        unit = self.money if key == "carryover" else parse_unit("分")
        source = _source(self.report.meta_sources.get(key))
        return self._value(ref, self.report.meta.get(key), unit, source, need_value)


def _source(value: Any) -> str:
    return "" if is_blank(value) else str(value)


def report_resolver(report: Report) -> Resolver:
    """The lookup :func:`evaluate` needs to read one workbook's named figures (文中数据[C65] …)."""
    return _Lookup(report)


def sources_of(report: Report, references: Iterable[str | Reference]) -> list[str]:
    """The 出处 of each referenced figure, in order, for the auditor's trail.

    "" where the row gives no 出处 or the reference names no row (C99, an ambiguous 项目): the
    outcome of such a rule already carries the error, and listing its sources must not fail.
    Text that is not one reference is a RuleSyntaxError.
    """
    lookup = _Lookup(report)
    out: list[str] = []
    for item in references:
        ref = item if isinstance(item, Reference) else parse_expression(item)
        if not isinstance(ref, Reference):
            raise RuleSyntaxError("expected one reference such as 文中数据[C65]", expression=str(item))
        try:
            out.append(lookup.find(ref, need_value=False).source)
        except UnknownNameError:
            out.append("")
    return out


