"""A seeded, deterministic corpus of realistic cases for the benchmark.

Every generated case starts from one of the bundled ``examples/`` (the ``wz-*`` files for
``wanzhou`` and ``national``, the ``my-*`` files for ``mianyang``) and varies it the way real files
differ from one another: some facts take another value within their declared type and range,
a fact the example leaves out is sometimes stated, a stated fact is sometimes stated unknown (a
fact left out is read as the ruleset presumes), and a claimed situation is sometimes added or
dropped; a combination the ruleset's ``constraints`` forbid is drawn again. Values are drawn from each fact's declared
domain: enum members, both booleans, numbers inside ``min``/``max`` (half of them the ruleset's
own thresholds and the points next to them, half spread over the range), dates around the
ruleset's constants.

Unknown facts come in the proportion the examples show: about one case in five leaves at least
one fact a rule reads unknown (the examples: 8 of 46 decisions are ``insufficient_facts``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rongcuo import Case, CaseError, Engine
from rongcuo.case.file import CaseSource, bind_facts
from rongcuo.engine.reference import representative_values
from rongcuo.ruleset.model import Compare, FactDecl, FactValue, Ruleset, walk

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: which bundled examples a ruleset's cases are drawn from
TEMPLATES = {"wanzhou": "wz-", "national": "wz-", "mianyang": "my-"}

P_VARY = 0.04  # a stated fact takes another value
P_ADD = 0.02  # a fact the example leaves out is stated
P_UNKNOWN_CASE = 0.20  # the case leaves some facts unknown …
MAX_DROPPED = 3  # … between 1 and this many of the facts it would state
P_CLAIM = 0.10  # a claim is added or one dropped


@dataclass(frozen=True)
class Corpus:
    """Generated cases of one ruleset, as validated :class:`Case` models."""

    ruleset: str
    cases: tuple[Case, ...]


def _consts(rs: Ruleset, decl: FactDecl) -> list[FactValue]:
    out: list[FactValue] = []
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when is not None else ():
            if isinstance(node, Compare) and node.fact == decl.id:
                out.extend(node.value if isinstance(node.value, tuple) else (node.value,))
    return out


class _Domain:
    """Draws a realistic value of one declared fact."""

    def __init__(self, rs: Ruleset, decl: FactDecl) -> None:
        self.decl = decl
        self.points = representative_values(decl, _consts(rs, decl))

    def draw(self, rnd: random.Random) -> Any:
        d = self.decl
        if d.type == "number" and rnd.random() < 0.5:
            nums = [p for p in self.points if isinstance(p, int | float)]
            low = d.minimum if d.minimum is not None else min(nums, default=0.0)
            high = d.maximum if d.maximum is not None else max(nums, default=1.0)
            if high - low <= 1:  # a ratio: two decimals
                return round(rnd.uniform(low, high), 2)
            return int(rnd.uniform(low, high))
        value = rnd.choice(self.points)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, frozenset):  # a multiple fact: a case file writes a list
            return sorted(value) or [k for k, _ in d.values[:1]]
        return value


def generate(engine: Engine, ruleset: str, n: int, seed: int = 20241121) -> Corpus:
    """``n`` cases for ``ruleset``, the same ones for the same seed."""
    rnd = random.Random(f"{seed}:{ruleset}")
    templates = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(EXAMPLES.glob(f"{TEMPLATES[ruleset]}*.yaml"))
    ]
    resolved: dict[dt.date, Ruleset] = {}
    cases = []
    for i in range(n):
        cases.append(_case(engine, ruleset, templates, resolved, rnd, i))
    return Corpus(ruleset, tuple(cases))


def _case(
    engine: Engine,
    ruleset: str,
    templates: list[Any],
    resolved: dict[dt.date, Ruleset],
    rnd: random.Random,
    i: int,
) -> Case:
    """One generated case; drawn again (up to 20 times) while its facts break a constraint."""
    for _ in range(20):
        base = rnd.choice(templates)
        day = _date(base["incident_date"])
        rs = resolved.get(day)
        if rs is None:
            rs = resolved[day] = engine.ruleset(ruleset, day)
        # the case's own facts: an allegation's are written per allegation, and the computed
        # one is never written
        domains = {
            f: _Domain(rs, decl)
            for f, decl in rs.facts.items()
            if not (decl.scope or decl.computed)
        }
        situations = [r.id for r in rs.rules_of("situation")]
        facts = {k: v for k, v in (base.get("facts") or {}).items() if k in domains}
        for key in list(facts):
            if rnd.random() < P_VARY:
                facts[key] = domains[key].draw(rnd)
        for key in domains:
            if key not in facts and rnd.random() < P_ADD:
                facts[key] = domains[key].draw(rnd)
        if rnd.random() < P_UNKNOWN_CASE:
            stated = [k for k, v in facts.items() if v is not None]
            for key in rnd.sample(stated, min(len(stated), rnd.randint(1, MAX_DROPPED))):
                facts[key] = None  # stated unknown: left out, it would be presumed
        claims = [c for c in base.get("claimed_situations") or () if c in situations]
        if rnd.random() < P_CLAIM:
            if claims and rnd.random() < 0.5:
                claims.remove(rnd.choice(claims))
            else:
                claims.append(rnd.choice(situations))
        data = {
            "id": f"BENCH-{ruleset}-{i:06d}",
            "title": base["title"],
            "incident_date": day,
            "cadre": base.get("cadre"),
            "claimed_situations": list(dict.fromkeys(claims)),
            "facts": facts,
        }
        case = Case.model_validate(data)
        try:
            bind_facts(case, rs, CaseSource(data["id"]))
        except CaseError:
            continue  # e.g. "no loss" drawn beside a loss: not a case anyone writes
        return case
    raise RuntimeError(f"no valid case drawn for {ruleset} #{i}")


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
