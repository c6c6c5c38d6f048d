"""The ``rongcuo case`` commands: a case through its procedure, over the record store.

Takes the store (``--store``, the same file as the decision records), the rulesets and the
working-day calendar (``--calendar``); gives ``case open`` (an application accepted or the
body's own motion), ``case step`` (a procedural event dated: investigated, notice_received,
filed, appealed, review_decided …), ``case decide`` (研究认定: the proposal recorded and the
deciding body's decision beside it), ``case extend`` (a time limit extended once, with its
reason), ``case update`` (a new case file), ``case show`` / ``case list`` (status and every
deadline on a day, overdue ones flagged), ``case log`` (the audit trail) and ``case verify``
(the hash chain). The loop after a decision (corrections, visits, measures, the report) is in
:mod:`rongcuo.cli.procedure_loop`. Every change names who made it (``--actor``, also
``$RONGCUO_ACTOR``) and may name the version it was made from (``--expect-version``; RC710
when the case has moved on).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from rongcuo.api import Engine
from rongcuo.case.file import load_case
from rongcuo.cli import shared
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.views import list_text, log_text, row_json, view_json, view_text
from rongcuo.records.open import open_store
from rongcuo.ruleset.model import ANCHORS

F = TypeVar("F", bound=Callable[..., Any])


def now() -> str:
    """The time of a change: the clock, read here at the edge (the library never reads it)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def book_options(func: F) -> F:
    """``--store``, ``--rulesets`` and ``--calendar``: where the book is kept and read."""
    func = click.option(
        "--calendar",
        "calendars",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Calendar supplement file for years chinese-calendar does not cover (repeatable).",
    )(func)
    func = click.option(
        "--rulesets",
        "ruleset_dirs",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Folder of rulesets besides the bundled ones (repeatable).",
    )(func)
    return shared.store_option(func)


def change_options(func: F) -> F:
    """``--actor`` and ``--expect-version`` of a command that changes a case."""
    func = click.option(
        "--expect-version",
        type=int,
        default=None,
        help="The case version this change is made from: refused (RC710) if it has moved on.",
    )(func)
    return click.option(
        "--actor",
        envvar="RONGCUO_ACTOR",
        required=True,
        help="经办人: who makes the change (also $RONGCUO_ACTOR); kept in the audit trail.",
    )(func)


fmt_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@contextmanager
def opened_book(
    store_path: str, ruleset_dirs: tuple[str, ...], calendars: tuple[str, ...], create: bool
) -> Iterator[CaseBook]:
    """The book over the store at ``store_path`` (made when ``create``)."""
    calendar = OfficialCalendar.with_supplements(*calendars) if calendars else OfficialCalendar()
    with (
        open_store(store_path, create=create) as store,
        Engine([Path(d) for d in ruleset_dirs], backend="reference") as engine,
    ):
        yield CaseBook(store, engine, calendar)


def echo_change(book: CaseBook, case_id: str, seq: int, fmt: str) -> None:
    """What a command that changed a case prints: the new version and status, or the view."""
    view = book.view(case_id, shared.today())
    if fmt == "json":
        click.echo(json.dumps(view_json(view), ensure_ascii=False, indent=2))
    else:
        click.echo(f"已记录 recorded: {case_id} 第 {seq} 版 · 状态 {view.status_label}")


@click.group("case")
def case_group() -> None:
    """A case through its procedure: open, steps, decision, deadlines, audit trail."""


@case_group.command("open")
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--ruleset", required=True, help="Ruleset id (e.g. wanzhou).")
@click.option(
    "--by",
    "opened_by",
    type=click.Choice(["application", "own_motion"]),
    required=True,
    help="application 依申请 · own_motion 问责机关主动启动.",
)
@click.option("--on", "on", callback=shared.to_date, required=True, help="受理或启动之日.")
@click.option("--applied-on", callback=shared.to_date, help="提出申请之日 (application).")
@click.option("--notified-on", callback=shared.to_date, help="被告知问责调查之日.")
@click.option("--note", default="")
@book_options
@change_options
@fmt_option
def case_open(
    case_file: str,
    ruleset: str,
    opened_by: str,
    on: dt.date,
    applied_on: dt.date | None,
    notified_on: dt.date | None,
    note: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    actor: str,
    expect_version: int | None,
    fmt: str,
) -> None:
    """Open the procedure record of CASE_FILE (its id becomes the record's id)."""

    def action() -> int:
        case, _ = load_case(case_file)
        with opened_book(store_path, ruleset_dirs, calendars, create=True) as book:
            event = book.open(
                case,
                ruleset=ruleset,
                opened_by=opened_by,
                on=on,
                applied_on=applied_on,
                inquiry_notified_on=notified_on,
                actor=actor,
                at=now(),
                note=note,
            )
            echo_change(book, case.id, event.seq, fmt)
        return 0

    shared.run(action)


