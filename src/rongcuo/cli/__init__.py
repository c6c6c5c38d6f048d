"""The ``rongcuo`` command line.

Exit codes: 0 ok · 1 bad input (located errors printed) · 2 usage · 3 internal failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from tqdm import tqdm

from rongcuo.api import Backend, BackendUnavailable, Engine, __version__, resolve_backend
from rongcuo.authoring.scenario import step_table
from rongcuo.authoring.testrun import render_report, run_scenarios, scenario_files
from rongcuo.batch.input import case_files, is_calendar_supplement
from rongcuo.case.file import load_case
from rongcuo.decision.explain import render_explain, render_summary
from rongcuo.decision.model import Decision
from rongcuo.errors import (
    Diagnostic,
    EngineError,
    InputError,
    RongcuoError,
    RulesetNotFound,
    format_diagnostics,
    sort_diagnostics,
)
from rongcuo.files import (
    check_file,
    ensure_folder,
    output_error,
    refuse_same,
    safe_name,
    write_file,
)
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.context import (
    DOCUMENT_TITLES,
    DOCUMENTS,
    Document,
    DocumentNotApplicable,
)
from rongcuo.memo.render import BUNDLED, FORMATS, Format, bundled_templates
from rongcuo.records.model import OUTCOME_LABELS, Review, make_record, render_record, require
from rongcuo.records.replay import replay as replay_record
from rongcuo.records.store import SQLiteStore
from rongcuo.schemas import KINDS, SchemaKind, json_schema, schema_text

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


def _today() -> dt.date:
    """Today's date, the default ``--as-of``: the only place rongcuo reads the clock for a
    decision. It is read here, at the edge, and recorded in the Decision as its ``as_of``;
    evaluation itself is given the date and never reads the clock."""
    return dt.date.today()


_AS_OF_HELP = (
    "Date of the assessment (YYYY-MM-DD), recorded in the decision; defaults to today. "
    "From the rules in force on it and those in force when the conduct happened, the lighter "
    "applies (从旧兼从轻)."
)


def _date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
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


_backend_option = click.option(
    "--backend",
    type=click.Choice(["durable", "reference"]),
    default=None,
    callback=_backend,
    help="Rule engine: durable_rules or the pure-Python reference evaluator (same decisions). "
    "Default: durable where durable_rules is installed (Python 3.11, 3.12), else reference.",
)


def _case_options(func: F) -> F:
    func = _backend_option(func)
    func = click.option("--as-of", callback=_date, help=_AS_OF_HELP)(func)
    func = click.option(
        "--ruleset",
        "ruleset",
        required=True,
        help="Ruleset id (e.g. wanzhou) or its folder (e.g. rulesets/wanzhou).",
    )(func)
    func = click.argument("case", type=click.Path(dir_okay=False))(func)
    return func


def _store_option(func: F) -> F:
    return click.option(
        "--store",
        "store_path",
        envvar="RONGCUO_STORE",
        default="rongcuo-records.sqlite3",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Record store (SQLite file); also $RONGCUO_STORE.",
    )(func)


def _decide(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> Decision:
    rid, paths = _split_ruleset(ruleset)
    with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
        return engine.evaluate(case, ruleset=rid, as_of=as_of or _today())


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
        diags = _print_diagnostics(rulesets, fmt, Engine.check)
        return 1 if any(d.severity == "error" for d in diags) else 0

    _run(action)


def _print_diagnostics(
    rulesets: Sequence[str], fmt: str, find: Callable[[Engine, str], list[Diagnostic]]
) -> list[Diagnostic]:
    """Print, as text or JSON, what ``find`` (``Engine.check``, ``Engine.lint``) reports on each
    of ``rulesets`` (ids or folders), all sorted together; return it."""
    diags: list[Diagnostic] = []
    for spec in rulesets:
        rid, paths = _split_ruleset(spec)
        diags += find(Engine(paths, backend="reference"), rid)
    diags = sort_diagnostics(diags)
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2))
    else:
        click.echo(format_diagnostics(diags))
    return diags


@main.command()
@click.argument("rulesets", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--strict", is_flag=True, help="Exit 1 on any warning, not only on errors.")
def lint(rulesets: Sequence[str], fmt: str, strict: bool) -> None:
    """Find weaknesses in the logic of RULESETS (ids or folders): subsumed or dead situations,
    shadowed exclusions, gaps, unread facts, rules without a citation (docs/lint.md)."""

    def action() -> int:
        diags = _print_diagnostics(rulesets, fmt, Engine.lint)
        if any(d.severity == "error" for d in diags):
            return 1
        return 1 if strict and diags else 0

    _run(action)


@main.command()
@_case_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--record",
    "record_it",
    is_flag=True,
    help="Store a decision record (docs/records.md) and print its id on stderr.",
)
@_store_option
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
        store = SQLiteStore(store_path) if record_it else None
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

    _run(action)


@main.command()
@_case_options
def explain(case: str, ruleset: str, as_of: dt.date | None, backend: str) -> None:
    """Show the reasoning trace for CASE, grouped by the six looks (in Chinese)."""

    def action() -> int:
        click.echo(render_explain(_decide(case, ruleset, as_of, backend)), nl=False)
        return 0

    _run(action)


@main.group()
def record() -> None:
    """Decision records: show, list, and record the deciding body's final decision (review)."""


