"""Executed notebooks as offline HTML: the analyst's page (with code) and the presenter's (code hidden).

nbconvert's ``HTMLExporter`` with the lab template, with two changes:

- nothing is fetched from the internet (``<script src=https://…>`` and remote stylesheets are
  removed: a review meeting room may have no network);
- its last step is done without BeautifulSoup. nbconvert parses the whole page it has just
  rendered (the lab theme's inline CSS and every embedded PNG included) only to add an ``alt``
  to images that have none and ``tabindex="0"`` to input and output areas, then writes it out
  again: 60 % of an export's time. :func:`accessible` adds the same attributes to the tags the
  lab template writes, with regular expressions over the start tags.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

#: The presenter's HTML (code hidden) is ``<notebook>_汇报.html`` beside the analyst's ``<notebook>.html``.
PRESENTER_SUFFIX: Final = "_汇报"
#: nbconvert's text for an image without one (the lab template writes none for outputs).
MISSING_ALT: Final = "No description has been provided for this image"

_REMOTE_TAG: Final = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^\"']*[\"'][^>]*/?>",
    re.IGNORECASE,
)
_IMG_WITHOUT_ALT: Final = re.compile(r"<img\b(?![^>]*\salt=)([^>]*?)(/?)>", re.IGNORECASE)
#: The input wrapper and every output area (nbconvert: ``div.jp-Cell-inputWrapper``, ``div.jp-OutputArea-output``).
_FOCUSABLE: Final = re.compile(
    r'<div\b(?![^>]*\stabindex=)([^>]*\sclass="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?"[^>]*)>'
)

_EXPORTERS = threading.local()


def accessible(html: str) -> str:
    """What nbconvert's HTMLExporter adds after rendering: alt text on images without one, and input and
    output areas reachable with the keyboard (tabindex="0")."""
    html = _IMG_WITHOUT_ALT.sub(lambda m: f'<img{m.group(1)} alt="{MISSING_ALT}"{m.group(2)}>', html)
    return _FOCUSABLE.sub(r'<div\1 tabindex="0">', html)


def _exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class OfflineHTMLExporter(HTMLExporter):  # type: ignore[misc]
        """HTMLExporter.from_notebook_node (nbconvert 7.17) with :func:`accessible` instead of its soup, and
        its ``clean_html`` filter remembered (see :func:`_clean_html`)."""

        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            """No schema check after each of the dozen preprocessors: the notebook was validated when
            nbformat wrote it, and nbconvert's own preprocessors keep it valid (a third of a page's time)."""

        def default_filters(self) -> Any:
            for name, function in super().default_filters():
                yield name, (_clean_html if name == "clean_html" else function)

        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible(html), resources

    return OfflineHTMLExporter


def _clean_html(element: Any) -> str:
    """nbconvert's clean_html (bleach) for a text seen before is the text it gave then: the lab template
    runs it on every highlighted code cell, and a run of ``perfeval report`` exports the same notebooks'
    code for every department (bleach took 40 % of an analyst page)."""
    return _cleaned(element.decode() if isinstance(element, bytes) else str(element))


@lru_cache(maxsize=4096)
def _cleaned(text: str) -> str:
    from nbconvert.filters.strings import clean_html

    return str(clean_html(text))


def _exporter(no_input: bool) -> Any:
    """One exporter per kind and thread: building one loads its templates (most of a first export's time)."""
    cached = getattr(_EXPORTERS, "by_kind", None)
    if cached is None:
        cached = _EXPORTERS.by_kind = {}
    if no_input not in cached:
        cached[no_input] = _exporter_class()(template_name="lab", exclude_input=no_input,
                                             exclude_input_prompt=no_input, exclude_output_prompt=no_input)
    return cached[no_input]


def offline_html(notebook: Path, html: Path, *, no_input: bool) -> Path:
    """Export an executed notebook to HTML with no script or stylesheet fetched from the internet."""
    body, _ = _exporter(no_input).from_filename(str(notebook))
    html.write_text(_REMOTE_TAG.sub("", body), encoding="utf-8")
    return html


def presenter_html_path(executed: Path) -> Path:
    return executed.with_name(executed.stem + PRESENTER_SUFFIX + ".html")


def remote_references(html: str) -> list[str]:
    """Scripts or stylesheets the page would fetch from the internet (should be none)."""
    return re.findall(r"(?:src|href)=[\"'](https?://[^\"']+)[\"']", _tags_that_load(html))


def _tags_that_load(html: str) -> str:
    return " ".join(re.findall(r"<(?:script|link)\b[^>]*>", html, re.IGNORECASE))
