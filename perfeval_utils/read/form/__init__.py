"""Read an official self-evaluation form (项目支出/部门整体支出绩效自评表, 基础数据表) into a :class:`Report`.

Finance bureaus hand these forms out as spreadsheets laid out for printing: merged cells, two-row
headers, the header repeated after a page break, a 合计 row, notes beside the table. ``load_form``
finds the tables by the words in their header cells (never by position), reads them cell by cell
(merged ranges filled from their top-left cell) and returns the same :class:`Report` as
``load_report``, every figure's 出处 being its cell (``自评表!E12``). A non-blank cell that cannot be
placed is listed in ``FormResult.unplaced`` with its address and the reason, never dropped.

The stages are modules: ``labels`` (the words forms print), ``grid`` (any sheet or document table
as cells), ``layout`` (where the tables are), ``records`` (reading their rows), ``head`` (title,
unit, label : value cells), ``load`` (opening files, the whole form). docs/forms.md documents the
decisions.
"""

from perfeval_utils.read.form.grid import Grid
from perfeval_utils.read.form.head import AmountUnitError
from perfeval_utils.read.form.labels import BASIC_HEADER_WORDS, BUDGET_HEADER_WORDS, KPI_HEADER_WORDS, META_LABELS
from perfeval_utils.read.form.load import FormResult, load_form, read_grid

__all__ = [
    "BASIC_HEADER_WORDS",
    "BUDGET_HEADER_WORDS",
    "KPI_HEADER_WORDS",
    "META_LABELS",
    "AmountUnitError",
    "FormResult",
    "Grid",
    "load_form",
    "read_grid",
]
