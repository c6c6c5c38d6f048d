"""The clearing corpus: case files whose allegations the inquiry found untrue, mistaken,
fabricated, partly substantiated or still open (catalogue §10, §7 step 0).

Each file in ``examples/clearing/`` is written as an investigator writes a case: its narrative,
the few facts it states, and the allegations with their findings. Its name ends with the outcome
a careful policy officer gives by reading the catalogue (``…-cleared.yaml``,
``…-not-tolerate.yaml``), its first line says the same (``# expect: cleared``) and its second
line why. Every file must reach that outcome on both backends, with byte-identical decision
JSON but for the engine's name, and its clearing section must say, for each allegation, what the
catalogue says: struck or not, cleared / pending / not cleared, the clearing methods, what
becomes of the reporter, the false-accusation kind and the facts the clearing still waits on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

import rongcuo
from rongcuo.decision.model import Decision

from .conftest import BACKENDS, ROOT, expected_outcome, requires_durable, ruleset_of

CORPUS = sorted((ROOT / "examples" / "clearing").glob("*.yaml"))
#: The outcome as a file name ends with it, longest ending first (``-not-tolerate`` before
#: ``-tolerate``).
NAME_ENDING = {
    "not-tolerate": "not_tolerate",
    "insufficient": "insufficient_facts",
    "cleared": "cleared",
    "tolerate": "tolerate",
    "mitigate": "mitigate",
    "refer": "refer",
}
#: The assessment date the corpus is decided on (after every incident and conclusion in it).
AS_OF = dt.date(2026, 12, 1)


def outcome_from_name(path: Path) -> str:
    """The outcome a file's name ends with."""
    for ending, outcome in NAME_ENDING.items():
        if path.stem.endswith("-" + ending):
            return outcome
    raise AssertionError(f"{path.name}: the name does not end with an outcome")


class Expect(NamedTuple):
    """What the clearing section says of one allegation."""

    struck: str
    clearing: str
    methods: tuple[str, ...]
    handlings: tuple[str, ...]
    kind: str | None = None
    pending: tuple[str, ...] = ()


_W = "cl_written"
_F2F = "cl_face_to_face"  # Wanzhou: 当面告知, always beside the written notice
_MEET = "cl_meeting"
_IND = "cl_individual"  # Wanzhou: 个别说明, within the unit
_BULL = "cl_bulletin"
_LETTER = "cl_letter_to_unit"
_NOTICE = "cl_public_notice"
_FEED = "cl_feedback_to_reporter"
#: a substantiated allegation: not struck, not cleared, nothing for the reporter (anonymous)
_TRUE = Expect("false", "not_cleared", (), ())

