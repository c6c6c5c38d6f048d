"""The workspace's version comparison: what an edit to a ruleset does to past cases.

- ``GET /diff`` (``?ruleset=ID``): the form. Pick a ruleset, two sides — each the served
  ruleset (every version, each case decided under the one in force on its day), one served
  version alone, a draft from the drafts folder, or an uploaded ruleset file (placed beside the
  other served versions, replacing the one of its ``version``) — and the cases: configured case
  folders (shown by their names only) and/or uploaded case files.
- ``POST /diff`` (multipart): runs :func:`rongcuo.authoring.diff.diff` and shows the report:
  the counts, the outcome transitions, the rule edits, and each changed or failing case with
  the rules, looks and clauses that made the difference. With ``HX-Request`` only the report
  panel is answered; otherwise the whole page. Uploads are bounded by the service's
  ``max_body`` (the request as a whole, and each file) and to :data:`MAX_CASES` case files.

:func:`run_diff` and :func:`report_context` are shared with the editor's "diff against the
version in force" (web/edit_pages.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from rongcuo.authoring.diff import DiffReport, RulesetLoadError, case_files, diff
from rongcuo.authoring.diff_report import CaseDiff, Reason
from rongcuo.authoring.diff_text import deciding_text
from rongcuo.authoring.scenario import kind_label
from rongcuo.service.core import Refused, Service, refused
from rongcuo.web.drafts import (
    Finding,
    Scrub,
    Staged,
    draft_names,
    read_draft,
    too_big,
    version_text,
)
from rongcuo.web.pages import Pages
from rongcuo.web.routing import add_page, pages_of

#: The most case files one comparison takes from an upload.
MAX_CASES = 500
_CASE_SUFFIXES = (".yaml", ".yml", ".json")
_SAFE = re.compile(r"[^\w.-]+")

STATUS_ZH = {
    "outcome_changed": "结论变化",
    "grounds_changed": "理由变化",
    "unchanged": "不变",
    "error": "出错",
}
CHANGE_ZH = {"added": "新增", "removed": "删除或停用", "changed": "修改"}


@dataclass
class Outcome:
    """A comparison run: the report (paths scrubbed), or why it could not run."""

    report: DiffReport | None
    problems: list[Finding]
    side: str = ""


def run_diff(
    rid: str,
    base_paths: Sequence[Path],
    head_paths: Sequence[Path],
    cases: Sequence[Path],
    scrub: Scrub,
    *,
    backend: str | None,
    labels: tuple[str, str],
    as_of: dt.date | None = None,
) -> Outcome:
    """``diff`` of ``rid`` between the two sides over ``cases``, every server path in the report
    replaced as ``scrub`` says; a side that does not load gives its problems instead."""
    try:
        report = diff(
            list(base_paths),
            list(head_paths),
            rid,
            list(cases),
            as_of,
            backend,  # type: ignore[arg-type]
            base_label=labels[0],
            head_label=labels[1],
        )
    except RulesetLoadError as exc:
        side = labels[0] if exc.side == "base" else labels[1]
        return Outcome(None, scrub.diagnostics(exc.diagnostics), side)
    data = json.loads(scrub.text(report.to_json()))
    return Outcome(DiffReport.model_validate(data), [])


def reasons_of(c: CaseDiff) -> list[Reason]:
    """The reasons of a case below its two "认定规则" lines: as the text view, the first one is
    left out when it only repeats that the deciding rule changed."""
    moved = (c.before.deciding_rule, c.before.outcome) != (c.after.deciding_rule, c.after.outcome)
    return [r for i, r in enumerate(c.reasons) if not (i == 0 and moved and r.group == "deciding")]


def report_context(outcome: Outcome) -> dict[str, Any]:
    """What templates/diff/report.html needs to show ``outcome``."""
    report = outcome.report
    shown = [] if report is None else [c for c in report.cases if c.status != "unchanged"]
    return {
        "outcome": outcome,
        "report": report,
        "shown_cases": shown,
        "status_zh": STATUS_ZH,
        "change_zh": CHANGE_ZH,
        "kind_label": kind_label,
        "deciding_text": deciding_text,
        "reasons_of": reasons_of,
    }


@dataclass
class SideChoice:
    """One side of the form as chosen: ``kind`` is served, version, draft or upload."""

    kind: str
    version: str
    draft: str
    upload: UploadFile | None


def register(pages: Pages) -> None:
    """Add ``GET /diff`` and ``POST /diff`` to the workspace."""
    add_page(pages, "/diff", diff_form)
    add_page(pages, "/diff", diff_run, "POST")


def form_context(svc: Service, rid: str) -> dict[str, Any]:
    """What the form shows for ruleset ``rid`` (none: ``""``): its versions, drafts and the
    configured case folders (by name); 404 for an unknown ruleset."""
    ids = svc.engine.library.ids()
    versions: list[str] = []
    if rid:
        svc.known(rid)
        versions = [f.version for f in svc.engine.library.versions(rid).files]
    return {
        "ids": ids,
        "rid": rid,
        "versions": versions,
        "drafts": draft_names(svc.config.drafts, rid) if rid else [],
        "drafts_enabled": svc.config.drafts is not None,
        "case_folders": [p.name for p in svc.config.cases],
        "max_body": svc.config.max_body,
    }


def diff_form(request: Request, ruleset: str = "") -> HTMLResponse:
    """``GET /diff``: the form, for ``ruleset`` (default the first served one)."""
    pages = pages_of(request)
    rid = ruleset or (pages.svc.engine.library.ids() or [""])[0]
    return pages.render(
        request, "diff/diff.html", title="版本比较", **form_context(pages.svc, rid), result=None
    )


async def diff_run(
    request: Request,
    ruleset: Annotated[str, Form()],
    base_kind: Annotated[str, Form()] = "served",
    base_version: Annotated[str, Form()] = "",
    base_draft: Annotated[str, Form()] = "",
    base_file: Annotated[UploadFile | None, File()] = None,
    head_kind: Annotated[str, Form()] = "upload",
    head_version: Annotated[str, Form()] = "",
    head_draft: Annotated[str, Form()] = "",
    head_file: Annotated[UploadFile | None, File()] = None,
    folders: Annotated[list[str] | None, Form()] = None,
    case_uploads: Annotated[list[UploadFile] | None, File(alias="case_files")] = None,
    as_of: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """``POST /diff``: the comparison the form asks for, its report or its refusal in the page
    (to htmx, the report panel alone)."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(ruleset)
    context = form_context(svc, ruleset)
    status = 200
    try:
        with ExitStack() as stack:
            tmp = Path(tempfile.mkdtemp(prefix="rongcuo-diff-"))
            stack.callback(shutil.rmtree, tmp, True)
            base = SideChoice(base_kind, base_version, base_draft, base_file)
            head = SideChoice(head_kind, head_version, head_draft, head_file)
            cases, roots = await gather_cases(svc, folders or [], case_uploads or [], tmp)
            day = parse_day(as_of)
            sides = [await side_paths(svc, s, ruleset, stack, roots) for s in (base, head)]
            scrub = Scrub(None, [*roots, *sides[0][2], *sides[1][2]])
            outcome = run_diff(
                ruleset,
                sides[0][0],
                sides[1][0],
                cases,
                scrub,
                backend=svc.engine.backend,
                labels=(sides[0][1], sides[1][1]),
                as_of=day,
            )
            if outcome.report is None:
                status = 422
            result: dict[str, Any] = {"kind": "diff", **report_context(outcome)}
    except Refused as exc:
        status = exc.status
        result = {"kind": "refused", "diagnostics": list(exc.diagnostics)}
    if "hx-request" in request.headers:
        return pages.render(request, "diff/result.html", status=status, result=result)
    return pages.render(
        request, "diff/diff.html", status=status, title="版本比较", **context, result=result
    )


