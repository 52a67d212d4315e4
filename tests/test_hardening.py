"""Issue #14: one number rule, the Unicode format characters, formats that change what is seen, rule
literals, the command line in any console encoding, and mutated package XML of the seed workbook
(a correct load or a PerfevalError, never anything else, within 1 GiB and 5 s)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfeval_utils import PerfevalError, load_report
from perfeval_utils.cells import FORMAT, MAX_COUNT, NumberProblem, excel_number, float_to_decimal, strip_format
from perfeval_utils.check.rules import RuleSyntaxError, parse_expression
from perfeval_utils.cli import main
from perfeval_utils.read.package import check_package
from perfeval_utils.read.sheetxml import classify_format, sheet_extent

from .builders import valid_sheets, write_workbook
from .isolation import isolated

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "huangpu-zonggonghui-2022.xlsx"

# ---- one number rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity")])
def test_nan_and_infinity_are_no_number(value: float | Decimal) -> None:
    with pytest.raises(NumberProblem, match="no number"):
        excel_number(value)


def test_integer_valued_floats_keep_the_15_digits_excel_shows() -> None:
    """12345678901234567890.0 is shown by Excel as 12345678901234500000 (15 significant digits): that,
    flagged as noise; 1415.0 stays 1415, unflagged."""
    assert float_to_decimal(12345678901234567890.0) == (Decimal("12345678901234600000"), True)
    assert float_to_decimal(1415.0) == (Decimal(1415), False)
    assert float_to_decimal(999999999999999.0) == (Decimal(999999999999999), False)


def test_figures_of_a_quadrillion_or_more_are_out_of_range() -> None:
    """10¹⁵ 元 is more than any budget; 999,999,999,999,999.99 would already need 17 digits."""
    assert excel_number(999999999999.99) == (Decimal("999999999999.99"), False)
    with pytest.raises(NumberProblem, match="beyond any figure"):
        excel_number(1e15)
    with pytest.raises(NumberProblem, match="beyond any figure"):
        excel_number(-1e20)


def test_counts_are_whole_and_at_most_a_billion() -> None:
    assert excel_number(8.0, count=True) == (Decimal(8), False)
    for bad in (8.5, MAX_COUNT + 1, 12345678901234567890):
        with pytest.raises(NumberProblem, match="whole count"):
            excel_number(bad, count=True)


# ---- format characters --------------------------------------------------------------------------


def test_the_format_character_set_is_every_cf_character() -> None:
    """The written-out set (fast to import) covers every category Cf character this Python knows, and
    nothing that is assigned to another category."""
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            assert FORMAT.match(char), f"U+{code:04X} is Cf but not in FORMAT_CHARS"
        elif FORMAT.match(char):
            assert category == "Cn", f"U+{code:04X} ({category}) is in FORMAT_CHARS"


def test_format_characters_are_named_when_stripped() -> None:
    assert strip_format("\u202e1\u200b") == ("1", "U+200B U+202E")
    assert strip_format("合计") == ("合计", "")


# ---- number formats -----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "kind"), [
    ("0.00%", "percent"), ("0%", "percent"), ('0.00"%"', None), ("0.00\\%", None),
    ("#,##0,", "scaled"), ("0.0,,", "scaled"), ('#,##0,"万"', "scaled"), ('0!.0000"万元"', "scaled"),
    ('0"."0000', "scaled"), ("#,##0.00", None), ("¥#,##0.00;[Red]-¥#,##0.00", None),
    (";;;", "hidden"), (";;", "hidden"), (";", None), ("General", None), ("yyyy-mm-dd", None), ("[$-804]0.00", None),
])
def test_formats_are_classified_by_what_a_person_sees(code: str, kind: str | None) -> None:
    assert classify_format(code) == kind


def test_a_sheet_extent_counts_cells_merges_and_dimension() -> None:
    xml = (b'<worksheet><dimension ref="A1:B2"/><sheetData><row r="2"><c r="b2"><v>1</v></c></row></sheetData>'
           b'<mergeCells><mergeCell ref=\'C1:D7\'/></mergeCells></worksheet>')
    extent = sheet_extent(xml)
    assert (extent.rows, extent.columns, extent.row_at, extent.column_at) == (7, 4, "C1:D7", "C1:D7")


# ---- rule literals -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1" * 5000 + "元 - 1元", "0." + "1" * 5000 + "元", "预算[合计].执行数#" + "1" * 5000])
def test_a_rule_with_a_5000_digit_number_is_a_syntax_error(text: str) -> None:
    """Fraction("1" * 5000) is a ValueError (Python's int conversion limit); the parser refuses first."""
    with pytest.raises(RuleSyntaxError):
        parse_expression(text)


# ---- the command line ----------------------------------------------------------------------------


def _perfeval(*args: str, encoding: str = "gbk", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "perfeval_utils", *args], capture_output=True, env=env,
                          timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def awkward_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a workbook whose department has U+2212 and U+20000 (not in GBK), a file name that is
    not valid UTF-8, and a folder named like a workbook."""
    folder = tmp_path_factory.mktemp("awkward")
    sheets = valid_sheets()
    sheets["基本信息"][1][1] = "测试区总工会−\U00020000"
    write_workbook(folder / "good.xlsx", sheets)
    (Path(os.fsdecode(bytes(folder) + b"/bad\xff\xfe.xlsx"))).write_bytes(b"PK not a zip")
    (folder / "folder.xlsx").mkdir()
    return folder


def test_table_output_survives_a_gbk_console(awkward_folder: Path) -> None:
    result = _perfeval("check", str(awkward_folder))
    assert result.returncode == 1, result.stderr.decode("gbk", "replace")
    out = result.stdout.decode("gbk")
    assert "测试区总工会??" in out and "bad??.xlsx" in out and "folder.xlsx" in out and "a folder named" in out
    assert b"Traceback" not in result.stderr


def test_json_output_is_ascii_and_parses_in_any_console(awkward_folder: Path) -> None:
    result = _perfeval("check", "--format", "json", str(awkward_folder), encoding="ascii")
    assert result.returncode == 1 and result.stdout.isascii() and b"Traceback" not in result.stderr
    rows = json.loads(result.stdout)
    assert {row["department"] for row in rows} >= {"测试区总工会−\U00020000"}


def test_a_file_name_that_is_not_utf8_does_not_crash_a_utf8_console(awkward_folder: Path) -> None:
    result = _perfeval("check", str(awkward_folder), encoding="utf-8")
    assert result.returncode == 1 and "bad??.xlsx" in result.stdout.decode("utf-8") and not result.stderr


@pytest.mark.parametrize("command", ["check", "deck"])
@pytest.mark.parametrize("make", ["loop", "folder", "too-long"])
def test_bad_paths_are_one_line_and_exit_2(make: str, command: str, tmp_path: Path) -> None:
    if make == "loop":
        target = tmp_path / "loop.xlsx"
        target.symlink_to(target)
    elif make == "folder":
        target = tmp_path / "x.xlsx"
        target.mkdir()
    else:
        target = tmp_path / ("长" * 200 + ".xlsx")
    result = _perfeval(command, str(target))
    err = result.stderr.decode("gbk")
    assert result.returncode == 2 and err.count("\n") == 1 and err.startswith("perfeval: "), err
    assert "Usage" not in err and "Traceback" not in err


def test_a_locked_file_is_a_located_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel and WPS lock an open workbook on Windows: reading it raises PermissionError."""
    path = tmp_path / "open-in-excel.xlsx"
    path.write_bytes(SEED.read_bytes())

    def locked(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", locked)
    result = CliRunner().invoke(main, ["deck", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "cannot be opened" in result.stderr and "close it in Excel or WPS" in result.stderr


# ---- mutated package XML -------------------------------------------------------------------------

settings.register_profile("mutations", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("mutations-long", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MUTATIONS = settings.get_profile("mutations-long" if os.environ.get("PERFEVAL_LONG") else "mutations")

with zipfile.ZipFile(SEED) as _archive:
    SEED_PARTS = {name: _archive.read(name) for name in _archive.namelist()}
XML_PARTS = sorted(name for name in SEED_PARTS if name.endswith((".xml", ".rels")))
SHEETS = sorted(name for name in XML_PARTS if name.startswith("xl/worksheets/"))

numbers = st.one_of(
    st.floats().map(repr), st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["NaN", "inf", "-Infinity", "1e400", "1415,43", " 1 ", "0x10", "", "1e-400", "1_000", "٣"]),
    st.text(alphabet="0123456789.,eE+-naifNIF #!/x", max_size=12),
)
attribute_values = st.one_of(
    st.sampled_from(["0", "1", "-1", "true", "e", "s", "str", "inlineStr", "b", "d", "n", "hidden", "veryHidden",
                     "A1", "A0", "XFD1048576", "xfd1048576", "$C$2", "C2:C3", "A1:XFD1048576", "Z99999", "99999999999",
                     "", "/xl/worksheets/sheet1.xml", "worksheets/SHEET2.XML", "../../x.xml", "http://x/y",
                     "External", "rId1", "rId99", "0.00%", ";;;", "#,##0,", "9", "10"]),
    st.integers(min_value=-5, max_value=10**12).map(str),
    st.text(alphabet="ABCXYZ0123456789:$.-", min_size=0, max_size=10),
)
ATTRIBUTE = rb'(\s[\w:]+\s*=\s*")([^"]*)(")'
VALUE = rb"(<(?:\w+:)?v>)([^<]*)(</(?:\w+:)?v>)"


def _mutate(parts: dict[str, bytes], draw: st.DrawFn) -> None:
    """One change: a stored number, an attribute value (any part), or a relationship target."""
    import re

    kind = draw(st.sampled_from(["number", "attribute", "attribute", "relationship"]))
    if kind == "relationship":
        name = "xl/_rels/workbook.xml.rels"
        pattern, value = rb'(\sTarget\s*=\s*")([^"]*)(")', draw(attribute_values)
    elif kind == "number":
        name = draw(st.sampled_from(SHEETS))
        pattern, value = VALUE, draw(numbers)
    else:
        name = draw(st.sampled_from(XML_PARTS))
        pattern, value = ATTRIBUTE, draw(attribute_values)
    matches = list(re.finditer(pattern, parts[name]))
    if not matches:
        return
    match = matches[draw(st.integers(0, len(matches) - 1))]
    xml = parts[name]
    parts[name] = xml[:match.start(2)] + value.encode("utf-8").replace(b"<", b"&lt;").replace(b'"', b"&quot;") \
        + xml[match.end(2):]


@st.composite
def mutated_seed(draw: st.DrawFn) -> bytes:
    parts = dict(SEED_PARTS)
    for _ in range(draw(st.integers(1, 3))):
        _mutate(parts, draw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _load_outcome(path: Path) -> dict[str, str]:
    try:
        load_report(path)
        return {"outcome": "loaded"}
    except PerfevalError as exc:
        return {"outcome": type(exc).__name__}


@MUTATIONS
@given(mutated_seed())
def test_mutated_package_xml_loads_or_raises_a_perfeval_error_within_limits(tmp_path: Path, data: bytes) -> None:
    """Numbers, attributes and relationships of the seed's XML changed at random: in a capped child,
    load_report loads or raises a PerfevalError; never another exception, an abort, 5 s or 500 MB."""
    path = tmp_path / "mutated.xlsx"
    path.write_bytes(data)
    result = isolated(lambda: _load_outcome(path))
    assert result["exit"] == "ok", result.get("traceback", result["exit"])[-1500:]
    assert result["seconds"] < 5.0 and result["grew_mb"] < 500, result


def test_check_package_keeps_its_signature_for_load_form() -> None:
    """load_form calls check_package(path): every sheet is scanned and vouched for."""
    info = check_package(SEED)
    assert set(info.scans) == set(info.sheet_states) and info.data == SEED.read_bytes()
