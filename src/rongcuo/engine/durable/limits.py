"""durable_rules' limits as the compiler counts them: takes engine rules and their gate
expressions, gives the tests each pushes on durable's stack, splits a rail that would push too
much, and packs a stratum's rules onto as few gates as the stack and the fact width allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from rongcuo.engine.durable.rails import Expr, claims_read
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import Cond

if TYPE_CHECKING:
    from rongcuo.engine.durable.compile import EngineRule


#: Properties one engine fact may carry. durable_rules 2.0.28 silently misbehaves past this
#: (measured: 255 properties segfault, 306 give a garbage action offset), so we refuse earlier.
MAX_FACT_PROPERTIES = 254
EVERY_RULE = "a"  # on a gate, every rule of its stratum is evaluated
GATE_KEYS = ("id", "sid", "t", "k", EVERY_RULE)
#: durable_rules walks an asserted fact through its tests depth first, on a stack of 64 tests
#: (measured: 64 tests that hold at once under one test assert; 65 fail with error 303,
#: ERR_MAX_STACK_SIZE). Every test that holds pushes the tests after it; an ``$or`` pushes the
#: first test of each branch. A ruleset with four times wanzhou's situations pushed more than
#: that under one gate. The compiler bounds what one gate can push (:func:`peak`,
#: :func:`_fanout`: exactly the measured stack on sequences and ``$or``s of tests, above it
#: otherwise) to ``STACK_BUDGET``: a stratum's rules go on as many gates as that and the width
#: need, and a rail that would push too much alone is split into parts proving the same value.
STACK_BUDGET = 62
#: A rail pushes at most this much by itself: a larger one is split into parts.
RAIL_PEAK = 24


def entries(expr: Expr) -> list[tuple[str, str, str]]:
    """The tests an expression pushes on durable's stack where it starts: its first test, or
    the first of each branch of an ``$or``."""
    ((op, value),) = expr.items()
    if op == "$and":
        return entries(value[0])
    if op == "$or":
        return [e for item in value for e in entries(item)]
    if op.startswith("$"):
        ((attr, operand),) = value.items()
        return [(op, attr, repr(operand))]
    return [("=", op, repr(value))]


def peak(expr: Expr) -> int:
    """The most tests an expression keeps on durable's stack at once, counting those it pushes
    where it starts (an upper bound: the stack is walked depth first, so a sequence adds what
    each item leaves pending, and an ``$or`` holds the other branches' first tests while one
    branch is walked)."""
    ((op, value),) = expr.items()
    if op == "$and":
        return sum(peak(item) - 1 for item in value) + 1
    if op == "$or":
        pending = _fanout(e for item in value for e in entries(item))
        return max(pending - 1, 0) + max(peak(item) for item in value)
    return 1


def _fanout(entries: Iterable[tuple[str, str, str]]) -> int:
    """How many of these tests under one test can hold at once (equal tests are one node):
    per gate attribute, either its ``$nex`` (absent) or the others (present), of which one
    equality at most (a gate has one value for it)."""
    present: dict[str, set[tuple[str, str]]] = {}
    absent: set[str] = set()
    for op, attr, operand in set(entries):
        if op == "$nex":
            absent.add(attr)
        else:
            present.setdefault(attr, set()).add(("=", "") if op == "=" else (op, operand))
    return sum(max(len(present.get(a, ())), a in absent) for a in present.keys() | absent)


def _or(items: list[Expr]) -> Expr:
    return items[0] if len(items) == 1 else {"$or": items}


def split_rail(expr: Expr, budget: int, most: int = 16) -> list[Expr]:
    """``expr`` as a disjunction of parts, each keeping at most ``budget`` tests on durable's
    stack: an ``$or``'s branches grouped, a sequence distributed over the parts of its widest
    item; ``expr`` itself when that takes more than ``most`` parts (a sequence's parts multiply:
    such a rail keeps its gate to itself, see ``pack_gates``)."""
    if peak(expr) <= budget:
        return [expr]
    found: list[Expr] = []
    pending = [expr]
    while pending:
        item = pending.pop()
        if peak(item) <= budget:
            found.append(item)
            continue
        ((op, items),) = item.items()
        if op == "$or":  # its branches grouped as they fit
            group: list[Expr] = []
            for branch in items:
                if group and peak(_or([*group, branch])) > budget:
                    pending.append(_or(group))
                    group = []
                group.append(branch)
            if len(group) == len(items):  # one branch alone is too much: split it
                pending.extend(group)
            else:
                pending.append(_or(group))
        elif op == "$and":  # distributed over the halves of its widest item
            widest = max(range(len(items)), key=lambda i: peak(items[i]))
            pending.extend(
                {"$and": [*items[:widest], half, *items[widest + 1 :]]}
                for half in _halves(items[widest])
            )
        else:  # pragma: no cover - a single test keeps one
            found.append(item)
        if len(found) + len(pending) > most:
            return [expr]
    return found[::-1]


def _halves(expr: Expr) -> list[Expr]:
    """Two expressions whose disjunction is ``expr`` (one of a sequence of tests: itself)."""
    ((op, items),) = expr.items()
    if op == "$or":
        middle = len(items) // 2
        return [_or(items[:middle]), _or(items[middle:])]
    if op == "$and":
        widest = max(range(len(items)), key=lambda i: peak(items[i]))
        return [
            {"$and": [*items[:widest], half, *items[widest + 1 :]]}
            for half in _halves(items[widest])
        ]
    return [expr]


def rail_stack(r: EngineRule) -> tuple[list[tuple[str, str, str]], int]:
    """What an engine rule pushes under the test its gate selects it by (``a``), and the most
    it keeps on the stack."""
    if r.test is None:
        return [], 0
    if r.proves[1] is None:
        return [("u", r.proves[0], "")], peak(r.test)
    if r.prefixed:
        return [("p", r.name, "")], peak(r.test)
    return entries(r.test), peak(r.test)


def pack_gates(
    mine: list[str],
    conds: Mapping[str, Cond],
    reads: Mapping[str, list[str]],
    rails: list[EngineRule],
) -> list[list[str]]:
    """The rules of one stratum, in order, in as few gates as durable takes: each gate within
    ``MAX_FACT_PROPERTIES`` properties and ``STACK_BUDGET`` tests on the stack."""
    stacks: dict[str, list[tuple[list[tuple[str, str, str]], int]]] = {rid: [] for rid in mine}
    for r in rails:
        if r.proves[0] in stacks:
            stacks[r.proves[0]].append(rail_stack(r))
    out: list[list[str]] = []
    current: list[str] = []
    facts: set[str] = set()
    claims: set[str] = set()
    read: set[str] = set()
    for rid in mine:
        more_facts = facts | set(fact_dependencies(conds[rid]))
        more_claims = claims | claims_read(conds[rid])
        more_read = read | set(reads[rid])
        taking = [*current, rid]
        width = len(GATE_KEYS) + len(more_facts) + len(more_claims) + len(more_read)
        if current and (
            width + len(taking) > MAX_FACT_PROPERTIES
            or gate_peak([s for r in taking for s in stacks[r]]) > STACK_BUDGET
        ):
            out.append(current)
            taking = [rid]
            more_facts = set(fact_dependencies(conds[rid]))
            more_claims = claims_read(conds[rid])
            more_read = set(reads[rid])
        current, facts, claims, read = taking, more_facts, more_claims, more_read
    if current:
        out.append(current)
    return out


def gate_peak(stacks: list[tuple[list[tuple[str, str, str]], int]]) -> int:
    """The most tests on durable's stack under one selecting test with these rails below it."""
    if not stacks:
        return 0
    return max(_fanout(e for entries, _ in stacks for e in entries) - 1, 0) + max(
        peak for _, peak in stacks
    )
