"""Decision records: deterministic ids, WAL store shared by processes, reviews kept apart, replay."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo import DecisionRecord, RecordError, Review, SQLiteStore, replay
from rongcuo.api import durable_installed
from rongcuo.cli import main

from .conftest import ROOT, requires_durable

CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
AS_OF = dt.date(2024, 4, 1)
WHEN = "2024-04-02T09:30:00+08:00"


@pytest.fixture
def record(engine: rongcuo.Engine, tmp_path: Path) -> DecisionRecord:
    decision = engine.evaluate(CASE, ruleset="wanzhou", as_of=AS_OF)
    with SQLiteStore(tmp_path / "made.sqlite3") as store:
        return engine.record(decision, CASE, store=store, recorded_at=WHEN)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with SQLiteStore(tmp_path / "records.sqlite3") as s:
        yield s


def codes(exc: pytest.ExceptionInfo[RecordError]) -> list[str]:
    return [d.code for d in exc.value.diagnostics]


# --- records and ids ------------------------------------------------------------------------


@requires_durable
def test_record_holds_the_inputs_and_the_exact_decision_text(
    engine: rongcuo.Engine, record: DecisionRecord
) -> None:
    decision = engine.evaluate(CASE, ruleset="wanzhou", as_of=AS_OF)
    assert record.decision == decision.to_json()
    assert record.case_id == "WZ-2024-017"
    assert record.case_hash == decision.case.content_hash
    assert record.case["facts"]["motive"] == "public"
    assert (record.ruleset_id, record.ruleset_version) == ("wanzhou", "2018")
    assert record.ruleset_hash == decision.ruleset.content_hash
    assert (record.as_of, record.outcome, record.engine) == (
        "2024-04-01",
        "tolerate",
        "durable_rules",
    )
    assert record.rongcuo_version == rongcuo.__version__
    assert record.recorded_at == WHEN


def test_record_id_is_sha256_of_case_hash_ruleset_hash_and_as_of(record: DecisionRecord) -> None:
    text = f"{record.case_hash}\n{record.ruleset_hash}\n2024-04-01"
    assert record.id == "rc-" + hashlib.sha256(text.encode()).hexdigest()[:20]
    assert rongcuo.record_id(record.case_hash, record.ruleset_hash, "2024-04-01") == record.id


def test_recording_twice_is_idempotent(store: SQLiteStore, record: DecisionRecord) -> None:
    assert store.put(record) is True
    later = record.model_copy(update={"recorded_at": "2024-05-01T10:00:00+08:00"})
    assert store.put(later) is False
    assert store.find() == [record]  # the first recording is kept
    assert store.get(record.id) == record


def test_recording_a_case_that_did_not_make_the_decision_is_rc705(
    engine: rongcuo.Engine, store: SQLiteStore
) -> None:
    decision = engine.evaluate(CASE, ruleset="wanzhou", as_of=AS_OF)
    other = ROOT / "examples" / "wz-04-private-gain-not-tolerate.yaml"
    with pytest.raises(RecordError) as exc:
        engine.record(decision, other, store=store, recorded_at=WHEN)
    assert codes(exc) == ["RC705"]
    assert store.find() == []


def test_recorded_at_must_be_an_iso_timestamp(record: DecisionRecord) -> None:
    with pytest.raises(ValueError, match="recorded_at must be an ISO timestamp, got 'yesterday'"):
        DecisionRecord.model_validate({**record.model_dump(), "recorded_at": "yesterday"})


def test_find_by_case_and_ruleset(store: SQLiteStore, record: DecisionRecord) -> None:
    other = record.model_copy(update={"id": "rc-" + "0" * 20, "case_id": "WZ-X"})
    store.put(record)
    store.put(other)
    assert [r.id for r in store.find(case_id="WZ-X")] == [other.id]
    assert {r.id for r in store.find(ruleset_id="wanzhou")} == {record.id, other.id}
    assert store.find(case_id="WZ-X", ruleset_id="national") == []


# --- the SQLite store -----------------------------------------------------------------------


def test_store_is_in_wal_mode_with_a_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    with SQLiteStore(path) as store:
        assert store.journal_mode() == "wal"
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("SELECT version, app FROM schema_version").fetchall() == [
            (2, "rongcuo-records")
        ]
    finally:
        raw.close()


def _at_once(target: Callable[..., None], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target(*args, start, out)`` in a spawned process for each ``args``; ``start`` is a
    barrier of them all, and each puts one result in ``out``. The results, in no given order."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(len(arguments)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, out)) for args in arguments]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def _append_all(path: str, lines: list[str], start: Any, out: Any) -> None:
    records = [DecisionRecord.model_validate_json(line) for line in lines]
    start.wait()  # both processes create the store and append at the same moment
    with SQLiteStore(path) as store:
        out.put([store.put(r) for r in records])


def test_two_processes_appending_lose_nothing_and_duplicate_nothing(
    tmp_path: Path, record: DecisionRecord
) -> None:
    def variant(tag: str, i: int) -> str:
        rid = "rc-" + hashlib.sha256(f"{tag}{i}".encode()).hexdigest()[:20]
        return record.model_copy(update={"id": rid, "case_id": f"{tag}-{i}"}).model_dump_json()

    shared = [variant("shared", i) for i in range(150)]
    own = {p: [variant(p, i) for i in range(150)] for p in ("a", "b")}
    path = str(tmp_path / "shared.sqlite3")  # not yet created: both race to create it
    results = _at_once(_append_all, [(path, shared + own[p]) for p in own])
    # each shared record was new for exactly one of the two processes; own records always new
    for i in range(len(shared)):
        assert results[0][i] != results[1][i]
    assert all(r[len(shared) :] == [True] * 150 for r in results)
    with SQLiteStore(path) as store:
        ids = [r.id for r in store.find()]
    assert len(ids) == len(set(ids)) == 150 + 2 * 150


def _hold_exclusive_lock(path: Path) -> sqlite3.Connection:
    """A new database file with another connection holding its exclusive lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    return other


