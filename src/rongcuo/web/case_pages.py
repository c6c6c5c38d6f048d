"""The case workspace (``/rulesets/{id}/cases/…``): a case filled in a form built from the
ruleset's fact declarations, with a side panel that shows, as the facts change, the proposed
outcome, the six looks, the three distinctions, what is presumed and the next questions to ask.

Routes: ``GET new`` (an empty form), ``POST panel`` (the panel alone for htmx, the whole page
for a plain submit), ``POST evaluate`` (the whole page: the form as submitted and the panel),
``POST memo?format=…`` (the memo's bytes), ``POST download`` (the case as a YAML file that
``rongcuo evaluate`` reads), ``POST record`` (stores the decision; a write), ``POST upload`` (a
case file, YAML or JSON, read into the form). A case that does not check shows its problems in
the panel, never as an error page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args
from urllib.parse import parse_qsl

import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from rongcuo.case.contract import Case
from rongcuo.case.envelope import CaseSource, parse_case
from rongcuo.decision.missing import missing_weight
from rongcuo.decision.model import Decision, MissingFact, ValueEffect
from rongcuo.errors import Diagnostic, InputError, Location, RulesetNotFound
from rongcuo.memo.impact import impact_section
from rongcuo.memo.render import Format
from rongcuo.ruleset.document import load_text
from rongcuo.ruleset.model import Ruleset
from rongcuo.service.core import choice, library_call, refused
from rongcuo.service.decide import CONTENT_TYPES, content_disposition, file_name, render
from rongcuo.web.case_form import CADRE, FIELD_NAMES, Values, build_form, first
from rongcuo.web.case_read import from_case, to_case
from rongcuo.web.library_pages import similar_cases
from rongcuo.web.pages import Pages
from rongcuo.web.routing import add_page, pages_of

#: The most fields a posted form may have.
MAX_FIELDS = 20_000
#: How the form's case is named in its diagnostics (the form has no file).
FORM_SOURCE = "案件表单"
#: What a claimed situation's check is called.
CLAIM_STATUS = {
    "established": "成立",
    "not_established": "不成立",
    "unknown": "事实不清",
    "referred_to_committee": "须提请党委（党组）研究认定",
}
FORMATS: tuple[tuple[str, str], ...] = (("docx", "DOCX"), ("pdf", "PDF"), ("md", "Markdown"))
_UNSAFE = re.compile(r"[^\w.\-（）()]+")
_SECTIONS = ("al", "ev", "co", "sa")
#: A key whose name depends on what it is in (FIELD_NAMES has the usual one).
NESTED_NAMES: dict[tuple[str, str | int], str] = {
    ("cadre", "id"): dict(CADRE)["id"],
    ("sanction", "kind"): "种类",
    ("accountability_body", "kind"): "类别",
    ("accountability_body", "name"): "名称",
    ("reporter", "name"): "举报人姓名",
}
#: The header fields a case cannot go without, as the form asks for them.
REQUIRED = (("id", "案件编号"), ("title", "案件名称"), ("incident_date", "失误发生日期"))


@dataclass
class Outcome:
    """What the workspace made of a submitted form: the case mapping, and either its decision
    or the problems that stopped it."""

    data: dict[str, Any]
    case: Case | None = None
    decision: Decision | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    as_of: dt.date | None = None


def form_values(pairs: Sequence[tuple[str, str]]) -> Values:
    """A form's fields as name → values, in order."""
    out: Values = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


async def read_form(pages: Pages, request: Request) -> Values:
    """The posted form (URL-encoded), read within the service's body limits."""
    raw = await pages.svc.body(request)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise refused(400, "RC902", "表单不是 UTF-8 编码", "the form is not UTF-8") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise refused(
            400, "RC905", f"表单字段过多（至多 {MAX_FIELDS} 个）", "the form has too many fields"
        ) from None
    return form_values(pairs)


def case_day(values: Mapping[str, Sequence[str]]) -> dt.date | None:
    """The day of the conduct the form gives (行为终了日期, else the incident date)."""
    for key in ("conduct_until", "incident_date"):
        try:
            return dt.date.fromisoformat(first(values, key).strip())
        except ValueError:
            continue
    return None


