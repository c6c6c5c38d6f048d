"""Assess one input under one assessment ruleset: facts → rule values → the decision order.

Takes the effective assessment ruleset, the input (:mod:`.input`), the day and the evaluator of
either backend (the reference evaluator by default; ``Engine.evaluator`` gives durable_rules'),
and, for the impact period, the tolerance ruleset whose parameters give it; gives an
:class:`~rongcuo.assessment.model.Assessment`. The stages of a decision are reused as they
fit: the facts are checked by the case stage's ``bind_facts``, read with the ruleset's
presumptions by ``decision.presume``, evaluated by the backend's ``rule_values`` and walked by
``decision.walk``. An assessment ruleset's order is complete and its outcome rules never
unknown (RC175, RC176), so the walk always ends at one rule that holds.
"""

from __future__ import annotations

import datetime as dt
import json

from rongcuo.assessment.computed import computed_facts
from rongcuo.assessment.input import AssessmentInput
from rongcuo.assessment.model import (
    Assessment,
    DecidingRule,
    EffectRef,
    EngineRef,
    InputRef,
    Presumed,
    Question,
    RulesetRef,
    Step,
)
from rongcuo.assessment.why import grounds
from rongcuo.case.contract import Case
from rongcuo.case.envelope import CaseSource
from rongcuo.case.file import bind_facts
from rongcuo.decision.model import citation_ref
from rongcuo.decision.presume import Presumer, Reading
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.reference import Evaluator, Program, ReferenceEvaluator, truth_name
from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.ruleset.check_assessment import require_kind
from rongcuo.ruleset.model import FactValue, Rule, Ruleset, json_value


