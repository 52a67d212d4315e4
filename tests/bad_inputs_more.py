"""The second half of the bad-input corpus (issue #14): numbers no field may take, what Excel shows
against what is stored, invisible format characters, package parts that readers find differently,
and sheets that reach absurdly far. Same :class:`Case` form as tests/bad_inputs.py; ALL_CASES is the
whole corpus. Decisions: docs/bad-inputs.md.
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl import Workbook

from perfeval_utils.errors import (
    AmbiguousValueError,
    CellTypeError,
    DuplicateIdError,
    FormulaError,
    MergedCellError,
    MetaError,
    NotAWorkbookError,
    ProtectedWorkbookError,
    TotalRowError,
    UnexpectedColumnError,
    UnsafeWorkbookError,
)

from .bad_inputs import (
    CASES,
    PART,
    Case,
    Loads,
    Raises,
    add_sheet,
    budget_value,
    cell,
    entries,
    frame_value,
    hide_sheet,
    meta_value,
    number_format,
    raw,
    rename_sheet,
    replace,
    rezip,
    valid_bytes,
    xlsx,
)

B, K, T, M, C = "预算", "指标", "任务", "基本信息", "文中数据"
RELS = "xl/_rels/workbook.xml.rels"
C2 = b'<c r="C2" t="n"><v>1415.43</v></c>'  # 预算 合计 预算数
D2 = b'<c r="D2" t="n"><v>1390.69</v></c>'  # 预算 合计 执行数


def stored(part: str, old: bytes, new: bytes) -> dict[str, Callable[[bytes], bytes]]:
    """One XML patch: the first ``old`` in ``part`` becomes ``new``."""
    return {PART.get(part, part): replace(old, new)}


def at_end(part: str, rows: bytes) -> dict[str, Callable[[bytes], bytes]]:
    """XML rows appended to a sheet's data."""
    return {PART[part]: replace(b"</sheetData>", rows + b"</sheetData>")}


def merged(part: str, ref: bytes) -> dict[str, Callable[[bytes], bytes]]:
    """A <mergeCells> block written by hand (a syntax openpyxl would not write)."""
    return {PART[part]: replace(b"</sheetData>", b'</sheetData><mergeCells count="1">' + ref + b"</mergeCells>")}


def meta_row(field: str, value: object) -> Callable[[dict], None]:
    return lambda sheets: sheets[M].append([field, value, None])


def packaged(change: Callable[[dict[str, bytes]], None]) -> Callable[[], bytes]:
    """The valid workbook with its zip entries changed by ``change``."""

    def make() -> bytes:
        parts = entries(valid_bytes())
        change(parts)
        return rezip(parts)

    return make


def moved_sheet(new_name: str, target: str) -> Callable[[dict[str, bytes]], None]:
    """The 预算 sheet's part renamed, its relationship pointing at ``target``."""

    def change(parts: dict[str, bytes]) -> None:
        parts[new_name] = parts.pop(PART[B])
        parts[RELS] = parts[RELS].replace(b'Target="/xl/worksheets/sheet2.xml"', f'Target="{target}"'.encode())

    return change


def with_uncalculated_formula(parts: dict[str, bytes]) -> None:
    parts[PART[B]] = parts[PART[B]].replace(C2, b'<c r="C2"><f>1319.92+95.51</f><v></v></c>')


def both_changes(*changes: Callable[[dict[str, bytes]], None]) -> Callable[[dict[str, bytes]], None]:
    def change(parts: dict[str, bytes]) -> None:
        for one in changes:
            one(parts)

    return change


def encrypted_flag() -> bytes:
    """An entry whose zip header says it is encrypted (a zip password, not Excel's)."""
    data = bytearray(valid_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 8] |= 0x1  # general purpose flag of the first central-directory entry
    return bytes(data)


def both_post(*posts: Callable[[Workbook], None]) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        for one in posts:
            one(book)

    return post


def many_sheets(count: int) -> Callable[[Workbook], None]:
    def post(book: Workbook) -> None:
        for i in range(count):
            book.create_sheet(f"草稿{i}")["A1"] = i

    return post


def long_kpi_list(sheets: dict) -> None:
    """3,000 indicators: a district-level unit that lists every project's indicators."""
    header = sheets[K][0]
    sheets[K] = [header] + [
        [str(i), "部门整体", "产出", None, f"指标{i}", "4 场次", "4 场次", "已完成", None, None, None, f"第{i}行"]
        for i in range(1, 3001)
    ]


def far(ref: str, row: int, value: bytes = b"<v>1</v>", attrs: bytes = b' t="n"') -> bytes:
    return b'<row r="%d"><c r="%s"%s>%s</c></row>' % (row, ref.encode(), attrs, value)


