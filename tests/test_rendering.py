"""Look at the outputs as a person would: the deck through LibreOffice, the HTML through Chromium.

These run where the tools exist (Debian: libreoffice-impress, poppler-utils, chromium) and are
skipped with the reason otherwise: the suite does not install a browser or an office suite.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfeval_utils.cli import main
from tests.conftest import ROOT, SEED

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")),
                    reason="LibreOffice (soffice) and pdftoppm are not installed: deck not rendered")
def test_deck_renders_every_slide(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["deck", str(SEED), "--out", str(tmp_path)]).exit_code == 0
    deck = next(tmp_path.rglob("*.pptx"))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(deck)], check=True, capture_output=True, timeout=240)
    pdf = next(tmp_path.glob("*.pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "slide")], check=True, timeout=120)
    slides = sorted(tmp_path.glob("slide-*.png"))
    assert len(slides) == 8  # title, execution, indicators, shortfall, score, checks, findings 1–4 and 5–6
    width, height = _png_size(slides[1])
    assert round(width / height, 2) == round(16 / 9, 2)
    assert all(p.stat().st_size > 5_000 for p in slides)  # not blank pages


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed: HTML not rendered")
def test_html_report_renders_offline(tmp_path: Path) -> None:
    data, notebooks = tmp_path / "data", tmp_path / "notebooks"
    data.mkdir()
    notebooks.mkdir()
    shutil.copy(SEED, data)
    shutil.copy(ROOT / "notebooks" / "01_budget_execution.ipynb", notebooks)
    result = CliRunner().invoke(main, ["report", "--data", str(data), "--out", str(tmp_path / "build"),
                                       "--notebooks", str(notebooks)])
    assert result.exit_code == 0, result.output
    html = next((tmp_path / "build").rglob("01_budget_execution.html"))
    shot = tmp_path / "page.png"
    subprocess.run(["chromium", *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1280,2000",
                    f"--screenshot={shot}", html.as_uri()], check=True, capture_output=True, timeout=120)
    assert _png_size(shot) == (1280, 2000) and shot.stat().st_size > 50_000