@record.command("show")
@click.argument("record_id", metavar="ID")
@_store_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def record_show(record_id: str, store_path: str, fmt: str) -> None:
    """Show record ID: its inputs, the machine proposal, then the deciding body's reviews."""

    def action() -> int:
        with SQLiteStore(store_path, create=False) as store:
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

    _run(action)


@record.command("list")
@click.option("--case", "case_id", help="Only the records of this case id.")
@click.option("--ruleset", "ruleset_id", help="Only the records of this ruleset id.")
@_store_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def record_list(case_id: str | None, ruleset_id: str | None, store_path: str, fmt: str) -> None:
    """List records, oldest first, with the proposed and (if reviewed) final outcome."""

    def action() -> int:
        with SQLiteStore(store_path, create=False) as store:
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

    _run(action)


@record.command("review")
@click.argument("record_id", metavar="ID")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(list(OUTCOME_LABELS)),
    help="The deciding body's final outcome.",
)
@click.option("--body", required=True, help="The deciding body (认定机关), e.g. 中共某区委.")
@click.option("--date", "decided_on", required=True, callback=_date, help="Date of its decision.")
@click.option("--reason", default="", help="Why; required when it differs from the proposal.")
@click.option("--reviewer", default="", help="Who entered it (经办人).")
@_store_option
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
        with SQLiteStore(store_path, create=False) as store:
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

    _run(action)


@main.command()
@click.argument("record_id", metavar="ID")
@_store_option
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
        with SQLiteStore(store_path, create=False) as store:
            found = require(store, record_id)
        chosen = backend or ("reference" if found.engine == "reference" else "durable")
        with Engine(ruleset_dirs, backend=chosen) as engine:  # type: ignore[arg-type]
            result = replay_record(found, engine)
        click.echo(result.to_text(), nl=False)
        return 0 if result.identical else 1

    _run(action)


@main.command("test")
@click.argument("rulesets", nargs=-1)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    help="Fail (exit 1) when rule coverage is below this percentage.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--steps", is_flag=True, help="Print the step library (the phrases scenarios use).")
@_backend_option
def test_command(
    rulesets: Sequence[str], min_coverage: float | None, fmt: str, steps: bool, backend: str
) -> None:
    """Run the Gherkin scenarios of RULESETS (folders, e.g. rulesets/wanzhou) and show rule coverage.

    Scenarios live in <folder>/scenarios/*.feature. Exit 1 when a scenario fails or coverage is
    below --min-coverage.
    """
    if steps:
        click.echo(step_table(), nl=False)
        return
    if not rulesets:
        raise click.UsageError("give a ruleset folder, e.g. rongcuo test rulesets/wanzhou")

    def action() -> int:
        code = 0
        for spec in rulesets:
            rid, paths = _split_ruleset(spec)
            folder = Path(spec) if Path(spec).is_dir() else None
            if folder is None:
                with Engine(paths, backend="reference") as probe:
                    folder = probe.library.folder(rid)
            files = scenario_files(folder)
            if not files:
                click.echo(f"{folder}：没有场景文件（scenarios/*.feature） no scenarios", err=True)
                code = 1
                continue
            with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
                report = run_scenarios(engine, rid, files)
            if fmt == "json":
                click.echo(report.to_json(), nl=False)
            else:
                click.echo(render_report(report, min_coverage=min_coverage), nl=False)
            low = min_coverage is not None and report.min_coverage() < min_coverage
            if report.failed or low or not report.coverage:
                code = 1
        return code

    _run(action)


