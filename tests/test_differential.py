"""Differential test: durable_rules and the reference evaluator agree on every generated case.

Thousands of cases per bundled ruleset, each fact known or unknown at random, values drawn from
the regions the ruleset's own comparisons carve out. Most of the random cases are aimed at a step
of the decision order (the ruleset's own conditions say which facts make it hold), so that they
reach every outcome; a sample of them goes through both backends as case files, whole decisions
compared. A deliberately broken compiler must be caught by the same comparison, which shows the
property can fail.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rongcuo
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.durable import rails as _rails
from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator, compare, set_samples
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactDecl,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    Ruleset,
    flag_key,
    json_value,
    presumed_flag,
    walk,
)

from .conftest import requires_durable

pytestmark = requires_durable

ON = dt.date(2024, 6, 1)
RULESETS = ("national", "wanzhou", "mianyang")


def domain(rs: Ruleset, decl: FactDecl) -> list[FactValue]:
    """Values of a fact that reach every region the ruleset's comparisons distinguish."""
    if decl.type == "bool":
        return [True, False]
    if decl.type == "enum" and decl.multiple:  # a set: tested with contains
        return set_samples([k for k, _ in decl.values])
    if decl.type == "enum":
        return [k for k, _ in decl.values]
    consts: set[Any] = set()
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when else ():
            if isinstance(node, Compare) and node.fact == decl.id:
                consts.update(node.value if isinstance(node.value, tuple) else (node.value,))
    if decl.type == "number":
        low = decl.minimum if decl.minimum is not None else 0
        high = decl.maximum if decl.maximum is not None else 2 * max(consts, default=1) + 1
        points = {low, high, *consts}
        points |= {c + d for c in consts for d in (-0.001, 0.001)}
        return sorted(p for p in points if low <= p <= high)
    if decl.type == "date":
        return sorted({c + dt.timedelta(days=d) for c in consts for d in (-1, 0, 1)})
    return sorted(consts | {"其他"})


@dataclass
class Witness:
    """A partial case being built to give conditions chosen values: the facts set so far, the
    facts that must stay unknown, and the flags (claims, presumed marks) set and unset. What it
    made true or false stays so however the rest of the case is filled in (Kleene logic is
    monotone: stating a fact never changes a value that was already known)."""

    facts: dict[str, FactValue] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    unflagged: set[str] = field(default_factory=set)

    def copy(self) -> Witness:
        """An independent copy, to try a choice on."""
        return Witness({**self.facts}, {*self.absent}, {*self.flags}, {*self.unflagged})

    def take(self, other: Witness) -> None:
        """Keep the choices made on a copy."""
        self.facts, self.absent = other.facts, other.absent
        self.flags, self.unflagged = other.flags, other.unflagged


