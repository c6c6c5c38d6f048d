"""Every fact the bundled rulesets declare carries the question an investigator asks (issue 13).

The question is what a decision and a memo print beside a missing fact, so it must be there,
be Chinese, and read as one question.
"""

from __future__ import annotations

import re

import pytest

from rongcuo.ruleset.library import Library

BUNDLED = Library().ids()
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_bundled_rulesets_are_found() -> None:
    assert {"national", "wanzhou", "mianyang"} <= set(BUNDLED)


@pytest.mark.parametrize("rid", BUNDLED)
def test_every_declared_fact_has_a_chinese_question(rid: str) -> None:
    versions = Library().versions(rid)
    assert versions.files, rid
    assert versions.diagnostics == [], rid
    for file in versions.files:
        for fact in file.facts:
            where = f"{file.path}: fact {fact.id}"
            question = fact.question
            assert question.strip() == question and question, where
            assert len(HAN.findall(question)) >= 4, where
            assert question.endswith("？"), where
            assert "\n" not in question, where
            # one sentence: a question mark closes it, nowhere before its end
            assert "？" not in question[:-1] and "?" not in question, where


def test_national_declares_questions_for_the_catalogue_facts() -> None:
    (national,) = Library().versions("national").files
    ids = {f.id for f in national.facts}
    # the four facts the catalogue added, and the ones the investigator must state (§6.2)
    for fid in (
        "work_area",
        "motive",
        "collective_decision_required",
        "collective_decision",
        "loss_yuan",
        "loss_recovered_ratio",
        "remedial_action",
        "loss_cause",
        "reported_upward",
        "major_loss_determined",
        "ratified_afterwards",
        "ignored_warning",
    ):
        assert fid in ids, fid
    asked = {f.id: f.question for f in national.facts}
    assert asked["collective_decision_required"] == "依照议事规则，该事项是否应当提交集体研究决定？"
