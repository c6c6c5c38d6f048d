"""The ``rongcuo case`` commands of the loop after a decision (catalogue §9, §13).

Takes the same store, rulesets and calendar as :mod:`rongcuo.cli.procedure`; gives
``case correction add|done`` (纠错事项: what, who, by when; tracked to done), ``case visit
plan|add|done`` (回访: planned from the ruleset's parameters, or one by one; recorded when made),
``case measure add|done`` (完善制度: a systemic cause, its measure and owner), ``case warning
add|history`` (问责三级预警, a cadre's history across cases by ``cadre.id``) and ``case report``
(what is open across every case on a day, overdue first). :data:`LOOP_COMMANDS` are added to the
``case`` group by :mod:`rongcuo.cli`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from rongcuo.cli import shared
from rongcuo.cli.procedure import (
    book_options,
    change_options,
    echo_change,
    fmt_option,
    now,
    opened_book,
)
from rongcuo.procedure.loop import KIND_LABELS, open_items
from rongcuo.procedure.views import item_json


def _change(
    opts: dict[str, Any], case_id: str, action: str, payload: dict[str, Any], fmt: str
) -> None:
    def action_() -> int:
        with opened_book(
            opts["store_path"], opts["ruleset_dirs"], opts["calendars"], create=False
        ) as book:
            event = book.change(
                case_id,
                action,
                payload,
                actor=opts["actor"],
                at=now(),
                expected_version=opts["expect_version"],
            )
            echo_change(book, case_id, event.seq, fmt)
        return 0

    shared.run(action_)


def _dated(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _done_command(group: click.Group, action: str, what: str) -> None:
    @group.command("done", help=f"Record that {what} ITEM_ID of CASE_ID was done on --on.")
    @click.argument("case_id")
    @click.argument("item_id")
    @click.option("--on", "on", callback=shared.to_date, required=True, help="完成之日.")
    @click.option("--by", "by", default="", help="由谁完成 (default: --actor).")
    @click.option("--note", default="", help="完成情况、佐证.")
    @book_options
    @change_options
    @fmt_option
    def done(
        case_id: str, item_id: str, on: dt.date, by: str, note: str, fmt: str, **opts: Any
    ) -> None:
        payload = {"id": item_id, "on": on.isoformat(), "by": by, "note": note}
        _change(opts, case_id, action, payload, fmt)


@click.group("correction")
def correction() -> None:
    """纠错事项: what to fix, who fixes it, by when — tracked to done."""


@correction.command("add")
@click.argument("case_id")
@click.option("--id", "item_id", required=True, help="事项编号, e.g. C1.")
@click.option("--what", required=True, help="纠错事项.")
@click.option("--who", default="", help="责任人或责任单位.")
@click.option("--due", callback=shared.to_date, help="完成时限.")
@book_options
@change_options
@fmt_option
def correction_add(
    case_id: str, item_id: str, what: str, who: str, due: dt.date | None, fmt: str, **opts: Any
) -> None:
    """Add a correction item to CASE_ID."""
    payload = {"id": item_id, "what": what, "who": who, "due": _dated(due)}
    _change(opts, case_id, "correction", payload, fmt)


_done_command(correction, "correction_done", "correction item")


@click.group("visit")
def visit() -> None:
    """回访: return visits after the decision, planned from the ruleset and recorded."""


@visit.command("plan")
@click.argument("case_id")
@book_options
@change_options
@fmt_option
def visit_plan_command(case_id: str, fmt: str, **opts: Any) -> None:
    """Add the return visits the ruleset plans after CASE_ID's decision (return_visit_months
    for a tolerated cadre; the visits_* parameters, "3+3", for one held accountable)."""

    def action() -> int:
        with opened_book(
            opts["store_path"], opts["ruleset_dirs"], opts["calendars"], create=False
        ) as book:
            events = book.plan_visits(
                case_id, actor=opts["actor"], at=now(), expected_version=opts["expect_version"]
            )
            visits = book.state(case_id).visits
            for event in events if fmt == "text" else ():
                v = visits[event.payload["id"]]
                click.echo(f"{v.id}\t{v.due}\t{v.what}")
            if fmt == "json":
                echo_change(book, case_id, book.state(case_id).version, fmt)
            elif not events:
                click.echo("已按规则集安排，无需新增 the planned visits are there already")
        return 0

    shared.run(action)


@visit.command("add")
@click.argument("case_id")
@click.option("--id", "item_id", required=True, help="回访编号, e.g. V1.")
@click.option("--due", callback=shared.to_date, required=True, help="计划回访之日.")
@click.option("--purpose", default="", help="回访目的.")
@book_options
@change_options
@fmt_option
def visit_add(
    case_id: str, item_id: str, due: dt.date, purpose: str, fmt: str, **opts: Any
) -> None:
    """Plan one return visit for CASE_ID."""
    payload = {"id": item_id, "due": due.isoformat(), "purpose": purpose}
    _change(opts, case_id, "visit", payload, fmt)


_done_command(visit, "visit_done", "return visit")


@click.group("measure")
def measure() -> None:
    """完善制度: a systemic cause found becomes a prevention measure with an owner."""


@measure.command("add")
@click.argument("case_id")
@click.option("--id", "item_id", required=True, help="措施编号, e.g. M1.")
@click.option("--cause", required=True, help="发现的制度漏洞.")
@click.option("--measure", "measure_", required=True, help="完善制度的措施.")
@click.option("--owner", required=True, help="责任单位.")
@click.option("--due", callback=shared.to_date, help="完成时限.")
@book_options
@change_options
@fmt_option
def measure_add(
    case_id: str,
    item_id: str,
    cause: str,
    measure_: str,
    owner: str,
    due: dt.date | None,
    fmt: str,
    **opts: Any,
) -> None:
    """Add a prevention measure to CASE_ID."""
    payload = {
        "id": item_id,
        "cause": cause,
        "measure": measure_,
        "owner": owner,
        "due": _dated(due),
    }
    _change(opts, case_id, "measure", payload, fmt)


_done_command(measure, "measure_done", "prevention measure")


@click.group("warning")
def warning() -> None:
    """问责三级预警: a level given on a case, and a cadre's history across cases (by cadre.id)."""


