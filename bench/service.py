"""The decision service under load, run on demand (never in the test suite).

    .venv/bin/python -m bench.service [--requests N] [--clients C] [--rounds R] [--backend B]

Starts ``rongcuo serve`` with ``--workers 1`` and ``--workers 2`` for each backend (reference,
and durable where durable_rules is installed), all at once, warms each up, then fires ``N``
evaluate requests (default 2,000) at each from ``C`` concurrent keep-alive clients (default 16;
threads, one ``http.client`` connection each), spread over the bundled examples that decide at
2025-01-06. The requests go in ``R`` rounds (default 4), each round giving every configuration
its share in turn (the order rotated), so all of them see the machine as it is at that moment.

Prints per configuration: requests/s, latency p50, p90, p99 and max (ms), errors (a status other
than 200, or a decision that is not byte for byte the library's), the server's CPU time a request
and the cores it kept busy (its processes' CPU seconds, from /proc), how that CPU time was split
between its processes (uneven when one worker took more of the connections), the client's own
CPU share, the median latency of one client on its own (2 requests a case after the warm-up: no
queue) and the server's CPU time a request then, and the ratio 2 workers ÷ 1 worker; then the
in-process cost per case of ``Engine.evaluate`` and of the library work a request does (load the
case from JSON, evaluate, its record id, ``to_json``), against the server's CPU time a request at
one worker: the HTTP overhead ratio. Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import itertools
import json
import multiprocessing
import os
import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from tests.service_server import running_server

import rongcuo
from rongcuo.api import Backend, durable_installed
from rongcuo.records.model import record_id, ruleset_key

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 1, 6)
RULESET_OF = {"wz": "wanzhou", "my": "mianyang", "nat": "national"}


@dataclass(frozen=True)
class Case:
    name: str
    ruleset: str
    url: str
    data: dict[str, Any]  # the case as a client sends it (dates as ISO text)
    body: bytes
    answers: dict[Backend, bytes]  # the whole expected response body, by backend


def load_cases(backends: list[Backend]) -> list[Case]:
    """The bundled examples that decide at ``AS_OF``, each with the answer the library gives
    on each backend (the decisions are the same; the ``engine`` they name is not)."""
    engines = {b: rongcuo.Engine(backend=b) for b in backends}
    out = []
    try:
        for path in sorted((ROOT / "examples").glob("*.yaml")):
            rid = RULESET_OF[path.name.split("-")[0]]
            answers: dict[Backend, bytes] = {}
            for backend, engine in engines.items():
                try:
                    decision = engine.evaluate(path, ruleset=rid, as_of=AS_OF)
                except rongcuo.InputError:
                    break  # conduct after AS_OF (RC209)
                model = engine.load_case(path)[0]
                made = rongcuo.make_record(decision, model, recorded_at="2025-01-06T00:00:00")
                text = decision.to_json().rstrip("\n")
                answers[backend] = f'{{"decision_id":"{made.id}","decision":{text}}}'.encode()
            else:
                data = json.loads(
                    json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)
                )
                out.append(
                    Case(
                        name=path.name,
                        ruleset=rid,
                        url=f"/v1/rulesets/{rid}/evaluate?as_of={AS_OF.isoformat()}",
                        data=data,
                        body=json.dumps(data, ensure_ascii=False).encode(),
                        answers=answers,
                    )
                )
    finally:
        for engine in engines.values():
            engine.close()
    return out


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one configuration measured, over all its rounds."""

    latencies: list[float] = field(default_factory=list)  # seconds, one a request
    errors: int = 0
    wall: float = 0.0  # seconds its blocks took
    client_cpu: float = 0.0  # CPU seconds this process spent firing them
    alone: list[float] = field(default_factory=list)  # seconds, one client on its own
    server_cpu: float = 0.0  # CPU seconds the server's processes spent on the timed requests
    alone_cpu: float = 0.0  # CPU seconds the server spent on the one client's requests
    per_process: dict[int, float] = field(default_factory=dict)  # timed CPU seconds, by pid


