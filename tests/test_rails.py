"""Which two of a rule's three values get engine rails, and the evaluator's choice of them.

Every choice must give the reference evaluator's values, for whole cases and for what-if trials;
an evaluator made by ``durable_evaluator`` chooses, after ``ADAPT_AFTER`` cases, to leave each
rule's most frequent value to elimination.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping

import pytest

from rongcuo.engine.durable.compile import Compiled, compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator

from .conftest import NO_DURABLE
from .test_differential import Pair

pytest.importorskip("durable_rules_engine", reason=NO_DURABLE)

from rongcuo.engine.durable import (
    evaluator as _durable,  # after the skip: importing it needs durable_rules
)
from rongcuo.engine.durable.evaluator import ADAPT_AFTER, DurableEvaluator, durable_evaluator

CHOICES = ["true", "unknown", "mixed"]


def defaults_for(choice: str, rules: list[str]) -> dict[str, bool | None]:
    if choice == "true":
        return dict.fromkeys(rules, True)
    if choice == "unknown":
        return dict.fromkeys(rules, None)
    rnd = random.Random(11)
    return {rid: rnd.choice([True, False, None]) for rid in rules}


@pytest.mark.parametrize("choice", CHOICES)
@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_every_choice_of_rails_gives_the_reference_values(rid: str, choice: str) -> None:
    pair = Pair(rid)
    pair.durable.close()
    plain = compile_ruleset(pair.rs)
    defaults = defaults_for(choice, sorted(plain.stratum_of))
    compiled = compile_ruleset(pair.rs, defaults=defaults)
    # the choice is followed wherever the rule's unknown rail fits (where it does not, the rule
    # has true and false rails, as without a choice)
    assert compiled.unless_proved == {
        r: v for r, v in defaults.items() if v is not None and r in plain.unless_proved
    }
    program = Program.build(pair.rs)
    reference = ReferenceEvaluator(program)
    durable = DurableEvaluator(compiled, f"rails_{rid}_{choice}")
    rnd = random.Random(20261122)
    try:
        for _ in range(250):
            facts, claims = pair.random_case(rnd)
            base = reference.rule_values(facts, claims)
            assert durable.rule_values(facts, claims) == base, (facts, sorted(claims))
            unknown = [f for f, v in pair.domains.items() if v and f not in facts]
            changes = [
                {f: v} for f in rnd.sample(unknown, min(2, len(unknown))) for v in pair.domains[f]
            ]
            want = [reference.rule_values({**facts, **c}, claims) for c in changes]
            assert durable.trial_values(facts, claims, base, changes) == want
    finally:
        durable.close()


def majority(seen: list[Mapping[str, bool]], rules: list[str]) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for rid in rules:
        counts = Counter(values.get(rid) for values in seen)
        # the most frequent value; on a tie false, then true, then unknown
        out[rid] = max(
            [False, True, None], key=lambda v: (counts[v], -[False, True, None].index(v))
        )
    return out


def test_the_evaluator_leaves_each_rule_s_most_frequent_value_to_elimination() -> None:
    pair = Pair("wanzhou")
    pair.durable.close()
    reference = ReferenceEvaluator(Program.build(pair.rs))
    evaluator = durable_evaluator(pair.rs, "rails_adapt")
    first = evaluator.compiled
    assert set(first.unless_proved.values()) == {False}
    rnd = random.Random(5)
    seen = []
    try:
        for i in range(ADAPT_AFTER + 300):
            facts, claims = pair.random_case(rnd)
            want = reference.rule_values(facts, claims)
            assert evaluator.rule_values(facts, claims) == want, i
            if i < ADAPT_AFTER:
                seen.append(want)
                # the rails are chosen again once the last of the cases tallied is evaluated
                assert (evaluator.compiled is first) == (i < ADAPT_AFTER - 1)
        chosen = majority(seen, sorted(first.stratum_of))
        assert evaluator.compiled is not first
        assert evaluator.compiled.unless_proved == {
            r: v for r, v in chosen.items() if v is not None and r in first.unless_proved
        }
        # the cases seen here make some rules usually true and some usually unknown
        assert {True, False} <= set(evaluator.compiled.unless_proved.values())
        assert len(evaluator.compiled.unless_proved) < len(first.unless_proved)
    finally:
        evaluator.close()


def test_rails_durable_refuses_leave_the_evaluator_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = Pair("wanzhou")
    pair.durable.close()
    reference = ReferenceEvaluator(Program.build(pair.rs))
    first = compile_ruleset(pair.rs)

    def too_wide(defaults: Mapping[str, bool | None]) -> Compiled:
        return compile_ruleset(pair.rs, max_unknown_tests=10**6, defaults=defaults)

    evaluator = DurableEvaluator(first, "rails_refused", recompile=too_wide)
    monkeypatch.setattr(_durable, "ADAPT_AFTER", 3)
    rnd = random.Random(3)
    try:
        for _ in range(10):
            facts, claims = pair.random_case(rnd)
            assert evaluator.rule_values(facts, claims) == reference.rule_values(facts, claims)
        assert evaluator.compiled is first
        assert evaluator._recompile is None  # tried once, not again every case
    finally:
        evaluator.close()
