"""Stage 2, analyse: a Report (or ReportSet) into tables: execution, indicators, score, year series, peers.

Imports only read/ and the shared modules; never reads a file or draws. docs/architecture.md.
"""
