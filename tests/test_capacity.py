"""What passes ``check`` evaluates on durable too, however many situations a ruleset has.

durable_rules walks a fact through its tests on a stack of 64 and takes at most 254 properties
on one fact. A ruleset with four times wanzhou's situations (copies with new ids) passed
``check`` and then failed most generated cases with durable's error 303; at eight times it
needed 315 properties on one gate and could not be compiled. The compiler now spreads a
stratum's rules over as many gates as those limits need; the rulesets here are generated from
wanzhou's own file, and every generated case must get the reference evaluator's values.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

import rongcuo
from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.durable.limits import STACK_BUDGET, peak
from rongcuo.engine.reference import Program, ReferenceEvaluator

from .conftest import EXAMPLES, ROOT, requires_durable, ruleset_of
from .test_differential import ON, domain

pytestmark = requires_durable


def multiplied_ruleset(base: Path, k: int) -> str:
    """Write ``<base>/wanzhou_x<k>/2018.yaml``: wanzhou with each of its own situations there
    ``k`` times (the copies renamed ``<id>_<n>``, same conditions); return its id."""
    source = yaml.safe_load((ROOT / "rulesets" / "wanzhou" / "2018.yaml").read_text("utf-8"))
    rid = f"wanzhou_x{k}"
    data = copy.deepcopy(source)
    data["id"] = rid
    for n in range(1, k):
        for rule in source["rules"]:
            if rule["kind"] == "situation":
                twin = copy.deepcopy(rule)
                twin["id"] = f"{rule['id']}_{n}"
                twin.pop("replaces", None)  # the copy replaces nothing national has
                data["rules"].append(twin)
    folder = base / rid
    folder.mkdir(parents=True)
    (folder / "2018.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return rid


def _random_cases(rs: rongcuo.Ruleset, n: int) -> list[tuple[dict[str, Any], frozenset[str]]]:
    domains = {f: domain(rs, d) for f, d in rs.facts.items()}
    situations = [r.id for r in rs.rules_of("situation")]
    rnd = random.Random(20261202)
    out = []
    for _ in range(n):
        known = rnd.random()
        facts = {f: rnd.choice(v) for f, v in domains.items() if v and rnd.random() < known}
        out.append((facts, frozenset(s for s in situations if rnd.random() < 0.1)))
    return out


@pytest.mark.parametrize("k", [4, 8])
def test_a_ruleset_k_times_wanzhou_s_situations_evaluates_on_durable_as_on_the_reference(
    tmp_path: Path, k: int
) -> None:
    from rongcuo.engine.durable.evaluator import durable_evaluator

    rid = multiplied_ruleset(tmp_path, k)
    assert [d for d in rongcuo.check(rid, paths=[tmp_path]) if d.severity == "error"] == []
    rs = rongcuo.Engine([tmp_path], backend="reference").ruleset(rid, ON)
    assert len(rs.rules_of("situation")) > 13 * k
    reference = ReferenceEvaluator(Program.build(rs))
    durable = durable_evaluator(rs, f"capacity_{k}")
    try:
        compiled = durable.compiled
        assert len(compiled.gates) > compiled.strata  # a stratum on several gates
        assert compiled.width <= 254
        for facts, claims in _random_cases(rs, 300):
            assert durable.rule_values(facts, claims) == reference.rule_values(facts, claims), (
                facts,
                sorted(claims),
            )
    finally:
        durable.close()


@pytest.mark.parametrize("k", [4, 8])
def test_wanzhou_s_examples_get_one_decision_on_both_backends_under_k_times_its_situations(
    tmp_path: Path, k: int
) -> None:
    rid = multiplied_ruleset(tmp_path, k)
    examples = [p for p in EXAMPLES if ruleset_of(p) == "wanzhou"]
    with (
        rongcuo.Engine([tmp_path], backend="durable") as durable,
        rongcuo.Engine([tmp_path], backend="reference") as reference,
    ):
        for path in examples:
            got = durable.evaluate(path, ruleset=rid).model_dump(exclude={"engine"})
            want = reference.evaluate(path, ruleset=rid).model_dump(exclude={"engine"})
            assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)


def test_twelve_times_wanzhou_is_refused_by_check_with_located_errors(tmp_path: Path) -> None:
    # 170 situations: national's decision-order rules then read more rule values in one
    # disjunct than the checker allows, and check says where, before any engine sees it.
    rid = multiplied_ruleset(tmp_path, 12)
    errors = [d for d in rongcuo.check(rid, paths=[tmp_path]) if d.severity == "error"]
    assert {d.code for d in errors} == {"RC123"}
    assert {d.location.file for d in errors} == {"rulesets/national/2019.yaml"}
    assert all(d.location.line > 0 for d in errors)


@pytest.mark.parametrize(("width", "accepted"), [(64, True), (65, False)])
def test_durable_s_stack_is_64_tests_as_the_compiler_counts_them(
    width: int, accepted: bool
) -> None:
    # The engine fact the compiler's STACK_BUDGET rests on: an $or of tests that all hold
    # pushes each of them, and durable refuses the 65th (error 303).
    from rongcuo.engine.durable.evaluator import _dre, _QuietHost

    test = {"$or": [{f"x{i}": 1} for i in range(width)]}
    assert peak(test) == width
    host = _QuietHost()
    name = f"stack_{width}"
    rule = {"all": [{"g": {"$and": [{"t": "g"}, test]}}], "run": "r"}
    host.register_rulesets({name: {"r": rule}})
    fact = json.dumps([{"id": "1", "sid": "1", "t": "g", **{f"x{i}": 1 for i in range(width)}}])
    handle = host.get_ruleset(name)._handle
    try:
        _dre.assert_facts(handle, fact)
        refused = False
    except Exception as exc:
        refused = "error code: 303" in str(exc)
    finally:
        _dre.delete_ruleset(handle)
    assert (not refused) == accepted
    assert STACK_BUDGET <= 64


def test_every_gate_of_the_bundled_rulesets_is_within_the_engine_s_limits() -> None:
    from rongcuo.engine.durable.limits import gate_peak, rail_stack

    for rid in ("national", "wanzhou", "mianyang"):
        rs = rongcuo.Engine(backend="reference").ruleset(rid, dt.date(2024, 6, 1))
        compiled = compile_ruleset(rs)
        assert compiled.width <= 254
        for k, gate in enumerate(compiled.gates):
            rails = [r for r in compiled.rules if r.gate == k]
            assert rails
            assert {r.proves[0] for r in rails} <= set(gate.own)
            assert gate_peak([rail_stack(r) for r in rails]) <= STACK_BUDGET
