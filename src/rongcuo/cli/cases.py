"""The commands on one case: takes a case file and a ruleset, gives ``evaluate`` (the proposed
decision, as a summary or JSON, recorded on request) and ``explain`` (its reasoning trace by the
six looks); and ``schema``, the JSON Schemas of a case file (for a ruleset too), a Decision, a
decision record and a memo template's data."""

from __future__ import annotations

import datetime as dt

import click

from rongcuo.api import Engine
from rongcuo.case.file import load_case
from rongcuo.cli import shared
from rongcuo.decision.explain import render_explain, render_summary
from rongcuo.decision.model import Decision
from rongcuo.records.model import make_record
from rongcuo.records.open import open_store
from rongcuo.schemas import KINDS, SchemaKind, json_schema, schema_text


def _decide(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> Decision:
    """The decision on ``case`` under ``ruleset`` (an id or a folder) as of ``as_of`` (today
    when None)."""
    rid, paths = shared.split_ruleset(ruleset)
    with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
        return engine.evaluate(case, ruleset=rid, as_of=as_of or shared.today())


@click.command()
@shared.case_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--record",
    "record_it",
    is_flag=True,
    help="Store a decision record (docs/records.md) and print its id on stderr.",
)
@shared.store_option
def evaluate(
    case: str,
    ruleset: str,
    as_of: dt.date | None,
    backend: str,
    fmt: str,
    record_it: bool,
    store_path: str,
) -> None:
    """Evaluate CASE into a proposed decision."""

    def action() -> int:
        # Open the store and check it can be written first, and record before printing: a
        # decision is shown only once it is recorded, never shown and then lost (RC703, RC706).
        store = open_store(store_path, create=True) if record_it else None
        try:
            if store is not None:
                store.check_writable()
            decision = _decide(case, ruleset, as_of, backend)
            said = ""
            if store is not None:
                now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
                made = make_record(decision, load_case(case)[0], recorded_at=now)
                new = store.put(made)
                said = f"{'已记录 recorded' if new else '已有此记录 already recorded'}: {made.id}"
            click.echo(decision.to_json() if fmt == "json" else render_summary(decision), nl=False)
            if said:
                click.echo(said, err=True)
        finally:
            if store is not None:
                store.close()
        return 0

    shared.run(action)


@click.command()
@shared.case_options
def explain(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> None:
    """Show the reasoning trace for CASE, grouped by the six looks (in Chinese)."""

    def action() -> int:
        click.echo(render_explain(_decide(case, ruleset, as_of, backend)), nl=False)
        return 0

    shared.run(action)


@click.command()
@click.argument("what", type=click.Choice(KINDS))
@click.option(
    "--ruleset",
    "ruleset",
    help="case only: the schema of a case for this ruleset (id or folder): its facts with "
    "their types, allowed values and Chinese labels, and its situations.",
)
@click.option(
    "--as-of",
    callback=shared.to_date,
    help="With --ruleset: the version in force on this day (default: the newest version).",
)
def schema(what: SchemaKind, ruleset: str | None, as_of: dt.date | None) -> None:
    """Print the JSON Schema of a case file, a Decision (contract v1), a decision record, or the
    data a memo template receives (the files under schemas/ hold the same)."""

    def action() -> int:
        if ruleset is None:
            click.echo(schema_text(json_schema(what)), nl=False)
            return 0
        if what != "case":
            raise click.BadParameter(
                "only the case schema depends on a ruleset", param_hint="--ruleset"
            )
        rid, paths = shared.split_ruleset(ruleset)
        with Engine(paths, backend="reference") as engine:
            click.echo(schema_text(engine.case_schema(rid, as_of)), nl=False)
        return 0

    shared.run(action)