MORE: list[Case] = [
    # -- numbers no field may take (#14.1) -----------------------------------------------------------------
    Case(
        "nan-amount",
        "预算数 stored as NaN by a program (a failed division written as a number)",
        xlsx("nan-amount.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v>NaN</v></c>')),
        Raises(CellTypeError, B, 2, "预算数", "no number"),
    ),
    Case(
        "infinite-amount",
        "执行数 stored as INF",
        xlsx("inf-amount.xlsx", patches=stored(B, D2, b'<c r="D2"><v>INF</v></c>')),
        Raises(CellTypeError, B, 2, "执行数", "no number"),
    ),
    Case(
        "negative-infinity",
        "执行数 stored as -inf",
        xlsx("minus-inf.xlsx", patches=stored(B, D2, b'<c r="D2"><v>-inf</v></c>')),
        Raises(CellTypeError, B, 2, "执行数", "no number"),
    ),
    Case(
        "beyond-float-range",
        "预算数 stored as 1e400 (beyond the float range: read as infinity)",
        xlsx("1e400.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v>1e400</v></c>')),
        Raises(CellTypeError, B, 2, "预算数", "no number"),
    ),
    Case(
        "nan-rate",
        "报告执行率 stored as NaN",
        xlsx("nan-rate.xlsx", patches=stored(B, b'<c r="F2" t="n"><v>98.25</v>', b'<c r="F2" t="n"><v>nan</v>')),
        Raises(CellTypeError, B, 2, "报告执行率", "no number"),
    ),
    Case(
        "nan-claim-value",
        "文中数据 数值 stored as NaN",
        xlsx("nan-claim.xlsx", patches=stored(C, b'<c r="D3" t="n"><v>6253</v>', b'<c r="D3" t="n"><v>NaN</v>')),
        Raises(CellTypeError, C, 3, "数值", "no number"),
    ),
    Case(
        "nan-report-date",
        "报告日期 stored as NaN in a date-formatted cell (calamine shows 1899-12-30)",
        xlsx(
            "nan-date.xlsx",
            meta_row("报告日期", 45075),
            post=number_format(M, "B7", "yyyy-mm-dd"),
            patches=stored(M, b"<v>45075</v>", b"<v>NaN</v>"),
        ),
        Raises(CellTypeError, M, 7, "值", "no number"),
    ),
    Case(
        "nan-self-score",
        "自评得分 stored as NaN",
        xlsx("nan-score.xlsx", patches=stored(M, b"<v>98.39</v>", b"<v>NaN</v>")),
        Raises(CellTypeError, M, 6, "值", "no number"),
    ),
    Case(
        "infinite-year",
        "年度 stored as inf",
        xlsx("inf-year.xlsx", patches=stored(M, b"<v>2022</v>", b"<v>inf</v>")),
        Raises(CellTypeError, M, 3, "值", "no number"),
    ),
    Case(
        "nan-in-id-column",
        "指标 编号 stored as a NaN number",
        xlsx(
            "nan-id.xlsx",
            cell(K, 2, 0, 1),
            patches=stored(K, b'<c r="A2" t="n"><v>1</v>', b'<c r="A2" t="n"><v>NaN</v>'),
        ),
        Raises(CellTypeError, K, 2, "编号", "no number"),
    ),
    Case(
        "nan-in-ignored-sheet",
        "a NaN in an extra sheet the loader does not read",
        xlsx(
            "nan-elsewhere.xlsx",
            post=add_sheet("草稿", [[1.5]]),
            patches={"xl/worksheets/sheet6.xml": replace(b"<v>1.5</v>", b"<v>NaN</v>")},
        ),
        Loads(warnings=(("ignored-sheet", "草稿", None, None),)),
    ),
    Case(
        "twenty-digit-count",
        "报告指标数 of 20 digits (an ID pasted into the count)",
        xlsx("count-20-digits.xlsx", cell(T, 2, 4, 12345678901234567890)),
        Raises(CellTypeError, T, 2, "报告指标数", "not a whole count"),
    ),
    Case(
        "count-beyond-a-billion-as-text",
        "报告指标数 typed as the text '99999999999'",
        xlsx("count-text-huge.xlsx", cell(T, 2, 4, "99999999999")),
        Raises(CellTypeError, T, 2, "报告指标数", "not a whole count"),
    ),
    Case(
        "seventeen-digit-amount",
        "预算数 of 17 digits stored as a float (beyond the 15 digits Excel keeps)",
        xlsx("amount-17-digits.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v>12345678901234567</v></c>')),
        Raises(CellTypeError, B, 2, "预算数", "beyond any figure"),
    ),
    Case(
        "amount-of-a-quadrillion",
        "预算数 1e15 (a thousand trillion: a typing accident)",
        xlsx("amount-1e15.xlsx", cell(B, 2, 2, 1e15)),
        Raises(CellTypeError, B, 2, "预算数", "beyond any figure"),
    ),
    Case(
        "fifty-digit-text-amount",
        "an amount typed as the text of 50 digits",
        xlsx("text-50-digits.xlsx", cell(B, 2, 2, "1" * 50)),
        Raises(CellTypeError, B, 2, "预算数", "text where a number"),
    ),
    Case(
        "count-negative",
        "报告达标数 −1",
        xlsx("count-negative.xlsx", cell(T, 2, 5, -1)),
        Raises(CellTypeError, T, 2, "报告达标数", "not a whole count"),
    ),
    Case(
        "count-fraction",
        "报告指标数 8.5",
        xlsx("count-fraction.xlsx", cell(T, 2, 4, 8.5)),
        Raises(CellTypeError, T, 2, "报告指标数", "not a whole count"),
    ),
    Case(
        "year-with-fraction",
        "年度 2022.5",
        xlsx("year-fraction.xlsx", cell(M, 3, 1, 2022.5)),
        Raises(MetaError, M, 3, "值", "not a year"),
    ),
    Case(
        "negative-zero-amount",
        "上年执行数 stored as -0 (a program's rounding)",
        xlsx("minus-zero.xlsx", patches=stored(B, C2, C2 + b'<c r="E2" t="n"><v>-0</v></c>')),
        Loads(check=budget_value(2, "prior_executed", "0")),
    ),
    Case(
        "scientific-notation-amount",
        "预算数 stored as 1.41543E3 (scientific notation in the XML)",
        xlsx("scientific.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v>1.41543E3</v></c>')),
        Loads(check=budget_value(2, "budget", "1415.43")),
    ),
    # -- stored values calamine refuses: the cell is named (#14.2) --------------------------------------
    Case(
        "decimal-comma-in-xml",
        "预算数 stored as 1415,43 by a program using a German locale",
        xlsx("decimal-comma.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v>1415,43</v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "decimal comma"),
    ),
    Case(
        "blanks-around-stored-number",
        "预算数 stored as ' 1415.43 ' (blanks inside <v>)",
        xlsx("blank-number.xlsx", patches=stored(B, C2, b'<c r="C2" t="n"><v> 1415.43 </v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "not a number"),
    ),
    Case(
        "hex-number-in-xml",
        "执行数 stored as 0x10 in a cell without a type (calamine reads it as text)",
        xlsx("hex.xlsx", patches=stored(B, D2, b'<c r="D2"><v>0x10</v></c>')),
        Raises(CellTypeError, B, 2, "执行数", "text where a number belongs"),
    ),
    Case(
        "shared-string-out-of-range",
        "a cell pointing at shared string 999 of a workbook that has none",
        xlsx("sst-range.xlsx", patches=stored(B, C2, b'<c r="C2" t="s"><v>999</v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "shared string 999"),
    ),
    Case(
        "boolean-cell-garbage",
        "a TRUE/FALSE cell storing 7",
        xlsx("bool-7.xlsx", patches=stored(B, C2, b'<c r="C2" t="b"><v>7</v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "TRUE/FALSE"),
    ),
    Case(
        "unknown-cell-type",
        'a cell of type t="zz"',
        xlsx("type-zz.xlsx", patches=stored(B, C2, b'<c r="C2" t="zz"><v>5</v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "unknown type"),
    ),
    Case(
        "dollar-cell-address",
        "a cell address written $C$2",
        xlsx("dollar-ref.xlsx", patches=stored(B, b'<c r="C2" t="n">', b'<c r="$C$2" t="n">')),
        Raises(NotAWorkbookError, B, 2, "C", "not an address"),
    ),
    Case(
        "row-number-zero",
        "a row numbered 0",
        xlsx("row-zero.xlsx", patches=stored(B, b'<row r="2">', b'<row r="0">')),
        Raises(NotAWorkbookError, B, None, None, "row number"),
    ),
    Case(
        "time-cell-beyond-dates",
        "预算数 1e12 in a [h]:mm:ss cell (calamine panics converting it to a time)",
        xlsx("time-panic.xlsx", post=number_format(B, "C2", "[h]:mm:ss"),
             patches=stored(B, b"<v>1415.43</v>", b"<v>1e12</v>")),
        Raises(NotAWorkbookError, B, 2, "C", "outside Excel's dates"),
    ),
    Case(
        "cdata-number",
        "预算数 stored in a CDATA section (calamine reads a blank)",
        xlsx("cdata.xlsx", patches=stored(B, b"<v>1415.43</v>", b"<v><![CDATA[1415.43]]></v>")),
        Raises(NotAWorkbookError, B, None, None, "CDATA"),
    ),
    Case(
        "address-written-twice",
        "two cells at C2 (calamine keeps the last, 9999; Excel repairs the file)",
        xlsx("twice-c2.xlsx", patches=stored(B, C2, C2 + b'<c r="C2" t="n"><v>9999</v></c>')),
        Raises(NotAWorkbookError, B, None, None, "two values at C2"),
    ),
    Case(
        "utf16-worksheet",
        "the 预算 worksheet written in UTF-16",
        raw(
            "utf16-sheet.xlsx",
            packaged(lambda parts: parts.__setitem__(PART[B], parts[PART[B]].decode().encode("utf-16"))),
        ),
        Raises(NotAWorkbookError, B, None, None, "UTF-16"),
    ),
    Case(
        "lower-case-address",
        "cell addresses in lower case (c2): read where the upper case would be",
        xlsx("lower-ref.xlsx", patches=stored(B, b'<c r="C2" t="n"><v>1415.43</v>', b'<c r="c2" t="n"><v>1415.43</v>')),
        Loads(check=budget_value(2, "budget", "1415.43")),
    ),
    Case(
        "cells-out-of-order",
        "row 2's cells written right to left",
        xlsx("cells-order.xlsx", patches=stored(B, C2 + D2, D2 + C2)),
        Loads(check=budget_value(2, "executed", "1390.69")),
    ),
    # -- error values in every spelling (#14.2) ----------------------------------------------------------------
    Case(
        "error-type-spaced",
        'an error cell written t = "e" (blanks around =): calamine reads a blank',
        xlsx("error-spaced.xlsx", patches=stored(B, C2, b'<c r="C2" t = "e"><v>#DIV/0!</v></c>')),
        Raises(FormulaError, B, 2, "预算数", "#DIV/0!"),
    ),
    Case(
        "error-type-single-quotes",
        "an error cell written t='e'",
        xlsx("error-quote.xlsx", patches=stored(B, C2, b"<c r='C2' t='e'><v>#N/A</v></c>")),
        Raises(FormulaError, B, 2, "预算数", "#N/A"),
    ),
    Case(
        "error-lower-case",
        "#div/0! in lower case (calamine refuses the value)",
        xlsx("error-lower.xlsx", patches=stored(B, C2, b'<c r="C2" t="e"><v>#div/0!</v></c>')),
        Raises(FormulaError, B, 2, "C", "#div/0!"),
    ),
    Case(
        "error-as-text",
        '#DIV/0! stored as a formula\'s text result (t="str")',
        xlsx("error-str.xlsx", patches=stored(B, C2, b'<c r="C2" t="str"><v>#DIV/0!</v></c>')),
        Raises(FormulaError, B, 2, "预算数", "Excel error"),
    ),
    Case(
        "error-text-in-text-column",
        "实现值 holds the text #N/A (pasted from a lookup)",
        xlsx("error-text.xlsx", cell(K, 2, 6, "#N/A")),
        Raises(FormulaError, K, 2, "实现值", "#N/A"),
    ),
    Case(
        "error-text-in-meta",
        "部门 holds #REF! (a link to a deleted sheet)",
        xlsx("error-meta.xlsx", cell(M, 2, 1, "#REF!")),
        Raises(FormulaError, M, 2, "值", "#REF!"),
    ),
    Case(
        "error-in-ignored-sheet",
        "an error cell in an extra sheet",
        xlsx(
            "error-elsewhere.xlsx",
            post=add_sheet("草稿", [[1]]),
            patches={"xl/worksheets/sheet6.xml": replace(b'<c r="A1" t="n"><v>1</v>', b'<c r="A1" t="e"><v>#REF!</v>')},
        ),
        Loads(warnings=(("ignored-sheet", "草稿", None, None),)),
    ),
    # -- merges in every legal syntax, values under a merge (#14.2, #14.3) --------------------------------------
    Case(
        "merge-single-quotes",
        "a merge written ref='C2:C3'",
        xlsx("merge-quote.xlsx", patches=merged(K, b"<mergeCell ref='C2:C3'/>")),
        Raises(MergedCellError, K, 3, "一级指标", "C2:C3"),
    ),
    Case(
        "merge-lower-case",
        'a merge written ref="c2:c3"',
        xlsx("merge-lower.xlsx", patches=merged(K, b'<mergeCell ref="c2:c3"/>')),
        Raises(MergedCellError, K, 3, "一级指标", "C2:C3"),
    ),
    Case(
        "merge-reversed",
        "a merge written bottom-up, C3:C2",
        xlsx("merge-reversed.xlsx", patches=merged(K, b'<mergeCell ref="C3:C2"/>')),
        Raises(MergedCellError, K, 3, "一级指标", "C2:C3"),
    ),
    Case(
        "merge-dollar",
        "a merge written $C$2:$C$3",
        xlsx("merge-dollar.xlsx", patches=merged(K, b'<mergeCell ref="$C$2:$C$3"/>')),
        Raises(NotAWorkbookError, K, None, None, "merged range"),
    ),
    Case(
        "merge-entity-colon",
        "a merge whose colon is a character reference: C2&#58;C3",
        xlsx("merge-entity.xlsx", patches=merged(K, b'<mergeCell ref="C2&#58;C3"/>')),
        Raises(NotAWorkbookError, K, None, None, "merged range"),
    ),
    Case(
        "merge-prefixed",
        "a merge with a namespace prefix, <x:mergeCell>",
        xlsx(
            "merge-prefix.xlsx",
            patches={
                PART[K]: replace(
                    b"</sheetData>",
                    b'</sheetData><x:mergeCells xmlns:x="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><x:mergeCell ref="C2:C3"/></x:mergeCells>',
                )
            },
        ),
        Raises(MergedCellError, K, 3, "一级指标", "C2:C3"),
    ),
    Case(
        "value-under-merge",
        "二级指标 D2:D4 merged while blank on top, but D3 still holds 数量 (Excel hides it)",
        xlsx("under-merge.xlsx", cell(K, 3, 3, "数量"), patches=merged(K, b'<mergeCell ref="D2:D4"/>')),
        Raises(MergedCellError, K, 3, "二级指标", "does not show"),
    ),
    Case(
        "value-under-merge-across",
        "偏差原因 K2 merged with 出处 L2: the 出处 第5行 is hidden",
        xlsx("under-merge-across.xlsx", patches=merged(K, b'<mergeCell ref="K2:L2"/>')),
        Raises(MergedCellError, K, 2, "出处", "does not show"),
    ),
    # -- how far a sheet reaches (#14.2) -------------------------------------------------------------------------
    Case(
        "far-cell-last-of-sheet",
        "one stray cell at XFD1048576 (calamine would allocate 512 GiB and abort)",
        xlsx("far-cell.xlsx", patches=at_end(B, far("XFD1048576", 1048576))),
        Raises(UnsafeWorkbookError, B, None, None, "XFD1048576"),
        hostile=True,
    ),
    Case(
        "far-cell-in-ignored-sheet",
        "the same stray cell in an extra sheet nobody reads",
        xlsx(
            "far-elsewhere.xlsx",
            post=add_sheet("草稿", [[1]]),
            patches={
                "xl/worksheets/sheet6.xml": replace(b"</sheetData>", far("XFD1048576", 1048576) + b"</sheetData>")
            },
        ),
        Raises(UnsafeWorkbookError, "草稿", None, None, "XFD1048576"),
        hostile=True,
    ),
    Case(
        "far-cell-without-address",
        "a far cell with no r attribute, placed by its row",
        xlsx(
            "far-implied.xlsx",
            patches=at_end(
                B,
                b'<row r="1048576"><c t="n"><v>1</v></c><c t="n"><v>1</v></c>'
                b'<c t="n"><v>1</v></c><c t="n"><v>1</v></c><c t="n"><v>1</v></c>'
                b"</row>",
            ),
        ),
        Raises(UnsafeWorkbookError, B, None, None, "1048576"),
        hostile=True,
    ),
    Case(
        "far-cell-lower-case",
        "a far cell addressed in lower case, xfd1048576",
        xlsx("far-lower.xlsx", patches=at_end(B, far("xfd1048576", 1048576))),
        Raises(UnsafeWorkbookError, B, None, None, "1048576"),
        hostile=True,
    ),
    Case(
        "far-styled-empty-cell",
        "an empty cell with a border at XFD1048576",
        xlsx("far-styled.xlsx", patches=at_end(B, b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')),
        Raises(UnsafeWorkbookError, B, None, None, "XFD1048576"),
        hostile=True,
    ),
    Case(
        "merge-whole-sheet",
        "a merge over the whole sheet, A1:XFD1048576",
        xlsx("merge-sheet.xlsx", patches=merged(T, b'<mergeCell ref="A1:XFD1048576"/>')),
        Raises(UnsafeWorkbookError, T, None, None, "A1:XFD1048576"),
        hostile=True,
    ),
    Case(
        "dimension-lies",
        "a <dimension> claiming A1:XFD1048576",
        xlsx("dimension.xlsx", patches=stored(B, b'<dimension ref="A1:G4"/>', b'<dimension ref="A1:XFD1048576"/>')),
        Raises(UnsafeWorkbookError, B, None, None, "dimension"),
        hostile=True,
    ),
    Case(
        "far-row-formatting-only",
        "row 1048576 given a height, no cell in it (a clerk's formatting)",
        xlsx("far-row.xlsx", patches=at_end(B, b'<row r="1048576" ht="20" customHeight="1"/>')),
        Loads(),
    ),
    Case(
        "stray-value-at-Z5000",
        "a stray value typed at Z5000 of 预算",
        xlsx("stray-z5000.xlsx", patches=at_end(B, far("Z5000", 5000))),
        Raises(UnexpectedColumnError, B, 5000, "Z", "without a header"),
    ),
    # -- relationships and parts, however they point (#14.2) --------------------------------------------------
    Case(
        "sheet-part-other-case",
        "the relationship says worksheets/SHEET2.XML; the scan still finds the formula",
        raw(
            "part-case.xlsx",
            packaged(
                both_changes(
                    with_uncalculated_formula,
                    lambda parts: parts.__setitem__(
                        RELS,
                        parts[RELS].replace(b'Target="/xl/worksheets/sheet2.xml"', b'Target="worksheets/SHEET2.XML"'),
                    ),
                )
            ),
        ),
        Raises(FormulaError, B, 2, "预算数", "no calculated value"),
    ),
    Case(
        "sheet-part-moved",
        "the 预算 part moved to /other/s.xml; the scan follows the relationship",
        raw(
            "part-moved.xlsx",
            packaged(both_changes(with_uncalculated_formula, moved_sheet("other/s.xml", "/other/s.xml"))),
        ),
        Raises(FormulaError, B, 2, "预算数", "no calculated value"),
    ),
    Case(
        "sheet-part-missing",
        "the relationship of 预算 points at a part that is not there",
        raw("part-missing.xlsx", packaged(lambda parts: parts.pop(PART[B]))),
        Raises(NotAWorkbookError, B, None, None, "missing from the package"),
    ),
    Case(
        "sheet-part-external",
        "the relationship of 预算 points outside the file (TargetMode=External)",
        raw(
            "part-external.xlsx",
            packaged(
                lambda parts: parts.__setitem__(
                    RELS,
                    parts[RELS].replace(
                        b'Target="/xl/worksheets/sheet2.xml"',
                        b'Target="http://example.org/s.xml" TargetMode="External"',
                    ),
                )
            ),
        ),
        Raises(NotAWorkbookError, B, None, None, "missing from the package"),
    ),
    Case(
        "sheet-part-escapes-package",
        "the relationship of 预算 points at ../../../etc/passwd",
        raw(
            "part-escape.xlsx",
            packaged(
                lambda parts: parts.__setitem__(
                    RELS, parts[RELS].replace(b'Target="/xl/worksheets/sheet2.xml"', b'Target="../../../etc/passwd"')
                )
            ),
        ),
        Raises(NotAWorkbookError, B, None, None, "missing from the package"),
    ),
    Case(
        "two-entries-differing-in-case",
        "sheet2.xml and Sheet2.xml both in the archive (calamine takes one, a scan the other)",
        raw("case-twins.xlsx", packaged(lambda parts: parts.__setitem__("xl/worksheets/Sheet2.xml", parts[PART[B]]))),
        Raises(UnsafeWorkbookError, None, None, None, "twice"),
    ),
    Case(
        "entry-name-with-backslashes",
        "the 预算 part stored as xl\\worksheets\\sheet2.xml (zipped on Windows)",
        raw(
            "backslash.xlsx",
            packaged(lambda parts: parts.__setitem__("xl\\worksheets\\sheet2.xml", parts.pop(PART[B]))),
        ),
        Loads(check=budget_value(2, "budget", "1415.43")),
    ),
    Case(
        "shared-strings-missing",
        "cells of shared-string type, the shared-string part left out",
        xlsx("no-sst.xlsx", patches=stored(B, C2, b'<c r="C2" t="s"><v>0</v></c>')),
        Raises(NotAWorkbookError, B, 2, "C", "has none"),
    ),
    Case(
        "zip-slip-entry-name",
        "an entry named ../evil.xml (never extracted: read in memory only)",
        raw("zip-slip.xlsx", packaged(lambda parts: parts.__setitem__("../evil.xml", b"<x/>"))),
        Loads(),
    ),
    Case(
        "content-types-missing",
        "[Content_Types].xml left out",
        raw("no-types.xlsx", packaged(lambda parts: parts.pop("[Content_Types].xml"))),
        Loads(),
    ),
    Case(
        "styles-missing",
        "xl/styles.xml left out",
        raw("no-styles.xlsx", packaged(lambda parts: parts.pop("xl/styles.xml"))),
        Loads(),
    ),
    Case(
        "style-index-beyond-styles",
        'a cell with style s="999999"',
        xlsx("style-999999.xlsx", patches=stored(B, b'<c r="C2" t="n">', b'<c r="C2" t="n" s="999999">')),
        Loads(check=budget_value(2, "budget", "1415.43")),
    ),
    Case(
        "zip-entry-encrypted-flag",
        "an entry flagged as zip-encrypted",
        raw("zip-encrypted.xlsx", encrypted_flag),
        Raises(ProtectedWorkbookError, None, None, None, "encrypted"),
    ),
    # -- what Excel shows is what loads (#14.3) ---------------------------------------------------------------
    Case(
        "percent-format-on-amount",
        "预算数 1415.43 in a 0.00% cell: Excel shows 141543.00%",
        xlsx("percent-amount.xlsx", post=number_format(B, "C2", "0.00%")),
        Raises(AmbiguousValueError, B, 2, "预算数", "percent format"),
    ),
    Case(
        "percent-format-on-count",
        "报告指标数 8 in a 0% cell: Excel shows 800%",
        xlsx("percent-count.xlsx", post=number_format(T, "E2", "0%")),
        Raises(AmbiguousValueError, T, 2, "报告指标数", "800"),
    ),
    Case(
        "percent-format-on-self-score",
        "自评得分 98.39 in a percent cell",
        xlsx("percent-score.xlsx", post=number_format(M, "B6", "0.00%")),
        Raises(AmbiguousValueError, M, 6, "值", "percent format"),
    ),
    Case(
        "thousands-scaling-format",
        "执行数 in a #,##0, cell: 1390.69 shows as 1",
        xlsx("scale-thousands.xlsx", post=number_format(B, "D2", "#,##0,")),
        Raises(AmbiguousValueError, B, 2, "执行数", "scaled"),
    ),
    Case(
        "million-scaling-format",
        "预算数 in a 0.0,, cell (millions)",
        xlsx("scale-millions.xlsx", post=number_format(B, "C2", "0.0,,")),
        Raises(AmbiguousValueError, B, 2, "预算数", "scaled"),
    ),
    Case(
        "wan-literal-point-format",
        '元 shown as 万元 with the 0!.0000"万元" trick',
        xlsx("scale-wan.xlsx", post=number_format(B, "C2", '0!.0000"万元"')),
        Raises(AmbiguousValueError, B, 2, "预算数", "scaled"),
    ),
    Case(
        "wan-quoted-thousands-format",
        '#,##0,"万" (a thousands comma mistaken for 万)',
        xlsx("scale-wan2.xlsx", post=number_format(T, "D2", '#,##0,"万"')),
        Raises(AmbiguousValueError, T, 2, "资金", "scaled"),
    ),
    Case(
        "hidden-format-amount",
        "执行数 in a ;;; cell (shows nothing)",
        xlsx("hidden-format.xlsx", post=number_format(B, "D3", ";;;")),
        Loads(warnings=(("hidden-value", B, 3, "执行数"),), check=budget_value(3, "executed", "1390.69")),
    ),
    Case(
        "hidden-format-text",
        "偏差原因 in a ;;; cell",
        xlsx("hidden-text.xlsx", post=number_format(K, "K3", ";;;")),
        Loads(warnings=(("hidden-value", K, 3, "偏差原因"),)),
    ),
    Case(
        "percent-sign-in-quotes",
        '预算数 in a 0.00"%" cell: a literal sign, the number is shown unscaled',
        xlsx("percent-literal.xlsx", post=number_format(B, "C2", '0.00"%"')),
        Loads(),
    ),
    Case(
        "thousands-separator-format",
        "amounts in #,##0.00 cells (a separator, no scaling)",
        xlsx("separator-format.xlsx", post=number_format(B, "C2", "#,##0.00")),
        Loads(),
    ),
    Case(
        "currency-format",
        "amounts in ¥#,##0.00 cells",
        xlsx("currency-format.xlsx", post=number_format(B, "D2", "¥#,##0.00")),
        Loads(),
    ),
    Case(
        "percent-format-on-id",
        "a percent format on the text 编号 of 指标",
        xlsx("percent-id.xlsx", post=number_format(K, "A2", "0%")),
        Loads(),
    ),
    Case(
        "hidden-row-zero-height",
        "row 3 of 指标 dragged to zero height (ht=0, not hidden=1)",
        xlsx("zero-height.xlsx", patches=stored(K, b'<row r="3">', b'<row r="3" ht="0" customHeight="1">')),
        Loads(warnings=(("hidden-rows", K, 3, None),)),
    ),
    Case(
        "hidden-column-zero-width",
        "the 偏差原因 column dragged to zero width",
        xlsx(
            "zero-width.xlsx",
            patches=stored(
                K, b"<sheetData>", b'<cols><col min="11" max="11" width="0" customWidth="1"/></cols><sheetData>'
            ),
        ),
        Loads(warnings=(("hidden-columns", K, 1, "偏差原因"),)),
    ),
    Case(
        "very-hidden-sheet",
        "the 任务 sheet set to veryHidden (not even listed under 取消隐藏)",
        xlsx("very-hidden.xlsx", post=lambda book: setattr(book[T], "sheet_state", "veryHidden")),
        Loads(warnings=(("hidden-sheet", T, None, None),)),
    ),
    # -- identifiers and invisible format characters (#14.4) --------------------------------------------------------
    Case(
        "bidi-mark-in-id",
        "编号 1 and 1 preceded by a right-to-left override (U+202E)",
        xlsx("bidi-id.xlsx", cell(K, 3, 0, "\u202e1")),
        Raises(DuplicateIdError, K, 3, "编号", "appears twice"),
    ),
    Case(
        "rlm-in-claim-id",
        "文中数据 编号 C01 twice, once with a right-to-left mark (U+200F)",
        xlsx("rlm-claim.xlsx", cell(C, 3, 0, "C01\u200f")),
        Raises(DuplicateIdError, C, 3, "编号", "C01"),
    ),
    Case(
        "word-joiner-in-task-id",
        "任务1 twice, once with a word joiner (U+2060) inside",
        xlsx("wj-task.xlsx", cell(T, 3, 0, "任务\u20601")),
        Raises(DuplicateIdError, T, 3, "编号", "任务1"),
    ),
    Case(
        "tag-character-in-id",
        "编号 1 and 1 followed by an invisible tag character (U+E0031)",
        xlsx("tag-id.xlsx", cell(K, 3, 0, "1\U000e0031")),
        Raises(DuplicateIdError, K, 3, "编号", "appears twice"),
    ),
    Case(
        "soft-hyphen-in-total",
        "维度 合\\u00ad计 (a soft hyphen from Word)",
        xlsx("shy-total.xlsx", cell(B, 2, 0, "合\u00ad计")),
        Loads(warnings=(("format-character", B, 2, "维度"),), check=budget_value(2, "budget", "1415.43")),
    ),
    Case(
        "second-total-behind-bidi-marks",
        "a second 合计 row wrapped in bidirectional isolates (U+2067…U+2069)",
        xlsx("bidi-total.xlsx", cell(B, 4, 0, "\u2067合计\u2069")),
        Raises(TotalRowError, B, 4, "维度", "2 合计 rows"),
    ),
    Case(
        "joiner-in-scope",
        "范围 任务1 with a zero-width joiner (U+200D) at its end",
        xlsx("zwj-scope.xlsx", cell(K, 4, 1, "任务1\u200d")),
        Loads(warnings=(("format-character", K, 4, "范围"),), check=frame_value("kpis", 4, "scope", "任务1")),
    ),
    Case(
        "bom-in-department",
        "部门 pasted with a byte-order mark (U+FEFF) in front",
        xlsx("bom-department.xlsx", cell(M, 2, 1, "\ufeff测试区总工会")),
        Loads(warnings=(("format-character", M, 2, "值"),), check=meta_value("department", "测试区总工会")),
    ),
    Case(
        "bidi-around-number-text",
        "执行数 copied from the Windows calculator: U+202D 1390.69 U+202C",
        xlsx("bidi-number.xlsx", cell(B, 2, 3, "\u202d1390.69\u202c")),
        Loads(
            warnings=(("format-character", B, 2, "执行数"), ("number-as-text", B, 2, "执行数")),
            check=budget_value(2, "executed", "1390.69"),
        ),
    ),
    Case(
        "format-character-only",
        "指标名称 holding nothing but a zero-width space",
        xlsx("zwsp-only.xlsx", cell(K, 2, 4, "\u200b")),
        Raises(CellTypeError, K, 2, "指标名称", "required cell is blank"),
    ),
    Case(
        "bidi-in-header",
        "header 预算数 with a left-to-right mark (U+200E) inside",
        xlsx("lrm-header.xlsx", cell(B, 1, 2, "预\u200e算数")),
        Loads(),
    ),
    Case(
        "bidi-in-sheet-name",
        "sheet name 预算 with a zero-width space in front",
        xlsx("zwsp-sheet.xlsx", post=rename_sheet(B, "\u200b预算")),
        Loads(warnings=(("sheet-name", "\u200b预算", None, None),)),
    ),
    # -- tired clerks ---------------------------------------------------------------------------------------------
    Case(
        "rate-full-width-percent",
        "报告执行率 typed as the text 98.25％ (full-width percent)",
        xlsx("rate-fw-percent.xlsx", cell(B, 2, 5, "98.25％")),
        Loads(check=budget_value(2, "stated_rate", "98.25")),
    ),
    Case(
        "year-as-float",
        "年度 stored as 2022.0",
        xlsx("year-float.xlsx", patches=stored(M, b"<v>2022</v>", b"<v>2022.0</v>")),
        Loads(check=meta_value("year", 2022)),
    ),
    Case(
        "report-date-as-text",
        "报告日期 typed as the text 2023/5/29",
        xlsx("date-text.xlsx", meta_row("报告日期", "2023/5/29")),
        Loads(check=lambda r: str(r.meta["report_date"]) == "2023-05-29"),
    ),
    Case(
        "control-character-in-text",
        "项目 with a BEL control character (&#7;) pasted from a terminal",
        xlsx("bel.xlsx", patches=stored(B, b"&#37096;&#38376;", b"&#7;&#37096;&#38376;")),
        Loads(),
    ),
    Case(
        "long-reason",
        "偏差原因 of 32,767 characters (Excel's limit)",
        xlsx("long-reason.xlsx", cell(K, 3, 10, "因" * 32767)),
        Loads(),
    ),
    Case(
        "three-thousand-indicators",
        "3,000 indicators in 指标 (a district unit listing every project's)",
        xlsx("kpis-3000.xlsx", long_kpi_list),
        Loads(check=lambda r: len(r.kpis) == 3000 or _fail(len(r.kpis))),
    ),
    Case(
        "three-hundred-extra-sheets",
        "300 draft sheets beside the six of the format",
        xlsx("sheets-300.xlsx", post=many_sheets(300)),
        Loads(warnings=tuple(("ignored-sheet", f"草稿{i}", None, None) for i in range(300))),
    ),
    Case(
        "hidden-sheet-with-hidden-format",
        "the 任务 sheet hidden and its 资金 in a ;;; cell",
        xlsx("hidden-twice.xlsx", post=both_post(hide_sheet(T), number_format(T, "D2", ";;;"))),
        Loads(warnings=(("hidden-sheet", T, None, None), ("hidden-value", T, 2, "资金"))),
    ),
]


def _fail(found: object) -> None:
    raise AssertionError(found)


ALL_CASES: list[Case] = [*CASES, *MORE]
