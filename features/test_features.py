"""Runs every Chinese Gherkin scenario under pytest-bdd with rongcuo's step library.

The features here and the scenarios each bundled ruleset keeps beside its versions
(``rulesets/<id>/scenarios``) are collected. One catch-all step per keyword hands the text to
the step library (:mod:`rongcuo.authoring.scenario`), so pytest-bdd and ``rongcuo test`` read
the same phrases, and an unknown phrase fails with the closest phrases instead of a bare "not
found".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

import rongcuo
from rongcuo.authoring.scenario import ScenarioState, run_step

scenarios("../rulesets/national/scenarios", "../rulesets/wanzhou/scenarios")
scenarios("../rulesets/mianyang/scenarios")

ANY = parsers.re(r"(?P<text>.+)")


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine() as e:
        yield e


@pytest.fixture
def state(engine: rongcuo.Engine) -> ScenarioState:
    return ScenarioState(
        resolve=engine.ruleset,
        evaluate=lambda case, rid: engine.evaluate(case, ruleset=rid),
    )


@given(ANY)
def given_step(state: ScenarioState, text: str) -> None:
    run_step("given", text, state)


@when(ANY)
def when_step(state: ScenarioState, text: str) -> None:
    run_step("when", text, state)


@then(ANY)
def then_step(state: ScenarioState, text: str) -> None:
    run_step("then", text, state)
