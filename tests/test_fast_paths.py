"""The shortcuts the decision stage takes for speed give exactly what the long way gives.

* A record built by ``builder`` (no second validation) equals the validated model: fields,
  fields set, repr, JSON.
* ``values_after`` (a what-if of missing facts, re-evaluating only the rules the change can
  reach) equals ``rule_values`` on the changed facts, and durable's ``rule_values`` the
  reference's on them.
* A Decision equals itself validated again from its own data.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

import rongcuo
from rongcuo.decision import missing as _missing
from rongcuo.decision import model as _decision
from rongcuo.decision.model import builder
from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator

from .conftest import BACKENDS, EXAMPLES, WriteRuleset, requires_durable, ruleset_of
from .test_differential import ON, domain

CITATION = {"doc": "d", "doc_title": "《文件》", "clause": "第一条", "text": "原文"}
USE = {"id": "loss_yuan", "label": "损失", "value": 1.0, "display": "1元"}
SAMPLES: dict[str, dict[str, Any]] = {
    "CitationRef": CITATION,
    "FactUse": USE,
    "RuleResult": {
        "id": "r",
        "kind": "situation",
        "label": "情形",
        "value": "unknown",
        "citation": _decision.CitationRef(**CITATION),
        "facts": (_decision.FactUse(**USE),),
        "unknown_facts": (),
        "note": "",
    },
    "TraceStep": {
        "seq": 3,
        "rule": "r",
        "kind": "look",
        "label": "规则",
        "value": "false",
        "citation": None,
        "facts": (_decision.FactUse(**USE),),
        "reads_rules": ("a", "b"),
    },
    "LookFinding": {
        "id": "motive",
        "label": "看动机态度",
        "finding": "unknown",
        "finding_label": "事实不清",
        "rules": (),
        "facts": (_decision.FactUse(**USE),),
    },
    "DistinctionFinding": {
        "id": "d",
        "label": "区分",
        "side": "tolerable",
        "side_label": "属可容的一侧",
        "tolerable": "探索",
        "intolerable": "谋私",
        "rules": (),
    },
    "ClaimCheck": {"id": "s", "label": "情形", "status": "unknown"},
    "ValueEffect": {"value": -0.0, "display": "0", "outcome": "refer", "outcome_label": "提请"},
    "MissingFact": {
        "id": "f",
        "label": "事实",
        "looks": ["x"],
        "rules": ["r"],
        "changes_outcome": True,
        "effects": [],
    },
    "WalkStep": {
        "step": 1,
        "rule": "r",
        "label": "规则",
        "outcome": "tolerate",
        "value": "true",
        "citation": None,
    },
    "EngineRef": {"name": "durable_rules", "version": "2.0.28", "rongcuo_version": "0.1.0"},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_built_record_equals_validated_record(name: str) -> None:
    cls: type[BaseModel] = getattr(_decision, name)
    values = SAMPLES[name]
    made, checked = builder(cls)(**values), cls(**values)  # type: ignore[arg-type]
    assert made == checked
    assert repr(made) == repr(checked)
    assert made.model_fields_set == checked.model_fields_set
    assert made.model_dump_json() == checked.model_dump_json()


@pytest.mark.parametrize("path", EXAMPLES[::5], ids=lambda p: p.stem)
@pytest.mark.parametrize("backend", BACKENDS)
def test_decision_equals_its_validated_copy(path: Any, backend: str) -> None:
    with rongcuo.Engine(backend=backend) as engine:  # type: ignore[arg-type]
        d = engine.evaluate(path, ruleset=ruleset_of(path))
    again = rongcuo.Decision.model_validate(d.model_dump())
    assert again == d
    assert again.to_json() == d.to_json()


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_trials_equal_full_evaluations(rid: str) -> None:
    rs = rongcuo.Engine(backend="reference").ruleset(rid, ON)
    program = Program.build(rs)
    reference = ReferenceEvaluator(program)
    domains = {f: domain(rs, d) for f, d in rs.facts.items()}
    situations = [r.id for r in rs.rules_of("situation")]
    outcome_rules = frozenset(r.id for step in program.steps for r in step)
    rnd = random.Random(20241121)
    changed_some = 0
    for _ in range(120):
        known = rnd.random()
        facts = {f: rnd.choice(v) for f, v in domains.items() if v and rnd.random() < known}
        claims = frozenset(s for s in situations if rnd.random() < 0.1)
        unknown = [f for f, v in domains.items() if v and f not in facts]
        changes: list[dict[str, Any]] = []
        for f in rnd.sample(unknown, min(4, len(unknown))):
            changes += [{f: v} for v in domains[f]]
        if len(unknown) >= 2:
            f, g = rnd.sample(unknown, 2)
            changes += [{f: a, g: b} for a in domains[f][:3] for b in domains[g][:3]]
        if facts:  # a change of a fact the case states, and its removal
            f = rnd.choice(sorted(facts))
            changes += [{f: rnd.choice(domains[f])}, {f: None}]
        base = reference.rule_values(facts, claims)
        for change in changes:
            after = {**facts, **change}
            want = reference.rule_values({k: v for k, v in after.items() if v is not None}, claims)
            changed_some += want != base
            assert reference.values_after(facts, claims, base, change) == want
            needed = reference.values_after(facts, claims, base, change, outcome_rules)
            assert {r: needed.get(r) for r in outcome_rules} == {
                r: want.get(r) for r in outcome_rules
            }
    assert changed_some > 100  # the changes tried do change rule values


@requires_durable
def test_evaluations_leave_the_durable_session_empty() -> None:
    from rongcuo.engine.durable.evaluator import DurableEvaluator

    rs = rongcuo.Engine(backend="reference").ruleset("wanzhou", ON)
    durable = DurableEvaluator(compile_ruleset(rs), "session_empty")
    facts = {"motive": "public", "loss_yuan": 0}
    try:
        for change in ({}, {"intent": "negligence"}, {"emergency": True}):
            durable.rule_values({**facts, **change}, frozenset())
            assert durable.stored_facts() == []
    finally:
        durable.close()
    with pytest.raises(rongcuo.EngineError, match="closed"):
        durable.rule_values(facts, frozenset())


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_skipping_combinations_that_cannot_change_the_outcome_changes_no_decision(
    rid: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The missing-fact analysis evaluates one of two values no unknown rule tells apart, and
    # does not pair a fact with a value of another that leaves nothing it reaches unknown.
    # Every decision must be the same as when every value and every pair is tried.
    skipped = {"inert": 0, "same": 0}
    real_inert, real_same = _missing._Trials.inert, _missing.MissingFacts._same_as

    def inert(self: _missing._Trials, trial: Any, reach: Any) -> bool:
        found = real_inert(self, trial, reach)
        skipped["inert"] += found
        return found

    def same_as(self: _missing.MissingFacts, fid: str, values: Any) -> Any:
        found = real_same(self, fid, values)
        skipped["same"] += found is not None
        return found

    monkeypatch.setattr(_missing._Trials, "inert", inert)
    monkeypatch.setattr(_missing.MissingFacts, "_same_as", same_as)
    prefix = "my-" if rid == "mianyang" else "wz-"
    bases = [yaml.safe_load(p.read_text("utf-8")) for p in EXAMPLES if p.name.startswith(prefix)]
    decisions: dict[bool, list[rongcuo.Decision]] = {}
    with rongcuo.Engine(backend=backend) as engine:  # type: ignore[arg-type]
        rs = engine.ruleset(rid, ON)
        declared, situations = rs.facts, {r.id for r in rs.rules_of("situation")}
        for prune in (False, True):
            monkeypatch.setattr(_missing._Trials, "prune", prune)
            rnd = random.Random(f"prune:{rid}")
            decisions[prune] = []
            for i in range(120):
                # a bundled example with two to five of its facts not yet established
                base = rnd.choice(bases)
                facts = {k: v for k, v in (base.get("facts") or {}).items() if k in declared}
                for f in rnd.sample(sorted(facts), min(len(facts), rnd.randint(2, 5))):
                    facts[f] = None  # stated unknown: a fact left out would be presumed
                case = rongcuo.Case(
                    id=f"P-{i}",
                    title=base["title"],
                    incident_date=base["incident_date"],
                    claimed_situations=[
                        c for c in base.get("claimed_situations") or () if c in situations
                    ],
                    facts=facts,
                )
                decisions[prune].append(engine.evaluate(case, ruleset=rid))
    assert skipped["inert"] > 0 and skipped["same"] > 0  # both shortcuts were taken
    assert sum(d.outcome == "insufficient_facts" for d in decisions[True]) >= 10
    assert [d.to_json() for d in decisions[True]] == [d.to_json() for d in decisions[False]]


def test_records_are_immutable_and_shared_only_between_equal_reads() -> None:
    # A RuleResult and a TraceStep are made once for a rule, its value and the facts it reads,
    # and then serve every decision with the same three: they must not be changeable.
    path = next(p for p in EXAMPLES if p.name.startswith("wz-01"))
    with rongcuo.Engine(backend="reference") as engine:
        first = engine.evaluate(path, ruleset="wanzhou")
        again = engine.evaluate(path, ruleset="wanzhou")
        data = yaml.safe_load(path.read_text("utf-8"))
        data["facts"]["loss_yuan"] = 123456.5
        other = engine.evaluate(data, ruleset="wanzhou")
    assert all(a is b for a, b in zip(first.trace, again.trace, strict=True))
    assert first.situations[0] is again.situations[0]
    assert all(a is b for a, b in zip(first.looks, again.looks, strict=True))
    assert all(a is b for a, b in zip(first.distinctions, again.distinctions, strict=True))
    # a look is the same record exactly when it shows the same rule records and fact uses
    shared = [
        look is mine
        for look, mine in zip(other.looks, first.looks, strict=True)
        if (look is mine)
        == (
            len(look.rules) == len(mine.rules)
            and all(a is b for a, b in zip(look.rules, mine.rules, strict=False))
            and all(a is b for a, b in zip(look.facts, mine.facts, strict=True))
        )
    ]
    assert len(shared) == len(first.looks) and True in shared and False in shared
    step = first.trace[0]
    assert isinstance(step.facts, tuple) and isinstance(step.reads_rules, tuple)
    with pytest.raises(AttributeError):
        step.facts.append(step.facts[0])  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="frozen"):
        step.value = "false"  # type: ignore[misc]
    reads_loss = [s.rule for s in other.trace if any(f.id == "loss_yuan" for f in s.facts)]
    assert reads_loss
    by_rule = {s.rule: s for s in first.trace}
    for s in other.trace:
        if s.rule in reads_loss:
            assert s is not by_rule[s.rule]
            assert [f.value for f in s.facts if f.id == "loss_yuan"] == [123456.5]
        else:
            assert s is by_rule[s.rule]
    assert first.to_json() == again.to_json()


KNOWN_RULESET = """
id: asks
title: 问是否查明的规则集
version: "1"
effective_from: 2020-01-01
outcomes:
  - {id: tolerate, label: 予以容错}
  - {id: mitigate, label: 从轻减轻}
  - {id: not_tolerate, label: 不予容错}
  - {id: insufficient_facts, label: 事实不清}
  - {id: refer, label: 提请集体研究}
