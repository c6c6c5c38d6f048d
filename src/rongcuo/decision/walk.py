"""The decision order: where a case's rule values lead.

The decision order
------------------
Outcome rules carry a ``step``. Steps are walked in increasing order:

* a step with a rule that holds decides (two rules of one step with different outcomes: the
  ruleset cannot order them, so the case is referred);
* a step whose rules are all ruled out passes on;
* a step with an unknown rule leaves its outcome *possible* and the walk goes on;
* past the last step, nothing decided: the case is referred (``refer``). Where some steps were
  left open, that fall-through is possible only if the order is incomplete (some combination of
  what its rules read rules out every step: ``ruleset/check_order.py``, RC166); a complete order
  leaves only the open steps' outcomes possible.

If only one outcome is possible at the end, that is the decision, even with facts missing. If
several are, the decision is ``insufficient_facts`` (and ``_missing.py`` tries every missing fact
on the way with each value it could take, to say which value would give which outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

from rongcuo.decision.model import OutcomeId
from rongcuo.engine.reference import Program, Truth
from rongcuo.ruleset.model import Rule


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
    possible, held, conflicting, walked = _walk(program, values)
    seen = tuple((r, values.get(r.id)) for rules in program.steps[:walked] for r in rules)
    conflict = tuple(held) if conflicting else ()
    deciding = held[0] if held and not conflicting else None
    if len(possible) == 1:
        return Walk(possible[0], deciding, possible, seen, conflict)
    return Walk("insufficient_facts", None, possible, seen, conflict)


def outcome_of(program: Program, values: dict[str, bool]) -> tuple[OutcomeId, bool]:
    """Where the walk leads, and whether that is *settled*: a rule of the order holds and no
    step before it is left open towards another outcome. (``walk_outcomes`` without the
    record of the steps, for the many trials of missing facts.)"""
    possible, held, _, _ = _walk(program, values)
    if len(possible) == 1:
        return possible[0], bool(held)
    return "insufficient_facts", False


def _walk(
    program: Program, values: dict[str, bool]
) -> tuple[tuple[OutcomeId, ...], list[Rule], bool, int]:
    """The outcomes left possible (the one decided last), the rules that hold at the step that
    decided, whether they conflict, and how many steps were walked."""
    possible: list[OutcomeId] = []
    decided: OutcomeId | None = None
    held: list[Rule] = []
    conflicting = False
    walked = 0
    for rules in program.steps:
        walked += 1
        for r in rules:
            value = values.get(r.id)
            if value is None:
                possible.append(r.outcome)  # type: ignore[arg-type]
            elif value:
                held.append(r)
        if held:
            conflicting = len({r.outcome for r in held}) > 1
            decided = "refer" if conflicting else held[0].outcome  # type: ignore[assignment]
            break
    if decided is None and (not possible or not program.complete):
        decided = "refer"  # no rule of the order applies: only the committee can decide
    # When no step held but some were unknown, the open outcomes are those steps' outcomes. A
    # complete decision order (one whose last steps cover every case, as the bundled ones do)
    # cannot fall through once its unknown steps are settled; an incomplete one can (RC166),
    # so there the fall-through, refer, stays possible beside them.
    if decided is not None:
        possible.append(decided)
    return tuple(dict.fromkeys(possible)), held, conflicting, walked
