"""Output files: a folder input means the same cases for batch and memo, every file a command
writes stays where it was asked to go and never destroys an input, a link, a device or a file
that is not ours, and a record is never shown as made when it was not."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rongcuo.cli import main
from rongcuo.files import NAME_BYTES, safe_name

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
CASE = EXAMPLES / "wz-01-pilot-tolerate.yaml"
CALENDAR = EXAMPLES / "calendar" / "example-2025.yaml"
RONGCUO = [sys.executable, "-m", "rongcuo.cli"]
#: The assessment date memos are made on (the CLI would take today's; tests never do).
AS_OF = "2025-09-26"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def case_with_id(folder: Path, name: str, case_id: str) -> Path:
    data = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    data["id"] = case_id
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def summary_batch(cases: Path | str, output: Path | str, *more: str) -> tuple[int, str, str]:
    return run("batch", cases, "--ruleset", "wanzhou", "-o", output, "--format", "summary", *more)


# --- item 3: a folder input ---------------------------------------------------------------


def test_readme_batch_command_on_examples_skips_the_calendar_supplement(tmp_path: Path) -> None:
    output = tmp_path / "decisions.jsonl"
    command = [*RONGCUO, "batch", "examples/", "--ruleset", "wanzhou", "-j", "2", "-o", str(output)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    keys = [json.loads(line)["key"] for line in output.read_text("utf-8").splitlines()]
    # Subfolders are read too (the investigator corpus); the calendar supplement is skipped.
    cases = sorted(
        p.relative_to(EXAMPLES).as_posix()
        for p in EXAMPLES.rglob("*.yaml")
        if p.parent.name != "calendar"
    )
    assert sorted(keys) == cases
    assert "calendar/example-2025.yaml" in done.stderr and "skipped calendar" in done.stderr
    assert f"共 {len(cases)} 件 total" in done.stderr


def test_memo_folder_reads_the_same_cases_as_batch(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    case_with_id(cases, "a.yaml", "WZ-A")
    case_with_id(cases, "2024/b.yaml", "WZ-B")  # subfolders are read, as by batch
    (cases / "calendar").mkdir()
    shutil.copy(CALENDAR, cases / "calendar" / "2025.yaml")
    memos = tmp_path / "memos"
    code, _, err = run(
        "memo", cases, "--ruleset", "wanzhou", "-o", memos, "--format", "md", "--as-of", AS_OF
    )
    assert code == 0, err
    assert sorted(p.name for p in memos.iterdir()) == ["WZ-A.md", "WZ-B.md"]
    assert "skipped calendar supplement" in err and "2025.yaml" in err
    assert "已生成 2 份" in err and "失败 0 份" in err

    code, _, err = summary_batch(cases, tmp_path / "out.jsonl")
    assert code == 0, err
    keys = [json.loads(line)["key"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(keys) == ["2024/b.yaml", "a.yaml"]


def test_a_broken_case_whose_first_key_is_a_year_is_still_reported(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "odd.yaml").write_text("2025: x\nid: WZ-1\n", encoding="utf-8")  # not all years
    code, _, _ = summary_batch(cases, tmp_path / "out.jsonl")
    assert code == 1
    [row] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert row["key"] == "odd.yaml" and row["error"]  # reported as a broken case, not skipped


def test_batch_output_inside_the_folder_input_is_not_read_as_a_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    case_with_id(cases, "a.yaml", "WZ-A")
    output = cases / "out.jsonl"  # its run file, out.jsonl.run.json, ends in .json
    assert summary_batch(cases, output)[0] == 0
    code, _, err = summary_batch(cases, output)
    assert code == 0, err
    assert "已全部完成 nothing to do：1 件" in err
    assert [json.loads(line)["key"] for line in output.read_text().splitlines()] == ["a.yaml"]


# --- item 10: memo file names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_id", "name"),
    [
        ("WZ-2024-017", "WZ-2024-017"),
        ("万州-2024-第17号", "万州-2024-第17号"),
        ("../x", "_x"),
        ("/etc/cron.d/x", "_etc_cron.d_x"),
        ("..", "case"),
        (".hidden", "hidden"),
        ("a\\b:c*d?", "a_b_c_d_"),
        ("line\nbreak\x00nul\u202eltr", "line_break_nul_ltr"),
        ("CON", "_CON"),
        ("trailing. ", "trailing"),
    ],
)
def test_safe_name_keeps_chinese_and_never_names_a_path(case_id: str, name: str) -> None:
    assert safe_name(case_id) == name


def test_safe_name_is_capped_in_bytes_not_characters() -> None:
    name = safe_name("认" * 300)
    assert len(name.encode()) <= NAME_BYTES and name == "认" * (NAME_BYTES // 3)


def test_memo_folder_files_never_leave_the_output_folder(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    ids = ["../escape", str(tmp_path / "abs"), ".hidden", "a/b", "a_b", "万州" * 120]
    for n, case_id in enumerate(ids):
        case_with_id(cases, f"{n}.yaml", case_id)
    memos = tmp_path / "out" / "memos"
    code, _, err = run(
        "memo", cases, "--ruleset", "wanzhou", "-o", memos, "--format", "md", "--as-of", AS_OF
    )
    assert code == 0, err
    everything = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.md"))
    names = sorted(p.name for p in memos.iterdir())
    assert everything == [f"out/memos/{n}" for n in names]  # nothing written elsewhere
    assert len(names) == len(ids)  # a/b and a_b got a file each
    assert "_escape.md" in names and "hidden.md" in names and "a_b.md" in names
    assert "a_b~2.md" in names
    assert "已生成 6 份" in err and "失败 0 份" in err


def test_two_cases_with_one_id_are_an_error_naming_both_and_counted_truthfully(
    tmp_path: Path,
) -> None:
    cases = tmp_path / "cases"
    first = case_with_id(cases, "a.yaml", "WZ-SAME")
    second = case_with_id(cases, "b.yaml", "WZ-SAME")
    memos = tmp_path / "memos"
    code, _, err = run(
        "memo", cases, "--ruleset", "wanzhou", "-o", memos, "--format", "md", "--as-of", AS_OF
    )
    assert code == 1
    assert [p.name for p in memos.iterdir()] == ["WZ-SAME.md"]
    assert "RC309" in err and str(first) in err and str(second) in err
    assert "已生成 1 份" in err and "失败 1 份" in err


# --- item 11: never destroy the input or a file that is not a batch output -------------------


def one_case_line(tmp_path: Path) -> Path:
    data = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def test_batch_output_that_is_the_input_is_refused_also_through_a_link(tmp_path: Path) -> None:
    source = one_case_line(tmp_path)
    before = source.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(source)
    for output in (source, tmp_path / "link.jsonl", tmp_path / "." / "one.jsonl"):
        code, _, err = summary_batch(source, output)
        assert code == 1 and "RC309" in err, err
        assert source.read_bytes() == before
    assert not (tmp_path / "one.jsonl.run.json").exists()


def test_a_one_line_file_that_is_not_a_record_is_refused_not_truncated(tmp_path: Path) -> None:
    source = one_case_line(tmp_path)
    for text in ("my notes\n", "no newline at the end", '{"id": "WZ-1"}\n'):
        other = tmp_path / "other.jsonl"
        other.write_text(text, encoding="utf-8")
        code, _, err = summary_batch(source, other)
        assert code == 2 and "RC803" in err, err
        assert other.read_text(encoding="utf-8") == text
    assert not (tmp_path / "other.jsonl.run.json").exists()


def test_a_damaged_record_in_the_middle_is_rc804_naming_its_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    for n in range(4):
        case_with_id(cases, f"{n}.yaml", f"WZ-{n}")
    output = tmp_path / "out.jsonl"
    assert run("batch", cases, "--ruleset", "wanzhou", "-o", output)[0] == 0
    lines = output.read_bytes().splitlines(keepends=True)
    # still JSON, head intact, but the decision inside is no longer this record's
    lines[1] = lines[1].replace(b'"outcome":"tolerate"}', b'"outcome":"mitigate"}', 1)
    lines[1] = lines[1].replace(b'"case":{"id":"WZ-1"', b'"case":{"id":"WZ-9"', 1)
    damaged = b"".join(lines)
    output.write_bytes(damaged)
    code, _, err = run("batch", cases, "--ruleset", "wanzhou", "-o", output)
    assert code == 1 and "RC804" in err and f"{output}:2:1" in err, err
    assert output.read_bytes() == damaged  # nothing changed

    # the hint's fix: delete the line, run again, and the case is decided again
    output.write_bytes(b"".join(lines[:1] + lines[2:]))
    code, _, err = run("batch", cases, "--ruleset", "wanzhou", "-o", output)
    assert code == 0, err
    rows = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert sorted(r["key"] for r in rows) == [f"{n}.yaml" for n in range(4)]
    assert all(r["decision"]["case"]["id"] == r["case_id"] for r in rows)


def test_a_torn_last_line_is_still_cut_and_its_case_decided_again(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    for n in range(3):
        case_with_id(cases, f"{n}.yaml", f"WZ-{n}")
    output = tmp_path / "out.jsonl"
    assert summary_batch(cases, output)[0] == 0
    whole = output.read_bytes()
    lines = whole.splitlines(keepends=True)
    output.write_bytes(lines[0] + lines[1] + b"\0" * 40)  # zeroes after a power cut
    code, _, err = summary_batch(cases, output)
    assert code == 0, err
    assert sorted(output.read_bytes().splitlines()) == sorted(whole.splitlines())


# --- item 12: folders, links, devices, FIFOs, read-only places -----------------------------


def writers(tmp_path: Path, target: Path) -> dict[str, list[str | Path]]:
    """Each command that writes a file, aimed at ``target``."""
    source = one_case_line(tmp_path)
    return {
        "batch": ["batch", source, "--ruleset", "wanzhou", "-o", target],
        "memo": ["memo", CASE, "--ruleset", "wanzhou", "--format", "md", "-o", target],
        "diff": ["diff", CASE, "--base", "wanzhou", "--head", "wanzhou", "-o", target],
    }


@pytest.mark.parametrize("command", ["batch", "memo", "diff"])
def test_output_onto_a_folder_is_rc305(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    code, _, err = run(*writers(tmp_path, folder)[command])
    assert code == 1 and "RC305" in err, err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", ["batch", "memo", "diff"])
def test_output_onto_a_symlink_is_refused_and_the_link_kept(tmp_path: Path, command: str) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    code, _, err = run(*writers(tmp_path, link)[command])
    assert code == 1 and "RC306" in err, err
    assert link.is_symlink() and target.read_text() == "keep me\n"


@pytest.mark.parametrize("command", ["batch", "memo", "diff"])
def test_output_onto_a_device_or_a_fifo_is_rc307_and_never_hangs(
    tmp_path: Path, command: str
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # As root, a regression would replace the machine's own /dev/null with a regular file (it
    # did once): root gets a private null device in tmp_path instead. Others cannot replace
    # /dev/null, so it is safe to aim at.
    device = Path("/dev/null")
    if os.geteuid() == 0:
        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for target in (device, fifo):
        args = [str(a) for a in writers(tmp_path, target)[command]]
        done = subprocess.run([*RONGCUO, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and "RC307" in done.stderr, done.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_folder_outputs_onto_a_file_are_rc305(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    cases = tmp_path / "cases"
    case_with_id(cases, "a.yaml", "WZ-A")
    code, _, err = run("memo", cases, "--ruleset", "wanzhou", "-o", plain, "--format", "md")
    assert code == 1 and "RC305" in err, err
    code, _, err = run("templates", "--copy", plain)
    assert code == 1 and "RC305" in err, err
    assert plain.read_text() == "x"


def test_templates_copy_never_writes_through_a_dangling_link(tmp_path: Path) -> None:
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "tolerate.j2").symlink_to(tmp_path / "outside.j2")
    code, out, err = run("templates", "--copy", dest)
    assert code == 0, err
    assert not (tmp_path / "outside.j2").exists() and (dest / "tolerate.j2").is_symlink()
    assert "skipped existing" in err and str(dest / "mianyang") not in out


# Permission checks mean nothing to root: run those commands as an unprivileged user.
def _unprivileged_python_runs() -> bool:
    """Whether user 65534 can start this interpreter (a Python built with its shared library in
    a private home, as pyenv's 3.13 under /root, cannot be loaded by another user)."""
    if os.geteuid() != 0:
        return True
    if shutil.which("setpriv") is None:
        return False
    probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    done = subprocess.run([*probe, sys.executable, "-c", ""], capture_output=True, timeout=60)
    return done.returncode == 0


needs_unprivileged = pytest.mark.skipif(
    not _unprivileged_python_runs(),
    reason="running as root, and no unprivileged user can run this Python (setpriv missing, "
    "or the interpreter is private to root): cannot test a read-only place",
)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder under /tmp that an unprivileged user can enter (pytest's tmp_path is private)."""
    folder = Path(tempfile.mkdtemp(prefix="rongcuo-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for p in [folder, *folder.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(folder)


def unprivileged(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    env = {**os.environ, "HOME": str(cwd)}
    command = [*prefix, *RONGCUO, *(str(a) for a in args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@needs_unprivileged
def test_outputs_into_a_read_only_folder_are_rc308_before_any_work(shared_tmp: Path) -> None:
    source = one_case_line(shared_tmp)
    source.chmod(0o644)
    locked = shared_tmp / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    commands: list[list[str | Path]] = [
        ["batch", source, "--ruleset", "wanzhou", "-o", locked / "out.jsonl"],
        ["memo", CASE, "--ruleset", "wanzhou", "--format", "md", "-o", locked / "m.md"],
        ["memo", shared_tmp, "--ruleset", "wanzhou", "--format", "md", "-o", locked / "memos"],
        ["templates", "--copy", locked / "templates"],
        ["diff", CASE, "--base", "wanzhou", "--head", "wanzhou", "-o", locked / "d.txt"],
    ]
    for args in commands:
        done = unprivileged(*args, cwd=shared_tmp)
        assert done.returncode == 1 and "RC308" in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert list(locked.iterdir()) == []


@needs_unprivileged
def test_evaluate_record_into_a_read_only_store_prints_nothing_and_exits_1(
    shared_tmp: Path,
) -> None:
    store = shared_tmp / "records.sqlite3"
    made = run("evaluate", CASE, "--ruleset", "wanzhou", "--record", "--store", store)
    assert made[0] == 0, made[2]
    store.chmod(0o444)  # the store and its folder belong to root: read-only for the user
    done = unprivileged(
        "evaluate", CASE, "--ruleset", "wanzhou", "--as-of", "2025-01-02", "--record",
        "--store", store, cwd=shared_tmp,
    )  # fmt: skip
    assert done.returncode == 1 and "RC706" in done.stderr, done.stderr
    assert done.stdout == ""  # the decision is not shown as if it had been recorded

    review = unprivileged(
        "record", "review", made[2].split(": ")[-1].strip(), "--outcome", "tolerate",
        "--body", "区委", "--date", "2025-01-02", "--store", store, cwd=shared_tmp,
    )  # fmt: skip
    assert review.returncode == 1 and "RC706" in review.stderr, review.stderr
