"""The Decision contract, version 1: the JSON another system receives (docs/api.md).

Takes a :class:`~rongcuo.decision.model.Decision` and gives its wire form, and back. The
:class:`Decision` model is the Python view, expanded for templates and code (each finding
carries its rule's label and clause); the wire form says each rule, clause, document and fact
once and refers to them by id:

* ``rules``: every rule the decision names → its kind, label, note and clause (``citation``:
  document id, clause, quoted text), once;
* ``documents``: every document a clause is in → its title and number, once;
* ``facts``: every fact the decision order read → its label, value, how a memo prints it, and
  whether it is presumed, once;
* ``trace``: the rules in the order they were evaluated, each with its value, the facts it read
  and the rules it read (ids);
* ``situations``, ``exclusions``, ``preconditions``, ``grounds``, and the ``rules`` of each look
  and distinction: rule ids, whose values are in ``trace``; ``walk``: the decision order's steps.

Three-valued values are written one way throughout: ``true``, ``false``, ``null`` (unknown) —
a rule's value, a fact's value, a step, an allegation struck or not. ``schema_version`` comes
first. The expansion is exact: ``from_json(to_json(d)) == d`` (``tests/test_contract.py``).
"""

from __future__ import annotations

import json
from typing import Any

import pydantic_core

from rongcuo.decision.expand import from_wire
from rongcuo.decision.model import (
    SCHEMA_VERSION,
    CitationRef,
    ClearingSection,
    Decision,
    DistinctionFinding,
    FactUse,
    LookFinding,
    RuleResult,
)
from rongcuo.decision.wire import DecisionV1

_TRUTH: dict[str, bool | None] = {"true": True, "false": False, "unknown": None}


class _Tables:
    """The rules, documents and facts a decision names, each written once."""

    def __init__(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, str]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, str] = {}
        self._uses: dict[int, list[str]] = {}

    def rule(self, rid: str, kind: str, label: str, note: str, cite: CitationRef | None) -> str:
        if rid not in self.rules:
            clause = self.clause(cite)
            self.rules[rid] = {"kind": kind, "label": label, "note": note, "citation": clause}
        return rid

    def clause(self, cite: CitationRef | None) -> dict[str, str] | None:
        """A clause as the wire writes it; its document goes into the tables."""
        if cite is None:
            return None
        if cite.doc not in self.documents:
            self.documents[cite.doc] = {"title": cite.doc_title, "number": cite.doc_number}
        return {"doc": cite.doc, "clause": cite.clause, "text": cite.text}

    def effects(self, found: list[Any]) -> list[dict[str, Any]]:
        """Facts' effects without their outcome labels, which go into ``outcomes``."""
        out = []
        for data in found:
            effects = data["effects"]
            for e in effects:
                self.outcomes.setdefault(e["outcome"], e.pop("outcome_label"))
            out.append(data)
        return out

    def ids(self, found: tuple[RuleResult, ...] | list[RuleResult]) -> list[str]:
        """The ids of ``found``; each rule not yet in the tables goes in, with its facts, and
        each gets its note (a trace step has none)."""
        out = []
        rules = self.rules
        for r in found:
            entry = rules.get(r.id)
            if entry is None:
                self.uses(r.facts)
                self.rule(r.id, r.kind, r.label, r.note, r.citation)
            elif r.note:
                entry["note"] = r.note
            out.append(r.id)
        return out

    def uses(self, found: tuple[FactUse, ...]) -> list[str]:
        """The ids of ``found``; each fact not yet in the tables goes in. (One tuple of uses
        serves a rule's result and its trace step: its ids are worked out once a call.)"""
        known = self._uses.get(id(found))
        if known is not None:
            return known
        facts = self.facts
        ids = []
        for f in found:
            fid = f.id
            if fid not in facts:
                facts[fid] = {
                    "label": f.label,
                    "value": f.value,
                    "display": f.display,
                    "presumed": f.presumed,
                }
            ids.append(fid)
        # the decision holds ``found`` while this call lasts: its id stays its own
        self._uses[id(found)] = ids
        return ids