@main.command("batch")
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
    callback=_date,
    help=_AS_OF_HELP + " A resumed batch keeps the date it was started with.",
)
@_backend_option
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
    rid, paths = _split_ruleset(ruleset)
    if as_of is None:
        # Resumed on another day, "the same command again" must mean the same assessment date.
        resuming, recorded = _resumed_as_of(Path(output))
        as_of = recorded if resuming else _today()

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

    _run(action)


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


_SUFFIX = {"md": ".md", "html": ".html", "docx": ".docx", "pdf": ".pdf"}


@main.command()
@click.argument("case", type=click.Path(exists=True))
@click.option(
    "--ruleset",
    "ruleset",
    required=True,
    help="Ruleset id (e.g. wanzhou) or its folder (e.g. rulesets/wanzhou).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="md, html, docx or pdf; defaults to the suffix of -o, else md.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="File to write (a folder when CASE is a folder). Markdown and HTML go to stdout without it.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False),
    help="A template file to use instead of the one for the outcome (*.j2, or *.docx for docx).",
)
@click.option(
    "--template-dir",
    "template_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Folder of templates searched before the bundled ones (repeatable).",
)
@click.option(
    "--doc-number", default="", help="文号 printed under the title; blank slot if omitted."
)
@click.option("--issuer", default="", help="认定机关 printed at the signature; blank if omitted.")
@click.option(
    "--as-of",
    callback=_date,
    help="Date of the memo and of the assessment (YYYY-MM-DD); deadlines count from it. "
    "Defaults to today. From the rules in force on it and those in force when the conduct "
    "happened, the lighter applies (从旧兼从轻).",
)
@click.option(
    "--calendar",
    "calendars",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Calendar supplement (YAML): the holidays and make-up workdays of years chinese-calendar "
    "does not cover yet, from the State Council's notice (repeatable; see docs/memo.md).",
)
@click.option(
    "--document",
    type=click.Choice(list(DOCUMENTS)),
    default="decision",
    show_default=True,
    help="Which document: decision (the outcome's memo), clearing (澄清正名通知书), referral "
    "(诬告陷害问题移送函) or reporter (举报人核查结果告知书). One that does not apply to the "
    "case is an error (RC418); in a folder such cases are skipped and counted.",
)
@_backend_option
def memo(
    case: str,
    ruleset: str,
    fmt: str | None,
    output: str | None,
    template: str | None,
    template_dirs: tuple[str, ...],
    doc_number: str,
    issuer: str,
    as_of: dt.date | None,
    calendars: tuple[str, ...],
    document: Document,
    backend: str,
) -> None:
    """Evaluate CASE (a case file, or a folder of them) and render its memo.

    The memo is the bundled one for the decision's outcome (容错免责认定意见、从轻减轻问责意见、
    不予容错告知、补充调查通知、提请集体研究、澄清正名认定意见) unless --template or
    --template-dir says otherwise; --document clearing, referral or reporter renders one of the
    clearing documents instead (澄清正名通知书、诬告陷害问题移送函、举报人核查结果告知书).
    Deadlines count working days on chinese-calendar, extended by any --calendar supplement.
    """
    out = Path(output) if output else None
    chosen = fmt or (out.suffix.lstrip(".") if out and out.suffix else "md")
    if chosen not in FORMATS:
        raise click.BadParameter(
            f"cannot tell the format from {output!r}; add --format", param_hint="--format"
        )
    form: Format = chosen
    folder = Path(case).is_dir()
    if (folder or form in ("docx", "pdf")) and out is None:
        raise click.UsageError(
            "请用 -o 指定输出位置 give -o: "
            + ("a folder for the memos" if folder else f"{form} is not printed to the terminal")
        )
    rid, paths = _split_ruleset(ruleset)
    options: dict[str, Any] = {
        "ruleset": rid,
        "as_of": as_of or _today(),
        "format": form,
        "template": template,
        "template_dirs": template_dirs,
        "doc_number": doc_number,
        "issuer": issuer,
        "document": document,
    }

    def with_calendar() -> dict[str, Any]:
        # Read inside _run, so a bad supplement prints its located diagnostics (exit 1).
        if not calendars:
            return options
        return {**options, "calendar": OfficialCalendar.with_supplements(*calendars)}

    def one() -> int:
        if out is not None:  # before any work: a folder, a link, a device, read-only, the input
            check_file(out)
            refuse_same(out, [case, *(t for t in [template] if t), *calendars])
        settings = with_calendar()
        with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
            rendered = engine.memo(case, **settings)
        if out is None:
            click.echo(rendered.data.decode(), nl=False)
        else:
            write_file(out, rendered.data)
            what = rendered.decision.outcome_label
            if document != "decision":
                what = f"{rendered.context.document_title}（{what}）"
            click.echo(f"{out}：{what}（模板 {rendered.template.name}）", err=True)
        return 0

    def many() -> int:
        assert out is not None
        ensure_folder(out)  # before any work: a file, a read-only place
        settings = with_calendar()
        files = [p for _, p in case_files(Path(case))]
        cases: list[Path] = []
        supplements: list[Path] = []
        for path in files:  # a calendar supplement kept among the cases is not a case
            try:
                is_supplement = is_calendar_supplement(path.read_bytes())
            except OSError:
                is_supplement = False  # unreadable: engine.memo reports it (RC000)
            (supplements if is_supplement else cases).append(path)
        for path in supplements:
            click.echo(f"跳过补充日历（不是案件）skipped calendar supplement: {path}", err=True)
        if not cases:
            click.echo(f"{case}：没有案件文件（*.yaml, *.yml, *.json） no case files", err=True)
            return 1
        counts: Counter[str] = Counter()
        failed: list[str] = []
        skipped = 0  # cases the document does not apply to (--document clearing …)
        written: dict[str, tuple[str, Path]] = {}  # file name (casefolded) → (case id, case file)
        with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
            for path in tqdm(cases, desc="认定意见书 memos", unit="件", file=sys.stderr):
                try:
                    rendered = engine.memo(path, **settings)
                    target = _memo_file(
                        out, rendered.decision.case.id, _SUFFIX[form], written, path
                    )
                    write_file(target, rendered.data)
                except DocumentNotApplicable:
                    skipped += 1
                    continue
                except InputError as exc:
                    failed.append(format_diagnostics(exc.diagnostics))
                    continue
                written[target.name.casefold()] = (rendered.decision.case.id, path)
                counts[rendered.decision.outcome_label] += 1
        for text in failed:
            click.echo(text, err=True)
        summary = "；".join(f"{label} {n} 份" for label, n in sorted(counts.items()))
        title = "" if document == "decision" else DOCUMENT_TITLES[document]
        skip = (
            f"，{skipped} 件不适用{title}已跳过 skipped {skipped} to which it does not apply"
            if title
            else ""
        )
        click.echo(
            f"已生成 {sum(counts.values())} 份{title}（{summary or '无'}）{skip}，"
            f"失败 {len(failed)} 份 → {out}",
            err=True,
        )
        return 1 if failed else 0

    if as_of is None:
        click.echo(
            f"提示 note: 未指定 --as-of，以今天（{options['as_of']}）为认定日期计算期限 "
            "no --as-of: today is the date of the assessment",
            err=True,
        )
    _run(many if folder else one)


