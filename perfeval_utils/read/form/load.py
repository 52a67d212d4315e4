"""``load_form``: open a form (.xlsx through the package safety check, .xls/.et through calamine), pick
the sheet, read its tables and head into a :class:`Report`; and :func:`read_grid`, the same for a grid
built from a Word, web-page or PDF table.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfeval_utils import schema
from perfeval_utils.errors import MissingSheetError, NotAWorkbookError, ProtectedWorkbookError, TotalRowError
from perfeval_utils.read.form.grid import Grid
from perfeval_utils.read.form.head import amount_unit as read_amount_unit
from perfeval_utils.read.form.head import meta_scan, require_meta
from perfeval_utils.read.form.layout import Header, find_headers, holds_form, tables
from perfeval_utils.read.form.records import (
    FormReader,
    KpiRecord,
    basic_block,
    budget_block,
    kpi_table,
    staff_block,
)
from perfeval_utils.read.package import OLE2_MAGIC, ZIP_MAGIC
from perfeval_utils.report import Report, sheet_frame

__all__ = ["FormResult", "load_form", "open_grids", "read_grid"]

_NO_FORM = ("a header row with 三级指标/指标名称 and 年度指标值/实际完成值, or 全年预算数 and 全年执行数, "
            "or 本年预算数 and 本年决算数")


@dataclass(frozen=True)
class FormResult:
    """What ``load_form`` read.

    ``report`` is the standard Report; ``unplaced`` lists every non-blank cell it could not place
    (columns cell, value, reason); ``cells`` says where each loaded value came from (columns frame,
    key, column, value, cell), ``key`` being the meta key, the budget line's 项目, the indicator's
    编号 or the 文中数据 事项.
    """

    report: Report
    unplaced: pd.DataFrame
    cells: pd.DataFrame


# ---- opening -----------------------------------------------------------------------------------------


def _xlsx_grids(path: Path) -> list[Grid]:
    """An .xlsx through check_package (size, zip bomb, entity, macro checks), then openpyxl on the checked bytes."""
    from openpyxl import load_workbook

    from perfeval_utils.read.package import check_package, unreadable

    if path.suffix.lower() == ".xlsx":
        data = check_package(path, lambda name: False).data
    else:  # an .xlsx by its content, named otherwise: the check wants the .xlsx name
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / f"{path.stem}.xlsx"
            shutil.copyfile(path, copy)
            data = check_package(copy, lambda name: False).data
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged part the zip check let through
        raise unreadable(path, f"{type(error).__name__}: {error}") from error
    try:
        return [Grid.from_openpyxl(sheet) for sheet in book.worksheets]
    finally:
        book.close()


def _calamine_grids(path: Path, data: bytes) -> list[Grid]:
    """A legacy .xls (BIFF in OLE2) or a WPS .et: calamine reads both, merged ranges included."""
    from python_calamine import CalamineWorkbook

    from perfeval_utils.read.package import unreadable

    if "WordDocument".encode("utf-16-le") in data:
        raise NotAWorkbookError(
            "an old binary Word document (.doc), not a form workbook", file=path,
            found="an OLE2 file with a WordDocument stream", expected=".xlsx, .xls, .et or .docx",
            fix="open it in Word or WPS and save it as .docx (Word 文档), then read that",
        )
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise ProtectedWorkbookError(
            "a password-protected workbook", file=path, found="an encrypted OLE2 package",
            expected="an unencrypted workbook", fix="open it with its password, clear the password and save it again",
        )
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = [Grid.from_calamine(book.get_sheet_by_name(name)) for name in book.sheet_names]
    except Exception as error:  # calamine's errors (CalamineError, XmlError, PasswordError, …) have no common base
        raise unreadable(path, f"{type(error).__name__}: {error}") from error
    return grids


def open_grids(path: Path) -> list[Grid]:
    """Every sheet of a spreadsheet form as a grid, the format told by its first bytes (not its name)."""
    from perfeval_utils.errors import UnsafeWorkbookError
    from perfeval_utils.read.package import MAX_FILE_BYTES

    if not path.is_file():
        raise NotAWorkbookError("file not found", file=path, expected="an existing form file", fix="check the path")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbookError(f"the file is too large to be a form ({size:,} bytes)", file=path, found=size,
                      expected=f"at most {MAX_FILE_BYTES:,} bytes", fix="check that this is the right file")
    head = path.read_bytes()[:8] if size else b""
    if head.startswith(ZIP_MAGIC) or (path.suffix.lower() == ".xlsx" and not head.startswith(OLE2_MAGIC)):
        return _xlsx_grids(path)  # a damaged or misnamed .xlsx: the package check says what it is
    if head.startswith(OLE2_MAGIC):
        return _calamine_grids(path, path.read_bytes())
    raise NotAWorkbookError(
        "not a spreadsheet form", file=path, found=repr(head) if head else "an empty file",
        expected=".xlsx (zip), or .xls / .et (OLE2, starting D0 CF 11 E0)",
        fix="for a PDF, Word file, web page or text use perfeval_utils.read_document (perfeval import)",
    )


def _pick_sheet(grids: list[Grid], sheet: str | None, path: Path) -> tuple[Grid, list[Header]]:
    if sheet is not None:
        grid = next((g for g in grids if g.title == sheet), None)
        if grid is None:
            raise MissingSheetError(
                f"no sheet named {sheet}", file=path, sheet=sheet, expected=" / ".join(g.title for g in grids),
                fix="pass one of the workbook's sheet names, or sheet=None to find the form",
            )
        headers = find_headers(grid)
        if not holds_form(headers):
            raise MissingSheetError(f"sheet {sheet} holds no self-evaluation form table", file=path, sheet=sheet,
                                    expected=_NO_FORM,
                                    fix="pass the sheet that holds the form, or sheet=None to find it")
        return grid, headers
    for grid in grids:
        headers = find_headers(grid)
        if holds_form(headers):
            return grid, headers
    raise MissingSheetError(f"no sheet holds a self-evaluation form (no {_NO_FORM})", file=path,
                            expected="a 项目支出/部门整体支出绩效自评表 or a 基础数据表")


def load_form(path: str | Path, sheet: str | None = None, *, amount_unit: str | None = None,
              department: str | None = None, year: int | None = None) -> FormResult:
    """Read a self-evaluation form (or a 基础数据表) as departments fill it in; see docs/forms.md.

    ``sheet`` names the sheet (default: the first sheet holding a recognisable table);
    ``amount_unit`` ('万元' or '元'), ``department`` and ``year`` are needed only when the form
    does not state them (given and stated differently is an error).
    """
    path = Path(path)
    grid, headers = _pick_sheet(open_grids(path), sheet, path)
    return read_grid(grid, path, headers, amount_unit=amount_unit, department=department, year=year)


def read_grid(grid: Grid, path: Path, headers: list[Header] | None = None, *, amount_unit: str | None = None,
              department: str | None = None, year: int | None = None) -> FormResult:
    """The form logic on one grid (a sheet, or a document's tables and lines)."""
    headers = find_headers(grid) if headers is None else headers
    if not holds_form(headers):
        raise MissingSheetError(f"{grid.title} holds no self-evaluation form table", file=path, expected=_NO_FORM)
    reader = FormReader(grid, path)
    reader.meta = dict.fromkeys(schema.META_FIELDS.values())
    found = tables(headers, grid.max_row)
    for header in headers:  # header cells (also those of repeated headers) are placed as headers
        for r in header.band:
            for c in grid.row_cells(r):
                if c in header.fields or c in header.label_columns:
                    reader.take(r, c)
    read_amount_unit(reader, amount_unit)
    budget_lines: list[list[Any]] = []
    records: list[KpiRecord] = []
    for header, rows in found:
        if header.kind == "budget":
            budget_block(reader, header, rows, budget_lines)
        elif header.kind == "basic":
            basic_block(reader, header, rows, budget_lines)
        elif header.kind == "staff":
            staff_block(reader, header, rows)
        else:
            kpi_table(reader, header, rows, records)
    kpis = _kpi_frame(reader, records)
    warnings = meta_scan(reader)
    require_meta(reader, {"department": department, "year": year})
    _leftovers(reader, found)
    budget = sheet_frame(budget_lines, schema.BUDGET)
    totals = budget.loc[budget["dimension"] == schema.TOTAL, "source"].tolist()
    if len(totals) != 1:
        raise TotalRowError(
            "no 合计 line in the budget block" if not totals else f"{len(totals)} 合计 lines ({', '.join(totals)})",
            file=path, sheet=grid.title, found=len(totals),
            expected="one total line: 年度资金总额 / 资金总额 / 合计 / 部门整体支出",
            fix="fill in the form's budget block (年度资金总额 with 全年预算数 and 全年执行数)",
        )
    report = Report(
        path=path, meta=reader.meta, budget=budget, kpis=kpis, tasks=sheet_frame([], schema.TASKS),
        claims=sheet_frame(reader.claims, schema.CLAIMS), rules=sheet_frame([], schema.RULES),
        meta_sources=reader.meta_sources, warnings=tuple(warnings),
    )
    unplaced = pd.DataFrame(reader.unplaced, columns=["cell", "value", "reason"]).astype("str")
    cells = pd.DataFrame(reader.cells, columns=["frame", "key", "column", "value", "cell"])
    for column in ("frame", "key", "column", "cell"):
        cells[column] = cells[column].astype("str")
    return FormResult(report, unplaced, cells)


_EXTRAS = (("nature", "nature"), ("measure_unit", "measure_unit"), ("initial_target_text", "initial_target"),
           ("coefficient", "coefficient"), ("core", "core"))


def _kpi_frame(reader: FormReader, records: list[KpiRecord]) -> pd.DataFrame:
    grid = reader.grid
    rows = []
    extras: dict[str, list[Any]] = {}
    present = {f for record in records for f in record.fields}
    extra_names = [name for name, f in _EXTRAS if f in present]
    if "initial_target_text" in extra_names and not present & {"target", "adjusted_target"}:
        extra_names.remove("initial_target_text")
    for number, record in enumerate(records, start=1):
        key = str(number)
        r = record.row
        name_r, name_c = record.name_cell
        reader.record("kpis", key, "name", record.name, name_r, name_c)
        for level, (lr, lc) in record.level_cells.items():
            reader.record("kpis", key, level, record.category if level == "category" else record.subcategory, lr, lc)
        if record.target_field:
            reader.record("kpis", key, "target_text", record.target, r, record.texts[record.target_field][0])
        if record.actual is not None:
            reader.record("kpis", key, "actual_text", record.actual, r, record.texts["actual"][0])
        for f, column in (("reason", "reason"), ("status", "status_text"), ("nature", "nature"),
                          ("measure_unit", "measure_unit"), ("core", "core")):
            if f in record.texts:
                reader.record("kpis", key, column, record.texts[f][1], r, record.texts[f][0])
        if record.initial is not None:
            reader.record("kpis", key, "initial_target_text", record.initial, r, record.texts["initial_target"][0])
        for f in ("weight", "score", "coefficient"):
            if f in record.numbers:
                reader.record("kpis", key, f, record.numbers[f][1], r, record.numbers[f][0])
        rows.append([
            key, schema.DEPARTMENT_SCOPE, record.category, record.subcategory, record.name,
            record.target, record.actual, record.text("status"), record.value("weight"), record.value("score"),
            record.text("reason"), grid.address(name_r, name_c), r,
        ])
        values = {"nature": record.text("nature"), "measure_unit": record.text("measure_unit"),
                  "initial_target_text": record.initial, "coefficient": record.value("coefficient"),
                  "core": record.text("core")}
        for name in extra_names:
            extras.setdefault(name, []).append(values[name])
    frame = sheet_frame(rows, schema.KPIS)
    frame["category"] = frame["category"].astype("str")
    for name in extra_names:
        column = pd.Series(extras.get(name, []), dtype=object if name == "coefficient" else "str")
        frame.insert(len(frame.columns) - 1, name, column.to_numpy() if name == "coefficient" else column)
    return frame


def _leftovers(reader: FormReader, found: list[tuple[Header, list[int]]]) -> None:
    """Every own non-blank cell not placed yet goes to ``unplaced`` with the reason."""
    grid = reader.grid
    region = {r: header for header, rows in found for r in rows}
    names = {"kpi": "指标", "budget": "预算", "basic": "基础数据", "staff": "人员"}
    for (r, c) in sorted(grid.values):
        if (r, c) in reader.placed:
            continue
        header = region.get(r)
        if header is None:
            reason = "outside every recognised table, and not a recognised label or title"
        elif c in header.fields and header.fields[c] != "ignored":
            reason = ("in the 指标 table, but the row has no indicator name (三级指标/指标名称)" if header.kind == "kpi"
                      else f"in the {names[header.kind]} table, but the line has no label")
        elif c in header.label_columns and header.kind != "kpi":
            reason = f"a label in the {names[header.kind]} table whose line has no figure it could place"
        else:
            reason = f"in the {names[header.kind]} table's row but under no recognised header"
        reader.refuse(r, c, reason)
