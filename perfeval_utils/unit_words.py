"""The one unit vocabulary: which words are units, and what the scale and symbol words mean.

``parse_value`` (values.py) needs to know which words after a number are its unit; the 核对
language (check/rules/units.py) needs to know what a unit means (万 scales by 10,000, ``%`` is a
number, ``个月`` counts the same thing as ``月``). Both read the words from here, so a unit one of
them understands the other does not miss, and a new unit word is added once.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

#: Units recognised right after a number. 十 / 百 / 千 / 万 / 亿 in front of any of them are kept as
#: part of the unit (``万元``, ``万人次``, ``万美元``); the longest match wins (``人次`` before ``人``).
#: Measure words (粒, 尾, 枚 …) are units too, so ``550万粒`` is 550 with unit ``万粒``.
UNIT_WORDS: Final[tuple[str, ...]] = (
    "元", "美元", "欧元", "港元", "%", "‰", "个百分点", "百分点", "分", "分值",
    "秒", "分钟", "小时", "天", "日", "工作日", "个工作日", "周", "月", "个月", "年", "季度", "个季度",
    "周岁", "岁", "场次", "场", "篇", "人次", "人", "人日", "名", "家", "家次", "家庭", "户", "户次",
    "项", "个", "个次", "次", "课时", "学时", "节", "门", "米", "厘米", "毫米", "公里", "千米",
    "平方米", "平米", "平方公里", "立方米", "方", "亩", "公顷", "吨", "千克", "公斤", "斤", "升",
    "度", "千瓦", "千瓦时", "起", "座", "宗", "件", "期", "期次", "面", "条", "所", "台", "台次",
    "套", "辆", "批", "批次", "份", "本", "册", "张", "处", "块", "间", "栋", "幢", "部", "首",
    "幅", "组", "支", "队", "位", "例", "床", "艘", "架", "棵", "株", "只", "头", "盏", "轮",
    "届", "类", "种", "单", "倍", "层", "方面", "个方面",
    # measure words of goods and seedlings, and the symbol units of real tables
    "粒", "尾", "羽", "枚", "颗", "袋", "瓶", "盒", "箱", "包", "桶", "页", "字", "根", "片", "双", "对",
    "㎡", "㎞", "㎏", "㎝", "㎜", "㎥",
    # a percentage written out after the number, as real forms print it (≥100百分比)
    "百分比",
)

#: Latin units (after width folding: ``８ｋｍ`` is ``8km``). They must touch their number and are
#: matched without regard to case, the unit kept as written.
LATIN_UNITS: Final[tuple[str, ...]] = (
    "km", "m", "cm", "mm", "kg", "g", "t", "kw", "kwh", "mw", "mwh", "h", "min", "gb", "mb", "tb", "mbps",
    "m²", "m³", "km²",
)

#: Units of time: ``3天内`` is at most 3 days, while ``5 家内资企业`` is no bound.
TIME_UNITS: Final[frozenset[str]] = frozenset(
    {"秒", "分钟", "小时", "天", "日", "工作日", "个工作日", "周", "月", "个月", "年", "季度", "个季度"}
)

#: Number words in front of a unit and what they multiply it by.
SCALE_WORDS: Final[dict[str, int]] = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

#: Words that are a number, not a thing: they scale and leave no dimension.
DIMENSIONLESS: Final[dict[str, Fraction]] = {
    "%": Fraction(1, 100), "百分比": Fraction(1, 100), "‰": Fraction(1, 1000), "百分点": Fraction(1, 100),
    "个百分点": Fraction(1, 100),
    "倍": Fraction(1),
}

#: Words that mean another unit's symbol: parse_value reports the symbol (``≥100百分比`` is ≥ 100 %).
UNIT_SPELLINGS: Final[dict[str, str]] = {"百分比": "%"}

#: Two spellings of one unit: they count the same thing (个月 and 月; ㎡ and 平方米; 公里 and 千米).
ALIASES: Final[dict[str, str]] = {
    "个月": "月", "个工作日": "工作日", "个季度": "季度", "平米": "平方米", "㎡": "平方米", "m²": "平方米",
    "㎥": "立方米", "m³": "立方米", "公里": "千米", "㎞": "千米", "km": "千米", "㎏": "千克", "kg": "千克",
    "公斤": "千克", "㎝": "厘米", "cm": "厘米", "㎜": "毫米", "mm": "毫米", "m": "米", "km²": "平方公里",
}

#: Characters of unit words that are not letters (%, ‰, ², ㎡ …) plus ° and ℃: the 核对 language's
#: tokenizer reads them as part of a unit.
UNIT_SYMBOLS: Final[frozenset[str]] = frozenset(
    {c for word in (*UNIT_WORDS, *LATIN_UNITS) for c in word if not c.isalpha()} | {"°", "℃"}
)
