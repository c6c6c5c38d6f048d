"""The commands on decision records: takes the record store (``--store``, docs/records.md),
gives ``record show`` (a record with its reviews), ``record list``, ``record review`` (the
deciding body's final decision, the proposal kept unchanged) and ``replay`` (a record decided
again and compared byte for byte)."""

from __future__ import annotations

import datetime as dt
import json

import click

from rongcuo.api import Engine
from rongcuo.cli import shared
from rongcuo.records.model import OUTCOME_LABELS, Review, render_record, require
from rongcuo.records.open import open_store
from rongcuo.records.replay import replay as replay_record


@click.group()
def record() -> None:
    """Decision records: show, list, and record the deciding body's final decision (review)."""


@record.command("show")
@click.argument("record_id", metavar="ID")
@shared.store_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def record_show(record_id: str, store_path: str, fmt: str) -> None:
    """Show record ID: its inputs, the machine proposal, then the deciding body's reviews."""

    def action() -> int:
        with open_store(store_path, create=False) as store:
            found = require(store, record_id)
            reviews = store.reviews(found.id)
        if fmt == "json":
            data = {
                "record": found.model_dump(mode="json"),
                "reviews": [r.model_dump(mode="json") for r in reviews],
            }
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            click.echo(render_record(found, reviews), nl=False)
        return 0

    shared.run(action)


@record.command("list")
@click.option("--case", "case_id", help="Only the records of this case id.")
@click.option("--ruleset", "ruleset_id", help="Only the records of this ruleset id.")
@shared.store_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def record_list(case_id: str | None, ruleset_id: str | None, store_path: str, fmt: str) -> None:
    """List records, oldest first, with the proposed and (if reviewed) final outcome."""

    def action() -> int:
        with open_store(store_path, create=False) as store:
            rows = [(r, store.reviews(r.id)) for r in store.find(case_id, ruleset_id)]
        if fmt == "json":
            data = [
                {
                    **r.model_dump(mode="json", exclude={"case", "decision"}),
                    "final_outcome": reviews[-1].final_outcome if reviews else None,
                }
                for r, reviews in rows
            ]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        if not rows:
            click.echo("（没有记录 no records）")
        for r, reviews in rows:
            final = (
                f"　最终 final {reviews[-1].final_outcome}" if reviews else "　（未认定 no review）"
            )
            click.echo(
                f"{r.id}　{r.recorded_at}　{r.case_id}　{r.ruleset_id}@{r.ruleset_version}"
                f"　as_of {r.as_of}　建议 proposed {r.outcome}{final}"
            )
        return 0

    shared.run(action)


@record.command("review")
@click.argument("record_id", metavar="ID")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(list(OUTCOME_LABELS)),
    help="The deciding body's final outcome.",
)
@click.option("--body", required=True, help="The deciding body (认定机关), e.g. 中共某区委.")
@click.option(
    "--date", "decided_on", required=True, callback=shared.to_date, help="Date of its decision."
)
@click.option("--reason", default="", help="Why; required when it differs from the proposal.")
@click.option("--reviewer", default="", help="Who entered it (经办人).")
@shared.store_option
def record_review(
    record_id: str,
    outcome: str,
    body: str,
    decided_on: dt.date,
    reason: str,
    reviewer: str,
    store_path: str,
) -> None:
    """Record the deciding body's final decision on record ID (the proposal is kept unchanged)."""

    def action() -> int:
        with open_store(store_path, create=False) as store:
            store.check_writable()
            found = require(store, record_id)
            review = Review(
                record_id=found.id,
                final_outcome=outcome,  # type: ignore[arg-type]
                deciding_body=body,
                decided_on=decided_on,
                reason=reason,
                reviewer=reviewer,
            )
            store.add_review(review)
        same = outcome == found.outcome
        note = (
            "与机器建议一致 same as proposal"
            if same
            else f"与机器建议不同 differs from proposal（{found.outcome} → {outcome}）"
        )
        click.echo(
            f"已登记认定机关最终决定 review recorded: {found.id}：{outcome}，{note}", err=True
        )
        return 0

    shared.run(action)


@click.command()
@click.argument("record_id", metavar="ID")
@shared.store_option
@click.option(
    "--backend",
    type=click.Choice(["durable", "reference"]),
    help="Rule engine; defaults to the one that made the record.",
)
@click.option(
    "--ruleset-dir",
    "ruleset_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Folder of ruleset folders searched before the bundled ones, as when the record was "
    "made (repeatable).",
)
def replay(
    record_id: str, store_path: str, backend: str | None, ruleset_dirs: tuple[str, ...]
) -> None:
    """Decide record ID again; exit 0 when the Decision is byte-identical, 1 when it differs."""

    def action() -> int:
        with open_store(store_path, create=False) as store:
            found = require(store, record_id)
        chosen = backend or ("reference" if found.engine == "reference" else "durable")
        with Engine(ruleset_dirs, backend=chosen) as engine:  # type: ignore[arg-type]
            result = replay_record(found, engine)
        click.echo(result.to_text(), nl=False)
        return 0 if result.identical else 1

    shared.run(action)
