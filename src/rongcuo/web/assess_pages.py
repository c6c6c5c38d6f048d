"""The assessment page of the workspace (``/assess``, 评估): takes a small form (the cadre's id,
one sanction's kind and date, each fact of the assessment ruleset 是/否/不明, the day) or an
uploaded input file (YAML or JSON, as ``rongcuo assess`` reads); gives the proposal — the
outcome, its reason, the rule and clause it rests on, the questions it turned on, what was
computed (the impact period, the last warning) and presumed, and what follows.

Routes: ``GET /assess?kind=reuse|warning`` (the form), ``POST /assess`` (the form assessed),
``POST /assess/upload`` (a file assessed). Both posts carry the page's cross-site token (403
RC910 without it). With ``rongcuo serve --store`` the cadre's warnings and sanctions recorded
on the store's cases are added, as ``POST /v1/assess/{kind}`` adds them. An input the
assessment refuses shows its problems (located by field, or by line in a file), never an error
page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from rongcuo.assessment.model import Assessment
from rongcuo.case.contract import SANCTION_KINDS
from rongcuo.case.envelope import CaseSource
from rongcuo.errors import Diagnostic, InputError, Location, RulesetNotFound
from rongcuo.ruleset.document import load_text
from rongcuo.ruleset.model import ASSESSMENT_FACTS
from rongcuo.service.assess import KINDS, assess_input, today
from rongcuo.service.core import choice
from rongcuo.web.case_form import Values, first
from rongcuo.web.case_pages import read_form, uploaded
from rongcuo.web.pages import Pages, cross_site
from rongcuo.web.routing import add_page, pages_of
from rongcuo.web.session import csrf_ok

#: How the page names each assessment.
KIND_TITLES = {"reuse": "影响期满使用评估", "warning": "问责三级预警"}
#: How the form's input is named in its problems (the form has no file).
FORM_SOURCE = "评估表单"
ANSWERS = (("true", "是"), ("false", "否"), ("unknown", "不明"))


def register(pages: Pages) -> None:
    """Add the assessment page's routes."""
    add_page(pages, "/assess", assess_form)
    add_page(pages, "/assess", assess_posted, "POST")
    add_page(pages, "/assess/upload", assess_upload, "POST")


def questions(pages: Pages, kind: str) -> list[dict[str, str]]:
    """The yes/no facts of the newest ``kind`` ruleset an officer states (computed ones left
    out: the stage computes them from the sanctions and the warning history)."""
    engine = pages.svc.engine
    rs = engine.ruleset(kind, engine.newest_day(kind))
    return [
        {"id": f.id, "label": f.label, "question": f.question}
        for f in rs.facts.values()
        if f.type == "bool" and not f.computed and f.id not in ASSESSMENT_FACTS
    ]


def form_data(values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The form as an assessment input: empty fields left out, 不明 as ``unknown``."""
    data: dict[str, Any] = {"id": first(values, "id").strip() or "网页评估"}
    cadre = first(values, "cadre_id").strip()
    if cadre:
        data["cadre"] = {"id": cadre}
    kind, on = first(values, "sanction_kind").strip(), first(values, "sanction_on").strip()
    if kind or on:
        data["sanction"] = {"kind": kind, "decided_on": on}
    facts = {}
    for key, vals in values.items():
        if key.startswith("f.") and vals and vals[0] in ("true", "false", "unknown"):
            facts[key[2:]] = {"true": True, "false": False}.get(vals[0], "unknown")
    if facts:
        data["facts"] = facts
    return data


def day_of(values: Mapping[str, Sequence[str]]) -> tuple[dt.date, list[Diagnostic]]:
    """The form's 评估日期 (empty: today), or the problem with it."""
    raw = first(values, "as_of").strip()
    if not raw:
        return today(), []
    try:
        return dt.date.fromisoformat(raw), []
    except ValueError:
        where = Location(FORM_SOURCE, path=("as_of",))
        return today(), [
            Diagnostic("RC903", where, "评估日期应为日期（YYYY-MM-DD）", "as_of must be a date")
        ]


def run(
    pages: Pages, kind: str, data: Any, day: dt.date, source: CaseSource
) -> tuple[Assessment | None, list[Diagnostic]]:
    """The assessment of ``data``, or the problems that stopped it (in the calling thread)."""
    try:
        text = assess_input(pages.svc, pages.svc.engine, kind, data, day, source)
    except InputError as exc:
        return None, list(exc.diagnostics)
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        return None, [Diagnostic("RC301", Location(source.name, path=("as_of",)), zh, en or zh)]
    return Assessment.model_validate(json.loads(text)), []


def page(
    pages: Pages,
    request: Request,
    kind: str,
    values: Values,
    found: Assessment | None = None,
    problems: Sequence[Diagnostic] = (),
    uploaded_name: str = "",
) -> HTMLResponse:
    """The assessment page for ``kind``: the form filled with ``values``, and the proposal or
    the problems."""
    return pages.render(
        request,
        "assess/assess.html",
        status=422 if problems else 200,
        title=f"评估 · {KIND_TITLES[kind]}",
        kind=kind,
        kinds=[(k, KIND_TITLES[k]) for k in KINDS],
        questions=questions(pages, kind),
        answers=ANSWERS,
        sanction_kinds=list(SANCTION_KINDS.items()),
        values={k: v[0] if v else "" for k, v in values.items()},
        a=found,
        problems=list(problems),
        uploaded_name=uploaded_name,
        has_store=pages.svc.config.store is not None,
    )


def assess_form(request: Request, kind: str = "reuse") -> HTMLResponse:
    """``GET /assess``: the empty form of ``kind``."""
    pages = pages_of(request)
    return page(pages, request, choice("kind", kind, KINDS), {})


async def assess_posted(request: Request) -> HTMLResponse:
    """``POST /assess``: the form assessed."""
    pages = pages_of(request)
    values = await read_form(pages, request)
    if not csrf_ok(request, first(values, "csrf")):
        raise cross_site()
    kind = choice("kind", first(values, "kind") or "reuse", KINDS)
    day, problems = day_of(values)
    if problems:
        return page(pages, request, kind, values, problems=problems)
    data = form_data(values)
    found, problems = await run_in_threadpool(run, pages, kind, data, day, CaseSource(FORM_SOURCE))
    return page(pages, request, kind, values, found, problems)


async def assess_upload(request: Request) -> HTMLResponse:
    """``POST /assess/upload``: an input file (YAML or JSON) assessed."""
    pages = pages_of(request)
    raw = await pages.svc.body(request)
    name, content, fields = await uploaded(request, raw)
    if not csrf_ok(request, first(fields, "csrf")):
        raise cross_site()
    kind = choice("kind", first(fields, "kind") or "reuse", KINDS)
    day, problems = day_of(fields)
    if content is None:
        problems.append(
            Diagnostic(
                "RC902",
                Location("上传", path=("file",)),
                "请选择一个评估文件（YAML 或 JSON）",
                "choose an assessment input file (YAML or JSON)",
            )
        )
    if problems or content is None:
        return page(pages, request, kind, fields, problems=problems)
    loaded, problems = load_text(content, name)
    if loaded is None or problems:
        return page(pages, request, kind, fields, problems=problems, uploaded_name=name)
    source = CaseSource(name, loaded.positions)
    found, problems = await run_in_threadpool(run, pages, kind, loaded.data, day, source)
    return page(pages, request, kind, fields, found, problems, uploaded_name=name)
