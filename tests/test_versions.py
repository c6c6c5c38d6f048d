"""Versions: the ruleset in force on the case's incident date decides; the choice is recorded."""

from __future__ import annotations

from pathlib import Path

import rongcuo

from .cases import cleared_case
from .conftest import WriteRuleset

VERSION = """
id: local
title: 测试规则集
version: "{version}"
effective_from: {start}
{until}
extends: {extends}
documents:
  - {{id: doc, title: 测试文件}}
rules:
  - id: local_emergency
    kind: situation
    label: 应急处置
    when:
      all:
        - {{fact: emergency, eq: true}}
{extra}
    cite: {{doc: doc, clause: 第一条, text: 原文}}
"""


def write_two_versions(write_ruleset: WriteRuleset, extends: str = "national") -> None:
    write_ruleset(
        "local",
        "2020",
        VERSION.format(
            version="2020",
            start="2020-01-01",
            until="effective_until: 2021-12-31",
            extends=extends,
            extra="",
        ),
    )
    write_ruleset(
        "local",
        "2022",
        VERSION.format(
            version="2022",
            start="2022-01-01",
            until="",
            extends=extends,
            extra="        - {fact: public_interest_served, eq: true}",
        ),
    )


def decide(tmp_path: Path, day: str) -> rongcuo.Decision:
    case = cleared_case({"emergency": True, "public_interest_served": False, "loss_yuan": 0})
    case["incident_date"] = day
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        return engine.evaluate(case, ruleset="local")


def test_version_in_force_on_incident_date_is_used(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_two_versions(write_ruleset)
    assert rongcuo.check("local", paths=[tmp_path / "rulesets"]) == []
    old = decide(tmp_path, "2021-06-30")
    new = decide(tmp_path, "2023-03-01")
    assert (old.ruleset.version, old.outcome) == ("2020", "tolerate")
    assert new.ruleset.version == "2022"
    value = {s.id: s.value for s in new.situations}
    assert value["local_emergency"] == "false"  # 2022 also asks for the public interest
    # so no situation applies (the inherited ones' grounds are presumed absent), and the
    # stated remedy and cooperation give art. 18 mitigation
    assert (new.outcome, new.deciding_rule) == ("mitigate", "order_art18")
    assert old.ruleset.content_hash != new.ruleset.content_hash


def test_pinned_base_version(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_two_versions(write_ruleset, extends="national@2019")
    d = decide(tmp_path, "2023-03-01")
    assert [c["id"] + "@" + c["version"] for c in d.ruleset.components] == [
        "national@2019",
        "local@2022",
    ]
