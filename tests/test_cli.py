"""The command line: exit codes 0 / 1 / 2, located errors, text and JSON output, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rongcuo.cli import main

from .conftest import ROOT

CASE = str(ROOT / "examples" / "wz-01-pilot-tolerate.yaml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_bundled_by_id_and_by_folder() -> None:
    code, out, _ = run("check", "wanzhou", str(ROOT / "rulesets" / "mianyang"))
    assert code == 0
    assert out.strip().endswith("0 error(s), 0 warning(s)")


def test_check_reports_located_errors_with_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "1.yaml").write_text(
        "id: broken\ntitle: x\nversion: '1'\neffective_from: 2020-01-01\nextends: national\n"
        "rules:\n  - {id: s, kind: situation, label: s, when: {fact: emergncy, eq: true}}\n",
        encoding="utf-8",
    )
    code, out, _ = run("check", str(folder))
    assert code == 1
    assert "broken/1.yaml:7:" in out and "RC102" in out and "'emergency'" in out
    code, out, _ = run("check", str(folder), "--format", "json")
    assert code == 1
    assert {d["code"] for d in json.loads(out)} == {"RC102", "RC117"}


def test_evaluate_text_and_json() -> None:
    code, out, _ = run("evaluate", CASE, "--ruleset", "wanzhou")
    assert code == 0
    assert "认定结论（建议）：予以容错免责" in out
    code, out, _ = run("evaluate", CASE, "--ruleset", "wanzhou", "--format", "json")
    assert code == 0
    decision = json.loads(out)
    assert decision["outcome"] == "tolerate"
    assert decision["ruleset"]["content_hash"].startswith("sha256:")


def test_evaluate_json_is_byte_identical_between_runs_and_backends() -> None:
    a = run("evaluate", CASE, "--ruleset", "wanzhou", "--format", "json", "--as-of", "2024-04-01")[
        1
    ]
    b = run("evaluate", CASE, "--ruleset", "wanzhou", "--format", "json", "--as-of", "2024-04-01")[
        1
    ]
    c = run(
        "evaluate",
        CASE,
        "--ruleset",
        "wanzhou",
        "--format",
        "json",
        "--as-of",
        "2024-04-01",
        "--backend",
        "reference",
    )[1]
    assert a == b
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k != "engine"}  # noqa: E731
    assert strip(a) == strip(c)


def test_explain_groups_by_six_looks() -> None:
    code, out, _ = run("explain", CASE, "--ruleset", "wanzhou")
    assert code == 0
    for label in (
        "【看动机态度】",
        "【看客观条件】",
        "【看程序方法】",
        "【看性质程度】",
        "【看后果影响】",
        "【看挽回损失】",
        "【认定顺序】",
    ):
        assert label in out


def test_bad_case_exit_1_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: B\ntitle: t\nincident_date: 2024-01-01\nfacts: {motive: selfish}\n", encoding="utf-8"
    )
    code, _, err = run("evaluate", str(bad), "--ruleset", "wanzhou")
    assert code == 1
    assert "bad.yaml:4:" in err and "RC204" in err
    assert "Traceback" not in err


def test_unknown_ruleset_exit_1_with_suggestion() -> None:
    code, _, err = run("evaluate", CASE, "--ruleset", "wanzou")
    assert code == 1
    assert "RC301" in err and "wanzhou" in err


def test_usage_errors_exit_2() -> None:
    assert run("evaluate", CASE)[0] == 2
    assert run("evaluate", CASE, "--ruleset", "wanzhou", "--as-of", "yesterday")[0] == 2
    assert run("frobnicate")[0] == 2


def test_schema_commands_print_json_schema() -> None:
    code, out, _ = run("schema", "case")
    assert code == 0 and json.loads(out)["title"] == "rongcuo 案件文件 case file"
    code, out, _ = run("schema", "decision")
    assert code == 0 and "outcome" in json.loads(out)["properties"]


def test_missing_ruleset_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path / "nothere"))
    assert code == 2
    assert "no such ruleset folder" in err


def test_decision_json_does_not_depend_on_working_directory(tmp_path: Path) -> None:
    import os

    here = run("evaluate", CASE, "--ruleset", "wanzhou", "--format", "json")[1]
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        there = run("evaluate", CASE, "--ruleset", "wanzhou", "--format", "json")[1]
    finally:
        os.chdir(old)
    assert here == there
    files = [c["file"] for c in json.loads(here)["ruleset"]["components"]]
    assert files == ["national/2019.yaml", "wanzhou/2018.yaml"]


def test_evaluate_record_into_an_emptied_store_shows_no_decision(tmp_path: Path) -> None:
    store = tmp_path / "records.sqlite3"
    store.write_bytes(b"")  # emptied: not silently made anew, and the decision not shown
    code, out, err = run(
        "evaluate", CASE, "--ruleset", "wanzhou", "--record", "--store", str(store)
    )
    assert (code, out) == (1, "")
    assert "RC703" in err and "the record store is empty" in err
    assert store.read_bytes() == b""
    code, out, err = run(
        "evaluate", CASE, "--ruleset", "wanzhou", "--record", "--store", str(tmp_path)
    )
    assert (code, out) == (2, "") and "is a directory" in err  # click's usage error
