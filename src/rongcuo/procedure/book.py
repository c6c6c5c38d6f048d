"""The case book: a department's cases through their procedure, over one store.

Takes a store that keeps both decision records and case procedure records
(:class:`~rongcuo.records.store.SQLiteStore`, or PostgreSQL), an
:class:`~rongcuo.api.Engine` (the rulesets) and the official calendar; gives
:class:`CaseBook`, whose methods are what an officer does — open a case, record a step,
extend one, decide (the proposal recorded, the deciding body's decision beside it), track
corrections, visits and measures — and what they look at: one case on a day
(:class:`CaseView`, with every step's deadline), the list of cases, the chain's verification.
The CLI, the service and the workspace all call these, so they agree.

Every change names its ``actor`` and ``at`` (the caller's clock: the library never reads one)
and may name the version it was made from (``expected_version``): a change made from an older
version is refused (RC710) and nothing is lost. The procedure followed is that of the ruleset
version in force on the day the case was opened (程序从新: a procedure applies as it stands
when the case is handled); see docs/case-procedure.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rongcuo.api import Engine
from rongcuo.assessment.history import WarningEntry
from rongcuo.case.contract import Sanction
from rongcuo.case.file import Case
from rongcuo.errors import Diagnostic, InputError, did_you_mean
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure import changes as c
from rongcuo.procedure.deadlines import StepDue, status, step_dues
from rongcuo.procedure.events import Change, Event, procedure_error, verify
from rongcuo.procedure.loop import visit_plan
from rongcuo.procedure.periods import ImpactPeriod, impact_period
from rongcuo.procedure.rules import check_change
from rongcuo.procedure.state import CaseState, fold
from rongcuo.records.case_tables import CaseHead, conflict
from rongcuo.records.model import Review, make_record
from rongcuo.records.open import Store
from rongcuo.ruleset.model import Ruleset


@dataclass(frozen=True)
class CaseView:
    """One case on a day: its record folded, each step's deadline, its status."""

    state: CaseState
    ruleset: Ruleset
    steps: list[StepDue]
    status: str
    status_label: str
    as_of: dt.date
    impact: ImpactPeriod | None = None
    impact_error: str = ""
    #: the cadre's warnings across every case naming its ``cadre.id`` (one case's view only)
    history: tuple[WarningEntry, ...] = ()

    @property
    def overdue(self) -> list[StepDue]:
        """The body's steps past their deadline."""
        return [s for s in self.steps if s.state == "overdue"]

    @property
    def next_due(self) -> StepDue | None:
        """The open step whose deadline comes first."""
        open_ = [s for s in self.steps if s.state in ("open", "overdue") and s.effective_due]
        return min(open_, key=lambda s: (s.effective_due, s.id), default=None)


