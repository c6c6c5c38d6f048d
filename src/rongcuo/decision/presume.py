"""Reading a case file as a careful officer does: what an unstated fact is taken to be.

An investigator writes what the inquiry established, not a value for every fact. Each fact's
declaration says how an unstated value is read (catalogue §6): a presumed value with its reason,
an ordered list of ``when <condition> → value`` presumed from what is stated, or nothing (the
fact must be stated). This module applies those declarations; the policy is all in the ruleset.

* A fact the file states keeps its value; a fact it states as ``unknown`` stays unknown.
* A situation the applicant claims makes the facts its own condition reads findings that must be
  stated: their unconditional presumptions do not apply (a claimed emergency with ``emergency``
  unstated is unknown, never a presumed ``false``). A presumption *from what is stated* (one with
  a ``when``) still applies to them: a fact implied by a stated fact is read from it (§6.5).
* A presumption with conditions (``when``) reads what the file states, and every other fact it
  leaves out at its plain presumption (one ``presume`` value, no ``when``): never another
  conditional presumption, so the order of the declarations does not matter and no cycle can
  arise. A condition that is unknown leaves the fact unknown: which entry applies cannot be told
  yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rongcuo.engine.reference import eval_cond
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import FactValue, Known, Presumed, Ruleset, presumed_flag, walk


@dataclass(frozen=True)
class Reading:
    """A case's facts as the decision reads them."""

    facts: dict[str, FactValue]  # stated, then presumed
    flags: frozenset[str]  # the claims, and the flag of each presumed fact a rule asks about
    presumed: dict[str, int]  # presumed fact -> index of the entry of its declaration applied
    #: facts whose presumption waits on facts still unknown (a ``when`` that is unknown), with
    #: those facts: ask for them, not for the fact they would settle
    pending: dict[str, frozenset[str]] = field(default_factory=dict)


class Presumer:
    """The presumptions of one effective ruleset."""

    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        #: facts presumed whatever else is stated (one entry, no condition)
        self.plain = tuple(
            f for f in rs.facts.values() if len(f.presume) == 1 and f.presume[0].when is None
        )
        #: facts presumed from what is stated
        self.conditional = tuple(f for f in rs.facts.values() if f.presume and f not in self.plain)
        #: facts some rule asks whether they were presumed (``stated: true``)
        self.flagged = frozenset(
            node.fact
            for r in rs.rules.values()
            if r.when is not None
            for node in walk(r.when)
            if isinstance(node, Presumed)
        )
        #: per situation, the facts its own condition reads (claiming it makes them findings)
        self.own_facts = {
            r.id: frozenset(rs.graph.facts[r.id])
            for r in rs.rules_of("situation")
            if r.when is not None
        }
        #: per fact, the facts whose presumption reads it; and the facts a condition asks
        #: ``known:`` about (learning one may take a presumption away)
        readers: dict[str, set[str]] = {}
        asked: set[str] = set()
        for f in self.conditional:
            for entry in f.presume:
                if entry.when is None:
                    continue
                for dep in fact_dependencies(entry.when):
                    readers.setdefault(dep, set()).add(f.id)
                asked.update(n.fact for n in walk(entry.when) if isinstance(n, Known))
        self.dependents = {fid: frozenset(readers.get(fid, ())) for fid in rs.facts}
        self.known_asked = frozenset(asked)

    def must_state(self, claims: frozenset[str]) -> frozenset[str]:
        """The facts the claimed situations make findings that must be stated."""
        out: frozenset[str] = frozenset()
        for sid in claims:
            out |= self.own_facts.get(sid, frozenset())
        return out

    def read(
        self,
        stated: Mapping[str, FactValue],
        unknown: frozenset[str],
        claims: frozenset[str],
        must_state: frozenset[str] | None = None,
    ) -> Reading:
        """The facts ``stated``, with every presumption that applies; ``unknown`` are the facts
        the file states as not yet established."""
        claimed = self.must_state(claims) if must_state is None else must_state
        facts = dict(stated)
        presumed: dict[str, int] = {}
        pending: dict[str, frozenset[str]] = {}
        for decl in self.plain:
            fid = decl.id
            if fid not in facts and fid not in unknown and fid not in claimed:
                facts[fid] = decl.presume[0].value
                presumed[fid] = 0
        context = dict(facts)  # what conditions read: stated, and the plain presumptions
        for decl in self.conditional:
            fid = decl.id
            if fid in facts or fid in unknown:
                continue
            for i, entry in enumerate(decl.presume):
                if entry.when is None:
                    if fid in claimed:
                        break  # a claimed ground's own fact must be stated
                    holds: bool | None = True
                else:
                    holds = eval_cond(entry.when, context, frozenset(), {}, {})
                if holds is None:
                    # which entry applies cannot be told yet: the fact stays unknown, waiting
                    # on the facts the condition reads that are unknown
                    # (and on the fact itself, when no entry applies in the end: it may have to be
                    # stated after all)
                    assert entry.when is not None
                    waits = {f for f in fact_dependencies(entry.when) if f not in context}
                    if decl.presume[-1].when is not None:
                        waits.add(fid)
                    pending[fid] = frozenset(waits)
                    break
                if holds:
                    facts[fid] = entry.value
                    presumed[fid] = i
                    break
        flags = claims | {presumed_flag(f) for f in presumed if f in self.flagged}
        return Reading(facts, flags, presumed, pending)
