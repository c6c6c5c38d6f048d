"""The ruleset as typed, immutable data: facts, rules, conditions, citations.

Nothing here evaluates anything. Every node remembers where it came from (``src``) so that later
stages can report errors at the right file and line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from rongcuo.errors import Location

FactType = Literal["bool", "number", "enum", "date", "text"]
#: A fact's value: a set of enum keys for an enum fact declared ``multiple: true``.
FactValue = bool | int | float | str | dt.date | frozenset[str]
RuleKind = Literal[
    "situation",
    "exclusion",
    "precondition",
    "look",
    "distinction",
    "mitigating",
    "aggravating",
    "outcome",
    "strike",
    "clearing",
    "clearing_method",
    "reporter_handling",
]
RULE_KINDS: tuple[RuleKind, ...] = (
    "situation",
    "exclusion",
    "precondition",
    "look",
    "distinction",
    "mitigating",
    "aggravating",
    "outcome",
    "strike",
    "clearing",
    "clearing_method",
    "reporter_handling",
)
#: Kinds of the clearing rules (catalogue §10): evaluated once for each allegation of a case, on
#: its facts (``scope: allegation``) and the case's, never in the decision order itself.
CLEARING_KINDS: frozenset[str] = frozenset(
    {"strike", "clearing", "clearing_method", "reporter_handling"}
)
#: How each field of an allegation in a case file (catalogue §10) reaches the clearing rules:
#: the fact id (declared in the ruleset with ``scope: allegation``) each one is read as.
ALLEGATION_FACTS: dict[str, str] = {
    "finding": "allegation_finding",
    "kind": "allegation_kind",
    "spread": "allegation_spread",
    "reporter.signed": "reporter_signed",
    "reporter.informed": "reporter_informed",
}
#: The computed facts a ruleset may declare (``computed: NAME``), and what computes them.
COMPUTED_FACTS: dict[str, str] = {
    "allegations_struck": "至少有一项举报问题，且每一项都被认定为查否（strike 规则成立）",
}
#: Kinds that ``any_rule`` / ``all_rules`` may aggregate over.
AGGREGATE_KINDS: tuple[RuleKind, ...] = (
    "situation",
    "exclusion",
    "precondition",
    "mitigating",
    "aggravating",
)
CmpOp = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains"]
ORDER_OPS: frozenset[str] = frozenset({"lt", "le", "gt", "ge"})
LOOK_FINDINGS = ("favourable", "unfavourable", "neutral")
NOWHERE = Location("<builtin>")


# --- conditions ----------------------------------------------------------------------------


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


# --- declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """Values a case file cannot state together (``constraints:``), e.g. no loss with a loss in
    yuan: when ``when`` holds on what a case states, the case is in error (RC213)."""

    id: str
    when: Cond
    message: str
    message_en: str
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Presumption:
    """One entry of a fact's presumption (catalogue §6.5): when ``when`` holds on what is
    stated (and presumed before), an unstated value is taken to be ``value``; no ``when``: always.
    """

    value: FactValue
    reason: str
    when: Cond | None = None
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class FactDecl:
    """A fact a case file may state."""

    id: str
    type: FactType
    label: str
    values: tuple[tuple[str, str], ...] = ()  # enum value -> Chinese label, in declared order
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    looks: tuple[str, ...] = ()
    question: str = ""
    #: an enum fact whose value is a set of its values (``multiple: true``)
    multiple: bool = False
    #: what an unstated value is taken to be, tried in order; empty: it must be stated
    presume: tuple[Presumption, ...] = ()
    #: a local ruleset's declaration of an inherited fact, replacing it (same type and values)
    replaces: bool = False
    #: a comment stands just above the declaration (lint asks a replacement to say why)
    commented: bool = field(default=False, compare=False)
    src: Location = field(default=NOWHERE, compare=False)
    #: ``allegation``: a fact of each allegation (catalogue §10), read by the clearing rules
    #: only; ``""``: a fact of the case
    scope: str = ""
    #: computed from the case file, never stated (one of :data:`COMPUTED_FACTS`)
    computed: str = ""
    #: the enum values, to check a case's value against
    keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(k for k, _ in self.values))

    def value_label(self, value: object) -> str:
        """The Chinese label of an enum value, or the value itself as text."""
        for key, label in self.values:
            if key == value:
                return label
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    def display(self, value: FactValue) -> str:
        """A value of this fact as a memo prints it: the enum label (the labels of a set, in
        declared order, joined by 、), 是/否, a date in ISO form, a whole number without ``.0``,
        and the unit of a number."""
        if isinstance(value, frozenset):
            return "、".join(label for key, label in self.values if key in value) or "（无）"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = self.value_label(value)
        return f"{text}{self.unit}" if self.unit and self.type == "number" else text


@dataclass(frozen=True)
class Document:
    """A source document rules cite."""

    id: str
    title: str
    number: str = ""
    date: dt.date | None = None
    issuer: str = ""
    note: str = ""
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Citation:
    """The clause of a source document a rule encodes."""

    doc: str
    clause: str
    text: str
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Look:
    """One of the six looks (六看)."""

    id: str
    label: str
    question: str = ""
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Distinction:
    """One of the three distinctions (三个区分开来)."""

    id: str
    label: str
    tolerable: str
    intolerable: str
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class OutcomeDecl:
    """An outcome id, its wording, and its ``rank`` among the outcomes: lighter first (1 is the
    lightest); 从旧兼从轻 applies the version whose outcome ranks lighter. ``None``: unranked
    (``insufficient_facts`` never has a rank)."""

    id: str
    label: str
    src: Location = field(default=NOWHERE, compare=False)
    rank: int | None = None


@dataclass(frozen=True)
class Effect:
    """What follows an outcome for the cadre or the unit (认定后的影响), with its clause."""

    id: str
    outcome: str
    text: str
    cite: Citation | None = None
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class TimeLimit:
    """A time limit of a procedural step, in working days."""

    working_days: int
    extendable_by: int = 0
    starts: str = ""
    anchor: str = ""  # one of ANCHORS (``from:`` in YAML): the event the count starts from
    #: the parameters the two counts were written as (``{param: NAME}``), ``""`` for a constant;
    #: merge puts the parameter's value in ``working_days`` / ``extendable_by``
    working_days_param: str = field(default="", compare=False)
    extendable_by_param: str = field(default="", compare=False)


ParamType = Literal["number", "working_days", "months"]
PARAM_TYPES: tuple[ParamType, ...] = ("number", "working_days", "months")


@dataclass(frozen=True)
class Parameter:
    """A named value of a ruleset (a threshold, a time limit in working days, a period in months)
    that rules and time limits refer to as ``{param: id}``; a ruleset that extends this one may
    give it another value (``replaces: true``)."""

    id: str
    label: str
    type: ParamType
    value: int | float
    cite: Citation | None = None
    replaces: bool = False
    ruleset: str = ""  # id of the ruleset file that declared this value
    src: Location = field(default=NOWHERE, compare=False)

    def display(self) -> str:
        """The value as a memo prints it: ``15个工作日``, ``6个月``, a whole number without
        ``.0``."""
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        unit = {"working_days": "个工作日", "months": "个月"}.get(self.type, "")
        return f"{value}{unit}"


class ParamRef(str):
    """``{param: NAME}`` as a ruleset file writes it where a constant goes, with where it is.

    Only a loaded file (:class:`RulesetFile`) holds these: a ``str`` so that it can stand in a
    comparison's value until the ``extends`` chain is merged, when each is replaced by the
    parameter's effective value (``rongcuo.ruleset.params``). No evaluator ever sees one.
    """

    src: Location

    def __new__(cls, name: str, src: Location = NOWHERE) -> ParamRef:
        ref = super().__new__(cls, name)
        ref.src = src
        return ref


# Events a time limit can count from (``time_limit.from``), and what a memo calls them. A case
# file records the dates of those that have happened (``procedure:``).
ANCHORS: dict[str, str] = {
    "inquiry_notified": "被告知问责调查之日",
    "accepted": "受理申请或启动程序之日",
    "decided": "作出认定之日",
    "notice_received": "收到书面通知之日",
}


@dataclass(frozen=True)
class ProcedureStep:
    """A step of the tolerance procedure."""

    id: str
    label: str
    description: str = ""
    time_limit: TimeLimit | None = None
    cite: Citation | None = None
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Rule:
    """A rule: a kind, a condition, the clause it encodes, and what its kind needs."""

    id: str
    kind: RuleKind
    label: str
    when: Cond | None
    cite: Citation | None
    look: str = ""
    finding: str = ""
    distinction: str = ""
    side: str = ""
    outcome: str = ""
    step: int = 0
    pairs_with: str = ""
    referral: bool = False
    replaces: bool = False
    note: str = ""
    ruleset: str = ""  # id of the ruleset file that defined it
    src: Location = field(default=NOWHERE, compare=False)
    #: a clearing_method rule's method id; a reporter_handling rule's handling id
    method: str = ""
    handling: str = ""


@dataclass(frozen=True)
class Named:
    """An id the clearing rules name (a false-accusation kind, a clearing method, a way of
    handling the reporter) with its wording and clause."""

    id: str
    label: str
    definition: str = ""
    cite: Citation | None = None
    src: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class ClearingDecl:
    """The ``clearing:`` block (catalogue §10): what the clearing rules name, who clears and by
    when. A local ruleset's block replaces entries by id and adds its own."""

    kinds: tuple[Named, ...] = ()
    methods: tuple[Named, ...] = ()
    handlings: tuple[Named, ...] = ()
    #: who clears (谁核实谁澄清), as the memos say it, with its clause
    by: str = ""
    by_cite: Citation | None = None
    #: the deadline in working days from the day the verification concluded
    deadline: TimeLimit | None = None
    deadline_cite: Citation | None = None
    src: Location = field(default=NOWHERE, compare=False)


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

    def rules_of(self, kind: RuleKind) -> list[Rule]:
        """Rules of one kind, in declaration order (referral situations included)."""
        return [r for r in self.rules.values() if r.kind == kind]

    def aggregated(self, kind: RuleKind) -> list[Rule]:
        """Rules that ``any_rule`` / ``all_rules`` of ``kind`` range over."""
        return [r for r in self.rules.values() if r.kind == kind and not r.referral]

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
