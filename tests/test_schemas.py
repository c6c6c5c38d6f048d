"""The JSON Schemas under ``schemas/``: what the code generates, valid, and true of real data.

A change to a model shows as a change to these files (``python tools/make_schemas.py``); every
example case validates against the case schema and its ruleset's, every Decision and record
against theirs, and a case the engine refuses is refused by its ruleset's schema too.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

import rongcuo
from rongcuo import SQLiteStore
from rongcuo.cli import main
from rongcuo.schemas import DIALECT, KINDS, schema_text

from .conftest import EXAMPLES, ROOT, RULESET_OF, case_json

sys.path.insert(0, str(ROOT / "tools"))
from make_schemas import BUNDLED_RULESETS, schema_files

SCHEMAS = ROOT / "schemas"
CLEARING = sorted((ROOT / "examples" / "clearing").glob("*.yaml"))


def _ruleset(path: Path) -> str:
    return RULESET_OF[path.name.split("-")[0]]


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_committed_schemas_are_what_the_code_generates() -> None:
    files = schema_files()
    committed = {p.name for p in SCHEMAS.glob("*.json")}
    assert committed == set(files), "run: python tools/make_schemas.py"
    for name, text in files.items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == text, (
            f"schemas/{name} is out of date: run python tools/make_schemas.py"
        )


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_each_schema_names_its_dialect_and_id_and_is_valid(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == DIALECT
    assert schema["$id"].startswith("urn:rongcuo:schema:")
    Draft202012Validator.check_schema(schema)
    assert list(schema) == sorted(schema)


@pytest.mark.parametrize("path", [*EXAMPLES, *CLEARING], ids=lambda p: p.name)
def test_example_cases_and_their_decisions_validate(path: Path) -> None:
    data = case_json(path)
    rid = _ruleset(path)
    assert not list(_validator("case.schema.json").iter_errors(data))
    assert not list(_validator(f"case.{rid}.schema.json").iter_errors(data))
    with rongcuo.Engine(backend="reference") as engine:
        decision = engine.evaluate(path, ruleset=rid)
    errors = list(_validator("decision.schema.json").iter_errors(json.loads(decision.to_json())))
    assert not errors, errors[0].message


def test_a_record_validates(tmp_path: Path) -> None:
    case = EXAMPLES[0]
    with rongcuo.Engine(backend="reference") as engine, SQLiteStore(tmp_path / "r.db") as store:
        decision = engine.evaluate(case, ruleset=_ruleset(case), as_of=dt.date(2025, 1, 6))
        record = engine.record(decision, case, store=store, recorded_at="2025-01-06T10:00:00")
    data = json.loads(record.model_dump_json())
    assert next(iter(data)) == "schema_version"
    assert not list(_validator("record.schema.json").iter_errors(data))


WZ01 = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"facts": {"pilot_ok": True}}, "RC202"),  # not a fact of the ruleset
        ({"facts": {"motive": "greed"}}, "RC204"),  # not one of the enum's values
        ({"facts": {"emergency": "true"}}, "RC203"),  # text where a boolean is due
        ({"facts": {"loss_yuan": -5}}, "RC203"),  # below the fact's minimum
        ({"claimed_situations": ["pilot_reform_deviatio"]}, "RC206"),  # not a situation
    ],
)
def test_what_the_engine_refuses_the_ruleset_schema_refuses(
    change: dict[str, Any], code: str, tmp_path: Path
) -> None:
    data = case_json(WZ01)
    for key, value in change.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    assert not list(_validator("case.schema.json").iter_errors(data)) or code == "RC203"
    assert list(_validator("case.wanzhou.schema.json").iter_errors(data))
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with rongcuo.Engine(backend="reference") as engine, pytest.raises(rongcuo.CaseError) as exc:
        engine.evaluate(path, ruleset="wanzhou")
    assert code in [d.code for d in exc.value.diagnostics]


def test_unknown_is_allowed_for_every_fact_of_a_ruleset() -> None:
    data = case_json(WZ01)
    schema = json.loads((SCHEMAS / "case.wanzhou.schema.json").read_text(encoding="utf-8"))
    facts = schema["properties"]["facts"]["properties"]
    assert facts["motive"]["title"] == "动机"
    assert {"const": "public", "title": "出于公心"} in facts["motive"]["anyOf"][0]["oneOf"]
    for word in (None, "unknown", "不明"):
        data["facts"] = dict.fromkeys(facts, word)
        assert not list(_validator("case.wanzhou.schema.json").iter_errors(data))


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_prints_the_committed_schema(kind: str) -> None:
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0
    assert result.output == (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("rid", BUNDLED_RULESETS)
def test_the_cli_prints_a_ruleset_s_case_schema(rid: str) -> None:
    result = CliRunner().invoke(main, ["schema", "case", "--ruleset", rid])
    assert result.exit_code == 0
    assert result.output == (SCHEMAS / f"case.{rid}.schema.json").read_text(encoding="utf-8")
    with rongcuo.Engine(backend="reference") as engine:
        assert result.output == schema_text(engine.case_schema(rid))


def test_the_cli_refuses_a_ruleset_for_another_kind_and_an_unknown_ruleset() -> None:
    bad = CliRunner().invoke(main, ["schema", "decision", "--ruleset", "wanzhou"])
    assert bad.exit_code == 2 and "only the case schema" in bad.output
    missing = CliRunner().invoke(main, ["schema", "case", "--ruleset", "nowhere"])
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output
