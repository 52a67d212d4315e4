"""Tests for perfeval_utils.values.parse_value: real value strings read into exact measures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfeval_utils import values
from perfeval_utils.cells import WIDTH_FOLD
from perfeval_utils.check.rules import units as rule_units
from perfeval_utils.check.rules.units import Quantity
from perfeval_utils.errors import PerfevalError, ValueParseError
from perfeval_utils.unit_words import UNIT_SPELLINGS
from perfeval_utils.values import KNOWN_UNITS, OPS, Measure, parse_value
from tests.conftest import SHARED_REFERENCE

REFERENCE_DIR = SHARED_REFERENCE

Shape = tuple[object, ...]


def m(
    value: str | None,
    unit: str | None = None,
    op: str = "=",
    label: str | None = None,
    tail: str | None = None,
    date: dt.date | None = None,
    qual: str | None = None,
    breakdown: tuple[Shape, ...] = (),
) -> Shape:
    """Expected measure; the value is a Decimal string so printed precision (100.00) is checked."""
    return (value, unit, op, label, tail, date, qual, breakdown)


def mo(month: int, op: str, label: str | None = None, tail: str | None = None) -> Shape:
    """Expected deadline given as a month of an unstated year (9月前): no value, no date."""
    return (None, None, op, label, tail, None, None, (), month)


def q(text: str) -> Shape:
    """Expected qualitative measure."""
    return m(None, qual=text)


def shape(measure: Measure) -> Shape:
    """Every field but ``text``, with the value as its exact string (and ``month`` when it is set)."""
    value = None if measure.value is None else str(measure.value)
    fields = (value, measure.unit, measure.op, measure.label, measure.tail, measure.date,
              measure.qualitative, tuple(shape(b) for b in measure.breakdown))
    return fields if measure.month is None else (*fields, measure.month)


D = dt.date

CASES: list[tuple[str, list[Shape]]] = [
    # --- the seed report's KPI table -------------------------------------------------------------
    ("4 场次（工会干部线上业务培训 3 场，女职工知识讲座 1 场）",
     [m("4", "场次", breakdown=(m("3", "场", label="工会干部线上业务培训"), m("1", "场", label="女职工知识讲座")))]),
    ("预计慰问费用约 232000 元", [m("232000", "元", "~", "预计慰问费用")]),
    ("实际使用慰问费用 230500 元", [m("230500", "元", label="实际使用慰问费用")]),
    ("预计组织约 46 名劳模", [m("46", "名", "~", "预计组织", "劳模")]),
    ("实际组织 37 名劳模外出疗养", [m("37", "名", label="实际组织", tail="劳模外出疗养")]),
    ("2 项", [m("2", "项")]),
    ("40 课时", [m("40", "课时")]),
    ("100%", [m("100", "%")]),
    ("计划新增基层工会 80 家", [m("80", "家", label="计划新增基层工会")]),
    ("实际新增基层工会 245 家", [m("245", "家", label="实际新增基层工会")]),
    ("发布宣传报道 100 篇、阅读量 10000 人次",
     [m("100", "篇", label="发布宣传报道"), m("10000", "人次", label="阅读量")]),
    ("宣传报道 605 篇，阅读总量 430426 人次",
     [m("605", "篇", label="宣传报道"), m("430426", "人次", label="阅读总量")]),
    ("覆盖全区企事业单位 200 家", [m("200", "家", label="覆盖全区企事业单位")]),
    ("200 家", [m("200", "家")]),
    ("90%", [m("90", "%")]),
    ("96%", [m("96", "%")]),
    # --- reference files (target_text / actual_text) --------------------------------------------
    ("≥266米", [m("266", "米", ">=")]),
    ("≥50厘米", [m("50", "厘米", ">=")]),
    ("≥90%", [m("90", "%", ">=")]),
    ("20万元", [m("20", "万元")]),
    ("≥1000人", [m("1000", "人", ">=")]),
    ("显著提升", [q("显著提升")]),
    ("≥95%", [m("95", "%", ">=")]),
    ("168起", [m("168", "起")]),
    ("32座", [m("32", "座")]),
    ("2天以内", [m("2", "天", "<=")]),
    ("有效改善", [q("有效改善")]),
    ("有效提升", [q("有效提升")]),
    ("≧90%", [m("90", "%", ">=")]),
    ("95%", [m("95", "%")]),
    ("20000", [m("20000")]),
    ("23333.56", [m("23333.56")]),
    ("4500", [m("4500")]),
    ("4557.51", [m("4557.51")]),
    ("3", [m("3")]),
    ("获得目的国(地区)受众欢迎", [q("获得目的国(地区)受众欢迎")]),
    ("受目的国受众欢迎显著", [q("受目的国受众欢迎显著")]),
    ("98%以上", [m("98", "%", ">=")]),
    ("企业把握正确政治导向和文化方向情况的评价", [q("企业把握正确政治导向和文化方向情况的评价")]),
    ("企业较好把握正确政治导向和文化方向情况的评价", [q("企业较好把握正确政治导向和文化方向情况的评价")]),
    ("是否利于企业走出去", [q("是否利于企业走出去")]),
    ("有利于推动企业走出去", [q("有利于推动企业走出去")]),
    ("0", [m("0")]),
    ("0起", [m("0", "起")]),
    ("高", [q("高")]),
    ("无", [q("无")]),
    ("≤100%", [m("100", "%", "<=")]),
    ("≤0", [m("0", None, "<=")]),
    ("95.10%", [m("95.10", "%")]),
    ("98.31%", [m("98.31", "%")]),
    ("99.27%", [m("99.27", "%")]),
    ("100.00%", [m("100.00", "%")]),
    ("0 for full marks", [m("0", tail="for full marks")]),
    ("767.86 added to 1922.76 (≈39.9%)",
     [m("767.86"), m("1922.76", label="added to", breakdown=(m("39.9", "%", "~"),))]),
    # --- other qualitative values ---------------------------------------------------------------
    ("是", [q("是")]),
    ("达成", [q("达成")]),
    ("  显著提升 ", [q("显著提升")]),
    # --- operator words before the number -------------------------------------------------------
    ("不低于90%", [m("90", "%", ">=")]),
    ("不少于 3 次", [m("3", "次", ">=")]),
    ("至少5家", [m("5", "家", ">=")]),
    ("大于等于 80 分", [m("80", "分", ">=")]),
    (">=95%", [m("95", "%", ">=")]),
    ("完成率≥ 95%", [m("95", "%", ">=", "完成率")]),
    ("不超过 10 万元", [m("10", "万元", "<=")]),
    ("不高于5%", [m("5", "%", "<=")]),
    ("不多于3 次", [m("3", "次", "<=")]),
    ("小于等于2", [m("2", None, "<=")]),
    ("≦5", [m("5", None, "<=")]),
    ("<=5", [m("5", None, "<=")]),
    ("超过 5 家", [m("5", "家", ">")]),
    ("超 100 人", [m("100", "人", ">")]),
    ("大于 5", [m("5", None, ">")]),
    ("高于90%", [m("90", "%", ">")]),
    ("> 5", [m("5", None, ">")]),
    ("低于 5%", [m("5", "%", "<")]),
    ("小于 3", [m("3", None, "<")]),
    ("投诉少于2起", [m("2", "起", "<", "投诉")]),
    ("< 1", [m("1", None, "<")]),
    ("大约 50 人", [m("50", "人", "~")]),
    ("约为 20 人", [m("20", "人", "~")]),
    ("≈ 5", [m("5", None, "~")]),
    ("近200万人次", [m("200", "万人次", "~")]),
    # --- operator words after the number --------------------------------------------------------
    ("3天以内", [m("3", "天", "<=")]),
    ("98%以下", [m("98", "%", "<=")]),
    ("2 个工作日内", [m("2", "个工作日", "<=")]),
    ("3956.5万元左右", [m("3956.5", "万元", "~")]),
    ("100 人左右", [m("100", "人", "~")]),
    ("30多期", [m("30", "期", "~")]),
    ("20余人", [m("20", "人", "~")]),
    ("2 万多人", [m("2", "万人", "~")]),
    ("20余万元", [m("20", "万元", "~")]),
    ("≥98%以上", [m("98", "%", ">=")]),
    ("5 家内资企业", [m("5", "家", tail="内资企业")]),
    # --- ranges ---------------------------------------------------------------------------------
    ("90%-95%", [m("90", "%", ">="), m("95", "%", "<=")]),
    ("90-95%", [m("90", "%", ">="), m("95", "%", "<=")]),
    ("90%～95%", [m("90", "%", ">="), m("95", "%", "<=")]),
    ("90%至95%", [m("90", "%", ">="), m("95", "%", "<=")]),
    ("3到5天", [m("3", "天", ">="), m("5", "天", "<=")]),
    ("满意度 90 % - 95 %", [m("90", "%", ">=", "满意度"), m("95", "%", "<=", "满意度")]),
    # --- Chinese numerals -----------------------------------------------------------------------
    ("三", [m("3")]),
    ("两", [m("2")]),
    ("十二", [m("12")]),
    ("二十", [m("20")]),
    ("一百", [m("100")]),
    ("一万", [m("10000")]),
    ("一百零五", [m("105")]),
    ("〇", [m("0")]),
    ("三场", [m("3", "场")]),
    ("全年两次", [m("2", "次", label="全年")]),
    ("十二个月", [m("12", "个月")]),
    ("近千名", [m("1000", "名", "~")]),
    ("近千名劳模", [m("1000", "名", "~", tail="劳模")]),
    ("三十余家", [m("30", "家", "~")]),
    ("两万元", [m("2", "万元")]),
    ("不少于三次", [m("3", "次", ">=")]),
    ("一米阳光", [q("一米阳光")]),
    ("第一", [q("第一")]),
    ("一线职工满意", [q("一线职工满意")]),
    ("一次性补助", [q("一次性补助")]),
    ("两学一做", [q("两学一做")]),
    ("十四五规划", [q("十四五规划")]),
    # --- full-width forms and thousands separators ----------------------------------------------
    ("１００％", [m("100", "%")]),
    ("≥９５．５％", [m("95.5", "%", ">=")]),
    ("９０％～９５％", [m("90", "%", ">="), m("95", "%", "<=")]),
    ("1,415.43", [m("1415.43")]),
    ("430,426人次", [m("430426", "人次")]),
    ("1,234,567.80 元", [m("1234567.80", "元")]),
    ("1,2345", [m("1"), m("2345")]),
    # --- dates ----------------------------------------------------------------------------------
    ("2023年12月31日前", [m(None, op="<=", date=D(2023, 12, 31))]),
    ("2023年12月底前", [m(None, op="<=", date=D(2023, 12, 31))]),
    ("2023年6月底前", [m(None, op="<=", date=D(2023, 6, 30))]),
    ("2024年2月底前", [m(None, op="<=", date=D(2024, 2, 29))]),
    ("2023-06-30", [m(None, date=D(2023, 6, 30))]),
    ("２０２３年１２月３１日之前", [m(None, op="<=", date=D(2023, 12, 31))]),
    ("于2023年12月31日前完成", [m(None, op="<=", label="于", tail="完成", date=D(2023, 12, 31))]),
    ("2023年底", [m(None, date=D(2023, 12, 31))]),
    ("2023年1月1日起", [m(None, op=">=", date=D(2023, 1, 1))]),
    ("2023年2月30日前", [q("2023年2月30日前")]),
    ("12月31日前", [q("12月31日前")]),
    # --- brackets and words after the unit ------------------------------------------------------
    ("4 场次(线上 3 场, 线下 1 场)",
     [m("4", "场次", breakdown=(m("3", "场", label="线上"), m("1", "场", label="线下")))]),
    ("实际组织 37 名劳模外出疗养（其中女性 10 名）",
     [m("37", "名", label="实际组织", tail="劳模外出疗养", breakdown=(m("10", "名", label="其中女性"),))]),
    ("100%（达标）", [m("100", "%", tail="(达标)")]),
    ("3 场，圆满完成，共 5 场", [m("3", "场", tail="圆满完成"), m("5", "场", label="共")]),
    ("300 元/人", [m("300", "元/人")]),
    ("（3 场）", [m("3", "场")]),
    ("—", [q("—")]),
    # --- deadlines as a month or a period (#13.8): a month without a year is Measure.month --------
    ("9月前", [mo(9, "<=")]),
    ("12月底前", [mo(12, "<=")]),
    ("11月底完成", [mo(11, "=", tail="完成")]),
    ("于6月底之前完成", [mo(6, "<=", label="于", tail="完成")]),
    ("2022年度内", [m(None, op="<=", date=D(2022, 12, 31))]),
    ("2023年内", [m(None, op="<=", date=D(2023, 12, 31))]),
    ("2020年全年", [m(None, op="<=", date=D(2020, 12, 31))]),
    ("2023年度", [q("2023年度")]),
    ("9月份", [q("9月份")]),
    ("13月底前", [q("13月底前")]),
    ("3月内", [m("3", "月", "<=")]),
    # --- full-width Latin letters and symbol units ----------------------------------------------
    ("８ｋｍ", [m("8", "km")]),
    ("≥１２ｋｍ", [m("12", "km", ">=")]),
    ("10kWh", [m("10", "kWh")]),
    ("5G基站", [q("5G基站")]),
    ("A3", [q("A3")]),
    ("8 km", [m("8", tail="km")]),
    ("1200㎡", [m("1200", "㎡")]),
    ("≥3.5㎞", [m("3.5", "㎞", ">=")]),
    ("≤3‰", [m("3", "‰", "<=")]),
    # --- percentages in words -------------------------------------------------------------------
    ("百分之九十五", [m("95", "%")]),
    # a real 安徽 form prints the percent sign as a word after the number
    ("≥100百分比", [m("100", "%", ">=")]),
    ("达到95百分比", [m("95", "%", ">=")]),
    ("百分之九十五点五以上", [m("95.5", "%", ">=")]),
    ("不低于百分之九十", [m("90", "%", ">=")]),
    ("百分之百", [m("100", "%")]),
    ("百分之95", [m("95", "%")]),
    # --- 达到 / 达 before a number is a threshold -------------------------------------------------
    ("达到95%", [m("95", "%", ">=")]),
    ("满意度达90%以上", [m("90", "%", ">=", "满意度")]),
    ("未达到95%", [m("95", "%", label="未达到")]),
    ("下达5项", [m("5", "项", label="下达")]),
    ("高达300人", [m("300", "人", label="高达")]),
    # --- a measure word after 万 stays the unit -------------------------------------------------
    ("550万粒", [m("550", "万粒")]),
    ("两万粒", [m("2", "万粒")]),
    ("3万羽", [m("3", "万羽")]),
    ("12万株", [m("12", "万株")]),
    ("20万元（专项）", [m("20", "万元", tail="(专项)")]),
    ("5万鸭苗", [m("5", "万", tail="鸭苗")]),
    ("100万以上", [m("100", "万", ">=")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_value(text: str, expected: list[Shape]) -> None:
    assert [shape(x) for x in parse_value(text)] == expected


def test_case_count() -> None:
    assert len(CASES) >= 90
    assert len({c[0] for c in CASES}) == len(CASES), "duplicate case strings"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("发布宣传报道 100 篇、阅读量 10000 人次", ["发布宣传报道 100 篇", "阅读量 10000 人次"]),
        ("１００％", ["１００％"]),
        ("  95% ", ["95%"]),
        ("显著提升", ["显著提升"]),
        ("90%～95%", ["90%～95%", "90%～95%"]),
    ],
)
def test_text_is_the_input_fragment(text: str, fragments: list[str]) -> None:
    assert [x.text for x in parse_value(text)] == fragments


def test_breakdown_fragments() -> None:
    (outer,) = parse_value("4 场次（工会干部线上业务培训 3 场，女职工知识讲座 1 场）")
    assert outer.text == "4 场次（工会干部线上业务培训 3 场，女职工知识讲座 1 场）"
    assert [b.text for b in outer.breakdown] == ["工会干部线上业务培训 3 场", "女职工知识讲座 1 场"]


def test_value_keeps_printed_precision() -> None:
    (x,) = parse_value("100.00%")
    assert isinstance(x.value, Decimal)
    assert x.value.as_tuple().exponent == -2


def test_measure_is_frozen_and_result_is_a_fresh_list() -> None:
    first = parse_value("100%")
    first.append(Measure(qualitative="x"))
    assert len(parse_value("100%")) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        first[0].value = Decimal(1)  # type: ignore[misc]


def test_every_op_is_known() -> None:
    for text, _ in CASES:
        assert all(x.op in OPS for x in parse_value(text))


@pytest.mark.parametrize("bad", ["", "   ", "\u3000\t\n", None, 123, 1.5, b"100%"])
def test_bad_input_raises_value_parse_error(bad: object) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_value(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, PerfevalError)
    assert info.value.text == bad


@pytest.mark.parametrize(
    "text",
    ["((((((((((((1))))))))))))", "(((", ")))1", "，", "-", "9" * 5000, "万一", "1.2.3.4", "--5", "≥≥",
     "2023-13-45", "0000年00月00日", "一" * 300, "(" * 2000 + "1" + ")" * 2000, "3 多功能", "%%%"],
)
def test_odd_text_never_crashes(text: str) -> None:
    result = parse_value(text)
    assert result and all(isinstance(x, Measure) for x in result)


def test_reference_values_all_parse() -> None:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference folder {REFERENCE_DIR} is absent (the repository sits beside shared/)")
    seen = 0
    for path in sorted(REFERENCE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for kpi in data.get("kpis") or []:
            for key in ("target_text", "actual_text"):
                text = kpi.get(key)
                if text is None or not str(text).strip():
                    continue
                result = parse_value(text)
                assert result, f"{path.name}: {text!r}"
                assert all(isinstance(x, Measure) for x in result)
                seen += 1
    assert seen > 0, f"no target_text / actual_text found under {REFERENCE_DIR}"


# ---- property tests: any text gives Measures or a ValueParseError, nothing else ----

if True:  # property tests: any text gives Measures or a ValueParseError, nothing else
    _ALPHABET = list("0123456789０１,.，、；;()（）%％-~～至≥≤<>≈约近余多以上内左右元万千十一两〇年月日底前场人 ab")

    @settings(deadline=None)  # examples: the profile's (make test: 100, make test-long: 5000)
    @given(st.one_of(st.text(alphabet=_ALPHABET, max_size=30), st.text(max_size=20)))
    def test_property_never_raises_other_errors(text: str) -> None:
        try:
            result = parse_value(text)
        except ValueParseError:
            assert not text.strip() or not text.translate(dict.fromkeys((0x200B, 0x200C, 0x200D, 0xFEFF))).strip()
            return
        assert result
        for x in result:
            assert x.op in OPS
            assert x.qualitative is None or x.value is None


# ---- one unit vocabulary and one width folding, shared with the 核对 language ----


@pytest.mark.parametrize("unit", [*KNOWN_UNITS, "km", "KM", "kWh", "m²", "km²", "m"])
def test_every_unit_parse_value_reads_the_rule_language_reads_as_that_unit(unit: str) -> None:
    """``5<unit>`` is 5 in ``unit`` for parse_value and for a 核对 expression alike (one vocabulary);
    a unit spelled as a word (百分比) is reported by parse_value as its symbol (%)."""
    (measure,) = parse_value(f"5{unit}")
    assert (measure.value, measure.unit) == (Decimal(5), UNIT_SPELLINGS.get(unit, unit))
    quantity = Quantity.parse(f"5{unit}")
    assert quantity.value == 5 and quantity.unit.text == unit


@pytest.mark.parametrize(
    ("symbol", "word"),
    [("㎡", "平方米"), ("m²", "平方米"), ("㎞", "千米"), ("km", "千米"), ("公里", "千米"), ("公斤", "千克"),
     ("个月", "月")],
)
def test_symbol_and_word_spellings_of_one_unit_are_equal_in_rules(symbol: str, word: str) -> None:
    """3 ㎞ is 3 千米 is 3000 米: the aliases of unit_words hold in the 核对 language."""
    assert Quantity.of("3", symbol) == Quantity.of("3", word)
    assert Quantity.of("3", "㎞") == Quantity.of("3000", "米")


def test_one_width_folding_table_serves_values_and_rules() -> None:
    """Full-width digits, the ideographic space and dashes fold the same in both readers."""
    assert values._FOLD is WIDTH_FOLD
    assert all(rule_units._FOLD[k] == v for k, v in WIDTH_FOLD.items())
    assert "１２３\u3000－４".translate(WIDTH_FOLD) == "123 -4"
    assert Quantity.parse("１２ｋｍ") == Quantity.of("12", "km")


# ---- the one-match path for common values reads exactly as the scanner ----

_SIMPLE_PARTS = (
    st.sampled_from(["", " ", "\u3000", "≥", "≤", ">", "<", "=", "≈", "~", ">=", "<=", "=>", "≧", "-", "约"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["0", "5", "12", "95.5", "100.00", "2023", "1999", "1,000", "007"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["", "%", "万元", "元", "年", "年度", "个月", "分", "分钟", "千米", "千瓦时", "万", "人次", "项",
                     "天内", "㎡", "km", "多人", "亿元", "以上"]),
)


@settings(deadline=None)  # examples: the profile's (make test: 100, make test-long: 5000)
@given(*_SIMPLE_PARTS)
def test_common_values_read_by_one_match_equal_the_scanner(op: str, gap: str, number: str, gap2: str,
                                                           unit: str) -> None:
    """``≥ 95.5%``, ``2023年`` (a year: left to the scanner), ``20万元``: the shortcut never differs."""
    text = f"{op}{gap}{number}{gap2}{unit}"
    s = text.translate(WIDTH_FOLD)
    lo, hi = values._trim(s, 0, len(s))
    fast = values._simple(s, text, lo, hi)
    if fast is not None:
        assert fast == values._parse_span(s, text, lo, hi, 0)
    else:
        assert not values._SIMPLE_RE.fullmatch(s, lo, hi) or number in ("2023", "1999")


def test_simple_values_take_the_one_match_path() -> None:
    """The shortcut is really taken for the commonest forms (else the speed goal measures nothing)."""
    for text in ("100%", "≥90%", "2 项", "20万元", "4500", "≤ 0"):
        assert values._simple(text, text, 0, len(text)) is not None, text
    assert values._simple("2023年", "2023年", 0, 5) is None