def form_ruleset(pages: Pages, ruleset_id: str, values: Mapping[str, Sequence[str]]) -> Ruleset:
    """The version of the ruleset whose facts the form asks: the one in force on the day of
    the conduct, else the newest."""
    engine = pages.svc.engine
    day = case_day(values)

    def find() -> Ruleset:
        if day is not None:
            try:
                return engine.ruleset(ruleset_id, day)
            except RulesetNotFound:
                pass
        return engine.ruleset(ruleset_id, engine.newest_day(ruleset_id))

    return library_call(find)


def as_of_of(values: Mapping[str, Sequence[str]]) -> tuple[dt.date | None, list[Diagnostic]]:
    """The form's 认定日期 (empty: the day of the conduct), or the problem with it."""
    raw = first(values, "as_of").strip()
    if not raw:
        return None, []
    try:
        return dt.date.fromisoformat(raw), []
    except ValueError:
        return None, [
            Diagnostic(
                "RC903",
                Location(FORM_SOURCE, path=("as_of",)),
                "认定日期应为日期（YYYY-MM-DD）",
                "as_of must be a date (YYYY-MM-DD)",
            )
        ]


def decide(
    pages: Pages, ruleset_id: str, values: Mapping[str, Sequence[str]], rs: Ruleset
) -> Outcome:
    """Check the form's case and decide it (in the calling thread)."""
    data = to_case(values, rs)
    day, problems = as_of_of(values)
    made = Outcome(data=data, as_of=day, diagnostics=problems)
    if problems:
        return made
    missing = [
        Diagnostic(
            "RC004",
            Location(FORM_SOURCE, path=(key,)),
            f"请填写{label}",
            f"{key} is required",
        )
        for key, label in REQUIRED
        if key not in data
    ]
    if missing:
        made.diagnostics = missing
        return made
    source = CaseSource(FORM_SOURCE)
    try:
        made.case = parse_case(data, source)
        made.decision = pages.svc.engine.evaluate(
            made.case, ruleset=ruleset_id, as_of=day, source=source
        )
    except InputError as exc:
        made.diagnostics = list(exc.diagnostics)
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        made.diagnostics = [
            Diagnostic("RC301", Location(FORM_SOURCE, path=("incident_date",)), zh, en or zh)
        ]
    return made


def field_of(d: Diagnostic, rs: Ruleset) -> str:
    """Where in the case a problem is, in Chinese: the field's name, a fact's label."""
    words = []
    path = d.location.path
    for i, part in enumerate(path):
        parent = next((p for p in reversed(path[:i]) if isinstance(p, str)), "")
        if (parent, part) in NESTED_NAMES:
            words.append(NESTED_NAMES[parent, part])
        elif isinstance(part, str) and part in rs.facts:
            words.append(rs.facts[part].label)
        elif isinstance(part, int):
            words.append(f"第 {part + 1} 项")
        else:
            words.append(FIELD_NAMES.get(str(part), str(part)))
    return " · ".join(words)


def anchor_of(d: Diagnostic) -> str:
    """The form element a problem's field is at (for a link to it), or ``""``."""
    path = d.location.path
    if len(path) >= 2 and path[0] == "facts":
        return f"fact-{path[1]}"
    if path and isinstance(path[0], str):
        return f"field-{path[0]}"
    return ""


def register(pages: Pages) -> None:
    """Add the case workspace's routes."""
    base = "/rulesets/{ruleset_id}/cases"
    add_page(pages, f"{base}/new", new_case)
    for path in ("panel", "evaluate"):
        add_page(pages, f"{base}/{path}", evaluate, "POST")
    add_page(pages, f"{base}/memo", memo, "POST")
    add_page(pages, f"{base}/download", download, "POST")
    add_page(pages, f"{base}/record", record, "POST")
    add_page(pages, f"{base}/upload", upload, "POST")


