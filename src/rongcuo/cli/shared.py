"""What the commands share: takes a command's arguments, gives the options several commands
carry (``--as-of``, ``--backend``, ``--store``, the CASE and ``--ruleset`` of a case command),
the reading of a RULESET argument (an id or a folder), today's date (the only place rongcuo
reads the clock for a decision), and :func:`run`, which runs a command's action and turns what
it raises into the exit codes.

Exit codes: 0 ok · 1 bad input (located errors printed) · 2 usage · 3 internal failure.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from rongcuo.api import Backend, BackendUnavailable, resolve_backend
from rongcuo.errors import (
    EngineError,
    InputError,
    RongcuoError,
    RulesetNotFound,
    format_diagnostics,
)

F = TypeVar("F", bound=Callable[..., Any])


def split_ruleset(spec: str) -> tuple[str, list[Path]]:
    """``wanzhou`` → (id, []); ``rulesets/wanzhou`` or a file in it → (id, [its parent])."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        path = path.parent
    if path.is_dir():
        return path.name, [path.parent]
    if os.sep in spec or spec.startswith("."):
        raise click.BadParameter(f"no such ruleset folder: {spec}", param_hint="RULESET")
    return spec, []


def run(action: Callable[[], int]) -> None:
    """Run a command's ``action`` and exit with the code it returns, or with the one for what it
    raised: located diagnostics 1, an unknown ruleset 1, an engine error 3, anything else 3
    (re-raised when ``$RONGCUO_DEBUG`` is set); click's usage errors go through to click (2)."""
    try:
        code = action()
    except click.ClickException:
        raise  # usage errors: click prints them and exits 2
    except InputError as exc:
        click.echo(format_diagnostics(exc.diagnostics), err=True)
        code = 1
    except RulesetNotFound as exc:
        click.echo(f"error RC301: {exc}", err=True)
        code = 1
    except EngineError as exc:
        click.echo(f"引擎错误 engine error: {exc}", err=True)
        code = 3
    except RongcuoError as exc:  # pragma: no cover - every subclass is handled above
        click.echo(str(exc), err=True)
        code = 1
    except Exception as exc:
        if os.environ.get("RONGCUO_DEBUG"):
            raise
        click.echo(
            f"内部错误 internal error: {type(exc).__name__}: {exc}\n"
            "请报告此问题 please report it; set RONGCUO_DEBUG=1 for the traceback",
            err=True,
        )
        code = 3
    sys.exit(code)


def today() -> dt.date:
    """Today's date, the default ``--as-of``: the only place rongcuo reads the clock for a
    decision. It is read here, at the edge, and recorded in the Decision as its ``as_of``;
    evaluation itself is given the date and never reads the clock. Commands call it as
    ``shared.today()``, so that tests can fix the day here."""
    return dt.date.today()


AS_OF_HELP = (
    "Date of the assessment (YYYY-MM-DD), recorded in the decision; defaults to today. "
    "From the rules in force on it and those in force when the conduct happened, the lighter "
    "applies (从旧兼从轻)."
)


def to_date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    """The click callback of a date option: ``YYYY-MM-DD`` → the date, none given → None."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _backend(ctx: click.Context, _param: Any, value: str | None) -> str:
    """The backend asked for, or the default one (durable_rules where it is installed, else
    the reference evaluator). durable asked for where it is not installed is RC302, exit 1."""
    try:
        return resolve_backend(cast(Backend | None, value))  # click has checked the name
    except BackendUnavailable as exc:
        click.echo(str(exc), err=True)
        ctx.exit(1)


backend_option = click.option(
    "--backend",
    type=click.Choice(["durable", "reference"]),
    default=None,
    callback=_backend,
    help="Rule engine: durable_rules or the pure-Python reference evaluator (same decisions). "
    "Default: durable where durable_rules is installed (Python 3.11, 3.12), else reference.",
)


def case_options(func: F) -> F:
    """The CASE argument and the ``--ruleset``, ``--as-of`` and ``--backend`` options of a
    command that decides one case."""
    func = backend_option(func)
    func = click.option("--as-of", callback=to_date, help=AS_OF_HELP)(func)
    func = click.option(
        "--ruleset",
        "ruleset",
        required=True,
        help="Ruleset id (e.g. wanzhou) or its folder (e.g. rulesets/wanzhou).",
    )(func)
    func = click.argument("case", type=click.Path(dir_okay=False))(func)
    return func


def store_option(func: F) -> F:
    """The ``--store`` option (also ``$RONGCUO_STORE``): the SQLite file of decision records."""
    return click.option(
        "--store",
        "store_path",
        envvar="RONGCUO_STORE",
        default="rongcuo-records.sqlite3",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Record store: an SQLite file or a postgresql:// URL; also $RONGCUO_STORE.",
    )(func)
