"""The ruleset pages of the workspace: a ruleset read as policy text, and one page per rule.

Takes the :class:`~rongcuo.web.pages.Pages` of the workspace; gives ``GET /rulesets/{id}`` (one
version, the newest unless ``?version=``: documents, situations, exclusions, preconditions, the
grounds, the six looks, the three distinctions, the decision order, the procedure and its time
limits, the clearing rules and the outcomes, each rule with its condition in plain Chinese
(:mod:`rongcuo.ruleset.prose`), its clause and where it comes from) and
``GET /rulesets/{id}/rules/{rule_id}`` (one rule, what it reads and what reads it, the scenarios
that make it hold). The coverage of the ruleset's scenarios (``rongcuo test``) is worked out
once for each content hash and kept in memory (:class:`CoverageCache`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from rongcuo.api import Engine
from rongcuo.authoring.scenario import COVERED_KINDS
from rongcuo.authoring.testrun import Coverage, Runner, ScenarioResult, scenario_files
from rongcuo.decision.model import Decision
from rongcuo.errors import InputError, RongcuoError
from rongcuo.ruleset.merge import merge
from rongcuo.ruleset.model import (
    ANCHORS,
    Citation,
    Rule,
    Ruleset,
    RulesetFile,
    TimeLimit,
)
from rongcuo.ruleset.prose import KIND_ZH, condition_zh, fact_label
from rongcuo.service.core import Service, library_call, refused
from rongcuo.web.pages import Pages

#: The sections of rules on a ruleset page, in the order an officer reads them.
RULE_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("situation", "容错情形", "situations"),
    ("exclusion", "不予容错情形", "exclusions"),
    ("precondition", "容错条件", "preconditions"),
    ("mitigating", "从轻、减轻问责情形", "mitigating"),
    ("aggravating", "从重、加重问责情形", "aggravating"),
)
FINDING_ZH = {"favourable": "有利", "unfavourable": "不利", "neutral": "中性"}
SIDE_ZH = {"tolerable": "可容错的一方", "intolerable": "不可容错的一方"}


# --- scenarios and their coverage ---------------------------------------------------------


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario as run, with the rules it made hold and those it found false, for each
    content hash it evaluated under."""

    file: str  # relative to the ruleset folder: never a path on the server
    line: int
    name: str
    passed: bool
    held: dict[str, frozenset[str]]
    failed_rules: dict[str, frozenset[str]]


@dataclass
class ScenarioReport:
    """Every scenario of one ruleset as run once, and the coverage of each version they
    evaluated (by content hash), exactly as ``rongcuo test`` measures it."""

    scenarios: list[ScenarioRun] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    error: str = ""  # a scenario file that cannot be read or parsed
    files: int = 0

    def holding(self, content_hash: str, rule_id: str) -> list[ScenarioRun]:
        """The scenarios that made ``rule_id`` hold under ``content_hash``."""
        return [s for s in self.scenarios if rule_id in s.held.get(content_hash, frozenset())]

    def refuting(self, content_hash: str, rule_id: str) -> list[ScenarioRun]:
        """The scenarios that found ``rule_id`` false under ``content_hash``."""
        return [
            s for s in self.scenarios if rule_id in s.failed_rules.get(content_hash, frozenset())
        ]


def held_rules(decision: Decision) -> tuple[frozenset[str], frozenset[str]]:
    """The rules a decision found true and those it found false: its trace, a referral
    situation claimed and referred (it has no condition), a clearing rule for any allegation
    (the same count ``rongcuo test`` makes)."""
    held = {t.rule for t in decision.trace if t.value == "true"}
    false = {t.rule for t in decision.trace if t.value == "false"}
    held |= {c.id for c in decision.claimed_situations if c.status == "referred_to_committee"}
    if decision.clearing is not None:
        for item in decision.clearing.allegations:
            held |= {r.id for r in item.rules if r.value == "true"}
            false |= {r.id for r in item.rules if r.value == "false"}
    return frozenset(held), frozenset(false - held)


class _RecordingRunner(Runner):
    """The scenario runner of ``rongcuo test``, remembering which decisions each scenario
    made."""

    def __init__(self, engine: Engine, ruleset_id: str) -> None:
        super().__init__(engine, ruleset_id)
        self.runs: list[tuple[ScenarioResult, list[tuple[Ruleset, Decision]]]] = []

    def run_pickle(
        self, path: Path, pickle: dict[str, Any], lines: dict[str, int]
    ) -> ScenarioResult:
        start = len(self.decisions)
        result = super().run_pickle(path, pickle, lines)
        self.runs.append((result, self.decisions[start:]))
        return result


