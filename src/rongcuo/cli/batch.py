"""The ``batch`` command: takes a folder of case files or JSON Lines of cases (or standard
input) and a ruleset, gives one JSON line of decision per case in ``-o``, decided in parallel
worker processes and resumable (run again with the same ``-o``; docs/batch.md). Also how a
resumed batch finds the ``--as-of`` it was started with."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path
from typing import Any

import click

from rongcuo.cli import shared
from rongcuo.errors import InputError, RulesetNotFound, format_diagnostics


@click.command("batch")
@click.argument("cases", type=click.Path(exists=True, allow_dash=True))
@click.option(
    "--ruleset",
    "ruleset",
    required=True,
    help="Ruleset id (e.g. wanzhou) or its folder (e.g. rulesets/wanzhou).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="JSON Lines file of decisions; run again with the same file to resume.",
)
@click.option(
    "-j",
    "--jobs",
    "workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker processes, one engine each; 0 = one per CPU core.",
)
@click.option(
    "--as-of",
    callback=shared.to_date,
    help=shared.AS_OF_HELP + " A resumed batch keeps the date it was started with.",
)
@shared.backend_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["full", "summary"]),
    default="full",
    show_default=True,
    help="full: each record carries the whole Decision; summary: key, case id, outcome.",
)
@click.option(
    "--ordered", is_flag=True, help="Write records in input order (default: as they complete)."
)
def batch_command(
    cases: str,
    ruleset: str,
    output: str,
    workers: int,
    as_of: dt.date | None,
    backend: str,
    fmt: str,
    ordered: bool,
) -> None:
    """Decide every case in CASES into -o, one JSON line each, in parallel and resumable.

    CASES is a folder of case files (*.yaml, *.yml, *.json, searched recursively), a JSON Lines
    file (*.jsonl, *.ndjson; one case object a line) or - for JSON Lines on standard input.
    Interrupted and run again with the same -o, it skips the cases already written. Exit 0 when
    every case was decided, 1 when some could not be (their error lines are in -o), 2 on usage
    errors, 3 when a worker process died. See docs/batch.md.
    """
    from rongcuo.batch.input import CASE_SUFFIXES, JSONL_SUFFIXES
    from rongcuo.batch.run import batch

    path = Path(cases)
    if cases != "-" and path.is_file() and path.suffix not in CASE_SUFFIXES + JSONL_SUFFIXES:
        raise click.BadParameter(
            f"{cases} 不是案件文件夹或 JSON Lines 文件 is not a folder of cases nor a JSON Lines "
            f"file ({', '.join(JSONL_SUFFIXES)})",
            param_hint="CASES",
        )
    rid, paths = shared.split_ruleset(ruleset)
    if as_of is None:
        # Resumed on another day, "the same command again" must mean the same assessment date.
        resuming, recorded = _resumed_as_of(Path(output))
        as_of = recorded if resuming else shared.today()

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # `kill` stops the batch as cleanly as Ctrl-C

    def action() -> int:
        previous = signal.signal(signal.SIGTERM, stop)
        try:
            summary = batch(
                cases,
                rid,
                output=output,
                workers=workers or os.cpu_count() or 1,
                as_of=as_of,
                backend=backend,  # type: ignore[arg-type]
                paths=paths,
                progress=True,
                format=fmt,  # type: ignore[arg-type]
                ordered=ordered,
            )
        except KeyboardInterrupt:
            click.echo(
                f"已中断 interrupted：已写入 {output} 的记录完好，重新运行同一命令即可继续 "
                "the records written are safe; run the same command again to resume",
                err=True,
            )
            return 130
        except RulesetNotFound as exc:
            raise click.BadParameter(str(exc), param_hint="--ruleset") from None
        except InputError as exc:
            click.echo(format_diagnostics(exc.diagnostics), err=True)
            # settings that differ from the output's run, or an -o that is no output of a
            # batch (RC801–RC803), are usage errors; a damaged output or input is bad input
            usage = ("RC801", "RC802", "RC803")
            return 2 if all(d.code in usage for d in exc.diagnostics) else 1
        finally:
            signal.signal(signal.SIGTERM, previous)
        click.echo(summary.describe(), err=True)
        if summary.errors:
            click.echo(
                "有案件未能认定，见输出中的 error 行；改正后删去这些行再运行即可重试 "
                "some cases failed (see their error lines); fix them, delete those lines, re-run",
                err=True,
            )
        return 1 if summary.errors else 0

    shared.run(action)


def _resumed_as_of(output: Path) -> tuple[bool, dt.date | None]:
    """Whether ``output`` holds records of a batch to resume, and that batch's ``as_of`` as its
    run file says (None: it gave none, each case was assessed on its own date). A run file
    that cannot be read counts as nothing to resume: the batch then reports it (RC801/RC802)."""
    from rongcuo.batch.output import run_file_of

    try:
        if output.stat().st_size == 0:
            return False, None
        found = json.loads(run_file_of(output).read_bytes())["as_of"]
        return True, None if found is None else dt.date.fromisoformat(found)
    except (OSError, ValueError, KeyError, TypeError):
        return False, None
