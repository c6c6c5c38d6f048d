"""What a ruleset file declares besides its conditions: facts (with presumptions and
constraints), documents and citations, looks, distinctions, outcomes, effects, parameters,
procedure steps, rules and the ``clearing:`` block.

Takes the conditions of :mod:`rongcuo.ruleset.conditions`; gives the immutable declaration
classes that :class:`~rongcuo.ruleset.model.RulesetFile` and
:class:`~rongcuo.ruleset.model.Ruleset` hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from rongcuo.errors import Location
from rongcuo.ruleset.conditions import Cond
from rongcuo.ruleset.vocabulary import NOWHERE, FactType, FactValue, RuleKind


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


#: The kinds of ruleset (top-level ``kind:``): ``tolerance`` decides a case (a Decision, its
#: fixed outcomes, catalogue §7); ``assessment`` assesses a cadre afterwards (reuse, catalogue
#: §12; the three-level warning, §13) into outcomes of its own (an Assessment, never a Decision).
RULESET_KINDS: tuple[str, ...] = ("tolerance", "assessment")


@dataclass(frozen=True)
class AssessmentFact:
    """A fact the assessment stage computes for an assessment ruleset that declares it (the
    input file never states it): its type, its values (an enum's keys, in order), and whether
    it is always known once computed (``False``: unknown when the input lacks what it is
    computed from, e.g. a sanction)."""

    type: FactType
    values: tuple[str, ...]
    always_known: bool
    source: str


#: The facts the assessment stage computes, by id, with what computes them. A fixed table, as
#: ANCHORS is: the values come from the input file (its sanctions, its warning history) and
#: the ruleset's parameters, never from code.
ASSESSMENT_FACTS: dict[str, AssessmentFact] = {
    "impact_period_ended": AssessmentFact(
        "bool",
        (),
        False,
        "评估日期已过全部处分的影响期（由 sanction 与影响期参数算出；没有处分则不明）",
    ),
    "last_level": AssessmentFact(
        "enum",
        ("none", "level_1", "level_2", "level_3"),
        True,
        "最近一次问责预警的级别（由预警记录 history 算出；没有记录为 none）",
    ),
}


# Events a time limit can count from (``time_limit.from``) or a step is done by (``done_by``),
# and what a memo calls them. A case file records the dates of those that have happened
# (``procedure:``); a case's procedure record (rongcuo.procedure) records each as a step.
ANCHORS: dict[str, str] = {
    "inquiry_notified": "被告知问责调查之日",
    "applied": "提出容错申请之日",
    "accepted": "受理申请或启动程序之日",
    "investigated": "调查核实完毕之日",
    "decided": "作出认定之日",
    "notice_received": "收到书面通知之日",
    "filed": "报组织部门备案之日",
    "appealed": "提出申诉之日",
    "review_decided": "作出复核决定之日",
}


StepActor = Literal["body", "cadre"]
STEP_ACTORS: tuple[StepActor, ...] = ("body", "cadre")


@dataclass(frozen=True)
class ProcedureStep:
    """A step of the tolerance procedure."""

    id: str
    label: str
    description: str = ""
    time_limit: TimeLimit | None = None
    cite: Citation | None = None
    #: the event (one of ANCHORS) whose date marks the step done (``done_by`` in YAML); ``""``
    #: for a step no event completes (a case's record then shows it as not tracked)
    done_by: str = ""
    #: who must act (``by`` in YAML): ``body``, the deciding body, whose late step is overdue;
    #: or ``cadre``, whose step (applying, appealing) is a right that lapses when not used
    by: StepActor = "body"
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
