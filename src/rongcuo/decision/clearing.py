"""Clearing names (澄清正名, catalogue §10): each allegation read by the clearing rules.

The clearing rules are the ruleset's rules of the kinds ``strike``, ``clearing``,
``clearing_method`` and ``reporter_handling``. They are evaluated once for every allegation a
case lists — by the same engine as the decision order, on the allegation's facts (its finding,
kind, spread and reporter) and the case facts they read (the cadre's consent) — and the decision
order reads them only through the computed fact ``allegations_struck``: true when there is at
least one allegation and every one is struck, unknown while a finding that could strike one is
not yet established. Which findings strike, which methods follow a spread, what becomes of the
reporter: all of it is the ruleset's.
"""

from __future__ import annotations

from collections.abc import Mapping

from rongcuo.case.file import BoundAllegation
from rongcuo.decision.model import (
    AllegationClearing,
    CitationRef,
    ClearingDeadline,
    ClearingSection,
    FactRef,
    FactUse,
    MissingFact,
    NamedRef,
    PresumedValue,
    ReporterOutcome,
    RuleResult,
    TruthName,
    builder,
    citation_ref,
)
from rongcuo.decision.presume import Presumer
from rongcuo.engine.reference import Evaluator, Facts, Program, Truth, kleene_all, kleene_any
from rongcuo.ruleset.model import Citation, FactDecl, FactValue, Named, Rule, Ruleset, json_value

# Records built from data this module made itself (see ``_decision.builder``): validating each
# again was most of the section's cost.
_new_clearing_section = builder(ClearingSection)
_new_fact_ref = builder(FactRef)
_new_clearing_deadline = builder(ClearingDeadline)
_new_allegation_clearing = builder(AllegationClearing)
_new_reporter_outcome = builder(ReporterOutcome)
_new_presumed_value = builder(PresumedValue)
_new_named_ref = builder(NamedRef)
_new_rule_result = builder(RuleResult)
_new_fact_use = builder(FactUse)

#: The computed fact the decision order reads (``computed: allegations_struck``).
STRUCK = "allegations_struck"
_TRUTH: dict[Truth, TruthName] = {True: "true", False: "false", None: "unknown"}


