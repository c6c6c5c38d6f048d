"""The commands on rulesets themselves: takes ruleset ids or folders (and, for ``diff``, cases
to decide under two versions of one), gives ``check`` (every problem, located), ``lint`` (the
weaknesses of the logic), ``test`` (the Gherkin scenarios and rule coverage) and ``diff`` (what
an edit changes in the outcomes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rongcuo.api import Engine
from rongcuo.authoring.scenario import step_table
from rongcuo.authoring.testrun import render_report, run_scenarios, scenario_files
from rongcuo.cli import shared
from rongcuo.errors import Diagnostic, format_diagnostics, sort_diagnostics
from rongcuo.files import check_file, refuse_same, write_file

if TYPE_CHECKING:
    from rongcuo.authoring.diff import DiffReport, RulesetSource


@click.command()
@click.argument("rulesets", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check(rulesets: Sequence[str], fmt: str) -> None:
    """List every problem in RULESETS (ids or folders), each with file:line and a fix hint."""

    def action() -> int:
        diags = _print_diagnostics(rulesets, fmt, Engine.check)
        return 1 if any(d.severity == "error" for d in diags) else 0

    shared.run(action)


def _print_diagnostics(
    rulesets: Sequence[str], fmt: str, find: Callable[[Engine, str], list[Diagnostic]]
) -> list[Diagnostic]:
    """Print, as text or JSON, what ``find`` (``Engine.check``, ``Engine.lint``) reports on each
    of ``rulesets`` (ids or folders), all sorted together; return it."""
    diags: list[Diagnostic] = []
    for spec in rulesets:
        rid, paths = shared.split_ruleset(spec)
        diags += find(Engine(paths, backend="reference"), rid)
    diags = sort_diagnostics(diags)
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2))
    else:
        click.echo(format_diagnostics(diags))
    return diags


@click.command()
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

    shared.run(action)


@click.command("test")
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
@shared.backend_option
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
            rid, paths = shared.split_ruleset(spec)
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

    shared.run(action)


@click.command("diff")
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
@click.option(
    "--as-of", callback=shared.to_date, help=shared.AS_OF_HELP + " The same on both sides."
)
@shared.backend_option
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
    from rongcuo.authoring.diff import RevisionError

    if head is None:
        if "@" not in base:
            raise click.UsageError("请用 --head 指定修改后的规则集 give --head")
        head = base.partition("@")[0]
    after: str = head
    day = as_of or shared.today()

    def action() -> int:
        if output is not None:  # before any work: a folder, a link, a device, an input
            check_file(output)
            refuse_same(output, cases)
        with ExitStack() as stack:
            try:
                old, new = _diff_sides(base, after, stack)
            except RevisionError as exc:
                click.echo(f"error: {exc}", err=True)
                return 1
            report = _diff_report(old, new, cases, day, backend)
            if report is None:
                return 1
        if not report.cases:
            click.echo(
                f"{' '.join(cases)}：没有案件文件（*.yaml, *.yml, *.json） no case files", err=True
            )
            return 1
        _write_diff_report(report, fmt, output)
        return 1 if fail_on_change and report.any_change() else 0

    shared.run(action)


def _diff_side(spec: str, stack: ExitStack) -> RulesetSource:
    """One side of ``diff``: ``RULESET@REV`` (a git revision or an old folder, open while
    ``stack`` is), else a ruleset id or folder."""
    from rongcuo.authoring.diff import RulesetSource, open_revision

    if "@" in spec and not Path(spec).exists():
        return open_revision(spec, stack)
    rid, paths = shared.split_ruleset(spec)
    return RulesetSource(rid, tuple(paths), spec)


def _diff_sides(base: str, head: str, stack: ExitStack) -> tuple[RulesetSource, RulesetSource]:
    """The two sides of ``diff``, base first; a usage error when they are different rulesets."""
    old = _diff_side(base, stack)
    new = _diff_side(head, stack)
    if old.ruleset_id != new.ruleset_id:
        raise click.BadParameter(
            f"两侧须是同一规则集 both sides must be the same ruleset: "
            f"{old.ruleset_id!r} ≠ {new.ruleset_id!r}",
            param_hint="--base/--head",
        )
    return old, new


def _diff_report(
    old: RulesetSource, new: RulesetSource, cases: tuple[str, ...], day: dt.date, backend: str
) -> DiffReport | None:
    """The report of ``cases`` decided under ``old`` and ``new``; None (its diagnostics printed,
    shown against the side they come from) when a side cannot be loaded."""
    from rongcuo.authoring.diff import RulesetLoadError
    from rongcuo.authoring.diff import diff as diff_rulesets

    try:
        return diff_rulesets(
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
        return None


def _write_diff_report(report: DiffReport, fmt: str, output: str | None) -> None:
    """Print ``report`` as text, JSON or CSV, or write it to ``output`` and say so on stderr."""
    views = {"text": report.to_text, "json": report.to_json, "csv": report.to_csv}
    data = views[fmt]()
    if output is None:
        click.echo(data, nl=False)
    else:
        # CSV gets a byte-order mark so that Excel reads the Chinese as UTF-8.
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        write_file(output, data.encode(encoding))
        click.echo(f"{report.summary()} → {output}", err=True)
