"""Assessment rulesets (kind: assessment): reuse (catalogue §12) and the warning (§13).

The examples under assessments/ give their outcomes on both backends with byte-identical
JSON (apart from the engine named) that validates against schemas/assessment.schema.json; the
CLI prints them in Chinese or as JSON and locates errors (exit 1); the bundled scenarios cover
every rule; the warning history is a pure function of its entries.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

import rongcuo
from rongcuo.api import durable_installed
from rongcuo.assessment import Assessor, WarningEntry, history_facts, load_input, parse_input
from rongcuo.assessment.model import Assessment
from rongcuo.authoring.scenario import assessment_step_table
from rongcuo.authoring.testrun import run_scenarios, scenario_files
from rongcuo.case.envelope import CaseSource
from rongcuo.cli.assess import assess
from rongcuo.errors import CaseError, InputError
from rongcuo.ruleset.check_assessment import require_kind
from rongcuo.ruleset.library import Library

from .conftest import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "assessments").glob("*.yaml"))
DAY = dt.date(2025, 9, 1)
#: each example's outcome on DAY (the file's comment says why)
OUTCOMES = {
    "reuse-01-use-further.yaml": "use_further",
    "reuse-02-postpone-unknown.yaml": "postpone",
    "reuse-03-period-not-ended.yaml": "postpone",
    "reuse-04-promote.yaml": "promote",
    "reuse-05-re-place.yaml": "re_place",
    "warning-01-first.yaml": "level_1_talk",
    "warning-02-little-change.yaml": "level_2_letter",
    "warning-03-stays-3.yaml": "level_3_admonish",
    "warning-04-corrected.yaml": "no_warning",
}


def run(engine: rongcuo.Engine, path: Path, day: dt.date = DAY) -> Assessment:
    rid = path.name.split("-")[0]
    rs = engine.ruleset(rid, day)
    item, source = load_input(path)
    periods = engine.ruleset("national", day)
    return Assessor(rs, engine.evaluator(rs)).assess(
        item, as_of=day, periods=periods, source=source
    )


def without_engine(a: Assessment) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(a.to_json())
    data.pop("engine")
    return data


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Any:
    with rongcuo.Engine(backend=request.param) as e:
        yield e


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES) == sorted(OUTCOMES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_gives_its_outcome(engine: rongcuo.Engine, path: Path) -> None:
    found = run(engine, path)
    assert found.outcome == OUTCOMES[path.name], found.reason_zh
    assert (
        found.outcome_label == engine.ruleset(found.ruleset.id, DAY).outcomes[found.outcome].label
    )
    assert found.deciding_rule.citation is not None
    assert found.reason_zh.startswith(found.outcome_label)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_both_backends_give_the_same_assessment(path: Path) -> None:
    if not durable_installed():
        pytest.skip("durable_rules is not installed")
    with rongcuo.Engine(backend="reference") as ref, rongcuo.Engine(backend="durable") as dur:
        a, b = run(ref, path), run(dur, path)
    assert (a.engine.name, b.engine.name) == ("reference", "durable_rules")
    assert without_engine(a) == without_engine(b)


def test_the_json_validates_and_repeats_byte_for_byte() -> None:
    schema = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text("utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    with rongcuo.Engine(backend="reference") as engine:
        for path in EXAMPLES:
            text = run(engine, path).to_json()
            with rongcuo.Engine(backend="reference") as again:
                assert run(again, path).to_json() == text
            data = json.loads(text)
            assert not list(validator.iter_errors(data)), path.name
            assert Assessment.model_validate(data).to_json() == text
            assert data["schema_version"] == "1.0" and data["kind"] == "assessment"


def test_postponement_names_each_unfavourable_or_unknown_question() -> None:
    with rongcuo.Engine(backend="reference") as engine:
        found = run(engine, ROOT / "assessments/reuse-02-postpone-unknown.yaml")
    assert [(q.id, q.status, q.display) for q in found.questions] == [
        ("situation_calmed", "stated", "否"),
        ("reflected_deeply", "unknown", "尚未查明"),
    ]
    assert "事态已平息——否" in found.reason_zh and "本人已深刻反省——尚未查明" in found.reason_zh
    assert [p.id for p in found.presumed] == ["former_post_resumable", "outstanding_performance"]
    assert [e.id for e in found.effects] == ["postpone_review"]
    assert [s.value for s in found.trace] == ["false", "true", "false", "false", "true"]


def test_the_impact_period_is_computed_from_national_and_the_day() -> None:
    path = ROOT / "assessments/reuse-01-use-further.yaml"
    with rongcuo.Engine(backend="reference") as engine:
        on_the_end = run(engine, path, dt.date(2024, 11, 9))  # 2023-05-10 + 18 months
        next_day = run(engine, path, dt.date(2024, 11, 10))
    assert on_the_end.outcome == "postpone"
    assert on_the_end.deciding_rule.id == "reuse_period_not_ended"
    (c,) = on_the_end.computed
    assert c.id == "impact_period_ended" and c.value is False
    assert "至 2024-11-09 届满" in c.basis and "impact_party_serious_warning" in c.basis
    assert next_day.outcome == "use_further"
    assert on_the_end.ruleset.periods_from == "national"


def test_the_library_lists_tolerance_rulesets_unless_asked() -> None:
    lib = Library()
    assert "reuse" not in lib.ids() and "warning" not in lib.ids()
    assert {"national", "wanzhou", "mianyang"} <= set(lib.ids())
    assert lib.ids(kind="assessment") == ["reuse", "warning"]
    assert set(lib.ids(kind=None)) == set(lib.ids()) | {"reuse", "warning"}
    rs = lib.resolve("reuse", DAY)
    assert rs.kind == "assessment" and lib.resolve("national", DAY).kind == "tolerance"
    assert lib.check("reuse") == [] and lib.check("warning") == []


@pytest.mark.parametrize("rid", ["reuse", "warning"])
def test_the_scenarios_pass_and_cover_every_rule(rid: str) -> None:
    with rongcuo.Engine(backend="reference") as engine:
        report = run_scenarios(engine, rid, scenario_files(engine.library.folder(rid)))
    assert report.scenarios and not report.failed, [s.name for s in report.failed]
    (cov,) = report.coverage
    assert cov.percent == 100.0 and cov.total == len(engine.ruleset(rid, DAY).rules)


def test_the_docs_list_the_assessment_steps() -> None:
    docs = (ROOT / "docs" / "assessment.md").read_text("utf-8")
    assert assessment_step_table() in docs, "paste assessment_step_table() into the docs"


def test_each_kind_is_used_only_for_its_own_result() -> None:
    with rongcuo.Engine(backend="reference") as engine:
        with pytest.raises(InputError) as exc:
            Assessor(engine.ruleset("national", DAY))
        assert exc.value.diagnostics[0].code == "RC172"
        assert "rongcuo evaluate" in exc.value.diagnostics[0].hint
        # what a Decision's maker calls before deciding (never a Decision under reuse)
        with pytest.raises(InputError) as exc:
            require_kind(engine.ruleset("reuse", DAY), "tolerance")
        (d,) = exc.value.diagnostics
        assert (d.code, d.location.path) == ("RC172", ("kind",))
        assert "rongcuo assess" in d.hint
        require_kind(engine.ruleset("wanzhou", DAY), "tolerance")


# --- the warning history -------------------------------------------------------------------


def entry(level: int, on: str, cadre: str = "C1") -> WarningEntry:
    return WarningEntry(cadre_id=cadre, level=level, form="谈话", given_on=on, by="组织部")


def test_the_last_level_is_that_of_the_latest_entry_up_to_the_day() -> None:
    day = dt.date(2025, 6, 1)
    assert history_facts([], day).last_level == "none"
    h = [entry(2, "2025-01-01"), entry(1, "2025-03-01"), entry(3, "2025-07-01")]
    found = history_facts(h, day)
    assert (found.last_level, found.counted) == ("level_1", 2)  # the later entry not yet given
    same_day = [entry(1, "2025-03-01"), entry(2, "2025-03-01")]
    assert history_facts(same_day, day).last_level == "level_2"


def test_a_reset_period_lets_old_warnings_lapse() -> None:
    h = [entry(2, "2024-01-10")]
    assert history_facts(h, dt.date(2025, 6, 1)).last_level == "level_2"  # never lapses
    assert history_facts(h, dt.date(2025, 1, 9), reset_months=12).last_level == "level_2"
    lapsed = history_facts(h, dt.date(2025, 1, 10), reset_months=12)
    assert (lapsed.last_level, lapsed.lapsed) == ("none", 1)


# --- the input file: errors are located ------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "in.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(engine: rongcuo.Engine, path: Path, rid: str) -> list[tuple[str, int, str]]:
    with pytest.raises(CaseError) as exc:
        rs = engine.ruleset(rid, DAY)
        item, source = load_input(path)
        Assessor(rs).assess(item, as_of=DAY, periods=engine.ruleset("national", DAY), source=source)
    return [(d.code, d.location.line, d.location.path_text()) for d in exc.value.diagnostics]


def test_input_errors_are_located(tmp_path: Path) -> None:
    with rongcuo.Engine(backend="reference") as engine:
        stated = write(
            tmp_path, "id: X\nfacts:\n  situation_calmed: true\n  impact_period_ended: true\n"
        )
        assert errors_of(engine, stated, "reuse") == [("RC179", 4, "facts.impact_period_ended")]
        other = write(
            tmp_path,
            "id: X\ncadre: {id: C1}\nhistory:\n"
            "  - {cadre_id: C1, level: 1, form: 谈话, given_on: 2025-01-01, by: 组织部}\n"
            "  - {cadre_id: C2, level: 2, form: 函询, given_on: 2025-02-01, by: 组织部}\n",
        )
        assert errors_of(engine, other, "warning") == [("RC179", 5, "history[1].cadre_id")]
        nobody = write(
            tmp_path,
            "id: X\nhistory:\n  - {cadre_id: C1, level: 1, form: 谈话, given_on: 2025-01-01, by: 组织部}\n",
        )
        assert [c for c, _, _ in errors_of(engine, nobody, "warning")] == ["RC179"]
        wrong = write(tmp_path, "id: X\nfacts:\n  situation_calmed: 很好\n  no_such: 1\n")
        assert errors_of(engine, wrong, "reuse") == [
            ("RC203", 3, "facts.situation_calmed"),
            ("RC202", 4, "facts.no_such"),
        ]
    with pytest.raises(CaseError) as exc:
        load_input(write(tmp_path, "id: X\nhistroy: []\nhistory:\n  - {level: 4}\n"))
    codes = {(d.code, d.location.line) for d in exc.value.diagnostics}
    assert ("RC003", 2) in codes
    hints = [d.hint for d in exc.value.diagnostics if d.code == "RC003"]
    assert "history" in hints[0]
    with pytest.raises(CaseError) as exc:
        parse_input([1], CaseSource("x"))
    assert exc.value.diagnostics[0].code == "RC179"


# --- the CLI ---------------------------------------------------------------------------------


def test_the_cli_prints_the_assessment_in_chinese_and_as_json() -> None:
    runner = CliRunner()
    path = str(ROOT / "assessments/reuse-02-postpone-unknown.yaml")
    text = runner.invoke(assess, ["reuse", path, "--as-of", "2025-09-01", "--backend", "reference"])
    assert text.exit_code == 0, text.output
    assert "评估结论：暂缓使用（postpone）" in text.output
    assert "依据：问责干部观察期综合评估办法（市级实践）　综合评估内容" in text.output
    assert "  - 本人已深刻反省：尚未查明\n" in text.output
    out = runner.invoke(
        assess,
        ["reuse", path, "--as-of", "2025-09-01", "--format", "json", "--backend", "reference"],
    )
    assert out.exit_code == 0
    with rongcuo.Engine(backend="reference") as engine:
        assert out.output == run(engine, Path(path)).to_json()
    warned = runner.invoke(
        assess,
        [
            "warning",
            str(ROOT / "assessments/warning-03-stays-3.yaml"),
            "--as-of",
            "2025-09-01",
        ],
    )
    assert warned.exit_code == 0 and "三级预警：诫勉预警或组织调整" in warned.output


def test_the_cli_locates_errors_and_exits_1(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = write(tmp_path, "id: X\nfacts:\n  impact_period_ended: true\n")
    result = runner.invoke(assess, ["reuse", str(bad), "--as-of", "2025-09-01"])
    assert result.exit_code == 1
    assert f"{bad}:3:3: error RC179" in result.output
    tolerance = runner.invoke(
        assess, ["reuse", str(ROOT / EXAMPLES[0]), "--ruleset", "national", "--as-of", "2025-09-01"]
    )
    assert tolerance.exit_code == 1 and "RC172" in tolerance.output
    missing = runner.invoke(assess, ["warning", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1