class Assessor:
    """Assessments under one effective assessment ruleset with one evaluator."""

    def __init__(self, rs: Ruleset, evaluator: Evaluator | None = None) -> None:
        require_kind(rs, "assessment")
        self.rs = rs
        self.program = Program.build(rs)
        self.evaluator = evaluator or ReferenceEvaluator(self.program)
        self.presumer = Presumer(rs)

    def assess(
        self,
        item: AssessmentInput,
        *,
        as_of: dt.date,
        periods: Ruleset | None = None,
        source: CaseSource | None = None,
    ) -> Assessment:
        """The assessment of ``item`` on ``as_of`` (``periods``: the tolerance ruleset whose
        impact-period parameters apply). Raises :class:`~rongcuo.errors.CaseError` with every
        problem of the input, located in ``source``."""
        rs = self.rs
        src = source or CaseSource(f"<assessment {item.id}>")
        computed, shown = computed_facts(rs, item, src, as_of, periods)
        case = Case(id=item.id, title=item.id, incident_date=as_of, facts=item.facts)
        stated = {**bind_facts(case, rs, src), **computed}
        unknown = case.unknown_facts() & rs.facts.keys()
        reading = self.presumer.read(stated, frozenset(unknown), frozenset())
        values = self.evaluator.rule_values(reading.facts, reading.flags)
        walked = walk_outcomes(self.program, values)
        rule = walked.deciding
        if rule is None or rule.when is None:  # RC175, RC176 see to it; never a traceback
            raise InputError([self._undecided(reading)])
        held = grounds(rs, rule.when, reading.facts, values)
        questions = [self._question(f, reading, computed) for f in held]
        return Assessment(
            input=InputRef(
                id=item.id,
                content_hash=item.content_hash(),
                cadre_id=item.cadre.id if item.cadre else None,
                cadre_name=item.cadre.name if item.cadre else None,
            ),
            as_of=as_of.isoformat(),
            ruleset=RulesetRef(
                id=rs.id,
                title=rs.title,
                version=rs.version,
                content_hash=rs.content_hash,
                periods_from=periods.id if periods is not None and item.sanction else None,
            ),
            engine=EngineRef(name=self.evaluator.name, version=self.evaluator.version),
            outcome=rule.outcome,
            outcome_label=rs.outcomes[rule.outcome].label,
            deciding_rule=DecidingRule(
                id=rule.id,
                label=rule.label,
                step=rule.step,
                citation=citation_ref(rule.cite, rs.documents),
            ),
            reason_zh=self._reason_zh(rule, questions),
            reason_en=_reason_en(rule, questions),
            questions=questions,
            presumed=[
                self._presumed(fid, i, reading) for fid, i in sorted(reading.presumed.items())
            ],
            computed=shown,
            effects=[
                EffectRef(id=e.id, text=e.text, citation=citation_ref(e.cite, rs.documents))
                for e in rs.effects.values()
                if e.outcome == rule.outcome
            ],
            trace=[
                Step(
                    step=r.step,
                    rule=r.id,
                    label=r.label,
                    outcome=r.outcome,
                    value=truth_name(values.get(r.id)),  # type: ignore[arg-type]
                )
                for steps in self.program.steps
                for r in steps
            ],
        )

    def _undecided(self, reading: Reading) -> Diagnostic:
        last = self.program.steps[-1][-1] if self.program.steps else None
        known = ", ".join(f"{k}={json_value(v)}" for k, v in sorted(reading.facts.items()))
        return Diagnostic(
            "RC175",
            last.src if last is not None else Location(self.rs.components[-1].path),
            f"评估规则集 {self.rs.id} 的认定顺序没有一步作出结论（{known or '没有事实'}）",
            f"no step of {self.rs.id}'s decision order decides this input ({known or 'no facts'})",
            "运行 rongcuo check 并补全认定顺序 run rongcuo check and complete the order",
        )

    def _question(self, fid: str, reading: Reading, computed: dict[str, FactValue]) -> Question:
        decl = self.rs.facts[fid]
        value = reading.facts.get(fid)
        status = (
            "unknown"
            if value is None
            else "computed"
            if fid in computed
            else "presumed"
            if fid in reading.presumed
            else "stated"
        )
        return Question(
            id=fid,
            label=decl.label,
            question=decl.question,
            value=json_value(value),
            display="尚未查明" if value is None else decl.display(value),
            status=status,  # type: ignore[arg-type]
        )

    def _presumed(self, fid: str, index: int, reading: Reading) -> Presumed:
        decl = self.rs.facts[fid]
        entry = decl.presume[index]
        return Presumed(
            id=fid,
            label=decl.label,
            value=json_value(entry.value),
            display=decl.display(entry.value),
            reason=entry.reason,
        )

    def _reason_zh(self, rule: Rule, questions: list[Question]) -> str:
        text = f"{self.rs.outcomes[rule.outcome].label}。理由：{rule.label}"
        if questions:
            text += "。所依据的事项：" + "；".join(f"{q.label}——{q.display}" for q in questions)
        cite = rule.cite
        if cite is not None:
            doc = self.rs.documents.get(cite.doc)
            text += f"。依据：{doc.title if doc else cite.doc}（{cite.clause}）"
        return text + "。"


def _reason_en(rule: Rule, questions: list[Question]) -> str:
    text = f"{rule.outcome}: step {rule.step} rule {rule.id} holds"
    if questions:
        shown = ", ".join(
            f"{q.id} {'unknown' if q.value is None else json.dumps(q.value, ensure_ascii=False)}"
            for q in questions
        )
        text += f" ({shown})"
    return text + "."


def assess(
    ruleset: Ruleset,
    item: AssessmentInput,
    *,
    as_of: dt.date,
    backend: Evaluator | None = None,
    periods: Ruleset | None = None,
    source: CaseSource | None = None,
) -> Assessment:
    """Assess ``item`` under the assessment ``ruleset`` on ``as_of``, its rules evaluated by
    ``backend`` (an evaluator of ``ruleset``, e.g. ``Engine(backend="durable").evaluator(rs)``;
    the reference evaluator by default); ``periods`` is the tolerance ruleset whose impact-
    period parameters apply (national, usually)."""
    return Assessor(ruleset, backend).assess(item, as_of=as_of, periods=periods, source=source)
