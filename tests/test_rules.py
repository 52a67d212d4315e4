"""Tests for perfeval_utils.check.rules: the auditor's check language (numbers with units, references, + - * /)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from perfeval_utils import load_report
from perfeval_utils.check.rules import (
    AmbiguousNameError,
    BinaryOp,
    Negate,
    Number,
    Quantity,
    Reference,
    RuleError,
    RuleOutcome,
    RuleSyntaxError,
    UnitMismatchError,
    UnknownNameError,
    check_rule,
    check_rules,
    evaluate,
    parse_expression,
    parse_unit,
    references_in,
    report_resolver,
    sources_of,
)
from perfeval_utils.errors import PerfevalError
from perfeval_utils.report import Report
from tests.builders import valid_sheets, write_workbook
from tests.conftest import ROOT, SEED, load_seed

RULE_HEADERS = ["编号", "说明", "左式", "右式", "容差", "出处"]


def calc(text: str, report: Report | None = None) -> Quantity:
    return evaluate(parse_expression(text), report_resolver(report) if report is not None else None)


def q(text: str) -> Quantity:
    return Quantity.parse(text)


def rule(left: str, right: str, tolerance: str | None = None, rule_id: str = "R01") -> dict[str, object]:
    return {"rule_id": rule_id, "description": "test", "left": left, "right": right, "tolerance": tolerance}


# ---- precedence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1+2*3", 7),
        ("(1+2)*3", 9),
        ("2*3/4", Fraction(3, 2)),
        ("10-4-3", 3),
        ("2/4/5", Fraction(1, 10)),
        ("-2*3", -6),
        ("2*-3", -6),
        ("--4", 4),
        ("-(1+2)*3", -9),
        ("1 - -1", 2),
        ("2×3÷4", Fraction(3, 2)),
        ("（1＋2）＊3", 9),
        ("10－4－3", 3),
        ("8／2／2", 2),
        ("1,415.43 - 1415", Fraction("0.43")),
        ("0.1 + 0.2", Fraction(3, 10)),
    ],
)
def test_precedence_and_associativity(text: str, expected: Fraction | int) -> None:
    result = calc(text)
    assert result.value == expected
    assert result.unit.dimensionless


def test_chinese_operators_build_the_same_tree() -> None:
    assert parse_expression("2×3÷4") == parse_expression("2*3/4")
    assert parse_expression("1＋2－3") == parse_expression("1+2-3")
    assert parse_expression("1+2*3") == BinaryOp("+", Number(Fraction(1)), BinaryOp("*", Number(Fraction(2)),
                                                                                     Number(Fraction(3))))
    assert parse_expression("-1") == Negate(Number(Fraction(1)))


def test_no_eval_anywhere_in_the_rules_package() -> None:
    files = sorted((ROOT / "perfeval_utils" / "check" / "rules").glob("*.py"))
    assert len(files) >= 5
    code = "\n".join(f.read_text(encoding="utf-8") for f in files)
    assert not re.search(r"(?<![\w.])(eval|exec|compile)\s*\(", code)
    for banned in ("literal_eval", "numexpr", ".eval(", "__import__"):
        assert banned not in code


# ---- units --------------------------------------------------------------------------------


def test_rate_times_head_count_gives_yuan() -> None:
    result = calc("500元/人 * 6000人")
    assert result == q("3000000元")
    assert result == q("300万元")
    assert str(result) == "3000000 元"
    assert result.in_unit("万元") == Decimal("300")


def test_wan_yuan_plus_yuan_converts_exactly() -> None:
    result = calc("1万元 + 1元")
    assert result.in_unit("元") == Decimal("10001")
    assert result == q("10001元")
    assert calc("1元 + 1万元") == q("10001元")
    assert str(calc("1元 + 1万元")) == "10001 元"  # the left side's unit


def test_adding_different_dimensions_is_refused() -> None:
    with pytest.raises(UnitMismatchError) as info:
        calc("1万元 + 1人")
    assert "万元" in str(info.value) and "人" in str(info.value)
    assert (info.value.left_unit, info.value.right_unit) == ("万元", "人")
    with pytest.raises(UnitMismatchError):
        calc("1名 - 1人")  # 名 and 人 are different units
    with pytest.raises(UnitMismatchError):
        calc("1人次 + 1人")
    with pytest.raises(UnitMismatchError):
        calc("1万美元 + 1元")  # another currency, not silently 元
    with pytest.raises(UnitMismatchError):
        calc("1宗 + 1")  # an unknown word is a unit of its own, never a plain number


def test_percent_is_a_plain_number() -> None:
    assert calc("98.25% * 100") == Quantity(Fraction("98.25"))
    assert calc("98.25% * 100").value == Fraction("98.25")
    assert calc("50% + 0.5") == Quantity(Fraction(1))
    assert calc("475万元 * 50%") == q("237.5万元")
    assert str(calc("475万元 * 50%")) == "237.5 万元"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("1万人次", "10000人次"),
        ("1亿元", "10000万元"),
        ("1千元", "1000元"),
        ("2万人", "20000人"),
        ("1人/名 * 37名", "37人"),
        ("6000人 * 500元/人", "3000000元"),
        ("475万元 / 6000人 * 6000人", "4750000元"),
        ("3万元 / 2万元", "1.5"),
        ("100km + 1km", "101km"),
    ],
)
def test_unit_arithmetic(left: str, right: str) -> None:
    assert calc(left) == calc(right)


def test_division_keeps_exact_fractions() -> None:
    per_head = calc("475万元 / 6000人")
    assert per_head.to("元/人").value == Fraction(4_750_000, 6000)
    assert per_head.in_unit("元/人", places=2) == Decimal("791.67")
    assert str(per_head) == "≈0.079167 万元/人"


def test_parse_unit() -> None:
    assert parse_unit("万元").scale == 10_000 and parse_unit("万元").dims == (("元", 1),)
    assert dict(parse_unit("元/人").dims) == {"元": 1, "人": -1}
    assert dict(parse_unit("元/人·天").dims) == {"元": 1, "人": -1, "天": -1}
    assert parse_unit("%").dimensionless and parse_unit("%").scale == Fraction(1, 100)
    assert parse_unit("％") == parse_unit("%")
    assert parse_unit("").dimensionless and parse_unit(None).scale == 1
    assert parse_unit("万美元").dims == (("美元", 1),)
    assert parse_unit("万").dimensionless and parse_unit("万").scale == 10_000
    assert parse_unit("个月") == parse_unit("月")
    assert parse_unit("名") != parse_unit("人")


def test_quantity_display_and_rounding() -> None:
    third = calc("1/3")
    assert third.value == Fraction(1, 3)
    assert str(third) == "≈0.333333"
    assert third.in_unit("", places=2) == Decimal("0.33")
    assert Quantity.of("0.125").in_unit("", places=2) == Decimal("0.13")  # half up
    assert Quantity.of("-0.125").in_unit("", places=2) == Decimal("-0.13")
    assert Quantity.of("23.05", "万元").in_unit("元") == Decimal("230500")
    assert str(Quantity.of("-175", "万元")) == "-175 万元"
    assert calc("文中数据[C67] / 文中数据[C66]", load_seed()).unit_text == "万元/人"
    with pytest.raises(UnitMismatchError):
        Quantity.of(1, "万元").in_unit("人")


# ---- references against the seed workbook -------------------------------------------------


def test_claims_multiply_with_units() -> None:
    report = load_seed()
    assert calc("文中数据[C65]", report) == q("500元/人")
    assert calc("文中数据[C65] * 文中数据[C66]", report) == q("3000000元")
    assert calc("文中数据[C14] * 1人/名 + 1人", report) == q("38人")


def test_hospital_care_rule_fails_by_175_wan() -> None:
    outcome = check_rule(load_seed(), rule("文中数据[C65] * 文中数据[C66]", "文中数据[C67]"))
    assert outcome.ok is False
    assert outcome.error is None
    assert outcome.left == q("3000000元") and outcome.right == q("4750000元")
    assert outcome.difference == q("-1750000元")
    assert outcome.difference == q("-175万元")
    assert str(outcome.difference) == "-1750000 元"  # in the left side's unit
    assert outcome.references == ("文中数据[C65]", "文中数据[C66]", "文中数据[C67]")
    assert outcome.tolerance is None


def test_claim_equals_indicator_value_in_another_unit() -> None:
    assert calc("指标[2].实现值", load_seed()) == q("230500元")
    outcome = check_rule(load_seed(), rule("文中数据[C15]", "指标[2].实现值"))
    assert outcome.ok is True
    assert outcome.left == q("23.05万元") and outcome.right == q("230500元")
    assert outcome.difference == Quantity(Fraction(0), parse_unit("万元"))
    assert outcome.difference.unit_text == "万元"


def test_budget_lines_add_up_to_the_budget_not_to_execution() -> None:
    both = "预算[支出性质/基本支出].执行数 + 预算[支出性质/项目支出].执行数"
    assert calc(both, load_seed()).in_unit("万元") == Decimal("1415.43")
    against_budget = check_rule(load_seed(), rule(both, "预算[合计].预算数"))
    assert against_budget.ok is True and against_budget.difference.value == 0
    against_execution = check_rule(load_seed(), rule(both, "预算[合计].执行数"))
    assert against_execution.ok is False
    assert against_execution.difference == q("24.74万元")
    assert str(against_execution.difference) == "24.74 万元"


def test_other_references() -> None:
    report = load_seed()
    assert calc("指标[8].实现值#2", report) == q("430426人次")
    assert calc("指标[8].实现值#1", report) == q("605篇")
    assert calc("指标[8].预期值#2", report) == q("10000人次")
    assert calc("预算[基本支出].执行数", report) == q("1319.92万元")
    assert calc("预算[合计].报告执行率", report) == q("98.25%")
    assert calc("预算[部门整体支出].预算数", report) == q("1415.43万元")
    assert calc("任务[任务1].资金", report) == q("46.72万元")
    assert calc("任务[任务1].报告指标数", report) == q("8个")
    assert calc("任务[任务1].报告达标数", report) == q("6个")
    assert calc("基本信息[自评得分]", report) == q("98.39分")
    assert calc("基本信息[年末结转结余]", report) == q("3.23万元")
    assert calc("预算【合计】。执行数", report) == q("1390.69万元")  # typed on a Chinese keyboard
    assert calc("文中数据[C37]", report) == Quantity(Fraction(300_000))  # “近30万”: 万 alone is a number


def test_rate_check_with_a_tolerance() -> None:
    row = rule("预算[合计].报告执行率", "预算[合计].执行数 / 预算[合计].预算数", "0.005%")
    outcome = check_rule(load_seed(), row)
    assert outcome.ok is True
    assert outcome.difference.unit_text == "%"
    assert check_rule(load_seed(), {**row, "tolerance": "0.001%"}).ok is False


def test_scores_of_indicators(tmp_path: Path) -> None:
    report = load_report(write_workbook(tmp_path / "s.xlsx", valid_sheets()))
    assert calc("指标[3].分值", report) == q("10分")
    assert calc("指标[3].得分 + 基本信息[自评得分]", report) == q("108.39分")
    with pytest.raises(UnknownNameError, match="blank"):
        calc("指标[1].分值", report)


# ---- unknown and ambiguous names ----------------------------------------------------------


def test_unknown_claim_lists_what_exists() -> None:
    with pytest.raises(UnknownNameError) as info:
        calc("文中数据[C99]", load_seed())
    message = str(info.value)
    assert "文中数据[C99]" in message and "C01" in message and "C67" in message
    assert info.value.available[0] == "C01" and info.value.available[-1] == "C67"
    assert len(info.value.available) == 67


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("预算[不存在].执行数", "支出性质/基本支出"),
        ("指标[2].完成率", "实现值"),
        ("指标[99].实现值", "10"),
        ("任务[任务9].资金", "任务1"),
        ("基本信息[部门].执行数", "takes no field"),
        ("基本信息[单位名称]", "年末结转结余"),
        ("预算[合计]", "执行数"),
        ("预算[合计].上年执行数", "blank"),
        ("指标[8].实现值#3", "#2 = 430426"),
        ("文中数据[C65]#2", "#2"),
    ],
)
def test_unknown_names(text: str, shown: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        calc(text, load_seed())
    assert shown in str(info.value)


def test_two_part_value_without_a_part_number_is_ambiguous() -> None:
    with pytest.raises(AmbiguousNameError, match="#1 = 605 篇"):
        calc("指标[8].实现值", load_seed())


def test_ambiguous_budget_item_lists_the_candidates() -> None:
    report = load_seed()
    extra = pd.DataFrame([{**report.budget.iloc[-1].to_dict(), "dimension": "三公经费", "item": "基本支出",
                           "executed": Decimal("12.5"), "excel_row": 99}])
    twice = dataclasses.replace(report, budget=pd.concat([report.budget, extra], ignore_index=True))
    with pytest.raises(AmbiguousNameError) as info:
        calc("预算[基本支出].执行数", twice)
    assert info.value.available == ("支出性质/基本支出", "三公经费/基本支出")
    assert "预算[支出性质/基本支出]" in str(info.value) and "预算[三公经费/基本支出]" in str(info.value)
    assert isinstance(info.value, UnknownNameError)
    assert calc("预算[三公经费/基本支出].执行数", twice) == q("12.5万元")


def test_references_need_a_workbook() -> None:
    with pytest.raises(UnknownNameError):
        calc("文中数据[C65]")


# ---- refusal of anything that is not arithmetic -------------------------------------------


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("__import__('os')", 0),
        ("open('x')", 0),
        ("1**2", 2),
        ("a.b", 0),
        ('"text"', 0),
        ("1 < 2", 2),
        ("1;2", 1),
        ("lambda", 0),
        ("lambda: 1", 0),
        ("[1]", 0),
        ("", 0),
        ("   ", 3),
        ("1 +", 3),
        ("(1+2", 4),
        ("1+2)", 3),
        ("2 3", 2),
        ("1,4150", 0),
        ("1.2.3", 0),
        ("文中数据", 4),
        ("文中数据[C65", 4),
        ("文中数据[]", 4),
        ("数据[C65]", 0),
        ("预算[合计].", 7),
        ("预算[合计].执行数.x", 10),
        ("指标[8].实现值#0", 10),
        ("500元 / 人", 7),
        ("max(1, 2)", 0),
        ("1 if 1 else 2", 2),
        ("().__class__", 1),
        ("1e5", 2),
        ("x = 1", 0),
        ("1 == 1", 2),
        ("-", 1),
    ],
)
def test_non_arithmetic_is_refused_with_a_position(text: str, position: int) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_expression(text)
    assert info.value.position == position
    assert f"at character {position + 1}" in str(info.value)


def test_syntax_error_shows_the_expression_and_a_caret() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_expression("1**2")
    assert str(info.value).endswith("\n  1**2\n    ^")
    with pytest.raises(RuleSyntaxError) as info:
        parse_expression("文中数据[C65]**2")
    assert info.value.position == 10
    assert str(info.value).endswith("\n  文中数据[C65]**2\n  " + " " * (8 + 6) + "^")  # CJK is two columns wide
    assert isinstance(info.value, RuleError) and isinstance(info.value, PerfevalError)


def test_division_by_zero_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match="division by zero"):
        calc("1 / (2 - 2)")


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(RuleSyntaxError, match="nested"):
        parse_expression("(" * 500 + "1" + ")" * 500)
    assert calc("-" * 50 + "1").value == 1
    assert calc("+".join(["1"] * 5000)).value == 5000  # a long chain evaluates without recursion


def test_references_in_and_reference_text() -> None:
    expr = parse_expression("文中数据[C65] * 文中数据[C66] - 文中数据[C65] + 指标[8].实现值#2")
    assert [r.text for r in references_in(expr)] == ["文中数据[C65]", "文中数据[C66]", "指标[8].实现值#2"]
    assert references_in(parse_expression("预算[ 合计 ].执行数")) == (Reference("预算", "合计", "执行数"),)


# ---- tolerance ----------------------------------------------------------------------------


def test_tolerance_is_inclusive_and_in_its_own_unit() -> None:
    report = load_seed()
    assert check_rule(report, rule("1万元", "9900元", "0.01万元")).ok is True  # 100 元 allowed
    assert check_rule(report, rule("1万元", "9899元", "0.01万元")).ok is False  # 101 元 is not
    assert check_rule(report, rule("9899元", "1万元", "100元")).ok is False
    assert check_rule(report, rule("9900元", "1万元", "100元")).ok is True
    outcome = check_rule(report, rule("1万元", "9900元", "0.01万元"))
    assert outcome.tolerance == q("100元")
    assert outcome.difference == q("0.01万元")


def test_bad_tolerances() -> None:
    report = load_seed()
    with pytest.raises(UnitMismatchError, match="容差"):
        check_rule(report, rule("1万元", "1万元", "0.01"))
    with pytest.raises(RuleError, match="negative"):
        check_rule(report, rule("1万元", "1万元", "-1元"))
    with pytest.raises(RuleSyntaxError):
        check_rule(report, rule("1万元", "1万元", "1元 + 1元"))


def test_sides_in_different_units_are_refused() -> None:
    with pytest.raises(UnitMismatchError) as info:
        check_rule(load_seed(), rule("文中数据[C14]", "文中数据[C40]"))  # 37 名 vs 1532 人
    assert (info.value.left_unit, info.value.right_unit) == ("名", "人")
    assert "核对 R01" in str(info.value)
    assert check_rule(load_seed(), rule("文中数据[C14] * 1人/名", "37人")).ok is True


def test_check_rule_accepts_chinese_keys_and_says_which_side_failed() -> None:
    row = {"编号": "R9", "说明": "x", "左式": "1", "右式": "1 +", "容差": None}
    with pytest.raises(RuleSyntaxError) as info:
        check_rule(load_seed(), row)
    assert str(info.value).startswith("核对 R9 右式: ")


# ---- check_rules on whole workbooks -------------------------------------------------------


def test_check_rules_on_the_seed_with_a_rules_sheet(tmp_path: Path) -> None:
    path = tmp_path / "seed.xlsx"
    shutil.copy(SEED, path)
    book = load_workbook(path)
    if "核对" in book.sheetnames:  # replace the seed's own rules with these three
        del book["核对"]
    sheet = book.create_sheet("核对")
    for row in (
        RULE_HEADERS,
        ["R01", "住院关爱慰问金", "文中数据[C65] × 文中数据[C66]", "文中数据[C67]", None, "第113行"],
        ["R02", "慰问费用", "文中数据[C15]", "指标[2].实现值", None, "第59行、第79行"],
        ["R03", "支出性质合计", "预算[支出性质/基本支出].执行数 + 预算[支出性质/项目支出].执行数",
         "预算[合计].预算数", "0.01万元", "第29行"],
    ):
        sheet.append(row)
    book.save(path)
    report = load_report(path)
    outcomes = check_rules(report)
    assert [(o.rule_id, o.ok, o.error) for o in outcomes] == [("R01", False, None), ("R02", True, None),
                                                             ("R03", True, None)]
    assert outcomes[0].difference == q("-175万元")
    assert outcomes[0].excel_row == 2 and outcomes[0].left_text == "文中数据[C65] × 文中数据[C66]"
    assert outcomes[2].tolerance == q("0.01万元")
    assert sources_of(report, outcomes[1].references) == [
        report.claims.set_index("claim_id").loc["C15", "source"],
        report.kpis.set_index("indicator_id").loc["2", "source"],
    ]
    assert all(s for o in outcomes for s in sources_of(report, o.references))


def test_check_rules_continues_past_broken_rules(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["核对"] = [
        RULE_HEADERS,
        ["R01", "返还经费", "文中数据[C02]", "6253万元", None, None],
        ["R02", "unknown claim", "文中数据[C99]", "1万元", None, None],
        ["R03", "python", "__import__('os')", "1", None, None],
        ["R04", "units", "文中数据[C02]", "任务[任务1].报告指标数", None, None],
        ["R05", "zero", "1 / 0", "1", None, None],
        ["R06", "tolerance", "文中数据[C02]", "6253.01万元", "0.01万元", None],
        ["R07", "bad tolerance", "1", "1", "a lot", None],
    ]
    report = load_report(write_workbook(tmp_path / "rules.xlsx", sheets))
    outcomes = check_rules(report)
    assert [o.rule_id for o in outcomes] == ["R01", "R02", "R03", "R04", "R05", "R06", "R07"]
    assert [o.ok for o in outcomes] == [True, False, False, False, False, True, False]
    assert [o.error is None for o in outcomes] == [True, False, False, False, False, True, False]
    assert "C99" in outcomes[1].error and "C02" in outcomes[1].error
    assert outcomes[1].references == ("文中数据[C99]",) and outcomes[1].left is None
    assert outcomes[2].error.startswith("核对 R03 左式: cannot read the expression")
    assert "万元" in outcomes[3].error and "个" in outcomes[3].error
    assert outcomes[3].left == q("6253万元") and outcomes[3].right == q("8个") and outcomes[3].difference is None
    assert "division by zero" in outcomes[4].error
    assert all(isinstance(o, RuleOutcome) for o in outcomes)
    assert sources_of(report, outcomes[1].references) == [""]  # a broken rule's trail does not raise
    with pytest.raises(UnknownNameError):
        check_rule(report, report.rules.iloc[1])


def test_no_rules_sheet_means_no_outcomes(tmp_path: Path) -> None:
    assert check_rules(load_report(write_workbook(tmp_path / "plain.xlsx", valid_sheets()))) == []


def test_the_seed_workbook_rules_all_evaluate() -> None:
    outcomes = check_rules(load_seed())
    assert len(outcomes) == 13 and all(o.error is None for o in outcomes)
    assert [o.rule_id for o in outcomes if not o.ok] == ["R01", "R10"]


# ---- property tests -----------------------------------------------------------------------

FRAGMENTS = [
    *"0123456789+-*/×÷＋－＊／()（）[]【】.,#%。 ", "元", "万", "人", "名", "次", "万元", "元/人", "人/名",
    "文中数据[", "文中数据", "C65", "C99", "]", "预算[合计]", "预算[", "基本支出", ".执行数", ".报告执行率", "#2", "#0",
    "指标[8].实现值", "指标[2]", ".实现值", "任务[任务1].资金", "基本信息[自评得分]", "'", '"', "_", "a", "**",
    "<", ";", "lambda", "1,415.43", "500元/人", "\n", "\t", "²", "：", "、",
]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join),
                 st.text(alphabet="".join(f for f in FRAGMENTS if len(f) == 1), max_size=30)))
def test_random_text_raises_only_rule_errors(text: str) -> None:
    try:
        expr = parse_expression(text)
    except RuleSyntaxError:
        return
    try:
        result = evaluate(expr, report_resolver(load_seed()))
    except RuleError:
        return
    assert isinstance(result, Quantity) and isinstance(result.value, Fraction)


PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
SPELLINGS = {"+": ["+", "＋"], "-": ["-", "－"], "*": ["*", "×", "＊"], "/": ["/", "÷", "／"]}
ATOM = 3

Built = tuple[str, Fraction, int]  # text, exact value, precedence of the outermost operator


def _leaf() -> st.SearchStrategy[Built]:
    return st.integers(0, 2_000_000).flatmap(
        lambda n: st.sampled_from([str(n), f"{n:,}"]).map(lambda text: (text, Fraction(n), ATOM))
    )


def _wrap(draw: st.DrawFn, text: str) -> str:
    opening, closing = draw(st.sampled_from([("(", ")"), ("（", "）")]))
    return f"{opening}{text}{closing}"


@st.composite
def _binary(draw: st.DrawFn, children: st.SearchStrategy[Built]) -> Built:
    left_text, left, left_prec = draw(children)
    right_text, right, right_prec = draw(children)
    op = draw(st.sampled_from("+-*/"))
    if op == "/" and right == 0:
        op = "*"
    prec = PRECEDENCE[op]
    if left_prec < prec:
        left_text = _wrap(draw, left_text)
    if right_prec <= prec:  # left-associative: the right operand of - or / needs brackets at equal precedence
        right_text = _wrap(draw, right_text)
    space = draw(st.sampled_from(["", " ", "  "]))
    value = {"+": left + right, "-": left - right, "*": left * right, "/": left / right if right else left}[op]
    return f"{left_text}{space}{draw(st.sampled_from(SPELLINGS[op]))}{space}{right_text}", value, prec


@st.composite
def _unary(draw: st.DrawFn, children: st.SearchStrategy[Built]) -> Built:
    text, value, prec = draw(children)
    return "-" + (text if prec == ATOM else _wrap(draw, text)), -value, ATOM


@st.composite
def _bracketed(draw: st.DrawFn, children: st.SearchStrategy[Built]) -> Built:
    text, value, _ = draw(children)
    return _wrap(draw, text), value, ATOM


EXPRESSIONS = st.recursive(
    _leaf(), lambda children: st.one_of(_binary(children), _unary(children), _bracketed(children)), max_leaves=24
)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_well_formed_expressions_evaluate_to_their_value(built: Built) -> None:
    text, expected, _ = built
    result = evaluate(parse_expression(text))
    assert result.value == expected
    assert result.unit.dimensionless


@given(st.integers(-10**9, 10**9), st.integers(-10**9, 10**9), st.sampled_from(["万元", "万人次", "亿元"]))
def test_scaled_units_add_exactly(a: int, b: int, big: str) -> None:
    small = big[1:]
    factor = 10_000 if big[0] == "万" else 100_000_000
    result = calc(f"{a}{big} + {b}{small}")
    assert result.in_unit(small) == Decimal(a * factor + b)


def test_sources_of(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["文中数据"][2][5] = None  # C02 without 出处
    report = load_report(write_workbook(tmp_path / "src.xlsx", sheets))
    refs = ["文中数据[C01]", "文中数据[C02]", "预算[合计].执行数", "任务[任务2].资金", "指标[3].得分",
            "基本信息[自评得分]"]
    assert sources_of(report, refs) == ["第10行", "", "第3行", "第9行", "第7行", "第2行"]
    blank_figure = parse_expression("预算[支出性质/基本支出].预算数")  # no 预算数, but the line has its 出处
    assert sources_of(report, [blank_figure]) == ["第4行"]
    assert sources_of(report, ["文中数据[C99]", "指标[3].完成率", "文中数据[C01]"]) == ["", "", "第10行"]
    with pytest.raises(RuleSyntaxError):
        sources_of(report, ["1 + 1"])
