"""``rongcuo assess``: a cadre assessed under an assessment ruleset (never a Decision).

Takes an input file (the cadre, the sanctions, the facts, the warning history; see
docs/assessment.md) and the day of the assessment; gives the Assessment as Chinese text or JSON.
``assess reuse`` is the reuse assessment at the end of the impact period (catalogue §12), ``assess
warning`` the three-level warning (§13). Errors in the file are located; exit 1.
"""

from __future__ import annotations

import datetime as dt

import click

from rongcuo.api import Engine
from rongcuo.assessment import Assessor, load_input
from rongcuo.assessment.computed import DEFAULT_PERIODS
from rongcuo.assessment.from_store import with_history
from rongcuo.assessment.input import AssessmentInput
from rongcuo.assessment.text import render_text
from rongcuo.cli import shared
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.records.open import open_store


@click.group()
def assess() -> None:
    """Assess a cadre after a decision: reuse (观察期综合评估) or the warning (问责三级预警)."""


def _run(
    default: str,
    file: str,
    ruleset: str | None,
    as_of: dt.date | None,
    backend: str,
    fmt: str,
    periods_from: str,
    store_path: str | None,
) -> None:
    def action() -> int:
        rid, paths = shared.split_ruleset(ruleset or default)
        day = as_of or shared.today()
        item, source = load_input(file)
        if store_path is not None:
            item = with_store_history(item, store_path)
        with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
            rs = engine.ruleset(rid, day)
            periods = engine.ruleset(periods_from, day) if item.sanction else None
            found = Assessor(rs, engine.evaluator(rs)).assess(
                item, as_of=day, periods=periods, source=source
            )
        click.echo(found.to_json() if fmt == "json" else render_text(found), nl=False)
        return 0

    shared.run(action)


def with_store_history(item: AssessmentInput, store_path: str) -> AssessmentInput:
    """``item`` with what the store's cases record for its ``cadre.id`` added: the warnings
    given (its history) and the sanctions their case files record
    (:func:`rongcuo.assessment.from_store.with_history`)."""
    if not (item.cadre and item.cadre.id):
        return item  # the assessment itself says that a history needs cadre.id (RC179)
    with open_store(store_path, create=False) as store, Engine(backend="reference") as engine:
        return with_history(item, CaseBook(store, engine, OfficialCalendar()))


def _options(default: str) -> click.Command:
    def command(
        file: str,
        ruleset: str | None,
        as_of: dt.date | None,
        backend: str,
        fmt: str,
        periods_from: str,
        store_path: str | None,
    ) -> None:
        _run(default, file, ruleset, as_of, backend, fmt, periods_from, store_path)

    command.__doc__ = {
        "reuse": "Assess FILE for reuse at the end of the impact period (catalogue §12).",
        "warning": "Propose the next accountability warning for FILE (catalogue §13).",
    }[default]
    cmd = shared.backend_option(command)
    cmd = click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
    )(cmd)
    cmd = click.option(
        "--ruleset-for-periods",
        "periods_from",
        default=DEFAULT_PERIODS,
        show_default=True,
        help="Tolerance ruleset whose impact-period parameters apply (version in force on "
        "--as-of).",
    )(cmd)
    cmd = click.option(
        "--store",
        "store_path",
        default=None,
        type=click.Path(dir_okay=False),
        help="Record store whose cases for the file's cadre.id add their warnings (rongcuo "
        "case warning) and the sanctions their case files record.",
    )(cmd)
    cmd = click.option(
        "--as-of",
        callback=shared.to_date,
        help="Date of the assessment (YYYY-MM-DD); defaults to today.",
    )(cmd)
    cmd = click.option(
        "--ruleset",
        default=None,
        help=f"Assessment ruleset id or folder (default: {default}).",
    )(cmd)
    cmd = click.argument("file", type=click.Path(dir_okay=False))(cmd)
    return click.command(name=default)(cmd)


assess.add_command(_options("reuse"))
assess.add_command(_options("warning"))
