"""From rule values to a Decision: the looks, the distinctions, the trace, the reasons.

The decision order is walked in ``_walk.py``; when it leaves the outcome open, ``_missing.py``
says which unknown facts matter and what each of their values would decide.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from rongcuo.case.file import BoundAllegation, Case
from rongcuo.decision.clearing import STRUCK, ClearingDecider
from rongcuo.decision.missing import CaseFacts, MissingFacts, same_value
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
    MissingFact,
    PresumedFact,
    RuleResult,
    RulesetRef,
    TraceStep,
    ValueEffect,
    WalkStep,
    builder,
    citation_ref,
)
from rongcuo.decision.presume import Presumer, Reading
from rongcuo.decision.walk import Walk, outcome_of, walk_outcomes
from rongcuo.engine.reference import (
    Evaluator,
    Facts,
    Program,
    ReferenceEvaluator,
    Truth,
    truth_name,
)
from rongcuo.ruleset.graph import upstream_rules
from rongcuo.ruleset.model import FactDecl, Rule, Ruleset, json_value

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
_new_presumed_fact = builder(PresumedFact)
_new_value_effect = builder(ValueEffect)
_MAX_SHARED = 4096  # FactUse records kept for reuse by one Decider


def _picker(keys: tuple[str, ...]) -> Callable[[dict[str, object]], object]:
    """A function taking the entries of ``keys`` from a dict, as one hashable value."""
    if not keys:
        return lambda d: ()
    return operator.itemgetter(*keys)


_SHAREABLE = frozenset({bool, int, float, str, dt.date, frozenset, type(None)})
_TRUTH = {True: "true", False: "false", None: "unknown"}  # truth_name, as a lookup
_FROM_TRUTH: dict[str, Truth] = {"true": True, "false": False, "unknown": None}
_FINDING_LABELS = {
    "favourable": "有利",
    "unfavourable": "不利",
    "neutral": "中性",
    "unknown": "事实不清",
}
_SIDE_LABELS = {
    "tolerable": "属可容的一侧",
    "intolerable": "属不容的一侧",
    "not_applicable": "不涉及",
    "unknown": "事实不清",
}


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
        graph = rs.graph
        self._labels = {o: d.label for o, d in rs.outcomes.items()}
        self._cites = {r.id: self._citation(r) for r in rs.rules.values()}
        self._fact_ids: dict[str, tuple[str, ...]] = {
            r.id: graph.facts.get(r.id, ()) for r in rs.rules.values()
        }
        self._rule_deps = {r.id: set(graph.reads.get(r.id, ())) for r in rs.rules.values()}
        self._reads = {rid: tuple(sorted(deps)) for rid, deps in self._rule_deps.items()}
        # What each rule reads outside ``established``: the presumptions a decision lists are
        # those of the facts these reach. What the facts establish rests on no presumption
        # (one never establishes an adverse finding, §6.3): step 0 reads exclusions and
        # situations only so, and a cleared cadre's memo does not list every adverse finding
        # nobody made as a presumption it rests on.
        self._plain_reads = graph.plain_reads
        self._notes = {r.id: r.note for r in rs.rules.values()}
        self._kinds: dict[str, tuple[Rule, ...]] = {}
        for r in rs.rules.values():
            self._kinds[r.kind] = (*self._kinds.get(r.kind, ()), r)
        self._situations = tuple(r for r in self._kinds.get("situation", ()) if not r.referral)
        # The rules each list of a Decision shows, by id, in order.
        self._kind_ids = {
            "situation": tuple(r.id for r in self._situations),
            **{
                kind: tuple(r.id for r in self._kinds.get(kind, ()))
                for kind in ("exclusion", "precondition")
            },
            "grounds": tuple(
                r.id for kind in ("mitigating", "aggravating") for r in self._kinds.get(kind, ())
            ),
        }
        self._decls = tuple(rs.facts.items())
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
        self._look_ranks = {
            look_id: _ranks(rules, ("unfavourable", "favourable"))
            for look_id, (rules, _) in self._looks.items()
        }
        self._distinction_ranks = {
            d_id: _ranks(rules, ("intolerable", "tolerable"))
            for d_id, rules in self._distinctions.items()
        }
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
        #: the computed fact the decision order reads for the allegations, when declared
        self._struck = next((f for f in rs.facts.values() if f.computed == STRUCK), None)
        self.clearing = clearing

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
        read = CaseFacts(self.presumer, facts, frozenset(unknown), claims)
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
        presumed = self._presumed(result, values, read)
        if section is not None and self._struck is not None:
            missing = [self._open_allegations(m, section) for m in missing]
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
            case=_new_case_ref(
                id=case.id,
                title=case.title,
                incident_date=case.incident_date.isoformat(),
                content_hash=case.content_hash(),
                cadre=case.cadre.model_dump() if case.cadre else None,
            ),
            as_of=as_of.isoformat(),
            ruleset=_new_ruleset_ref(
                id=rs.id,
                title=rs.title,
                version=rs.version,
                content_hash=rs.content_hash,
                components=[
                    {"id": c.id, "version": c.version, "file": c.path, "sha256": c.sha256}
                    for c in rs.components
                ],
            ),
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
            presumed_summary_zh=self._presumed_summary(presumed, result.outcome),
            walk=[self._walk_step(r, v) for r, v in result.steps],
            trace=[step for _, step in rules.values()],
            clearing=section,
        )

    def _open_allegations(self, missing: MissingFact, section: ClearingSection) -> MissingFact:
        """The computed fact, asked for as the allegations whose finding is still open."""
        assert self._struck is not None
        if missing.id != self._struck.id:
            return missing
        open_ids = [a.id for a in section.allegations if a.struck == "unknown"]
        question = (missing.question or missing.label) + f"（尚未查清：{'、'.join(open_ids)}）"
        return missing.model_copy(update={"question": question})

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

    @staticmethod
    def _ranked(
        ranks: tuple[tuple[str, tuple[str, ...]], ...], values: dict[str, bool]
    ) -> str | None:
        """The first rank (strongest first) a rule holds for; ``None`` when an unknown rule
        could still outrank what holds."""
        for label, ids in ranks:
            if any(values.get(rid) is True for rid in ids):
                return label
            if any(values.get(rid) is None for rid in ids):
                return None
        return ""

    def _look(
        self,
        look_id: str,
        values: dict[str, bool],
        uses: dict[str, FactUse],
        rules: dict[str, tuple[RuleResult, TraceStep]],
    ) -> LookFinding:
        look_rules, decls = self._looks[look_id]
        ranked = self._ranked(self._look_ranks[look_id], values)
        finding = "unknown" if ranked is None else (ranked or "neutral")
        # Its reasons are the rules that gave it its value: those of its finding that hold, or,
        # while it is unknown, the rules still unknown that could decide it.
        if finding == "unknown":
            rank = next(
                label
                for label, ids in self._look_ranks[look_id]
                if any(values.get(rid) is None for rid in ids)
                and not any(values.get(rid) is True for rid in ids)
            )
            shown = tuple(
                rules[r.id][0] for r in look_rules if r.finding == rank and values.get(r.id) is None
            )
        else:
            shown = tuple(
                rules[r.id][0]
                for r in look_rules
                if r.finding == finding and values.get(r.id) is True
            )
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
                    finding_label=_FINDING_LABELS[finding],
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
            ranked = self._ranked(self._distinction_ranks[d_id], values)
            side = "unknown" if ranked is None else (ranked or "not_applicable")
            found = self._share(
                key,
                _new_distinction_finding(
                    id=d_id,
                    label=d.label,
                    side=side,
                    side_label=_SIDE_LABELS[side],
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

    # --- reasons -----------------------------------------------------------------------------

    def _reason(
        self,
        result: Walk,
        missing: list[MissingFact],
        values: dict[str, bool],
        uses: dict[str, FactUse],
        lang: str,
    ) -> str:
        zh = lang == "zh"
        if result.conflict and result.outcome == "refer":
            names = "、".join(r.id for r in result.conflict)
            return (
                f"同一步骤的规则（{names}）结论不同，规则集无法排序，提请党委（党组）集体研究认定。"
                if zh
                else f"Rules of one step ({names}) give different outcomes the ruleset cannot "
                "order: referred to the committee."
            )
        if result.outcome == "insufficient_facts":
            deciders = [m for m in missing if m.changes_outcome or m.jointly]
            names = "、".join(f"{m.label}（{m.id}）" for m in deciders) or "—"
            possible = "、".join(self._outcome_label(o) for o in result.possible)
            return (
                f"结论取决于尚未查清的事实：{names}。可能的结论：{possible}。"
                if zh
                else "The outcome depends on facts not yet established: "
                + ", ".join(m.id for m in deciders)
                + f". Possible outcomes: {', '.join(result.possible)}."
            )
        if result.deciding is None:
            return (
                "没有任何认定规则适用，提请党委（党组）集体研究认定。"
                if zh
                else "No rule of the decision order applies: referred to the committee."
            )
        rule = result.deciding
        named = self._deciding_findings(rule, values)
        if zh:
            cite = f"（{self._cite_text(rule)}）" if rule.cite else ""
            if not named:
                return f"{rule.label}{cite}。"
            parts = []
            for r in named:
                facts = self._basis_facts(r, values, uses)
                parts.append(f"{r.label}（{facts}）" if facts else r.label)
            what = _NAMED_KIND_ZH[named[0].kind]
            return f"{rule.label}{cite}。{what}：{'；'.join(parts)}。"
        cite = f" ({rule.cite.doc}, {rule.cite.clause})" if rule.cite else ""
        text = f"Decision-order rule {rule.id} (step {rule.step}) holds{cite}."
        if named:
            what = _NAMED_KIND_EN[named[0].kind]
            text += f" {what}: {', '.join(r.id for r in named)}."
        return text

    def _deciding_findings(self, rule: Rule, values: dict[str, bool]) -> list[Rule]:
        """What decided, to name in the reason: the exclusions established behind a
        ``not_tolerate``, else the situations (or, with none, the grounds) behind it."""
        behind = upstream_rules((rule.id,), self.program.reads)
        held = [r for r in self.program.order if r.id in behind and values.get(r.id) is True]
        if rule.outcome == "not_tolerate":
            return [r for r in held if r.kind == "exclusion"]
        situations = [r for r in self._situations if values.get(r.id) is True]
        return situations or [r for r in held if r.kind == "mitigating"]

    def _basis_facts(self, rule: Rule, values: dict[str, bool], uses: dict[str, FactUse]) -> str:
        """The stated facts a rule rests on (directly or through the rules it reads), as
        ``label：value``; the presumed ones, marked, when it reads no stated fact."""
        behind = upstream_rules((rule.id,), self.program.reads)
        seen: dict[str, None] = {}
        for r in self.program.order:
            if r.id in behind:
                for fid in self._fact_ids[r.id]:
                    seen.setdefault(fid, None)
        # What the file states is what established it; presumed values (a dissent presumed
        # absent beside a determined major loss) are named only when nothing stated is read.
        known = [uses[f] for f in seen if uses[f].value is not None]
        stated = [u for u in known if not u.presumed]
        return "，".join(
            f"{u.label}：{u.display}{'（推定）' if u.presumed else ''}" for u in stated or known
        )

    # --- presumptions --------------------------------------------------------------------

    def _presumed(
        self, result: Walk, values: dict[str, bool], read: CaseFacts
    ) -> list[PresumedFact]:
        """Each presumed fact the decision order read, tried alone with each other value it
        could take: whether that changes the outcome, and to what (catalogue §6.7)."""
        reading = read.reading
        if not reading.presumed:
            return []
        walked = upstream_rules((r.id for r, _ in result.steps), self._plain_reads)
        read_facts = {f for rid in walked for f in self._fact_ids.get(rid, ())}
        out = []
        for fid, decl in self._decls:
            index = reading.presumed.get(fid)
            if index is None or fid not in read_facts:
                continue
            value = reading.facts[fid]
            effects = []
            for other in self._missing.candidates_of(fid):
                if same_value(other, value) or read.violates({fid: other}):
                    continue
                change, flags, changed = read.change({fid: other})
                after = self.reference.values_after(
                    reading.facts, flags, values, change, self._missing.outcome_rules, changed
                )
                outcome = outcome_of(self.program, after)[0]
                effects.append(
                    _new_value_effect(
                        value=json_value(other),
                        display=decl.display(other),
                        outcome=outcome,
                        outcome_label=self._outcome_label(outcome),
                    )
                )
            out.append(
                _new_presumed_fact(
                    id=fid,
                    label=decl.label,
                    value=json_value(value),
                    display=decl.display(value),
                    reason=decl.presume[index].reason,
                    changes_outcome=any(e.outcome != result.outcome for e in effects),
                    effects=effects,
                )
            )
        return out

    def _presumed_summary(self, presumed: list[PresumedFact], outcome: str) -> str:
        """One paragraph (catalogue §6.7): the facts presumed, grouped by the value they were
        presumed to have; then, by the outcome a reversal would lead to, the presumptions whose
        reversal would change it, each in the ruleset's words: "……，按未提出认定；如存在，结论
        将为……", or, when many lead to one outcome, their reasons and that outcome once."""
        if not presumed:
            return ""
        by_value: dict[str, list[str]] = {}
        for p in presumed:
            by_value.setdefault(p.display, []).append(f"「{p.label}」")
        listed = "；".join(f"{''.join(labels)}按「{v}」认定" for v, labels in by_value.items())
        text = f"案件材料未载明、按推定认定的事实{len(presumed)}项：{listed}"
        groups: dict[str, list[tuple[PresumedFact, list[ValueEffect]]]] = {}
        for p in presumed:
            changing = [e for e in p.effects if e.outcome != outcome]
            for label in dict.fromkeys(e.outcome_label for e in changing):
                groups.setdefault(label, []).append(
                    (p, [e for e in changing if e.outcome_label == label])
                )
        if not groups:
            return text + "。以上推定即使不成立，结论也不变。"
        parts = []
        for label, items in groups.items():
            if len(items) < _GROUP_FROM:
                for p, effects in items:
                    decl = self.rs.facts[p.id]
                    parts.append(
                        f"{p.reason.rstrip('。')}；{_if_instead(decl, effects)}，结论将为{label}"
                    )
                continue
            reasons = []
            for p, effects in items:
                values = "或".join(f"「{e.display}」" for e in effects)
                bool_fact = self.rs.facts[p.id].type == "bool"
                reasons.append(p.reason.rstrip("。") + ("" if bool_fact else f"（如为{values}）"))
            parts.append(
                f"{'；'.join(reasons)}——以上{len(items)}项推定如与实际情况不符，结论将为{label}"
            )
        return text + "。其中，" + "。".join(parts) + "。"

    def _cite_text(self, rule: Rule) -> str:
        assert rule.cite is not None
        doc = self.rs.documents.get(rule.cite.doc)
        title = doc.title if doc else rule.cite.doc
        if not title.startswith("《"):
            title = f"《{title}》"
        return f"{title}{rule.cite.clause}"


