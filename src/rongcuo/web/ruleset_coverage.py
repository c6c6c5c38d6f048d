"""The scenarios of a ruleset and their coverage, for its pages: takes an Engine and a ruleset
folder, gives a :class:`ScenarioReport` (each scenario run once as ``rongcuo test`` runs it,
with the rules it made hold and those it found false, and the coverage of each version by
content hash); :class:`CoverageCache` keeps one report for each content hash and set of
scenario files in memory.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rongcuo.api import Engine
from rongcuo.authoring.testrun import Coverage, Runner, ScenarioResult, scenario_files
from rongcuo.decision.model import Decision
from rongcuo.errors import InputError
from rongcuo.ruleset.model import Ruleset


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
