"""The step library's frame: what a scenario builds up and how a step phrase registers.

Takes nothing from a ruleset. Gives :class:`ScenarioState` (the case a scenario writes, then its
decision), :class:`Step` (one phrase: keyword, pattern, example, meaning, function),
:func:`step_registry` (the decorator each step module registers its phrases with, in order) and
the two failures a step raises: :class:`StepFailed` and :class:`StepNotFound`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from rongcuo.assessment.model import Assessment
from rongcuo.decision.model import Decision
from rongcuo.ruleset.model import Ruleset

StepKind = Literal["given", "when", "then"]


class StepFailed(AssertionError):
    """A step whose check does not hold, or that names something the ruleset does not have."""


class StepNotFound(LookupError):
    """No phrase of the step library matches a step; the message lists the closest phrases."""


@dataclass
class ScenarioState:
    """What a scenario builds up: the case (with facts by name), then the decision.

    The runner gives ``resolve`` (ruleset id, incident date → the ruleset in force) and
    ``evaluate`` (case dict, ruleset id → Decision), and for an assessment ruleset ``assess``
    (input dict, ruleset id, day → Assessment).
    """

    resolve: Callable[[str, dt.date], Ruleset]
    evaluate: Callable[[dict[str, Any], str], Decision]
    incident_date: str = "2024-05-01"
    facts: dict[str, Any] = field(default_factory=dict)  # name (id or label) → raw value
    claims: list[str] = field(default_factory=list)
    #: the allegations the case lists, by id: their fields as the steps wrote them
    allegations: dict[str, dict[str, Any]] = field(default_factory=dict)
    decision: Decision | None = None
    ruleset: Ruleset | None = None
    assess: Callable[[dict[str, Any], str, dt.date], Assessment] | None = None
    #: an assessment's input beyond the facts: the sanctions and the warning history
    sanctions: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    assessment: Assessment | None = None

    def require_assessment(self) -> Assessment:
        if self.assessment is None:
            raise StepFailed('还没有评估：先写一步「当 于 "<评估日期>" 按 "<规则集>" 规则集评估」')
        return self.assessment

    def require_decision(self) -> tuple[Decision, Ruleset]:
        if self.decision is None or self.ruleset is None:
            raise StepFailed('还没有认定：先写一步「当 按 "<规则集>" 规则集认定」')
        return self.decision, self.ruleset


@dataclass(frozen=True)
class Step:
    """A step phrase: its keyword, its pattern, an example, and what it does."""

    kind: StepKind
    pattern: re.Pattern[str]
    example: str
    doc: str
    run: Callable[..., None]


#: What a step runs: the state, then the pattern's named groups as keyword arguments.
StepRun = Callable[..., None]


def step_registry(
    steps: list[Step],
) -> Callable[[StepKind, str, str, str], Callable[[StepRun], StepRun]]:
    """A decorator factory ``(kind, regex, example, doc)`` that appends the decorated function,
    with its phrase, to ``steps`` (so ``steps`` keeps the order the phrases are written in)."""

    def phrase(kind: StepKind, regex: str, example: str, doc: str) -> Callable[[StepRun], StepRun]:
        def register(func: StepRun) -> StepRun:
            steps.append(Step(kind, re.compile(f"^{regex}$"), example, doc, func))
            return func

        return register

    return phrase


Q = r'"(?P<{}>[^"]*)"'  # a quoted argument


def quoted(name: str) -> str:
    """The pattern of a quoted argument captured as ``name``."""
    return Q.format(name)
