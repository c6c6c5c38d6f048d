"""The memo commands: takes a case file (or a folder of them) and a ruleset, gives ``memo``,
the rendered memo of each decision (Markdown, HTML, docx or PDF; the outcome's memo or one of
the clearing documents) printed or written, a folder's memos one file per case id; and
``templates``, the bundled templates listed or copied out to be edited."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from rongcuo.api import Engine
from rongcuo.batch.input import case_files, is_calendar_supplement
from rongcuo.cli import shared
from rongcuo.errors import InputError, format_diagnostics
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

_SUFFIX = {"md": ".md", "html": ".html", "docx": ".docx", "pdf": ".pdf"}


@click.command()
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
    callback=shared.to_date,
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
@shared.backend_option
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
    form = _memo_format(fmt, output, out)
    folder = Path(case).is_dir()
    if (folder or form in ("docx", "pdf")) and out is None:
        raise click.UsageError(
            "请用 -o 指定输出位置 give -o: "
            + ("a folder for the memos" if folder else f"{form} is not printed to the terminal")
        )
    rid, paths = shared.split_ruleset(ruleset)
    options: dict[str, Any] = {
        "ruleset": rid,
        "as_of": as_of or shared.today(),
        "format": form,
        "template": template,
        "template_dirs": template_dirs,
        "doc_number": doc_number,
        "issuer": issuer,
        "document": document,
    }

    def one() -> int:
        if out is not None:  # before any work: a folder, a link, a device, read-only, the input
            check_file(out)
            refuse_same(out, [case, *(t for t in [template] if t), *calendars])
        return _memo_of_case(case, out, _with_calendar(options, calendars), paths, backend)

    def many() -> int:
        assert out is not None
        ensure_folder(out)  # before any work: a file, a read-only place
        settings = _with_calendar(options, calendars)
        return _memos_of_folder(case, out, settings, paths, backend)

    if as_of is None:
        click.echo(
            f"提示 note: 未指定 --as-of，以今天（{options['as_of']}）为认定日期计算期限 "
            "no --as-of: today is the date of the assessment",
            err=True,
        )
    shared.run(many if folder else one)


def _memo_format(fmt: str | None, output: str | None, out: Path | None) -> Format:
    """The format asked for, else the one the suffix of ``-o`` names, else md; a usage error
    when the suffix names none."""
    chosen = fmt or (out.suffix.lstrip(".") if out and out.suffix else "md")
    if chosen not in FORMATS:
        raise click.BadParameter(
            f"cannot tell the format from {output!r}; add --format", param_hint="--format"
        )
    form: Format = chosen
    return form


def _with_calendar(options: dict[str, Any], calendars: tuple[str, ...]) -> dict[str, Any]:
    """The memo ``options`` with the official calendar extended by the ``--calendar``
    supplements, if any; called inside :func:`shared.run`, so that a bad supplement prints its
    located diagnostics (exit 1)."""
    if not calendars:
        return options
    return {**options, "calendar": OfficialCalendar.with_supplements(*calendars)}


def _memo_of_case(
    case: str, out: Path | None, settings: dict[str, Any], paths: list[Path], backend: str
) -> int:
    """Render the memo of one case file: print it, or write it to ``out`` and say on stderr
    what it is and which template made it."""
    with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
        rendered = engine.memo(case, **settings)
    if out is None:
        click.echo(rendered.data.decode(), nl=False)
    else:
        write_file(out, rendered.data)
        what = rendered.decision.outcome_label
        if settings["document"] != "decision":
            what = f"{rendered.context.document_title}（{what}）"
        click.echo(f"{out}：{what}（模板 {rendered.template.name}）", err=True)
    return 0


def _memos_of_folder(
    case: str, out: Path, settings: dict[str, Any], paths: list[Path], backend: str
) -> int:
    """Render the memo of every case file in the folder ``case`` into the folder ``out``, then
    say on stderr how many of each outcome were written, skipped and failed; 1 when one failed
    or there is no case file."""
    cases, supplements = _cases_and_supplements([p for _, p in case_files(Path(case))])
    for path in supplements:
        click.echo(f"跳过补充日历（不是案件）skipped calendar supplement: {path}", err=True)
    if not cases:
        click.echo(f"{case}：没有案件文件（*.yaml, *.yml, *.json） no case files", err=True)
        return 1
    counts, failed, skipped = _write_memos(cases, out, settings, paths, backend)
    for text in failed:
        click.echo(text, err=True)
    summary = "；".join(f"{label} {n} 份" for label, n in sorted(counts.items()))
    document = settings["document"]
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


def _cases_and_supplements(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """``files`` parted into case files and calendar supplements (kept among the cases, they
    are not cases); a file that cannot be read counts as a case, for the memo to report."""
    cases: list[Path] = []
    supplements: list[Path] = []
    for path in files:
        try:
            is_supplement = is_calendar_supplement(path.read_bytes())
        except OSError:
            is_supplement = False  # unreadable: engine.memo reports it (RC000)
        (supplements if is_supplement else cases).append(path)
    return cases, supplements


def _write_memos(
    cases: list[Path], out: Path, settings: dict[str, Any], paths: list[Path], backend: str
) -> tuple[Counter[str], list[str], int]:
    """Write the memo of each of ``cases`` into ``out``, with a progress bar; give the count of
    memos by outcome label, the diagnostics of the cases that failed, and how many cases the
    document does not apply to (``--document clearing`` …)."""
    counts: Counter[str] = Counter()
    failed: list[str] = []
    skipped = 0
    written: dict[str, tuple[str, Path]] = {}  # file name (casefolded) → (case id, case file)
    suffix = _SUFFIX[settings["format"]]
    with Engine(paths, backend=backend) as engine:  # type: ignore[arg-type]
        for path in tqdm(cases, desc="认定意见书 memos", unit="件", file=sys.stderr):
            try:
                rendered = engine.memo(path, **settings)
                target = _memo_file(out, rendered.decision.case.id, suffix, written, path)
                write_file(target, rendered.data)
            except DocumentNotApplicable:
                skipped += 1
                continue
            except InputError as exc:
                failed.append(format_diagnostics(exc.diagnostics))
                continue
            written[target.name.casefold()] = (rendered.decision.case.id, path)
            counts[rendered.decision.outcome_label] += 1
    return counts, failed, skipped


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


@click.command()
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

    shared.run(action)
