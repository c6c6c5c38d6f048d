"""A library entry (典型案例): what an officer needs of one decided case, not yet anonymised.

Takes a decided case — a case file decided by :class:`rongcuo.api.Engine`, or a
:class:`~rongcuo.records.model.DecisionRecord` with the deciding body's
:class:`~rongcuo.records.model.Review` — and gives :class:`Entry`: the situations and
exclusions held, the grounds, the six looks with their findings, the work area (the case fact
``work_area``, which rulesets/national/2019.yaml declares and wanzhou and mianyang inherit), the
outcome (the deciding body's when reviewed, else the machine's proposal, marked so), the
deciding rule and its clause, a short 案情 (the narrative), the 要点 (the deciding reasons) and
the 启示 (``data/booklet.yaml``), plus :func:`features`, the sets a search compares.

::

    Decided                         one decided case: case, decision, review?, ruleset, source
    decide_cases(engine, files, …)  Decided for each case file, decided by the engine
    decided_from_store(engine, st)  Decided for each case with a reviewed record (newest)
    features(decided)               situations, exclusions, looks, work_area, grounds, outcome
    entry_data(decided, lib_id)     the entry's data (JSON-ready), before anonymising
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from rongcuo.api import Engine
from rongcuo.case.file import Case
from rongcuo.decision.model import CitationRef, Decision
from rongcuo.records.model import OUTCOME_LABELS, RecordStore, Review
from rongcuo.ruleset.model import Ruleset

DATA = Path(__file__).parent / "data"
#: The case fact that says which work area (事项所属领域) a case belongs to.
WORK_AREA = "work_area"
FEATURE_SETS = ("situations", "exclusions", "looks", "work_area", "grounds", "outcome")


class Entry(BaseModel):
    """One typical case as the library keeps it (one JSON file), anonymised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    library_id: str
    title: str
    ruleset: dict[str, str]
    outcome: str
    outcome_label: str
    final: bool
    proposed_outcome: str
    deciding_body: str
    decided_on: str
    deciding_rule: dict[str, str] | None
    situations: list[dict[str, str]]
    exclusions: list[dict[str, str]]
    grounds: list[dict[str, str]]
    looks: list[dict[str, str]]
    work_area: list[dict[str, str]]
    work_area_note: str
    narrative: str
    points: list[str]
    lesson: str
    features: dict[str, list[str]]
    case: dict[str, Any]


@dataclass(frozen=True)
class Decided:
    """A decided case: the case, the machine's decision, the deciding body's review (if any),
    the ruleset it was decided under, and where it came from (a file, a record id)."""

    case: Case
    decision: Decision
    review: Review | None
    ruleset: Ruleset
    source: str

    @property
    def outcome(self) -> str:
        """The final outcome: the deciding body's when reviewed, else the proposal."""
        return self.review.final_outcome if self.review else self.decision.outcome

    @property
    def decided_on(self) -> dt.date:
        """The day of the decision: the review's, else the case's ``procedure.decided``, else
        the decision's ``as_of``."""
        if self.review is not None:
            return self.review.decided_on
        if self.case.procedure.decided is not None:
            return self.case.procedure.decided
        return dt.date.fromisoformat(self.decision.as_of)


def decide_cases(
    engine: Engine, files: Sequence[Path], ruleset: str, as_of: dt.date | None = None
) -> list[Decided]:
    """Each case file decided under ``ruleset`` (on ``as_of``; default the day of the conduct,
    as :meth:`Engine.evaluate`), as a :class:`Decided` without review."""
    out = []
    for path in files:
        case, source = engine.load_case(path)
        decision = engine.evaluate(case, ruleset=ruleset, as_of=as_of, source=source)
        rs = engine.ruleset(decision.ruleset.id, dt.date.fromisoformat(decision.as_of))
        out.append(_decided(engine, case, decision, None, str(path), rs))
    return out


def _decided(
    engine: Engine, case: Case, decision: Decision, review: Review | None, source: str, rs: Ruleset
) -> Decided:
    # The ruleset that decided, by version: 从旧兼从轻 may have applied the incident version.
    if rs.version != decision.ruleset.version:
        rs = engine.ruleset(decision.ruleset.id, case.incident_date)
    return Decided(case, decision, review, rs, source)


def decided_from_store(engine: Engine, store: RecordStore) -> tuple[list[Decided], list[str]]:
    """The cases the deciding body has decided: for each case id, its newest record that has a
    review (the last review is the final decision). Gives them and the ids of the records left
    out because no review was recorded (a proposal is not a decided case)."""
    newest: dict[str, tuple[Any, Review]] = {}
    skipped: list[str] = []
    for record in store.find():
        reviews = store.reviews(record.id)
        if not reviews:
            skipped.append(record.id)
            continue
        known = newest.get(record.case_id)
        if known is None or (record.recorded_at, record.id) >= (
            known[0].recorded_at,
            known[0].id,
        ):
            newest[record.case_id] = (record, reviews[-1])
    out = []
    for case_id in sorted(newest):
        record, review = newest[case_id]
        case, _ = engine.load_case(record.case)
        decision = record.proposal()
        rs = engine.ruleset(record.ruleset_id, dt.date.fromisoformat(record.as_of))
        out.append(_decided(engine, case, decision, review, f"{store.name}#{record.id}", rs))
    return out, skipped


