"""Tests for perfeval_utils.values.parse_value: real value strings read into exact measures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfeval_utils.errors import PerfevalError, ValueParseError
from perfeval_utils.values import OPS, Measure, parse_value
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


def q(text: str) -> Shape:
    """Expected qualitative measure."""
    return m(None, qual=text)


def shape(measure: Measure) -> Shape:
    """Every field but ``text``, with the value as its exact string."""
    value = None if measure.value is None else str(measure.value)
    return (value, measure.unit, measure.op, measure.label, measure.tail, measure.date,
            measure.qualitative, tuple(shape(b) for b in measure.breakdown))


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

    @settings(max_examples=300, deadline=None)
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
