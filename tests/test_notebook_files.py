"""The committed notebooks: clean of run times and versions, reproducible byte for byte, only presenting."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Every committed notebook: each must be executed and cleaned by scripts/notebooks.py (``make notebooks``).
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
#: The ones held to issue #12's budget here: 00–06 and the worked example (07 onwards have their own owners).
PRESENTING = [p for p in NOTEBOOKS if re.match(r"0[0-6]_", p.name) or p.parent.name == "examples"]
MAX_CODE_LINES = 30  # issue #12: "every notebook's code cells together stay under about 30 lines"


def tool() -> ModuleType:
    """scripts/notebooks.py, the one definition of "clean" (used by make notebooks too)."""
    spec = importlib.util.spec_from_file_location("notebook_tool", ROOT / "scripts" / "notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def code_lines(notebook: nbformat.NotebookNode) -> int:
    """Non-blank, non-comment lines of every code cell except the parameters cell."""
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", [])
        for line in cell.source.splitlines()
        if line.strip() and not line.strip().startswith("#")
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_run_times_or_versions(path: Path) -> None:
    """Cleaning a committed notebook changes nothing: no papermill or execution timestamps, no Python patch version."""
    before = path.read_text(encoding="utf-8")
    assert tool().text(tool().clean(nbformat.reads(before, as_version=4))) == before, (
        f"run: python scripts/notebooks.py {path.relative_to(ROOT)}")
    assert "iopub.execute_input" not in before and '"papermill"' not in before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_inline_figures_carry_no_software_version(path: Path) -> None:
    """matplotlib writes "Software: Matplotlib version …" into a PNG unless told not to (notebook.setup does)."""
    notebook = nbformat.read(path, as_version=4)
    pngs = [base64.b64decode(o["data"]["image/png"]) for c in notebook.cells for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]
    assert not [png for png in pngs if b"tEXtSoftware" in png]


@pytest.mark.parametrize("path", PRESENTING, ids=lambda p: p.stem)
def test_notebook_only_presents(path: Path) -> None:
    """At most ~30 code lines beyond the parameters cell, one setup call, a Chinese title first."""
    notebook = nbformat.read(path, as_version=4)
    assert code_lines(notebook) <= MAX_CODE_LINES
    setups = sum(len(re.findall(r"notebook\.setup(?:_many)?\(", c.source)) for c in notebook.cells
                 if c.cell_type == "code")
    assert setups == 1
    title = notebook.cells[0].source.splitlines()[0]
    assert re.match(r"^# (\d\d · )?[\u4e00-\u9fff]", title), title


def test_rerunning_a_notebook_leaves_the_committed_file_identical(tmp_path: Path) -> None:
    """00_overview executed again in a fresh kernel and cleaned is the committed file, byte for byte
    (outputs, tables' HTML ids and all): a re-run with no change leaves ``git status`` clean."""
    source = ROOT / "notebooks" / "00_overview.ipynb"
    out = tool().execute(source, tmp_path / source.name)  # run from notebooks/, written to tmp_path
    assert out.read_bytes() == source.read_bytes()