facts:
  - {id: loss, type: number, min: 0, label: 损失}
  - {id: bribe, type: bool, label: 受贿}
rules:
  - id: small_or_unassessed
    kind: situation
    label: 损失小或尚未评估
    when:
      any:
        - {fact: loss, known: false}
        - {fact: loss, lt: 100}
  - id: bribery
    kind: exclusion
    label: 受贿
    when: {fact: bribe, eq: true}
  - id: huge_loss
    kind: exclusion
    label: 损失特别巨大
    when: {fact: loss, ge: 1000000}
  - id: order_exclusion
    kind: outcome
    step: 1
    outcome: not_tolerate
    label: 存在不予容错情形
    when: {any_rule: exclusion}
  - id: order_tolerate
    kind: outcome
    step: 2
    outcome: tolerate
    label: 符合容错情形
    when: {any_rule: situation}
  - id: order_none
    kind: outcome
    step: 3
    outcome: not_tolerate
    label: 不符合容错情形
    when:
      not: {any_rule: situation}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_shortcut_is_taken_for_a_fact_a_rule_asks_known_about(
    backend: str, write_ruleset: WriteRuleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small_or_unassessed holds while the loss is unknown, so it is not among the unknown
    # rules; yet knowing the loss can turn it false. A loss of 50 and one of 500,050 are alike for
    # every unknown rule (huge_loss), but not for the outcome: the shortcuts must stay off.
    write_ruleset("asks", "1", KNOWN_RULESET)
    case = {"id": "K-1", "title": "损失未评估", "incident_date": "2024-01-01", "facts": {}}
    decisions = {}
    for prune in (True, False):
        monkeypatch.setattr(_missing._Trials, "prune", prune)
        with rongcuo.Engine([tmp_path / "rulesets"], backend=backend) as engine:  # type: ignore[arg-type]
            decisions[prune] = engine.evaluate(case, ruleset="asks")
    decision = decisions[True]
    assert decision.outcome == "insufficient_facts"
    loss = next(m for m in decision.missing_facts if m.id == "loss")
    effects = {e.value: e.outcome for e in loss.effects}
    assert effects[50] == "insufficient_facts" and effects[500050] == "not_tolerate"
    assert decision.to_json() == decisions[False].to_json()
