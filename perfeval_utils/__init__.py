"""perfeval_utils: read, check and chart Chinese budget performance self-evaluations.

The few names a notebook needs are re-exported here; charts live in
``perfeval_utils.charts`` so that importing the package does not import matplotlib.
"""

from perfeval_utils.errors import PerfevalError, ValueParseError, WorkbookError
from perfeval_utils.values import Measure, parse_value
from perfeval_utils.workbook import Report, load_report

__all__ = ["Measure", "PerfevalError", "Report", "ValueParseError", "WorkbookError", "load_report", "parse_value"]