def _create_in_rounds(paths: list[str], start: Any, out: Any) -> None:
    failures = []
    for path in paths:
        start.wait()  # every process opens the same new file at the same moment
        try:
            SQLiteStore(path).close()
        except RecordError as exc:
            failures.append(str(exc).splitlines()[1])
    out.put(failures)


def test_processes_creating_the_same_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    # Both connections read the new file, then both ask for the lock that switching to WAL
    # needs; SQLite answers one of them "database is locked" at once instead of waiting for the
    # busy timeout. Without a retry about one round in seven failed like that.
    paths = [str(tmp_path / f"new-{i}.sqlite3") for i in range(40)]
    failures = _at_once(_create_in_rounds, [(paths,)] * 3)
    assert failures == [[], [], []]
    with SQLiteStore(paths[-1], create=False) as store:
        assert store.journal_mode() == "wal"


def test_a_lock_held_past_the_timeout_is_rc703_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite3"
    other = _hold_exclusive_lock(path)
    try:
        with pytest.raises(RecordError) as exc:
            SQLiteStore(path, timeout=0.2)
    finally:
        other.close()
    assert codes(exc) == ["RC703"]
    assert "database is locked" in str(exc.value)


def test_a_corrupt_store_file_is_rc703(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database, it is a memo draft\n" * 100)
    with pytest.raises(RecordError) as exc:
        SQLiteStore(path)
    assert codes(exc) == ["RC703"]
    assert "无法读取记录库：file is not a database" in str(exc.value)


def test_an_sqlite_file_of_another_program_is_rc703(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(RecordError) as exc:
        SQLiteStore(path)
    assert codes(exc) == ["RC703"]
    assert "not a rongcuo record store" in str(exc.value)


def test_a_missing_store_is_rc703_when_reading(tmp_path: Path) -> None:
    with pytest.raises(RecordError) as exc:
        SQLiteStore(tmp_path / "typo.sqlite3", create=False)
    assert codes(exc) == ["RC703"]
    assert not (tmp_path / "typo.sqlite3").exists()


# --- reviews --------------------------------------------------------------------------------


def _review(record: DecisionRecord, outcome: str, reason: str = "") -> Review:
    return Review.model_validate(
        {
            "record_id": record.id,
            "final_outcome": outcome,
            "deciding_body": "中共万州区委",
            "decided_on": "2024-04-20",
            "reason": reason,
            "reviewer": "李某",
        }
    )


def test_a_review_that_departs_from_the_proposal_needs_a_reason(
    store: SQLiteStore, record: DecisionRecord
) -> None:
    store.put(record)
    with pytest.raises(RecordError) as exc:
        store.add_review(_review(record, "mitigate"))
    assert codes(exc) == ["RC702"]
    assert exc.value.diagnostics[0].message_en == (
        "the final outcome (mitigate) differs from the proposal (tolerate): a reason is required"
    )
    assert store.reviews(record.id) == []
    store.add_review(_review(record, "mitigate", "造成一定社会影响"))
    store.add_review(_review(record, "tolerate"))  # agreeing needs no reason
    assert [(r.final_outcome, r.reason) for r in store.reviews(record.id)] == [
        ("mitigate", "造成一定社会影响"),
        ("tolerate", ""),
    ]


def test_a_review_never_changes_the_proposal_row(
    tmp_path: Path, store: SQLiteStore, record: DecisionRecord
) -> None:
    store.put(record)

    def row() -> tuple[Any, ...]:
        raw = sqlite3.connect(tmp_path / "records.sqlite3")
        try:
            found: tuple[Any, ...] = raw.execute("SELECT * FROM records").fetchone()
            return found
        finally:
            raw.close()

    before = row()
    store.add_review(_review(record, "not_tolerate", "隐瞒了关键事实"))
    assert row() == before
    assert store.get(record.id) == record
    assert store.get(record.id).outcome == "tolerate"  # type: ignore[union-attr]
    raw = sqlite3.connect(tmp_path / "records.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE records SET outcome = 'mitigate'")
    raw.close()


def test_reviewing_an_unknown_record_is_rc701_with_did_you_mean(
    store: SQLiteStore, record: DecisionRecord
) -> None:
    store.put(record)
    typo = record.id[:10] + "zz"
    with pytest.raises(RecordError) as exc:
        store.add_review(_review(record, "tolerate").model_copy(update={"record_id": typo}))
    assert codes(exc) == ["RC701"]
    assert exc.value.diagnostics[0].hint == f"是否想写 did you mean: {record.id}?"
    assert exc.value.diagnostics[0].location.path == ("records", typo)


# --- replay ---------------------------------------------------------------------------------


def test_replay_of_an_unchanged_evaluation_is_identical(
    engine: rongcuo.Engine, record: DecisionRecord
) -> None:
    result = replay(record, engine)
    assert result.identical
    assert result.differences() == []
    assert result.decision == record.decision
    assert result.to_text() == f"{record.id}：一致 identical\n"


def test_replay_after_a_ruleset_edit_reports_the_hash_first_then_outcome_and_rule(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", folder)
    with rongcuo.Engine([folder]) as before, SQLiteStore(tmp_path / "r.sqlite3") as store:
        decision = before.evaluate(CASE, ruleset="wanzhou", as_of=AS_OF)
        made = before.record(decision, CASE, store=store, recorded_at=WHEN)
    national = folder / "national" / "2019.yaml"
    text = national.read_text(encoding="utf-8")
    edited = text.replace(
        "when: {fact: dereliction, eq: false}", "when: {fact: dereliction, eq: true}"
    )
    assert edited != text
    national.write_text(edited, encoding="utf-8")
    with rongcuo.Engine([folder]) as after:
        result = replay(made, after)
    assert not result.identical
    assert result.ruleset_changed
    assert result.ruleset_hash_before == made.ruleset_hash != result.ruleset_hash_after
    assert (result.outcome_before, result.outcome_after) == ("tolerate", "not_tolerate")
    assert (result.deciding_rule_before, result.deciding_rule_after) == (
        "order_tolerate",
        "order_exclusion",
    )
    lines = result.differences()
    assert lines[0].startswith("规则集内容已改变 ruleset content changed：" + made.ruleset_hash)
    assert "结论 outcome：tolerate → not_tolerate" in lines
    assert "决定规则 deciding rule：order_tolerate → order_exclusion" in lines
    assert "ruleset.content_hash" in result.fields_changed
    assert '-  "outcome": "tolerate",' in result.diff
    assert '+  "outcome": "not_tolerate",' in result.diff
    assert len(result.diff.splitlines()) <= 80


# --- command line ---------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_round_trip_evaluate_show_review_replay(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    args = ["evaluate", str(CASE), "--ruleset", "wanzhou", "--as-of", "2024-04-01", "--record"]
    code, out, err = cli(*args, env={"RONGCUO_STORE": db})
    assert code == 0 and "予以容错免责" in out
    found = re.search(r"已记录 recorded: (rc-[0-9a-f]{20})", err)
    assert found, err
    rid = found.group(1)
    code, _, err = cli(*args, "--store", db)
    assert (code, err.strip()) == (0, f"已有此记录 already recorded: {rid}")

    code, out, _ = cli("record", "show", rid, "--store", db)
    assert code == 0
    assert "机器建议 machine proposal" in out and "认定机关最终决定" in out
    assert "（尚未登记 none recorded yet）" in out

    review = ["record", "review", rid, "--outcome", "mitigate", "--body", "中共万州区委"]
    review += ["--date", "2024-04-20", "--store", db]
    code, _, err = cli(*review)
    assert code == 1 and "error RC702" in err
    code, _, err = cli(*review, "--reason", "造成一定社会影响", "--reviewer", "李某")
    assert code == 0 and "review recorded" in err

    code, out, _ = cli("record", "show", rid, "--store", db)
    proposal, final = out.split("认定机关最终决定")
    assert "［tolerate］" in proposal and "［mitigate］" not in proposal
    assert "2024-04-20 中共万州区委：从轻、减轻问责［mitigate］" in final
    assert "理由 reason：造成一定社会影响" in final
    code, out, _ = cli("record", "show", rid, "--store", db, "--format", "json")
    data = json.loads(out)
    assert data["record"]["outcome"] == "tolerate"
    with rongcuo.Engine() as engine:
        again = engine.evaluate(CASE, ruleset="wanzhou", as_of=AS_OF)
    assert data["record"]["decision"] == again.to_json()
    assert [r["final_outcome"] for r in data["reviews"]] == ["mitigate"]

    code, out, _ = cli("record", "list", "--case", "WZ-2024-017", "--store", db)
    assert code == 0 and out.startswith(rid) and "最终 final mitigate" in out

    code, out, _ = cli("replay", rid, "--store", db)
    assert (code, out) == (0, f"{rid}：一致 identical\n")
    code, out, _ = cli("replay", rid, "--store", db, "--backend", "reference")
    if durable_installed():  # recorded on durable: the other engine's name is a change
        assert code == 1
        assert "改变的字段 fields changed：engine.name, engine.version" in out
    else:  # recorded on the reference evaluator already (Python 3.13+)
        assert (code, out) == (0, f"{rid}：一致 identical\n")


def test_cli_replay_of_an_unknown_id_is_located_and_suggests(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    cli("evaluate", str(CASE), "--ruleset", "wanzhou", "--record", "--store", db)
    with SQLiteStore(db) as store:
        rid = store.find()[0].id
    code, out, err = cli("replay", rid[:8] + "0000", "--store", db)
    assert code == 1 and out == ""
    assert err.startswith(f"{db}: error RC701 [records.{rid[:8]}0000]")
    assert f"did you mean: {rid}?" in err


def test_cli_with_a_corrupt_store_is_rc703_not_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "broken.sqlite3"
    db.write_bytes(b"\x00garbage" * 512)
    for args in (
        ["evaluate", str(CASE), "--ruleset", "wanzhou", "--record", "--store", str(db)],
        ["record", "show", "rc-0123456789abcdef0123", "--store", str(db)],
        ["record", "list", "--store", str(db)],
        ["replay", "rc-0123456789abcdef0123", "--store", str(db)],
    ):
        code, out, err = cli(*args)
        assert code == 1, args
        assert "error RC703" in err and "Traceback" not in err + out
        assert out == ""  # evaluate --record fails before printing a decision


# --- an emptied store is never made anew ----------------------------------------------------


def test_an_emptied_store_is_rc703_not_silently_made_anew(
    tmp_path: Path, record: DecisionRecord
) -> None:
    empty = tmp_path / "zero.sqlite3"
    empty.write_bytes(b"")  # e.g. truncated by a bad copy or a full disk
    with pytest.raises(RecordError) as exc:
        SQLiteStore(empty)
    assert codes(exc) == ["RC703"] and "the record store is empty" in str(exc.value)
    assert empty.read_bytes() == b""

    dropped = tmp_path / "dropped.sqlite3"
    with SQLiteStore(dropped) as store:
        store.put(record)
    raw = sqlite3.connect(dropped)
    raw.executescript(
        "DROP TABLE case_events; DROP TABLE cases; "
        "DROP TABLE reviews; DROP TABLE records; DROP TABLE schema_version;"
    )
    raw.close()
    with pytest.raises(RecordError) as exc:
        SQLiteStore(dropped)
    assert codes(exc) == ["RC703"] and "tables were dropped" in str(exc.value)
    raw = sqlite3.connect(dropped)
    tables = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == [("sqlite_sequence",)]  # nothing made anew
    raw.close()

    fresh = tmp_path / "new" / "records.sqlite3"  # no file there: a new store is made
    with SQLiteStore(fresh) as store:
        assert store.put(record) is True
    assert sorted(p.name for p in fresh.parent.iterdir()) == ["records.sqlite3"]


def test_a_store_path_that_is_a_folder_is_rc703(tmp_path: Path) -> None:
    with pytest.raises(RecordError) as exc:
        SQLiteStore(tmp_path)
    assert codes(exc) == ["RC703"] and "is a folder" in str(exc.value)
