"""A case's procedure as it stands: the fold of its events.

Takes a case's :class:`~rongcuo.procedure.events.Event` list (oldest first); gives
:class:`CaseState`: the ruleset, how and when the case was opened, the case file as last put,
the date of each procedural event, the extensions, the final decision, and the loop after it
(correction items, return visits, prevention measures, warnings). Nothing is stored besides the
events, so this is the only reading of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rongcuo.procedure import changes as c
from rongcuo.procedure.events import GENESIS, Event


@dataclass
class Item:
    """A correction item, return visit or prevention measure, and when it was done."""

    id: str
    what: str
    who: str = ""
    due: dt.date | None = None
    cause: str = ""
    done_on: dt.date | None = None
    done_by: str = ""
    note: str = ""


@dataclass
class Extension:
    """A step's extension: when and why."""

    step: str
    on: dt.date
    reason: str
    actor: str


@dataclass
class CaseState:
    """A case's procedure record, folded from its events."""

    id: str
    ruleset: str = ""
    opened_by: str = ""
    case: dict[str, Any] = field(default_factory=dict)
    #: event id → the day it happened
    dates: dict[str, dt.date] = field(default_factory=dict)
    #: event id → what its change said (the deciding body, the outcome, with whom filed …)
    details: dict[str, c.Dated] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    corrections: dict[str, Item] = field(default_factory=dict)
    visits: dict[str, Item] = field(default_factory=dict)
    measures: dict[str, Item] = field(default_factory=dict)
    warnings: list[c.Warning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    version: int = 0
    head: str = GENESIS
    events: list[Event] = field(default_factory=list)

    @property
    def cadre_id(self) -> str | None:
        """The case file's ``cadre.id``, which ties a cadre's cases together."""
        cadre = self.case.get("cadre") or {}
        value = cadre.get("id") if isinstance(cadre, dict) else None
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str:
        """The case file's title."""
        return str(self.case.get("title", ""))


def fold(case_id: str, events: Sequence[Event]) -> CaseState:
    """The state after ``events`` (a case with none is an empty state at version 0)."""
    state = CaseState(case_id)
    for event in events:
        apply(state, event)
    return state


def apply(state: CaseState, event: Event) -> None:
    """Apply one stored event to ``state`` (its payload was checked when written)."""
    p = c.PAYLOADS[event.action].model_validate(event.payload)
    if isinstance(p, c.Open):
        state.ruleset, state.opened_by, state.case = p.ruleset, p.opened_by, dict(p.case)
        state.dates["accepted"] = p.on
        if p.applied_on is not None:
            state.dates["applied"] = p.applied_on
        if p.inquiry_notified_on is not None:
            state.dates["inquiry_notified"] = p.inquiry_notified_on
    elif isinstance(p, c.Dated):
        state.dates[p.event] = p.on
        state.details[p.event] = p
    elif isinstance(p, c.Extend):
        state.extensions[p.step] = Extension(p.step, p.on, p.reason, event.actor)
    elif isinstance(p, c.CaseFile):
        state.case = dict(p.case)
    elif isinstance(p, c.Correction):
        state.corrections[p.id] = Item(p.id, p.what, p.who, p.due)
    elif isinstance(p, c.Visit):
        state.visits[p.id] = Item(p.id, p.purpose or "回访", due=p.due)
    elif isinstance(p, c.Measure):
        state.measures[p.id] = Item(p.id, p.measure, p.owner, p.due, cause=p.cause)
    elif isinstance(p, c.Done):
        items = {
            "correction_done": state.corrections,
            "visit_done": state.visits,
            "measure_done": state.measures,
        }[event.action]
        item = items[p.id]
        item.done_on, item.done_by, item.note = p.on, p.by or event.actor, p.note
    elif isinstance(p, c.Warning):
        state.warnings.append(p)
    elif isinstance(p, c.Note):
        state.notes.append(p.text)
    state.version, state.head = event.seq, event.hash
    state.events.append(event)
