"""web/prose.py: every kind of condition node in plain Chinese, nesting in （…）, every rule of
the bundled rulesets written out without raw ids, and a few sentences word for word."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

import rongcuo
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactDecl,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    Ruleset,
)
from rongcuo.ruleset.prose import condition_zh

BUNDLED = ("national", "wanzhou", "mianyang")


@pytest.fixture(scope="module")
def engine() -> rongcuo.Engine:
    return rongcuo.Engine(backend="reference")


@pytest.fixture(scope="module")
def national(engine: rongcuo.Engine) -> Ruleset:
    rs = engine.ruleset("national", engine.newest_day("national"))
    # a date fact and a text fact, which the bundled rulesets do not declare
    extra = {
        "decided_on": FactDecl("decided_on", "date", "作出决定的日期"),
        "unit_name": FactDecl("unit_name", "text", "所在单位名称"),
    }
    return dataclasses.replace(rs, facts={**rs.facts, **extra})


def eq(fact: str, value: object) -> Compare:
    return Compare(fact, "eq", value)  # type: ignore[arg-type]


REFORM = eq("in_reform_or_pilot", True)
PUBLIC = eq("motive", "public")
LOSS0 = eq("loss_yuan", 0)

CASES: list[tuple[Cond, str]] = [
    # facts: true/false, enums, numbers with units, shares, dates, text, sets
    (REFORM, "属改革、先行先试事项"),
    (eq("in_reform_or_pilot", False), "并非属改革、先行先试事项"),
    (Compare("in_reform_or_pilot", "ne", True), "并非属改革、先行先试事项"),
    (PUBLIC, "动机为出于公心"),
    (Compare("motive", "ne", "public"), "动机不是出于公心"),
    (Compare("motive", "in", ("private_gain", "mixed")), "动机为谋取私利或公私兼有"),
    (
        Compare("social_impact", "in", ("none", "minor", "significant")),
        "社会影响为无、较小或较大",
    ),
    (
        Compare("motive", "not_in", ("private_gain", "mixed")),
        "动机既不是谋取私利，也不是公私兼有",
    ),
    (
        Compare("social_impact", "not_in", ("none", "minor", "significant")),
        "社会影响不是无、较小、较大中的任何一项",
    ),
    (
        Compare("allegation_finding", "in", ("untrue", "mistaken")),
        "核查结论为「失实、查无实据」或「错告、误告」",
    ),
    (Compare("work_area", "contains", "reform_pilot"), "事项所属领域为改革试点"),
    (LOSS0, "直接经济损失为0元"),
    (Compare("loss_yuan", "ne", 0), "直接经济损失不等于0元"),
    (Compare("loss_yuan", "gt", 500000), "直接经济损失超过500000元"),
    (Compare("loss_yuan", "ge", 1.0), "直接经济损失不低于1元"),
    (Compare("loss_yuan", "lt", 10), "直接经济损失低于10元"),
    (Compare("loss_yuan", "le", 10), "直接经济损失不超过10元"),
    (Compare("loss_recovered_ratio", "ge", 0.5), "已挽回损失的比例不低于50%"),
    (Compare("decided_on", "lt", dt.date(2024, 3, 1)), "作出决定的日期早于2024-03-01"),
    (Compare("decided_on", "ge", dt.date(2024, 3, 1)), "作出决定的日期不早于2024-03-01"),
    (Compare("unit_name", "eq", "某局"), "所在单位名称为“某局”"),
    (
        Compare("loss_yuan", "gt", 15, param="investigate_days"),
        "直接经济损失超过15元（调查核实期限）",
    ),
    (Known("loss_yuan", True), "直接经济损失已查明"),
    (Known("loss_yuan", False), "直接经济损失尚未查明"),
    (Not(Known("loss_yuan", True)), "直接经济损失尚未查明"),
    (Presumed("cooperated"), "如实说明、配合调查系推定"),
    (
        AllOf((Not(Presumed("cooperated")), eq("cooperated", True))),
        "案件材料载明如实说明、配合调查（推定的不算）",
    ),
    # other rules, by their kind and label
    (RuleRef("due_diligence"), "满足容错条件「勤勉尽责」"),
    (Not(RuleRef("due_diligence")), "不满足容错条件「勤勉尽责」"),
    (
        RuleRef("force_majeure_after_due_diligence"),
        "符合容错情形「已履职尽责，因不可抗力、难以预见因素造成损失」",
    ),
    (RuleRef("malicious_collusion"), "存在不予容错情形「与他人恶意串通」"),
    (Not(RuleRef("malicious_collusion")), "不存在不予容错情形「与他人恶意串通」"),
    (
        RuleRef("art18_remedial_action"),
        "有从轻减轻情形「及时采取补救措施，挽回损失或者消除不良影响」",
    ),
    (
        RuleRef("art19_concealment"),
        "有从重加重情形「对职责范围内发生的问题进行掩盖、隐瞒」",
    ),
    (RuleRef("clear_with_consent"), "「经本人同意」成立"),
    (Not(RuleRef("clear_with_consent")), "「经本人同意」不成立"),
    (RuleRef("no_such_rule"), "「no_such_rule」成立"),
    (KindRef("situation", "any"), "符合任一容错情形"),
    (Not(KindRef("situation", "any")), "不符合任何容错情形"),
    (KindRef("exclusion", "any"), "存在任一不予容错情形"),
    (KindRef("precondition", "all"), "容错条件全部满足"),
    (Not(KindRef("precondition", "all")), "容错条件未全部满足"),
    (
        Claimed("other_committee_recognised"),
        "申请人援引「其他经党委（党组）研究认定可以容错的情形」",
    ),
    (
        Not(Claimed("other_committee_recognised")),
        "申请人未援引「其他经党委（党组）研究认定可以容错的情形」",
    ),
    (Established(KindRef("situation", "any")), "已认定存在容错情形"),
    (Not(Established(KindRef("exclusion", "any"))), "未认定任何不予容错情形"),
    (Established(PUBLIC), "已查明并认定（动机为出于公心）"),
    (Not(Established(PUBLIC)), "未能查明并认定（动机为出于公心）"),
    # all / any / not and their nesting
    (AllOf((REFORM, PUBLIC)), "属改革、先行先试事项，且动机为出于公心"),
    (AnyOf((REFORM, PUBLIC)), "属改革、先行先试事项，或动机为出于公心"),
    (AllOf((REFORM,)), "属改革、先行先试事项"),
    (
        AllOf((LOSS0, AnyOf((REFORM, PUBLIC)))),
        "直接经济损失为0元，且（属改革、先行先试事项，或动机为出于公心）",
    ),
    (
        AnyOf((LOSS0, AllOf((REFORM, PUBLIC)))),
        "直接经济损失为0元，或（属改革、先行先试事项，且动机为出于公心）",
    ),
    (Not(AllOf((REFORM, PUBLIC))), "并非（属改革、先行先试事项，且动机为出于公心）"),
    (Not(Not(PUBLIC)), "动机为出于公心"),
    (Not(PUBLIC), "动机不是出于公心"),
    (
        AnyOf((REFORM, PUBLIC, LOSS0)),
        "具备下列情形之一：①属改革、先行先试事项；②动机为出于公心；③直接经济损失为0元",
    ),
    (
        AllOf((Known("loss_yuan", True), AnyOf((REFORM, PUBLIC, LOSS0)))),
        "直接经济损失已查明，且（具备下列情形之一：①属改革、先行先试事项；②动机为出于公心；"
        "③直接经济损失为0元）",
    ),
    (
        AnyOf((REFORM, PUBLIC, AnyOf((LOSS0, Known("loss_yuan", False), REFORM)))),
        "具备下列情形之一：①属改革、先行先试事项；②动机为出于公心；③（具备下列情形之一："
        "①直接经济损失为0元；②直接经济损失尚未查明；③属改革、先行先试事项）",
    ),
    (
        AllOf((REFORM, PUBLIC, LOSS0, Known("motive", True), RuleRef("due_diligence"))),
        "同时具备下列情形：①属改革、先行先试事项；②动机为出于公心；③直接经济损失为0元；"
        "④动机已查明；⑤满足容错条件「勤勉尽责」",
    ),
]


@pytest.mark.parametrize(("cond", "expected"), CASES, ids=[c[1][:24] for c in CASES])
def test_each_kind_of_node_reads_as_chinese(cond: Cond, expected: str, national: Ruleset) -> None:
    assert condition_zh(cond, national) == expected


def test_every_node_kind_is_among_the_cases() -> None:
    kinds = {type(n).__name__ for cond, _ in CASES for n in _nodes(cond)}
    assert kinds == {
        "AllOf",
        "AnyOf",
        "Not",
        "Compare",
        "Known",
        "Presumed",
        "RuleRef",
        "KindRef",
        "Claimed",
        "Established",
    }
    ops = {n.op for cond, _ in CASES for n in _nodes(cond) if isinstance(n, Compare)}
    assert ops == {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains"}


def _nodes(cond: Cond) -> list[Cond]:
    out: list[Cond] = [cond]
    if isinstance(cond, AllOf | AnyOf):
        for item in cond.items:
            out += _nodes(item)
    elif isinstance(cond, Not | Established):
        out += _nodes(cond.item)
    return out


def test_a_rule_without_a_condition_is_the_committees(national: Ruleset) -> None:
    assert condition_zh(None, national) == "无列明的条件，由党委（党组）研究认定"


def test_an_undeclared_fact_is_named_by_its_id(national: Ruleset) -> None:
    assert condition_zh(eq("not_declared", True), national) == "not_declared"


@pytest.mark.parametrize("rid", BUNDLED)
def test_every_bundled_rule_reads_without_raw_ids(engine: rongcuo.Engine, rid: str) -> None:
    rs = engine.ruleset(rid, engine.newest_day(rid))
    written = 0
    for rule in rs.rules.values():
        text = condition_zh(rule.when, rs)
        assert text and "None" not in text, rule.id
        if rule.when is not None:
            for fid in fact_dependencies(rule.when):
                assert rs.facts[fid].label, fid
                assert fid not in text, (rule.id, fid, text)
        # every fact, value and rule of the bundled rulesets has a Chinese label: no id at all
        assert not re.search(r"[A-Za-z_]{2,}", text), (rule.id, text)
        assert text.count("（") == text.count("）"), (rule.id, text)
        assert text.count("「") == text.count("」"), (rule.id, text)
        written += 1
    assert written == len(rs.rules) > 40


@pytest.mark.parametrize(
    ("rid", "rule", "expected"),
    [
        ("wanzhou", "pilot_reform_deviation", "属改革、先行先试事项，且事项所属领域为改革试点"),
        (
            "wanzhou",
            "principled_reform_backlash",
            "「因坚持原则推进改革触及利益，引发投诉、测评偏低等」，且动机为出于公心",
        ),
        (
            "wanzhou",
            "third_party_deception",
            "相对人或第三方隐瞒、提供虚假材料，本人已尽审核义务",
        ),
        ("national", "policy_compliant", "并非行为当时已被明令禁止"),
        (
            "national",
            "due_process",
            "具备下列情形之一：①并非依规应当集体研究；②经集体研究决策；"
            "③突发事件、抢险救灾中临机决策，且按规定请示报告",
        ),
        (
            "national",
            "look_loss_unrecovered",
            "直接经济损失超过0元，且（并非及时采取补救措施，或已挽回损失的比例低于50%）",
        ),
        (
            "national",
            "order_cleared",
            "所涉举报问题经核查均予否定（失实、错告误告或诬告陷害），且未认定任何不予容错情形，"
            "且未认定任何容错情形",
        ),
        ("national", "art18_cooperation", "案件材料载明如实说明、配合调查（推定的不算）"),
        (
            "national",
            "order_refer",
            "不符合任何容错情形，且申请人援引「其他经党委（党组）研究认定可以容错的情形」",
        ),
        ("mianyang", "pilot_reform_deviation", "属改革、先行先试事项，且并非行为当时已被明令禁止"),
    ],
)
def test_hand_picked_rules_word_for_word(
    engine: rongcuo.Engine, rid: str, rule: str, expected: str
) -> None:
    rs = engine.ruleset(rid, engine.newest_day(rid))
    assert condition_zh(rs.rules[rule].when, rs) == expected