def _memo_file(
    folder: Path, case_id: str, suffix: str, written: dict[str, tuple[str, Path]], source: Path
) -> Path:
    """The file in ``folder`` for the memo of ``case_id``: the id as a safe file name
    (:func:`safe_name`; never a path out of ``folder``). A second case file with the same id is
    an error naming both (RC309): one memo would silently replace the other. Different ids that
    become the same name (``a/b``, ``a_b``; or ``A``, ``a`` on a case-insensitive disk) get
    ``~2``, ``~3`` … so that each has its own file."""
    stem = safe_name(case_id)
    for taken_id, taken_from in written.values():
        if taken_id == case_id:
            raise output_error(
                "RC309",
                source,
                f"案件编号 {case_id} 与 {taken_from} 相同：两份意见书会写到同一个文件，"
                "后一份会覆盖前一份，本件未生成",
                f"case id {case_id} is also the id of {taken_from}: both memos would be the same "
                "file and one would replace the other; this one is not written",
                "改正其中一件的 id，或分开生成 correct one of the ids, or render them apart",
            )
    name, n = stem + suffix, 1
    while name.casefold() in written:
        n += 1
        name = f"{stem}~{n}{suffix}"
    return folder / name


@main.command()
@click.option(
    "--copy",
    "copy_to",
    type=click.Path(),
    help="Copy the bundled templates (and the parts they import) into this folder to edit them.",
)
def templates(copy_to: str | None) -> None:
    """List the bundled memo templates, or copy them to a folder (--copy) to change their wording."""

    def action() -> int:
        if copy_to is None:
            for name in bundled_templates():
                click.echo(name)
            return 0
        dest = ensure_folder(copy_to)  # a file there, a read-only place: RC305, RC308
        for src in sorted(BUNDLED.iterdir()):
            if src.suffix in (".j2", ".docx"):
                target = dest / src.name
                if os.path.lexists(target):  # a dangling link too: never written through
                    click.echo(f"跳过已存在的 skipped existing {target}", err=True)
                    continue
                write_file(target, src.read_bytes())
                click.echo(str(target))
        return 0

    _run(action)


