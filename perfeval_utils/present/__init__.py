"""Stage 4, present: charts, deck, working paper, workbooks and the notebook run, from the earlier stages.

Computes no figure of its own. docs/architecture.md.
"""
