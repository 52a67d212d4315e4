"""perfeval_utils: read, check and chart Chinese budget performance self-evaluations.

The few names a notebook needs are re-exported here; charts live in
``perfeval_utils.charts`` so that importing the package does not import matplotlib.
"""

from perfeval_utils.errors import PerfevalError, WorkbookError
from perfeval_utils.workbook import Report, load_report

__all__ = ["PerfevalError", "Report", "WorkbookError", "load_report"]
