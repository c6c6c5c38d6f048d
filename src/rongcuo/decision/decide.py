"""From rule values to a Decision: the looks, the distinctions, the trace, the reasons.

The decision order is walked in ``walk.py``; when it leaves the outcome open, ``missing.py``
says which unknown facts matter and what each of their values would decide. The reason texts
are ``reasons.py``'s, the presumptions a decision rests on ``presumed.py``'s, the finding of a
look and the side of a distinction ``findings.py``'s; this module makes the records, sharing
those nothing can change between cases.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from rongcuo.case.file import BoundAllegation, Case
from rongcuo.decision.clearing import STRUCK, ClearingDecider, open_allegations
from rongcuo.decision.findings import (
    FINDING_LABELS,
    SIDE_LABELS,
    distinction_ranks,
    distinction_side,
    look_finding,
    look_ranks,
    look_reasons,
)
from rongcuo.decision.missing import CaseFacts, MissingFacts
from rongcuo.decision.model import (
    CaseRef,
    CitationRef,
    ClaimCheck,
    ClearingSection,
    Decision,
    DistinctionFinding,
    EngineRef,
    FactUse,
    LookFinding,
    RuleResult,
    RulesetRef,
    TraceStep,
    WalkStep,
    builder,
    citation_ref,
)
from rongcuo.decision.presume import Presumer, Reading
from rongcuo.decision.presumed_facts import presumed_facts, presumed_summary
from rongcuo.decision.reasons import reason
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.reference import (
    Evaluator,
    Facts,
    Program,
    ReferenceEvaluator,
    Truth,
    truth_name,
)
from rongcuo.ruleset.model import Rule, Ruleset, json_value

# Records are built from data this module made itself: no need to validate them again.
_new_engine_ref = builder(EngineRef)
_new_decision = builder(Decision)
_new_case_ref = builder(CaseRef)
_new_ruleset_ref = builder(RulesetRef)
_new_trace_step = builder(TraceStep)
_new_fact_use = builder(FactUse)
_new_rule_result = builder(RuleResult)
_new_look_finding = builder(LookFinding)
_new_distinction_finding = builder(DistinctionFinding)
_new_claim_check = builder(ClaimCheck)
_new_walk_step = builder(WalkStep)
_MAX_SHARED = 4096  # FactUse records kept for reuse by one Decider


def _picker(keys: tuple[str, ...]) -> Callable[[dict[str, object]], object]:
    """A function taking the entries of ``keys`` from a dict, as one hashable value."""
    if not keys:
        return lambda d: ()
    return operator.itemgetter(*keys)


_SHAREABLE = frozenset({bool, int, float, str, dt.date, frozenset, type(None)})
_TRUTH = {True: "true", False: "false", None: "unknown"}  # truth_name, as a lookup
_FROM_TRUTH: dict[str, Truth] = {"true": True, "false": False, "unknown": None}


class Decider:
    """Builds Decisions for one effective ruleset with one evaluator.

    What does not depend on the case — each rule's citation, the facts it reads, the rules it
    reads, the members of each look and distinction, the candidate values of each fact — is
    worked out once, here; a case only adds its values.
    """

    def __init__(
        self,
        program: Program,
        evaluator: Evaluator,
        rongcuo_version: str,
        clearing: ClearingDecider | None = None,
    ) -> None:
        self.program = program
        self.rs: Ruleset = program.ruleset
        self.evaluator = evaluator
        self.rongcuo_version = rongcuo_version
        rs = self.rs
        self._labels = {o: d.label for o, d in rs.outcomes.items()}
        self._cites = {r.id: self._citation(r) for r in rs.rules.values()}
        self._fact_ids: dict[str, tuple[str, ...]] = {
            r.id: rs.graph.facts.get(r.id, ()) for r in rs.rules.values()
        }
        self._rule_deps = {r.id: set(rs.graph.reads.get(r.id, ())) for r in rs.rules.values()}
        self._reads = {rid: tuple(sorted(deps)) for rid, deps in self._rule_deps.items()}
        self._notes = {r.id: r.note for r in rs.rules.values()}
        self._kinds: dict[str, tuple[Rule, ...]] = {}
        for r in rs.rules.values():
            self._kinds[r.kind] = (*self._kinds.get(r.kind, ()), r)
        self._situations = tuple(r for r in self._kinds.get("situation", ()) if not r.referral)
        self._kind_ids = self._listed_rules()
        self._decls = tuple(rs.facts.items())
        self._index_looks_and_distinctions()
        # The unchanging part of each trace step: (seq, rule, kind, label, citation, facts it
        # reads, rules it reads).
        self._trace_rows = tuple(
            (
                i,
                r.id,
                r.kind,
                r.label,
                self._cites[r.id],
                self._fact_ids[r.id],
                self._reads[r.id],
                _picker(self._fact_ids[r.id]),
            )
            for i, r in enumerate(program.order, start=1)
        )
        self._engine = _new_engine_ref(
            name=evaluator.name,
            version=evaluator.version,
            rongcuo_version=rongcuo_version,
        )
        self._uses: dict[tuple[str, type, object, bool], FactUse] = {}
        self._records: dict[tuple[object, ...], tuple[RuleResult, TraceStep]] = {}
        self._shared: dict[tuple[object, ...], Any] = {}  # walk steps, claim checks
        self.presumer = Presumer(rs)
        # Every what-if trial (missing facts, presumptions) runs on the reference evaluator,
        # whichever backend evaluates the case: the differential test holds the two equal.
        self.reference = (
            evaluator if isinstance(evaluator, ReferenceEvaluator) else ReferenceEvaluator(program)
        )
        self._missing = MissingFacts(
            program, self.reference, self._fact_ids, self._rule_deps, self._outcome_label
        )
        #: the decision's reason in a language, on this ruleset's tables
        self._reason = partial(
            reason,
            program=program,
            situations=self._situations,
            fact_ids=self._fact_ids,
            outcome_label=self._outcome_label,
        )
        #: the computed fact the decision order reads for the allegations, when declared
        self._struck = next((f for f in rs.facts.values() if f.computed == STRUCK), None)
        self.clearing = clearing

    def _listed_rules(self) -> dict[str, tuple[str, ...]]:
        """The rules each list of a Decision shows, by id, in order."""
        kinds = self._kinds
        return {
            "situation": tuple(r.id for r in self._situations),
            **{
                kind: tuple(r.id for r in kinds.get(kind, ()))
                for kind in ("exclusion", "precondition")
            },
            "grounds": tuple(
                r.id for kind in ("mitigating", "aggravating") for r in kinds.get(kind, ())
            ),
        }

    def _index_looks_and_distinctions(self) -> None:
        """The rules and facts of each look, the rules of each distinction, and their ranks."""
        rs = self.rs
        self._looks = {
            look_id: (
                tuple(r for r in self._kinds.get("look", ()) if r.look == look_id),
                tuple(f for f in rs.facts.values() if look_id in f.looks),
            )
            for look_id in rs.looks
        }
        self._distinctions = {
            d_id: tuple(r for r in self._kinds.get("distinction", ()) if r.distinction == d_id)
            for d_id in rs.distinctions
        }
        self._look_ranks = {
            look_id: look_ranks(rules) for look_id, (rules, _) in self._looks.items()
        }
        self._distinction_ranks = {
            d_id: distinction_ranks(rules) for d_id, rules in self._distinctions.items()
        }

    def decide(
        self,
        case: Case,
        facts: Facts,
        as_of: dt.date,
        allegations: list[BoundAllegation] | None = None,
    ) -> Decision:
        """The Decision for ``case``, whose stated facts (checked by ``bind_facts``) are
        ``facts`` and whose allegations (checked by ``bind_allegations``) are ``allegations``:
        the facts it leaves out are read as the ruleset presumes (catalogue §6); the
        allegations are read by the clearing rules first (catalogue §7, step 0)."""
        read, section = self._read(case, facts, allegations)
        reading = read.reading
        values = self.evaluator.rule_values(reading.facts, reading.flags)
        result = walk_outcomes(self.program, values)
        missing, reachable = self._missing.analyse(result, values, read)
        if (
            reachable is not None
            and "insufficient_facts" not in reachable
            and result.outcome == "insufficient_facts"
        ):
            # the outcomes some values of the missing facts actually give, not every outcome
            # of an open step (catalogue §7: "say which value of each would change it")
            result = replace(result, possible=tuple(o for o in result.possible if o in reachable))
        presumed = presumed_facts(
            result,
            values,
            read,
            program=self.program,
            reference=self.reference,
            missing=self._missing,
            fact_ids=self._fact_ids,
            outcome_label=self._outcome_label,
        )
        if section is not None and self._struck is not None:
            missing = [open_allegations(m, section, self._struck.id) for m in missing]
        rs = self.rs
        uses, use_keys = self._fact_uses(reading)
        rules = self._rule_records(values, uses, use_keys)
        kinds = self._kind_ids
        return _new_decision(
            outcome=result.outcome,
            outcome_label=self._outcome_label(result.outcome),
            reason_zh=self._reason(result, missing, values, uses, "zh"),
            reason_en=self._reason(result, missing, values, uses, "en"),
            deciding_rule=result.deciding.id if result.deciding else None,
            possible_outcomes=list(result.possible),
            case=_case_ref(case),
            as_of=as_of.isoformat(),
            ruleset=self._ruleset_ref(),
            engine=self._engine,
            situations=[rules[rid][0] for rid in kinds["situation"]],
            exclusions=[rules[rid][0] for rid in kinds["exclusion"]],
            preconditions=[rules[rid][0] for rid in kinds["precondition"]],
            grounds=[rules[rid][0] for rid in kinds["grounds"]],
            looks=[self._look(look_id, values, uses, rules) for look_id in rs.looks],
            distinctions=[self._distinction(d_id, values, rules) for d_id in rs.distinctions],
            claimed_situations=[
                self._claim(sid, values) for sid in dict.fromkeys(case.claimed_situations)
            ],
            missing_facts=missing,
            presumed=presumed,
            presumed_summary_zh=presumed_summary(presumed, result.outcome, rs.facts),
            walk=[self._walk_step(r, v) for r, v in result.steps],
            trace=[step for _, step in rules.values()],
            clearing=section,
        )

    def _read(
        self, case: Case, facts: Facts, allegations: list[BoundAllegation] | None
    ) -> tuple[CaseFacts, ClearingSection | None]:
        """The case's facts as the decision reads them, with the computed fact the allegations
        give (read by the clearing rules first, catalogue §7 step 0), and the clearing section."""
        claims = frozenset(case.claimed_situations)
        unknown = case.unknown_facts() & self.rs.facts.keys()
        section = None
        if self._struck is not None:
            struck: Truth = False
            if allegations and self.clearing is not None:
                section = self.clearing.read(allegations, facts)
                struck = _FROM_TRUTH[section.all_struck]
            if struck is None:
                unknown = unknown | {self._struck.id}
            else:
                facts = {**facts, self._struck.id: struck}
        return CaseFacts(self.presumer, facts, frozenset(unknown), claims), section

    def _ruleset_ref(self) -> RulesetRef:
        """The effective ruleset a decision was made under, with its components."""
        rs = self.rs
        return _new_ruleset_ref(
            id=rs.id,
            title=rs.title,
            version=rs.version,
            content_hash=rs.content_hash,
            components=[
                {"id": c.id, "version": c.version, "file": c.path, "sha256": c.sha256}
                for c in rs.components
            ],
        )

    # --- parts ----------------------------------------------------------------------------

    def _outcome_label(self, outcome: str) -> str:
        return self._labels.get(outcome, outcome)

    def _citation(self, rule: Rule) -> CitationRef | None:
        return citation_ref(rule.cite, self.rs.documents)

    def _fact_uses(self, reading: Reading) -> tuple[dict[str, FactUse], dict[str, object]]:
        """Each declared fact's FactUse in this case, and the key it is shared under.

        One FactUse a (fact, value, presumed or not), shared: nothing can change it. Floats are
        told apart by their text (0.0 and -0.0 are equal but print differently); values of
        other types (datetime, with its time zones) are never shared: their key is a new
        object, equal to nothing else.
        """
        shared = self._uses
        facts = reading.facts
        out = {}
        keys: dict[str, object] = {}
        for fid, decl in self._decls:
            value = facts.get(fid)
            kind = type(value)
            presumed = fid in reading.presumed
            key = (fid, kind, repr(value) if kind is float else value, presumed)
            use = shared.get(key) if kind in _SHAREABLE else None
            keys[fid] = key if kind in _SHAREABLE else object()
            if use is None:
                use = _new_fact_use(
                    id=fid,
                    label=decl.label,
                    value=json_value(value),
                    display="未知" if value is None else decl.display(value),
                    presumed=presumed,
                )
                if kind in _SHAREABLE:
                    if len(shared) >= _MAX_SHARED:  # numbers take any value: stay bounded
                        shared.clear()
                    shared[key] = use
            out[fid] = use
        return out, keys

    def _rule_records(
        self, values: dict[str, bool], uses: dict[str, FactUse], use_keys: dict[str, object]
    ) -> dict[str, tuple[RuleResult, TraceStep]]:
        """Each rule's RuleResult and TraceStep for one case, in trace order.

        Both are immutable and depend only on the rule, its value and the FactUse records it
        reads, so a pair already made for the same three is used again: the key holds the
        rule, its value and the keys of those FactUses (``_fact_uses``), values all.
        """
        cache = self._records
        if len(cache) >= _MAX_SHARED:
            cache.clear()
        out = {}
        get = values.get
        for seq, rid, kind, label, cite, deps, reads, pick in self._trace_rows:
            value = get(rid)
            key = (rid, value, pick(use_keys))
            pair = cache.get(key)
            if pair is None:
                read = tuple([uses[f] for f in deps])
                truth = _TRUTH[value]
                pair = cache[key] = (
                    _new_rule_result(
                        id=rid,
                        kind=kind,
                        label=label,
                        value=truth,
                        citation=cite,
                        facts=read,
                        unknown_facts=tuple([u.id for u in read if u.value is None]),
                        note=self._notes[rid],
                    ),
                    _new_trace_step(
                        seq=seq,
                        rule=rid,
                        kind=kind,
                        label=label,
                        value=truth,
                        citation=cite,
                        facts=read,
                        reads_rules=reads,
                    ),
                )
            out[rid] = pair
        return out

    def _look(
        self,
        look_id: str,
        values: dict[str, bool],
        uses: dict[str, FactUse],
        rules: dict[str, tuple[RuleResult, TraceStep]],
    ) -> LookFinding:
        look_rules, decls = self._looks[look_id]
        ranks = self._look_ranks[look_id]
        finding = look_finding(ranks, values)
        shown = tuple([rules[r.id][0] for r in look_reasons(look_rules, ranks, finding, values)])
        facts = tuple([uses[f.id] for f in decls])
        # One record a look, its rule records and its fact uses, shared like those (and
        # kept alive with them by the records it holds).
        key = ("look", look_id, finding, *map(id, shown), None, *map(id, facts))
        found = self._shared.get(key)
        if found is None:
            found = self._share(
                key,
                _new_look_finding(
                    id=look_id,
                    label=self.rs.looks[look_id].label,
                    finding=finding,
                    finding_label=FINDING_LABELS[finding],
                    rules=shown,
                    facts=facts,
                ),
            )
        return found  # type: ignore[no-any-return]

    def _distinction(
        self,
        d_id: str,
        values: dict[str, bool],
        rules: dict[str, tuple[RuleResult, TraceStep]],
    ) -> DistinctionFinding:
        shown = tuple([rules[r.id][0] for r in self._distinctions[d_id]])
        key = ("distinction", d_id, *map(id, shown))
        found = self._shared.get(key)
        if found is None:
            d = self.rs.distinctions[d_id]
            side = distinction_side(self._distinction_ranks[d_id], values)
            found = self._share(
                key,
                _new_distinction_finding(
                    id=d_id,
                    label=d.label,
                    side=side,
                    side_label=SIDE_LABELS[side],
                    tolerable=d.tolerable,
                    intolerable=d.intolerable,
                    rules=shown,
                ),
            )
        return found  # type: ignore[no-any-return]

    def _share(self, key: tuple[object, ...], record: Any) -> Any:
        """Keep ``record`` for reuse under ``key``, within the bound of the cache."""
        if len(self._shared) >= _MAX_SHARED:
            self._shared.clear()
        self._shared[key] = record
        return record

    def _claim(self, sid: str, values: dict[str, bool]) -> ClaimCheck:
        rule = self.rs.rules[sid]
        if rule.referral:
            status = "referred_to_committee"
        else:
            status = {True: "established", False: "not_established", None: "unknown"}[
                values.get(sid)
            ]
        key = ("claim", sid, status)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = _new_claim_check(id=sid, label=rule.label, status=status)
        return found

    def _walk_step(self, rule: Rule, value: Truth) -> WalkStep:
        key = ("walk", rule.id, value)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = _new_walk_step(
                step=rule.step,
                rule=rule.id,
                label=rule.label,
                outcome=rule.outcome,
                value=truth_name(value),
                citation=self._cites[rule.id],
            )
        return found


def _case_ref(case: Case) -> CaseRef:
    """The case a decision is about: its id, title, date, hash and cadre."""
    return _new_case_ref(
        id=case.id,
        title=case.title,
        incident_date=case.incident_date.isoformat(),
        content_hash=case.content_hash(),
        cadre=case.cadre.model_dump() if case.cadre else None,
    )
