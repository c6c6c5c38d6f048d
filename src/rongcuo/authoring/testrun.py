"""``rongcuo test``: run a ruleset's Gherkin scenarios and measure its rule coverage.

A ruleset folder keeps its scenarios beside its versions, in ``<folder>/scenarios/*.feature``
(Chinese Gherkin, ``# language: zh-CN``). Each scenario (outlines expanded into one per example
row) runs on a fresh case with the step library of :mod:`.scenario`. Coverage counts, for the
ruleset under test, which situations, exclusions, preconditions, look rules, decision-order
rules and clearing rules held in at least one scenario (a referral situation, which has no
condition, when a claim of it was referred; a clearing rule when it held for one allegation of
one scenario; an assessment ruleset's rule when it decided an assessment): a rule no scenario
ever makes hold is a rule no scenario tests.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from gherkin.token_scanner import TokenScanner

from rongcuo.api import Engine
from rongcuo.assessment import Assessor, parse_input
from rongcuo.assessment.computed import DEFAULT_PERIODS
from rongcuo.assessment.model import Assessment
from rongcuo.authoring.scenario import (
    COVERED_KINDS,
    ScenarioState,
    StepFailed,
    StepKind,
    StepNotFound,
    kind_label,
    run_step,
)
from rongcuo.case.envelope import CaseSource
from rongcuo.decision.model import Decision
from rongcuo.errors import Diagnostic, InputError, Location, RongcuoError
from rongcuo.ruleset.model import Ruleset

_KIND = {"Context": "given", "Action": "when", "Outcome": "then"}


@dataclass(frozen=True)
class StepResult:
    """One step as run: passed, failed (with why), or skipped after a failure."""

    text: str
    line: int
    status: str  # passed | failed | undefined | skipped
    message: str = ""


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario (one example row of an outline) and its steps."""

    file: str
    line: int
    name: str
    steps: list[StepResult]

    @property
    def passed(self) -> bool:
        return all(s.status == "passed" for s in self.steps)


@dataclass(frozen=True)
class Uncovered:
    """A rule no scenario made hold."""

    id: str
    kind: str
    label: str
    where: str


@dataclass(frozen=True)
class Coverage:
    """Rule coverage of one ruleset version by the scenarios."""

    ruleset: str
    version: str
    total: int
    covered: int
    by_kind: dict[str, tuple[int, int]]  # kind → (covered, total)
    uncovered: list[Uncovered]

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


@dataclass
class TestReport:
    """All scenarios run for a ruleset, and its coverage."""

    ruleset: str
    scenarios: list[ScenarioResult] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [s for s in self.scenarios if not s.passed]

    def min_coverage(self) -> float:
        return min((c.percent for c in self.coverage), default=0.0)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "ruleset": self.ruleset,
            "scenarios": [{**asdict(s), "passed": s.passed} for s in self.scenarios],
            "coverage": [{**asdict(c), "percent": round(c.percent, 1)} for c in self.coverage],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def scenario_files(folder: Path) -> list[Path]:
    """The ``.feature`` files of a ruleset folder (``scenarios/`` and the folder itself)."""
    return sorted({*folder.glob("*.feature"), *folder.glob("scenarios/**/*.feature")})


