"""Packaging: what `make` installs is exactly what the requirement files pin, locked with hashes.

The lock (requirements.lock, from `make lock`) must hold every pin of requirements.txt,
requirements-test.txt and requirements-dev.txt at the same version, each locked package with its
hashes; JupyterLab lives only in requirements-lab.lock, so `make test` never installs it; and a
built wheel declares the runtime dependencies and carries the chart font, its licence and the deck
template.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(path.read_text(encoding="utf-8"))}


def _lock_entries(path: Path) -> list[str]:
    """One string per locked package: its pin line and the continuation lines with its hashes."""
    return re.split(r"\n(?=[A-Za-z0-9])", path.read_text(encoding="utf-8").split("\n", 2)[2])


@pytest.mark.parametrize(("inputs", "lock"), [
    (("requirements.txt", "requirements-test.txt", "requirements-dev.txt"), "requirements.lock"),
    (("requirements.txt", "requirements-test.txt", "requirements-dev.txt", "requirements-lab.txt"),
     "requirements-lab.lock"),
])
def test_every_hand_written_pin_is_in_the_lock_at_the_same_version(inputs: tuple[str, ...], lock: str) -> None:
    locked = _pins(ROOT / lock)
    wanted = {name: version for file in inputs for name, version in _pins(ROOT / file).items()}
    assert len(wanted) >= 20
    stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert stale == {}, "run `make lock` after editing a requirements file"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-lab.lock"])
def test_every_locked_package_is_pinned_with_hashes(lock: str) -> None:
    entries = [entry for entry in _lock_entries(ROOT / lock) if entry.strip() and not entry.startswith("#")]
    assert len(entries) > 80
    assert [entry.split()[0] for entry in entries if "==" not in entry.split()[0]] == []
    assert [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry] == []


def test_make_test_installs_neither_jupyterlab_nor_mplfonts(tmp_path: Path) -> None:
    test_lock = _pins(ROOT / "requirements.lock")
    assert "jupyterlab" not in test_lock and "mplfonts" not in test_lock
    assert "jupyterlab" in _pins(ROOT / "requirements-lab.lock")
    assert not any("mplfonts" in path.read_text(encoding="utf-8") for path in ROOT.glob("requirements*"))
    plan = subprocess.run(["make", "-n", "test", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert "--require-hashes -r requirements.lock" in plan and "--no-deps -e ." in plan
    assert "requirements-lab.lock" not in plan and "requirements.txt" not in plan
    lab = subprocess.run(["make", "-n", "lab", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "--require-hashes -r requirements-lab.lock" in lab


def test_pyproject_declares_dependencies_and_the_lab_test_dev_extras() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(project["project"]["dynamic"]) == {"dependencies", "optional-dependencies"}
    dynamic = project["tool"]["setuptools"]["dynamic"]
    assert dynamic["dependencies"]["file"] == ["requirements.txt"]
    assert {extra: spec["file"] for extra, spec in dynamic["optional-dependencies"].items()} == {
        "lab": ["requirements-lab.txt"], "test": ["requirements-test.txt"], "dev": ["requirements-dev.txt"]}


def test_built_wheel_declares_its_dependencies_and_carries_font_licence_and_template(tmp_path: Path) -> None:
    """pip builds the wheel as a user's pip would (isolated build, setuptools fetched from the index).

    From a copy of the sources: setuptools writes build/ and *.egg-info next to the sources it builds.
    """
    source = tmp_path / "source"
    shutil.copytree(ROOT / "perfeval_utils", source / "perfeval_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in [ROOT / "pyproject.toml", ROOT / "README.md", *ROOT.glob("requirements*.txt")]:
        shutil.copy(path, source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("perfeval_utils-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert "perfeval_utils/present/charts/noto/PerfevalNotoSansSC-Regular.otf" in names
    assert "perfeval_utils/present/charts/noto/OFL.txt" in names
    assert "perfeval_utils/present/templates/deck.pptx" in names
    requires = re.findall(r"^Requires-Dist: (.+)$", metadata, re.MULTILINE)
    assert "pandas==3.1.1" in requires and "python-pptx==1.0.2" in requires
    assert 'jupyterlab==4.6.6; extra == "lab"' in requires and 'pytest==9.2.0; extra == "test"' in requires
    assert not any(r.startswith("jupyterlab") and "extra" not in r for r in requires)