def run_scenario_report(engine: Engine, ruleset_id: str, folder: Path) -> ScenarioReport:
    """Run the scenarios of the ruleset in ``folder`` on ``engine``: each scenario's rules,
    and the coverage of each version evaluated."""
    files = scenario_files(folder)
    report = ScenarioReport(files=len(files))
    runner = _RecordingRunner(engine, ruleset_id)
    try:
        for path in files:
            runner.run_file(path)
    except InputError as exc:
        report.error = "；".join(d.message_zh for d in exc.diagnostics)
    for result, decisions in runner.runs:
        held: dict[str, set[str]] = {}
        false: dict[str, set[str]] = {}
        for rs, decision in decisions:
            yes, no = held_rules(decision)
            held.setdefault(rs.content_hash, set()).update(yes)
            false.setdefault(rs.content_hash, set()).update(no)
        report.scenarios.append(
            ScenarioRun(
                file=_relative(Path(result.file), folder),
                line=result.line,
                name=result.name,
                passed=result.passed,
                held={h: frozenset(v) for h, v in held.items()},
                failed_rules={h: frozenset(v - held[h]) for h, v in false.items()},
            )
        )
    hashes = dict.fromkeys(rs.content_hash for rs, _ in runner.decisions)
    for content_hash in hashes:
        one = Runner(engine, ruleset_id)
        one.decisions = [(rs, d) for rs, d in runner.decisions if rs.content_hash == content_hash]
        report.coverage[content_hash] = one.coverage()[0]
    return report


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


class CoverageCache:
    """The scenario report of each ruleset, run once for each set of content hashes and
    scenario files (a changed scenario or version file runs them again); kept in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[tuple[str, ...], ScenarioReport] = {}
        self._running: dict[tuple[str, ...], threading.Lock] = {}
        self.runs = 0  # how many times scenarios were run (for the tests)

    def report(self, engine: Engine, rs: Ruleset, folder: Path) -> ScenarioReport:
        """The scenario report of ``rs``'s ruleset, run now only if not yet run for this
        content hash and these scenario files."""
        key = (rs.id, rs.content_hash, _digest(scenario_files(folder)))
        with self._lock:
            if key in self._reports:
                return self._reports[key]
            running = self._running.setdefault(key, threading.Lock())
        with running:  # one run for a key, however many pages ask at once
            with self._lock:
                if key in self._reports:
                    return self._reports[key]
            made = run_scenario_report(engine, rs.id, folder)
            with self._lock:
                self._reports[key] = made
                self.runs += 1
                self._running.pop(key, None)
            return made


def _digest(files: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in files:
        sha.update(path.name.encode())
        try:
            sha.update(path.read_bytes())
        except OSError:
            sha.update(b"\0unreadable")
    return sha.hexdigest()


# --- what the templates show --------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a rule (or parameter) comes from: ``own`` (defined here), ``replaces`` (replaces
    the rule of the same id of ``base``) or ``inherited`` (from ``base``)."""

    kind: str
    base: str
    text: str


@dataclass(frozen=True)
class Cite:
    """A citation as a page quotes it."""

    doc_title: str
    clause: str
    text: str


@dataclass(frozen=True)
class RuleView:
    """One rule as a page shows it."""

    id: str
    kind: str
    kind_zh: str
    label: str
    prose: str
    cite: Cite | None
    origin: Origin
    note: str
    referral: bool
    covered: bool | None  # None: its kind is not counted by the coverage
    extra: list[tuple[str, str]]  # what its kind adds: (what, value)
    replaced: RuleView | None = None  # the base's rule it replaces
    finding: str = ""  # a look rule's finding (favourable, unfavourable, neutral)
    step: int | None = None  # a decision-order rule's step


