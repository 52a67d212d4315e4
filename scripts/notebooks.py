"""Execute notebooks in a fresh kernel and strip what changes on every run, so a re-run is no diff.

Usage::

    python scripts/notebooks.py --execute notebooks/00_overview.ipynb …   # run, then clean (make notebooks)
    python scripts/notebooks.py notebooks/*.ipynb                          # clean only
    python scripts/notebooks.py --check notebooks/*.ipynb                  # exit 1 if a file is not clean

Cleaning keeps every output (nbval checks them) and removes only what says when or with what a
notebook ran: papermill's notebook and cell metadata (start and end times, durations, the
parameters), nbclient's execution timestamps, JupyterLab's ExecuteTime / collapsed / scrolled,
widget state, and the Python patch version in ``language_info``. Cell tags stay (``parameters``
drives papermill). The inline PNGs carry no software version because ``notebook.setup`` tells the
inline backend so. Same idea as ``nbstripout --keep-output --keep-count``, without the dependency.
Notebooks are executed with their own folder as the working directory, as ``make test`` runs them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

VOLATILE_CELL_KEYS = ("execution", "papermill", "ExecuteTime", "collapsed", "scrolled")
VOLATILE_NOTEBOOK_KEYS = ("papermill", "widgets", "toc-autonumbering")


def clean(notebook: Any) -> Any:
    """The notebook without run times, durations or versions (modified in place and returned)."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        notebook.metadata.pop(key, None)
    info = notebook.metadata.get("language_info")
    if info is not None:
        info.pop("version", None)
    for cell in notebook.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:  # papermill adds an empty list to every cell
            del cell.metadata["tags"]
    return notebook


def text(notebook: Any) -> str:
    """The file's text as committed: nbformat's layout and a final newline."""
    return nbformat.writes(notebook) + "\n"


def execute(path: Path, out: Path | None = None) -> Path:
    """Run ``path`` top to bottom in a fresh python3 kernel (cwd: its folder), write it cleaned to ``out``."""
    import papermill

    out = out or path
    papermill.execute_notebook(str(path), str(out), cwd=str(path.parent), kernel_name="python3",
                               progress_bar=False, log_output=False)
    out.write_text(text(clean(nbformat.read(out, as_version=4))), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("notebooks", nargs="+", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--execute", action="store_true", help="run each notebook first, then clean it")
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is not clean")
    args = parser.parse_args(argv)
    dirty = []
    for path in args.notebooks:
        if args.execute:
            execute(path)
            print(f"executed and cleaned {path}")
            continue
        before = path.read_text(encoding="utf-8")
        after = text(clean(nbformat.reads(before, as_version=4)))
        if after != before:
            dirty.append(path)
            if not args.check:
                path.write_text(after, encoding="utf-8")
    for path in dirty:
        print(f"{'not clean' if args.check else 'cleaned'}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
