"""The workspace's ruleset editor: edit a version's YAML, see check and lint findings at their
lines as one types, run the scenarios and the diff on the edited text, save it as a draft.

Routes (``{id}`` a ruleset id; every POST takes the form field ``text``, the edited YAML):

- ``GET /rulesets/{id}/edit`` (``?version=V`` or ``?draft=NAME``; default the newest version):
  the file as it is on disk in a CodeMirror 5 editor over a plain ``<textarea>`` (the page works
  without JavaScript: every button is a plain form submit), with the findings of the text as
  opened.
- ``POST /rulesets/{id}/edit/check``: check + lint of the text. A client that does not accept
  HTML (static/edit.js, debounced 600 ms by CodeMirror's lint addon) gets the JSON list of
  findings ``{line, column, code, severity, message_zh, message_en, hint, file, path}``
  (``file`` is ``""`` for the edited text, else another file as ``<id>/<file>``, with the line
  in that file); with ``HX-Request`` the HTML list alone; a browser the whole page.
- ``POST /rulesets/{id}/edit/scenarios``: the ruleset's Chinese Gherkin scenarios
  (``<folder>/scenarios/*.feature``) run against the edited text: passed or failed for each
  scenario, and the rule coverage.
- ``POST /rulesets/{id}/edit/diff``: the cases of the configured case folders decided under the
  served ruleset and under the edited text (``rongcuo diff``); without case folders the page
  says so and points to ``/diff``, where cases can be uploaded.
- ``POST /rulesets/{id}/edit/save`` (a write: signed in when the service has a token, and the
  form's cross-site token): the text as a new draft ``DRAFTS/<id>/<name>.yaml`` (an existing
  one only when ``overwrite`` is ticked); refused when the service has no drafts folder, for a
  bad name, or when the text has check errors (warnings are fine).

How text that is not on disk is checked: web/drafts.py :class:`~rongcuo.web.drafts.Staged`
writes it to a temporary folder laid out as the library expects, beside the ruleset's other
served versions, and runs an Engine whose paths put that folder first (the bundled national
ruleset stays what local ones extend). The text is bounded by the service's ``max_body``; a
check with lint of a bundled ruleset takes about 0.3–0.4 s here, the scenarios about 1 s, a diff
over 29 cases about 0.3 s (reference backend).

With ``HX-Request`` the scenario, diff and save routes answer the result panel alone, also for a
refusal (with its status: the page's htmx config swaps 4xx answers too), so the typed text is
never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from rongcuo.api import Engine
from rongcuo.authoring.scenario import kind_label
from rongcuo.authoring.testrun import TestReport, run_scenarios, scenario_files
from rongcuo.service.core import Refused, Service
from rongcuo.web.diff_pages import report_context, run_diff
from rongcuo.web.drafts import (
    Finding,
    Staged,
    check_draft_name,
    draft_names,
    drafts_folder,
    has_errors,
    read_draft,
    save_draft,
    too_big,
    version_text,
)
from rongcuo.web.pages import Pages
from rongcuo.web.routing import add_page, pages_of

Text = Annotated[str, Form()]


def wants_json(request: Request) -> bool:
    """Whether the client asked for data rather than a page (no HTML accepted, no htmx)."""
    return "hx-request" not in request.headers and "text/html" not in request.headers.get(
        "accept", ""
    )


def is_htmx(request: Request) -> bool:
    """Whether htmx made the request (only the partial is answered)."""
    return "hx-request" in request.headers


def scenario_view(report: TestReport, scrub_text: Any) -> dict[str, Any]:
    """The scenario run as the template shows it: file names only, messages scrubbed."""
    rows = []
    for s in report.scenarios:
        failing = [st for st in s.steps if st.status in ("failed", "undefined")]
        rows.append(
            {
                "file": s.file.rsplit("/", 1)[-1],
                "line": s.line,
                "name": s.name,
                "passed": s.passed,
                "step": failing[0].text if failing else "",
                "step_line": failing[0].line if failing else 0,
                "message": scrub_text(failing[0].message) if failing else "",
            }
        )
    coverage = [
        {
            "version": c.version,
            "percent": round(c.percent, 1),
            "covered": c.covered,
            "total": c.total,
            "by_kind": [(kind_label(k), n) for k, n in c.by_kind.items() if n[1]],
            "uncovered": [
                {"id": u.id, "kind": kind_label(u.kind), "label": u.label} for u in c.uncovered
            ],
        }
        for c in report.coverage
    ]
    return {
        "rows": rows,
        "passed": sum(r["passed"] for r in rows),
        "failed": sum(not r["passed"] for r in rows),
        "coverage": coverage,
    }


def register(pages: Pages) -> None:
    """Add the editor's routes to the workspace."""
    base = "/rulesets/{rid}/edit"
    add_page(pages, base, edit)
    add_page(pages, f"{base}/check", check, "POST")
    add_page(pages, f"{base}/scenarios", scenarios, "POST")
    add_page(pages, f"{base}/diff", edit_diff, "POST")
    add_page(pages, f"{base}/save", save, "POST")


def page(
    pages: Pages,
    request: Request,
    rid: str,
    text: str,
    opened: str,
    findings: Sequence[Finding] | None,
    result: dict[str, Any] | None = None,
    status: int = 200,
    name: str = "",
) -> HTMLResponse:
    """The editor holding ``text`` (``opened``: what it was opened from), its findings and the
    result of the last action."""
    svc = pages.svc
    files = svc.engine.library.versions(rid).files
    title = max(files, key=lambda f: f.effective_from).title if files else rid
    return pages.render(
        request,
        "edit/edit.html",
        status=status,
        title=f"编辑 {title}",
        rid=rid,
        ruleset_title=title,
        versions=[f.version for f in files],
        drafts=draft_names(svc.config.drafts, rid),
        drafts_enabled=svc.config.drafts is not None,
        case_folders=[p.name for p in svc.config.cases],
        opened=opened,
        text=text,
        findings=findings,
        findings_data=[f.to_dict() for f in findings or []],
        result=result,
        draft_name=name,
    )


