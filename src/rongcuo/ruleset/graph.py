"""The rules' dependency graph: takes a ruleset, gives what each rule reads and what reads it.

Built once per ruleset (``Ruleset.graph``) and used by every stage that follows rules through
one another: ``check`` (cycles, through negation or not), the compiler (which kinds range over
which rules, what a rule reads), ``lint``, the reference evaluator's order (``Program``), the
walk's presumptions and the missing-fact analysis (which rules a change of a fact can reach).
A rule ``reads`` another when its condition names it, directly (``rule:``) or through
``any_rule`` / ``all_rules`` of its kind; it reads the facts its comparisons and known-tests
name. A rule read but not declared (a check error) is left in ``reads`` and ``signed`` and out
of ``order``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from rongcuo.ruleset.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Cond,
    Established,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    presumed_flag,
    walk,
)

if TYPE_CHECKING:
    from rongcuo.ruleset.model import Ruleset


@dataclass(frozen=True)
class RuleGraph:
    """What each rule of one ruleset reads, and the order to evaluate them in."""

    #: kind -> the ids ``any_rule`` / ``all_rules`` of that kind range over (no referral rule)
    members: Mapping[str, tuple[str, ...]]
    #: rule id -> the rules its condition reads, each with whether it is read through a
    #: negation (``not``), sorted (a rule without a condition reads nothing)
    signed: Mapping[str, tuple[tuple[str, bool], ...]]
    #: rule id -> the rules its condition reads (directly or through a kind)
    reads: Mapping[str, frozenset[str]]
    #: rule id -> the rules its condition reads outside any ``established``
    plain_reads: Mapping[str, frozenset[str]]
    #: rule id -> the facts its condition reads directly, in order of first appearance
    facts: Mapping[str, tuple[str, ...]]
    #: every rule evaluated (not a referral), each after the rules it reads
    order: tuple[str, ...]
    _facts_and_flags: tuple[str, ...] = field(repr=False, compare=False, default=())
    _conds: Mapping[str, Cond] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def build(cls, rs: Ruleset) -> RuleGraph:
        """The graph of ``rs`` (checked or not: cycles are cut where the order meets them)."""
        members: dict[str, tuple[str, ...]] = {
            kind: tuple(r.id for r in rs.rules.values() if r.kind == kind and not r.referral)
            for kind in dict.fromkeys(r.kind for r in rs.rules.values())
        }
        conds = {r.id: r.when for r in rs.rules.values() if r.when is not None}
        signed = {
            rid: tuple(sorted(set(_signed(cond, members, False)))) for rid, cond in conds.items()
        }
        reads = {rid: frozenset(d for d, _ in edges) for rid, edges in signed.items()}
        plain = {
            rid: frozenset(rule_dependencies(cond, members, False)) for rid, cond in conds.items()
        }
        facts = {rid: tuple(fact_dependencies(cond)) for rid, cond in conds.items()}
        evaluated = [r.id for r in rs.rules.values() if not r.referral]
        return cls(
            members=members,
            signed=signed,
            reads=reads,
            plain_reads=plain,
            facts=facts,
            order=_topological(evaluated, reads),
            _facts_and_flags=tuple(rs.facts),
            _conds=conds,
        )

    def upstream(self, rule_ids: Iterable[str]) -> frozenset[str]:
        """``rule_ids`` and every rule they read, directly or through the rules they read."""
        return upstream_rules(rule_ids, self.reads)

    @cached_property
    def downstream(self) -> Mapping[str, frozenset[str]]:
        """For each fact (and presumed flag, ``~fact``), the rules that read it directly or
        through the rules they read: the only rules whose value a change of it can change."""
        readers: dict[str, set[str]] = {}
        direct: dict[str, set[str]] = {}
        for rid, cond in self._conds.items():
            for dep in self.reads[rid]:
                readers.setdefault(dep, set()).add(rid)
            for fid in self.facts[rid]:
                direct.setdefault(fid, set()).add(rid)
            for node in walk(cond):
                if isinstance(node, Presumed):
                    direct.setdefault(presumed_flag(node.fact), set()).add(rid)
        # the rules reading it directly, and every rule that reads those: the same closure as
        # upstream, taken along "is read by" instead of "reads"
        keys = [*self._facts_and_flags, *(k for k in direct if k not in self._facts_and_flags)]
        return {fid: upstream_rules(direct.get(fid, ()), readers) for fid in keys}


def upstream_rules(rule_ids: Iterable[str], reads: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """``rule_ids`` and every rule they read, directly or through the rules they read."""
    found = set(rule_ids)
    todo = list(found)
    while todo:
        for dep in reads.get(todo.pop(), ()):
            if dep not in found:
                found.add(dep)
                todo.append(dep)
    return frozenset(found)


def _topological(evaluated: list[str], reads: Mapping[str, frozenset[str]]) -> tuple[str, ...]:
    """``evaluated`` in an order where each rule comes after the evaluated rules it reads
    (depth first, dependencies in sorted order; a cycle, refused by check, is cut)."""
    wanted = set(evaluated)
    order: list[str] = []
    done: set[str] = set()

    def visit(rid: str) -> None:
        if rid in done:
            return
        done.add(rid)
        for dep in sorted(reads.get(rid, ())):
            if dep in wanted:
                visit(dep)
        order.append(rid)

    for rid in evaluated:
        visit(rid)
    return tuple(order)


def _signed(
    cond: Cond, members: Mapping[str, tuple[str, ...]], negated: bool
) -> Iterator[tuple[str, bool]]:
    """Each rule ``cond`` reads, with whether it is read through a negation."""
    if isinstance(cond, AllOf | AnyOf):
        for item in cond.items:
            yield from _signed(item, members, negated)
    elif isinstance(cond, Not):
        yield from _signed(cond.item, members, not negated)
    elif isinstance(cond, Established):
        yield from _signed(cond.item, members, negated)
    elif isinstance(cond, RuleRef):
        yield cond.rule, negated
    elif isinstance(cond, KindRef):
        for rid in members.get(cond.kind, ()):
            yield rid, negated


def rule_dependencies(
    cond: Cond, members: Mapping[str, tuple[str, ...]], established: bool = True
) -> set[str]:
    """Ids of the rules a condition reads, directly or through ``any_rule`` / ``all_rules``
    (with ``established=False``, other than inside an ``established``)."""
    out: set[str] = set()
    for node in walk(cond, established):
        if isinstance(node, RuleRef):
            out.add(node.rule)
        elif isinstance(node, KindRef):
            out.update(members.get(node.kind, ()))
    return out


def fact_dependencies(cond: Cond) -> list[str]:
    """Fact ids a condition reads directly, in order of first appearance."""
    seen: dict[str, None] = {}
    for node in walk(cond):
        if isinstance(node, Compare | Known):
            seen.setdefault(node.fact, None)
    return list(seen)
