"""Hostile or odd input files: every cap and refusal is a located error, never a hang, a crash or
memory without bound; JSON files are read as JSON, with positions."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import rongcuo
import rongcuo.ruleset.document
from rongcuo.ruleset.document import MAX_BYTES, MAX_DEPTH, load_document, load_text

from .conftest import EXAMPLES

CLI = [sys.executable, "-m", "rongcuo.cli"]
#: A guard against a hang, not a speed test: each of these runs in well under a second.
GUARD = 120

BOMB = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _limit_memory() -> None:  # pragma: no cover - runs in the child process
    # 3 GB of address space: far more than rongcuo needs, far less than an alias bomb takes
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``rongcuo ARGS`` in a child process with a memory cap and a time guard."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RONGCUO_DEBUG", None)
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=GUARD,
        preexec_fn=_limit_memory,
        env=env,
    )


def codes(diags: list[rongcuo.Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.location.line, d.location.column) for d in diags]


def ruleset_folder(tmp_path: Path, rid: str = "local") -> Path:
    folder = tmp_path / "rulesets" / rid
    folder.mkdir(parents=True)
    return folder


# --- item 13: aliases, sizes, nesting, files that are not regular ---------------------------


def test_alias_bomb_is_a_located_error_not_unbounded_memory(tmp_path: Path) -> None:
    folder = ruleset_folder(tmp_path)
    (folder / "1.yaml").write_bytes(BOMB)
    checked = run_cli("check", folder)
    assert checked.returncode == 1, checked.stderr
    assert "1.yaml:7:4: error RC009" in checked.stdout
    case = tmp_path / "bomb.yaml"
    case.write_bytes(BOMB)
    evaluated = run_cli("evaluate", case, "--ruleset", "wanzhou", "--backend", "reference")
    assert evaluated.returncode == 1, evaluated.stderr
    assert "bomb.yaml:7:4: error RC009" in evaluated.stderr


def test_alias_bomb_is_refused_before_anything_is_built() -> None:
    loaded, diags = load_text(BOMB, "bomb.yaml")
    assert loaded is None
    assert codes(diags) == [("RC009", 7, 4)]
    assert "1,000,000" in diags[0].message_en


def test_aliases_within_the_cap_still_expand() -> None:
    loaded, diags = load_text(b"a: &x {k: 1}\nb: *x\nc: [*x, *x]\n", "ok.yaml")
    assert diags == [] and loaded is not None
    assert loaded.data == {"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 1}]}
    assert loaded.positions.values[("c", 1, "k")] == (1, 11)  # where the anchored value is


def test_recursive_alias_is_rc011_not_a_recursion_error() -> None:
    loaded, diags = load_text(b"id: x\na: &a [1, *a]\n", "rec.yaml")
    assert loaded is None
    assert codes(diags) == [("RC011", 2, 4)]
    loaded, diags = load_text(b"m: &m {self: *m}\n", "rec.yaml")
    assert codes(diags) == [("RC011", 1, 4)]


def test_recursive_alias_in_a_ruleset_is_located_by_check(tmp_path: Path) -> None:
    folder = ruleset_folder(tmp_path)
    (folder / "1.yaml").write_text("id: local\nrules: &r [*r]\n", encoding="utf-8")
    diags = rongcuo.check("local", paths=[tmp_path / "rulesets"])
    assert codes(diags) == [("RC011", 2, 8)]


def test_nesting_deeper_than_the_cap_is_rc010() -> None:
    deep = "".join(f"{'  ' * i}a:\n" for i in range(MAX_DEPTH)) + f"{'  ' * MAX_DEPTH}x\n"
    loaded, diags = load_text(deep.encode(), "deep.yaml")
    assert loaded is None
    assert codes(diags) == [("RC010", MAX_DEPTH, 2 * MAX_DEPTH - 1)]
    ok = "".join(f"{'  ' * i}a:\n" for i in range(MAX_DEPTH - 2)) + f"{'  ' * MAX_DEPTH}x\n"
    assert load_text(ok.encode(), "ok.yaml")[1] == []


def test_flow_nesting_that_once_overflowed_the_stack_is_rc010() -> None:
    # 900 levels: libyaml composes it; building it recursed past Python's limit
    loaded, diags = load_text(b"[" * 900 + b"]" * 900, "deep.yaml")
    assert loaded is None and [d.code for d in diags] == ["RC010"]
    # 1000 and more: libyaml's own limit, reported the same way
    loaded, diags = load_text(b"[" * 1200 + b"]" * 1200, "deeper.yaml")
    assert loaded is None and [d.code for d in diags] == ["RC010"]


def test_alias_cannot_smuggle_depth_past_the_cap() -> None:
    inner = "[" * 60 + "1" + "]" * 60
    text = f"a: &a {inner}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    loaded, diags = load_text(text.encode(), "deep.yaml")
    assert loaded is None and [d.code for d in diags] == ["RC010"]


def test_file_larger_than_the_cap_is_rc008(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_BYTES + b"\nid: x\n")
    loaded, diags = load_document(big)
    assert loaded is None
    assert [(d.code, d.location.file) for d in diags] == [("RC008", str(big))]
    assert load_text(big.read_bytes(), "big.yaml")[1][0].code == "RC008"


def test_fifo_named_yaml_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = ruleset_folder(tmp_path)
    os.mkfifo(folder / "1.yaml")
    checked = run_cli("check", folder)
    assert checked.returncode == 1, checked.stderr
    assert "1.yaml: error RC007" in checked.stdout
    assert "not a regular file but a pipe (FIFO)" in checked.stdout
    case = tmp_path / "case.yaml"
    os.mkfifo(case)
    evaluated = run_cli("evaluate", case, "--ruleset", "wanzhou", "--backend", "reference")
    assert evaluated.returncode == 1, evaluated.stderr
    assert "case.yaml: error RC007" in evaluated.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "zero.yaml"
    case.symlink_to("/dev/zero")
    evaluated = run_cli("evaluate", case, "--ruleset", "wanzhou", "--backend", "reference")
    assert evaluated.returncode == 1, evaluated.stderr
    assert "zero.yaml: error RC007" in evaluated.stderr
    assert "not a regular file but a device" in evaluated.stderr


def test_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(EXAMPLES[0])
    decision = rongcuo.evaluate(link, "wanzhou" if "wz-" in EXAMPLES[0].name else "mianyang")
    assert decision.case.id


def test_directory_named_yaml_in_a_ruleset_folder_is_rc007(tmp_path: Path) -> None:
    folder = ruleset_folder(tmp_path)
    (folder / "1.yaml").mkdir()
    diags = rongcuo.check("local", paths=[tmp_path / "rulesets"])
    assert [(d.code, d.message_en) for d in diags] == [
        ("RC007", "not a regular file but a directory; it is not read")
    ]


# --- item 16: JSON case files are JSON -------------------------------------------------------


def json_case(tmp_path: Path, text: str, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def example_as_json(tmp_path: Path) -> Path:
    wz = next(p for p in EXAMPLES if p.name.startswith("wz-01"))
    data = yaml.safe_load(wz.read_text(encoding="utf-8"))
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_json_exponent_number_is_a_number(tmp_path: Path) -> None:
    path = example_as_json(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('"loss_yuan": 0', '"loss_yuan": 1e5'))
    case, _ = rongcuo.load_case(path)
    assert case.facts["loss_yuan"] == 100000.0
    assert rongcuo.evaluate(path, "wanzhou", backend="reference").case.id == "WZ-2024-017"


def test_json_trailing_comma_is_rc001_with_line_and_column(tmp_path: Path) -> None:
    path = json_case(
        tmp_path,
        """
        {
          "id": "J-1",
          "title": "t",
          "incident_date": "2024-03-18",
          "facts": {"motive": "public",}
        }
        """,
    )
    with pytest.raises(rongcuo.CaseError) as err:
        rongcuo.evaluate(path, "wanzhou", backend="reference")
    (diag,) = err.value.diagnostics
    assert codes([diag]) == [("RC001", 5, 32)]
    assert diag.message_en == (
        "JSON syntax error: expected a key in double quotes (no comma after the last item)"
    )
    loaded, diags = load_text(b"[1, 2,]", "x.json")
    assert loaded is None and codes(diags) == [("RC001", 1, 7)]


def test_json_duplicate_key_is_rc002(tmp_path: Path) -> None:
    path = json_case(
        tmp_path,
        """
        {
          "id": "J-1",
          "title": "t",
          "id": "J-2",
          "incident_date": "2024-03-18"
        }
        """,
    )
    loaded, diags = load_document(path)
    assert codes(diags) == [("RC002", 4, 3)]
    assert diags[0].message_en == "duplicate key 'id' (first at line 2)"
    assert loaded is not None and loaded.data["id"] == "J-1"
    assert loaded.positions.values[("id",)] == (2, 9)
    with pytest.raises(rongcuo.CaseError) as err:
        rongcuo.evaluate(path, "wanzhou", backend="reference")
    assert [d.code for d in err.value.diagnostics] == ["RC002"]


def test_json_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    for word, col in (("NaN", 17), ("Infinity", 17), ("-Infinity", 17)):
        loaded, diags = load_text(f'{{"loss_yuan":   {word}}}'.encode(), "x.json")
        assert loaded is None and codes(diags) == [("RC001", 1, col)], word


def test_json_errors_point_at_the_value(tmp_path: Path) -> None:
    path = json_case(
        tmp_path,
        """
        {"id": "J-1", "title": "t", "incident_date": "2024-03-18",
         "facts": {"motive": "publik",
                   "emergency": "yes"}}
        """,
    )
    with pytest.raises(rongcuo.CaseError) as err:
        rongcuo.evaluate(path, "wanzhou", backend="reference")
    assert codes(err.value.diagnostics) == [("RC204", 2, 22), ("RC203", 3, 25)]


def test_json_syntax_errors_are_located() -> None:
    cases = {
        b"": ("RC001", 1, 1),
        b'{"a": 1} x': ("RC001", 1, 10),
        b'{"a" 1}': ("RC001", 1, 6),
        b"{'a': 1}": ("RC001", 1, 2),
        b'{"a": tru}': ("RC001", 1, 7),
        b'{"a": "x\ny"}': ("RC001", 1, 9),
        b'{"a": 01}': ("RC001", 1, 8),
        b'\n\n  {"a": [1 2]}': ("RC001", 3, 12),
    }
    for raw, want in cases.items():
        loaded, diags = load_text(raw, "x.json")
        assert loaded is None and codes(diags) == [want], raw


def test_json_nesting_cap() -> None:
    loaded, diags = load_text(b"[" * 5000 + b"]" * 5000, "x.json")
    assert loaded is None and codes(diags) == [("RC010", 1, MAX_DEPTH + 1)]


def test_values_cap_counts_keys_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    # the cap itself (a million values) takes seconds to reach; the counting is the same
    monkeypatch.setattr(rongcuo.ruleset.document, "MAX_NODES", 7)
    assert load_text(b'{"a": [1, 2], "b": 3}', "x.json")[1] == []  # 7: {} a [] 1 2 b 3
    loaded, diags = load_text(b'{"a": [1, 2], "b": 3, "c": 4}', "x.json")
    assert loaded is None and codes(diags) == [("RC009", 1, 23)]
    assert load_text(b"a: [1, 2]\nb: 3\n", "x.yaml")[1] == []
    loaded, diags = load_text(b"a: [1, 2]\nb: 3\nc: 4\n", "x.yaml")
    assert loaded is None and codes(diags) == [("RC009", 1, 1)]


def test_json_values_match_json_loads() -> None:
    raw = '{"a": [1, -0, 2.5, 1e5, 1E-2, true, false, null, "\\u00e9\\n", {}], "b": {"c": []}}'
    loaded, diags = load_text(raw.encode(), "x.json")
    assert diags == [] and loaded is not None
    assert loaded.data == json.loads(raw)
    assert [type(v) for v in loaded.data["a"][:5]] == [int, int, float, float, float]


def test_batch_reads_a_json_case_file_as_json(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    path = example_as_json(tmp_path)
    text = path.read_text(encoding="utf-8").replace('"loss_yuan": 0', '"loss_yuan": 1e5')
    (cases / "one.json").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    rongcuo.batch(cases, "wanzhou", output=out, backend="reference")
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "error" not in record, record
    assert record["case_id"] == "WZ-2024-017"