async def gather_cases(
    svc: Service, folders: list[str], uploads: list[UploadFile], tmp: Path
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The case files chosen: configured folders (by name) and the uploads (saved in
    ``tmp``), with how each folder is shown."""
    by_name = {p.name: p for p in svc.config.cases}
    roots: list[tuple[Path, str]] = []
    cases: list[Path] = []
    for name in folders:
        if name not in by_name:
            raise refused(
                400,
                "RC905",
                f"没有名为 {name[:40]!r} 的案件文件夹",
                f"no case folder named {name[:40]!r}",
                path=("folders",),
            )
        roots.append((by_name[name], name))
        cases += case_files(by_name[name])
    uploaded = tmp / "cases"
    uploaded.mkdir()
    real = [u for u in uploads if u.filename]
    if len(real) > MAX_CASES:
        raise refused(
            413,
            "RC901",
            f"一次最多上传 {MAX_CASES} 个案件文件",
            f"at most {MAX_CASES} case files an upload",
            path=("case_files",),
        )
    for i, up in enumerate(real):
        name = _SAFE.sub("_", Path(up.filename or "case").name)[:80] or "case"
        if not name.endswith(_CASE_SUFFIXES):
            raise refused(
                400,
                "RC905",
                f"案件文件须为 .yaml、.yml 或 .json：{name}",
                f"a case file ends in .yaml, .yml or .json: {name}",
                path=("case_files",),
            )
        data = await read_upload(svc, up, "case_files")
        target = uploaded / (name if not (uploaded / name).exists() else f"{i}-{name}")
        target.write_bytes(data)
        cases.append(target)
    if real:
        roots.append((uploaded, "上传"))
    if not cases:
        raise refused(
            400,
            "RC905",
            "请选择案件文件夹或上传案件文件",
            "choose a case folder or upload case files",
            path=("case_files",),
        )
    return cases, roots


async def read_upload(svc: Service, up: UploadFile, field: str) -> bytes:
    """An uploaded file's bytes, or 413 RC901 past the service's ``max_body``."""
    limit = svc.config.max_body
    data = await up.read(limit + 1)
    if len(data) > limit:
        raise refused(
            413,
            "RC901",
            f"上传的文件超过 {limit} 字节",
            f"the uploaded file is past {limit} bytes",
            path=(field,),
        )
    return data


async def side_paths(
    svc: Service, side: SideChoice, rid: str, stack: ExitStack, roots: list[tuple[Path, str]]
) -> tuple[list[Path], str, list[tuple[Path, str]]]:
    """A side as ruleset folders, its label, and the roots its paths scrub to."""
    served = list(svc.config.rulesets)
    if side.kind == "served":
        return served, "在用版本", []
    if side.kind == "version":
        version, name, text = version_text(svc.engine, rid, side.version)
        tmp = Path(tempfile.mkdtemp(prefix="rongcuo-version-"))
        stack.callback(shutil.rmtree, tmp, True)
        (tmp / rid).mkdir()
        (tmp / rid / name).write_text(text, encoding="utf-8")
        return [tmp, *served], f"仅 {version} 版", [(tmp, "")]
    if side.kind == "draft":
        text = read_draft(svc.config.drafts, rid, side.draft)
        label = f"草稿 {side.draft}"
    elif side.kind == "upload":
        if side.upload is None or not side.upload.filename:
            raise refused(
                400,
                "RC905",
                "选了上传规则集文件，但没有上传文件",
                "an uploaded ruleset file was chosen, but none was uploaded",
                path=("file",),
            )
        data = await read_upload(svc, side.upload, "file")
        text = data.decode("utf-8", errors="replace")
        label = f"上传的文件 {_SAFE.sub('_', Path(side.upload.filename).name)[:60]}"
    else:
        raise refused(
            400,
            "RC905",
            "比较的一方应为在用版本、某一版本、草稿或上传的文件",
            "a side is the served ruleset, a version, a draft or an uploaded file",
            path=("kind",),
        )
    big = too_big(text, svc.config.max_body, "file")
    if big is not None:
        raise big
    staged = stack.enter_context(Staged(svc.engine, rid, text, svc.config.rulesets))
    scrub_roots = [(p, "") for p in staged.paths]
    return staged.paths, label, [(staged.file, label), *scrub_roots]


def parse_day(text: str) -> dt.date | None:
    """The ``as_of`` of the form (empty: each case's own date), or 400 RC903."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise refused(
            400,
            "RC903",
            "认定日期应为 YYYY-MM-DD",
            "as_of must be a date YYYY-MM-DD",
            path=("as_of",),
        ) from None