def work_area(decided: Decided) -> list[str]:
    """The work area values the case states (none when unknown or undeclared)."""
    value = decided.case.facts.get(WORK_AREA)
    if isinstance(value, str) and value not in ("unknown", "不明"):
        return [value]
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return []


def features(decided: Decided) -> dict[str, list[str]]:
    """The sets a search compares, each sorted: situations and exclusions held, each look with
    its finding (``look=finding``; unknown looks left out), the work area, the grounds held and
    the final outcome."""
    d = decided.decision
    return {
        "situations": sorted(s.id for s in d.situations_matched()),
        "exclusions": sorted(e.id for e in d.exclusions_hit()),
        "looks": sorted(f"{k.id}={k.finding}" for k in d.looks if k.finding != "unknown"),
        "work_area": work_area(decided),
        "grounds": sorted(g.id for g in d.grounds if g.value == "true"),
        "outcome": [decided.outcome],
    }


def _citation(d: Decision) -> CitationRef | None:
    for step in d.walk:
        if step.rule == d.deciding_rule:
            return step.citation
    return None


def _rule(d: Decision) -> dict[str, str] | None:
    if d.deciding_rule is None:
        return None
    label = next((w.label for w in d.walk if w.rule == d.deciding_rule), d.deciding_rule)
    cite = _citation(d)
    return {
        "id": d.deciding_rule,
        "label": label,
        "doc_title": cite.doc_title if cite else "",
        "doc_number": cite.doc_number if cite else "",
        "clause": cite.clause if cite else "",
        "text": cite.text if cite else "",
    }


def _named(items: Iterable[Any]) -> list[dict[str, str]]:
    return [{"id": i.id, "label": i.label} for i in items]


#: Space between two CJK characters or punctuation marks: a line break a folded YAML block
#: (``>-``) turned into a space, which Chinese text does not have.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """The narrative as the booklet prints it: trimmed, without the spaces a folded YAML line
    leaves between Chinese characters."""
    return _CJK_SPACE.sub("", text.strip())


def lessons() -> dict[str, Any]:
    """The booklet's wording (``data/booklet.yaml``): title, subtitle, issuer, lessons."""
    loaded: dict[str, Any] = yaml.safe_load((DATA / "booklet.yaml").read_text(encoding="utf-8"))
    return loaded


def entry_data(decided: Decided, library_id: str, wording: dict[str, Any]) -> dict[str, Any]:
    """The entry of ``decided`` as JSON-ready data, before anonymising (names still in it)."""
    d, case, rs = decided.decision, decided.case, decided.ruleset
    outcome = decided.outcome
    label = d.outcome_label if outcome == d.outcome else OUTCOME_LABELS[outcome]
    declared = rs.facts.get(WORK_AREA)
    values = dict(declared.values) if declared else {}
    areas = [{"id": v, "label": values.get(v, v)} for v in work_area(decided)]
    note = "" if declared else f"规则集 {rs.id} 未声明事项所属领域（{WORK_AREA}）"
    if declared and not areas:
        note = "案件未写明事项所属领域"
    # The deciding reasons: the decision's own (it names the situations or exclusions that
    # decided, with their clauses), then the deciding body's where it gave one.
    points = [d.reason_zh]
    review = decided.review
    if review is not None and review.reason.strip():
        points.append(f"认定机关理由：{review.reason.strip()}")
    return {
        "library_id": library_id,
        "title": case.title,
        "ruleset": {"id": rs.id, "version": rs.version, "title": rs.title},
        "outcome": outcome,
        "outcome_label": label,
        "final": review is not None,
        "proposed_outcome": d.outcome,
        "deciding_body": review.deciding_body if review else "",
        "decided_on": decided.decided_on.isoformat(),
        "deciding_rule": _rule(d),
        "situations": _named(d.situations_matched()),
        "exclusions": _named(d.exclusions_hit()),
        "grounds": _named(g for g in d.grounds if g.value == "true"),
        "looks": [
            {"id": k.id, "label": k.label, "finding": k.finding, "finding_label": k.finding_label}
            for k in d.looks
        ],
        "work_area": areas,
        "work_area_note": note,
        "narrative": tidy(case.narrative or ""),
        "points": points,
        "lesson": str(wording["lessons"].get(outcome, "")),
        "features": features(decided),
        "case": case.model_dump(mode="json"),
    }
