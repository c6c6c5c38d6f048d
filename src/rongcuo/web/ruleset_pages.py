"""The ruleset pages of the workspace: a ruleset read as policy text, and one page per rule.

Takes the :class:`~rongcuo.web.pages.Pages` of the workspace; gives ``GET /rulesets/{id}`` (one
version, the newest unless ``?version=``: documents, situations, exclusions, preconditions, the
grounds, the six looks, the three distinctions, the decision order, the procedure and its time
limits, the clearing rules and the outcomes, each rule with its condition in plain Chinese
(:mod:`rongcuo.ruleset.prose`), its clause and where it comes from) and
``GET /rulesets/{id}/rules/{rule_id}`` (one rule, what it reads and what reads it, the scenarios
that make it hold). The coverage of the ruleset's scenarios (``rongcuo test``) is worked out
once for each content hash and kept in memory (web/ruleset_coverage.py); what each page shows
is built by web/ruleset_view.py.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from rongcuo.authoring.scenario import COVERED_KINDS
from rongcuo.errors import RongcuoError
from rongcuo.ruleset.merge import merge
from rongcuo.ruleset.model import Rule, Ruleset, RulesetFile
from rongcuo.ruleset.prose import KIND_ZH, fact_label
from rongcuo.service.core import Service, library_call, refused
from rongcuo.web.pages import Pages
from rongcuo.web.ruleset_coverage import CoverageCache, ScenarioReport
from rongcuo.web.ruleset_view import View


class Loader:
    """Finds a version of a ruleset for a page, with its chain of files and the ruleset it
    extends (merged once for each content hash)."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.coverage = CoverageCache()
        self._bases: dict[str, Ruleset | None] = {}
        self._lock = threading.Lock()

    def versions(self, rid: str) -> list[RulesetFile]:
        """The version files of a known ruleset, oldest first."""
        self.svc.known(rid)
        library = self.svc.engine.library
        files = library_call(lambda: library.versions(rid).files)
        return sorted(files, key=lambda f: f.effective_from)

    def version(self, rid: str, version: str | None) -> tuple[Ruleset, list[RulesetFile]]:
        """The effective ruleset of ``version`` (the newest when None) and every version file."""
        files = self.versions(rid)
        if not files:
            raise refused(404, "RC301", f"规则集 {rid} 没有可用的版本", f"{rid} has no version")
        if version is None:
            top = files[-1]
        else:
            found = [f for f in files if f.version == version]
            if not found:
                shown = version if len(version) <= 40 else version[:40] + "…"
                listed = "、".join(f.version for f in files)
                raise refused(
                    404,
                    "RC301",
                    f"规则集 {rid} 没有版本 {shown!r}（现有版本：{listed}）",
                    f"{rid} has no version {shown!r} (versions: {listed})",
                    path=("version",),
                )
            top = found[0]
        engine = self.svc.engine
        rs = library_call(lambda: engine.ruleset(rid, top.effective_from))
        return rs, files

    def chain(self, rs: Ruleset) -> list[RulesetFile]:
        """The version files that make ``rs``, base first."""
        library = self.svc.engine.library
        out = []
        for c in rs.components:
            files = library_call(lambda cid=c.id: library.versions(cid).files)  # type: ignore[misc]
            out += [f for f in files if f.sha256 == c.sha256][:1]
        return out

    def base(self, rs: Ruleset, chain: list[RulesetFile]) -> Ruleset | None:
        """The effective ruleset ``rs`` extends (its chain without its own file), or None."""
        if len(chain) < 2:
            return None
        with self._lock:
            if rs.content_hash not in self._bases:
                merged, _ = merge(chain[:-1])
                self._bases[rs.content_hash] = merged
            return self._bases[rs.content_hash]

    def view(self, rid: str, version: str | None) -> tuple[View, list[RulesetFile]]:
        """The page's view of a version of ``rid``, and every version file."""
        rs, files = self.version(rid, version)
        chain = self.chain(rs)
        folder = self.svc.engine.library.folder(rid)
        try:
            report: ScenarioReport | None = self.coverage.report(self.svc.engine, rs, folder)
        except RongcuoError as exc:  # a scenario the engine cannot run: shown, not served
            report = ScenarioReport(error=str(exc).splitlines()[0][:200])
        return View(rs, self.base(rs, chain), chain, report), files

    def version_rows(self, rid: str, files: list[RulesetFile]) -> list[dict[str, Any]]:
        """Each version with its effective dates and the prefix of its content hash."""
        engine = self.svc.engine
        rows = []
        for f in reversed(files):
            try:
                digest = engine.ruleset(rid, f.effective_from).content_hash
            except RongcuoError:
                digest = ""
            rows.append(
                {
                    "version": f.version,
                    "title": f.title,
                    "from": f.effective_from.isoformat(),
                    "until": f.effective_until.isoformat() if f.effective_until else "",
                    "hash": digest.removeprefix("sha256:")[:12],
                }
            )
        return rows


