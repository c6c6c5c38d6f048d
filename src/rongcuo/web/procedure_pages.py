"""The case procedure pages (``/cases…``): the department's cases through their procedure,
over the store ``rongcuo serve --store`` names and the same
:class:`~rongcuo.procedure.book.CaseBook` as the CLI and the API.

Routes: ``GET /cases`` (every case with its status and next deadline — the date and the days
left — overdue ones flagged; ``?overdue=1``: those alone), ``GET /cases/new`` and ``POST
/cases/new`` (open a case by uploading its case file, or from the case workspace's form,
``POST /cases/new/from-workspace?ruleset=…``), ``GET /cases/{id}`` (the case on a day: status,
the steps as a timeline, the decision and filing, the forms for the next change, the audit log
with its hashes) and ``POST /cases/{id}/{action}`` (one change: ``event``, ``extend``,
``decide``, ``correction``, ``visit``, ``measure``, ``…_done``, ``note``). Every change is a
write (signed in, this site's form) and names its 经办人, remembered by the browser. A form
carries the version it was made from: when someone else changed the case since, the page says
so (409, 已被他人修改) and shows the case as it now stands with the form as it was filled.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rongcuo.case.contract import SANCTION_KINDS
from rongcuo.errors import Diagnostic, InputError, Location, RulesetNotFound
from rongcuo.procedure import changes as c
from rongcuo.procedure.book import CaseBook, CaseView
from rongcuo.procedure.views import OPENED_BY, describe
from rongcuo.records.model import OUTCOME_LABELS, RecordError
from rongcuo.ruleset.document import load_text
from rongcuo.ruleset.model import ANCHORS
from rongcuo.service.core import Refused, as_of_day, now, record_refusal
from rongcuo.web.case_form import first
from rongcuo.web.case_pages import decided, read_form, uploaded
from rongcuo.web.pages import Pages
from rongcuo.web.routing import add_page, pages_of

#: The cookie that remembers the officer's name (经办人) in this browser.
ACTOR_COOKIE = "rc_actor"
#: What each change's form may carry (the rest of the form is not the payload's).
FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("event", "on", "note", "reason", "filed_with", "result"),
    "extend": ("step", "on", "reason"),
    "decide": ("on", "body", "outcome", "reason", "consulted"),
    "correction": ("id", "what", "who", "due"),
    "visit": ("id", "due", "purpose"),
    "measure": ("id", "cause", "measure", "owner", "due"),
    "correction_done": ("id", "on", "by", "note"),
    "visit_done": ("id", "on", "by", "note"),
    "measure_done": ("id", "on", "by", "note"),
    "note": ("text",),
    "warning": ("level", "form", "on", "by", "note"),
    "visit_plan": (),
}
#: The events the page's event form records (the opening is /cases/new, the decision its own).
EVENTS = ("investigated", "notice_received", "filed", "appealed", "review_decided")
#: Who acts in a step, in Chinese.
BY = {"body": "问责机关", "cadre": "当事干部"}
ITEM_KINDS = (
    ("corrections", "correction", "纠错事项"),
    ("visits", "visit", "回访"),
    ("measures", "measure", "完善制度措施"),
)
FORM_WHERE = "案件表单"


def register(pages: Pages) -> None:
    """Add the case procedure pages."""
    add_page(pages, "/cases", case_list)
    add_page(pages, "/cases/new", new_case)
    add_page(pages, "/cases/new", open_case, "POST")
    add_page(pages, "/cases/new/from-workspace", from_workspace, "POST")
    add_page(pages, "/cases/{case_id}", case_page)
    add_page(pages, "/cases/{case_id}/case", update_case, "POST")  # an upload, before {action}
    add_page(pages, "/cases/{case_id}/{action}", change, "POST")


def day_of(as_of: str | None) -> dt.date:
    """The day a page shows: ``as_of`` (400 RC903 when it is no date), else today (the
    service's clock)."""
    return as_of_day(as_of or None) or dt.date.fromisoformat(now()[:10])


def actor_of(request: Request) -> str:
    """The officer's name this browser remembers, or ``""``."""
    return unquote(request.cookies.get(ACTOR_COOKIE, ""))[:100]


def days_left(due: dt.date | None, day: dt.date) -> str:
    """How long to a deadline, in words: 剩 N 天, 今日到期, 逾期 N 天."""
    if due is None:
        return ""
    left = (due - day).days
    if left > 0:
        return f"剩 {left} 天"
    return "今日到期" if left == 0 else f"逾期 {-left} 天"


def row(v: CaseView, day: dt.date) -> dict[str, Any]:
    """A case as the list shows it."""
    nxt = v.next_due
    return {
        "id": v.state.id,
        "title": v.state.title,
        "ruleset": v.ruleset.id,
        "status_label": v.status_label,
        "closed": v.status == "closed",
        "next": None if nxt is None else nxt.label,
        "due": None if nxt is None else nxt.effective_due,
        "left": "" if nxt is None else days_left(nxt.effective_due, day),
        "overdue": [s.label for s in v.overdue],
    }


def case_list(request: Request, as_of: str | None = None, overdue: str = "") -> HTMLResponse:
    """``GET /cases``: every case on ``as_of`` with its next deadline; ``overdue=1``: only
    those with a step past its deadline."""
    pages = pages_of(request)
    day = day_of(as_of)

    def work() -> list[CaseView]:
        with pages.svc.book() as book:
            return book.all(day)

    views = guarded(work)
    rows = [row(v, day) for v in views if v.overdue or not overdue]
    return pages.render(
        request,
        "procedure/list.html",
        title="案件办理",
        rows=rows,
        day=day,
        as_of=as_of or "",
        only_overdue=bool(overdue),
        total=len(views),
        late=sum(1 for v in views if v.overdue),
    )


def guarded(work: Any) -> Any:
    """``work()`` with a store or library failure as the service answers it (a page)."""
    try:
        return work()
    except RecordError as exc:
        raise record_refusal(exc) from None
    except InputError as exc:
        raise Refused(422, exc.diagnostics) from None


def new_page(
    request: Request,
    *,
    status: int = 200,
    values: Mapping[str, Sequence[str]] | None = None,
    problems: Sequence[Diagnostic] = (),
    case_json: str = "",
    case_title: str = "",
) -> HTMLResponse:
    """The form that opens a case, filled with ``values``."""
    pages = pages_of(request)
    given = values or {}
    return pages.render(
        request,
        "procedure/new.html",
        status=status,
        title="立案",
        rulesets=pages.svc.engine.library.ids(),
        v=lambda name, default="": first(given, name) if name in given else default,
        actor=first(given, "actor") or actor_of(request),
        problems=list(problems),
        case_json=case_json,
        case_title=case_title,
        has_store=pages.svc.config.store is not None,
    )


def new_case(request: Request) -> HTMLResponse:
    """``GET /cases/new``: the form that opens a case."""
    return new_page(request)


def problem(code: str, path: str, zh: str, en: str) -> Diagnostic:
    """A problem with a field of a page's form."""
    return Diagnostic(code, Location(FORM_WHERE, path=(path,)), zh, en)


def no_actor() -> Diagnostic:
    """RC913: the form names no 经办人."""
    return problem("RC913", "actor", "请填写经办人", "a change names who makes it (actor)")


async def from_workspace(request: Request, ruleset: str) -> HTMLResponse:
    """``POST /cases/new/from-workspace?ruleset=…``: the case workspace's form, checked and
    decided as there, carried into the opening form (nothing is written yet)."""
    pages = pages_of(request)
    values = await read_form(pages, request)
    _, made = await decided(pages, ruleset, values)
    fields = {"ruleset": [ruleset]}
    if made.case is None:
        return new_page(request, status=422, values=fields, problems=made.diagnostics)
    return new_page(
        request,
        values=fields,
        case_json=json.dumps(made.data, ensure_ascii=False),
        case_title=f"{made.case.id} {made.case.title}",
    )


def uploaded_case(name: str, content: bytes | None) -> tuple[Any, list[Diagnostic]]:
    """The case file uploaded as ``name``, read, and what is wrong with it (no file chosen,
    not YAML or JSON, not a mapping)."""
    if content is None:
        return None, [
            problem("RC902", "file", "请选择一个案件文件（YAML 或 JSON）", "choose a file")
        ]
    loaded, found = load_text(content, name)
    data = None if loaded is None else loaded.data
    if not found and not isinstance(data, dict):
        return data, [problem("RC201", "file", "案件文件应是一个映射", "not a mapping")]
    return data, list(found)


def written_to_case(case_id: str, as_of: str, actor: str, anchor: str = "") -> Response:
    """The answer to a change made on the case page: back to the case on the page's day."""
    query = f"?{urlencode({'as_of': as_of})}" if as_of else ""
    return written(f"/cases/{quote(case_id, safe='')}{query}{anchor}", actor)


def expected_of(version: str) -> int | None:
    """The version a page's form was made from (None when it carries none)."""
    return int(version) if version.isdigit() else None


async def open_case(request: Request) -> Response:
    """``POST /cases/new`` (a write): open the uploaded case file's procedure record."""
    pages = pages_of(request)
    raw = await pages.svc.body(request)
    name, content, fields = await uploaded(request, raw)
    pages.require_write(request, first(fields, "csrf"))
    actor = first(fields, "actor").strip()
    keep = {"case_json": first(fields, "case_json"), "case_title": first(fields, "case_title")}
    problems: list[Diagnostic] = []
    data: Any = None
    if content is None and keep["case_json"]:
        try:
            data = json.loads(keep["case_json"])
        except ValueError:
            problems = [problem("RC902", "case_json", "表单中的案件无法读取", "unreadable case")]
    else:
        data, problems = uploaded_case(name, content)
    if not actor:
        problems.append(no_actor())
    if problems or not isinstance(data, dict):
        problems = problems or [problem("RC201", "file", "案件文件应是一个映射", "not a mapping")]
        return new_page(request, status=422, values=fields, problems=problems, **keep)
    payload: dict[str, Any] = {
        k: first(fields, k).strip() for k in ("ruleset", "opened_by", "on", "note")
    }
    for k in ("applied_on", "inquiry_notified_on"):
        if first(fields, k).strip():
            payload[k] = first(fields, k).strip()
    payload["case"] = data
    case_id = str(data.get("id", ""))

    def work() -> None:
        with pages.svc.book() as book:
            book.change(case_id, "open", payload, actor=actor, at=now())

    found = await run_in_threadpool(attempt, work)
    if found:
        status = record_status(found)
        return new_page(request, status=status, values=fields, problems=found, **keep)
    return written(f"/cases/{quote(case_id, safe='')}", actor)


async def update_case(request: Request, case_id: str) -> Response:
    """``POST /cases/{id}/case`` (a write): a new version of the case file, uploaded (the facts
    established since opening), made from the form's version."""
    pages = pages_of(request)
    raw = await pages.svc.body(request)
    name, content, fields = await uploaded(request, raw)
    pages.require_write(request, first(fields, "csrf"))
    as_of = first(fields, "as_of").strip()
    day = day_of(as_of)
    actor = first(fields, "actor").strip()
    version = first(fields, "version").strip()
    data, problems = uploaded_case(name, content)
    problems = problems if actor else [no_actor(), *problems]
    if problems:
        posted = ("case", fields)
        return detail(request, case_id, day, as_of, status=422, posted=posted, problems=problems)

    def work() -> None:
        expected = expected_of(version)
        with pages.svc.book() as book:
            book.change(
                case_id, "case", {"case": data}, actor=actor, at=now(), expected_version=expected
            )

    found = await run_in_threadpool(attempt, work)
    if found:
        status = record_status(found)
        posted = ("case", fields)
        return detail(request, case_id, day, as_of, status=status, posted=posted, problems=found)
    return written_to_case(case_id, as_of, actor)


def attempt(work: Any) -> list[Diagnostic]:
    """Run ``work()``; what the library refuses, as its diagnostics (none: it was done)."""
    try:
        work()
    except (RecordError, InputError) as exc:
        return list(exc.diagnostics)
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        return [problem("RC301", "ruleset", zh, en or zh)]
    return []


def record_status(found: Sequence[Diagnostic]) -> int:
    """The status the service answers these problems with (409, 404, 422)."""
    if found and found[0].code in ("RC710", "RC711"):
        return 409
    if found and found[0].code == "RC712":
        return 404
    return 422


def written(to: str, actor: str) -> Response:
    """After a change: back to the page (303), the officer's name remembered."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        ACTOR_COOKIE, quote(actor), max_age=365 * 86400, httponly=True, samesite="strict"
    )
    return response


def case_page(request: Request, case_id: str, as_of: str | None = None) -> HTMLResponse:
    """``GET /cases/{id}``: the case on ``as_of`` (default today)."""
    return detail(request, case_id, day_of(as_of), as_of or "")


def detail(
    request: Request,
    case_id: str,
    day: dt.date,
    as_of: str,
    *,
    status: int = 200,
    posted: tuple[str, Mapping[str, Sequence[str]]] | None = None,
    problems: Sequence[Diagnostic] = (),
) -> HTMLResponse:
    """The case page, with a form as it was ``posted`` and its ``problems`` when a change was
    refused."""
    pages = pages_of(request)

    def work() -> tuple[CaseView, list[Diagnostic]]:
        with pages.svc.book() as book:
            return book.view(case_id, day), book.verify(case_id)[1]

    view, broken = guarded(work)
    form, values = posted or ("", {})

    def v(which: str, name: str, default: str = "") -> str:
        return first(values, name) if which == form and name in values else default

    s = view.state
    return pages.render(
        request,
        "procedure/case.html",
        status=status,
        title=f"案件 {s.id}",
        view=view,
        s=s,
        day=day,
        as_of=as_of,
        steps=[{"s": x, "left": days_left(x.effective_due, day)} for x in view.steps],
        decision=s.details.get("decided"),
        filed=s.details.get("filed"),
        items=[
            (key, action, label, list(getattr(s, key).values()))
            for key, action, label in ITEM_KINDS
        ],
        events=[(e, ANCHORS[e], e in s.dates) for e in EVENTS],
        next_event=next((e for e in EVENTS if e not in s.dates), EVENTS[-1]),
        extendable=[
            x for x in view.steps if x.extendable_by and x.state == "open" and not x.extended_due
        ],
        outcomes=OUTCOME_LABELS,
        opened_by=OPENED_BY.get(s.opened_by, s.opened_by),
        sanction_names=SANCTION_KINDS,
        describe=describe,
        by=BY,
        log=s.events,
        broken=broken,
        actor=actor_of(request),
        v=v,
        form=form,
        problems=list(problems),
        conflict=any(d.code == "RC710" for d in problems),
    )


def payload_of(action: str, values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The change's payload from its form: the fields it may carry, those left empty out."""
    out = {}
    for name in FIELDS[action]:
        value = first(values, name).strip()
        if value:
            out[name] = value
    return out


async def change(request: Request, case_id: str, action: str) -> Response:
    """``POST /cases/{id}/{action}`` (a write): one change, made from the form's version."""
    pages = pages_of(request)
    if action not in FIELDS:
        raise Refused(
            404, [problem("RC301", "action", f"没有操作 {action[:40]!r}", "no such action")]
        )
    values = await read_form(pages, request)
    pages.require_write(request, first(values, "csrf"))
    as_of = first(values, "as_of").strip()
    day = day_of(as_of)
    actor = first(values, "actor").strip()
    version = first(values, "version").strip()
    payload = payload_of(action, values)
    if not actor:
        return detail(
            request, case_id, day, as_of, status=422, posted=(action, values), problems=[no_actor()]
        )

    def work() -> None:
        with pages.svc.book() as book:
            record(book, case_id, action, payload, actor, expected_of(version))

    found = await run_in_threadpool(attempt, work)
    if found:
        status = record_status(found)
        return detail(
            request, case_id, day, as_of, status=status, posted=(action, values), problems=found
        )
    return written_to_case(case_id, as_of, actor, "#steps")


def record(
    book: CaseBook,
    case_id: str,
    action: str,
    payload: dict[str, Any],
    actor: str,
    expected: int | None,
) -> None:
    """Record one change of the page's forms (a decision through :meth:`CaseBook.decide`,
    a filing with the case file's managing department unless the form names another)."""
    at = now()
    if action == "decide":
        p = c.payload_of("event", {"event": "decided", **payload}, f"<case {case_id}>")
        book.decide(
            case_id,
            on=p.on,
            body=p.body,
            outcome=p.outcome,
            reason=p.reason,
            consulted=p.consulted,
            actor=actor,
            at=at,
            expected_version=expected,
        )
        return
    if action == "event" and payload.get("event") == "filed" and "filed_with" not in payload:
        department = book.state(case_id).case.get("managing_department")
        if department:
            payload["filed_with"] = department
    if action == "visit_plan":
        book.plan_visits(case_id, actor=actor, at=at, expected_version=expected)
        return
    if action == "warning" and str(payload.get("level", "")).isdigit():
        payload["level"] = int(payload["level"])  # a form sends text; the level is a number
    kind = "event" if action == "event" else action
    book.change(case_id, kind, payload, actor=actor, at=at, expected_version=expected)
