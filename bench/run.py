"""rongcuo's benchmark, run on demand (never in the test suite).

    python bench/run.py [--quick] [--cases N] [--write-docs] [--json FILE] [--baseline FILE]
    python bench/run.py --report FILE [--baseline FILE] [--write-docs]

Measures, on the bundled rulesets and a generated corpus of realistic cases (``bench/corpus.py``):

* per-case evaluation — a full Decision with its trace, ``Engine.evaluate(case_model)`` on a
  case loaded once — p50, p99 and mean, durable_rules and the reference evaluator timed case by
  case in the same run (alternately, so both see the same machine), and their ratio;
* ruleset load + check + compile, cold (a fresh Engine each time), per ruleset and engine;
* memo rendering per format through ``Engine.memo`` (PDF only when WeasyPrint is installed);
* batch throughput with 1 and 2 worker processes (``rongcuo.batch`` when it exists, otherwise a
  ``multiprocessing`` pool with one Engine a process — the output says which);
* resident memory over 100,000 cases (``--quick``: 10,000) in one process and one Engine,
  sampled ten times, and whether it still grows (the slope of the last samples).

Then prints the machine, the tables and each target with ✓ or ✗. ``--write-docs`` puts the same
tables into ``docs/performance.md`` (between its ``bench`` markers); ``--json`` saves the figures
and ``--baseline`` adds a column from such a file (a run on the code before a change);
``--report`` prints (and with ``--write-docs`` writes) the tables of a saved run again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, generate
from rongcuo import Case, Engine

RULESETS = ("wanzhou", "national", "mianyang")
FORMATS = ("md", "html", "docx", "pdf")
MEMO_CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
MEMO_AS_OF = dt.date(2024, 3, 25)
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

# Targets: (key, label, limit, unit)
TARGET_P50_MS = 0.5
TARGET_P99_MS = 1.0
TARGET_RATIO = 1.2  # the architecture issue's target (it was 1.5)
TARGET_100K_S = 60.0
TARGET_LOAD_MS = 50.0

Figures = dict[str, Any]


# --- the machine -----------------------------------------------------------------------------


def machine() -> Figures:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("rongcuo", "durable_rules", "pydantic", "pydantic_core", "PyYAML", "Jinja2"):
        versions[dist] = _version(dist)
    for dist in ("docxtpl", "weasyprint"):
        versions[dist] = _version(dist)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rongcuo_from": str(Path(importlib.import_module("rongcuo").__file__ or "").parent),
    }


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "—"


# --- per-case evaluation ---------------------------------------------------------------------


def per_case(cases_n: int, rulesets: tuple[str, ...]) -> Figures:
    """Both engines on the same generated cases, timed one case at a time, alternately."""
    out: Figures = {}
    with Engine() as durable, Engine(backend="reference") as reference:
        engines = {"durable": durable, "reference": reference}
        for rid in rulesets:
            corpus = generate(reference, rid, cases_n)
            cases = list(corpus.cases)
            warm = cases[: min(50, len(cases))]
            for engine in engines.values():
                for case in warm:
                    engine.evaluate(case, ruleset=rid)
            times: dict[str, list[float]] = {"durable": [], "reference": []}
            writes: list[float] = []  # Decision.to_json, the contract's JSON (ms)
            sizes: list[int] = []
            outcomes: Counter[str] = Counter()
            insufficient: list[bool] = []
            gc.collect()
            clock = time.perf_counter_ns
            for i, case in enumerate(cases):
                order = ("durable", "reference") if i % 2 == 0 else ("reference", "durable")
                for name in order:
                    engine = engines[name]
                    t0 = clock()
                    decision = engine.evaluate(case, ruleset=rid)
                    times[name].append((clock() - t0) / 1e6)
                t0 = clock()
                text = decision.to_json()
                writes.append((clock() - t0) / 1e6)
                sizes.append(len(text.encode()))
                outcomes[decision.outcome] += 1
                insufficient.append(decision.outcome == "insufficient_facts")
            row: Figures = {"cases": len(cases), "outcomes": dict(outcomes)}
            for name, ts in times.items():
                row[name] = _stats(ts)
                row[name]["decided"] = _stats(
                    [t for t, s in zip(ts, insufficient, strict=True) if not s]
                )
                row[name]["insufficient"] = _stats(
                    [t for t, s in zip(ts, insufficient, strict=True) if s]
                )
            row["to_json"] = _stats(writes)
            row["to_json"]["bytes_mean"] = statistics.mean(sizes)
            row["to_json_ratio"] = row["to_json"]["mean"] / row["durable"]["mean"]
            row["ratio_p50"] = row["durable"]["p50"] / row["reference"]["p50"]
            row["ratio_mean"] = row["durable"]["mean"] / row["reference"]["mean"]
            out[rid] = row
    return out


def _stats(ts: list[float]) -> Figures:
    if not ts:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "mean": float("nan")}
    ordered = sorted(ts)
    return {
        "n": len(ts),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "mean": statistics.fmean(ordered),
    }


# --- load + check + compile -------------------------------------------------------------------


def load_times(rulesets: tuple[str, ...], repeat: int) -> Figures:
    """A fresh Engine each time: find and parse the YAML, merge, check, compile (and register
    with durable_rules); the median of ``repeat`` runs, and its parts."""
    out: Figures = {}
    day = dt.date(2024, 6, 1)
    for backend in ("durable", "reference"):
        for rid in rulesets:
            total, load, build = [], [], []
            for _ in range(repeat):
                gc.collect()
                t0 = time.perf_counter()
                engine = Engine(backend=backend)  # type: ignore[arg-type]
                rs = engine.ruleset(rid, day)
                t1 = time.perf_counter()
                engine.evaluator(rs)
                t2 = time.perf_counter()
                engine.close()
                total.append((t2 - t0) * 1000)
                load.append((t1 - t0) * 1000)
                build.append((t2 - t1) * 1000)
            out[f"{backend}:{rid}"] = {
                "ms": statistics.median(total),
                "min_ms": min(total),
                "load_check_ms": statistics.median(load),
                "compile_ms": statistics.median(build),
            }
    return out


# --- memos ---------------------------------------------------------------------------------------


def memo_times(repeat: int) -> Figures:
    out: Figures = {}
    with Engine() as engine:
        for fmt in FORMATS:
            if fmt == "pdf" and importlib.util.find_spec("weasyprint") is None:
                out[fmt] = None
                continue
            n = max(1, repeat // 4) if fmt == "pdf" else repeat
            try:
                engine.memo(MEMO_CASE, ruleset="wanzhou", as_of=MEMO_AS_OF, format=fmt)  # warm
            except Exception as exc:  # e.g. WeasyPrint without Pango: say so, go on
                out[fmt] = {"error": f"{type(exc).__name__}: {exc}"[:120]}
                continue
            ts = []
            for _ in range(n):
                t0 = time.perf_counter()
                memo = engine.memo(MEMO_CASE, ruleset="wanzhou", as_of=MEMO_AS_OF, format=fmt)
                ts.append((time.perf_counter() - t0) * 1000)
            out[fmt] = {"ms": statistics.median(ts), "bytes": len(memo.data), "runs": n}
    return out


# --- batch -----------------------------------------------------------------------------------


def _pool_init() -> None:
    global _POOL_ENGINE
    _POOL_ENGINE = Engine()


_POOL_ENGINE: Engine | None = None


def _pool_chunk(args: tuple[str, list[str]]) -> Counter[str]:
    rid, lines = args
    assert _POOL_ENGINE is not None
    found: Counter[str] = Counter()
    for line in lines:
        decision = _POOL_ENGINE.evaluate(Case.model_validate_json(line), ruleset=rid)
        found[decision.outcome] += 1
    return found


def batch_throughput(corpus: list[Case], total: int, workers: int, rid: str) -> Figures:
    """``total`` cases (the corpus cycled) through ``workers`` processes, wall time from start
    (process start-up included) to the last record written."""
    lines = [c.model_dump_json() for c in corpus]
    with tempfile.TemporaryDirectory(prefix="rongcuo-bench-") as tmp:
        source = Path(tmp) / "cases.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for i in range(total):
                f.write(lines[i % len(lines)] + "\n")
        try:
            import rongcuo

            run_batch: Callable[..., Any] | None = rongcuo.batch  # type: ignore[attr-defined]
        except AttributeError:
            run_batch = None
        t0 = time.perf_counter()
        if run_batch is not None:
            summary = run_batch(
                source, rid, output=Path(tmp) / "out.jsonl", workers=workers, format="summary"
            )
            done = summary.done
            how = "rongcuo.batch (format=summary)"
        else:
            ctx = multiprocessing.get_context("spawn")
            chunks = [
                (rid, [lines[j % len(lines)] for j in range(i, min(i + 200, total))])
                for i in range(0, total, 200)
            ]
            with ctx.Pool(workers, initializer=_pool_init) as pool:
                done = sum(sum(c.values()) for c in pool.imap_unordered(_pool_chunk, chunks))
            how = "multiprocessing.Pool, one Engine a process (rongcuo.batch not available)"
        seconds = time.perf_counter() - t0
    return {"cases": done, "seconds": seconds, "cases_per_s": done / seconds, "how": how}


# --- memory --------------------------------------------------------------------------------------


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(cases_n: int, total: int, rid: str) -> Figures:
    """RSS while one Engine decides ``total`` cases (the corpus cycled), for each engine, each
    in a fresh process so that nothing else this run did is counted."""
    ctx = multiprocessing.get_context("spawn")
    out: Figures = {}
    for backend in ("durable", "reference"):
        with ctx.Pool(1) as pool:
            out[backend] = pool.apply(_memory_run, (backend, cases_n, total, rid))
    return out


def _memory_run(backend: str, cases_n: int, total: int, rid: str) -> Figures:
    every = max(1, total // 10)
    with Engine(backend="reference") as ref:
        corpus = list(generate(ref, rid, cases_n).cases)
    gc.collect()
    samples = []
    with Engine(backend=backend) as engine:  # type: ignore[arg-type]
        start = rss_mb()
        t0 = time.perf_counter()
        for i in range(total):
            engine.evaluate(corpus[i % len(corpus)], ruleset=rid)
            if (i + 1) % every == 0:
                samples.append(rss_mb())
        seconds = time.perf_counter() - t0
    tail = samples[len(samples) // 2 :]
    slope = _slope(tail) / every * 100_000  # MB per 100,000 cases, over the last half
    return {
        "start_mb": start,
        "samples_mb": samples,
        "peak_mb": max(samples),
        "slope_mb_per_100k": slope,
        "flat": abs(slope) < 1.0,
        "seconds": seconds,
        "every": every,
    }


def _slope(ys: list[float]) -> float:
    if len(ys) < 2:
        return 0.0
    xs = range(len(ys))
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


# --- report ----------------------------------------------------------------------------------


def targets(fig: Figures) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    wz = fig["per_case"].get("wanzhou")
    if wz:
        d = wz["durable"]
        out.append(
            (
                f"wanzhou, durable, full Decision with trace: p50 ≤ {TARGET_P50_MS} ms",
                d["p50"] <= TARGET_P50_MS,
                f"{d['p50']:.3f} ms",
            )
        )
        out.append(
            (
                f"wanzhou, durable, full Decision with trace: p99 ≤ {TARGET_P99_MS} ms",
                d["p99"] <= TARGET_P99_MS,
                f"{d['p99']:.3f} ms",
            )
        )
    for rid, row in fig["per_case"].items():
        out.append(
            (
                f"{rid}: durable ≤ {TARGET_RATIO}× reference (mean per case)",
                row["ratio_mean"] <= TARGET_RATIO,
                f"{row['ratio_mean']:.2f}× (p50 {row['ratio_p50']:.2f}×)",
            )
        )
        if "to_json_ratio" in row:
            out.append(
                (
                    f"{rid}: to_json < 1/3 of evaluate (mean)",
                    row["to_json_ratio"] < 1 / 3,
                    f"{row['to_json_ratio']:.2f}×",
                )
            )
    two = fig["batch"].get("2")
    mem = fig["memory"]
    if two:
        secs = 100_000 / two["cases_per_s"]
        flat = all(m["flat"] for m in mem.values())
        measured = "measured" if two["cases"] >= 100_000 else f"from {two['cases']:,} cases"
        out.append(
            (
                f"100,000 cases on 2 worker processes < {TARGET_100K_S:.0f} s, memory flat",
                secs < TARGET_100K_S and flat,
                f"{secs:.1f} s ({measured}); memory {'flat' if flat else 'growing'}",
            )
        )
    if not fig["load"]:
        return out
    worst = max(fig["load"].items(), key=lambda kv: kv[1]["ms"])
    out.append(
        (
            f"load + check + compile < {TARGET_LOAD_MS:.0f} ms (each ruleset, both engines)",
            all(v["ms"] < TARGET_LOAD_MS for v in fig["load"].values()),
            f"slowest {worst[0]} {worst[1]['ms']:.1f} ms",
        )
    )
    return out


def report(fig: Figures, base: Figures | None) -> str:
    """The figures as Markdown: the machine, a table a measure (each only when measured, with a
    ``before`` column from ``base``), then the targets."""
    b = base or {}
    sections = [
        _machine_lines(fig),
        _case_lines(fig["per_case"], b.get("per_case") if base else None),
        _load_lines(fig["load"], b.get("load") if base else None),
        _memo_lines(fig["memo"], b.get("memo") if base else None),
        _batch_lines(fig["batch"], b.get("batch") if base else None),
        _memory_lines(fig["memory"], b.get("memory") if base else None),
        ["## Targets", ""]
        + [f"- {'✓' if ok else '✗'} {label} — {value}" for label, ok, value in targets(fig)],
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _machine_lines(fig: Figures) -> list[str]:
    m = fig["machine"]
    lines = ["## Machine", ""]
    lines.append(f"- CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable)")
    lines.append(f"- Python {m['python']} ({m['implementation']}), {m['os']}")
    lines.append("- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    if m.get("load_average"):
        la = ", ".join(f"{x:.2f}" for x in m["load_average"])
        lines.append(f"- load average at start: {la}; run {m['date']}, {fig['mode']} mode")
    return lines


def _table(head: str, align: str, base: Any) -> list[str]:
    if base is not None:
        head += " before |"
        align += "---:|"
    return [head, align]


def _case_lines(rows: Figures, base: Figures | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Per case: `Engine.evaluate(case)`, full Decision with trace (ms)", ""]
    lines += _table(
        "| ruleset | engine | p50 | p99 | mean | decided p50 | insufficient p50 / mean |",
        "|---|---|---:|---:|---:|---:|---:|",
        base,
    )
    for rid, row in rows.items():
        for name in ("durable", "reference"):
            s = row[name]
            cells = (
                f"| {rid} | {name} | {s['p50']:.3f} | {s['p99']:.3f} | {s['mean']:.3f} | "
                f"{s['decided']['p50']:.3f} | "
                f"{s['insufficient']['p50']:.3f} / {s['insufficient']['mean']:.3f} |"
            )
            if base is not None:
                was = base.get(rid, {}).get(name)
                cells += (
                    f" {was['p50']:.3f} / {was['p99']:.3f} / {was['mean']:.3f} (p50 / p99 / mean) |"
                    if was
                    else " — |"
                )
            lines.append(cells)
        ratio = f"| {rid} | durable ÷ reference | {row['ratio_p50']:.2f}× | | "
        ratio += f"{row['ratio_mean']:.2f}× | | |"
        if base is not None:
            was = base.get(rid)
            ratio += (
                f" {was['ratio_p50']:.2f}× / {was['ratio_mean']:.2f}× (p50 / mean) |"
                if was
                else " — |"
            )
        lines.append(ratio)
    lines.append("")
    for rid, row in rows.items():
        mix = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items()))
        lines.append(f"- {rid}: {row['cases']:,} generated cases — {mix}.")
    for rid, row in rows.items():
        if "to_json" in row:
            w = row["to_json"]
            lines.append(
                f"- {rid}: `Decision.to_json()` (contract v1) mean {w['mean']:.3f} ms, "
                f"{row['to_json_ratio']:.2f}× of a durable evaluation; "
                f"{w['bytes_mean'] / 1024:.1f} KB mean"
            )
    return lines


def _load_lines(rows: Figures, base: Figures | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Ruleset load + check + compile, cold (fresh Engine; median ms)", ""]
    lines += _table(
        "| ruleset | engine | total | load + merge + check | compile (+ register) |",
        "|---|---|---:|---:|---:|",
        base,
    )
    for key, v in rows.items():
        backend, rid = key.split(":")
        cells = (
            f"| {rid} | {backend} | {v['ms']:.1f} | {v['load_check_ms']:.1f} | "
            f"{v['compile_ms']:.1f} |"
        )
        if base is not None:
            was = base.get(key)
            cells += f" {was['ms']:.1f} |" if was else " — |"
        lines.append(cells)
    return lines


def _memo_lines(rows: Figures, base: Figures | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Memo rendering, `Engine.memo` (wz-01, median ms)", ""]
    lines += _table("| format | ms | bytes |", "|---|---:|---:|", base)
    for fmt, v in rows.items():
        if v is None or "error" in v:
            why = "WeasyPrint is not installed" if v is None else v["error"]
            lines.append(f"| {fmt} | not measured: {why} | |" + (" |" if base is not None else ""))
            continue
        cells = f"| {fmt} | {v['ms']:.1f} | {v['bytes']:,} |"
        if base is not None:
            was = base.get(fmt)
            cells += f" {was['ms']:.1f} |" if was and "ms" in was else " — |"
        lines.append(cells)
    return lines


def _batch_lines(rows: Figures, base: Figures | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Batch throughput (wanzhou, durable)", ""]
    lines += _table(
        "| workers | cases | seconds | cases/s | 100,000 cases in |",
        "|---:|---:|---:|---:|---:|",
        base,
    )
    for workers, v in rows.items():
        cells = (
            f"| {workers} | {v['cases']:,} | {v['seconds']:.1f} | {v['cases_per_s']:.0f} | "
            f"{100_000 / v['cases_per_s']:.0f} s |"
        )
        if base is not None:
            was = base.get(workers)
            cells += f" {was['cases_per_s']:.0f} cases/s |" if was else " — |"
        lines.append(cells)
    hows = sorted({v["how"] for v in rows.values()})
    lines += ["", f"Measured with {'; '.join(hows)}; the workers' start-up included."]
    return lines


def _memory_lines(rows: Figures, base: Figures | None) -> list[str]:
    if not rows:
        return []
    lines = ["## Memory: one Engine in one fresh process (wanzhou, the corpus cycled)", ""]
    lines += _table(
        "| engine | cases | RSS at start | peak RSS | slope of the last half | flat | seconds |",
        "|---|---:|---:|---:|---:|---|---:|",
        base,
    )
    for backend, v in rows.items():
        n = v["every"] * len(v["samples_mb"])
        cells = (
            f"| {backend} | {n:,} | {v['start_mb']:.1f} MB | {v['peak_mb']:.1f} MB | "
            f"{v['slope_mb_per_100k']:+.2f} MB / 100k cases | {'yes' if v['flat'] else 'no'} | "
            f"{v['seconds']:.0f} |"
        )
        if base is not None:
            was = base.get(backend)
            cells += f" peak {was['peak_mb']:.1f} MB, {was['seconds']:.0f} s |" if was else " — |"
        lines.append(cells)
    lines.append("")
    for backend, v in rows.items():
        samples = ", ".join(f"{x:.1f}" for x in v["samples_mb"])
        lines.append(f"- {backend}: RSS every {v['every']:,} cases (MB): {samples}")
    return lines


def write_docs(text: str) -> None:
    doc = (
        DOCS.read_text(encoding="utf-8") if DOCS.exists() else f"# Performance\n\n{START}\n{END}\n"
    )
    if START not in doc or END not in doc:
        doc = doc.rstrip("\n") + f"\n\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    body = "\n".join("#" + line if line.startswith("## ") else line for line in text.splitlines())
    body += "\n"
    DOCS.write_text(f"{head}{START}\n{body}{END}{tail}", encoding="utf-8")


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer cases: a run of about a minute")
    p.add_argument(
        "--cases", type=int, help="generated cases per ruleset (default 2000, quick 500)"
    )
    p.add_argument(
        "--write-docs", action="store_true", help="write the tables to docs/performance.md"
    )
    p.add_argument("--json", type=Path, help="save the figures as JSON")
    p.add_argument(
        "--baseline", type=Path, help="figures of an earlier run (--json) to compare with"
    )
    p.add_argument("--only", help="comma-separated parts: case,load,memo,batch,memory")
    p.add_argument(
        "--report", type=Path, help="report the figures of a saved run (--json); measure nothing"
    )
    args = p.parse_args(argv)
    if args.report:
        base = json.loads(args.baseline.read_text()) if args.baseline else None
        text = report(json.loads(args.report.read_text()), base)
        print(text)
        if args.write_docs:
            write_docs(text)
        return 0
    quick = args.quick
    n = args.cases or (500 if quick else 2000)
    parts = set((args.only or "case,load,memo,batch,memory").split(","))
    fig: Figures = {"machine": machine(), "mode": "quick" if quick else "full"}
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    fig["per_case"], fig["load"], fig["memo"], fig["batch"], fig["memory"] = {}, {}, {}, {}, {}
    if "case" in parts:
        say(f"per-case evaluation: {n} cases per ruleset, both engines …")
        fig["per_case"] = per_case(n, RULESETS)
    if "load" in parts:
        say("load + check + compile …")
        fig["load"] = load_times(RULESETS, 5 if quick else 15)
    if "memo" in parts:
        say("memos …")
        fig["memo"] = memo_times(8 if quick else 20)
    if "batch" in parts:
        with Engine(backend="reference") as ref:
            corpus = list(generate(ref, "wanzhou", max(n, 2000)).cases)
        for workers, total in ((1, 2_000 if quick else 10_000), (2, 10_000 if quick else 100_000)):
            say(f"batch: {total:,} cases, {workers} worker(s) …")
            fig["batch"][str(workers)] = batch_throughput(corpus, total, workers, "wanzhou")
    if "memory" in parts:
        total = 10_000 if quick else 100_000
        say(f"memory: {total:,} cases per engine …")
        fig["memory"] = memory(max(n, 2000), total, "wanzhou")
    base = json.loads(args.baseline.read_text()) if args.baseline else None
    text = report(fig, base)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=1, ensure_ascii=False))
    if args.write_docs:
        write_docs(text)
        say(f"wrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
