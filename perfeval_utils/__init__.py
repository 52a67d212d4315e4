"""perfeval_utils: read, check and chart Chinese budget performance self-evaluations.

The few names a notebook needs are re-exported here. Heavier parts (many workbooks, the
workbook writer and template, which import openpyxl and tqdm) load on first use, and charts
live in ``perfeval_utils.present.charts``, so ``import perfeval_utils`` stays fast and never imports
matplotlib.
"""

from importlib import import_module
from typing import Any

from perfeval_utils.errors import PerfevalError, ValueParseError, WorkbookError
from perfeval_utils.read.workbook import load_report
from perfeval_utils.report import Report
from perfeval_utils.values import Measure, parse_value

#: Re-exported names loaded on first access: name → module. (Never a name that is also a submodule,
#: such as ``reconcile``: ``from perfeval_utils.check import reconcile`` must give the module.)
_LAZY = {
    "load_reports": "perfeval_utils.read.many",
    "ReportSet": "perfeval_utils.read.many",
    "DuplicateReportError": "perfeval_utils.read.many",
    "write_workbook": "perfeval_utils.present.writer",
    "write_template": "perfeval_utils.present.template",
    "extract_report": "perfeval_utils.read.text",
    "Extraction": "perfeval_utils.read.text",
    "load_form": "perfeval_utils.read.form",
    "FormResult": "perfeval_utils.read.form",
    "read_document": "perfeval_utils.read.document",
    "Intake": "perfeval_utils.read.document",
}

__all__ = [
    "DuplicateReportError",
    "Extraction",
    "FormResult",
    "Intake",
    "Measure",
    "PerfevalError",
    "Report",
    "ReportSet",
    "ValueParseError",
    "WorkbookError",
    "extract_report",
    "load_form",
    "load_report",
    "load_reports",
    "parse_value",
    "read_document",
    "write_template",
    "write_workbook",
]


def __dir__() -> list[str]:
    """Tab completion shows the lazy names too, before first use."""
    return sorted({*globals(), *_LAZY})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'perfeval_utils' has no attribute {name!r}")