class ClearingDecider:
    """Reads the allegations of cases under one effective ruleset."""

    def __init__(self, rs: Ruleset, program: Program, evaluator: Evaluator) -> None:
        self.rs = rs
        self.part = program.ruleset
        self.program = program
        self.evaluator = evaluator
        self.presumer = Presumer(self.part)
        block = rs.clearing
        self.block = block
        self._kinds = {n.id: n for n in block.kinds} if block else {}
        self._methods = {n.id: n for n in block.methods} if block else {}
        self._handlings = {n.id: n for n in block.handlings} if block else {}
        self._by_kind: dict[str, tuple[Rule, ...]] = {}
        for r in program.order:
            self._by_kind[r.kind] = (*self._by_kind.get(r.kind, ()), r)
        #: case facts the clearing rules read (the consent), taken from the case's reading
        self.case_facts = tuple(k for k, f in self.part.facts.items() if f.scope != "allegation")

    def read(
        self, allegations: list[BoundAllegation], case_facts: Mapping[str, FactValue]
    ) -> ClearingSection:
        """The clearing section for a case's allegations; ``case_facts`` are the case's facts
        as the decision reads them (stated and presumed)."""
        items = [self._one(a, case_facts) for a in allegations]
        struck = all_struck(items)
        return _new_clearing_section(
            allegations=items,
            all_struck=_TRUTH[struck],
            summary_zh=_summary(items),
        )

    def _one(
        self, bound: BoundAllegation, case_facts: Mapping[str, FactValue]
    ) -> AllegationClearing:
        stated: dict[str, FactValue] = dict(bound.stated)
        for fid in self.case_facts:
            if fid in case_facts:
                stated[fid] = case_facts[fid]
        reading = self.presumer.read(stated, bound.unknown, frozenset())
        facts: Facts = reading.facts
        values = self.evaluator.rule_values(facts, reading.flags)
        decls = self.part.facts

        def holding(kind: str) -> list[Rule]:
            return [r for r in self._by_kind.get(kind, ()) if values.get(r.id) is True]

        struck = kleene_any(values.get(r.id) for r in self._by_kind.get("strike", ()))
        status, label, pending = self._clearing(values, facts)
        # in the order the clearing block declares them (check holds every id declared, RC161)
        held = {r.method for r in holding("clearing_method")} if status != "not_cleared" else ()
        methods = [self._named(self._methods, m) for m in self._methods if m in held]
        handled = dict.fromkeys(r.handling for r in holding("reporter_handling"))
        handlings = [self._named(self._handlings, h) for h in handled]
        item = bound.allegation
        finding = facts.get("allegation_finding")
        spread = facts.get("allegation_spread")
        block = self.block
        return _new_allegation_clearing(
            id=item.id,
            summary=item.summary,
            finding=str(finding) if finding is not None else "unknown",
            finding_label=_display(decls.get("allegation_finding"), finding, "尚未查清"),
            struck=_TRUTH[struck],
            kind=self._fabricated_kind(facts),
            spread=str(spread) if spread is not None else None,
            spread_label=_display(decls.get("allegation_spread"), spread, "未知"),
            clearing=status,
            clearing_label=label,
            pending=pending,
            methods=methods,
            by=block.by if block else "",
            by_citation=self._cite(block.by_cite) if block else None,
            deadline=self._deadline(bound, status),
            reporter=_new_reporter_outcome(
                signed=_bool(facts.get("reporter_signed")),
                informed=_bool(facts.get("reporter_informed")),
                handlings=handlings,
            ),
            presumed=[
                _new_presumed_value(
                    id=fid,
                    label=decls[fid].label,
                    value=json_value(facts[fid]),
                    display=decls[fid].display(facts[fid]),
                    reason=decls[fid].presume[i].reason,
                )
                for fid, i in reading.presumed.items()
            ],
            rules=[
                self._result(r, values, facts, frozenset(reading.presumed))
                for r in self.program.order
            ],
        )

    def _clearing(self, values: Mapping[str, bool], facts: Facts) -> tuple[str, str, list[FactRef]]:
        """Whether the name is cleared (``clear``, ``pending``, ``not_cleared``), its wording,
        and the facts it waits for while pending."""
        decls = self.part.facts
        clearing_rules = self._by_kind.get("clearing", ())
        # the name is cleared when every clearing rule holds (the allegation, or its untrue
        # part, was not substantiated; the cadre consents): pending while one is unknown
        clear = kleene_all(values.get(r.id) for r in clearing_rules)
        status = "clear" if clear is True else "pending" if clear is None else "not_cleared"
        pending: list[FactRef] = []
        if status == "pending":
            seen: dict[str, None] = {}
            for r in clearing_rules:
                if values.get(r.id) is None and r.when is not None:
                    for fid in self.part.graph.facts[r.id]:
                        if fid not in facts:
                            seen.setdefault(fid, None)
            pending = [
                _new_fact_ref(id=f, label=decls[f].label, question=decls[f].question) for f in seen
            ]
        if status == "not_cleared":
            shown = [
                f"{decls[f].label}：{decls[f].display(facts[f])}"
                for r in clearing_rules
                if r.when is not None and values.get(r.id) is False
                for f in self.part.graph.facts[r.id]
                if f in facts
            ]
            label = "不予澄清" + (f"（{'；'.join(dict.fromkeys(shown))}）" if shown else "")
        elif status == "pending":
            label = "待查明" + "、".join(p.label for p in pending) + "后澄清"
        else:
            label = "予以澄清正名"
        return status, label, pending

    def _fabricated_kind(self, facts: Facts) -> NamedRef | None:
        """The kind of a fabricated allegation, as the block names it; ``None`` otherwise."""
        kind_value = facts.get("allegation_kind")
        if facts.get("allegation_finding") != "fabricated" or kind_value is None:
            return None
        return self._named(self._kinds, str(kind_value), self.part.facts.get("allegation_kind"))

    def _deadline(self, bound: BoundAllegation, status: str) -> ClearingDeadline | None:
        """The clearing deadline the block sets, unless the name is not cleared."""
        block = self.block
        if block is None or block.deadline is None or status == "not_cleared":
            return None
        item = bound.allegation
        return _new_clearing_deadline(
            working_days=block.deadline.working_days,
            starts=block.deadline.starts,
            starts_on=item.concluded_on.isoformat() if item.concluded_on else None,
            param=block.deadline.working_days_param,
            citation=self._cite(block.deadline_cite),
        )

    def _cite(self, cite: Citation | None) -> CitationRef | None:
        return citation_ref(cite, self.rs.documents)

    def _named(
        self, table: Mapping[str, Named], key: str, decl: FactDecl | None = None
    ) -> NamedRef:
        """An id the block declares, with its wording (a fact's label for its value, when the
        id is one) and clause."""
        entry = table.get(key)
        if entry is None:
            label = decl.value_label(key) if decl is not None else key
            return _new_named_ref(id=key, label=label)
        return _new_named_ref(
            id=key,
            label=decl.value_label(key) if decl is not None else entry.label,
            definition=entry.definition,
            citation=self._cite(entry.cite),
        )

    def _result(
        self, rule: Rule, values: Mapping[str, bool], facts: Facts, presumed: frozenset[str]
    ) -> RuleResult:
        reads = self.part.graph.facts.get(rule.id, ())
        decls = self.part.facts
        return _new_rule_result(
            id=rule.id,
            kind=rule.kind,
            label=rule.label,
            value=_TRUTH[values.get(rule.id)],
            citation=self._cite(rule.cite),
            facts=tuple(
                _new_fact_use(
                    id=f,
                    label=decls[f].label,
                    value=json_value(facts.get(f)),
                    display="未知" if facts.get(f) is None else decls[f].display(facts[f]),
                    presumed=f in presumed,
                )
                for f in reads
            ),
            unknown_facts=tuple(f for f in reads if f not in facts),
            note=rule.note,
        )


