"""Run the notebook collection for every workbook found, and write offline HTML next to it.

A review meeting needs files, not a running Jupyter: each notebook is executed in a fresh
kernel by papermill with its parameters injected, saved executed, and exported to HTML with
every script from the internet removed, so the page opens on a laptop with no network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from perfeval_utils.read.many import in_examples
from perfeval_utils.read.workbook import Report, load_report

#: Notebooks with a ``data_path`` parameter run once per workbook; those with ``data_dir`` once per folder.
PER_WORKBOOK = "data_path"
PER_FOLDER = "data_dir"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
_REMOTE_TAG = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^\"']*[\"'][^>]*/?>",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Written:
    """One file the run wrote, for the final list."""

    path: Path
    kind: str  # notebook, html, figure, deck, workpaper

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def find_workbooks(paths: list[Path]) -> list[Path]:
    """Every .xlsx under the given files or folders (recursively), sorted; Excel's lock files skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$")
                         and not in_examples(p, path))  # made-up 示例数据 only when named
        else:
            found.append(path)
    return sorted(dict.fromkeys(found))


def output_folder(out: Path, report: Report) -> Path:
    """``<out>/<department>_<year>``, with characters that no file system accepts replaced."""
    return out / f"{_UNSAFE.sub('_', report.department)}_{report.year}"


def parameter_names(notebook: Path) -> set[str]:
    """The names assigned in the notebook's cell tagged ``parameters``."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            return set(re.findall(r"^(\w+)\s*=", source, re.MULTILINE))
    return set()


def notebooks_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def offline_html(notebook: Path, html: Path, *, no_input: bool) -> Path:
    """Export an executed notebook to HTML with no script or stylesheet fetched from the internet."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=no_input, exclude_input_prompt=no_input,
                            exclude_output_prompt=no_input)
    body, _ = exporter.from_filename(str(notebook))
    html.write_text(_REMOTE_TAG.sub("", body), encoding="utf-8")
    return html


def remote_references(html: str) -> list[str]:
    """Scripts or stylesheets the page would fetch from the internet (should be none)."""
    return re.findall(r"(?:src|href)=[\"'](https?://[^\"']+)[\"']", _tags_that_load(html))


def _tags_that_load(html: str) -> str:
    return " ".join(re.findall(r"<(?:script|link)\b[^>]*>", html, re.IGNORECASE))


def _readable_python_strings() -> None:
    """Inject Chinese parameters as written (papermill escapes them to \\uXXXX, unreadable in the HTML)."""
    from papermill.translators import PythonTranslator, papermill_translators

    class ReadablePythonTranslator(PythonTranslator):
        @classmethod
        def translate_str(cls, val: str) -> str:
            return repr(val)

    papermill_translators.register("python", ReadablePythonTranslator)


def execute(notebook: Path, out_notebook: Path, parameters: dict[str, object]) -> Path:
    """Run one notebook top to bottom in a fresh kernel with the parameters injected."""
    import papermill

    _readable_python_strings()

    out_notebook.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(notebook), str(out_notebook), parameters=parameters, cwd=str(notebook.parent),
                               kernel_name="python3", progress_bar=False)
    return out_notebook


def jobs(notebook_dir: Path, data: Path, out: Path) -> Iterator[tuple[Path, Path, dict[str, object]]]:
    """(notebook, executed notebook path, parameters) for every notebook and workbook."""
    workbooks = find_workbooks([data])
    reports = [load_report(path) for path in workbooks]
    for notebook in notebooks_in(notebook_dir):
        names = parameter_names(notebook)
        if PER_WORKBOOK in names:
            for path, report in zip(workbooks, reports, strict=True):
                folder = output_folder(out, report)
                parameters: dict[str, object] = {PER_WORKBOOK: str(path.resolve()), "department": report.department,
                                                 "year": report.year, "out_dir": str(folder.resolve())}
                yield notebook, folder / notebook.name, _declared(parameters, names)
        elif PER_FOLDER in names:
            parameters = {PER_FOLDER: str(data.resolve()), "out_dir": str(out.resolve())}
            yield notebook, out / "_collection" / notebook.name, _declared(parameters, names)


def _declared(parameters: dict[str, object], names: set[str]) -> dict[str, object]:
    """Only the parameters the notebook's parameters cell declares (papermill warns about others)."""
    return {key: value for key, value in parameters.items() if key in names}


def run_all(notebook_dir: Path, data: Path, out: Path, *, no_input: bool = False,
            progress: bool = True) -> list[Written]:
    """Execute every notebook for every workbook (or once for the folder) and export HTML."""
    from tqdm import tqdm

    planned = list(jobs(notebook_dir, data, out))
    written: list[Written] = []
    for notebook, executed, parameters in tqdm(planned, desc="notebooks", unit="nb", disable=not progress):
        execute(notebook, executed, parameters)
        written.append(Written(executed, "notebook"))
        written.append(Written(offline_html(executed, executed.with_suffix(".html"), no_input=no_input), "html"))
    return written