#: The clearing section of each file, allegation by allegation, as the catalogue reads it.
CLEARING: dict[str, dict[str, Expect]] = {
    "wz-c01-forged-transfer-screenshot-cleared": {
        "A1": Expect(
            "true",
            "clear",
            (_W, _F2F, _LETTER, _NOTICE),
            ("referred",),
            "fa_unmet_improper_demand",
        )
    },
    "wz-c02-selection-nepotism-post-pilot-lapse-tolerate": {
        "A1": Expect(
            "true",
            "clear",
            (_W, _F2F, _LETTER, _NOTICE),
            ("referred",),
            "fa_disrupt_election_selection",
        ),
        "A2": _TRUE,
    },
    "wz-c03-revenge-slander-by-dismissed-clerk-cleared": {
        "A1": Expect(
            "true", "clear", (_W, _F2F, _BULL, _LETTER), ("referred",), "fa_revenge_slander"
        )
    },
    "wz-c04-relief-goods-transfer-misunderstood-cleared": {
        "A1": Expect("true", "clear", (_W, _F2F, _BULL, _LETTER, _FEED), ("educated", "feedback"))
    },
    "wz-c05-anonymous-letter-untrue-closed-cleared": {
        "A1": Expect("true", "clear", (_W, _F2F, _MEET, _IND), ("closed",))
    },
    "wz-c06-fabricated-meeting-minutes-kind-unnamed-cleared": {
        "A1": Expect("true", "clear", (_W, _F2F, _MEET, _IND), ("referred",), "fa_other")
    },
    "wz-c07-subsidy-partly-substantiated-mitigate": {
        # partly substantiated: not struck (it is decided), but its untrue part is cleared
        "A1": Expect("false", "clear", (_W, _F2F, _BULL, _LETTER, _FEED), ("feedback",)),
        "A2": Expect("true", "clear", (_W, _F2F, _BULL, _LETTER, _FEED), ("educated", "feedback")),
    },
    "wz-c08-contract-splitting-true-bribe-untrue-not-tolerate": {
        "A1": Expect("false", "not_cleared", (), ("feedback",)),
        "A2": Expect("true", "clear", (_W, _F2F, _MEET, _FEED, _IND), ("closed", "feedback")),
    },
    "wz-c09-cadre-declines-clearing-cleared": {
        "A1": Expect("true", "not_cleared", (), ("closed",))
    },
    "wz-c10-consent-not-yet-sought-cleared": {
        "A1": Expect(
            "true",
            "pending",
            (_W, _F2F, _BULL, _LETTER),
            ("referred",),
            "fa_fabricate_distort",
            ("cadre_consents_to_clearing",),
        )
    },
    "wz-c11-political-smear-public-cleared": {
        "A1": Expect(
            "true", "clear", (_W, _F2F, _LETTER, _NOTICE), ("referred",), "fa_political_smear"
        )
    },
    "wz-c12-second-allegation-still-open-insufficient": {
        "A1": Expect(
            "true",
            "clear",
            (_W, _F2F, _BULL, _LETTER),
            ("referred",),
            "fa_unmet_improper_demand",
        ),
        "A2": Expect("unknown", "pending", (), (), None, ("allegation_finding",)),
    },
    "wz-c13-open-allegation-private-gain-not-tolerate": {
        "A1": _TRUE,
        "A2": Expect(
            "unknown",
            "pending",
            (),
            (),
            None,
            ("allegation_finding", "cadre_consents_to_clearing"),
        ),
    },
    "wz-c14-three-allegations-all-struck-cleared": {
        "A1": Expect("true", "clear", (_W, _F2F, _MEET, _IND), ("closed",)),
        "A2": Expect("true", "clear", (_W, _F2F, _BULL, _LETTER, _FEED), ("educated", "feedback")),
        "A3": Expect(
            "true", "clear", (_W, _F2F, _LETTER, _NOTICE), ("referred",), "fa_fabricate_distort"
        ),
    },
    "nat-c15-obstruct-investigation-cleared": {
        "A1": Expect("true", "clear", (_W, _MEET), ("referred",), "fa_obstruct_investigation")
    },
    "nat-c16-signed-report-untrue-informed-cleared": {
        # the reporter was already told: closed, and no second written feedback (neither as a
        # handling nor as a clearing method)
        "A1": Expect("true", "clear", (_W, _MEET), ("closed",))
    },
    "my-c17-online-rumour-untrue-cleared": {
        "A1": Expect("true", "clear", (_W, _LETTER, _NOTICE), ("closed",))
    },
    "my-c18-forged-receipts-beside-permit-fast-track-tolerate": {
        "A1": Expect("true", "clear", (_W, _BULL, _LETTER), ("referred",), "fa_fabricate_distort"),
        "A2": _TRUE,
    },
}

#: Files whose engine outcome differs from the one the catalogue gives (kept with the right
#: outcome, reported to the lead): stem → why.
ENGINE_WRONG: dict[str, str] = {}


