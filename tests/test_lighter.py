"""从旧兼从轻 (catalogue §11): the version in force when the conduct happened, unless the one in
force on the date of the assessment treats it more lightly.

The versions are test data, never bundled: ``tests/data/versions/wanzhou`` holds wanzhou's 2018
version (ending 2024-12-31) and an invented 2025 version that tolerates one kind of fault the
2018 one only mitigated and no longer lets a legacy problem decided by one person be tolerated
(see the comments in 2025.yaml). The cases beside it each exercise one branch.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo import Decision, SQLiteStore, record_id, replay
from rongcuo.cli import main
from rongcuo.records.model import render_record

from .conftest import BACKENDS, ROOT, WriteRuleset

VERSIONS = ROOT / "tests" / "data" / "versions"
CASES = VERSIONS / "cases"
AS_OF = dt.date(2025, 6, 30)
OLD_DAY, NEW_DAY = dt.date(2024, 12, 31), dt.date(2025, 1, 1)


@pytest.fixture(params=BACKENDS)
def versioned(request: pytest.FixtureRequest) -> Iterator[rongcuo.Engine]:
    """An engine whose wanzhou has the 2018 and 2025 test versions, on each backend."""
    with rongcuo.Engine([VERSIONS], backend=request.param) as e:
        yield e


def hash_on(engine: rongcuo.Engine, day: dt.date) -> str:
    return engine.ruleset("wanzhou", day).content_hash


@pytest.mark.parametrize(
    ("name", "outcome", "outcomes", "applied"),
    [
        # the 2025 version tolerates what 2018 only mitigated: the as_of version applies
        ("as-of-lighter.yaml", "tolerate", ("mitigate", "tolerate"), "as_of"),
        # 2025 no longer finds a situation: the incident version, lighter, applies
        ("incident-lighter.yaml", "mitigate", ("mitigate", "not_tolerate"), "incident"),
        # the same outcome: the incident version applies, and both are named
        ("both-agree.yaml", "tolerate", ("tolerate", "tolerate"), "incident"),
        # insufficient under 2025 only: insufficient_facts, from the version that found it
        (
            "insufficient-under-new.yaml",
            "insufficient_facts",
            ("mitigate", "insufficient_facts"),
            "as_of",
        ),
    ],
)
def test_the_lighter_version_applies_and_the_decision_names_both(
    versioned: rongcuo.Engine,
    name: str,
    outcome: str,
    outcomes: tuple[str, str],
    applied: str,
) -> None:
    case = rongcuo.load_case(CASES / name)[0]
    d = versioned.evaluate(CASES / name, ruleset="wanzhou", as_of=AS_OF)
    assert d.outcome == outcome
    assert d.versions is not None
    assert d.versions.applied == applied
    old, new = d.versions.considered
    assert (old.role, old.date, old.ruleset, old.version) == (
        "incident",
        case.incident_date.isoformat(),
        "wanzhou",
        "2018",
    )
    assert (new.role, new.date, new.ruleset, new.version) == (
        "as_of",
        "2025-06-30",
        "wanzhou",
        "2025",
    )
    assert (old.outcome, new.outcome) == outcomes
    assert (old.content_hash, new.content_hash) == (
        hash_on(versioned, OLD_DAY),
        hash_on(versioned, NEW_DAY),
    )
    # the rest of the Decision is the applied version's decision
    assert d.ruleset.version == ("2018" if applied == "incident" else "2025")
    assert d.ruleset.content_hash == (old if applied == "incident" else new).content_hash
    assert d.as_of == "2025-06-30"


@pytest.mark.parametrize(
    ("name", "zh"),
    [
        (
            "as-of-lighter.yaml",
            "行为时规则（2018版）结论为“从轻、减轻问责”，认定时规则（2025版）结论为“予以容错免责"
            "（不予或免予问责）”，依从旧兼从轻原则适用认定时规则。",
        ),
        (
            "incident-lighter.yaml",
            "行为时规则（2018版）结论为“从轻、减轻问责”，认定时规则（2025版）结论为“不予容错，"
            "依规依纪问责”，依从旧兼从轻原则适用行为时规则。",
        ),
        (
            "both-agree.yaml",
            "行为时规则（2018版）与认定时规则（2025版）结论均为“予以容错免责（不予或免予问责）”，"
            "适用行为时规则。",
        ),
        (
            "insufficient-under-new.yaml",
            "行为时规则（2018版）结论为“从轻、减轻问责”，认定时规则（2025版）结论为“事实不清，"
            "需补充调查”；任一版本下事实不清的，须先补充调查，适用认定时规则。",
        ),
    ],
)
def test_the_reason_says_in_chinese_which_version_applies_and_why(name: str, zh: str) -> None:
    with rongcuo.Engine([VERSIONS], backend="reference") as engine:
        d = engine.evaluate(CASES / name, ruleset="wanzhou", as_of=AS_OF)
    assert d.versions is not None
    assert d.versions.reason_zh == zh


def test_the_english_reason_names_both_outcomes_and_the_principle() -> None:
    with rongcuo.Engine([VERSIONS], backend="reference") as engine:
        d = engine.evaluate(CASES / "as-of-lighter.yaml", ruleset="wanzhou", as_of=AS_OF)
    assert d.versions is not None
    assert d.versions.reason_en == (
        "the rules in force at the time of the conduct (version 2018) give mitigate, the rules "
        "in force on the date of the assessment (version 2025) give tolerate: the lighter "
        "applies (从旧兼从轻), so the rules in force on the date of the assessment apply."
    )


def test_conduct_that_continued_past_the_new_version_is_judged_under_it_alone(
    versioned: rongcuo.Engine,
) -> None:
    # the same facts as incident-lighter.yaml, the conduct lasting until 2025-02-28: the 2018
    # version, which would mitigate, is not considered
    d = versioned.evaluate(CASES / "conduct-continued.yaml", ruleset="wanzhou", as_of=AS_OF)
    assert (d.outcome, d.ruleset.version, d.versions) == ("not_tolerate", "2025", None)
    assert d.ruleset.content_hash == hash_on(versioned, NEW_DAY)
    assert "versions" not in json.loads(d.to_json())


def test_an_assessment_while_the_incident_version_is_still_in_force_decides_once(
    versioned: rongcuo.Engine,
) -> None:
    d = versioned.evaluate(CASES / "as-of-lighter.yaml", ruleset="wanzhou", as_of=OLD_DAY)
    assert (d.outcome, d.ruleset.version, d.versions) == ("mitigate", "2018", None)
    assert "versions" not in json.loads(d.to_json())


def test_the_library_default_as_of_is_the_day_of_the_conduct(versioned: rongcuo.Engine) -> None:
    d = versioned.evaluate(CASES / "as-of-lighter.yaml", ruleset="wanzhou")
    assert (d.as_of, d.ruleset.version, d.versions) == ("2024-06-10", "2018", None)
    d = versioned.evaluate(CASES / "conduct-continued.yaml", ruleset="wanzhou")
    assert (d.as_of, d.ruleset.version, d.versions) == ("2025-02-28", "2025", None)


def test_with_no_version_in_force_on_as_of_the_incident_version_alone_decides(
    tmp_path: Path,
) -> None:
    # the ruleset ended on 2024-12-31 and nothing replaced it
    (tmp_path / "wanzhou").mkdir()
    shutil.copy(VERSIONS / "wanzhou" / "2018.yaml", tmp_path / "wanzhou" / "2018.yaml")
    with rongcuo.Engine([tmp_path], backend="reference") as engine:
        d = engine.evaluate(CASES / "as-of-lighter.yaml", ruleset="wanzhou", as_of=AS_OF)
    assert (d.outcome, d.ruleset.version, d.versions, d.as_of) == (
        "mitigate",
        "2018",
        None,
        "2025-06-30",
    )


def test_a_decision_under_one_version_and_a_case_without_conduct_until_serialise_as_before(
    versioned: rongcuo.Engine,
) -> None:
    case = rongcuo.load_case(ROOT / "examples" / "wz-01-pilot-tolerate.yaml")[0]
    assert "conduct_until" not in case.model_dump(mode="json")  # so its content hash is unchanged
    d = rongcuo.evaluate(case, "wanzhou", as_of=dt.date(2025, 9, 26), backend="reference")
    assert "versions" not in json.loads(d.to_json())
    assert "versions" not in d.model_dump(mode="json")


def test_a_decision_under_two_versions_reads_back_from_its_json(versioned: rongcuo.Engine) -> None:
    d = versioned.evaluate(CASES / "as-of-lighter.yaml", ruleset="wanzhou", as_of=AS_OF)
    again = Decision.from_json(d.to_json())
    assert again == d
    assert again.to_json() == d.to_json()
    assert json.loads(d.to_json())["versions"]["applied"] == "as_of"


# --- case file errors ----------------------------------------------------------------------


def case_file(tmp_path: Path, conduct_until: str) -> Path:
    """as-of-lighter.yaml with ``conduct_until`` on the line after incident_date (line 6)."""
    text = (CASES / "as-of-lighter.yaml").read_text(encoding="utf-8")
    line = "incident_date: 2024-06-10\n"
    assert text.splitlines(keepends=True)[4] == line
    path = tmp_path / "case.yaml"
    path.write_text(text.replace(line, f"{line}conduct_until: {conduct_until}\n"), "utf-8")
    return path


def test_conduct_until_before_the_incident_date_is_rc216_at_the_field(tmp_path: Path) -> None:
    path = case_file(tmp_path, "2024-06-01")
    engine = rongcuo.Engine([VERSIONS], backend="reference")
    with engine, pytest.raises(rongcuo.CaseError) as caught:
        engine.evaluate(path, ruleset="wanzhou", as_of=AS_OF)
    (d,) = caught.value.diagnostics
    assert (d.code, d.location.file, d.location.line, d.location.path) == (
        "RC216",
        str(path),
        6,
        ("conduct_until",),
    )
    assert d.location.column == 16
    assert d.message_zh == "行为终了日期 conduct_until（2024-06-01）早于失误发生日期（2024-06-10）"
    assert d.message_en == "conduct_until (2024-06-01) is before the incident date (2024-06-10)"
    code, out = cli(
        "evaluate", str(path), "--ruleset", str(VERSIONS / "wanzhou"), "--as-of", "2025-06-30"
    )
    assert code == 1
    assert f"{path}:6:16: error RC216 [conduct_until]" in out


def test_an_assessment_before_the_conduct_ended_is_rc209(tmp_path: Path) -> None:
    path = case_file(tmp_path, "2025-03-01")
    engine = rongcuo.Engine([VERSIONS], backend="reference")
    with engine, pytest.raises(rongcuo.CaseError) as caught:
        engine.evaluate(path, ruleset="wanzhou", as_of=dt.date(2025, 2, 1))
    (d,) = caught.value.diagnostics
    assert d.code == "RC209"
    assert d.message_en == "as_of (2025-02-01) is before conduct_until (2025-03-01)"


# --- ranks: lightness is ruleset data -------------------------------------------------------


def test_national_ranks_its_outcomes_lighter_first() -> None:
    rs = rongcuo.Engine(backend="reference").ruleset("national", dt.date(2024, 1, 1))
    ranks = {o.id: o.rank for o in rs.outcomes.values()}
    assert ranks == {
        "tolerate": 2,
        "mitigate": 3,
        "refer": 4,
        "not_tolerate": 5,
        "insufficient_facts": None,
        "cleared": 1,
    }


def solo(
    version: str,
    start: str,
    outcome: str,
    *,
    until: str = "",
    ranks: dict[str, int] | None = None,
) -> str:
    """A small ruleset of its own: one bool fact x, and x true decides ``outcome``."""
    ranked = ranks or {}
    rows = "\n".join(
        f"  - {{id: {o}, label: {o}{f', rank: {ranked[o]}' if o in ranked else ''}}}"
        for o in ("tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer")
    )
    return (
        textwrap.dedent(
            f"""\
        id: solo
        title: 轻重测试规则集
        version: "{version}"
        effective_from: {start}
        {f"effective_until: {until}" if until else ""}
        documents:
          - {{id: doc, title: 测试文件}}
        facts:
          - {{id: x, type: bool, label: 某事实}}
        rules:
          - {{id: order, kind: outcome, step: 1, outcome: {outcome}, label: 结论,
             when: {{fact: x, eq: true}}, cite: {{doc: doc, clause: 一, text: 一}}}}
        outcomes:
        """
        )
        + rows
        + "\n"
    )


NATIONAL_RANKS = {"tolerate": 2, "mitigate": 3, "refer": 4, "not_tolerate": 5}


def codes(tmp_path: Path) -> list[tuple[str, int, tuple[object, ...]]]:
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        return [(d.code, d.location.line, d.location.path) for d in engine.check("solo")]


def test_a_rank_that_is_not_a_whole_number_from_1_is_rc217(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = solo("1", "2020-01-01", "tolerate", ranks=NATIONAL_RANKS)
    text = text.replace("label: tolerate, rank: 2", "label: tolerate, rank: 0")
    text = text.replace("label: mitigate, rank: 3", "label: mitigate, rank: light")
    text = text.replace("label: refer, rank: 4", "label: refer, rank: 4.5")
    text = text.replace("label: not_tolerate, rank: 5", "label: not_tolerate, rank: true")
    text = text.replace("label: insufficient_facts}", "label: insufficient_facts, rank: 6}")
    write_ruleset("solo", "1", text)
    found = codes(tmp_path)
    assert [(c, line) for c, line, _ in found] == [
        ("RC217", 14),
        ("RC217", 15),
        ("RC217", 16),
        ("RC217", 17),
        ("RC217", 18),
    ]
    assert found[0][2] == ("outcomes", 0, "rank")
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        messages = [d.message_en for d in engine.check("solo")]
    assert (
        messages[0]
        == "rank must be a whole number from 1 up (smaller is lighter), got the number 0"
    )
    assert messages[1] == (
        "rank must be a whole number from 1 up (smaller is lighter), got the text 'light'"
    )
    assert messages[2].endswith("got the boolean true")
    assert messages[3] == "insufficient_facts has no rank: it is neither lighter nor heavier"
    assert messages[4].endswith("got the number 4.5")


def test_two_outcomes_of_one_rank_are_rc218(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "solo", "1", solo("1", "2020-01-01", "tolerate", ranks={**NATIONAL_RANKS, "refer": 3})
    )
    assert codes(tmp_path) == [("RC218", 18, ("outcomes", 4, "rank"))]


def test_ranks_on_some_outcomes_only_are_rc219(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("solo", "1", solo("1", "2020-01-01", "tolerate", ranks={"tolerate": 1}))
    assert codes(tmp_path) == [
        ("RC219", 15, ("outcomes", 1)),
        ("RC219", 16, ("outcomes", 2)),
        ("RC219", 18, ("outcomes", 4)),
    ]


def two_versions(
    write_ruleset: WriteRuleset,
    old_ranks: dict[str, int] | None,
    new_ranks: dict[str, int] | None,
) -> None:
    """solo 1 tolerates x until 2024-12-31; solo 2 does not tolerate it from 2025-01-01."""
    write_ruleset(
        "solo", "1", solo("1", "2020-01-01", "tolerate", until="2024-12-31", ranks=old_ranks)
    )
    write_ruleset("solo", "2", solo("2", "2025-01-01", "not_tolerate", ranks=new_ranks))


SOLO_CASE = {"id": "S-1", "title": "轻重", "incident_date": "2024-05-01", "facts": {"x": True}}


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_ranks_of_the_as_of_version_say_which_is_lighter(
    tmp_path: Path, write_ruleset: WriteRuleset, backend: str
) -> None:
    # a deliberately inverted order in the newer version: it, not code, decides what is lighter
    inverted = {"not_tolerate": 1, "refer": 2, "mitigate": 3, "tolerate": 4}
    two_versions(write_ruleset, NATIONAL_RANKS, inverted)
    with rongcuo.Engine([tmp_path / "rulesets"], backend=backend) as engine:  # type: ignore[arg-type]
        d = engine.evaluate(SOLO_CASE, ruleset="solo", as_of=AS_OF)
    assert d.versions is not None
    assert (d.outcome, d.versions.applied, d.ruleset.version) == ("not_tolerate", "as_of", "2")


def test_outcomes_without_ranks_leave_the_incident_version_applied_and_say_so(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    two_versions(write_ruleset, None, None)
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        # no rank is no error; its one-step order falls through when x is false (RC166, once
        # a version), which this case never meets
        assert [d.code for d in engine.check("solo")] == ["RC166", "RC166"]
        d = engine.evaluate(SOLO_CASE, ruleset="solo", as_of=AS_OF)
    assert d.versions is not None
    assert (d.outcome, d.versions.applied, d.ruleset.version) == ("tolerate", "incident", "1")
    assert d.versions.reason_zh == (
        "行为时规则（1版）结论为“tolerate”，认定时规则（2版）结论为“not_tolerate”；规则集没有为"
        "这两个结论声明轻重（rank），无从比较，适用行为时规则。"
    )


# --- records and replay ----------------------------------------------------------------------


WHEN = "2025-07-01T09:00:00+08:00"


def test_a_record_keeps_both_versions_and_its_replay_is_identical(
    versioned: rongcuo.Engine, tmp_path: Path
) -> None:
    path = CASES / "as-of-lighter.yaml"
    d = versioned.evaluate(path, ruleset="wanzhou", as_of=AS_OF)
    with SQLiteStore(tmp_path / "r.sqlite3") as store:
        made = versioned.record(d, path, store=store, recorded_at=WHEN)
        stored = store.get(made.id)
    assert stored is not None and stored.decision == d.to_json()
    assert stored.proposal().versions == d.versions
    assert (stored.ruleset_version, stored.ruleset_hash) == ("2025", hash_on(versioned, NEW_DAY))
    # the id covers both versions: an edit to the one not applied is a new evaluation too
    both = f"{hash_on(versioned, OLD_DAY)}+{hash_on(versioned, NEW_DAY)}"
    assert made.id == record_id(d.case.content_hash, both, "2025-06-30")
    assert made.id != record_id(d.case.content_hash, d.ruleset.content_hash, "2025-06-30")
    result = replay(stored, versioned)
    assert result.identical and not result.ruleset_changed
    shown = render_record(stored, [])
    assert "从旧兼从轻 versions compared：" in shown
    assert "as_of（2025-06-30）wanzhou 2025" in shown and "← 适用 applied" in shown
    assert d.versions is not None and d.versions.reason_zh in shown


def test_replay_after_an_edit_of_the_version_not_applied_reports_a_ruleset_change(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "versions"
    shutil.copytree(VERSIONS / "wanzhou", folder / "wanzhou")
    path = CASES / "as-of-lighter.yaml"
    with rongcuo.Engine([folder], backend="reference") as before:
        made = rongcuo.make_record(
            before.evaluate(path, ruleset="wanzhou", as_of=AS_OF),
            rongcuo.load_case(path)[0],
            recorded_at=WHEN,
        )
    old = folder / "wanzhou" / "2018.yaml"
    old.write_text(old.read_text(encoding="utf-8") + "# 修订说明\n", encoding="utf-8")
    with rongcuo.Engine([folder], backend="reference") as after:
        result = replay(made, after)
    assert not result.identical
    assert result.ruleset_changed  # though the applied 2025 version is unchanged
    assert result.ruleset_hash_before == result.ruleset_hash_after
    assert result.outcome_before == result.outcome_after == "tolerate"
    assert result.fields_changed == ["versions"]


# --- the command line --------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_cli_assesses_on_today_unless_as_of_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # today is read by the CLI alone; fixed here so that the test never depends on the day
    monkeypatch.setattr("rongcuo.cli.shared.today", lambda: AS_OF)
    case, folder = str(CASES / "as-of-lighter.yaml"), str(VERSIONS / "wanzhou")
    code, out = cli(
        "evaluate", case, "--ruleset", folder, "--format", "json", "--backend", "reference"
    )
    assert code == 0, out
    found = json.loads(out)
    assert (found["as_of"], found["outcome"], found["versions"]["applied"]) == (
        "2025-06-30",
        "tolerate",
        "as_of",
    )
    code, out = cli("evaluate", case, "--ruleset", folder, "--backend", "reference")
    assert code == 0, out
    assert "适用版本（从旧兼从轻）：行为时规则（2018版）结论为“从轻、减轻问责”" in out
    code, out = cli(
        "evaluate", case, "--ruleset", folder, "--format", "json", "--as-of", "2024-12-31"
    )
    assert code == 0, out
    found = json.loads(out)
    assert (found["as_of"], found["outcome"], "versions" in found) == (
        "2024-12-31",
        "mitigate",
        False,
    )


def test_a_memo_says_which_version_applies_and_why() -> None:
    # the as_of version is lighter: the memo's facts section says so, in the reason's words
    with rongcuo.Engine([VERSIONS], backend="reference") as engine:
        memo = engine.memo(
            CASES / "as-of-lighter.yaml", ruleset="wanzhou", format="md", as_of=AS_OF
        )
        text = memo.data.decode()
        assert memo.decision.versions is not None
        assert "适用的规则版本：" + memo.decision.versions.reason_zh in text
        single = engine.memo(
            CASES / "conduct-continued.yaml", ruleset="wanzhou", format="md", as_of=AS_OF
        )
    assert single.decision.versions is None
    assert "适用的规则版本" not in single.data.decode()
