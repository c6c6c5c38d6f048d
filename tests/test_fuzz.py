"""The fuzz corpus: every malformed ruleset, case file and template in ``tests/fuzz/`` is rejected.

For each entry of ``tests/fuzz/manifest.jsonl`` (written by ``tools/make_fuzz_corpus.py``; see
``docs/fuzz.md``) the command it names is run in a fresh, empty working folder, and must:

- exit with the manifest's code: 1 (bad input) or 2 (usage error) — never 0, never 3 (internal
  error), never a signal (a segfault in durable's C core is exit 139 from a shell);
- print no traceback;
- for exit 1, print a located diagnostic with a code, ``FILE:LINE:COLUMN: error RCnnn`` with a
  line of 1 or more. Entries the manifest marks ``"located": false`` may instead print an
  unlocated one, ``FILE: error RCnnn`` or ``error RCnnn:``: the problems that belong to no line
  of any file, namely a file that cannot be read as a whole (empty, a folder, a FIFO, a device,
  not a zip), an empty ruleset folder, a ruleset id or version that does not exist (RC301), an
  ``--as-of`` before the incident date (RC209: an option against the file, like RC301), and a
  template file that is missing. For exit 2, print click's ``Error:`` line (nothing was read yet,
  so there is no code);
- leave no file behind: the working folder (where every ``-o`` points) is as it was before the
  run, and the entry's folder in the corpus is unchanged;
- answer within :data:`TIMEOUT` seconds: a generous guard against hangs, not a speed test.

The entries run in-process in a few worker processes (``tests/fuzz_runner.py``), all at the first
test, then each entry's test reads its result, so a failure names the entry and its command.
Set ``RONGCUO_FUZZ_REPORT=FILE`` to also write every result as JSON.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shlex
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from rongcuo.api import durable_installed
from tests.fuzz_runner import Job, Result, run_all

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fuzz"
MANIFEST = CORPUS / "manifest.jsonl"
#: Seconds one entry may take before it counts as a hang (most take well under one).
TIMEOUT = 60.0

LOCATED = re.compile(
    r"^(?P<file>\S.*?):(?P<line>\d+):(?P<column>\d+): error (?P<code>RC\d{3})\b", re.M
)
COUNTED = re.compile(r"\b[1-9]\d* error\(s\)")
UNLOCATED = re.compile(r"^(?:(?P<file>\S.*?): )?error (?P<code>RC\d{3})\b", re.M)


def _load_manifest() -> list[dict[str, Any]]:
    return [json.loads(line) for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line]


ENTRIES = _load_manifest()
BY_ID = {e["id"]: e for e in ENTRIES}


# ----------------------------------------------------------------------------- folders


def snapshot(folder: Path) -> dict[str, str]:
    """Every name under ``folder`` with its kind, and a hash for regular files (links not followed)."""
    out: dict[str, str] = {}
    if not folder.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            st = path.lstat()
            if stat.S_ISREG(st.st_mode):
                out[rel] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = "link " + os.readlink(path)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir"
            else:
                out[rel] = f"special {stat.S_IFMT(st.st_mode):o}"
    return out


def prepare(entry: dict[str, Any], work: Path) -> None:
    """Make what git cannot store (empty folders, FIFOs, links) in the working folder."""
    setup = entry.get("setup") or {}
    for rel in setup.get("mkdir", []):
        (work / rel).mkdir(parents=True, exist_ok=True)
    for rel in setup.get("mkfifo", []):
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(work / rel)
    for rel, target in setup.get("symlink", {}).items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, work / rel)


def command(entry: dict[str, Any], work: Path) -> list[str]:
    places = {
        "{entry}": str(CORPUS / entry["id"]),
        "{corpus}": str(CORPUS),
        "{root}": str(ROOT),
        "{work}": str(work),
    }
    args: list[str] = []
    for arg in entry["args"]:
        for key, value in places.items():
            arg = arg.replace(key, value)
        args.append(arg)
    if not durable_installed():
        # Python 3.13+: the entries written for durable run on the reference evaluator, which
        # must reject them just the same (asking for durable there is RC302, tested elsewhere).
        args = [
            "reference" if a == "durable" and b == "--backend" else a
            for b, a in pairwise(["", *args])
        ]
    return args


def repro(entry: dict[str, Any]) -> str:
    """A shell line that reproduces the entry, in a fresh folder ``$W``."""
    setup = entry.get("setup") or {}
    steps = ["W=$(mktemp -d)", 'cd "$W"']
    steps += [f"mkdir -p {shlex.quote(d)}" for d in setup.get("mkdir", [])]
    steps += [f"mkfifo {shlex.quote(f)}" for f in setup.get("mkfifo", [])]
    steps += [
        f"ln -s {shlex.quote(t)} {shlex.quote(n)}" for n, t in setup.get("symlink", {}).items()
    ]
    words = []
    for arg in command(entry, Path("@W@")):
        words.append(f'"{arg}"'.replace("@W@", "$W") if "@W@" in arg else shlex.quote(arg))
    return " && ".join([*steps, f"{ROOT}/.venv/bin/rongcuo " + " ".join(words)])


# ----------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class Outcome:
    """An entry's result with the state of its folders before and after."""

    result: Result
    work_before: dict[str, str]
    work_after: dict[str, str]
    entry_before: dict[str, str]
    entry_after: dict[str, str]


