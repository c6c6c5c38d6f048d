"""Time the working tree against an earlier revision, case by case in one process.

    python bench/ab.py REV [--ruleset wanzhou] [--backend durable] [--cases 2000] [--rounds 2]

The machines this runs on drift in speed by up to 2x over minutes, so two runs of
``bench/run.py`` taken a few minutes apart can differ more than a change does. This script
takes rongcuo's package as it was at ``REV`` (``git archive``, imported under another name),
loads both versions into one process, and evaluates each case of a generated corpus with one and
then the other, alternating which goes first: both see the same machine at the same moment, so
their ratio holds even when the absolute figures drift.

Both versions read the working tree's rulesets and must give byte-identical Decision JSON for
every case (a speed change must not change a decision); any difference is printed and the exit
status is 1, unless ``--allow-differences`` is given for a change meant to alter decisions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, generate
from rongcuo import Engine

AS_OF = dt.date(2026, 6, 1)
BASE_NAME = "rongcuo_at_base"


def import_revision(rev: str, into: Path) -> Any:
    """rongcuo's package at ``rev``, imported as ``rongcuo_at_base`` from ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src/rongcuo"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "src" / "rongcuo").rename(into / BASE_NAME)  # its imports are relative
    sys.path.insert(0, str(into))
    return importlib.import_module(BASE_NAME)


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

    rulesets = [ROOT / "rulesets"]
    with tempfile.TemporaryDirectory(prefix="rongcuo-ab-") as tmp:
        base = import_revision(args.rev, Path(tmp))
        head_engine = Engine(rulesets, backend=args.backend)
        base_engine = base.Engine(rulesets, backend=args.backend)
        cases = generate(head_engine, args.ruleset, args.cases).cases
        base_cases = [base.Case.model_validate(c.model_dump()) for c in cases]
        rid = args.ruleset

        def head(i: int) -> Any:
            return head_engine.evaluate(cases[i], ruleset=rid, as_of=AS_OF)

        def before(i: int) -> Any:
            return base_engine.evaluate(base_cases[i], ruleset=rid, as_of=AS_OF)

        outcomes, differ = [], []
        for i, case in enumerate(cases):  # also warms both engines
            mine, theirs = head(i), before(i)
            outcomes.append(mine.outcome)
            if mine.to_json() != theirs.to_json():
                differ.append(case.id)
        times: dict[str, list[float]] = {"base": [], "head": []}
        clock = time.perf_counter
        for r in range(args.rounds):
            for i in range(len(cases)):
                order = (("base", before), ("head", head))
                for name, run in order if (i + r) % 2 else order[::-1]:
                    t = clock()
                    run(i)
                    times[name].append(clock() - t)
        head_engine.close()
        base_engine.close()

    every = outcomes * args.rounds
    rows = {name: summary(ts, every) for name, ts in times.items()}
    print(f"{rid}, {args.backend}, {len(cases):,} cases × {args.rounds} rounds (ms per case)")
    print(f"{'':>10} " + " ".join(f"{k:>18}" for k in rows["base"]))
    for name in ("base", "head"):
        print(f"{name:>10} " + " ".join(f"{v:>18.3f}" for v in rows[name].values()))
    ratios = [rows["head"][k] / rows["base"][k] for k in rows["base"]]
    print(f"{'head÷base':>10} " + " ".join(f"{v:>17.3f}×" for v in ratios))
    print(f"decisions identical: {len(cases) - len(differ):,} of {len(cases):,}")
    if differ:
        print("differ: " + ", ".join(differ[:20]) + (" …" if len(differ) > 20 else ""))
        return 0 if args.allow_differences else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
