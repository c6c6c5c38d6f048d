"""Which two of a rule's three values get engine rails: every choice must give the reference
evaluator's values."""

from __future__ import annotations

import random

import pytest

from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator

from .conftest import NO_DURABLE
from .test_differential import Pair

pytest.importorskip("durable_rules_engine", reason=NO_DURABLE)

# after the skip: importing it needs durable_rules
from rongcuo.engine.durable.evaluator import DurableEvaluator

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
    finally:
        durable.close()
