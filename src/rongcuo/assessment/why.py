"""Which facts a rule's value rests on: the questions an assessment names.

Takes a condition, the facts it was evaluated on, the rule values and the ruleset; gives the
facts whose values make the condition come out as it did. ``any`` names every item that holds
(so a postponement names each unfavourable question, not the first), ``all`` every item when it
holds and each failing one when it does not; ``established`` that is not met names the facts
its item reads that are unknown, or those that make the item false; ``not`` turns the value
round; a rule reference is followed into the rule's condition.
"""

from __future__ import annotations

from collections.abc import Mapping

from rongcuo.engine.reference import Facts, Truth, eval_cond
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import (
    AGGREGATE_KINDS,
    AllOf,
    AnyOf,
    Compare,
    Cond,
    Established,
    KindRef,
    Known,
    Not,
    RuleRef,
    Ruleset,
)


def grounds(
    rs: Ruleset, cond: Cond, facts: Facts, values: Mapping[str, bool], want: Truth = True
) -> list[str]:
    """The facts that make ``cond`` come out ``want`` on ``facts``, in the order it reads them."""
    out: dict[str, None] = {}
    members: dict[str, tuple[str, ...]] = {
        k: tuple(r.id for r in rs.aggregated(k)) for k in AGGREGATE_KINDS
    }
    _Grounds(rs, facts, values, members, out).collect(cond, want)
    return list(out)


class _Grounds:
    def __init__(
        self,
        rs: Ruleset,
        facts: Facts,
        values: Mapping[str, bool],
        members: Mapping[str, tuple[str, ...]],
        out: dict[str, None],
    ) -> None:
        self.rs, self.facts, self.values, self.members, self.out = rs, facts, values, members, out

    def value(self, cond: Cond) -> Truth:
        return eval_cond(cond, self.facts, frozenset(), self.values, self.members)

    def collect(self, cond: Cond, want: Truth) -> None:
        out, rs = self.out, self.rs
        if isinstance(cond, Compare | Known):
            out.setdefault(cond.fact)
        elif isinstance(cond, Not):
            self.collect(cond.item, None if want is None else not want)
        elif isinstance(cond, Established):
            inner = self.value(cond.item)
            if want:
                self.collect(cond.item, True)
            elif inner is None:
                for fid in fact_dependencies(cond.item):
                    if fid not in self.facts:
                        out.setdefault(fid)
            else:
                self.collect(cond.item, inner)
        elif isinstance(cond, AllOf | AnyOf):
            # the items that settle it: every item of an `all` that holds or an `any` that
            # fails, else the items that come out as it did
            every = (isinstance(cond, AllOf) and want is True) or (
                isinstance(cond, AnyOf) and want is False
            )
            for item in cond.items:
                if every or self.value(item) == want:
                    self.collect(item, want)
        elif isinstance(cond, RuleRef):
            rule = rs.rules.get(cond.rule)
            if rule is not None and rule.when is not None:
                self.collect(rule.when, want)
        elif isinstance(cond, KindRef):
            for rule in rs.aggregated(cond.kind):
                if rule.when is not None and self.values.get(rule.id) == want:
                    self.collect(rule.when, want)