class Pair:
    """Both evaluators over one effective ruleset."""

    def __init__(self, rid: str) -> None:
        self.rs = rongcuo.Engine(backend="reference").ruleset(rid, ON)
        self.program = Program.build(self.rs)
        self.reference = ReferenceEvaluator(self.program)
        from rongcuo.engine.durable.evaluator import (
            DurableEvaluator,
        )  # only where durable_rules is installed

        self.durable = DurableEvaluator(compile_ruleset(self.rs), f"diff_{rid}")
        self.domains = {f: domain(self.rs, d) for f, d in self.rs.facts.items()}
        # the claims, and the flags of presumed facts that `stated: true` comparisons read
        self.situations = [r.id for r in self.rs.rules_of("situation")] + sorted(
            {
                presumed_flag(n.fact)
                for r in self.rs.rules.values()
                for n in (walk(r.when) if r.when else ())
                if isinstance(n, Presumed)
            }
        )

    def disagreement(self, facts: dict[str, FactValue], claims: frozenset[str]) -> str | None:
        try:
            a = self.durable.rule_values(facts, claims)
        except rongcuo.EngineError as exc:  # the evaluator's own consistency guard tripped
            return str(exc)
        b = self.reference.rule_values(facts, claims)
        if a != b:
            diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            return f"rules differ: {diff}"
        return None  # the decision order reads nothing else: equal values, equal outcomes

    def random_case(self, rnd: random.Random) -> tuple[dict[str, FactValue], frozenset[str]]:
        """A case aimed at a random step of the decision order (its rule made to hold and
        every earlier step's ruled out, by the ruleset's own conditions), the other facts known
        at random, a few of the aimed ones sometimes left unknown; one case in four, and each
        whose aim cannot be met, wholly at random."""
        known = rnd.random()
        witness = Witness()
        if rnd.random() < 0.75:
            for _ in range(3):
                attempt = Witness()
                if self.make(self.aim(rnd), True, attempt, rnd):
                    witness = attempt
                    break
        if witness.facts and rnd.random() < 0.3:  # an aimed fact unknown: often undecided
            for f in rnd.sample(sorted(witness.facts), k=min(2, len(witness.facts))):
                del witness.facts[f]
                witness.absent.add(f)
        facts = dict(witness.facts)
        for f, values in self.domains.items():
            if values and f not in facts and f not in witness.absent and rnd.random() < known:
                facts[f] = rnd.choice(values)
        claims = frozenset(
            s
            for s in self.situations
            if s in witness.flags or (s not in witness.unflagged and rnd.random() < 0.1)
        )
        return facts, claims

    def aim(self, rnd: random.Random) -> Cond:
        """That a rule of the decision order holds and every rule of the steps before it is
        ruled out: a rule of a random outcome (each outcome as likely, however many steps
        lead to it)."""
        steps = self.program.steps
        outcome = rnd.choice(sorted({r.outcome for rules in steps for r in rules}))
        k, target = rnd.choice(
            [(k, r) for k, rules in enumerate(steps) for r in rules if r.outcome == outcome]
        )
        earlier = tuple(Not(RuleRef(r.id)) for rules in steps[:k] for r in rules)
        return AllOf((*earlier, RuleRef(target.id)))

    def make(
        self, cond: Cond, want: bool, w: Witness, rnd: random.Random, settled: bool = False
    ) -> bool:
        """Extend ``w`` so that ``cond`` has the value ``want`` whatever else is stated;
        ``False`` (``w`` then half-changed) when its choices so far rule that out. With
        ``settled``, only whether ``w`` gives it that value already (``w`` unchanged)."""
        if isinstance(cond, Not):
            return self.make(cond.item, not want, w, rnd, settled)
        if isinstance(cond, Established):  # established: the item holds; not: ruled out
            return self.make(cond.item, want, w, rnd, settled)
        if isinstance(cond, AllOf | AnyOf):
            items = list(cond.items)
            if isinstance(cond, AllOf) == want:  # every item must take the value
                rnd.shuffle(items)
                return all(self.make(c, want, w, rnd, settled) for c in items)
            # one item taking it is enough: one that has it already, else a random one
            if any(self.make(c, want, w, rnd, True) for c in items):
                return True
            if settled:
                return False
            # items that read facts alone first: one that reads rules sets many facts more
            items.sort(key=lambda c: (self.reads_rules(c), rnd.random()))
            for c in items:
                attempt = w.copy()
                if self.make(c, want, attempt, rnd):
                    w.take(attempt)
                    return True
            return False
        if isinstance(cond, RuleRef):
            when = self.rs.rules[cond.rule].when
            return when is not None and self.make(when, want, w, rnd, settled)
        if isinstance(cond, KindRef):
            refs = tuple(RuleRef(i) for i in self.program.kind_members.get(cond.kind, ()))
            if not refs:  # any over nothing is false, all over nothing true
                return want == (cond.quantifier == "all")
            inner: Cond = AnyOf(refs) if cond.quantifier == "any" else AllOf(refs)
            return self.make(inner, want, w, rnd, settled)
        if isinstance(cond, Claimed | Presumed):
            flag = flag_key(cond)
            if flag in (w.flags if want else w.unflagged):
                return True
            if settled or flag in (w.unflagged if want else w.flags):
                return False
            (w.flags if want else w.unflagged).add(flag)
            return True
        if isinstance(cond, Known):
            if cond.known != want:  # the fact must stay unknown
                if cond.fact in w.absent:
                    return True
                if settled or cond.fact in w.facts:
                    return False
                w.absent.add(cond.fact)
                return True
            if cond.fact in w.facts:
                return True
            if settled or cond.fact in w.absent or not self.domains.get(cond.fact):
                return False
            w.facts[cond.fact] = rnd.choice(self.domains[cond.fact])
            return True
        assert isinstance(cond, Compare)
        if cond.fact in w.facts:
            return compare(w.facts[cond.fact], cond.op, cond.value) == want
        if settled or cond.fact in w.absent:
            return False
        fitting = [
            v for v in self.domains.get(cond.fact, ()) if compare(v, cond.op, cond.value) == want
        ]
        if not fitting:
            return False
        w.facts[cond.fact] = rnd.choice(fitting)
        return True

    def reads_rules(self, cond: Cond) -> bool:
        """Whether a condition reads other rules' values."""
        return any(isinstance(n, RuleRef | KindRef) for n in walk(cond))

    def case_file(
        self, facts: dict[str, FactValue], claims: frozenset[str], n: int, rnd: random.Random
    ) -> dict[str, Any]:
        """A case file stating generated facts: each other fact of the case stated unknown
        or left to its presumption at random; ``allegations_struck`` (computed, never stated)
        given by one allegation of a finding that strikes it or not."""
        stated: dict[str, Any] = {}
        for f, decl in self.rs.facts.items():
            if decl.scope or decl.computed:
                continue
            if f in facts and facts[f] != frozenset():  # a set is stated as a non-empty list
                stated[f] = json_value(facts[f])
            elif rnd.random() < 0.5:
                stated[f] = "unknown"
        case: dict[str, Any] = {
            "id": f"GEN-{n}",
            "title": "generated",
            "incident_date": ON.isoformat(),
            "claimed_situations": sorted(c for c in claims if c in self.rs.rules),
            "facts": stated,
        }
        struck = facts.get("allegations_struck")
        if struck is not None:
            findings = ["untrue", "mistaken", "fabricated"] if struck else ["substantiated"]
            case["allegations"] = [{"id": "A1", "summary": "举报", "finding": rnd.choice(findings)}]
        return case


