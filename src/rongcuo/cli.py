"""The ``rongcuo`` command line.

Exit codes: 0 ok · 1 bad input (located errors printed) · 2 usage · 3 internal failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ._api import Engine, __version__
from ._case import Case
from ._decision import Decision
from ._errors import (
    Diagnostic,
    EngineError,
    InputError,
    RongcuoError,
    RulesetNotFound,
    format_diagnostics,
    sort_diagnostics,
)
from ._explain import render_explain, render_summary

F = TypeVar("F", bound=Callable[..., Any])


def _split_ruleset(spec: str) -> tuple[str, list[Path]]:
    """``wanzhou`` → (id, []); ``rulesets/wanzhou`` or a file in it → (id, [its parent])."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        path = path.parent
    if path.is_dir():
        return path.name, [path.parent]
    if os.sep in spec or spec.startswith("."):
        raise click.BadParameter(f"no such ruleset folder: {spec}", param_hint="RULESET")
    return spec, []


def _run(action: Callable[[], int]) -> None:
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


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _case_options(func: F) -> F:
    func = click.option(
        "--backend",
        type=click.Choice(["durable", "reference"]),
        default="durable",
        show_default=True,
        help="Rule engine: durable_rules or the pure-Python reference evaluator.",
    )(func)
    func = click.option(
        "--as-of",
        callback=_date,
        help="Date of the assessment (YYYY-MM-DD); defaults to the case's incident_date.",
    )(func)
    func = click.option(
        "--ruleset",
        "ruleset",
        required=True,
        help="Ruleset id (e.g. wanzhou) or its folder (e.g. rulesets/wanzhou).",
    )(func)
    func = click.argument("case", type=click.Path(dir_okay=False))(func)
    return func


def _decide(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> Decision:
    rid, paths = _split_ruleset(ruleset)
    with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
        return engine.evaluate(case, ruleset=rid, as_of=as_of)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rongcuo")
def main() -> None:
    """rongcuo 容错 — error-tolerance policy as declarative, testable rules."""


@main.command()
@click.argument("rulesets", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check(rulesets: Sequence[str], fmt: str) -> None:
    """List every problem in RULESETS (ids or folders), each with file:line and a fix hint."""

    def action() -> int:
        diags: list[Diagnostic] = []
        for spec in rulesets:
            rid, paths = _split_ruleset(spec)
            diags += Engine(paths, backend="reference").check(rid)
        diags = sort_diagnostics(diags)
        if fmt == "json":
            click.echo(json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2))
        else:
            click.echo(format_diagnostics(diags))
        return 1 if any(d.severity == "error" for d in diags) else 0

    _run(action)


@main.command()
@_case_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def evaluate(case: str, ruleset: str, as_of: dt.date | None, backend: str, fmt: str) -> None:
    """Evaluate CASE into a proposed decision."""

    def action() -> int:
        decision = _decide(case, ruleset, as_of, backend)
        click.echo(decision.to_json() if fmt == "json" else render_summary(decision), nl=False)
        return 0

    _run(action)


@main.command()
@_case_options
def explain(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> None:
    """Show the reasoning trace for CASE, grouped by the six looks (in Chinese)."""

    def action() -> int:
        click.echo(render_explain(_decide(case, ruleset, as_of, backend)), nl=False)
        return 0

    _run(action)


@main.command()
@click.argument("what", type=click.Choice(["case", "decision"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a case file or of a Decision."""
    model = Case if what == "case" else Decision
    click.echo(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
