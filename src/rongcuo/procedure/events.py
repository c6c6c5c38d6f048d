"""A case's procedure record as a chain of events: every change, who made it and when.

Takes the changes an officer makes to a case (:class:`Change`: an action, its payload, the
actor, the time); gives the stored :class:`Event` (the change numbered within its case and
hash-chained to the one before), :func:`chain` to make the next event, and :func:`verify`,
which recomputes a case's chain and names the first event that was edited, removed or put out
of order. The procedure state is a fold over these events (:mod:`rongcuo.procedure.state`), so
the chain is the whole record: there is nothing else to edit.

The hash of an event is SHA-256 over the hash before it and the canonical JSON of the event's
content (case id, number, time, actor, action, payload). The first event of a case chains to
:data:`GENESIS`. Nothing here reads the clock: ``at`` is given by the caller.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rongcuo.errors import Diagnostic, Location
from rongcuo.records.model import RecordError

#: What a change does. ``open`` starts a case's record; ``event`` dates a procedural event
#: (one of the ruleset's ANCHORS); ``extend`` extends a step's time limit once; ``case`` puts
#: a new version of the case file; the rest track the loop after a decision (catalogue §13).
Action = Literal[
    "open",
    "event",
    "extend",
    "case",
    "correction",
    "correction_done",
    "visit",
    "visit_done",
    "measure",
    "measure_done",
    "warning",
    "note",
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
#: What the first event of every case chains to.
GENESIS = "sha256:" + "0" * 64


class Change(BaseModel):
    """One change to a case's record, as its author makes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    payload: dict[str, Any] = Field(default_factory=dict)
    actor: str = Field(min_length=1, pattern=r"\S", description="经办人 who made the change")
    at: str = Field(min_length=1, description="when, as an ISO timestamp given by the caller")


class Event(BaseModel):
    """A change as stored: numbered within its case (from 1) and chained by hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    seq: int
    at: str
    actor: str
    action: Action
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """What the hash covers besides the hash before it."""
        return {
            "case_id": self.case_id,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "payload": self.payload,
        }


def canonical(value: Any) -> str:
    """The canonical JSON text the chain hashes and the store keeps."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """The hash of an event with this content, chained to ``prev_hash``."""
    digest = hashlib.sha256((prev_hash + "\n" + canonical(content)).encode())
    return "sha256:" + digest.hexdigest()


def chain(case_id: str, previous: Event | None, change: Change) -> Event:
    """The event that records ``change`` after ``previous`` (None for a case's first)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    # The payload goes through JSON once, so that what is hashed now is what a store gives back.
    payload = json.loads(canonical(change.payload))
    content = {
        "case_id": case_id,
        "seq": seq,
        "at": change.at,
        "actor": change.actor,
        "action": change.action,
        "payload": payload,
    }
    return Event(**content, prev_hash=prev_hash, hash=event_hash(prev_hash, content))


def procedure_error(code: str, where: str, zh: str, en: str, hint: str = "") -> RecordError:
    """One located, bilingual error about a case's procedure record (RC71x)."""
    return RecordError([Diagnostic(code, Location(where, 0, 0, ()), zh, en, hint)])


def verify(case_id: str, events: Sequence[Event], version: int, head: str) -> list[Diagnostic]:
    """Every break in a case's chain (RC720), or none.

    Checks that the events are numbered 1, 2, … without a gap, that each chains to the one
    before, that each hash is the hash of its content (an edited payload, actor or time
    changes it), and that the last one is the case's recorded ``version`` and ``head``: a
    removed last event shows there.
    """
    where = f"<case {case_id}>"
    out: list[Diagnostic] = []

    def broken(seq: int, zh: str, en: str) -> None:
        out.append(
            Diagnostic(
                "RC720",
                Location(where, 0, 0, ("events", seq)),
                f"第 {seq} 条记录{zh}",
                f"event {seq} {en}",
                "该案件的程序记录在 rongcuo 之外被改动：从备份恢复，并核对外部留存的链头哈希 the "
                "record was changed outside rongcuo: restore it from a backup and compare the "
                "head hash kept elsewhere",
            )
        )

    prev = GENESIS
    for expected, event in enumerate(events, start=1):
        if event.seq != expected:
            broken(expected, "缺失或顺序被打乱", "is missing or out of order")
            return out
        if event.case_id != case_id:
            broken(expected, "属于另一案件", "belongs to another case")
        if event.prev_hash != prev:
            broken(expected, "未接续上一条记录（链被断开）", "does not chain to the one before")
        if event_hash(event.prev_hash, event.content()) != event.hash:
            broken(expected, "的内容已被改动（哈希不符）", "was edited (its hash does not match)")
        prev = event.hash
    if len(events) != version or prev != (head if events else GENESIS):
        broken(
            len(events) + 1 if len(events) < version else max(len(events), 1),
            f"之后的记录被删除或替换（案件版本 {version}，现存 {len(events)} 条）",
            f"onwards was removed or replaced (case version {version}, {len(events)} events)",
        )
    return out
