"""The head of a form: title (报告类型, 年度), 单位, and the label : value cells (部门, 自评得分 …).

Labels are matched on :func:`labels.label_key`, so 主管部门及代码, 单位名称（盖章） and 主 管 部 门 are
all found. The body is the first of the department labels present; when only 实施单位 names one, it
is used and a :class:`LoadWarning` says so. ``department=`` / ``year=`` given by the caller fill
what the form leaves out, and a conflict with what it states is an error, never a silent choice.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from perfeval_utils import schema
from perfeval_utils.errors import MetaError
from perfeval_utils.read.form.labels import DEPARTMENT_LABELS, IMPLEMENTER_LABEL, META_LABELS, label_key, squash
from perfeval_utils.read.form.records import NUMBER, POINTS, FormReader
from perfeval_utils.report import LoadWarning

__all__ = ["AmountUnitError", "amount_unit", "meta_scan", "require_meta"]


class AmountUnitError(MetaError):
    """The form states no amount unit (and none was given), or states another one than was given."""


_UNIT_LABEL = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|元)")
_UNIT_BRACKET = re.compile(r"(?:资金|预算|金额|经费|支出).*[（(]\s*(万元|元)\s*[)）]")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
_YEAR_CELL = re.compile(r"^[（(]?\s*((?:19|20)\d{2})\s*年度?\s*[)）]?$")
#: ``219-池州市贵池区棠溪镇人民政府``: a finance system's code joined to the name by a dash, printed
#: after a plain 主管部门 / 实施单位 label too (a name never starts with digits and a dash).
_DASHED_CODE = re.compile(r"^(\d{3,})\s*[-－—–_]\s*(\S.*)$")
_CODE = re.compile(r"^[\[【(（]?\s*(\d{3,})\s*[\]】)）]?\s*(.+)$|^(.+?)\s*[\[【(（]\s*(\d{3,})\s*[\]】)）]$")
#: How a department label is kept in meta when it is not the one used as 部门.
_SHOWN = {"部门(单位)名称": "部门（单位）名称"}


def _is_title(core: str) -> bool:
    """The form's title; a note that mentions the form (注：本表…自评表…) is not one."""
    if len(core) > 60 or re.search(r"[:：]", core) or core.startswith(("注", "备注", "说明")):
        return False
    return "自评表" in core or "基础数据表" in core or "绩效评价表" in core


def _report_kind(core: str) -> str | None:
    if "部门整体" in core or "基础数据表" in core:
        return "部门整体支出"
    if "项目支出" in core or "专项资金" in core or "项目" in core:
        return "项目支出"
    return None


def _unit_in(core: str) -> str | None:
    match = _UNIT_LABEL.search(core) or _UNIT_BRACKET.search(core)
    return match.group(1) if match else None


def amount_unit(reader: FormReader, given: str | None) -> None:
    """The first unit cell in reading order; ``given`` when the form states none; a conflict is an error."""
    grid = reader.grid
    found = None
    for (r, c) in sorted(grid.values):
        unit = _unit_in(squash(grid.text(r, c, filled=False) or ""))
        if unit is not None:
            found = (unit, r, c)
            break
    if given is not None and given not in schema.AMOUNT_UNITS:
        raise AmountUnitError("unknown amount unit", file=reader.path, found=given,
                              expected=" or ".join(schema.AMOUNT_UNITS))
    if found is None:
        if given is None:
            raise AmountUnitError(
                "the form states no amount unit", file=reader.path, sheet=grid.title,
                expected="a cell such as 单位：万元, 金额单位：万元 or 项目资金（万元）",
                fix="pass amount_unit='万元' (or '元') to load_form",
            )
        reader.meta["amount_unit"] = given
        reader.meta_sources["amount_unit"] = "load_form(amount_unit=…)"
        return
    unit, r, c = found
    if given is not None and given != unit:
        raise AmountUnitError(
            f"the form states {unit} but amount_unit={given!r} was given", file=reader.path, sheet=grid.title,
            row=r, found=grid.text(r, c, filled=False), expected=unit, fix=f"pass amount_unit={unit!r} or leave it out",
        )
    reader.meta["amount_unit"] = unit
    reader.meta_sources["amount_unit"] = grid.address(r, c)
    reader.cells.append(("meta", "amount_unit", "amount_unit", unit, grid.address(r, c)))


def meta_scan(reader: FormReader) -> list[LoadWarning]:
    """Title, 年度, 单位, label : value cells outside the tables; returns the warnings it records."""
    grid = reader.grid
    departments: dict[str, tuple[str, int, int, bool]] = {}
    for (r, c) in sorted(grid.values):
        if (r, c) in reader.placed:
            continue
        text = grid.text(r, c, filled=False) or ""
        core = squash(text)
        if _is_title(core):
            reader.take(r, c)
            kind = _report_kind(core)
            if kind and reader.meta.get("report_kind") is None:
                reader.set_meta("report_kind", kind, r, c)
            if (match := _YEAR.search(core)) and reader.meta.get("year") is None:
                reader.set_meta("year", int(match.group(1)), r, c)
            continue
        if match := _YEAR_CELL.match(core):
            if reader.meta.get("year") is None:
                reader.set_meta("year", int(match.group(1)), r, c)
            else:
                reader.take(r, c)
            continue
        if _unit_in(core) and _UNIT_LABEL.fullmatch(core):
            reader.take(r, c)  # read by amount_unit
            continue
        label, value, place = _label_value(reader, r, c, text)
        if label is None:
            continue
        key = META_LABELS[label]
        reader.take(r, c)
        if value is None:
            continue
        if key == "department" or label == IMPLEMENTER_LABEL:
            departments[label] = (value, *place, "代码" in text)
            reader.take(*place)
        else:
            _set_meta_value(reader, key, label, value, place)
    return _departments(reader, departments)


