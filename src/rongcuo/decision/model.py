"""The Decision: a proposal for the deciding body, with every finding traced to a rule and clause.

All of it is plain data (pydantic models). Text, JSON and memos are views of it. The JSON form is
the stable contract: ``decision.to_json()`` is byte-identical for the same ruleset, case and
``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

#: The version of the Decision contract (``rongcuo.decision.contract``, docs/api.md).
SCHEMA_VERSION = "1.0"
TruthName = Literal["true", "false", "unknown"]
OutcomeId = Literal[
    "tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer", "cleared"
]
JsonValue = bool | int | float | str | list[str] | None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


if TYPE_CHECKING:
    from rongcuo.ruleset.model import Citation, Document

M = TypeVar("M", bound=_Model)


def builder(cls: type[M]) -> Callable[..., M]:
    """A keyword-only constructor of ``cls`` for values that already have exactly the types
    validation would give.

    The decision stage builds hundreds of records a case from data it made itself; validating
    each again was most of a decision's cost, and ``model_construct`` does per-field work in
    Python that costs about as much. The builder fills the instance the way
    ``model_construct`` does — its fields in declared order (the order JSON follows), the
    fields passed as its fields set, no extra or private attributes — so the result equals the
    validated model, JSON included. Fields left out take their defaults and, as with
    validation, are not counted as set. Only for the models of this module (no validators,
    no aliases, no private attributes: ``tests`` hold the builders equal to validation).
    """
    names = tuple(cls.model_fields)
    required = frozenset(n for n, f in cls.model_fields.items() if f.is_required())
    defaults = {
        n: f.get_default(call_default_factory=True)
        for n, f in cls.model_fields.items()
        if not f.is_required()
    }
    known = frozenset(names)
    new, put = cls.__new__, object.__setattr__

    def build(**given: Any) -> M:
        if not required <= given.keys() or not given.keys() <= known:
            missing = sorted(required - given.keys())
            unknown = sorted(given.keys() - known)
            raise TypeError(f"{cls.__name__}: missing {missing}, unknown {unknown}")
        values = {n: given[n] if n in given else defaults[n] for n in names}
        obj = new(cls)
        put(obj, "__dict__", values)
        put(obj, "__pydantic_fields_set__", set(given))
        put(obj, "__pydantic_extra__", None)
        put(obj, "__pydantic_private__", None)
        return obj

    build.__doc__ = f"Build a {cls.__name__} without validating it again (see ``builder``)."
    return build


class CitationRef(_Model):
    """The clause a rule encodes."""

    doc: str
    doc_title: str
    doc_number: str = ""
    clause: str
    text: str


_new_citation_ref = builder(CitationRef)


def citation_ref(cite: Citation | None, documents: Mapping[str, Document]) -> CitationRef | None:
    """A clause as a Decision cites it, with its document's title and number."""
    if cite is None:
        return None
    doc = documents.get(cite.doc)
    return _new_citation_ref(
        doc=cite.doc,
        doc_title=doc.title if doc else cite.doc,
        doc_number=doc.number if doc else "",
        clause=cite.clause,
        text=cite.text,
    )


class FactUse(_Model):
    """A fact a rule read, and its value in the case (``null`` when unknown)."""

    id: str
    label: str
    value: JsonValue
    display: str = Field(description="the value as a memo prints it; 未知 when unknown")
    presumed: bool = Field(
        default=False, description="the value is presumed (the case file does not state it)"
    )


# Immutable all through (tuples, not lists): one record may serve several decisions.
class RuleResult(_Model):
    """A rule and whether it holds for the case."""

    id: str
    kind: str
    label: str
    value: TruthName
    citation: CitationRef | None
    facts: tuple[FactUse, ...]
    unknown_facts: tuple[str, ...] = Field(
        description="facts this rule reads that the case leaves unknown"
    )
    note: str = ""


# Immutable all through (tuples, not lists): one record may serve several decisions.
class LookFinding(_Model):
    """The finding for one of the six looks."""

    id: str
    label: str
    finding: Literal["favourable", "unfavourable", "neutral", "unknown"]
    finding_label: str
    rules: tuple[RuleResult, ...] = Field(
        description="the rules that gave the look its finding (while unknown: the rules still "
        "unknown that could decide it)"
    )
    facts: tuple[FactUse, ...] = Field(description="the facts declared to inform this look")


# Immutable all through (tuples, not lists): one record may serve several decisions.
class DistinctionFinding(_Model):
    """Which side of one of the three distinctions the conduct falls on."""

    id: str
    label: str
    side: Literal["tolerable", "intolerable", "not_applicable", "unknown"]
    side_label: str
    tolerable: str
    intolerable: str
    rules: tuple[RuleResult, ...]