def parse_feature(path: Path) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Pickles (scenarios with outlines expanded) and a map of AST node id → line."""
    try:
        text = path.read_text(encoding="utf-8")
        doc: Any = Parser().parse(TokenScanner(text))
    except (CompositeParserException, ParserError) as exc:
        errors = getattr(exc, "errors", [exc])
        raise InputError([_syntax_error(path, e) for e in errors]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [
                Diagnostic(
                    "RC000", Location(str(path)), f"无法读取场景文件：{exc}", f"cannot read: {exc}"
                )
            ]
        ) from None
    doc["uri"] = str(path)
    lines: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "id" in node and isinstance(node.get("location"), dict):
                lines[str(node["id"])] = int(node["location"]["line"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    pickles: list[dict[str, Any]] = [dict(p) for p in Compiler().compile(doc)]
    return pickles, lines


def _syntax_error(path: Path, exc: Any) -> Diagnostic:
    loc = getattr(exc, "location", None) or {}
    line = int(loc.get("line", 0) or 0)
    message = str(exc).split(": ", 1)[-1]
    return Diagnostic(
        "RC601",
        Location(str(path), line, int(loc.get("column", 0) or 0)),
        f"场景文件语法错误：{message}",
        f"scenario file syntax error: {message}",
        "第一行写 `# language: zh-CN`；关键词：功能、场景、场景大纲、例子、背景、假如、当、那么、并且 "
        "start with `# language: zh-CN`; see docs/scenario.md",
    )


class Runner:
    """Runs scenarios on one Engine; collects decisions for coverage."""

    def __init__(self, engine: Engine, ruleset_id: str) -> None:
        self.engine = engine
        self.ruleset_id = ruleset_id
        self.decisions: list[tuple[Ruleset, Decision]] = []
        self.assessments: list[tuple[Ruleset, Assessment]] = []
        self._assessors: dict[str, Assessor] = {}

    def _assess(self, data: dict[str, Any], rid: str, on: dt.date) -> Assessment:
        """An assessment on ``on`` under ``rid``, its impact periods by national's parameters
        (as ``rongcuo assess`` reads them by default)."""
        rs = self.engine.ruleset(rid, on)
        assessor = self._assessors.get(rs.content_hash)
        if assessor is None:
            assessor = Assessor(rs, self.engine.evaluator(rs))
            self._assessors[rs.content_hash] = assessor
        item = parse_input(data, CaseSource("<scenario>"))
        periods = self.engine.ruleset(DEFAULT_PERIODS, on) if item.sanction else None
        found = assessor.assess(item, as_of=on, periods=periods)
        if rid == self.ruleset_id:
            self.assessments.append((rs, found))
        return found

    def _resolve(self, rid: str, on: dt.date) -> Ruleset:
        return self.engine.ruleset(rid, on)

    def _evaluate(self, case: dict[str, Any], rid: str) -> Decision:
        decision = self.engine.evaluate(case, ruleset=rid)
        if rid == self.ruleset_id:
            on = dt.date.fromisoformat(decision.case.incident_date)
            self.decisions.append((self.engine.ruleset(rid, on), decision))
        return decision

    def run_file(self, path: Path) -> list[ScenarioResult]:
        pickles, lines = parse_feature(path)
        return [self.run_pickle(path, p, lines) for p in pickles]

    def run_pickle(
        self, path: Path, pickle: dict[str, Any], lines: dict[str, int]
    ) -> ScenarioResult:
        state = ScenarioState(resolve=self._resolve, evaluate=self._evaluate, assess=self._assess)
        results: list[StepResult] = []
        failed = False
        kind: StepKind = "given"
        for step in pickle["steps"]:
            line = lines.get(str(step["astNodeIds"][0]), 0)
            kind = _KIND.get(step.get("type", ""), kind)  # type: ignore[assignment]
            if failed:
                results.append(StepResult(step["text"], line, "skipped"))
                continue
            try:
                run_step(kind, step["text"], state)
                results.append(StepResult(step["text"], line, "passed"))
            except StepNotFound as exc:
                failed = True
                results.append(StepResult(step["text"], line, "undefined", str(exc)))
            except (StepFailed, RongcuoError) as exc:
                failed = True
                results.append(StepResult(step["text"], line, "failed", _message(exc)))
        name = pickle["name"]
        row = pickle["astNodeIds"][1:]  # an outline's example row
        if row:
            name += f"（例子第 {lines.get(str(row[0]), 0)} 行）"
        return ScenarioResult(str(path), int(pickle["location"]["line"]), name, results)

    def coverage(self) -> list[Coverage]:
        by_version: dict[str, tuple[Ruleset, set[str]]] = {}
        for rs, decision in self.decisions:
            held = {t.rule for t in decision.trace if t.value == "true"}
            # a referral situation has no condition: it is exercised when claimed and referred
            held |= {
                c.id for c in decision.claimed_situations if c.status == "referred_to_committee"
            }
            # a clearing rule is evaluated once for each allegation: it counts when it held for
            # one allegation of one scenario
            if decision.clearing is not None:
                held |= {
                    r.id
                    for item in decision.clearing.allegations
                    for r in item.rules
                    if r.value == "true"
                }
            entry = by_version.setdefault(rs.content_hash, (rs, set()))
            entry[1].update(held)
        # an assessment rule counts when it decided: a later step's rule that holds as well
        # was never reached
        for rs, found in self.assessments:
            entry = by_version.setdefault(rs.content_hash, (rs, set()))
            entry[1].add(found.deciding_rule.id)
        out = []
        for rs, held in by_version.values():
            rules = [r for r in rs.rules.values() if r.kind in COVERED_KINDS]
            by_kind: dict[str, tuple[int, int]] = {}
            for kind in COVERED_KINDS:
                of_kind = [r for r in rules if r.kind == kind]
                by_kind[kind] = (sum(r.id in held for r in of_kind), len(of_kind))
            out.append(
                Coverage(
                    ruleset=rs.id,
                    version=rs.version,
                    total=len(rules),
                    covered=sum(r.id in held for r in rules),
                    by_kind=by_kind,
                    uncovered=[
                        Uncovered(r.id, r.kind, r.label, str(r.src))
                        for r in rules
                        if r.id not in held
                    ],
                )
            )
        return sorted(out, key=lambda c: c.version)


def _message(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return "\n".join(d.format() for d in exc.diagnostics)
    return str(exc)


def run_scenarios(engine: Engine, ruleset_id: str, files: Iterable[Path]) -> TestReport:
    """Run every scenario in ``files``; coverage is measured for ``ruleset_id``."""
    runner = Runner(engine, ruleset_id)
    report = TestReport(ruleset_id)
    for path in files:
        report.scenarios += runner.run_file(path)
    report.coverage = runner.coverage()
    return report


def render_report(report: TestReport, *, min_coverage: float | None = None) -> str:
    """The report in Chinese: each scenario, then the coverage table and the uncovered rules."""
    out: list[str] = []
    current = ""
    for s in report.scenarios:
        if s.file != current:
            current = s.file
            out += ["", current]
        mark = "✓" if s.passed else "✗"
        out.append(f"  {mark} 场景（第 {s.line} 行）：{s.name}")
        for step in s.steps:
            if step.status in ("failed", "undefined"):
                what = "未定义的步骤" if step.status == "undefined" else "未通过"
                out.append(f"      第 {step.line} 行「{step.text}」{what}：")
                out += [f"        {x}" for x in step.message.splitlines()]
    n, bad = len(report.scenarios), len(report.failed)
    out += ["", f"共 {n} 个场景：{n - bad} 个通过，{bad} 个未通过"]
    for c in report.coverage:
        out += [
            "",
            f"规则覆盖率 {c.ruleset} {c.version}：{c.percent:.1f}%（{c.covered}/{c.total}）",
        ]
        out.append("  | 种类 | 已覆盖 | 合计 |")
        for kind, (done, total) in c.by_kind.items():
            if total:  # a kind the ruleset has no rule of (an assessment's situations) says nothing
                out.append(f"  | {kind_label(kind)} | {done} | {total} |")
        if c.uncovered:
            out.append("  没有场景使之成立的规则：")
            out += [
                f"    {kind_label(u.kind)} {u.id}「{u.label}」（{u.where}）" for u in c.uncovered
            ]
        if min_coverage is not None and c.percent < min_coverage:
            out.append(f"  覆盖率低于要求的 {min_coverage:g}% coverage below --min-coverage")
    if not report.coverage:
        out += [
            "",
            f"没有场景按 {report.ruleset} 认定，无法计算覆盖率 no scenario evaluated {report.ruleset}",
        ]
    return "\n".join(out).lstrip("\n") + "\n"