@warning.command("add")
@click.argument("case_id")
@click.option("--level", type=click.IntRange(1, 3), required=True, help="1 · 2 · 3.")
@click.option("--form", required=True, help="方式, e.g. 面对面谈话、书面提醒函询.")
@click.option("--on", "on", callback=shared.to_date, required=True, help="预警之日.")
@click.option("--by", "by", default="", help="作出预警的机关或负责人 (default: --actor).")
@click.option("--note", default="")
@book_options
@change_options
@fmt_option
def warning_add(
    case_id: str, level: int, form: str, on: dt.date, by: str, note: str, fmt: str, **opts: Any
) -> None:
    """Record a warning given to CASE_ID's cadre (the case file must give cadre.id)."""
    payload = {"level": level, "form": form, "on": on.isoformat(), "by": by, "note": note}
    _change(opts, case_id, "warning", payload, fmt)


@warning.command("history")
@click.argument("cadre_id")
@book_options
@fmt_option
def warning_history(
    cadre_id: str,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    fmt: str,
) -> None:
    """A cadre's warnings across every case, oldest first (what `assess warning --store`
    reads)."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            entries = book.warning_history(cadre_id)
        if fmt == "json":
            data = [e.model_dump(mode="json") for e in entries]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        elif not entries:
            click.echo(f"干部 {cadre_id} 没有问责预警记录 no warnings")
        for e in entries if fmt == "text" else ():
            click.echo(f"{e.given_on}	{e.level}级	{e.form}	{e.by}	{e.note}".rstrip())
        return 0

    shared.run(action)


@click.command("report")
@click.option("--as-of", callback=shared.to_date, help="The day (default today).")
@book_options
@fmt_option
def report(
    as_of: dt.date | None,
    store_path: str,
    ruleset_dirs: tuple[str, ...],
    calendars: tuple[str, ...],
    fmt: str,
) -> None:
    """What is open across every case: steps, corrections, visits, measures; overdue first."""

    def action() -> int:
        with opened_book(store_path, ruleset_dirs, calendars, create=False) as book:
            items = open_items(book.all(as_of or shared.today()))
        if fmt == "json":
            rows = [item_json(i) for i in items]
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        if not items:
            click.echo("没有待办事项 nothing open")
        for i in items:
            flag = "【逾期】" if i.overdue else ""
            who = f"（{i.who}）" if i.who else ""
            due = i.due or "未定期限"
            click.echo(f"{flag}{due}\t{i.case_id}\t{KIND_LABELS[i.kind]} {i.id}\t{i.what}{who}")
        return 0

    shared.run(action)


LOOP_COMMANDS = (correction, visit, measure, warning, report)
