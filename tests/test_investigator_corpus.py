"""The investigator corpus: case files written as an inquiry report states a case.

Each file in ``examples/investigator/`` holds only the facts its narrative states; what it leaves
out is read as catalogue §6 "Facts not stated" says. Its first line is the outcome a careful
policy officer gives by reading the catalogue (decided without running the engine), its second
line why. Every file must reach that outcome on both engines, with the same decision.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

import rongcuo

from .conftest import ROOT, expected_outcome, ruleset_of

CORPUS = sorted((ROOT / "examples" / "investigator").glob("*.yaml"))
OUTCOMES = {"tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer"}
#: The outcome as a file name ends with it (``…-not-tolerate.yaml``, ``…-insufficient.yaml``).
NAME_ENDING = {
    "tolerate": "tolerate",
    "mitigate": "mitigate",
    "not_tolerate": "not-tolerate",
    "insufficient_facts": "insufficient",
    "refer": "refer",
}
#: The assessment date the corpus is decided on (after every incident date in it).
AS_OF = dt.date(2026, 12, 1)
#: How a case file says a fact is not yet known (catalogue §6.1 "stated unknown").
STATED_UNKNOWN = {"unknown", "不明", None}
#: An investigator writes a few facts a case, not the whole vocabulary.
MAX_FACTS = 14


def _case(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path.name
    return data


def _facts(path: Path) -> dict[str, object]:
    facts = _case(path)["facts"]
    assert isinstance(facts, dict), path.name
    return facts


def test_corpus_covers_every_outcome_at_least_four_times() -> None:
    assert len(CORPUS) >= 32
    counts = Counter(expected_outcome(p) for p in CORPUS)
    assert set(counts) == OUTCOMES
    assert min(counts.values()) >= 4, counts


def test_corpus_spans_the_three_rulesets_and_five_work_areas() -> None:
    assert {ruleset_of(p) for p in CORPUS} == {"wanzhou", "mianyang", "national"}
    areas: set[object] = set()
    for path in CORPUS:
        area = _facts(path)["work_area"]
        areas.update(area if isinstance(area, list) else [area])
    assert len(areas) >= 5, areas


def test_corpus_holds_stated_unknowns_and_multi_valued_work_areas() -> None:
    unknown = [p.name for p in CORPUS if STATED_UNKNOWN & set(map(_hashable, _facts(p).values()))]
    assert len(unknown) >= 3, unknown
    listed = [p.name for p in CORPUS if isinstance(_facts(p)["work_area"], list)]
    assert len(listed) >= 2, listed


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_file_states_its_outcome_reading_narrative_and_few_facts(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    outcome = expected_outcome(path)
    assert outcome in OUTCOMES
    assert path.stem.endswith("-" + NAME_ENDING[outcome])
    assert lines[1].startswith("# reading: ") and lines[1].removeprefix("# reading: ").strip()
    case = _case(path)
    narrative = case.get("narrative")
    assert isinstance(narrative, str) and narrative.strip()
    assert 1 <= len(_facts(path)) <= MAX_FACTS


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_investigator_case_outcome(
    path: Path, engine: rongcuo.Engine, reference: rongcuo.Engine
) -> None:
    rid = ruleset_of(path)
    default = engine.evaluate(path, ruleset=rid, as_of=AS_OF)
    plain = reference.evaluate(path, ruleset=rid, as_of=AS_OF)
    assert default.outcome == expected_outcome(path), default.reason_zh
    # The two engines agree on everything but their own name and version.
    a = json.loads(default.to_json())
    b = json.loads(plain.to_json())
    a.pop("engine")
    b.pop("engine")
    assert a == b