def fire(
    host: str, backend: Backend, cases: list[Case], n: int, clients: int, tally: Tally
) -> None:
    """``n`` requests from ``clients`` threads to a server on ``backend``, case after case;
    adds to ``tally``."""
    counter = itertools.count()
    lock = threading.Lock()
    clock = time.perf_counter

    def client() -> None:
        conn = http.client.HTTPConnection(host, timeout=60)
        mine: list[float] = []
        errors = 0
        try:
            while (i := next(counter)) < n:
                case = cases[i % len(cases)]
                t = clock()
                try:
                    conn.request("POST", case.url, case.body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    body = r.read()
                    ok = r.status == 200 and body == case.answers[backend]
                except (OSError, http.client.HTTPException):
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection(host, timeout=60)
                mine.append(clock() - t)
                errors += not ok
        finally:
            conn.close()
            with lock:
                tally.latencies.extend(mine)
                tally.errors += errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    cpu, start = time.process_time(), clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.wall += clock() - start
    tally.client_cpu += time.process_time() - cpu


def server_times(port: int) -> dict[int, float]:
    """CPU seconds used so far by the ``rongcuo serve`` listening on ``port`` and by each of
    its child processes (the workers), by process id (Linux ``/proc``; empty elsewhere)."""
    stats: dict[int, list[str]] = {}
    main = None
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = fields
                if b"serve" in cmd and str(port).encode() in cmd:
                    main = int(entry.name)
    if main is None:
        return {}
    tree = {main} | {pid for pid, f in stats.items() if int(f[1]) == main}  # f[1]: the parent
    tick = os.sysconf("SC_CLK_TCK")
    return {pid: (int(stats[pid][11]) + int(stats[pid][12])) / tick for pid in tree}


def server_cpu(port: int) -> float:
    """CPU seconds used so far by the server on ``port``, all its processes (``nan``: unknown)."""
    times = server_times(port)
    return sum(times.values()) if times else float("nan")


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def summary(t: Tally) -> dict[str, Any]:
    ordered = sorted(t.latencies)
    busy = sorted((v for v in t.per_process.values() if v > 0.01 * t.server_cpu), reverse=True)
    return {
        "split": "/".join(f"{v / t.server_cpu:.0%}" for v in busy) if t.server_cpu else "—",
        "requests": len(ordered),
        "errors": t.errors,
        "rps": len(ordered) / t.wall,
        "p50": percentile(ordered, 0.50) * 1e3,
        "p90": percentile(ordered, 0.90) * 1e3,
        "p99": percentile(ordered, 0.99) * 1e3,
        "max": ordered[-1] * 1e3,
        "client_cpu": t.client_cpu / t.wall,
        "alone_p50": statistics.median(t.alone) * 1e3,
        "server_cpu_ms": t.server_cpu / len(ordered) * 1e3,
        "server_cores": t.server_cpu / t.wall,
        "alone_cpu_ms": t.alone_cpu / len(t.alone) * 1e3,
    }


def http_runs(
    backends: list[Backend], cases: list[Case], n: int, clients: int, rounds: int
) -> dict[tuple[Backend, int], dict[str, Any]]:
    configs = [(b, w) for b in backends for w in (1, 2)]
    tallies = {c: Tally() for c in configs}
    with contextlib.ExitStack() as stack:
        hosts = {}
        for backend, workers in configs:
            base = stack.enter_context(
                running_server("--backend", backend, "--workers", str(workers))
            )
            hosts[(backend, workers)] = urlsplit(base).netloc
        for c in configs:  # warm-up: every case in every worker, not counted
            fire(hosts[c], c[0], cases, max(200, 4 * len(cases)), clients, Tally())
        for c in configs:  # one client on its own: the latency of a request when not queued
            alone, port = Tally(), int(hosts[c].rsplit(":", 1)[1])
            before = server_cpu(port)
            fire(hosts[c], c[0], cases, 2 * len(cases), 1, alone)
            tallies[c].alone_cpu = server_cpu(port) - before
            tallies[c].alone = alone.latencies
        share = [n // rounds + (1 if r < n % rounds else 0) for r in range(rounds)]
        for r in range(rounds):
            order = configs[r % len(configs) :] + configs[: r % len(configs)]
            for c in order:
                port = int(hosts[c].rsplit(":", 1)[1])
                was = server_times(port)
                fire(hosts[c], c[0], cases, share[r], clients, tallies[c])
                now = server_times(port)
                for pid, secs in now.items():
                    used = secs - was.get(pid, 0.0)
                    tallies[c].per_process[pid] = tallies[c].per_process.get(pid, 0.0) + used
                tallies[c].server_cpu += sum(now.values()) - sum(was.values())
    return {c: summary(t) for c, t in tallies.items()}


# --- in process -------------------------------------------------------------------------------


def in_process(backend: Backend, cases: list[Case], n: int) -> dict[str, float]:
    """Mean µs a case: ``Engine.evaluate`` on a loaded case, and the library work a request
    does (load from JSON, evaluate, record id, ``to_json``)."""
    clock = time.perf_counter
    with rongcuo.Engine(backend=backend) as engine:
        loaded = [engine.load_case(c.data) for c in cases]
        for (model, source), c in zip(loaded, cases, strict=True):  # warm-up
            engine.evaluate(model, ruleset=c.ruleset, as_of=AS_OF, source=source).to_json()
        evaluate, work = [], []
        for i in range(n):  # the two in turn, case by case, so both see the same machine
            c = cases[i % len(cases)]
            model, source = loaded[i % len(cases)]
            t = clock()
            engine.evaluate(model, ruleset=c.ruleset, as_of=AS_OF, source=source)
            evaluate.append(clock() - t)
            t = clock()
            model, source = engine.load_case(c.data)
            d = engine.evaluate(model, ruleset=c.ruleset, as_of=AS_OF, source=source)
            record_id(model.content_hash(), ruleset_key(d), d.as_of)
            d.to_json()
            work.append(clock() - t)
    return {"evaluate": statistics.fmean(evaluate) * 1e6, "work": statistics.fmean(work) * 1e6}


# --- the report -------------------------------------------------------------------------------


def _spin(_: int) -> float:
    t, x = time.perf_counter(), 0
    for i in range(3_000_000):
        x += i * i
    return time.perf_counter() - t


def parallel_speed() -> float:
    """How fast two CPU-bound processes run at once, against one alone (1.0: two whole cores;
    less on shared or hyper-threaded ones): about the most a second worker can add."""
    ratios = []
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [0, 1])  # the pool started
        for _ in range(7):  # in turns, the median: the machine's speed drifts
            alone = _spin(0)
            ratios.append(alone / max(pool.map(_spin, [0, 1])))
    return statistics.median(ratios)


def machine_line() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {usable} usable cores, Python {platform.python_version()}, rongcuo "
        f"{rongcuo.__version__}, load average {load}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )


def report(
    runs: dict[tuple[Backend, int], dict[str, Any]],
    local: dict[Backend, dict[str, float]],
    args: argparse.Namespace,
    cases: int,
) -> str:
    lines = [
        f"{args.requests:,} requests a configuration, {args.clients} clients, "
        f"{args.rounds} rounds, {cases} example cases",
        "",
        "| backend | workers | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors "
        "| server CPU ms a request | server cores busy | CPU by process | client CPU "
        "| 1 client: p50 ms | 1 client: server CPU ms a request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (backend, workers), s in runs.items():
        lines.append(
            f"| {backend} | {workers} | {s['rps']:.0f} | {s['p50']:.1f} | {s['p90']:.1f} | "
            f"{s['p99']:.1f} | {s['max']:.1f} | {s['errors']:.0f} | "
            f"{s['server_cpu_ms']:.2f} | {s['server_cores']:.2f} | {s['split']} | "
            f"{s['client_cpu']:.0%} | "
            f"{s['alone_p50']:.1f} | {s['alone_cpu_ms']:.2f} |"
        )
    lines += ["", "| backend | 2 workers ÷ 1 worker (requests/s) |", "|---|---:|"]
    for backend in local:
        ratio = runs[(backend, 2)]["rps"] / runs[(backend, 1)]["rps"]
        lines.append(f"| {backend} | {ratio:.2f}× |")
    lines += [
        "",
        "| backend | evaluate µs | load + evaluate + id + to_json µs "
        "| 1 worker: server CPU µs a request | µs a request (1 ÷ throughput) | HTTP overhead |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend, v in local.items():
        one = runs[(backend, 1)]
        cpu = one["server_cpu_ms"] * 1e3
        lines.append(
            f"| {backend} | {v['evaluate']:.0f} | {v['work']:.0f} | {cpu:.0f} | "
            f"{1e6 / one['rps']:.0f} | {cpu / v['work']:.2f}× |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="timed requests a configuration")
    ap.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients")
    ap.add_argument("--rounds", type=int, default=4, help="turns the requests are split into")
    ap.add_argument(
        "--backend",
        action="append",
        choices=("durable", "reference"),
        help="only this backend (repeatable); default: reference, and durable where installed",
    )
    args = ap.parse_args(argv)
    default = ["reference", "durable"] if durable_installed() else ["reference"]
    backends = cast(list[Backend], args.backend or default)
    if "durable" in backends and not durable_installed():
        ap.error("durable_rules is not installed here")

    cases = load_cases(backends)
    print(machine_line())
    print(f"two CPU-bound processes at once run at {parallel_speed():.2f}× one alone's speed")
    print(f"cases: {len(cases)} examples deciding at {AS_OF}", flush=True)
    runs = http_runs(backends, cases, args.requests, args.clients, args.rounds)
    local = {b: in_process(b, cases, args.requests) for b in backends}
    print()
    print(report(runs, local, args, len(cases)))
    return 1 if any(s["errors"] for s in runs.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