class View:
    """The pieces of one effective ruleset that its pages show, built from the ruleset, its
    version files and the ruleset it extends."""

    def __init__(
        self,
        rs: Ruleset,
        base: Ruleset | None,
        chain: list[RulesetFile],
        report: ScenarioReport | None,
    ) -> None:
        self.rs = rs
        self.base = base
        self.chain = chain
        self.report = report
        self.coverage = None if report is None else report.coverage.get(rs.content_hash)
        uncovered = set() if self.coverage is None else {u.id for u in self.coverage.uncovered}
        self._uncovered = uncovered

    def cite(self, c: Citation | None) -> Cite | None:
        """A citation with its document's title."""
        if c is None:
            return None
        doc = self.rs.documents.get(c.doc)
        if doc is None and self.base is not None:
            doc = self.base.documents.get(c.doc)
        title = doc.title if doc is not None else c.doc
        if doc is not None and doc.number:
            title = f"{title}（{doc.number}）"
        return Cite(title, c.clause, c.text)

    def origin(self, owner: str, replaces: bool) -> Origin:
        """Where something declared by the file ``owner`` comes from, seen from this ruleset."""
        rs = self.rs
        base = self.base.id if self.base is not None else ""
        if owner and owner != rs.id:
            return Origin("inherited", owner, f"继承自 {owner}（未作改动）")
        if replaces:
            return Origin("replaces", base, f"本规则集替换了 {base} 的同名规则")
        return Origin("own", "", "本规则集定义")

    def rule(self, r: Rule, with_base: bool = True) -> RuleView:
        """A rule as a page shows it."""
        rs = self.rs
        replaced = None
        if with_base and r.replaces and self.base is not None and r.id in self.base.rules:
            base_view = View(self.base, None, self.chain[:-1], None)
            replaced = base_view.rule(self.base.rules[r.id], with_base=False)
        return RuleView(
            id=r.id,
            kind=r.kind,
            kind_zh=KIND_ZH.get(r.kind, r.kind),
            label=r.label,
            prose=condition_zh(r.when, rs),
            cite=self.cite(r.cite),
            origin=self.origin(r.ruleset, r.replaces),
            note=r.note,
            referral=r.referral,
            covered=None
            if r.kind not in COVERED_KINDS or self.coverage is None
            else r.id not in self._uncovered,
            extra=self._extra(r),
            replaced=replaced,
            finding=r.finding,
            step=r.step if r.kind == "outcome" else None,
        )

    def _extra(self, r: Rule) -> list[tuple[str, str]]:
        rs = self.rs
        out: list[tuple[str, str]] = []
        if r.referral:
            out.append(("认定方式", "无列明的条件：申请人援引的，提请党委（党组）研究认定"))
        if r.pairs_with:
            paired = rs.rules.get(r.pairs_with)
            out.append(("不满足时计为", paired.label if paired else r.pairs_with))
        if r.look:
            look = rs.looks.get(r.look)
            out.append(("所属一看", look.label if look else r.look))
        if r.finding:
            out.append(("成立时该看的结论", FINDING_ZH.get(r.finding, r.finding)))
        if r.distinction:
            d = rs.distinctions.get(r.distinction)
            out.append(("所属区分", d.label if d else r.distinction))
        if r.side:
            out.append(("成立时归于", SIDE_ZH.get(r.side, r.side)))
        if r.kind == "outcome":
            outcome = rs.outcomes.get(r.outcome)
            out.append(("认定顺序", f"第 {r.step} 步"))
            out.append(("成立时认定为", outcome.label if outcome else r.outcome))
        if r.method and rs.clearing is not None:
            named = {m.id: m.label for m in rs.clearing.methods}
            out.append(("澄清方式", named.get(r.method, r.method)))
        if r.handling and rs.clearing is not None:
            named = {h.id: h.label for h in rs.clearing.handlings}
            out.append(("对举报人的处理", named.get(r.handling, r.handling)))
        return out

    def rules_of(self, *kinds: str) -> list[RuleView]:
        """The rules of ``kinds``: this ruleset's own in the order its file declares them (its
        clause order: 第五条第（一）项 …), then the inherited ones in theirs."""
        own = {r.id: i for i, r in enumerate(self.chain[-1].rules)} if self.chain else {}
        rules = [r for r in self.rs.rules.values() if r.kind in kinds]
        ranked = sorted(
            enumerate(rules),
            key=lambda pair: (0, own[pair[1].id]) if pair[1].id in own else (1, pair[0]),
        )
        return [self.rule(r) for _, r in ranked]

    def sections(self) -> list[dict[str, Any]]:
        """The sections of plain rules (situations … aggravating grounds) that have rules."""
        out = []
        for kind, title, anchor in RULE_SECTIONS:
            rules = self.rules_of(kind)
            if rules:
                out.append({"kind": kind, "title": title, "anchor": anchor, "rules": rules})
        return out

    def looks(self) -> list[dict[str, Any]]:
        """The six looks: each with its question, the facts declared to inform it, and its
        rules by what they find."""
        rs = self.rs
        out = []
        for look in rs.looks.values():
            facts = [
                {"id": f.id, "label": f.label, "question": f.question}
                for f in rs.facts.values()
                if look.id in f.looks
            ]
            rules = [
                self.rule(r) for r in rs.rules.values() if r.kind == "look" and r.look == look.id
            ]
            out.append(
                {
                    "id": look.id,
                    "label": look.label,
                    "question": look.question,
                    "facts": facts,
                    "rules": rules,
                }
            )
        return out

    def distinctions(self) -> list[dict[str, Any]]:
        """The three distinctions with the rules of each side."""
        rs = self.rs
        return [
            {
                "label": d.label,
                "tolerable": d.tolerable,
                "intolerable": d.intolerable,
                "rules": [
                    self.rule(r)
                    for r in rs.rules.values()
                    if r.kind == "distinction" and r.distinction == d.id
                ],
            }
            for d in rs.distinctions.values()
        ]

    def order(self) -> list[RuleView]:
        """The decision order's rules, step by step."""
        rules = sorted(self.rs.rules_of("outcome"), key=lambda r: r.step)
        return [self.rule(r) for r in rules]

    def procedure(self) -> dict[str, Any]:
        """The procedure's steps with their time limits, where the procedure comes from, and
        the parameters with their values and clauses."""
        rs = self.rs
        owner = next((f.id for f in reversed(self.chain) if f.procedure), "")
        steps = [
            {
                "label": s.label,
                "description": s.description,
                "limit": self.limit(s.time_limit),
                "cite": self.cite(s.cite),
            }
            for s in rs.procedure
        ]
        params = [
            {
                "id": p.id,
                "label": p.label,
                "value": p.display(),
                "cite": self.cite(p.cite),
                "origin": self.origin(p.ruleset, p.replaces),
            }
            for p in rs.parameters.values()
        ]
        return {"steps": steps, "origin": self.origin(owner, False), "parameters": params}

    def limit(self, t: TimeLimit | None) -> str:
        """A time limit in words: 15个工作日（自受理申请或启动程序之日起），可延长15个工作日."""
        if t is None:
            return "不设固定期限"
        text = f"{t.working_days}个工作日"
        if t.working_days_param in self.rs.parameters:
            text += f"（参数「{self.rs.parameters[t.working_days_param].label}」）"
        if t.anchor:
            text = f"自{ANCHORS.get(t.anchor, t.anchor)}起{text}"
        elif t.starts:
            text = f"自{t.starts}起{text}"
        if t.extendable_by:
            text += f"，可延长{t.extendable_by}个工作日"
        return text

    def clearing(self) -> dict[str, Any] | None:
        """The clearing block and the clearing rules (None when there are neither)."""
        rs = self.rs
        rules = self.rules_of("strike", "clearing", "clearing_method", "reporter_handling")
        c = rs.clearing
        if c is None and not rules:
            return None

        def named(items: Any) -> list[dict[str, Any]]:
            return [
                {"label": n.label, "definition": n.definition, "cite": self.cite(n.cite)}
                for n in items
            ]

        return {
            "by": c.by if c else "",
            "by_cite": self.cite(c.by_cite) if c else None,
            "deadline": self.limit(c.deadline) if c and c.deadline else "",
            "deadline_cite": self.cite(c.deadline_cite) if c else None,
            "kinds": named(c.kinds) if c else [],
            "methods": named(c.methods) if c else [],
            "handlings": named(c.handlings) if c else [],
            "groups": [
                (KIND_ZH[k], [r for r in rules if r.kind == k])
                for k in ("strike", "clearing", "clearing_method", "reporter_handling")
                if any(r.kind == k for r in rules)
            ],
        }

    def outcomes(self) -> list[dict[str, Any]]:
        """The outcomes, lightest first, with what follows each."""
        rs = self.rs
        ranked = sorted(rs.outcomes.values(), key=lambda o: (o.rank is None, o.rank or 0))
        return [
            {
                "id": o.id,
                "label": o.label,
                "rank": o.rank,
                "effects": [
                    {"text": e.text, "cite": self.cite(e.cite)}
                    for e in rs.effects.values()
                    if e.outcome == o.id
                ],
            }
            for o in ranked
        ]

    def disabled(self) -> list[dict[str, str]]:
        """The inherited rules this ruleset's own files switch off (``disable``)."""
        out = []
        for f in self.chain[1:]:
            for name, _ in f.disable:
                label = name
                if self.base is not None and name in self.base.rules:
                    label = self.base.rules[name].label
                out.append({"id": name, "label": label, "by": f.id})
        return out

    def documents(self) -> list[dict[str, Any]]:
        """The documents the ruleset declares, with how many of its rules cite each."""
        cited: dict[str, int] = {}
        for r in self.rs.rules.values():
            if r.cite is not None:
                cited[r.cite.doc] = cited.get(r.cite.doc, 0) + 1
        return [
            {
                "title": d.title,
                "number": d.number,
                "date": d.date.isoformat() if d.date else "",
                "issuer": d.issuer,
                "note": d.note,
                "rules": cited.get(d.id, 0),
            }
            for d in self.rs.documents.values()
        ]

    def coverage_summary(self) -> dict[str, Any] | None:
        """N/M rules covered and the percentage, by kind (None: not measured)."""
        c = self.coverage
        if c is None:
            return None
        return {
            "covered": c.covered,
            "total": c.total,
            "percent": f"{c.percent:.1f}",
            "by_kind": [
                (KIND_ZH.get(k, k), done, total) for k, (done, total) in c.by_kind.items() if total
            ],
            "uncovered": [(u.id, u.label) for u in c.uncovered],
        }


# --- the routes ---------------------------------------------------------------------------


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