@main.command("diff")
@click.argument("cases", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--base",
    required=True,
    help="The ruleset before the edit: rulesets/wanzhou@HEAD~1 (a git revision), "
    "rulesets/wanzhou@/old/folder, or a folder.",
)
@click.option(
    "--head",
    help="The ruleset after the edit: a folder (rulesets/wanzhou) or an id; also RULESET@REV. "
    "Defaults to the RULESET part of --base RULESET@REV.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(), help="Write the report here.")
@click.option("--as-of", callback=_date, help=_AS_OF_HELP + " The same on both sides.")
@_backend_option
@click.option(
    "--fail-on-change",
    is_flag=True,
    help="Exit 1 when an outcome changed or a case errors on one side only (for CI).",
)
def diff_command(
    cases: tuple[str, ...],
    base: str,
    head: str | None,
    fmt: str,
    output: str | None,
    as_of: dt.date | None,
    backend: str,
    fail_on_change: bool,
) -> None:
    """Re-decide CASES (case files or folders of them) under two versions of a ruleset.

    Reports how many outcomes changed and, for each changed case, why: the deciding rule, the
    rules whose truth changed, the six looks, missing facts, and rules added or removed. Exit 0
    even with changes (it is a report) unless --fail-on-change.
    """
    from contextlib import ExitStack

    from rongcuo.authoring.diff import RevisionError, RulesetLoadError, RulesetSource, open_revision
    from rongcuo.authoring.diff import diff as diff_rulesets

    if head is None:
        if "@" not in base:
            raise click.UsageError("请用 --head 指定修改后的规则集 give --head")
        head = base.partition("@")[0]
    after: str = head
    day = as_of or _today()

    def side(spec: str, stack: ExitStack) -> RulesetSource:
        if "@" in spec and not Path(spec).exists():
            return open_revision(spec, stack)
        rid, paths = _split_ruleset(spec)
        return RulesetSource(rid, tuple(paths), spec)

    def action() -> int:
        if output is not None:  # before any work: a folder, a link, a device, an input
            check_file(output)
            refuse_same(output, cases)
        with ExitStack() as stack:
            try:
                old = side(base, stack)
                new = side(after, stack)
            except RevisionError as exc:
                click.echo(f"error: {exc}", err=True)
                return 1
            if old.ruleset_id != new.ruleset_id:
                raise click.BadParameter(
                    f"两侧须是同一规则集 both sides must be the same ruleset: "
                    f"{old.ruleset_id!r} ≠ {new.ruleset_id!r}",
                    param_hint="--base/--head",
                )
            try:
                report = diff_rulesets(
                    old.paths,
                    new.paths,
                    new.ruleset_id,
                    cases,
                    day,
                    backend,  # type: ignore[arg-type]
                    base_label=old.label,
                    head_label=new.label,
                )
            except RulesetLoadError as exc:
                which = old if exc.side == "base" else new
                name = "修改前 base" if exc.side == "base" else "修改后 head"
                click.echo(f"{name}（{which.label}）无法加载 cannot be loaded:", err=True)
                shown = [which.display_diagnostic(d) for d in exc.diagnostics]
                click.echo(format_diagnostics(shown), err=True)
                return 1
        if not report.cases:
            click.echo(
                f"{' '.join(cases)}：没有案件文件（*.yaml, *.yml, *.json） no case files", err=True
            )
            return 1
        views = {"text": report.to_text, "json": report.to_json, "csv": report.to_csv}
        data = views[fmt]()
        if output is None:
            click.echo(data, nl=False)
        else:
            # CSV gets a byte-order mark so that Excel reads the Chinese as UTF-8.
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            write_file(output, data.encode(encoding))
            click.echo(f"{report.summary()} → {output}", err=True)
        return 1 if fail_on_change and report.any_change() else 0

    _run(action)


@main.command()
@click.argument("what", type=click.Choice(KINDS))
@click.option(
    "--ruleset",
    "ruleset",
    help="case only: the schema of a case for this ruleset (id or folder): its facts with "
    "their types, allowed values and Chinese labels, and its situations.",
)
@click.option(
    "--as-of",
    callback=_date,
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
        rid, paths = _split_ruleset(ruleset)
        with Engine(paths, backend="reference") as engine:
            click.echo(schema_text(engine.case_schema(rid, as_of)), nl=False)
        return 0

    _run(action)