def _is_htmx(request: Request) -> bool:
    return "hx-request" in request.headers and "hx-history-restore-request" not in request.headers


def register(pages: Pages) -> None:
    """Add the ruleset pages to the workspace: ``/rulesets/{id}`` and
    ``/rulesets/{id}/rules/{rule_id}``."""
    loader = Loader(pages.svc)
    pages.app.state.ruleset_pages = loader  # the tests read how often scenarios ran

    @pages.app.get("/rulesets/{ruleset_id}", response_class=HTMLResponse, include_in_schema=False)
    def ruleset_page(request: Request, ruleset_id: str, version: str | None = None) -> HTMLResponse:
        view, files = loader.view(ruleset_id, version)
        rs = view.rs
        context: dict[str, Any] = {
            "rs": rs,
            "view": view,
            "versions": loader.version_rows(ruleset_id, files),
            "newest": files[-1].version,
            "chain": [{"id": f.id, "version": f.version} for f in view.chain],
            "vq": "" if version is None else f"?version={version}",
            "description": view.chain[-1].description if view.chain else "",
        }
        name = "rulesets/_ruleset_body.html" if _is_htmx(request) else "rulesets/ruleset.html"
        return pages.render(request, name, title=rs.title, **context)

    @pages.app.get(
        "/rulesets/{ruleset_id}/rules/{rule_id}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def rule_page(
        request: Request, ruleset_id: str, rule_id: str, version: str | None = None
    ) -> HTMLResponse:
        view, _ = loader.view(ruleset_id, version)
        rs = view.rs
        rule = rs.rules.get(rule_id)
        if rule is None:
            shown = rule_id if len(rule_id) <= 60 else rule_id[:60] + "…"
            raise refused(
                404,
                "RC301",
                f"规则集 {rs.id}（{rs.version}）没有规则 {shown!r}",
                f"{rs.id} ({rs.version}) has no rule {shown!r}",
                path=("rule",),
            )
        return pages.render(
            request,
            "rulesets/rule.html",
            title=rule.label,
            **_rule_context(view, rule, version),
        )


def _rule_context(view: View, rule: Rule, version: str | None) -> dict[str, Any]:
    """What a rule's page shows beside the rule itself."""
    rs = view.rs
    graph = rs.graph
    readers = sorted(rid for rid, deps in graph.reads.items() if rule.id in deps)

    def linked(ids: Any) -> list[dict[str, str]]:
        return [
            {
                "id": rid,
                "label": rs.rules[rid].label if rid in rs.rules else rid,
                "kind": KIND_ZH.get(rs.rules[rid].kind, "") if rid in rs.rules else "",
            }
            for rid in ids
        ]

    facts = [
        {
            "id": fid,
            "label": fact_label(fid, rs),
            "question": rs.facts[fid].question if fid in rs.facts else "",
        }
        for fid in graph.facts.get(rule.id, ())
    ]
    report = view.report
    holding = report.holding(rs.content_hash, rule.id) if report else []
    refuting = report.refuting(rs.content_hash, rule.id) if report else []
    return {
        "rs": rs,
        "view": view,
        "rule": view.rule(rule),
        "facts": facts,
        "reads": linked(sorted(graph.reads.get(rule.id, ()))),
        "readers": linked(readers),
        "holding": holding,
        "refuting": refuting,
        "counted": rule.kind in COVERED_KINDS,
        "vq": "" if version is None else f"?version={version}",
    }