def _case(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path.name
    return data


def _decide(path: Path, backend: str) -> Decision:
    with rongcuo.Engine(backend=backend) as engine:  # type: ignore[arg-type]
        return engine.evaluate(path, ruleset=ruleset_of(path), as_of=AS_OF)


def _comparable(decision: Decision) -> str:
    """The decision JSON with the engine's own name and version blanked."""
    data = json.loads(decision.to_json())
    data["engine"] = None
    return json.dumps(data, ensure_ascii=False, indent=2)


def _xfail_if_wrong(path: Path) -> None:
    if path.stem in ENGINE_WRONG:
        pytest.xfail(ENGINE_WRONG[path.stem])


# ---------------------------------------------------------------- the corpus as a whole


def test_corpus_spans_findings_kinds_spreads_and_outcomes() -> None:
    assert len(CORPUS) >= 14
    assert {p.stem for p in CORPUS} == set(CLEARING)
    assert {ruleset_of(p) for p in CORPUS} == {"wanzhou", "mianyang", "national"}
    outcomes = Counter(outcome_from_name(p) for p in CORPUS)
    assert {"cleared", "tolerate", "mitigate", "not_tolerate", "insufficient_facts"} <= set(
        outcomes
    ), outcomes
    allegations = [a for p in CORPUS for a in _allegations(p)]
    findings = {a["finding"] for a in allegations}
    assert findings == {
        "substantiated",
        "partly_substantiated",
        "untrue",
        "mistaken",
        "fabricated",
        "unknown",
    }
    kinds = {a.get("kind") for a in allegations if a["finding"] == "fabricated"}
    assert None in kinds and len(kinds - {None}) >= 5, kinds  # one fabricated with no kind
    assert {a.get("spread") for a in allegations} >= {"unit", "locality", "online", "public"}
    consents = [_facts(p).get("cadre_consents_to_clearing", "unstated") for p in CORPUS]
    assert {True, False, "unstated"} <= set(consents)
    assert sum(len(_allegations(p)) > 1 for p in CORPUS) >= 5


def _allegations(path: Path) -> list[dict[str, object]]:
    items = _case(path)["allegations"]
    assert isinstance(items, list) and items, path.name
    return items


def _facts(path: Path) -> dict[str, object]:
    facts = _case(path).get("facts") or {}
    assert isinstance(facts, dict), path.name
    return facts


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_file_names_its_outcome_and_reads_as_an_inquiry_report(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert expected_outcome(path) == outcome_from_name(path)
    assert lines[1].startswith("# reading: ") and lines[1].removeprefix("# reading: ").strip()
    narrative = _case(path).get("narrative")
    assert isinstance(narrative, str) and narrative.strip()
    assert len(_facts(path)) <= 14


# ---------------------------------------------------------------- each file, both backends


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_clearing_case_outcome(path: Path, backend: str) -> None:
    _xfail_if_wrong(path)
    decision = _decide(path, backend)
    assert decision.outcome == outcome_from_name(path), decision.reason_zh


@requires_durable
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_both_backends_give_the_same_decision(path: Path) -> None:
    assert _comparable(_decide(path, "durable")) == _comparable(_decide(path, "reference"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_clearing_section(path: Path) -> None:
    decision = _decide(path, "reference")
    section = decision.clearing
    assert section is not None
    want = CLEARING[path.stem]
    assert [a.id for a in section.allegations] == list(want)
    for item in section.allegations:
        got = Expect(
            item.struck,
            item.clearing,
            tuple(m.id for m in item.methods),
            tuple(h.id for h in item.reporter.handlings),
            item.kind.id if item.kind else None,
            tuple(p.id for p in item.pending),
        )
        assert got == want[item.id], f"{path.stem} {item.id}"
        if item.clearing == "not_cleared":
            assert item.deadline is None
        else:
            assert item.deadline is not None and item.deadline.working_days == 15
            assert item.by  # 谁核实谁澄清
    struck = [a.struck for a in section.allegations]
    expected_all = (
        "true" if set(struck) == {"true"} else "false" if "false" in struck else "unknown"
    )
    assert section.all_struck == expected_all


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_cleared_only_when_every_allegation_is_struck(path: Path) -> None:
    decision = _decide(path, "reference")
    assert decision.clearing is not None
    if decision.outcome == "cleared":
        assert decision.clearing.all_struck == "true"
        assert decision.outcome_label == "举报失实，不予问责，予以澄清正名"
    if decision.clearing.all_struck == "false":
        assert decision.outcome != "cleared"


def test_consent_is_never_what_the_outcome_turns_on() -> None:
    # no consent (c09) and consent not yet sought (c10): the outcome stays cleared
    for stem in ("wz-c09-cadre-declines-clearing-cleared", "wz-c10-consent-not-yet-sought-cleared"):
        decision = _decide(ROOT / "examples" / "clearing" / f"{stem}.yaml", "reference")
        assert decision.outcome == "cleared"
        assert "cadre_consents_to_clearing" not in {
            m.id for m in decision.missing_facts if m.changes_outcome
        }


def test_an_open_allegation_names_its_finding_only_when_it_changes_the_outcome() -> None:
    folder = ROOT / "examples" / "clearing"
    open_ = _decide(folder / "wz-c12-second-allegation-still-open-insufficient.yaml", "reference")
    assert "allegations_struck" in {m.id for m in open_.missing_facts if m.changes_outcome}
    assert set(open_.possible_outcomes) >= {"cleared"}
    decided = _decide(folder / "wz-c13-open-allegation-private-gain-not-tolerate.yaml", "reference")
    assert "allegations_struck" not in {m.id for m in decided.missing_facts if m.changes_outcome}


def test_a_fabricated_report_with_no_kind_is_presumed_other() -> None:
    path = (
        ROOT
        / "examples"
        / "clearing"
        / "wz-c06-fabricated-meeting-minutes-kind-unnamed-cleared.yaml"
    )
    item = _decide(path, "reference").clearing.allegations[0]  # type: ignore[union-attr]
    assert item.kind is not None and item.kind.id == "fa_other"
    assert "allegation_kind" in {p.id for p in item.presumed}