def all_struck(items: list[AllegationClearing]) -> Truth:
    """The computed fact ``allegations_struck``: false without allegations; else every
    allegation struck (Kleene: unknown while one may or may not be)."""
    if not items:
        return False
    return kleene_all({"true": True, "false": False}.get(i.struck) for i in items)


def open_allegations(missing: MissingFact, section: ClearingSection, struck: str) -> MissingFact:
    """A missing fact as the decision asks for it: the computed fact ``struck`` (the decision
    order's view of the allegations) as the allegations whose finding is still open."""
    if missing.id != struck:
        return missing
    open_ids = [a.id for a in section.allegations if a.struck == "unknown"]
    question = (missing.question or missing.label) + f"（尚未查清：{'、'.join(open_ids)}）"
    return missing.model_copy(update={"question": question})


def _summary(items: list[AllegationClearing]) -> str:
    """One paragraph of plain Chinese: what was struck, and what is cleared."""
    if not items:
        return ""
    parts = []
    for i in items:
        text = f"{i.id}（{i.summary}）经核查{i.finding_label}"
        if i.struck == "true" or i.finding == "partly_substantiated":
            text += f"，{i.clearing_label}"
        parts.append(text)
    return "；".join(parts) + "。"


def _display(decl: FactDecl | None, value: FactValue | None, unknown: str) -> str:
    if value is None or decl is None:
        return unknown if value is None else str(value)
    return decl.display(value)


def _bool(value: FactValue | None) -> bool | None:
    return value if isinstance(value, bool) else None
