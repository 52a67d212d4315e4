"""Where a form's tables are: header rows found by their words, two-row headers, repeated headers.

A header cell belongs to the first field one of whose words it contains (labels.KPI_HEADER_WORDS
and the others); a row is a table's header when it has the fields that table needs. A later row
reading as the same header (a page break) is skipped, and the table continues below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfeval_utils.cells import is_number
from perfeval_utils.read.form.grid import Grid
from perfeval_utils.read.form.labels import (
    BASIC_HEADER_WORDS,
    BUDGET_HEADER_WORDS,
    KPI_HEADER_WORDS,
    STAFF_HEADER_WORDS,
    squash,
)

__all__ = ["TARGET_FIELDS", "Header", "classify", "find_headers", "tables"]

TARGET_FIELDS = ("target", "initial_target", "adjusted_target", "actual")
FORM_KINDS = ("kpi", "budget", "basic")


@dataclass
class Header:
    """One table's header: its row, kind (kpi / budget / basic / staff) and each column's field."""

    row: int
    kind: str
    fields: dict[int, str]  # column → field
    band: list[int] = field(default_factory=list)  # rows of the header (upper rows of a two-row header first)
    label_columns: list[int] = field(default_factory=list)

    @property
    def signature(self) -> tuple[tuple[int, str], ...]:
        return tuple(sorted((c, f) for c, f in self.fields.items() if f != "ignored"))

    def column(self, name: str) -> int | None:
        return next((c for c, f in self.fields.items() if f == name), None)


def classify(text: str, words: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    core = squash(text)
    for name, options in words:
        if any(option in core for option in options):
            return name
    return None


def _row_texts(grid: Grid, r: int) -> dict[int, str]:
    texts = {}
    for c in range(1, grid.max_col + 1):
        value = grid.filled(r, c)
        if isinstance(value, str) and value.strip():
            texts[c] = value
    return texts


def _kpi_fields(texts: dict[int, str]) -> dict[int, str]:
    return {c: f for c, t in texts.items() if (f := classify(t, KPI_HEADER_WORDS)) is not None}


def _basic_fields(texts: dict[int, str]) -> dict[int, str]:
    fields: dict[int, str] = {}
    finals: dict[int, int] = {}
    budget_year = None
    for c, t in texts.items():
        core = squash(t)
        named = classify(core, BASIC_HEADER_WORDS)
        if named:
            fields[c] = named
        elif match := re.search(r"((?:19|20)\d{2})年?(?:度)?决算", core):
            finals[c] = int(match.group(1))
        elif match := re.search(r"((?:19|20)\d{2})年?(?:度)?预算", core):
            fields[c] = "budget"
            budget_year = int(match.group(1))
    for c, year in finals.items():
        latest = budget_year if budget_year is not None else max(finals.values())
        fields[c] = "executed" if year >= latest else "prior_executed"
    return fields


def _detect(grid: Grid, r: int) -> Header | None:
    texts = _row_texts(grid, r)
    if not texts:
        return None
    kpi = _kpi_fields(texts)
    if "name" in kpi.values() and any(f in kpi.values() for f in TARGET_FIELDS):
        return Header(r, "kpi", kpi)
    budget = {c: f for c, t in texts.items() if (f := classify(t, BUDGET_HEADER_WORDS)) is not None}
    if "budget" in budget.values() and "executed" in budget.values():
        return Header(r, "budget", budget)
    basic = _basic_fields(texts)
    if "budget" in basic.values() and ("executed" in basic.values() or "prior_executed" in basic.values()):
        return Header(r, "basic", basic)
    staff = [c for c, t in texts.items() if any(w in squash(t) for w in STAFF_HEADER_WORDS)]
    if staff:
        first = min(staff)
        return Header(r, "staff", {c: "figure" for c in texts if c >= first})
    return None


def _upper_band(grid: Grid, header: Header) -> bool:
    """Is the row above a KPI header its upper half (绩效指标 over 一级/二级/三级, or headers merged down)?"""
    above = header.row - 1
    if above < 1 or header.kind != "kpi":
        return False
    columns = range(min(header.fields), max(header.fields) + 1)
    own = [c for c in columns if grid.own(above, c) is not None]
    if not own or any(is_number(grid.own(above, c)) for c in own):
        return False
    vertical = any(
        grid.anchor.get((above, c)) is not None and grid.anchor.get((above, c)) == grid.anchor.get((header.row, c))
        for c in columns
    )
    groups = all(classify(str(grid.own(above, c)), KPI_HEADER_WORDS) is not None for c in own)
    return vertical or groups


def _classify_two_row_header(grid: Grid, header: Header) -> None:
    """A two-row header: classify each column by its lower text, else by upper and lower together."""
    upper, lower = header.band[0], header.row
    columns = set(_row_texts(grid, upper)) | set(_row_texts(grid, lower))
    for c in sorted(columns):
        if header.fields.get(c) not in (None, "ignored"):
            continue
        top, bottom = grid.text(upper, c) or "", grid.text(lower, c) or ""
        for candidate in (bottom, bottom + top, top + bottom):
            found = classify(candidate, KPI_HEADER_WORDS) if candidate else None
            if found and found != "ignored":
                header.fields[c] = found
                break


def _detect_two_rows(grid: Grid, r: int) -> Header | None:
    """A KPI header that only reads as one with the row above it (指标值 over 年初 | 调整)."""
    if r < 2:
        return None
    header = Header(r, "kpi", _kpi_fields(_row_texts(grid, r)), band=[r - 1, r])
    if "name" not in header.fields.values() or not _upper_band(grid, header):
        return None
    _classify_two_row_header(grid, header)
    return header if any(f in header.fields.values() for f in TARGET_FIELDS) else None


def find_headers(grid: Grid) -> list[Header]:
    headers: list[Header] = []
    for r in range(1, grid.max_row + 1):
        after_header = bool(headers) and headers[-1].row == r - 1
        header = _detect(grid, r) or (None if after_header else _detect_two_rows(grid, r))
        if header is None:
            continue
        if header.band != [r - 1, r]:
            header.band = [r]
            if _upper_band(grid, header) and not after_header:
                header.band = [r - 1, r]
                _classify_two_row_header(grid, header)
        first = min(c for c, f in header.fields.items() if f != "ignored")
        header.label_columns = list(range(1, first))
        headers.append(header)
    return headers


def header_kind(texts: list[str]) -> str | None:
    """kpi / budget / basic / staff when these cell texts, side by side, read as a table's header."""
    grid = Grid("", {(1, c): t for c, t in enumerate(texts, start=1) if t})
    header = _detect(grid, 1)
    return header.kind if header is not None else None


def holds_form(headers: list[Header]) -> bool:
    return any(h.kind in FORM_KINDS for h in headers)


def tables(headers: list[Header], last_row: int) -> list[tuple[Header, list[int]]]:
    """Each table with its data rows; a repeat of the current header (after a page break) is skipped."""
    found: list[tuple[Header, list[int]]] = []
    skipped: set[int] = set()
    current: Header | None = None
    starts: list[Header] = []
    for header in headers:
        if current is not None and header.kind == current.kind and header.signature == current.signature:
            skipped.update(header.band)
            continue
        current = header
        starts.append(header)
    for i, header in enumerate(starts):
        end = (starts[i + 1].band[0] - 1) if i + 1 < len(starts) else last_row
        rows = [r for r in range(header.row + 1, end + 1) if r not in skipped]
        found.append((header, rows))
    return found
