"""What every record store does, whatever keeps it: one suite over SQLite and PostgreSQL.

:class:`StoreContract` holds the tests; its ``spec`` fixture is parametrised over ``sqlite`` (a
file in ``tmp_path``) and ``postgres`` (a fresh schema ``t_<hex>`` on the server that
``$RONGCUO_TEST_PG`` names, dropped after, so that parallel runs never meet). Without that
variable the PostgreSQL tests skip, saying "no PostgreSQL: set RONGCUO_TEST_PG"; with
``RONGCUO_REQUIRE_PG=1`` (.ci/run) they fail instead. tests/test_store_contract.py runs it.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from rongcuo.api import Engine
from rongcuo.case.file import load_case
from rongcuo.errors import Diagnostic, Location
from rongcuo.procedure.events import Change, Event, verify
from rongcuo.records.model import DecisionRecord, RecordError, Review, make_record, record_id
from rongcuo.records.open import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
WHEN = "2024-04-02T09:30:00+08:00"
NO_PG = "no PostgreSQL: set RONGCUO_TEST_PG"
OUTCOMES = ("tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer", "cleared")


def pg_base() -> str:
    """The server's connection string, or skip (fail under RONGCUO_REQUIRE_PG=1)."""
    base = os.environ.get("RONGCUO_TEST_PG", "")
    required = os.environ.get("RONGCUO_REQUIRE_PG") == "1"
    why = NO_PG
    if base:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            why = "psycopg is not installed: pip install 'rongcuo[postgres]'"
        else:
            return base
    if required:
        pytest.fail(f"{why} (RONGCUO_REQUIRE_PG=1 requires the PostgreSQL tests)")
    pytest.skip(why)


@contextmanager
def pg_schema(base: str, **more: str) -> Iterator[tuple[str, str]]:
    """A fresh schema on the server: (its name, a ``postgresql://`` URL whose search_path is
    it), dropped with everything in it after. ``more`` adds connection parameters."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = "t_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
        params = {k: str(v) for k, v in conninfo_to_dict(base).items()}
        params["options"] = (params.get("options", "") + f" -csearch_path={name}").strip()
        params.update(more)
        try:
            yield name, "postgresql://?" + urlencode(params)
        finally:
            admin.execute(f"DROP SCHEMA {name} CASCADE")


def raw(spec: str, statement: str) -> None:
    """Run ``statement`` on the store behind rongcuo's back (to show what the triggers do)."""
    if spec.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(spec, autocommit=True) as pg:
            pg.execute(statement.encode())
    else:
        db = sqlite3.connect(spec)
        try:
            db.execute(statement)
            db.commit()
        finally:
            db.close()


def note(text: str, at: str = "2025-09-23T10:00:00+08:00", actor: str = "甲") -> Change:
    return Change(action="note", payload={"text": text}, actor=actor, at=at)


def opening(cadre: str = "cadre-1", title: str = "某案") -> Change:
    case = {"title": title, "cadre": {"id": cadre}}
    return Change(
        action="open",
        payload={"ruleset": "wanzhou", "case": case},
        actor="甲",
        at="2025-09-22T10:00:00+08:00",
    )


def anything(events: object) -> None:
    """A check that lets every change through."""


def _writer(spec: str, actor: str, expected: int, start: Any, out: Any) -> None:
    """One process: wait for the others, append one note with ``expected``, then retry with
    the version it finds until it is recorded; report the first attempt's result."""
    with open_store(spec, create=False) as store:
        start.wait()
        first = "ok"
        version = expected
        while True:
            try:
                store.append("C-1", note(actor, actor=actor), version, anything)
                break
            except RecordError as exc:
                code = exc.diagnostics[0].code
                if code != "RC710":
                    out.put((actor, code))
                    return
                first = "RC710" if first == "ok" else first
                head = store.head("C-1")
                version = head.version if head else 0
        out.put((actor, first))


def once(events: Sequence[Event]) -> None:
    """A check like the procedure's "open" one: a case is opened once."""
    if events:
        raise RecordError([Diagnostic("opened", Location("<test>"), "已立案", "already open")])