#: presumptions leading to one outcome from which the summary names the outcome once, after them
_GROUP_FROM = 4
_NAMED_KIND_ZH = {
    "exclusion": "所存在的不予容错情形",
    "situation": "所符合的容错情形",
    "mitigating": "所具有的从轻、减轻情形",
}
_NAMED_KIND_EN = {
    "exclusion": "Exclusions established",
    "situation": "Situations established",
    "mitigating": "Mitigating grounds established",
}


def _if_instead(decl: FactDecl, effects: list[ValueEffect]) -> str:
    """ "如存在" / "如与此相反" for a presumed bool, "如为「……」或「……」" for other values."""
    if decl.type == "bool" and isinstance(effects[0].value, bool):
        # a ground or finding presumed absent: "if it exists"; one presumed to hold (from what
        # is stated, or as cooperation is): "if it is otherwise"
        return "如存在" if effects[0].value else "如与此相反"
    return "如为" + "或".join(f"「{e.display}」" for e in effects)


def _ranking_key(rule: Rule) -> str:
    return rule.finding or rule.side


def _ranks(
    rules: Iterable[Rule], order: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ids of ``rules`` of each rank, strongest first."""
    return tuple((rank, tuple(r.id for r in rules if _ranking_key(r) == rank)) for rank in order)
