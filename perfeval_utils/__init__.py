"""perfeval_utils: read, check and chart Chinese budget performance self-evaluations.

The few names a notebook needs are re-exported here. Heavier parts (many workbooks, the
workbook writer and template, which import openpyxl and tqdm) load on first use, and charts
live in ``perfeval_utils.charts``, so ``import perfeval_utils`` stays fast and never imports
matplotlib.
"""

from importlib import import_module
from typing import Any

from perfeval_utils.errors import PerfevalError, ValueParseError, WorkbookError
from perfeval_utils.values import Measure, parse_value
from perfeval_utils.workbook import Report, load_report

#: Re-exported names loaded on first access: name → module. (Never a name that is also a submodule,
#: such as ``reconcile``: ``from perfeval_utils import reconcile`` must give the module.)
_LAZY = {
    "load_reports": "perfeval_utils.portfolio",
    "ReportSet": "perfeval_utils.portfolio",
    "DuplicateReportError": "perfeval_utils.portfolio",
    "write_workbook": "perfeval_utils.writer",
    "write_template": "perfeval_utils.template",
    "extract_report": "perfeval_utils.extract",
    "Extraction": "perfeval_utils.extract",
    "load_form": "perfeval_utils.forms",
    "FormResult": "perfeval_utils.forms",
}

__all__ = [
    "DuplicateReportError",
    "Extraction",
    "FormResult",
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
    "write_template",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'perfeval_utils' has no attribute {name!r}")
