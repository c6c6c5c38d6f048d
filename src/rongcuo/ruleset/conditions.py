"""The conditions of rules, as immutable trees: all / any / not, comparisons on facts, the
truth of other rules, claims, and the marks that a value was presumed or a condition established.

Takes nothing (the loader builds the nodes); gives the node classes, the ``Cond`` union and
:func:`walk` over a tree. Nothing here evaluates anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from rongcuo.errors import Location
from rongcuo.ruleset.vocabulary import NOWHERE, CmpOp, FactValue, RuleKind


@dataclass(frozen=True)
class AllOf:
    """True when every item is true; false when any item is false."""

    items: tuple[Cond, ...]
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class AnyOf:
    """True when some item is true; false when every item is false."""

    items: tuple[Cond, ...]
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Not:
    """Swaps true and false; unknown stays unknown."""

    item: Cond
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Compare:
    """``fact <op> value``: unknown when the fact is unknown."""

    fact: str
    op: CmpOp
    value: FactValue | tuple[FactValue, ...]
    src: Location = field(default=NOWHERE, compare=False)
    #: the parameter each value was written as (``{param: NAME}``), shaped like ``value`` (a
    #: tuple for ``in`` / ``not_in``); ``""`` where a constant was written. Merge resolves the
    #: value itself, so evaluators never read this: it is for views that name the parameter.
    param: str | tuple[str, ...] = field(default="", compare=False)


@dataclass(frozen=True)
class Known:
    """Whether a fact is known (``known: true``) or unknown (``known: false``); never unknown."""

    fact: str
    known: bool
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Presumed:
    """Whether the case's value of a fact was presumed (catalogue §6), not stated; always known.

    Never written in a ruleset: a comparison marked ``stated: true`` reads as
    ``all: [not Presumed(fact), comparison]``, so that a presumed value establishes nothing
    there (§6.6). Evaluators read it from the flags passed beside the claims
    (:func:`presumed_flag`)."""

    fact: str
    src: Location = field(default=NOWHERE, compare=False)


def presumed_flag(fact_id: str) -> str:
    """The flag that says a fact was presumed, in the set evaluators get with the claimed
    situations (a situation id cannot hold ``~``)."""
    return "~" + fact_id


@dataclass(frozen=True)
class Established:
    """Whether a condition is established (true); false when it is false or still unknown, so
    never unknown. ``{established: …}`` in a ruleset: "the facts establish …" (catalogue §7,
    step 0: no exclusion and no situation established)."""

    item: Cond
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class RuleRef:
    """The truth of another rule."""

    rule: str
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class KindRef:
    """``any_rule: KIND`` (some rule of that kind holds) or ``all_rules: KIND`` (every one)."""

    kind: RuleKind
    quantifier: Literal["any", "all"]
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Claimed:
    """Whether the applicant invokes a situation id; always known."""

    situation: str
    src: Location = field(default=NOWHERE, compare=False)


Cond = AllOf | AnyOf | Not | Compare | Known | RuleRef | KindRef | Claimed | Presumed | Established


def flag_key(node: Claimed | Presumed) -> str:
    """The always-known flag a ``claimed`` or presumed-mark node reads, as it stands in the set
    of claims evaluators get: the situation id, or :func:`presumed_flag` of the fact."""
    return node.situation if isinstance(node, Claimed) else presumed_flag(node.fact)


def walk(cond: Cond, established: bool = True) -> Iterator[Cond]:
    """Every node of a condition, parents first; with ``established=False``, not the nodes
    inside an ``established`` (what the condition reads other than through one)."""
    yield cond
    if isinstance(cond, AllOf | AnyOf):
        for item in cond.items:
            yield from walk(item, established)
    elif isinstance(cond, Not) or (isinstance(cond, Established) and established):
        yield from walk(cond.item, established)
