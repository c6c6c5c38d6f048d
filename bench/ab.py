"""Time the working tree against an earlier revision, in turns, block by block.

    python bench/ab.py REV [--ruleset wanzhou] [--backend durable] [--cases 2000] [--rounds 2]

The machines this runs on drift in speed by up to 2x over minutes, so two runs of
``bench/run.py`` taken a few minutes apart can differ more than a change does. This script takes
rongcuo's package as it was at ``REV`` (``git archive``, imported under another name) and runs
it and the working tree in two worker processes, one engine each (two durable rulesets used in
turn in one process slow each other down). The workers take turns on blocks of 20 cases of the
same generated corpus, the order swapped every block and round, and only one runs at a time: both
see the machine as it is at that moment, so the ratio of their figures holds even when the
figures themselves drift.

Both read the working tree's rulesets and must give byte-identical Decision JSON for every case
(a speed change must not change a decision); any difference is listed and the exit status is 1,
unless ``--allow-differences`` is given for a change meant to alter decisions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import io
import multiprocessing
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, generate

AS_OF = dt.date(2026, 6, 1)
BASE_NAME = "rongcuo_at_base"
BLOCK = 20


def extract_revision(rev: str, into: Path) -> None:
    """Put rongcuo's package at ``rev`` into ``into/rongcuo_at_base`` (its imports are
    relative, so it imports under that name)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src/rongcuo"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "src" / "rongcuo").rename(into / BASE_NAME)


def worker(conn: Connection, package: str, path: str, args: argparse.Namespace) -> None:
    """Decide the corpus on request with one Engine of ``package``: ``("hash", i, j)`` answers
    the sha256 of each decision's JSON, ``("time", i, j)`` the seconds each took."""
    import rongcuo

    if path:
        sys.path.insert(0, path)
    pkg = importlib.import_module(package)
    rulesets = [ROOT / "rulesets"]
    with rongcuo.Engine(rulesets, backend="reference") as maker:  # the same corpus for both
        corpus = [c.model_dump() for c in generate(maker, args.ruleset, args.cases).cases]
    engine = pkg.Engine(rulesets, backend=args.backend)
    cases = [pkg.Case.model_validate(c) for c in corpus]
    clock = time.perf_counter
    while True:
        what, i, j = conn.recv()
        if what == "stop":
            break
        out: list[Any] = []
        for case in cases[i:j]:
            t = clock()
            decision = engine.evaluate(case, ruleset=args.ruleset, as_of=AS_OF)
            took = clock() - t
            if what == "hash":
                text = decision.to_json()
                out.append((decision.outcome, hashlib.sha256(text.encode()).hexdigest()))
            else:
                out.append(took)
        conn.send(out)
    engine.close()


def summary(times: list[float], outcomes: list[str]) -> dict[str, float]:
    ordered = sorted(times)
    decided = [t for t, o in zip(times, outcomes, strict=True) if o != "insufficient_facts"]
    missing = [t for t, o in zip(times, outcomes, strict=True) if o == "insufficient_facts"]
    return {
        "p50": ordered[len(ordered) // 2] * 1e3,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3,
        "mean": statistics.fmean(times) * 1e3,
        "decided p50": statistics.median(decided) * 1e3 if decided else float("nan"),
        "insufficient mean": statistics.fmean(missing) * 1e3 if missing else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rev", help="the revision to compare with, e.g. HEAD~3 or a commit")
    ap.add_argument("--ruleset", default="wanzhou")
    ap.add_argument("--backend", default="durable", choices=("durable", "reference"))
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=2, help="timed passes over the corpus")
    ap.add_argument("--allow-differences", action="store_true")
    args = ap.parse_args(argv)

    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="rongcuo-ab-") as tmp:
        extract_revision(args.rev, Path(tmp))
        conns: dict[str, Connection] = {}
        procs = []
        for name, package, path in (("base", BASE_NAME, tmp), ("head", "rongcuo", "")):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=worker, args=(theirs, package, path, args))
            proc.start()
            conns[name], procs = mine, [*procs, proc]

        def ask(name: str, what: str, i: int, j: int) -> list[Any]:
            conns[name].send((what, i, j))
            return conns[name].recv()  # type: ignore[no-any-return]

        n = args.cases
        base = [h for i in range(0, n, BLOCK) for h in ask("base", "hash", i, i + BLOCK)]
        head = [h for i in range(0, n, BLOCK) for h in ask("head", "hash", i, i + BLOCK)]
        outcomes = [o for o, _ in head]
        differ = [i for i, (a, b) in enumerate(zip(base, head, strict=True)) if a != b]
        times: dict[str, list[float]] = {"base": [], "head": []}
        for r in range(args.rounds):
            for k, i in enumerate(range(0, n, BLOCK)):
                order = ["base", "head"] if (k + r) % 2 else ["head", "base"]
                for name in order:
                    times[name] += ask(name, "time", i, i + BLOCK)
        for conn in conns.values():
            conn.send(("stop", 0, 0))
        for proc in procs:
            proc.join()

    every = outcomes * args.rounds
    rows = {name: summary(ts, every) for name, ts in times.items()}
    print(f"{args.ruleset}, {args.backend}, {n:,} cases × {args.rounds} rounds (ms per case)")
    print(f"{'':>10} " + " ".join(f"{k:>18}" for k in rows["base"]))
    for name in ("base", "head"):
        print(f"{name:>10} " + " ".join(f"{v:>18.3f}" for v in rows[name].values()))
    ratios = [rows["head"][k] / rows["base"][k] for k in rows["base"]]
    print(f"{'head÷base':>10} " + " ".join(f"{v:>17.3f}×" for v in ratios))
    print(f"decisions identical: {n - len(differ):,} of {n:,}")
    if differ:
        listed = ", ".join(f"case {i}" for i in differ[:20])
        print(f"differ: {listed}{' …' if len(differ) > 20 else ''}")
        return 0 if args.allow_differences else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
