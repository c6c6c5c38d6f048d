"""The decision order: where a case's rule values lead.

The decision order
------------------
Outcome rules carry a ``step``. Steps are walked in increasing order:

* a step with a rule that holds decides (two rules of one step with different outcomes: the
  ruleset cannot order them, so the case is referred);
* a step whose rules are all ruled out passes on;
* a step with an unknown rule leaves its outcome *possible* and the walk goes on.

If only one outcome is possible at the end, that is the decision, even with facts missing. If
several are, the decision is ``insufficient_facts`` (and ``_missing.py`` tries every missing fact
on the way with each value it could take, to say which value would give which outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._decision import OutcomeId
from ._logic import Program, Truth
from ._model import Rule


@dataclass(frozen=True)
class Walk:
    """Where the decision order led."""

    outcome: OutcomeId
    deciding: Rule | None
    possible: tuple[OutcomeId, ...]
    steps: tuple[tuple[Rule, Truth], ...]
    conflict: tuple[Rule, ...] = ()


def walk_outcomes(program: Program, values: dict[str, bool]) -> Walk:
    """Walk the decision order over the rule values of one case."""
    possible: list[OutcomeId] = []
    seen: list[tuple[Rule, Truth]] = []
    decided: OutcomeId | None = None
    deciding: Rule | None = None
    conflict: tuple[Rule, ...] = ()
    for rules in program.steps:
        held = [r for r in rules if values.get(r.id) is True]
        seen.extend((r, values.get(r.id)) for r in rules)
        for r in rules:
            if values.get(r.id) is None:
                possible.append(r.outcome)  # type: ignore[arg-type]
        if held:
            outcomes = sorted({r.outcome for r in held})
            if len(outcomes) > 1:
                decided, conflict = "refer", tuple(held)
            else:
                decided, deciding = held[0].outcome, held[0]  # type: ignore[assignment]
            break
    if decided is None and not possible:
        decided = "refer"  # no rule of the order applies: only the committee can decide
    # When no step held but some were unknown, the open outcomes are those steps' outcomes: a
    # complete decision order (one whose last steps cover every case, as the bundled ones do)
    # cannot fall through once its unknown steps are settled.
    if decided is not None:
        possible.append(decided)
    distinct = tuple(dict.fromkeys(possible))
    if len(distinct) == 1:
        return Walk(distinct[0], deciding, distinct, tuple(seen), conflict)
    return Walk("insufficient_facts", None, distinct, tuple(seen), conflict)