class CaseBook:
    """What officers do with cases' procedure records (see the module docstring)."""

    def __init__(self, store: Store, engine: Engine, calendar: OfficialCalendar) -> None:
        self.store, self.engine, self.calendar = store, engine, calendar

    # --- reading ----------------------------------------------------------------------

    def state(self, case_id: str) -> CaseState:
        """The case's record folded; RC712 when there is none."""
        state = fold(case_id, self.store.events(case_id))
        if state.version == 0:
            known = [h.id for h in self.store.heads()]
            raise procedure_error(
                "RC712",
                f"<case {case_id}>",
                f"没有案件 {case_id} 的程序记录",
                f"no procedure record for case {case_id}",
                did_you_mean(case_id, known),
            )
        return state

    def procedure_ruleset(self, state: CaseState) -> Ruleset:
        """The ruleset whose procedure the case follows: the version in force on the day it
        was opened, or, when none was yet, on the conduct's day."""
        opened = state.dates["accepted"]
        try:
            return self.engine.ruleset(state.ruleset, opened)
        except InputError:
            incident = dt.date.fromisoformat(str(state.case.get("incident_date")))
            return self.engine.ruleset(state.ruleset, incident)

    def view(self, case_id: str, as_of: dt.date) -> CaseView:
        """The case on ``as_of``: every step's deadline and state, the status, the impact
        period of any sanction its case file records, and the cadre's warning history."""
        state = self.state(case_id)
        view = self._view(state, as_of)
        if state.cadre_id is None:
            return view
        return dataclasses.replace(view, history=tuple(self.warning_history(state.cadre_id)))

    def _view(self, state: CaseState, as_of: dt.date) -> CaseView:
        rs = self.procedure_ruleset(state)
        dues = step_dues(state, rs, self.calendar, as_of)
        sid, label = status(dues)
        impact, impact_error = None, ""
        sanctions = state.case.get("sanction")
        if sanctions:
            try:
                case = Case.model_validate(state.case)
                impact = impact_period(case.sanction, rs)
            except InputError as exc:
                d = exc.diagnostics[0]
                impact_error = f"{d.code} {d.message_zh} / {d.message_en}"
        return CaseView(state, rs, dues, sid, label, as_of, impact, impact_error)

    def all(self, as_of: dt.date) -> list[CaseView]:
        """Every case on ``as_of``, by id."""
        return [self._view(fold(h.id, self.store.events(h.id)), as_of) for h in self.store.heads()]

    def heads(self) -> list[CaseHead]:
        """Every case's row (id, ruleset, version, head hash), by id."""
        return self.store.heads()

    def warning_history(self, cadre_id: str) -> list[WarningEntry]:
        """The warnings recorded on every case whose file names ``cadre_id`` (catalogue §13),
        oldest first: the history the warning assessment reads."""
        out: list[tuple[str, str, int, WarningEntry]] = []
        for case_id in self.store.cases_of_cadre(cadre_id):
            for event in self.store.events(case_id):
                if event.action != "warning":
                    continue
                w = c.Warning.model_validate(event.payload)
                entry = WarningEntry(
                    cadre_id=cadre_id,
                    level=w.level,
                    form=w.form,
                    given_on=w.on,
                    by=w.by or event.actor,
                    note=w.note,
                )
                out.append((w.on.isoformat(), case_id, event.seq, entry))
        return [entry for *_, entry in sorted(out, key=lambda t: t[:3])]

    def plan_visits(
        self, case_id: str, *, actor: str, at: str, expected_version: int | None = None
    ) -> list[Event]:
        """Add the return visits the ruleset plans after the case's decision
        (:func:`rongcuo.procedure.loop.visit_plan`) that the case does not have yet; RC713
        before a decision. Each is its own event, the first made from ``expected_version``."""
        view = self._view(self.state(case_id), dt.date.fromisoformat(at[:10]))  # no history
        planned = visit_plan(view)
        if not planned:
            raise procedure_error(
                "RC713",
                f"<case {case_id}>",
                "尚未作出认定，回访须在认定之后安排",
                "no decision yet: return visits are planned after it",
                "先登记研究认定 record the decision first",
            )
        version = view.state.version if expected_version is None else expected_version
        if version != view.state.version:  # refused even when nothing would be added
            raise conflict(case_id, version, view.state.version, f"<case {case_id}>")
        out: list[Event] = []
        for visit in planned:
            if visit.id in view.state.visits:
                continue
            payload = {"id": visit.id, "due": visit.due.isoformat(), "purpose": visit.purpose}
            event = self.change(
                case_id, "visit", payload, actor=actor, at=at, expected_version=version
            )
            version = event.seq
            out.append(event)
        return out

    def sanctions_of(self, cadre_id: str) -> list[Sanction]:
        """The sanctions the case files of every case naming ``cadre_id`` record, by case id
        (the impact period is the latest end of them all, catalogue §12)."""
        out: list[Sanction] = []
        for case_id in self.store.cases_of_cadre(cadre_id):
            case = Case.model_validate(fold(case_id, self.store.events(case_id)).case)
            out += [x for x in case.sanction if x not in out]
        return out

    def verify(self, case_id: str) -> tuple[CaseHead, list[Diagnostic]]:
        """The case's row and every break in its chain (RC720), or none."""
        head = self.store.head(case_id)
        if head is None:
            self.state(case_id)  # RC712 with a did-you-mean
            raise AssertionError("unreachable")
        return head, verify(case_id, self.store.events(case_id), head.version, head.head_hash)

    # --- changing ---------------------------------------------------------------------

    def change(
        self,
        case_id: str,
        action: str,
        payload: dict[str, Any],
        *,
        actor: str,
        at: str,
        expected_version: int | None = None,
    ) -> Event:
        """Record one change (any action), checked against the case as it stands when the
        store holds its write lock; RC710 when ``expected_version`` is stale."""
        where = f"<case {case_id}>"
        p = c.payload_of(action, payload, where)
        if isinstance(p, c.Open | c.CaseFile):
            model, _ = self.engine.load_case(p.case)  # a file that does not load is refused
            # kept in its canonical form (dates as text): the same content hash, and JSON
            payload = {**payload, "case": model.model_dump(mode="json")}
            if p.case.get("id") != case_id:
                raise procedure_error(
                    "RC723",
                    where,
                    f"案件文件的编号 {p.case.get('id')!r} 与案件 {case_id} 不符",
                    f"the case file's id {p.case.get('id')!r} is not {case_id}",
                )
        if isinstance(p, c.Open):
            self.engine.ruleset(p.ruleset, p.on)  # an unknown ruleset is refused here
        change = Change(action=action, payload=payload, actor=actor, at=at)  # type: ignore[arg-type]
        today = dt.date.fromisoformat(at[:10])

        def check(events: Sequence[Event]) -> None:
            state = fold(case_id, events)
            rs = self.procedure_ruleset(state) if state.version else None  # none before opening
            check_change(state, action, p, today, rs, self.calendar)

        return self.store.append(case_id, change, expected_version, check)

    def open(
        self,
        case: Case | dict[str, Any],
        *,
        ruleset: str,
        opened_by: str,
        on: dt.date,
        actor: str,
        at: str,
        applied_on: dt.date | None = None,
        inquiry_notified_on: dt.date | None = None,
        note: str = "",
    ) -> Event:
        """Open a case's record: an application accepted, or the body's own motion, on ``on``."""
        data = case.model_dump(mode="json") if isinstance(case, Case) else dict(case)
        payload: dict[str, Any] = {
            "ruleset": ruleset,
            "case": data,
            "opened_by": opened_by,
            "on": on.isoformat(),
            "note": note,
        }
        if applied_on:
            payload["applied_on"] = applied_on.isoformat()
        if inquiry_notified_on:
            payload["inquiry_notified_on"] = inquiry_notified_on.isoformat()
        return self.change(str(data.get("id", "")), "open", payload, actor=actor, at=at)

    def decide(
        self,
        case_id: str,
        *,
        on: dt.date,
        body: str | None,
        actor: str,
        at: str,
        outcome: str | None = None,
        reason: str = "",
        consulted: str = "",
        expected_version: int | None = None,
    ) -> tuple[Event, str]:
        """研究认定: evaluate the case file as it stands (``as_of`` = ``on``), record the
        proposal, and record the deciding body's final decision beside it (the proposal's
        outcome unless ``outcome`` says otherwise, with ``reason``: RC721 without one). The
        body defaults to the case file's ``accountability_body`` (谁追责问责，谁负责容错).
        Returns the event and the decision record's id."""
        state = self.state(case_id)
        case, _ = self.engine.load_case(state.case)
        decision = self.engine.evaluate(case, ruleset=state.ruleset, as_of=on)
        record = make_record(decision, case, recorded_at=at)
        final = outcome or record.outcome
        if final != record.outcome and not reason.strip():
            raise procedure_error(
                "RC721",
                f"<case {case_id}>",
                f"最终认定（{final}）与机器建议（{record.outcome}）不同，须说明理由",
                f"the final outcome ({final}) differs from the proposal ({record.outcome}): "
                "a reason is required",
                "用 --reason 写明理由 give --reason",
            )
        if body is None and case.accountability_body is not None:
            body = case.accountability_body.name
        given: dict[str, str | None] = {
            "event": "decided",
            "on": on.isoformat(),
            "body": body,
            "outcome": final,
            "proposal": record.id,
            "reason": reason,
            "consulted": consulted,
        }
        payload: dict[str, Any] = {k: v for k, v in given.items() if v not in (None, "")}
        event = self.change(
            case_id, "event", payload, actor=actor, at=at, expected_version=expected_version
        )
        self.store.put(record)
        review = Review(
            record_id=record.id,
            final_outcome=final,  # type: ignore[arg-type]
            deciding_body=str(body),
            decided_on=on,
            reason=reason,
            reviewer=actor,
        )
        self.store.add_review(review)
        return event, record.id