def page(
    pages: Pages,
    request: Request,
    ruleset_id: str,
    values: Values,
    made: Outcome | None,
    *,
    status: int = 200,
    more: Mapping[str, int] | None = None,
    notice: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The workspace with the form filled with ``values`` and the panel showing ``made``; to
    htmx (without a notice), the panel alone."""
    rs = form_ruleset(pages, ruleset_id, values)
    context = panel_context(pages, ruleset_id, rs, made)
    if request.headers.get("hx-request") and notice is None:
        # htmx swaps only a 2xx answer: the panel shows the case's problems itself
        return pages.render(request, "cases/panel.html", **context)
    return pages.render(
        request,
        "cases/workspace.html",
        status=status,
        title=f"案件认定 · {rs.title}",
        form=build_form(rs, values, more),
        as_of=first(values, "as_of"),
        notice=notice,
        **context,
    )


def panel_context(
    pages: Pages, ruleset_id: str, rs: Ruleset, made: Outcome | None
) -> dict[str, Any]:
    """What templates/cases/panel.html needs to show ``made``."""
    return {
        "ruleset_id": ruleset_id,
        "ruleset": rs,
        "made": made,
        "d": None if made is None else made.decision,
        "problems": []
        if made is None
        else [{"d": d, "field": field_of(d, rs), "anchor": anchor_of(d)} for d in made.diagnostics],
        "formats": FORMATS,
        "can_record": pages.svc.config.store is not None,
        "claim_status": CLAIM_STATUS,
        # 影响期 (catalogue §12): the case's sanctions under the form's ruleset version
        "impact": None if made is None or made.case is None else impact_section(made.case, rs),
        # 相似典型案例 (catalogue §13), when the service has a library
        "similar": None if made is None else similar_cases(pages.svc, made.case, made.decision, rs),
        "weight": weight,
        "effects": effects,
    }


async def decided(pages: Pages, ruleset_id: str, values: Values) -> tuple[Ruleset, Outcome]:
    """The form's ruleset version and its case decided (in a worker thread); 404 for an
    unknown ruleset."""
    pages.svc.known(ruleset_id)
    rs = form_ruleset(pages, ruleset_id, values)
    made = await run_in_threadpool(decide, pages, ruleset_id, values, rs)
    return rs, made


def new_case(request: Request, ruleset_id: str, rows: int = 0) -> HTMLResponse:
    """``GET new``: an empty form, each repeatable section with ``rows`` empty rows (1–20)."""
    pages = pages_of(request)
    pages.svc.known(ruleset_id)
    extra = max(0, min(rows, 20) - 1)
    return page(pages, request, ruleset_id, {}, None, more=dict.fromkeys(_SECTIONS, extra))


async def evaluate(request: Request, ruleset_id: str) -> HTMLResponse:
    """``POST panel`` and ``POST evaluate``: the form decided (``more``: one more row of that
    section)."""
    pages = pages_of(request)
    values = await read_form(pages, request)
    _, made = await decided(pages, ruleset_id, values)
    more = {s: 1 for s in _SECTIONS if first(values, "more") == s}
    status = 422 if made.diagnostics else 200
    return page(pages, request, ruleset_id, values, made, status=status, more=more)


async def memo(request: Request, ruleset_id: str, format: str = "docx") -> Response:
    """``POST memo``: the memo of the form's case, as a file in ``format``."""
    pages = pages_of(request)
    svc = pages.svc
    fmt = choice("format", format, get_args(Format))
    values = await read_form(pages, request)
    _, made = await decided(pages, ruleset_id, values)
    if made.case is None or made.decision is None:
        return page(pages, request, ruleset_id, values, made, status=422)
    model = made.case

    options: dict[str, Any] = {
        "ruleset": ruleset_id,
        "as_of": made.as_of,
        "format": fmt,
        "calendar": svc.calendar,
    }
    try:
        done = await run_in_threadpool(render, svc.engine, model, options)
    except InputError as exc:
        made.diagnostics = list(exc.diagnostics)
        return page(pages, request, ruleset_id, values, made, status=422)
    d = done.decision
    name = file_name(d.case.id, done.context.document_title, "decision", fmt)
    return Response(
        done.data,
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(name, f"{d.case.id}-decision.{fmt}")},
    )


async def download(request: Request, ruleset_id: str) -> Response:
    """``POST download``: the form's case as a YAML case file."""
    pages = pages_of(request)
    values = await read_form(pages, request)
    _, made = await decided(pages, ruleset_id, values)
    if made.case is None or made.decision is None:
        return page(pages, request, ruleset_id, values, made, status=422)
    text = case_yaml(made.data)
    stem = _UNSAFE.sub("_", made.case.id).strip("._") or "case"
    name = f"{stem[:120]}-案件.yaml"
    return Response(
        text.encode("utf-8"),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": content_disposition(name, f"{stem}-case.yaml")},
    )


async def record(request: Request, ruleset_id: str) -> HTMLResponse:
    """``POST record`` (a write): the form's decision kept in the store."""
    pages = pages_of(request)
    svc = pages.svc
    values = await read_form(pages, request)
    pages.require_write(request, first(values, "csrf"))
    with svc.store():
        pass  # 404 RC907 now, before the work, when there is no store
    _, made = await decided(pages, ruleset_id, values)
    if made.case is None or made.decision is None:
        return page(pages, request, ruleset_id, values, made, status=422)
    decision, model = made.decision, made.case

    rid, stored = await run_in_threadpool(library_call, lambda: svc.record(decision, model))
    notice = {"record_id": rid, "stored": stored}
    return page(pages, request, ruleset_id, values, made, notice=notice)