def symptoms(entry: dict[str, Any], out: Outcome) -> list[str]:
    """Everything wrong with how the command handled the entry (empty: all is well)."""
    r = out.result
    found: list[str] = []
    if r.ended == "hang":
        return [f"hang: no answer within {TIMEOUT:.0f} s"]
    if r.ended == "crash":
        return [f"crash: the process died (signal {r.signal})"]
    if r.ended == "exception" or "Traceback (most recent call last)" in r.output:
        found.append("traceback")
    if r.code == 3 or "内部错误 internal error" in r.output:
        found.append("exit 3: internal error")
    elif r.code == 0:
        found.append("exit 0: accepted")
    elif r.code != entry["exit"]:
        found.append(f"exit {r.code}, expected {entry['exit']}")
    if entry["exit"] == 1 and r.code == 1:
        located = [m for m in LOCATED.finditer(r.output) if int(m["line"]) >= 1]
        if not located:
            if not entry["located"]:
                if not UNLOCATED.search(r.output):
                    found.append("no diagnostic with a code")
            elif UNLOCATED.search(r.output):
                found.append("unlocated: a code but no file:line:column")
            elif COUNTED.search(r.output):
                found.append("no diagnostic with a code: an error is counted but not shown")
            else:
                found.append("no diagnostic with a code")
    if entry["exit"] == 2 and r.code == 2 and "Error:" not in r.output:
        found.append("no usage message")
    if out.work_after != out.work_before:
        left = sorted(set(out.work_after) - set(out.work_before)) or ["(changed)"]
        found.append("file left behind: " + ", ".join(left))
    if out.entry_after != out.entry_before:
        found.append("the corpus entry's folder changed")
    return found


def _selected_ids(session: pytest.Session) -> list[str]:
    ids = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "entry_id" in callspec.params:
            ids.append(callspec.params["entry_id"])
    return ids or [e["id"] for e in ENTRIES]


@pytest.fixture(scope="session")
def fuzz_outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Outcome]]:
    ids = _selected_ids(request.session)
    base = tmp_path_factory.mktemp("fuzz")
    jobs: list[Job] = []
    before: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for n, eid in enumerate(ids):
        entry = BY_ID[eid]
        work = base / f"{n:04d}"
        work.mkdir()
        prepare(entry, work)
        before[eid] = (snapshot(work), snapshot(CORPUS / eid))
        jobs.append(Job(eid, command(entry, work), str(work)))
    workers = int(os.environ.get("RONGCUO_FUZZ_WORKERS", "2"))
    results = run_all(jobs, timeout=TIMEOUT, workers=workers)
    outcomes: dict[str, Outcome] = {}
    for job in jobs:
        wb, eb = before[job.id]
        outcomes[job.id] = Outcome(
            results[job.id], wb, snapshot(Path(job.cwd)), eb, snapshot(CORPUS / job.id)
        )
    report = os.environ.get("RONGCUO_FUZZ_REPORT")
    if report:
        rows = []
        for eid, o in outcomes.items():
            rows.append(
                {
                    "id": eid,
                    "class": BY_ID[eid]["class"],
                    "code": o.result.code,
                    "ended": o.result.ended,
                    "seconds": round(o.result.seconds, 3),
                    "symptoms": symptoms(BY_ID[eid], o),
                    "repro": repro(BY_ID[eid]),
                    "output": o.result.output[-2000:],
                }
            )
        Path(report).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    yield outcomes