def _opener(spec: str, actor: str, start: Any, out: Any) -> None:
    """One process: wait for the others, then open case C-new (no expected version)."""
    with open_store(spec, create=False) as store:
        start.wait()
        try:
            store.append("C-new", opening(title=actor), None, once)
            out.put((actor, "ok"))
        except RecordError as exc:
            out.put((actor, exc.diagnostics[0].code))


def _race(spec: str, target: Any, actors: list[str], *more: Any) -> dict[str, str]:
    """Run ``target(spec, actor, *more, start, out)`` in one process per actor, started
    together; what each reported."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start = ctx.Barrier(len(actors))
    procs = [ctx.Process(target=target, args=(spec, a, *more, start, out)) for a in actors]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    return results


@functools.cache
def example_record() -> DecisionRecord:
    """The record of wz-01 on the reference evaluator (made once)."""
    with Engine(backend="reference") as engine:
        decision = engine.evaluate(CASE, ruleset="wanzhou", as_of=dt.date(2024, 4, 1))
        return make_record(decision, load_case(CASE)[0], recorded_at=WHEN)


def review_of(made: DecisionRecord, outcome: str, reason: str = "") -> Review:
    """The deciding body's review of ``made`` with ``outcome``."""
    return Review.model_validate(
        {
            "record_id": made.id,
            "final_outcome": outcome,
            "deciding_body": "中共万州区委",
            "decided_on": "2024-04-20",
            "reason": reason,
            "reviewer": "李某",
        }
    )


