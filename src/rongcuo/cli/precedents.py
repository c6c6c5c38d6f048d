"""The commands on the typical-case library (典型案例库, catalogue §13): takes case files, a record
store or a library folder; gives ``precedents CASE`` (the library's cases most like CASE),
``library build`` (decided cases anonymised into a library folder) and ``library booklet``
(the library as a DOCX or PDF booklet 典型案例汇编). Errors are located and bilingual, exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from rongcuo.api import Engine
from rongcuo.cli import shared
from rongcuo.errors import format_diagnostics
from rongcuo.files import check_file, write_file
from rongcuo.precedents.anonymise import read_redact
from rongcuo.precedents.booklet import render_booklet
from rongcuo.precedents.build import (
    build_library,
    library_error,
    load_entries,
    load_index,
    make_entries,
)
from rongcuo.precedents.entry import FEATURE_SETS, decide_cases, decided_from_store, features
from rongcuo.precedents.search import Hit, search
from rongcuo.records.open import open_store

#: How the text output names each feature set.
SET_LABELS = {
    "situations": "容错情形",
    "exclusions": "不予容错情形",
    "looks": "六看",
    "work_area": "事项领域",
    "grounds": "从轻从重情节",
    "outcome": "结论",
}


@click.command("precedents")
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--ruleset", required=True, help="Ruleset id (e.g. wanzhou) or its folder.")
@click.option(
    "--library", "library_dir", required=True, type=click.Path(), help="The library folder."
)
@click.option(
    "--as-of",
    callback=shared.to_date,
    help="Date of the assessment (YYYY-MM-DD); default the day of the conduct, as the library "
    "was built.",
)
@click.option("--top", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def precedents(
    case: str, ruleset: str, library_dir: str, as_of: dt.date | None, top: int, fmt: str
) -> None:
    """The typical cases in the library most like CASE: what each shares, and its outcome."""

    def action() -> int:
        index = load_index(library_dir)
        rs_id, paths = shared.split_ruleset(ruleset)
        with Engine(paths, backend="reference") as engine:
            decided = decide_cases(engine, [Path(case)], rs_id, as_of)[0]
        hits = search(features(decided), index, top)
        if fmt == "json":
            data = {"case": decided.case.id, "hits": [h.to_dict() for h in hits]}
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            click.echo(_text(decided.case.id, hits, index.labels), nl=False)
        return 0

    shared.run(action)


def _text(case_id: str, hits: list[Hit], labels: dict[str, str]) -> str:
    out = [f"与案件 {case_id} 相似的典型案例（{len(hits)} 件）："]
    for n, h in enumerate(hits, 1):
        final = "最终决定" if h.final else "系统建议"
        out.append(f"{n}. {h.library_id}《{h.title}》 相似度 {h.score:.2f}")
        out.append(f"   结论（{final}）：{h.outcome_label}")
        for name in FEATURE_SETS:
            items = h.shared.get(name)
            if items:
                words = "、".join(labels.get(i, i) for i in items)
                out.append(f"   共同{SET_LABELS[name]}：{words}")
    if not hits:
        out.append("（案例库为空）")
    return "\n".join(out) + "\n"


@click.group("library")
def library() -> None:
    """The typical-case library: build it from decided cases, issue it as a booklet."""


@library.command("build")
@click.option("--cases", "cases_dir", type=click.Path(), help="A folder of case files.")
@click.option("--ruleset", help="Ruleset id (or folder) the --cases are decided under.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), help="A record store.")
@click.option("--out", "out_dir", required=True, type=click.Path(), help="The library folder.")
@click.option("--redact", type=click.Path(dir_okay=False), help="More terms to remove.")
@click.option("--as-of", callback=shared.to_date, help="Date of the assessment (--cases).")
def library_build(
    cases_dir: str | None,
    ruleset: str | None,
    store_path: str | None,
    out_dir: str,
    redact: str | None,
    as_of: dt.date | None,
) -> None:
    """Anonymise decided cases (--cases DIR --ruleset ID, or --store FILE: reviewed records)
    into the library folder --out."""
    if (cases_dir is None) == (store_path is None):
        raise click.UsageError("give either --cases DIR (with --ruleset) or --store FILE")
    if cases_dir is not None and ruleset is None:
        raise click.UsageError("--cases needs --ruleset")

    def action() -> int:
        terms = read_redact(redact) if redact else []
        skipped: list[str] = []
        rs_id, paths = shared.split_ruleset(ruleset) if ruleset else ("", [])
        with Engine(paths, backend="reference") as engine:
            if cases_dir is not None:
                decided = decide_cases(engine, _case_files(Path(cases_dir)), rs_id, as_of)
            else:
                assert store_path is not None
                with open_store(store_path, create=False) as store:
                    decided, skipped = decided_from_store(engine, store)
            built = make_entries(decided, terms)
        if built.warnings:
            click.echo(format_diagnostics(built.warnings), err=True)
        build_library(built.entries, out_dir)
        click.echo(f"已生成案例库 {out_dir}：{len(built.entries)} 件典型案例")
        if skipped:
            click.echo(f"未收入 {len(skipped)} 条尚未登记最终决定的记录：{', '.join(skipped)}")
        return 0

    shared.run(action)


def _case_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise library_error(
            "RC755",
            str(folder),
            f"案件文件夹 {folder} 不存在",
            f"the case folder {folder} does not exist",
            "检查 --cases 路径 check the --cases path",
        )
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    if not files:
        raise library_error(
            "RC755",
            str(folder),
            f"案件文件夹 {folder} 中没有案件文件（*.yaml、*.yml、*.json）",
            f"no case file (*.yaml, *.yml, *.json) in {folder}",
            "检查 --cases 路径 check the --cases path",
        )
    return files


@library.command("booklet")
@click.argument("library_dir", metavar="DIR", type=click.Path())
@click.option("--format", "fmt", required=True, type=click.Choice(["docx", "pdf"]))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
def library_booklet(library_dir: str, fmt: str, out_file: str) -> None:
    """The library DIR as the booklet 典型案例汇编 (DOCX or PDF) written to --out."""

    def action() -> int:
        check_file(out_file)
        entries = load_entries(library_dir)
        data = render_booklet(entries, "docx" if fmt == "docx" else "pdf")
        write_file(out_file, data)
        click.echo(f"已生成典型案例汇编 {out_file}（{len(entries)} 件）")
        return 0

    shared.run(action)