def answer(
    pages: Pages,
    request: Request,
    rid: str,
    text: str,
    opened: str,
    findings: Sequence[Finding] | None,
    result: dict[str, Any],
    status: int = 200,
    name: str = "",
) -> HTMLResponse:
    """An action's result: to htmx the result panel alone, else the whole editor."""
    if is_htmx(request):
        return pages.render(request, "edit/result.html", status=status, result=result)
    return page(pages, request, rid, text, opened, findings, result, status, name)


def bounded(svc: Service, text: str) -> None:
    """Refuse ``text`` past the service's ``max_body``."""
    big = too_big(text, svc.config.max_body)
    if big is not None:
        raise big


def staged(svc: Service, rid: str, text: str) -> Staged:
    """``text`` staged as a version of ``rid`` beside its served versions."""
    return Staged(svc.engine, rid, text, svc.config.rulesets)


def refusal(exc: Refused) -> dict[str, Any]:
    """A refusal as a result panel shows it."""
    return {"kind": "refused", "diagnostics": list(exc.diagnostics)}


def edit(request: Request, rid: str, version: str = "", draft: str = "") -> HTMLResponse:
    """``GET /rulesets/{id}/edit``: a version (default the newest) or a draft in the editor."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(rid)
    if draft:
        text = read_draft(svc.config.drafts, rid, check_draft_name(draft))
        opened, name = f"草稿 {draft}", draft
    else:
        got, file, text = version_text(svc.engine, rid, version or None)
        opened, name = f"{got} 版（{rid}/{file}）", ""
    with staged(svc, rid, text) as st:
        findings = st.findings()
    return page(pages, request, rid, text, opened, findings, name=name)


def check(request: Request, rid: str, text: Text, opened: Text = "") -> Response:
    """``POST …/edit/check``: the text's findings (JSON, the list alone, or the page)."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(rid)
    bounded(svc, text)
    with staged(svc, rid, text) as st:
        findings = st.findings()
    if wants_json(request):
        return JSONResponse([f.to_dict() for f in findings])
    if is_htmx(request):
        return pages.render(request, "edit/findings.html", findings=findings)
    return page(pages, request, rid, text, opened, findings)


def scenarios(request: Request, rid: str, text: Text, opened: Text = "") -> HTMLResponse:
    """``POST …/edit/scenarios``: the ruleset's scenarios run against the text."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(rid)
    bounded(svc, text)
    files = scenario_files(svc.engine.library.folder(rid))
    with staged(svc, rid, text) as st:
        findings = st.findings()
        if has_errors(findings):
            result: dict[str, Any] = {"kind": "blocked", "what": "运行场景"}
            return answer(pages, request, rid, text, opened, findings, result, 422)
        if not files:
            result = {"kind": "no_scenarios"}
            return answer(pages, request, rid, text, opened, findings, result)
        scrub = st.scrub()
        with Engine(st.paths, backend=svc.engine.backend) as engine:
            report = run_scenarios(engine, rid, files)
        result = {"kind": "scenarios", **scenario_view(report, scrub.text)}
    return answer(pages, request, rid, text, opened, findings, result)


def edit_diff(request: Request, rid: str, text: Text, opened: Text = "") -> HTMLResponse:
    """``POST …/edit/diff``: the configured case folders under the served ruleset and the
    text."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(rid)
    bounded(svc, text)
    with staged(svc, rid, text) as st:
        findings = st.findings()
        if has_errors(findings):
            result: dict[str, Any] = {"kind": "blocked", "what": "比较"}
            return answer(pages, request, rid, text, opened, findings, result, 422)
        if not svc.config.cases:
            return answer(pages, request, rid, text, opened, findings, {"kind": "no_cases"})
        cases = [(p, p.name) for p in svc.config.cases]
        outcome = run_diff(
            rid,
            list(svc.config.rulesets),
            st.paths,
            [p for p, _ in cases],
            st.scrub(cases),
            backend=svc.engine.backend,
            labels=("在用版本", "编辑后的文本"),
        )
    status = 200 if outcome.report is not None else 422
    result = {"kind": "diff", **report_context(outcome)}
    return answer(pages, request, rid, text, opened, findings, result, status)


def save(
    request: Request,
    rid: str,
    text: Text,
    opened: Text = "",
    name: Text = "",
    overwrite: Text = "",
    csrf: Text = "",
) -> HTMLResponse:
    """``POST …/edit/save`` (a write): the text kept as a draft."""
    pages = pages_of(request)
    svc = pages.svc
    svc.known(rid)
    findings: list[Finding] | None = None
    try:
        pages.require_write(request, csrf)
        drafts_folder(svc.config.drafts)
        check_draft_name(name)
        bounded(svc, text)
        with staged(svc, rid, text) as st:
            findings = st.findings()
        if has_errors(findings):
            result: dict[str, Any] = {"kind": "blocked", "what": "保存"}
            return answer(pages, request, rid, text, opened, findings, result, 422, name)
        shown = save_draft(svc.config.drafts, rid, name, text, overwrite != "")
    except Refused as exc:
        status = exc.status
        return answer(pages, request, rid, text, opened, findings, refusal(exc), status, name)
    result = {"kind": "saved", "shown": shown, "name": name, "rid": rid}
    return answer(pages, request, rid, text, f"草稿 {name}", findings, result, 200, name)
