"""The package's public face: a light import, lazy names that tab completion shows, keyword-built Reports."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

import perfeval_utils
from perfeval_utils import Report
from tests.conftest import ROOT

#: Heavy libraries that only the parts needing them import, on first use.
HEAVY = ("matplotlib", "openpyxl", "pptx", "tqdm", "nbformat", "papermill")
#: The pipeline's stages in order; everything else at the top of the package is shared (0), cli last.
STAGES = {"read": 1, "analyse": 2, "check": 3, "present": 4, "cli": 5, "__main__": 5}


def _stage(module: str) -> int:
    parts = module.split(".")
    return STAGES.get(parts[1], 0) if len(parts) > 1 else 0


#: Display hooks may call the presentation stage lazily: Jupyter asks the object itself how to show it.
DISPLAY_HOOKS = frozenset({"__repr__", "_repr_html_"})


def _imports(path: Path) -> list[str]:
    """The perfeval_utils modules (or names) a file imports, lazy imports inside functions included (but not
    inside a display hook)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hooks = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name in DISPLAY_HOOKS
             for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if id(node) in hooks:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("perfeval_utils"):
            top = node.module == "perfeval_utils"  # from perfeval_utils import schema: the name is the module
            found += [f"perfeval_utils.{a.name}" if top else node.module for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("perfeval_utils")]
    return found


def test_importing_the_package_imports_no_heavy_library() -> None:
    """A fresh interpreter: after ``import perfeval_utils`` none of HEAVY is in sys.modules."""
    code = (
        "import json, sys; import perfeval_utils; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(done.stdout) == []


def test_the_check_itself_would_see_a_heavy_import() -> None:
    """Negative control: the same probe after importing the charts does list matplotlib."""
    code = (
        "import json, sys; import perfeval_utils.present.charts; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "matplotlib" in json.loads(done.stdout)


def test_dir_lists_the_lazy_names_before_first_use() -> None:
    names = dir(perfeval_utils)
    assert {"load_reports", "load_form", "load_report", "parse_value", "ReportSet"} <= set(names)


def test_a_lazy_name_loads_on_access_and_an_unknown_one_is_an_attribute_error() -> None:
    from perfeval_utils.read.many import load_reports

    assert perfeval_utils.load_reports is load_reports
    with pytest.raises(AttributeError, match="no_such_name"):
        perfeval_utils.no_such_name  # noqa: B018


def test_a_report_is_built_with_keyword_arguments_only(seed_report: Report) -> None:
    values = {f.name: getattr(seed_report, f.name) for f in fields(Report)}
    rebuilt = Report(**values)
    assert all(getattr(rebuilt, name) is value for name, value in values.items())
    with pytest.raises(TypeError):
        Report(*values.values())  # type: ignore[misc]


def test_keyword_report_keeps_its_frames_where_they_were_given(seed_report: Report) -> None:
    """Swapping two frames by name is visible: the budget frame is the one passed as budget."""
    empty = pd.DataFrame()
    report = Report(path=seed_report.path, meta=seed_report.meta, budget=seed_report.budget, kpis=empty,
                    tasks=empty, claims=empty, rules=empty)
    assert report.budget is seed_report.budget
    assert report.kpis is empty
    assert report.warnings == ()


def test_no_module_imports_from_a_later_stage_of_the_pipeline() -> None:
    """read → analyse → check → present → cli: a module may import its own stage, earlier ones and the shared ones."""
    package = ROOT / "perfeval_utils"
    upward = []
    for path in sorted(package.rglob("*.py")):
        if path == package / "__init__.py":
            continue  # the public face re-exports names from every stage
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        upward += [f"{module} → {name}" for name in _imports(path) if _stage(name) > _stage(module)]
    assert upward == []


def test_the_stage_check_sees_an_upward_import(tmp_path: Path) -> None:
    """Negative control: a shared module importing from check is found."""
    fake = tmp_path / "cells.py"
    fake.write_text("from perfeval_utils.check.reconcile import reconcile\n", encoding="utf-8")
    upward = [n for n in _imports(fake) if _stage(n) > _stage("perfeval_utils.cells")]
    assert upward == ["perfeval_utils.check.reconcile"]