class StoreContract:
    """The store behaviour both stores must show; subclass it in a test module to run it."""

    @pytest.fixture
    def made(self) -> DecisionRecord:
        return example_record()

    @pytest.fixture(params=["sqlite", "postgres"])
    def spec(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
        if request.param == "sqlite":
            yield str(tmp_path / "contract.sqlite3")
            return
        with pg_schema(pg_base()) as (_, url):
            yield url

    @pytest.fixture
    def store(self, spec: str) -> Iterator[Store]:
        with open_store(spec, create=True) as s:
            yield s

    def variant(self, made: DecisionRecord, n: int, **update: Any) -> DecisionRecord:
        rid = record_id(made.case_hash, f"variant-{n}", made.as_of)
        return made.model_copy(update={"id": rid, **update})

    # --- records ----------------------------------------------------------------------

    def test_a_record_comes_back_as_it_was_put_and_only_once(
        self, store: Store, made: DecisionRecord
    ) -> None:
        assert store.put(made) is True
        later = made.model_copy(update={"recorded_at": "2024-05-01T10:00:00+08:00"})
        assert store.put(later) is False
        kept = store.get(made.id)
        assert kept == made and kept is not None  # the first one is kept, byte for byte
        assert kept.decision == made.decision and kept.recorded_at == WHEN
        assert store.get("rc-" + "f" * 20) is None
        assert store.find() == [made]

    def test_find_by_case_and_ruleset_oldest_first(
        self, store: Store, made: DecisionRecord
    ) -> None:
        later = self.variant(made, 1, recorded_at="2024-04-03T09:00:00+08:00")
        other = self.variant(made, 2, case_id="OTHER", ruleset_id="national")
        same_time = self.variant(made, 3)  # recorded when ``made`` was: ordered by id
        for r in (later, other, made, same_time):
            store.put(r)
        everything = sorted([later, other, made, same_time], key=lambda r: (r.recorded_at, r.id))
        assert [r.id for r in store.find()] == [r.id for r in everything]
        assert [r.id for r in store.find(case_id="OTHER")] == [other.id]
        assert store.find(ruleset_id="wanzhou") == [r for r in everything if r is not other]
        assert store.find(case_id="OTHER", ruleset_id="wanzhou") == []

    def test_a_missing_store_is_rc703_when_not_creating(self, spec: str) -> None:
        with pytest.raises(RecordError) as exc:
            open_store(spec, create=False)
        assert [d.code for d in exc.value.diagnostics] == ["RC703"]

    def test_ids_with_prefix_are_sorted_and_limited(
        self, store: Store, made: DecisionRecord
    ) -> None:
        ids = []
        for n in range(8):
            r = self.variant(made, n)
            store.put(r)
            ids.append(r.id)
        assert store.ids_with_prefix("rc-") == sorted(ids)[:5]
        assert store.ids_with_prefix("rc-", limit=20) == sorted(ids)
        one = sorted(ids)[3]
        assert store.ids_with_prefix(one[:12], limit=20) == [
            i for i in sorted(ids) if i.startswith(one[:12])
        ]
        assert store.ids_with_prefix("rc-zz") == []
        assert store.ids_with_prefix("%") == [] and store.ids_with_prefix("_") == []

    def test_all_six_outcomes_are_kept_including_cleared(
        self, store: Store, made: DecisionRecord
    ) -> None:
        for n, outcome in enumerate(OUTCOMES):
            r = self.variant(made, n, outcome=outcome)
            assert store.put(r) is True
            found = store.get(r.id)
            assert found is not None and found.outcome == outcome

    # --- reviews ----------------------------------------------------------------------

    def review(self, made: DecisionRecord, outcome: str, reason: str = "") -> Review:
        return review_of(made, outcome, reason)

    def test_reviews_are_kept_in_order_beside_an_unchanged_record(
        self, store: Store, made: DecisionRecord
    ) -> None:
        store.put(made)
        first = self.review(made, made.outcome)
        second = self.review(made, "mitigate", "造成一定社会影响")
        store.add_review(first)
        store.add_review(second)
        assert store.reviews(made.id) == [first, second]
        assert store.get(made.id) == made
        assert store.reviews("rc-" + "0" * 20) == []

    def test_rc702_a_departing_review_needs_a_reason_and_nothing_is_added(
        self, store: Store, made: DecisionRecord
    ) -> None:
        store.put(made)
        with pytest.raises(RecordError) as exc:
            store.add_review(self.review(made, "not_tolerate", "  "))
        assert [d.code for d in exc.value.diagnostics] == ["RC702"]
        assert exc.value.diagnostics[0].location.file == store.name
        assert store.reviews(made.id) == []

    def test_rc701_an_unknown_record_suggests_ids_sharing_a_prefix(
        self, store: Store, made: DecisionRecord
    ) -> None:
        store.put(made)
        wrong = made.id[:10] + ("0" if made.id[10] != "0" else "1") * 13
        with pytest.raises(RecordError) as exc:
            store.add_review(self.review(made, "tolerate").model_copy(update={"record_id": wrong}))
        (d,) = exc.value.diagnostics
        assert d.code == "RC701" and made.id in d.hint

    # --- case procedure records ---------------------------------------------------------

    def test_a_case_grows_by_appends_and_is_indexed_by_its_cadre(self, store: Store) -> None:
        first = store.append("C-1", opening(), 0, anything)
        second = store.append("C-1", note("一"), 1, anything)
        third = store.append("C-1", note("二"), None, anything)
        store.append("C-2", opening(cadre="cadre-2", title="另案"), None, anything)
        moved = Change(
            action="case",
            payload={"case": {"title": "改名", "cadre": {"id": "cadre-2"}}},
            actor="乙",
            at="2025-09-24T10:00:00+08:00",
        )
        store.append("C-1", moved, 3, anything)
        assert [e.seq for e in store.events("C-1")] == [1, 2, 3, 4]
        assert store.events("C-1")[:3] == [first, second, third]
        assert store.events("nobody") == []
        head = store.head("C-1")
        assert head is not None
        assert (head.ruleset_id, head.cadre_id, head.title, head.version) == (
            "wanzhou",
            "cadre-2",
            "改名",
            4,
        )
        assert (head.opened_at, head.updated_at) == (first.at, "2025-09-24T10:00:00+08:00")
        assert [h.id for h in store.heads()] == ["C-1", "C-2"]
        assert store.head("nobody") is None
        assert store.cases_of_cadre("cadre-2") == ["C-1", "C-2"]
        assert store.cases_of_cadre("cadre-1") == []

    def test_the_chain_verifies_and_the_head_is_its_last_hash(self, store: Store) -> None:
        store.append("C-1", opening(), 0, anything)
        for n in range(5):
            store.append("C-1", note(f"第{n}条", actor="经办人" + str(n)), n + 1, anything)
        events = store.events("C-1")
        head = store.head("C-1")
        assert head is not None and head.head_hash == events[-1].hash
        assert verify("C-1", events, head.version, head.head_hash) == []

    def test_rc710_a_stale_version_is_refused_and_nothing_is_written(self, store: Store) -> None:
        store.append("C-1", opening(), 0, anything)
        store.append("C-1", note("先"), 1, anything)
        with pytest.raises(RecordError) as exc:
            store.append("C-1", note("后"), 1, anything)
        (d,) = exc.value.diagnostics
        assert d.code == "RC710" and d.location.file == store.name
        assert "第 1 版" in d.message_zh and "现在是第 2 版" in d.message_zh
        with pytest.raises(RecordError) as again:
            store.append("C-new", opening(), 3, anything)
        assert again.value.diagnostics[0].code == "RC710"
        assert [e.payload for e in store.events("C-1")][1:] == [{"text": "先"}]
        assert store.head("C-new") is None

    def test_a_refusing_check_sees_the_events_and_leaves_nothing(self, store: Store) -> None:
        store.append("C-1", opening(), 0, anything)
        seen: list[list[Event]] = []

        def refuse(events: Any) -> None:
            seen.append(list(events))
            raise RecordError([])

        with pytest.raises(RecordError):
            store.append("C-1", note("不行"), 1, refuse)
        assert [e.seq for e in seen[0]] == [1]
        head = store.head("C-1")
        assert head is not None and head.version == 1 and len(store.events("C-1")) == 1

    def test_records_and_case_events_are_append_only(
        self, store: Store, spec: str, made: DecisionRecord
    ) -> None:
        store.put(made)
        store.append("C-1", opening(), 0, anything)
        for statement in (
            "UPDATE records SET outcome = 'refer'",
            "UPDATE case_events SET actor = '某'",
            "DELETE FROM case_events",
        ):
            with pytest.raises(Exception, match="append-only"):
                raw(spec, statement)
        assert store.get(made.id) == made and store.events("C-1")[0].actor == "甲"

    def test_a_second_connection_sees_what_the_first_wrote(
        self, store: Store, spec: str, made: DecisionRecord
    ) -> None:
        store.put(made)
        store.append("C-1", opening(), 0, anything)
        with open_store(spec, create=False) as other:
            assert other.get(made.id) == made
            assert other.events("C-1") == store.events("C-1")
            other.check_writable()
            assert other.name == store.name

    def test_processes_on_one_case_one_wins_the_rest_rc710_no_step_lost(
        self, store: Store, spec: str
    ) -> None:
        store.append("C-1", opening(), 0, anything)
        actors = ["甲", "乙", "丙", "丁"]
        results = _race(spec, _writer, actors, 1)
        assert sorted(results.values()) == ["RC710"] * (len(actors) - 1) + ["ok"]
        events = store.events("C-1")
        head = store.head("C-1")
        assert head is not None and head.version == len(actors) + 1
        assert sorted(e.payload["text"] for e in events[1:]) == sorted(actors)
        winner = next(a for a, r in results.items() if r == "ok")
        assert events[1].payload["text"] == winner
        assert verify("C-1", events, head.version, head.head_hash) == []

    def test_first_writers_of_a_new_case_at_once_one_opens_it(
        self, store: Store, spec: str
    ) -> None:
        actors = ["甲", "乙", "丙", "丁"]
        results = _race(spec, _opener, actors)
        # The others are refused by the check, as the second writer is in SQLite: they found
        # the case open, never a store error and never a second first event.
        assert sorted(results.values()) == ["ok"] + ["opened"] * (len(actors) - 1)
        events = store.events("C-new")
        winner = next(a for a, r in results.items() if r == "ok")
        assert [e.seq for e in events] == [1] and events[0].payload["case"]["title"] == winner