@pytest.mark.parametrize("entry_id", [e["id"] for e in ENTRIES])
def test_fuzz_entry_is_rejected_with_a_located_diagnostic(
    entry_id: str, fuzz_outcomes: dict[str, Outcome]
) -> None:
    entry = BY_ID[entry_id]
    out = fuzz_outcomes[entry_id]
    found = symptoms(entry, out)
    assert not found, (
        f"{entry['class']}: {entry['note']}\n"
        f"  symptoms: {'; '.join(found)}\n"
        f"  repro: {repro(entry)}\n"
        f"  exit {out.result.code}, output:\n{out.result.output[-1500:]}"
    )


# ----------------------------------------------------------------------------- the corpus itself


def test_fuzz_corpus_is_what_the_generator_writes() -> None:
    """Regenerating reproduces the committed bytes (the generator is seeded and deterministic)."""
    # Loaded from its path: tools/ is not a package (mypy checks its scripts as top-level modules).
    spec = importlib.util.spec_from_file_location(
        "make_fuzz_corpus", ROOT / "tools" / "make_fuzz_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    make_fuzz_corpus = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = make_fuzz_corpus  # dataclasses look their module up by name
    spec.loader.exec_module(make_fuzz_corpus)

    expected = make_fuzz_corpus.render(make_fuzz_corpus.build())
    actual = make_fuzz_corpus.on_disk(CORPUS)
    assert sorted(actual) == sorted(expected)
    changed = [name for name in expected if actual[name] != expected[name]]
    assert not changed, (
        f"differ from a fresh run (python tools/make_fuzz_corpus.py): {changed[:10]}"
    )


def test_fuzz_corpus_covers_the_hostile_classes() -> None:
    classes = {e["class"] for e in ENTRIES}
    assert len(ENTRIES) >= 300
    assert {e["exit"] for e in ENTRIES} == {1, 2}
    for needed in (
        "ruleset/yaml-syntax/tab",
        "ruleset/yaml-syntax/indent",
        "ruleset/yaml-syntax/quote",
        "ruleset/duplicate-key",
        "ruleset/unknown-key",
        "ruleset/missing-key",
        "ruleset/bad-id",
        "ruleset/bad-date",
        "ruleset/numbers/nan",
        "ruleset/numbers/inf",
        "ruleset/numbers/bigint",
        "ruleset/deep-nesting",
        "ruleset/alias-bomb",
        "ruleset/recursive-alias",
        "ruleset/semantics/cycle",
        "ruleset/semantics/missing-rule",
        "ruleset/folder/empty",
        "case/encoding/non-utf8",
        "case/encoding/nul",
        "case/encoding/bom-error",
        "case/empty/empty",
        "case/huge-string",
        "case/facts/nan",
        "case/facts/e400",
        "case/facts/enum",
        "case/facts/unknown-fact",
        "case/claimed",
        "case/json/trailing-comma",
        "case/json/nan",
        "case/json/duplicate-key",
        "template/sandbox",
        "template/arith",
        "template/huge",
        "template/recursion",
        "template/include",
        "template/undefined",
        "template/docx/not-zip",
        "template/docx/bad-xml",
    ):
        assert needed in classes, needed
    for entry in ENTRIES:
        assert entry["exit"] in (1, 2), entry["id"]
    # Every folder of the corpus belongs to an entry of the manifest (no stray leftovers).
    assert {p.name for p in CORPUS.iterdir() if p.is_dir()} <= set(BY_ID)


def test_fuzz_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    # entries carry copies of the national ruleset, which grew by its clearing block (issue 14:
    # 3.3 MB → 3.7 MB); the bound keeps the corpus from growing by accident, not a budget of disk
    assert total < 3_900_000, f"the corpus is {total / 1e6:.2f} MB; keep it near 3.7 MB"


def test_fuzz_runner_charges_a_dead_worker_to_its_entry_and_carries_on(tmp_path: Path) -> None:
    """A worker that dies mid-entry (here: its working folder is gone) fails that entry alone."""
    jobs = [
        Job("dies", ["--version"], str(tmp_path / "no-such-folder")),
        Job("after", ["--version"], str(tmp_path)),
        Job("usage", ["evaluate"], str(tmp_path)),
    ]
    results = run_all(jobs, timeout=TIMEOUT, workers=1)
    assert results["dies"].ended == "crash"
    assert results["after"].ended == "exit"
    assert results["after"].code == 0
    assert "rongcuo" in results["after"].output
    assert results["usage"].code == 2
    assert "Error:" in results["usage"].output
