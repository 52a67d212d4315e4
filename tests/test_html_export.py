"""present/html.py: nbconvert's HTML export without its BeautifulSoup pass gives the same page.

nbconvert parses each page it renders with BeautifulSoup to add alt texts and tabindex, then writes
it out again; perfeval adds the same attributes with regular expressions (60 % of an export's time,
measured in benchmarks/). Read back by BeautifulSoup, our page must be nbconvert's, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from perfeval_utils.present.html import MISSING_ALT, _exporter, accessible

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("no_input", [False, True], ids=["analyst", "presenter"])
@pytest.mark.parametrize("name", ["01_budget_execution.ipynb", "08_mid_year_monitoring.ipynb"])
def test_our_export_is_nbconverts_page_once_beautifulsoup_has_written_it(name: str, no_input: bool) -> None:
    """The committed notebooks are executed: tables, text, figures (08 has three images)."""
    notebook = str(ROOT / "notebooks" / name)
    theirs, _ = HTMLExporter(template_name="lab", exclude_input=no_input, exclude_input_prompt=no_input,
                             exclude_output_prompt=no_input).from_filename(notebook)
    ours, _ = _exporter(no_input).from_filename(notebook)
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert ours.count(f'alt="{MISSING_ALT}"') == theirs.count(f'alt="{MISSING_ALT}"') >= 1
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 5


def test_accessible_leaves_given_alt_texts_and_other_divs_alone() -> None:
    page = ('<img src="a.png" alt="预算执行率"><img src="b.png"/><div class="jp-Cell-inputWrapper">'
            '<div class="x jp-OutputArea-output y" data-mime-type="text/plain"><div class="jp-OutputArea-outputs">'
            '<div class="jp-Cell-inputWrapper" tabindex="1">')
    assert accessible(page) == (
        f'<img src="a.png" alt="预算执行率"><img src="b.png" alt="{MISSING_ALT}"/>'
        '<div class="jp-Cell-inputWrapper" tabindex="0">'
        '<div class="x jp-OutputArea-output y" data-mime-type="text/plain" tabindex="0">'
        '<div class="jp-OutputArea-outputs"><div class="jp-Cell-inputWrapper" tabindex="1">')
