"""Every bundled example case reaches the outcome it declares, on both engines, identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rongcuo

from .conftest import EXAMPLES, expected_outcome, requires_durable, ruleset_of

OUTCOMES = {"tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer"}


def test_examples_cover_every_outcome() -> None:
    assert len(EXAMPLES) >= 12
    assert {expected_outcome(p) for p in EXAMPLES} == OUTCOMES
    wanzhou = {expected_outcome(p) for p in EXAMPLES if ruleset_of(p) == "wanzhou"}
    assert wanzhou == OUTCOMES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_outcome(path: Path, engine: rongcuo.Engine, reference: rongcuo.Engine) -> None:
    rid = ruleset_of(path)
    durable = engine.evaluate(path, ruleset=rid)
    plain = reference.evaluate(path, ruleset=rid)
    assert durable.outcome == expected_outcome(path)
    # The two engines agree on everything but their own name and version.
    a = json.loads(durable.to_json())
    b = json.loads(plain.to_json())
    a.pop("engine")
    b.pop("engine")
    assert a == b


@pytest.mark.parametrize("path", EXAMPLES[:4], ids=lambda p: p.stem)
def test_decision_json_is_byte_identical_across_engines_instances(path: Path) -> None:
    rid = ruleset_of(path)
    first = rongcuo.evaluate(path, rid)
    second = rongcuo.evaluate(path, rid)
    assert first.to_json().encode() == second.to_json().encode()


@requires_durable
def test_decision_records_ruleset_hash_and_engine(engine: rongcuo.Engine) -> None:
    d = engine.evaluate(EXAMPLES[0], ruleset=ruleset_of(EXAMPLES[0]))
    assert d.ruleset.content_hash.startswith("sha256:") and len(d.ruleset.content_hash) == 71
    assert [c["id"] for c in d.ruleset.components] == ["national", d.ruleset.id]
    assert d.engine.name == "durable_rules"
    assert d.engine.version == "2.0.28"
    assert d.case.content_hash.startswith("sha256:")


def test_every_trace_step_names_rule_and_clause(engine: rongcuo.Engine) -> None:
    for path in EXAMPLES:
        d = engine.evaluate(path, ruleset=ruleset_of(path))
        assert d.trace, path
        for step in d.trace:
            assert step.rule and step.citation is not None, (path.name, step.rule)
            assert step.citation.clause and step.citation.text
        for w in d.walk:
            assert w.citation is not None


def test_six_looks_and_three_distinctions_always_present(engine: rongcuo.Engine) -> None:
    d = engine.evaluate(EXAMPLES[0], ruleset=ruleset_of(EXAMPLES[0]))
    assert [look.id for look in d.looks] == [
        "motive_attitude",
        "objective_conditions",
        "procedure_method",
        "nature_degree",
        "consequences_impact",
        "loss_recovery",
    ]
    assert len(d.distinctions) == 3
