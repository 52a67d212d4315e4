"""Stage 3, check: do a report's figures hold together (reconciliation, the 核对 rules, red flags).

Imports only read/, analyse/ and the shared modules. docs/architecture.md.
"""
