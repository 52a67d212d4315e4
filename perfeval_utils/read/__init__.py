"""Stage 1, read: one file (v1 workbook, official form, report text) into a Report; many into a ReportSet.

Imports only the shared modules at the top of the package. docs/architecture.md.
"""
