"""The Decision contract v1 (docs/api.md): what ``Decision.to_json`` writes and reads back.

Every rule, clause, document and fact once, referred to by id; three-valued values as
``true``/``false``/``null``; ``schema_version`` first; the expansion exact; records made before
v1 (the expanded form) still load and replay as identical.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import rongcuo
from rongcuo import DecisionRecord, SQLiteStore, replay
from rongcuo.decision.contract import from_json

from .conftest import EXAMPLES, ROOT, RULESET_OF

CLEARING = sorted((ROOT / "examples" / "clearing").glob("*.yaml"))
CASES = [*EXAMPLES, *CLEARING]
WZ01 = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"


def _ruleset(path: Path) -> str:
    return RULESET_OF[path.name.split("-")[0]]


@pytest.fixture(scope="module")
def decisions() -> dict[str, rongcuo.Decision]:
    with rongcuo.Engine(backend="reference") as engine:
        return {p.name: engine.evaluate(p, ruleset=_ruleset(p)) for p in CASES}


@pytest.mark.parametrize("name", [p.name for p in CASES])
def test_the_expansion_gives_back_the_decision(
    decisions: dict[str, rongcuo.Decision], name: str
) -> None:
    d = decisions[name]
    text = d.to_json()
    assert from_json(text) == d
    assert rongcuo.Decision.from_json(text).to_json() == text
    # the expanded form (records made before v1) reads back as well
    assert rongcuo.Decision.from_json(d.expanded_json()) == d


def test_one_line_schema_version_first_and_the_same_bytes_again() -> None:
    with rongcuo.Engine(backend="reference") as a, rongcuo.Engine(backend="reference") as b:
        one = a.evaluate(WZ01, ruleset="wanzhou").to_json()
        two = b.evaluate(WZ01, ruleset="wanzhou").to_json()
    assert one == two
    assert one.endswith("}\n") and one.count("\n") == 1
    assert one.startswith('{"schema_version":"1.0",')
    assert rongcuo.Decision.schema_version == "1.0"


def _values(node: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every (key, value) of the three-valued fields anywhere in ``node``."""
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("value", "struck", "all_struck") and not isinstance(v, dict | list):
                out.append((k, v))
            out.extend(_values(v, k))
    elif isinstance(node, list):
        for v in node:
            out.extend(_values(v, key))
    return out


@pytest.mark.parametrize("name", [p.name for p in CASES])
def test_rules_clauses_and_facts_once_and_every_reference_resolves(
    decisions: dict[str, rongcuo.Decision], name: str
) -> None:
    w = json.loads(decisions[name].to_json())
    rules, facts, docs = w["rules"], w["facts"], w["documents"]
    named_rules = {t["rule"] for t in w["trace"]} | {s["rule"] for s in w["walk"]}
    for group in ("situations", "exclusions", "preconditions", "grounds"):
        named_rules |= set(w[group])
    for x in w["looks"] + w["distinctions"]:
        named_rules |= set(x["rules"])
    named_facts = {f for t in w["trace"] for f in t["facts"]}
    named_facts |= {f for look in w["looks"] for f in look["facts"]}
    for a in (w.get("clearing") or {"allegations": []})["allegations"]:
        named_rules |= {r["rule"] for r in a["rules"]}
    assert set(rules) == named_rules  # each rule the decision names, and no other
    assert set(facts) == named_facts
    cited = {r["citation"]["doc"] for r in rules.values() if r["citation"]}
    assert set(docs) == cited
    assert [t["rule"] for t in w["trace"]] == list(dict.fromkeys(t["rule"] for t in w["trace"]))
    for t in w["trace"]:
        assert set(t["reads"]) <= set(rules)
    # clause texts and document titles are written in the tables only
    text = json.dumps(w, ensure_ascii=False)
    for doc in docs.values():
        assert text.count(json.dumps(doc["title"], ensure_ascii=False)) == 1


@pytest.mark.parametrize("name", [p.name for p in CASES])
def test_three_valued_values_are_true_false_or_null(
    decisions: dict[str, rongcuo.Decision], name: str
) -> None:
    found = _values(json.loads(decisions[name].to_json()))
    assert found
    rule_values = [v for k, v in found if k != "value"] + [
        t["value"] for t in json.loads(decisions[name].to_json())["trace"]
    ]
    assert all(v in (True, False, None) for v in rule_values)
    assert "unknown" not in [v for _, v in found]


def test_a_decision_with_unknown_rules_writes_null() -> None:
    insufficient = ROOT / "examples" / "wz-08-motive-unknown-insufficient.yaml"
    with rongcuo.Engine(backend="reference") as engine:
        w = json.loads(engine.evaluate(insufficient, ruleset="wanzhou").to_json())
    assert w["outcome"] == "insufficient_facts"
    assert None in [t["value"] for t in w["trace"]]
    assert None in [f["value"] for f in w["facts"].values()]


def test_the_compact_form_is_a_third_of_the_expanded(
    decisions: dict[str, rongcuo.Decision],
) -> None:
    d = decisions[WZ01.name]
    compact, expanded = len(d.to_json().encode()), len(d.expanded_json().encode())
    assert compact * 3 < expanded, (compact, expanded)


def test_a_record_made_before_v1_loads_and_replays_as_identical(tmp_path: Path) -> None:
    as_of = dt.date(2024, 4, 1)
    with rongcuo.Engine(backend="reference") as engine:
        decision = engine.evaluate(WZ01, ruleset="wanzhou", as_of=as_of)
        with SQLiteStore(tmp_path / "r.sqlite3") as store:
            made = engine.record(decision, WZ01, store=store, recorded_at="2024-04-02T09:30:00")
            assert made.schema_version == "1.0"
            assert store.get(made.id).schema_version == "1.0"
        old = made.model_copy(update={"decision": decision.expanded_json()})
        with SQLiteStore(tmp_path / "old.sqlite3") as store:
            store.put(old)
            loaded = store.get(old.id)
        assert loaded.schema_version == "0"
        assert loaded.proposal() == decision
        result = replay(loaded, engine)
        assert result.identical, result.to_text()
        # the same old record with a changed outcome is reported, not hidden by the old form
        bent = json.loads(loaded.decision)
        bent["outcome"] = "refer"
        changed = loaded.model_copy(update={"decision": json.dumps(bent, indent=2) + "\n"})
        assert not replay(changed, engine).identical
    assert isinstance(loaded, DecisionRecord)
