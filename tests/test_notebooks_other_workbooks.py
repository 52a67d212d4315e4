"""Every notebook runs top to bottom on workbooks other than the seed (papermill, fresh kernel).

The committed notebooks are checked against the seed by nbval; here the same notebooks are
executed with another workbook injected through their parameters cell, so a notebook that only
works for the seed's shape fails. Any error or missing-glyph warning in an output fails too.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from tests.conftest import REFERENCE, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OTHER_WORKBOOKS = [
    REFERENCE / "zhongjiang-shuiliju-shuibiaochi-2022.xlsx",  # project form, 分值/得分, "≥" actuals
    REFERENCE / "tanghuzhen-2020.xlsx",  # department form, execution line worth 20 points
    REFERENCE / "liangping-zonggonghui-juesuan-2021.xlsx",  # a 决算 page: no budget, no KPIs
]


@pytest.mark.parametrize("workbook", OTHER_WORKBOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_another_workbook(notebook: Path, workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"data_path": str(workbook), "department": None, "year": None, "out_dir": str(tmp_path)},
        cwd=str(notebook.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    texts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            texts.append("".join(output.get("text", "")))
    joined = "\n".join(texts)
    assert "Glyph" not in joined and "missing from font" not in joined
    assert executed.cells[1].metadata.get("tags") == ["parameters"]