async def upload(request: Request, ruleset_id: str) -> HTMLResponse:
    """``POST upload``: a case file (YAML or JSON) read into the form and decided."""
    pages = pages_of(request)
    pages.svc.known(ruleset_id)
    raw = await pages.svc.body(request)
    name, content, fields = await uploaded(request, raw)
    as_of = first(fields, "as_of").strip()
    if content is None:
        problem = Diagnostic(
            "RC902",
            Location("上传", path=("file",)),
            "请选择一个案件文件（YAML 或 JSON）",
            "choose a case file (YAML or JSON)",
        )
        made = Outcome(data={}, diagnostics=[problem])
        return page(pages, request, ruleset_id, fields, made, status=422)
    rs = form_ruleset(pages, ruleset_id, {})
    data, problems = await run_in_threadpool(check_file, pages, ruleset_id, name, content)
    values: Values = {}
    if isinstance(data, dict):
        values = from_case(data, rs)
        rs = form_ruleset(pages, ruleset_id, values)
        values = from_case(data, rs)
    if as_of:
        values["as_of"] = [as_of]
    notice = {"uploaded": name, "loaded": not problems}
    if problems:
        made = Outcome(data={}, diagnostics=problems)
        return page(pages, request, ruleset_id, values, made, status=422, notice=notice)
    made = await run_in_threadpool(decide, pages, ruleset_id, values, rs)
    status = 422 if made.diagnostics else 200
    return page(pages, request, ruleset_id, values, made, status=status, notice=notice)


def check_file(
    pages: Pages, ruleset_id: str, name: str, content: bytes
) -> tuple[Any, list[Diagnostic]]:
    """An uploaded case file's data, and its problems (located in the file, by its name):
    what it says is checked against the ruleset as ``rongcuo evaluate`` checks it."""
    loaded, problems = load_text(content, name)
    if loaded is None or problems:
        return None if loaded is None else loaded.data, problems
    source = CaseSource(name, loaded.positions)
    try:
        model = parse_case(loaded.data, source)
        pages.svc.engine.evaluate(model, ruleset=ruleset_id, source=source)
    except InputError as exc:
        return loaded.data, list(exc.diagnostics)
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        return loaded.data, [Diagnostic("RC301", Location(name, path=("incident_date",)), zh, en)]
    return loaded.data, []


def weight(m: MissingFact) -> str:
    """How much a missing fact matters, as memos say it."""
    return missing_weight(m)


def effects(found: Sequence[ValueEffect], outcome: str = "") -> list[ValueEffect]:
    """The outcome under each value, each line once (two values the memo prints alike, e.g.
    two losses above 0, say the same), leaving out those that give ``outcome``."""
    seen: set[tuple[str, str]] = set()
    out = []
    for e in found:
        if e.outcome != outcome and (e.display, e.outcome) not in seen:
            seen.add((e.display, e.outcome))
            out.append(e)
    return out


def case_yaml(data: Mapping[str, Any]) -> str:
    """The form's case as a YAML case file (what ``rongcuo evaluate`` reads)."""
    head = "# 案件文件（由容错纠错认定工作台导出；可用 rongcuo evaluate 认定，或上传至工作台继续填写）\n"
    return head + yaml.safe_dump(
        dict(data), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


async def uploaded(request: Request, raw: bytes) -> tuple[str, bytes | None, Values]:
    """The uploaded file's name (its base name only) and bytes, and the other fields of the
    multipart form ``raw`` (already read within the body limit)."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield raw
        yield b""

    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise refused(
            400, "RC902", "上传应为 multipart/form-data 表单", "an upload is a multipart form"
        )
    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1).parse()
    except MultiPartException as exc:
        raise refused(
            400, "RC902", "上传的表单无法读取", f"the upload cannot be read: {exc}"
        ) from None
    fields: Values = {}
    name, content = "上传的文件", None
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if key == "file" and value.filename:
                name = re.split(r"[\\/]", value.filename)[-1][:120] or name
                content = await value.read()
        else:
            fields.setdefault(key, []).append(value)
    await form.close()
    return name, content, fields
