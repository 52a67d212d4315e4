"""``python -m perfeval_utils`` is the ``perfeval`` command."""

from perfeval_utils.cli import main

main(prog_name="perfeval")
