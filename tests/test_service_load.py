"""A load test against a real ``rongcuo serve`` process: 2,000 evaluations from 16 clients.

Every bundled example that evaluates at 2025-01-06 is sent in turn, over keep-alive
connections (one ``http.client.HTTPConnection`` a client thread), to a server with two worker
processes. Every answer must be a 200 whose ``decision`` is byte for byte the library's
``to_json()`` for that case, whose ``decision_id`` is the record id the library would give, and
whose ``X-Ruleset-Hash`` is the ruleset's content hash. The time taken is printed, not asserted
(run ``pytest -s`` to see it; ``bench/service.py`` measures properly).
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

import rongcuo
from tests.conftest import EXAMPLES, case_json, ruleset_of
from tests.service_server import running_server

AS_OF = dt.date(2025, 1, 6)
REQUESTS = 2000
CLIENTS = 16


@dataclass(frozen=True)
class Expected:
    """One example case: what to send and the bytes the library says must come back."""

    name: str
    url: str
    body: bytes
    answer: bytes
    ruleset_hash: str


def expected_cases() -> list[Expected]:
    """Every example deciding at ``AS_OF`` (those with conduct after it get RC209: left out)."""
    out = []
    with rongcuo.Engine(backend="reference") as engine:
        for path in EXAMPLES:
            rid = ruleset_of(path)
            try:
                decision = engine.evaluate(path, ruleset=rid, as_of=AS_OF)
            except rongcuo.InputError as exc:
                assert [d.code for d in exc.diagnostics] == ["RC209"], path.name
                continue
            case = engine.load_case(path)[0]
            record = rongcuo.make_record(decision, case, recorded_at="2025-01-06T00:00:00")
            answer = (
                f'{{"decision_id":"{record.id}","decision":{decision.to_json().rstrip(chr(10))}}}'
            ).encode()
            out.append(
                Expected(
                    name=path.name,
                    url=f"/v1/rulesets/{rid}/evaluate?as_of={AS_OF.isoformat()}",
                    body=json.dumps(case_json(path), ensure_ascii=False).encode(),
                    answer=answer,
                    ruleset_hash=decision.ruleset.content_hash,
                )
            )
    return out


@dataclass
class Answer:
    case: int
    status: int
    body: bytes
    ruleset_hash: str | None


def fire(base: str, cases: list[Expected], n: int, clients: int) -> tuple[list[Answer], float]:
    """``n`` evaluate requests, case after case, from ``clients`` keep-alive client threads;
    the answers (any exception as status -1, its text as body) and the seconds taken."""
    host = urlsplit(base).netloc
    counter = itertools.count()
    lock = threading.Lock()
    answers: list[Answer] = []

    def client() -> None:
        conn = http.client.HTTPConnection(host, timeout=60)
        mine: list[Answer] = []
        try:
            while (i := next(counter)) < n:
                k = i % len(cases)
                case = cases[k]
                try:
                    conn.request("POST", case.url, case.body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    mine.append(Answer(k, r.status, r.read(), r.getheader("X-Ruleset-Hash")))
                except (OSError, http.client.HTTPException) as exc:
                    mine.append(Answer(k, -1, repr(exc).encode(), None))
                    conn.close()
                    conn = http.client.HTTPConnection(host, timeout=60)
        finally:
            conn.close()
            with lock:
                answers.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, time.perf_counter() - start


@pytest.mark.slow
def test_2000_evaluations_from_16_clients_are_the_library_s_decisions() -> None:
    cases = expected_cases()
    assert len(cases) >= 40  # 46 examples, 2 of them with conduct after 2025-01-06
    with running_server("--backend", "reference", "--workers", "2") as base:
        answers, took = fire(base, cases, REQUESTS, CLIENTS)
    print(
        f"\n{REQUESTS} evaluations, {CLIENTS} clients, 2 workers: {took:.1f} s, "
        f"{REQUESTS / took:.0f} requests/s"
    )
    assert len(answers) == REQUESTS
    errors = [(cases[a.case].name, a.status, a.body[:200]) for a in answers if a.status != 200]
    assert errors == []
    wrong = [cases[a.case].name for a in answers if a.body != cases[a.case].answer]
    assert wrong == []
    hashes = [cases[a.case].name for a in answers if a.ruleset_hash != cases[a.case].ruleset_hash]
    assert hashes == []
    per_case = {k: sum(1 for a in answers if a.case == k) for k in range(len(cases))}
    assert min(per_case.values()) >= REQUESTS // len(cases)  # every case was sent


def test_the_expected_answers_are_distinct_per_case() -> None:
    """The bytes compared above tell the cases apart (a server answering one decision for
    every request would not pass)."""
    cases = expected_cases()
    assert len({c.answer for c in cases}) == len(cases)
    assert all(c.answer.startswith(b'{"decision_id":"rc-') for c in cases)
    assert {c.name.split("-")[0] for c in cases} == {"wz", "my"}  # both local rulesets
