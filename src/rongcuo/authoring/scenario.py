"""Acceptance scenarios in Chinese Gherkin: the step library policy staff write with.

A scenario states facts (假如 …), evaluates (当 按 "wanzhou" 规则集认定) and checks the decision
(那么 …). Every step phrase lives in :data:`STEPS`, one table that serves three readers: the
``rongcuo test`` runner (:mod:`.testrun`), pytest-bdd (``features/test_features.py``
registers one catch-all step per keyword that dispatches here) and the docs (``rongcuo test
--steps`` prints the table). A step that matches no phrase fails with the closest phrases, not a
bare "step not found".

Facts, rules, looks and outcomes are named by id or by their Chinese label, so
``动机为 "出于公心"`` and ``事实 "motive" 为 "public"`` say the same thing. Names are resolved when
the case is evaluated, against the ruleset that evaluates it; an unknown name fails with a
did-you-mean.

A scenario's case reads as a case file does (catalogue §6): a fact it does not mention is read as
the ruleset presumes (or unknown, if it must be stated); a fact it states as not yet established
(``恶意串通尚未查明``, ``动机为 "不明"``) is unknown and blocks the presumption; ``案件材料未载明
恶意串通`` takes back a fact an earlier step (a background) stated, so it is presumed again.

The library is written in five modules, whose phrases this one joins in order: the frame
(:mod:`.scenario_steps`), what names mean (:mod:`.scenario_names`), the given and when steps
(:mod:`.scenario_case`), and the then steps on the decision (:mod:`.scenario_checks`) and on
clearing names (:mod:`.scenario_clearing`); an assessment ruleset's (reuse, warning) are
:mod:`.scenario_assess`'s. Here: dispatch, the not-found message and the table.
"""

from __future__ import annotations

import difflib

from rongcuo.authoring.scenario_assess import ASSESS_STEPS
from rongcuo.authoring.scenario_case import CASE_STEPS, CLEARED
from rongcuo.authoring.scenario_checks import CHECK_STEPS
from rongcuo.authoring.scenario_clearing import CLEARING_STEPS
from rongcuo.authoring.scenario_names import (
    CLEARING_KINDS,
    CONSENT,
    fact_id,
    fact_value,
    outcome_id,
    rule_id,
)
from rongcuo.authoring.scenario_steps import (
    Q,
    ScenarioState,
    Step,
    StepFailed,
    StepKind,
    StepNotFound,
)

__all__ = [
    "ASSESSMENT_STEPS",
    "CLEARED",
    "CLEARING_KINDS",
    "CONSENT",
    "COVERED_KINDS",
    "STEPS",
    "Q",
    "ScenarioState",
    "Step",
    "StepFailed",
    "StepKind",
    "StepNotFound",
    "assessment_step_table",
    "fact_id",
    "fact_value",
    "kind_label",
    "outcome_id",
    "rule_id",
    "run_step",
    "step_table",
]

#: Every step phrase, in the order the library writes them: the first that matches runs.
STEPS: list[Step] = [*CASE_STEPS, *CHECK_STEPS, *CLEARING_STEPS]
#: The phrases of an assessment ruleset's scenarios (reuse, warning), tried first: each begins
#: with words no other phrase does (受到、曾于、于 "…" 按、评估). Listed apart, in
#: docs/assessment.md (:func:`assessment_step_table`).
ASSESSMENT_STEPS: list[Step] = ASSESS_STEPS

_KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "look": "六看认定规则",
    "outcome": "认定顺序规则",
    "strike": "查否排除规则",
    "clearing": "澄清正名规则",
    "clearing_method": "澄清方式规则",
    "reporter_handling": "对举报人的处理规则",
}


def run_step(kind: StepKind, text: str, state: ScenarioState) -> None:
    """Run the library step that matches ``text``; :class:`StepNotFound` lists close phrases."""
    for step in (*ASSESSMENT_STEPS, *STEPS):
        if step.kind == kind and (m := step.pattern.match(text.strip())):
            step.run(state, **m.groupdict())
            return
    raise StepNotFound(_not_found(kind, text))


def _not_found(kind: StepKind, text: str) -> str:
    keyword = {"given": "假如", "when": "当", "then": "那么"}[kind]
    same = [s.example for s in (*ASSESSMENT_STEPS, *STEPS) if s.kind == kind]
    close = difflib.get_close_matches(text, same, n=3, cutoff=0.0)
    others = [
        s.example
        for s in STEPS
        if s.kind != kind and difflib.SequenceMatcher(None, text, s.example).ratio() > 0.6
    ]
    lines = [
        f"没有与「{keyword} {text}」匹配的步骤 no step matches '{text}'",
        "最接近的写法 closest phrases:",
    ]
    lines += [f"    {keyword} {c}" for c in close]
    if others:
        lines.append(
            "（这些是其他关键词下的步骤 under another keyword：" + "；".join(others) + "）"
        )
    lines.append("全部步骤见 all steps: rongcuo test --steps，或 docs/scenario.md")
    return "\n".join(lines)


def step_table(steps: list[Step] | None = None) -> str:
    """The step library as a Markdown table (for ``rongcuo test --steps`` and the docs)."""
    keyword = {"given": "假如", "when": "当", "then": "那么"}
    rows = ["| 关键词 | 写法示例 | 含义 |", "|---|---|---|"]
    rows += [f"| {keyword[s.kind]} | `{s.example}` | {s.doc} |" for s in steps or STEPS]
    return "\n".join(rows) + "\n"


def assessment_step_table() -> str:
    """The assessment phrases as a Markdown table (docs/assessment.md)."""
    return step_table(ASSESSMENT_STEPS)


#: The rule kinds coverage counts: a clearing rule counts when it held for some allegation.
COVERED_KINDS = tuple(_KIND_ZH)


def kind_label(kind: str) -> str:
    """A rule kind in Chinese (容错情形, 不予容错情形, …); an unknown kind as it is."""
    return _KIND_ZH.get(kind, kind)
