"""`rongcuo batch`: parallel runs decide as one process does, bad cases become error lines, and
an interrupted run resumed with the same output writes every case exactly once."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.batch.output import ResultLog
from rongcuo.cli import main

from .conftest import EXAMPLES, ROOT, expected_outcome, requires_durable

WANZHOU = [p for p in EXAMPLES if p.name.startswith("wz-")]
DASK_REQUIRED = os.environ.get("RONGCUO_REQUIRE_DASK") == "1"


def copy_cases(folder: Path, files: list[Path] = WANZHOU) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


def records(output: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def raw_decisions(output: Path) -> dict[str, str]:
    """key → the decision's JSON exactly as written (the bytes after ``"decision":``)."""
    out = {}
    for line in output.read_text(encoding="utf-8").splitlines():
        key = json.loads(line)["key"]
        assert key not in out, f"{key} written twice"
        out[key] = line.partition(',"decision":')[2][:-1]
    return out


def json_line(path: Path) -> str:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.dumps(data, ensure_ascii=False, default=dt.date.isoformat)


@pytest.fixture(scope="module")
def wanzhou_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_cases(tmp_path_factory.mktemp("wz"))


@pytest.fixture(scope="module")
def clean_run(wanzhou_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The wanzhou examples decided in this process (durable backend): key → decision JSON."""
    output = tmp_path_factory.mktemp("clean") / "decisions.jsonl"
    summary = rongcuo.batch(wanzhou_dir, "wanzhou", output=output)
    assert (summary.total, summary.done, summary.errors) == (len(WANZHOU), len(WANZHOU), 0)
    return raw_decisions(output)


def test_in_process_records_are_the_engine_decisions(clean_run: dict[str, str]) -> None:
    assert sorted(clean_run) == [p.name for p in WANZHOU]
    with rongcuo.Engine() as engine:
        for path in WANZHOU:
            decision = rongcuo.Decision.from_json(clean_run[path.name])
            assert decision.outcome == expected_outcome(path)
            assert decision.to_json() == engine.evaluate(path, ruleset="wanzhou").to_json()


def test_two_workers_write_byte_identical_decisions(
    wanzhou_dir: Path, clean_run: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    summary = rongcuo.batch(wanzhou_dir, "wanzhou", output=output, workers=2)
    assert raw_decisions(output) == clean_run
    assert summary.done == len(WANZHOU) and summary.skipped == 0
    assert sum(summary.by_outcome.values()) == len(WANZHOU)


def test_ordered_keeps_input_order_with_two_workers(wanzhou_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    args = ["batch", str(wanzhou_dir), "--ruleset", "wanzhou", "-o", str(output)]
    result = CliRunner().invoke(main, [*args, "-j", "2", "--ordered", "--format", "summary"])
    assert result.exit_code == 0, result.output
    rows = records(output)
    assert [r["key"] for r in rows] == [p.name for p in WANZHOU]
    assert all(set(r) == {"key", "case_id", "outcome"} for r in rows)
    assert [r["outcome"] for r in rows] == [expected_outcome(p) for p in WANZHOU]


@requires_durable
def test_jsonl_file_and_stdin_give_the_same_decisions(
    tmp_path: Path, clean_run: dict[str, str]
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json_line(p) for p in WANZHOU) + "\n\n", encoding="utf-8")
    from_file = tmp_path / "file.jsonl"
    summary = rongcuo.batch(cases, "wanzhou", output=from_file, backend="durable")
    assert summary.total == len(WANZHOU)  # the blank last line is not a case
    by_line = raw_decisions(from_file)
    assert sorted(by_line) == sorted(f"line:{n}" for n in range(1, len(WANZHOU) + 1))
    for n, path in enumerate(WANZHOU, 1):
        assert by_line[f"line:{n}"] == clean_run[path.name]

    # the CLI assesses on one date (today's unless --as-of says): compared with that date
    dated = tmp_path / "dated.jsonl"
    rongcuo.batch(cases, "wanzhou", output=dated, backend="durable", as_of=dt.date(2025, 9, 26))
    from_stdin = tmp_path / "stdin.jsonl"
    args = ["batch", "-", "--ruleset", "wanzhou", "-o", str(from_stdin), "--as-of", "2025-09-26"]
    result = CliRunner().invoke(main, args, input=cases.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert raw_decisions(from_stdin) == raw_decisions(dated)


def test_bad_cases_become_located_error_lines_and_the_rest_is_decided(tmp_path: Path) -> None:
    folder = copy_cases(tmp_path / "cases", WANZHOU[:3])
    good = yaml.safe_load(WANZHOU[0].read_text(encoding="utf-8"))
    good["facts"]["motive"] = "publik"
    (folder / "sub").mkdir()
    (folder / "sub" / "typo.yaml").write_text(yaml.safe_dump(good, allow_unicode=True), "utf-8")
    (folder / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json_line(WANZHOU[0]) + '\n{"id": oops}\n', encoding="utf-8")

    output = tmp_path / "out.jsonl"
    args = ["batch", str(folder), "--ruleset", "wanzhou", "-o", str(output), "--format", "summary"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "错误 errors：2" in result.output
    rows = {r["key"]: r for r in records(output)}
    assert sorted(rows) == sorted([p.name for p in WANZHOU[:3]] + ["broken.yaml", "sub/typo.yaml"])
    [typo] = rows["sub/typo.yaml"]["error"]
    assert typo["code"] == "RC204" and typo["path"] == ["facts", "motive"]
    assert typo["file"] == str(folder / "sub" / "typo.yaml") and typo["line"] > 1
    assert "publik" in typo["message_en"] and "publik" in typo["message_zh"]
    assert rows["broken.yaml"]["error"][0]["code"] == "RC001"
    assert all("outcome" in rows[p.name] for p in WANZHOU[:3])

    output = tmp_path / "lines.jsonl"
    summary = rongcuo.batch(lines, "wanzhou", output=output, backend="reference")
    assert (summary.done, summary.errors) == (2, 1)
    [bad] = [r for r in records(output) if "error" in r]
    assert bad["key"] == "line:2"
    [diag] = bad["error"]
    assert (diag["code"], diag["file"], diag["line"], diag["column"]) == ("RC001", str(lines), 2, 8)
    assert diag["message_en"].startswith("JSON syntax error")


def test_resume_after_a_torn_line_and_lost_lines_writes_each_key_once(
    wanzhou_dir: Path, clean_run: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    rongcuo.batch(wanzhou_dir, "wanzhou", output=output)
    lines = output.read_bytes().splitlines(keepends=True)
    kept = lines[:5] + lines[9:20]  # lost lines 6-9 and the tail …
    torn = lines[20][: len(lines[20]) // 2]  # … and the crash tore line 21 in the middle
    output.write_bytes(b"".join(kept) + torn)

    summary = rongcuo.batch(wanzhou_dir, "wanzhou", output=output, workers=1)
    assert (summary.total, summary.skipped, summary.done) == (len(WANZHOU), 16, len(WANZHOU) - 16)
    assert summary.errors == 0
    # by_outcome counts the whole output, earlier runs included
    assert summary.by_outcome == Counter(expected_outcome(p) for p in WANZHOU)
    assert raw_decisions(output) == clean_run  # raises on a key written twice

    again = CliRunner().invoke(
        main, ["batch", str(wanzhou_dir), "--ruleset", "wanzhou", "-o", str(output)]
    )
    assert again.exit_code == 0, again.output
    assert "已全部完成 nothing to do" in again.output
    assert raw_decisions(output) == clean_run


def test_usage_errors_exit_2_before_any_case_runs(wanzhou_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    unknown = ["batch", str(wanzhou_dir), "--ruleset", "wanzou", "-o", str(output)]
    result = CliRunner().invoke(main, unknown)
    assert result.exit_code == 2 and "did you mean: 'wanzhou'" in result.output
    (tmp_path / "cases.csv").write_text("id,title\n")
    csv = ["batch", str(tmp_path / "cases.csv"), "--ruleset", "wanzhou", "-o", str(output)]
    assert CliRunner().invoke(main, csv).exit_code == 2
    assert not output.exists()


def test_a_line_that_is_not_a_record_is_refused_not_truncated(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text('{"key":"a.yaml","error":[]}\nnot json\n{"key":"b.yaml","error":[]}\n')
    with pytest.raises(rongcuo.InputError) as caught:
        ResultLog(output)
    assert caught.value.diagnostics[0].location.line == 2
    assert output.read_text().count("\n") == 3


def test_a_second_writer_of_the_same_output_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with ResultLog(output), pytest.raises(rongcuo.RongcuoError, match="another batch"):
        ResultLog(output)


@requires_durable
def test_resuming_with_other_settings_is_refused_and_names_each_difference(
    tmp_path: Path,
) -> None:
    cases = copy_cases(tmp_path / "cases", WANZHOU[:3])
    output = tmp_path / "out.jsonl"
    rongcuo.batch(cases, "wanzhou", output=output, as_of=dt.date(2025, 3, 1))
    written = output.read_bytes()
    run = json.loads((tmp_path / "out.jsonl.run.json").read_text("utf-8"))
    assert (run["ruleset"], run["as_of"], run["backend"], run["format"]) == (
        "wanzhou",
        "2025-03-01",
        "durable",
        "full",
    )
    assert any(name.startswith("national/") for name in run["ruleset_files"])  # extended too

    with pytest.raises(rongcuo.InputError) as caught:
        rongcuo.batch(cases, "wanzhou", output=output, as_of=dt.date(2025, 4, 1), format="summary")
    found = {d.location.path: d for d in caught.value.diagnostics}
    assert sorted(found) == [("as_of",), ("format",)]
    assert all(d.code == "RC801" for d in found.values())
    assert found[("as_of",)].location.file.endswith("out.jsonl.run.json")
    assert found[("as_of",)].location.line > 1
    assert 'as_of was "2025-03-01", now "2025-04-01"' in found[("as_of",)].message_en
    assert output.read_bytes() == written  # nothing appended

    resume = ["batch", str(cases), "--ruleset", "wanzhou", "-o", str(output)]
    result = CliRunner().invoke(main, [*resume, "--as-of", "2025-04-01"])
    assert result.exit_code == 2, result.output
    assert "RC801" in result.output
    assert 'as_of 原为 "2025-03-01"，本次为 "2025-04-01"' in result.output
    # without --as-of the CLI resumes on the date the batch was started with, not today's
    result = CliRunner().invoke(main, resume)
    assert result.exit_code == 0, result.output
    assert "已全部完成 nothing to do" in result.output
    assert output.read_bytes() == written


def test_resuming_after_a_ruleset_file_changed_is_refused(tmp_path: Path) -> None:
    library = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", library)
    cases = copy_cases(tmp_path / "cases", WANZHOU[:2])
    output = tmp_path / "out.jsonl"
    rongcuo.batch(cases, "wanzhou", output=output, paths=[library])
    edited = sorted((library / "national").glob("*.yaml"))[0]
    edited.write_text(edited.read_text("utf-8") + "# 修订说明\n", "utf-8")
    with pytest.raises(rongcuo.InputError) as caught:
        rongcuo.batch(cases, "wanzhou", output=output, paths=[library])
    (diag,) = caught.value.diagnostics
    assert diag.code == "RC801" and diag.location.path == ("ruleset_files",)
    assert f"national/{edited.name}" in diag.message_en


def test_an_output_with_records_but_no_run_file_is_refused(tmp_path: Path) -> None:
    cases = copy_cases(tmp_path / "cases", WANZHOU[:2])
    output = tmp_path / "out.jsonl"
    rongcuo.batch(cases, "wanzhou", output=output, format="summary")
    (tmp_path / "out.jsonl.run.json").unlink()
    with pytest.raises(rongcuo.InputError) as caught:
        rongcuo.batch(cases, "wanzhou", output=output, format="summary")
    assert [d.code for d in caught.value.diagnostics] == ["RC802"]
    # an empty output is a new run: it gets a run file again
    output.write_bytes(b"")
    summary = rongcuo.batch(cases, "wanzhou", output=output, format="summary")
    assert summary.done == 2 and (tmp_path / "out.jsonl.run.json").is_file()


def test_resuming_after_lines_of_the_input_changed_is_refused_but_appended_lines_run(
    tmp_path: Path,
) -> None:
    # Keys of a JSON Lines input are line numbers: lines already read must stay as they were.
    lines = [json_line(p) for p in WANZHOU[:4]]
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(lines[:2]) + "\n", "utf-8")
    output = tmp_path / "out.jsonl"
    assert rongcuo.batch(source, "wanzhou", output=output, format="summary").done == 2
    run = json.loads((tmp_path / "out.jsonl.run.json").read_text("utf-8"))
    assert run["input"]["bytes"] == source.stat().st_size

    source.write_text("\n".join(lines) + "\n", "utf-8")  # two lines added at the end
    summary = rongcuo.batch(source, "wanzhou", output=output, format="summary")
    assert (summary.skipped, summary.done) == (2, 2)

    source.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n", "utf-8")  # reordered
    written = output.read_bytes()
    with pytest.raises(rongcuo.InputError) as caught:
        rongcuo.batch(source, "wanzhou", output=output, format="summary")
    (diag,) = caught.value.diagnostics
    assert diag.code == "RC801" and diag.location.path == ("input",)
    assert "keys are line numbers" in diag.message_en
    assert output.read_bytes() == written

    folder = copy_cases(tmp_path / "cases", WANZHOU[:1])  # another kind of input
    with pytest.raises(rongcuo.InputError, match="kind of input differs"):
        rongcuo.batch(folder, "wanzhou", output=output, format="summary")


def generated_cases(folder: Path, count: int) -> dict[str, str]:
    """``count`` case files, the wanzhou examples again and again under new ids: name → the
    outcome expected."""
    folder.mkdir()
    names = {}
    for i in range(count):
        source = WANZHOU[i % len(WANZHOU)]
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["id"] = f"GEN-{i:04d}"
        name = f"{i:04d}-{source.name}"
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        names[name] = expected_outcome(source)
    return names


def test_sigkill_then_rerun_writes_every_case_exactly_once(tmp_path: Path) -> None:
    names = generated_cases(tmp_path / "cases", 200)
    output = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "rongcuo.cli", "batch", str(tmp_path / "cases")]
    command += ["--ruleset", "wanzhou", "-o", str(output), "-j", "2"]
    run = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while run.poll() is None and time.monotonic() < deadline:
        if output.exists() and output.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.01)
    os.kill(run.pid, signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    written = output.read_bytes().count(b"\n")
    assert 20 <= written < 200

    rerun = subprocess.run(command, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"跳过已完成 {written} 件" in rerun.stderr
    rows = records(output)
    assert sorted(r["key"] for r in rows) == sorted(names)  # each once, none lost
    assert {r["key"]: r["outcome"] for r in rows} == names


needs_dask = pytest.mark.skipif(
    not DASK_REQUIRED and importlib.util.find_spec("distributed") is None,
    reason="Dask not installed: pip install 'rongcuo[dask]' (CI requires it)",
)


@pytest.fixture
def dask_client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@needs_dask
def test_dask_cluster_decides_like_one_process_and_resumes(
    dask_client: Any, wanzhou_dir: Path, clean_run: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    summary = rongcuo.batch_on_dask(dask_client, wanzhou_dir, "wanzhou", output=output, chunksize=4)
    assert (summary.done, summary.errors) == (len(WANZHOU), 0)
    assert raw_decisions(output) == clean_run

    lines = output.read_bytes().splitlines(keepends=True)
    output.write_bytes(b"".join(lines[:10]) + lines[10][:100])
    summary = rongcuo.batch_on_dask(dask_client, wanzhou_dir, "wanzhou", output=output, chunksize=4)
    assert (summary.skipped, summary.done) == (10, len(WANZHOU) - 10)
    assert raw_decisions(output) == clean_run
    plugins = dask_client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert not any(n.startswith("rongcuo-batch") for names in plugins.values() for n in names)
