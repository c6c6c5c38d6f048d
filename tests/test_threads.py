"""One Engine shared by several threads gives every thread the decision it would get alone.

durable_rules' C core has no locks and one evaluator keeps a session and counters between
cases: unguarded, threads interleaving on it got other cases' rule values and engine errors. Each
thread here evaluates example cases of every outcome, in its own order, on one Engine, and every
decision must be byte for byte the one a single thread gets.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import rongcuo
from rongcuo.case.file import Case

from .conftest import BACKENDS, EXAMPLES, ROOT, expected_outcome, ruleset_of

THREADS = 6
EVALUATIONS = 90  # per thread: 540 in all


def _sample() -> list[Path]:
    """Two wanzhou examples of each outcome (the insufficient ones run what-if trials)."""
    chosen: dict[str, list[Path]] = {}
    for path in EXAMPLES:
        if ruleset_of(path) == "wanzhou":
            picked = chosen.setdefault(expected_outcome(path), [])
            if len(picked) < 2:
                picked.append(path)
    return [p for paths in chosen.values() for p in paths]


def _run_threads(engine: rongcuo.Engine, cases: list[tuple[Case, str]]) -> list[list[str]]:
    """Each thread evaluates ``EVALUATIONS`` of ``cases`` in its own random order; returns, per
    thread, the problems it met (a decision other than expected, or an exception)."""
    expected = {
        case.id: engine.evaluate(case, ruleset=rid).to_json() for case, rid in cases
    }  # single-threaded, on the same engine (its caches warm)
    start = threading.Barrier(THREADS)
    problems: list[list[str]] = [[] for _ in range(THREADS)]

    def work(n: int) -> None:
        rnd = random.Random(n)
        start.wait()
        for _ in range(EVALUATIONS):
            case, rid = rnd.choice(cases)
            try:
                got = engine.evaluate(case, ruleset=rid).to_json()
            except Exception as exc:
                problems[n].append(f"{case.id}: {type(exc).__name__}: {exc}")
                continue
            if got != expected[case.id]:
                problems[n].append(f"{case.id}: a different decision")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return problems


def main(backend: rongcuo.Backend) -> int:
    """The threaded run, in a process of its own (a race in durable's C core can crash the
    process rather than give a wrong value): prints each problem met; exit 0 when none."""
    sys.setswitchinterval(1e-5)  # switch threads every 10 µs (not 5 ms): races show in a few
    # hundred evaluations rather than tens of thousands
    with rongcuo.Engine(backend=backend) as engine:
        cases = [(engine.load_case(p)[0], ruleset_of(p)) for p in _sample()]
        outcomes = {engine.evaluate(c, ruleset=r).outcome for c, r in cases}
        assert outcomes == {"tolerate", "mitigate", "not_tolerate", "refer", "insufficient_facts"}
        problems = [p for per_thread in _run_threads(engine, cases) for p in per_thread]
    print(f"{len(problems)} problems in {THREADS * EVALUATIONS} evaluations")
    for problem in problems[:10]:
        print(problem)
    return 1 if problems else 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_engine_shared_by_threads_gives_each_the_single_threaded_decision(
    backend: str,
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tests.test_threads", backend],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a speed test
    )
    assert (run.returncode, run.stdout) == (
        0,
        f"0 problems in {THREADS * EVALUATIONS} evaluations\n",
    ), run.stderr[-2000:]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))  # type: ignore[arg-type]
