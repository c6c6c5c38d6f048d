"""The ruleset as typed, immutable data: facts, rules, conditions, citations.

Nothing here evaluates anything. Every node remembers where it came from (``src``) so that later
stages can report errors at the right file and line.

This module holds what a loaded file and an effective ruleset are (:class:`RulesetFile`,
:class:`Ruleset`, :class:`Component`) and :func:`json_value`. The parts they are made of live
beside it and are re-exported here, so that ``from rongcuo.ruleset.model import …`` reaches
every one of them:

- :mod:`rongcuo.ruleset.vocabulary`: FactType, FactValue, RuleKind, RULE_KINDS, CLEARING_KINDS,
  ALLEGATION_FACTS, COMPUTED_FACTS, AGGREGATE_KINDS, CmpOp, ORDER_OPS, LOOK_FINDINGS, NOWHERE;
- :mod:`rongcuo.ruleset.conditions`: AllOf, AnyOf, Not, Compare, Known, Presumed, Established,
  RuleRef, KindRef, Claimed, Cond, presumed_flag, flag_key, walk;
- :mod:`rongcuo.ruleset.declarations`: Constraint, Presumption, FactDecl, Document, Citation,
  Look, Distinction, OutcomeDecl, Effect, TimeLimit, ParamType, PARAM_TYPES, Parameter,
  ParamRef, ANCHORS, ProcedureStep, Rule, Named, ClearingDecl.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

from rongcuo.errors import Location
from rongcuo.ruleset.conditions import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    flag_key,
    presumed_flag,
    walk,
)
from rongcuo.ruleset.declarations import (
    ANCHORS,
    ASSESSMENT_FACTS,
    PARAM_TYPES,
    RULESET_KINDS,
    AssessmentFact,
    Citation,
    ClearingDecl,
    Constraint,
    Distinction,
    Document,
    Effect,
    FactDecl,
    Look,
    Named,
    OutcomeDecl,
    Parameter,
    ParamRef,
    ParamType,
    Presumption,
    ProcedureStep,
    Rule,
    TimeLimit,
)
from rongcuo.ruleset.graph import RuleGraph
from rongcuo.ruleset.vocabulary import (
    AGGREGATE_KINDS,
    ALLEGATION_FACTS,
    CLEARING_KINDS,
    COMPUTED_FACTS,
    LOOK_FINDINGS,
    NOWHERE,
    ORDER_OPS,
    RULE_KINDS,
    CmpOp,
    FactType,
    FactValue,
    RuleKind,
)

__all__ = [
    "AGGREGATE_KINDS",
    "ALLEGATION_FACTS",
    "ANCHORS",
    "ASSESSMENT_FACTS",
    "CLEARING_KINDS",
    "COMPUTED_FACTS",
    "LOOK_FINDINGS",
    "NOWHERE",
    "ORDER_OPS",
    "PARAM_TYPES",
    "RULESET_KINDS",
    "RULE_KINDS",
    "AllOf",
    "AnyOf",
    "AssessmentFact",
    "Citation",
    "Claimed",
    "ClearingDecl",
    "CmpOp",
    "Compare",
    "Component",
    "Cond",
    "Constraint",
    "Distinction",
    "Document",
    "Effect",
    "Established",
    "FactDecl",
    "FactType",
    "FactValue",
    "JsonFactValue",
    "KindRef",
    "Known",
    "Look",
    "Named",
    "Not",
    "OutcomeDecl",
    "ParamRef",
    "ParamType",
    "Parameter",
    "Presumed",
    "Presumption",
    "ProcedureStep",
    "Rule",
    "RuleKind",
    "RuleRef",
    "Ruleset",
    "RulesetFile",
    "TimeLimit",
    "flag_key",
    "json_value",
    "presumed_flag",
    "walk",
]


@dataclass(frozen=True)
class RulesetFile:
    """One version file of a ruleset, as written (before ``extends`` is resolved)."""

    id: str
    title: str
    jurisdiction: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    extends: str
    extends_version: str
    description: str
    documents: tuple[Document, ...]
    facts: tuple[FactDecl, ...]
    looks: tuple[Look, ...]
    distinctions: tuple[Distinction, ...]
    outcomes: tuple[OutcomeDecl, ...]
    rules: tuple[Rule, ...]
    disable: tuple[tuple[str, Location], ...]
    procedure: tuple[ProcedureStep, ...]
    effects: tuple[Effect, ...]
    path: str
    sha256: str
    src: Location = field(default=NOWHERE, compare=False)
    parameters: tuple[Parameter, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    clearing: ClearingDecl | None = None
    #: ``tolerance`` (the default) or ``assessment`` (:data:`RULESET_KINDS`)
    kind: str = "tolerance"

    def in_force(self, day: dt.date) -> bool:
        """Whether this version applies on ``day``."""
        if day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


@dataclass(frozen=True)
class Component:
    """A file that went into an effective ruleset (itself or an ancestor through ``extends``)."""

    id: str
    version: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Ruleset:
    """An effective ruleset: one version with everything it extends merged in."""

    id: str
    title: str
    jurisdiction: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    documents: dict[str, Document]
    facts: dict[str, FactDecl]
    looks: dict[str, Look]
    distinctions: dict[str, Distinction]
    outcomes: dict[str, OutcomeDecl]
    rules: dict[str, Rule]
    procedure: tuple[ProcedureStep, ...]
    effects: dict[str, Effect]
    components: tuple[Component, ...]
    content_hash: str
    #: the parameters with their effective values (the last file of the chain to set each);
    #: every ``{param: …}`` in rules and time limits already holds its value
    parameters: dict[str, Parameter] = field(default_factory=dict)
    #: combinations of stated values a case file may not give (catalogue §6.5)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    #: what the clearing rules name, merged along the chain (``None``: no ``clearing:`` block)
    clearing: ClearingDecl | None = None
    #: ``tolerance`` (decides a case: a Decision) or ``assessment`` (assesses a cadre afterwards:
    #: an Assessment, with the ruleset's own outcomes); every file of a chain has the same kind
    kind: str = "tolerance"

    def rules_of(self, kind: RuleKind) -> list[Rule]:
        """Rules of one kind, in declaration order (referral situations included)."""
        return [r for r in self.rules.values() if r.kind == kind]

    def aggregated(self, kind: RuleKind) -> list[Rule]:
        """Rules that ``any_rule`` / ``all_rules`` of ``kind`` range over."""
        return [r for r in self.rules.values() if r.kind == kind and not r.referral]

    @cached_property
    def graph(self) -> RuleGraph:
        """What each rule reads and the order to evaluate them in, worked out once."""
        return RuleGraph.build(self)

    def part(self, clearing: bool) -> Ruleset:
        """The part of the ruleset one evaluation runs: the decision order's rules and the
        case's facts (``clearing=False``), or the clearing rules with the allegation facts and
        the case facts they read (``clearing=True``), each evaluated on its own. Same content
        hash: both are views of this ruleset, made once."""
        return self._parts[clearing]

    @cached_property
    def _parts(self) -> tuple[Ruleset, Ruleset]:
        out = []
        for clearing in (False, True):
            rules = {k: r for k, r in self.rules.items() if (r.kind in CLEARING_KINDS) == clearing}
            if clearing:
                read = {
                    n.fact
                    for r in rules.values()
                    if r.when is not None
                    for n in walk(r.when)
                    if isinstance(n, Compare | Known | Presumed)
                }
                facts = {
                    k: f for k, f in self.facts.items() if f.scope == "allegation" or k in read
                }
            else:
                facts = {k: f for k, f in self.facts.items() if f.scope != "allegation"}
            # a constraint on an allegation's facts is checked on each allegation
            constraints = {
                k: c
                for k, c in self.constraints.items()
                if self._reads_allegation(c.when) == clearing
            }
            out.append(replace(self, rules=rules, facts=facts, constraints=constraints))
        return out[0], out[1]

    def _reads_allegation(self, cond: Cond) -> bool:
        return any(
            isinstance(n, Compare | Known)
            and n.fact in self.facts
            and self.facts[n.fact].scope == "allegation"
            for n in walk(cond)
        )


JsonFactValue = bool | int | float | str | list[str] | None


def json_value(value: FactValue | None) -> JsonFactValue:
    """A fact value as JSON data (a date as its ISO text, a set as its sorted keys)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value