class ClaimCheck(_Model):
    """A situation the applicant invoked, as checked (never trusted)."""

    id: str
    label: str
    status: Literal["established", "not_established", "unknown", "referred_to_committee"]


class ValueEffect(_Model):
    """What the outcome would be if a missing fact had this value (others unchanged)."""

    value: JsonValue
    display: str
    outcome: OutcomeId
    outcome_label: str


class MissingFact(_Model):
    """A fact the case leaves unknown that a relevant rule reads."""

    id: str
    label: str
    question: str = ""
    looks: list[str]
    rules: list[str] = Field(description="undecided rules that read it")
    changes_outcome: bool = Field(description="some value of it alone changes the outcome")
    settles: bool = Field(
        default=False, description="every value of it alone decides the case: ask it first"
    )
    jointly: bool | None = Field(
        default=None,
        description="it changes nothing alone but does once another missing fact is known "
        "(null: not examined, or it changes the outcome alone)",
    )
    stated_unknown: bool = Field(
        default=False, description="the case file states it as not yet established"
    )
    effects: list[ValueEffect]


class PresumedFact(_Model):
    """A fact the case file leaves out, read as the ruleset presumes (catalogue §6)."""

    id: str
    label: str
    value: JsonValue
    display: str
    reason: str = Field(description="why it is presumed, as the ruleset says (Chinese)")
    changes_outcome: bool = Field(
        description="some other value of it (tried alone) would change the outcome"
    )
    effects: list[ValueEffect] = Field(
        description="the outcome under each other value of it, the other facts unchanged"
    )


class WalkStep(_Model):
    """One rule of the decision order, as the decision walked through it."""

    step: int
    rule: str
    label: str
    outcome: OutcomeId
    value: TruthName
    citation: CitationRef | None


# Immutable all through (tuples, not lists): one record may serve several decisions.
class TraceStep(_Model):
    """One rule evaluated: what it read and what it concluded."""

    seq: int
    rule: str
    kind: str
    label: str
    value: TruthName
    citation: CitationRef | None
    facts: tuple[FactUse, ...]
    reads_rules: tuple[str, ...]


class RulesetRef(_Model):
    """Which ruleset decided, exactly."""

    id: str
    title: str
    version: str
    content_hash: str
    components: list[dict[str, str]]


class EngineRef(_Model):
    """Which engine evaluated the rules."""

    name: str
    version: str
    rongcuo_version: str


class CaseRef(_Model):
    """The case decided."""

    id: str
    title: str
    incident_date: str
    content_hash: str
    cadre: dict[str, str | None] | None


VersionRole = Literal["incident", "as_of"]


class VersionOutcome(_Model):
    """One version of the ruleset a case was decided under, and the outcome it gave."""

    role: VersionRole = Field(
        description="incident: in force when the conduct happened (on conduct_until when the "
        "case gives it); as_of: in force on the date of the assessment"
    )
    date: str = Field(description="the day the version was chosen for (ISO)")
    ruleset: str
    version: str
    content_hash: str
    outcome: OutcomeId


class VersionChoice(_Model):
    """从旧兼从轻 (catalogue §11): the two versions a case was decided under, the one whose
    decision applies, and why."""

    considered: tuple[VersionOutcome, VersionOutcome] = Field(
        description="the incident version, then the as_of version"
    )
    applied: VersionRole
    reason_zh: str
    reason_en: str


class NamedRef(_Model):
    """An id the clearing rules name — a false-accusation kind, a clearing method, a way of
    handling the reporter — with its wording and clause."""

    id: str
    label: str
    definition: str = ""
    citation: CitationRef | None = None


class FactRef(_Model):
    """A fact by id, with its label and the question to ask about it."""

    id: str
    label: str
    question: str = ""


class PresumedValue(_Model):
    """A fact of an allegation the case file leaves out, read as the ruleset presumes."""

    id: str
    label: str
    value: JsonValue
    display: str
    reason: str


class ClearingDeadline(_Model):
    """By when the name is to be cleared: working days from the day the verification
    concluded."""

    working_days: int
    starts: str = Field(description="the event the count starts from, as memos say it")
    starts_on: str | None = Field(
        description="the allegation's concluded_on (ISO), null when the case does not give it"
    )
    param: str = Field(default="", description="the ruleset parameter the limit is")
    citation: CitationRef | None = None


class ReporterOutcome(_Model):
    """What happens to the reporter of one allegation (catalogue §10)."""

    signed: bool | None = Field(description="实名举报; null when the case does not say")
    informed: bool | None = Field(description="已告知核查结果; null when the case does not say")
    handlings: list[NamedRef] = Field(description="the handling rules that hold, in order")