@pytest.fixture(scope="module", params=RULESETS)
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    p = Pair(request.param)
    yield p
    p.durable.close()


def cases(p: Pair) -> st.SearchStrategy[tuple[dict[str, FactValue], frozenset[str]]]:
    fact_values = st.fixed_dictionaries(
        {f: st.one_of(st.none(), st.sampled_from(v)) for f, v in p.domains.items() if v}
    ).map(lambda d: {k: v for k, v in d.items() if v is not None})
    claims = st.frozensets(st.sampled_from(p.situations), max_size=3)
    return st.tuples(fact_values, claims)


def test_engines_agree_on_thousands_of_generated_cases(pair: Pair) -> None:
    @settings(
        max_examples=2000,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases(pair))
    def agree(case: tuple[dict[str, FactValue], frozenset[str]]) -> None:
        facts, claims = case
        assert pair.disagreement(facts, claims) is None, (facts, sorted(claims))

    agree()


def test_engines_agree_on_sparse_and_dense_random_cases(pair: Pair) -> None:
    rnd = random.Random(20261121)
    outcomes: Counter[str] = Counter()
    runs = 1500  # more than durable's 1024 live sessions: sessions must be freed
    for _ in range(runs):
        facts, claims = pair.random_case(rnd)
        assert pair.disagreement(facts, claims) is None, (facts, sorted(claims))
        outcomes[
            walk_outcomes(pair.program, pair.reference.rule_values(facts, claims)).outcome
        ] += 1
    # the cases reach every outcome of the decision order, each in a fair share of them (the
    # aimed generator gives at least 5 % each on the bundled rulesets; one aiming nowhere, as
    # a purely random one does, gives not_tolerate and insufficient_facts only)
    shares = {o: outcomes[o] / runs for o in pair.rs.outcomes}
    every = {"tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer", "cleared"}
    assert set(pair.rs.outcomes) == every
    assert min(shares.values()) >= 0.03, shares


def test_backends_give_the_same_decision_on_generated_case_files(pair: Pair) -> None:
    # The whole decision, not only the rule values: presumptions, the clearing rules run on
    # each allegation, the missing facts and what-if trials, the looks and distinctions, as
    # Engine(backend=...) chooses them. Only the name of the engine differs.
    rnd = random.Random(5)
    outcomes: Counter[str] = Counter()
    refused = 0
    with (
        rongcuo.Engine(backend="durable") as durable,
        rongcuo.Engine(backend="reference") as reference,
    ):
        for n in range(60):
            case = pair.case_file(*pair.random_case(rnd), n, rnd)
            got: list[Any] = []
            for engine in (durable, reference):
                try:
                    decision = json.loads(engine.evaluate(case, ruleset=pair.rs.id).to_json())
                except rongcuo.CaseError as exc:  # contradictory generated facts (RC213)
                    got.append(str(exc))
                else:
                    got.append((decision.pop("engine")["name"], decision))
            if isinstance(got[0], str):
                refused += 1
                assert got[0] == got[1], case
                continue
            (a_name, a), (b_name, b) = got
            assert (a_name, b_name) == ("durable_rules", "reference")
            assert a == b, case
            outcomes[a["outcome"]] += 1
    assert refused <= 6, refused  # the comparison ran on most cases
    assert len(outcomes) >= 4, outcomes  # and on several outcomes


def test_generated_cases_reach_the_new_condition_forms(pair: Pair) -> None:
    # The generator gives work_area sets that the rules' contains tests tell apart, and the
    # presumed flag that a stated-only comparison reads, so the cases above exercise both.
    assert any(isinstance(v, frozenset) and len(v) > 1 for v in pair.domains["work_area"])
    assert presumed_flag("cooperated") in pair.situations
    contains = [
        n
        for r in pair.rs.rules.values()
        for n in (walk(r.when) if r.when else ())
        if isinstance(n, Compare) and n.op == "contains"
    ]
    assert contains or pair.rs.id == "national"


@pytest.mark.parametrize(
    ("op", "wrong"),
    [("lt", "gt"), ("eq", "eq"), ("in", "in")],
    ids=["wrong-dual-of-lt", "eq-is-its-own-dual", "in-is-its-own-dual"],
)
def test_a_broken_compiler_is_caught(monkeypatch: pytest.MonkeyPatch, op: str, wrong: str) -> None:
    monkeypatch.setitem(_rails.DUAL, op, wrong)
    mutant = Pair("wanzhou")
    try:
        rnd = random.Random(7)
        found = [
            problem
            for facts, claims in (mutant.random_case(rnd) for _ in range(400))
            if (problem := mutant.disagreement(facts, claims))
        ]
    finally:
        mutant.durable.close()
    assert found, f"a compiler with the dual of {op!r} set to {wrong!r} went unnoticed"