def to_wire(d: Decision) -> dict[str, Any]:
    """The wire form of ``d`` as JSON-ready data, its keys in :class:`DecisionV1`'s order."""
    t = _Tables()
    rules = t.rules
    # The trace first (every rule the order evaluated, in order), then the findings, which add
    # each rule's note.
    trace = []
    for s in d.trace:
        if s.rule not in rules:
            t.rule(s.rule, s.kind, s.label, "", s.citation)
        trace.append(
            {
                "rule": s.rule,
                "value": _TRUTH[s.value],
                "facts": t.uses(s.facts),
                "reads": s.reads_rules,
            }
        )
    findings: dict[str, Any] = {
        group: t.ids(getattr(d, group))
        for group in ("situations", "exclusions", "preconditions", "grounds")
    }
    looks = [_look(look, t) for look in d.looks]
    distinctions = [_distinction(x, t) for x in d.distinctions]
    walk = []
    for w in d.walk:
        if w.rule not in rules:  # every rule of the order is in the trace: not met so far
            t.rule(w.rule, "outcome", w.label, "", w.citation)
        walk.append({"step": w.step, "rule": w.rule, "outcome": w.outcome})
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "outcome": d.outcome,
        "outcome_label": d.outcome_label,
        "reason_zh": d.reason_zh,
        "reason_en": d.reason_en,
        "deciding_rule": d.deciding_rule,
        "possible_outcomes": list(d.possible_outcomes),
        "case": d.case.model_dump(mode="json"),
        "as_of": d.as_of,
        "ruleset": d.ruleset.model_dump(mode="json"),
    }
    if d.versions is not None:
        out["versions"] = d.versions.model_dump(mode="json")
    out["engine"] = d.engine.model_dump(mode="json")
    out.update(findings)
    out["looks"] = looks
    out["distinctions"] = distinctions
    out["claimed_situations"] = [c.model_dump(mode="json") for c in d.claimed_situations]
    out["missing_facts"] = t.effects([m.model_dump(mode="json") for m in d.missing_facts])
    out["presumed"] = t.effects([p.model_dump(mode="json") for p in d.presumed])
    out["presumed_summary_zh"] = d.presumed_summary_zh
    out["walk"] = walk
    out["trace"] = trace
    if d.clearing is not None:
        out["clearing"] = _clearing_wire(d.clearing, t)
    out["rules"] = rules
    out["documents"] = t.documents
    out["facts"] = t.facts
    out["outcomes"] = t.outcomes
    out["proposal_note"] = d.proposal_note
    return out


def _look(look: LookFinding, t: _Tables) -> dict[str, Any]:
    return {
        "id": look.id,
        "label": look.label,
        "finding": look.finding,
        "finding_label": look.finding_label,
        "rules": t.ids(look.rules),
        "facts": t.uses(look.facts),
    }


def _distinction(x: DistinctionFinding, t: _Tables) -> dict[str, Any]:
    return {
        "id": x.id,
        "label": x.label,
        "side": x.side,
        "side_label": x.side_label,
        "tolerable": x.tolerable,
        "intolerable": x.intolerable,
        "rules": t.ids(x.rules),
    }


def _clearing_wire(c: ClearingSection, t: _Tables) -> dict[str, Any]:
    allegations = []
    for a in c.allegations:
        data = a.model_dump(mode="json", exclude={"rules"})
        data["struck"] = _TRUTH[a.struck]
        data["by_citation"] = t.clause(a.by_citation)
        if a.kind is not None:
            data["kind"]["citation"] = t.clause(a.kind.citation)
        for m, named in zip(data["methods"], a.methods, strict=True):
            m["citation"] = t.clause(named.citation)
        if a.deadline is not None:
            data["deadline"]["citation"] = t.clause(a.deadline.citation)
        for h, named in zip(data["reporter"]["handlings"], a.reporter.handlings, strict=True):
            h["citation"] = t.clause(named.citation)
        data["rules"] = [
            {
                "rule": t.rule(r.id, r.kind, r.label, r.note, r.citation),
                "value": _TRUTH[r.value],
                "facts": [f.model_dump(mode="json") for f in r.facts],
            }
            for r in a.rules
        ]
        allegations.append(data)
    return {
        "allegations": allegations,
        "all_struck": _TRUTH[c.all_struck],
        "summary_zh": c.summary_zh,
    }


def to_json(d: Decision) -> str:
    """The canonical JSON text of ``d`` (contract v1): one line, UTF-8 characters as they are,
    keys in the schema's order, then a newline. The same inputs give the same bytes."""
    return to_json_bytes(d).decode() + "\n"


def to_json_bytes(d: Decision) -> bytes:
    """:func:`to_json`'s UTF-8 bytes without the final newline (for batch lines)."""
    return pydantic_core.to_json(to_wire(d))


def from_json(text: str | bytes) -> Decision:
    """The :class:`Decision` that ``text`` (contract v1, as :func:`to_json` writes it) is; a
    text without ``schema_version`` is the expanded form that records made before v1 hold.

    Raises ``pydantic.ValidationError`` when the text is neither."""
    data = json.loads(text)
    if isinstance(data, dict) and "schema_version" not in data:
        return Decision.model_validate(data)
    return from_wire(DecisionV1.model_validate(data))