def _departments(reader: FormReader, found: dict[str, tuple[str, int, int, bool]]) -> list[LoadWarning]:
    ordered = sorted((item for item in found.items() if item[0] in DEPARTMENT_LABELS),
                     key=lambda item: DEPARTMENT_LABELS.index(item[0]))
    warnings = []
    for i, (label, (value, vr, vc, coded)) in enumerate(ordered):
        if (match := _DASHED_CODE.match(value)) or (coded and (match := _CODE.match(value))):
            code, name = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            reader.set_meta("部门代码" if i == 0 else f"{_SHOWN.get(label, label)}代码", code, vr, vc)
            value = name.strip()
        reader.set_meta("department" if i == 0 else _SHOWN.get(label, label), value, vr, vc)
    if IMPLEMENTER_LABEL in found:
        value, vr, vc, _ = found[IMPLEMENTER_LABEL]
        if match := _DASHED_CODE.match(value):
            reader.set_meta(f"{IMPLEMENTER_LABEL}代码", match.group(1), vr, vc)
            value = match.group(2).strip()
        reader.set_meta(IMPLEMENTER_LABEL, value, vr, vc)
        if not ordered and reader.meta.get("department") is None:
            reader.meta["department"] = value
            reader.meta_sources["department"] = reader.grid.address(vr, vc)
            reader.cells.append(("meta", "department", "department", value, reader.grid.address(vr, vc)))
            warnings.append(LoadWarning(
                code="department-from-implementer",
                problem="the form names no 主管部门/部门名称/单位名称/预算部门/填报单位: 部门 is taken from 实施单位",
                file=str(reader.path), sheet=reader.grid.title, found=value,
            ))
    return warnings


def _label_value(reader: FormReader, r: int, c: int, text: str) -> tuple[str | None, str | None, tuple[int, int]]:
    """A label cell (主管部门 | value to the right) or a 「label：value」 cell; the value keeps its own blanks."""
    grid = reader.grid
    key = label_key(text)
    if key in META_LABELS:
        right = next((k for k in range(c + 1, grid.max_col + 1)
                      if grid.own(r, k) is not None and (r, k) not in reader.placed), None)
        if right is None:
            return key, None, (r, c)
        return key, grid.text(r, right, filled=False), (r, right)
    match = re.match(r"^(.*?)[:：](.*)$", text, re.S)
    if match and label_key(match.group(1)) in META_LABELS:
        value = _UNIT_LABEL.sub("", match.group(2)).strip()
        return label_key(match.group(1)), value or None, (r, c)
    return None, None, (r, c)


def _set_meta_value(reader: FormReader, key: str, label: str, value: str, place: tuple[int, int]) -> None:
    r, c = place
    if key == "year":
        match = _YEAR.search(value) or re.fullmatch(r"((?:19|20)\d{2})", value)
        if match is None:
            reader.refuse(r, c, f"{label}: not a year")
        elif reader.meta.get("year") is None:
            reader.set_meta("year", int(match.group(1)), r, c)
        else:
            reader.take(r, c)
    elif key == "self_score":
        core = squash(value)
        match = NUMBER.match(core) or POINTS.match(core)
        if match is None:
            reader.refuse(r, c, f"{label}: not a number")
        elif reader.meta.get("self_score") is None:
            reader.set_meta("self_score", Decimal(match.group(1) if match.groups() else match.group(0)), r, c)
        else:
            reader.claim("表头", label, Decimal(match.group(1) if match.groups() else match.group(0)), "分", r, c)
    elif key == "self_grade":
        grade = "优" if value == "优秀" else value
        if grade in schema.GRADES:
            reader.set_meta("self_grade", grade, r, c)
        else:
            reader.refuse(r, c, f"{label}: not one of {'/'.join(schema.GRADES)}")
    else:
        reader.set_meta(key, value, r, c)


def require_meta(reader: FormReader, given: dict[str, Any]) -> None:
    """部门 and 年度: from the form, else from the caller; a caller's value that contradicts the form is an error."""
    for key, label, fix in (
        ("department", "部门", "the form needs a 主管部门 / 部门名称 / 单位名称 / 填报单位 cell, the name beside it; "
                               "or pass department=… (perfeval import --department …)"),
        ("year", "年度", "the title (e.g. 项目支出绩效自评表（2022年度）) or a 年度 cell must give the year; "
                         "or pass year=… (perfeval import --year …)"),
    ):
        stated, wanted = reader.meta.get(key), given.get(key)
        if wanted is not None and stated is not None and str(stated) != str(wanted):
            raise MetaError(f"the form states {label} {stated} but {key}={wanted!r} was given", file=reader.path,
                            sheet=reader.grid.title, found=stated, expected=str(wanted),
                            fix=f"leave {key} out, or check that this is the right form")
        if stated is None and wanted is not None:
            reader.meta[key] = int(wanted) if key == "year" else str(wanted)
            reader.meta_sources[key] = f"load_form({key}=…)"
        if reader.meta.get(key) is None:
            raise MetaError(f"the form states no {label}", file=reader.path, sheet=reader.grid.title,
                            expected=label, fix=fix)