ClearingStatus = Literal["clear", "pending", "not_cleared"]


class AllegationClearing(_Model):
    """One allegation: its finding, whether it is struck, and how the name is cleared."""

    id: str
    summary: str
    finding: str = Field(description="the finding id; unknown while not yet established")
    finding_label: str
    struck: TruthName = Field(description="struck from the matter (strike rules)")
    kind: NamedRef | None = Field(description="the false-accusation kind, when fabricated")
    spread: str | None
    spread_label: str
    clearing: ClearingStatus = Field(
        description="clear: the name is cleared; pending: facts still to establish first "
        "(see pending: e.g. the cadre's consent); not_cleared: no clearing for this allegation"
    )
    clearing_label: str
    pending: list[FactRef] = Field(description="facts the clearing still waits on")
    methods: list[NamedRef] = Field(description="clearing methods (clear and pending only)")
    by: str = Field(description="who clears (谁核实谁澄清)")
    by_citation: CitationRef | None = None
    deadline: ClearingDeadline | None = Field(description="clear and pending only")
    reporter: ReporterOutcome
    presumed: list[PresumedValue]
    rules: list[RuleResult] = Field(description="every clearing rule, evaluated on it")


class ClearingSection(_Model):
    """Clearing names (澄清正名): every allegation the case lists, as the clearing rules read
    it. The decision order reads only whether every allegation is struck."""

    allegations: list[AllegationClearing]
    all_struck: TruthName = Field(
        description="at least one allegation and every one struck (the computed fact "
        "allegations_struck)"
    )
    summary_zh: str


class Decision(_Model):
    """A proposed outcome for a case, with its findings and reasoning trace."""

    outcome: OutcomeId
    outcome_label: str
    reason_zh: str
    reason_en: str
    deciding_rule: str | None
    possible_outcomes: list[OutcomeId] = Field(
        description="outcomes still open when facts are missing (one entry when decided)"
    )
    case: CaseRef
    as_of: str
    ruleset: RulesetRef
    # Only when two versions were compared; left out of the JSON otherwise, so that a decision
    # made under one version is the same bytes as before versions were compared.
    versions: VersionChoice | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="从旧兼从轻: the versions compared when the one in force on as_of differs "
        "from the one in force on the incident date (ruleset is the one applied)",
    )
    engine: EngineRef
    situations: list[RuleResult]
    exclusions: list[RuleResult]
    preconditions: list[RuleResult]
    grounds: list[RuleResult] = Field(description="mitigating and aggravating grounds")
    looks: list[LookFinding]
    distinctions: list[DistinctionFinding]
    claimed_situations: list[ClaimCheck]
    missing_facts: list[MissingFact] = Field(
        description="unknown facts that undecided rules read, in the order to ask them"
    )
    presumed: list[PresumedFact] = Field(
        default_factory=list,
        description="facts read as presumed that the decision order read (catalogue §6.7)",
    )
    presumed_summary_zh: str = Field(
        default="", description="the presumptions relied on, in one paragraph of plain Chinese"
    )
    walk: list[WalkStep]
    trace: list[TraceStep]
    # Only for a case that lists allegations; left out of the JSON otherwise.
    clearing: ClearingSection | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="澄清正名 (catalogue §10): the allegations, their findings, and how the "
        "cadre's name is cleared and the reporter handled",
    )
    proposal_note: str = (
        "本结论为建议，须经党委（党组）集体研究决定。This is a proposal for the deciding body."
    )

    #: The version of the Decision contract that ``to_json`` writes (docs/api.md).
    schema_version: ClassVar[str] = SCHEMA_VERSION

    def to_json(self) -> str:
        """The Decision contract's JSON (v1, ``rongcuo.decision.contract``): each rule, clause,
        document and fact once, referred to by id; the same inputs give the same bytes."""
        from rongcuo.decision.contract import to_json

        return to_json(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Decision:
        """The Decision a contract JSON text (``to_json``'s) is; a text without
        ``schema_version`` is read as the expanded form records made before v1 hold."""
        from rongcuo.decision.contract import from_json

        return from_json(text)

    def expanded_json(self) -> str:
        """The expanded JSON of this model (every finding with its rule's label and clause), as
        ``to_json`` wrote it before contract v1; kept to replay records made then."""
        return self.model_dump_json(indent=2) + "\n"

    def situations_matched(self) -> list[RuleResult]:
        """Situations that hold."""
        return [s for s in self.situations if s.value == "true"]

    def exclusions_hit(self) -> list[RuleResult]:
        """Exclusions that hold."""
        return [e for e in self.exclusions if e.value == "true"]