@case_group.command("step")
@click.argument("case_id")
@click.argument("event", type=click.Choice(sorted(set(ANCHORS) - {"decided", "accepted"})))
@click.option("--on", "on", callback=shared.to_date, required=True, help="事件发生之日.")
@click.option("--note", default="")
@click.option("--reason", default="", help="更正已登记日期的理由.")
@click.option("--filed-with", help="filed: 备案机关 (default: the case's managing_department).")
@click.option("--result", type=click.Choice(["upheld", "changed"]), help="review_decided.")
@book_options
@change_options
@fmt_option
def case_step(
    case_id: str,
    event: str,
    on: dt.date,
    note: str,
    reason: str,
    filed_with: str | None,
    result: str | None,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    actor: str,
    expect_version: int | None,
    fmt: str,
) -> None:
    """Record that EVENT happened on --on (e.g. investigated, notice_received, filed)."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            payload: dict[str, Any] = {"event": event, "on": on.isoformat(), "note": note}
            if reason:
                payload["reason"] = reason
            if event == "filed":
                filed_with_ = filed_with or book.state(case_id).case.get("managing_department")
                if filed_with_:
                    payload["filed_with"] = filed_with_
            if result:
                payload["result"] = result
            change = book.change(
                case_id, "event", payload, actor=actor, at=now(), expected_version=expect_version
            )
            echo_change(book, case_id, change.seq, fmt)
        return 0

    shared.run(action)


@case_group.command("decide")
@click.argument("case_id")
@click.option("--on", "on", callback=shared.to_date, required=True, help="作出认定之日.")
@click.option("--body", help="认定机关 (default: the case's accountability_body).")
@click.option("--outcome", help="最终认定结果 when it departs from the proposal (with --reason).")
@click.option("--reason", default="")
@click.option("--consulted", default="", help="征求意见的纪检监察机关.")
@book_options
@change_options
@fmt_option
def case_decide(
    case_id: str,
    on: dt.date,
    body: str | None,
    outcome: str | None,
    reason: str,
    consulted: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    actor: str,
    expect_version: int | None,
    fmt: str,
) -> None:
    """研究认定: decide CASE_ID as it stands, recording the proposal and the final decision."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            event, record_id = book.decide(
                case_id,
                on=on,
                body=body,
                outcome=outcome,
                reason=reason,
                consulted=consulted,
                actor=actor,
                at=now(),
                expected_version=expect_version,
            )
            if fmt == "text":
                click.echo(f"决定记录 record: {record_id}")
            echo_change(book, case_id, event.seq, fmt)
        return 0

    shared.run(action)


@case_group.command("extend")
@click.argument("case_id")
@click.argument("step")
@click.option("--on", "on", callback=shared.to_date, required=True, help="决定延长之日.")
@click.option("--reason", required=True, help="延长理由.")
@book_options
@change_options
@fmt_option
def case_extend(
    case_id: str,
    step: str,
    on: dt.date,
    reason: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    actor: str,
    expect_version: int | None,
    fmt: str,
) -> None:
    """Extend STEP's time limit (once, as the ruleset allows), for --reason."""

    def action() -> int:
        payload = {"step": step, "on": on.isoformat(), "reason": reason}
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            event = book.change(
                case_id, "extend", payload, actor=actor, at=now(), expected_version=expect_version
            )
            echo_change(book, case_id, event.seq, fmt)
        return 0

    shared.run(action)


@case_group.command("update")
@click.argument("case_id")
@click.argument("case_file", type=click.Path(dir_okay=False))
@book_options
@change_options
@fmt_option
def case_update(
    case_id: str,
    case_file: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    actor: str,
    expect_version: int | None,
    fmt: str,
) -> None:
    """Put a new version of the case file (facts established since opening)."""

    def action() -> int:
        case, _ = load_case(case_file)
        payload = {"case": case.model_dump(mode="json")}
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            event = book.change(
                case_id, "case", payload, actor=actor, at=now(), expected_version=expect_version
            )
            echo_change(book, case_id, event.seq, fmt)
        return 0

    shared.run(action)


@case_group.command("show")
@click.argument("case_id")
@click.option("--as-of", callback=shared.to_date, help="The day to show (default today).")
@book_options
@fmt_option
def case_show(
    case_id: str,
    as_of: dt.date | None,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    fmt: str,
) -> None:
    """A case's status and every deadline on --as-of, overdue ones flagged."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            view = book.view(case_id, as_of or shared.today())
        if fmt == "json":
            click.echo(json.dumps(view_json(view), ensure_ascii=False, indent=2))
        else:
            click.echo(view_text(view), nl=False)
        return 0

    shared.run(action)


@case_group.command("list")
@click.option("--as-of", callback=shared.to_date, help="The day to show (default today).")
@click.option("--overdue", is_flag=True, help="Only cases with a step past its deadline.")
@book_options
@fmt_option
def case_list(
    as_of: dt.date | None,
    overdue: bool,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    fmt: str,
) -> None:
    """Every case: status, the next deadline, what is overdue."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            views = book.all(as_of or shared.today())
        if overdue:
            views = [v for v in views if v.overdue]
        if fmt == "json":
            click.echo(json.dumps([row_json(v) for v in views], ensure_ascii=False, indent=2))
        else:
            click.echo(list_text(views), nl=False)
        return 0

    shared.run(action)


@case_group.command("log")
@click.argument("case_id")
@book_options
@fmt_option
def case_log(
    case_id: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    fmt: str,
) -> None:
    """The audit trail of CASE_ID: every change, who, when, and its hash."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            events = book.state(case_id).events
        if fmt == "json":
            data = [e.model_dump(mode="json") for e in events]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            click.echo(log_text(events), nl=False)
        return 0

    shared.run(action)


@case_group.command("verify")
@click.argument("case_ids", nargs=-1)
@book_options
def case_verify(
    case_ids: tuple[str, ...],
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
) -> None:
    """Recompute the hash chain of each case (all when none given); exit 1 on any break.
    Prints each case's head hash, to be kept outside the store."""

    def action() -> int:
        from rongcuo.errors import format_diagnostics

        broken = 0
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            for case_id in case_ids or tuple(h.id for h in book.heads()):
                head, problems = book.verify(case_id)
                if problems:
                    broken += 1
                    click.echo(format_diagnostics(problems), err=True)
                else:
                    click.echo(f"{head.id}\t完好 intact\t第 {head.version} 版\t{head.head_hash}")
        return 1 if broken else 0

    shared.run(action)
