"""Runs the store contract (tests/store_contract.py) on SQLite and PostgreSQL, then what only
the PostgreSQL store has: its migrations, its connection string (name, errors), roles that
may not write, processes creating one store, psycopg missing, and the CLI on a server."""

from __future__ import annotations

import json
import multiprocessing
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rongcuo.cli import main
from rongcuo.records.model import RecordError
from rongcuo.records.open import open_store, public_dsn
from rongcuo.records.store import SQLiteStore

from .store_contract import (
    CASE,
    StoreContract,
    anything,
    example_record,
    note,
    opening,
    pg_base,
    pg_schema,
    review_of,
)


class TestStoreContract(StoreContract):
    """Every contract test, once per store."""


def codes(exc: pytest.ExceptionInfo[RecordError]) -> list[str]:
    return [d.code for d in exc.value.diagnostics]


@pytest.fixture
def pg() -> Iterator[tuple[str, str]]:
    """A fresh schema on the test server: (its name, the store's URL)."""
    with pg_schema(pg_base()) as found:
        yield found


def sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        for statement in statements:
            db.execute(statement.encode())


# --- the connection string: no server needed ------------------------------------------------


def test_the_name_is_the_connection_string_without_its_password() -> None:
    assert public_dsn("postgresql://rc:s3cret@db.example:5433/rongcuo?sslmode=require") == (
        "postgresql://rc@db.example:5433/rongcuo?sslmode=require"
    )
    assert public_dsn("postgres://rc:p@h/db?password=x&options=-csearch_path%3Dt") == (
        "postgres://rc@h/db?options=-csearch_path%3Dt"
    )
    assert public_dsn("host=/run/pg user=rc password='a b\\'c' dbname=x") == (
        "host=/run/pg user=rc dbname=x"
    )
    assert public_dsn("postgresql://rc@h/db") == "postgresql://rc@h/db"


def test_an_unreachable_server_is_rc703_reading_rc706_creating_located_without_password() -> None:
    pytest.importorskip("psycopg")
    url = "postgresql://rc:s3cret@/db?host=/nonexistent-rc&port=1"
    for create, code in ((False, "RC703"), (True, "RC706")):
        with pytest.raises(RecordError) as exc:
            open_store(url, create=create)
        (d,) = exc.value.diagnostics
        assert (d.code, d.location.file) == (
            code,
            "postgresql://rc@/db?host=/nonexistent-rc&port=1",
        )
        assert "s3cret" not in d.message_zh + d.message_en + d.hint
        assert "/nonexistent-rc" in d.message_en  # libpq's reason, on one line
        assert "\n" not in d.message_en


def test_a_malformed_connection_string_is_rc741() -> None:
    pytest.importorskip("psycopg")
    from rongcuo.records.postgres import PostgresStore

    with pytest.raises(RecordError) as exc:
        PostgresStore("host=x password=secret nonsense")
    assert codes(exc) == ["RC741"]
    assert "secret" not in exc.value.diagnostics[0].location.file


def test_without_psycopg_a_postgresql_url_is_rc740(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rongcuo.records.postgres", None)  # import fails
    with pytest.raises(RecordError) as exc:
        open_store("postgresql://rc:pw@h/db", create=True)
    (d,) = exc.value.diagnostics
    assert (d.code, d.location.file) == ("RC740", "postgresql://rc@h/db")
    assert "rongcuo[postgres]" in d.hint


# --- the schema -----------------------------------------------------------------------------


def test_a_version_1_store_is_migrated_and_keeps_its_records(pg: tuple[str, str]) -> None:
    from rongcuo.records import postgres_schema

    _, url = pg
    sql(
        url,
        postgres_schema.V1,
        "INSERT INTO schema_version VALUES (1, 'rongcuo-records')",
        "INSERT INTO records VALUES ('rc-" + "a" * 20 + "', 'C', 'h', '{}', 'wanzhou', '2018', "
        "'rh', '2024-04-01', 'reference', '1', '0.1', 'cleared', '{}', '2024-04-02T09:30:00')",
    )
    with open_store(url, create=False) as store:
        assert store.ids_with_prefix("rc-a") == ["rc-" + "a" * 20]
        store.append("C-1", opening(), 0, anything)
        assert [e.seq for e in store.events("C-1")] == [1]
        assert store.get("rc-" + "a" * 20) is not None


def test_case_events_cannot_be_truncated_either(pg: tuple[str, str]) -> None:
    _, url = pg
    with open_store(url, create=True) as store:
        store.append("C-1", opening(), 0, anything)
        with pytest.raises(Exception, match="append-only"):
            sql(url, "TRUNCATE case_events")
        assert len(store.events("C-1")) == 1


def test_a_store_of_a_newer_rongcuo_is_rc704(pg: tuple[str, str]) -> None:
    _, url = pg
    open_store(url, create=True).close()
    sql(url, "UPDATE schema_version SET version = 3")
    with pytest.raises(RecordError) as exc:
        open_store(url, create=True)
    assert codes(exc) == ["RC704"]


def test_tables_of_another_program_are_rc703_not_taken_over(pg: tuple[str, str]) -> None:
    _, url = pg
    sql(url, "CREATE TABLE records (id integer)")
    with pytest.raises(RecordError) as exc:
        open_store(url, create=True)
    assert codes(exc) == ["RC703"] and "schema_version/records/reviews" in str(
        exc.value.diagnostics[0].message_en
    )
    sql(url, "CREATE TABLE schema_version (version int, app text)", "CREATE TABLE reviews (a int)")
    sql(url, "INSERT INTO schema_version VALUES (1, 'other-app')")
    with pytest.raises(RecordError) as exc:
        open_store(url, create=True)
    assert codes(exc) == ["RC703"]


def test_a_search_path_naming_no_existing_schema_is_rc742() -> None:
    absent = f"-csearch_path=absent_{secrets.token_hex(4)}"
    with pg_schema(pg_base(), options=absent) as (_, u), pytest.raises(RecordError) as exc:
        open_store(u, create=True)
    assert codes(exc) == ["RC742"]


def test_a_nul_character_is_rc743_and_nothing_is_written(pg: tuple[str, str]) -> None:
    _, url = pg
    with open_store(url, create=True) as store:
        store.append("C-1", opening(), 0, anything)
        with pytest.raises(RecordError) as exc:
            store.append("C-1", note("x", actor="甲\x00"), 1, anything)
        assert codes(exc) == ["RC743"]
        assert len(store.events("C-1")) == 1


# --- roles that may only read ---------------------------------------------------------------


@contextmanager
def role(schema: str, url: str, *grants: str) -> Iterator[str]:
    """A login role with USAGE on the schema and ``grants`` (``{role}`` in them is its name):
    the store's URL as that role."""
    name = "r_" + secrets.token_hex(6)
    given = [f"CREATE ROLE {name} LOGIN", f"GRANT USAGE ON SCHEMA {schema} TO {name}"]
    sql(url, *given, *(g.format(role=name, schema=schema) for g in grants))
    try:
        yield re.sub(r"user=[^&]*", f"user={name}", url)
    finally:
        sql(url, f"DROP OWNED BY {name}", f"DROP ROLE {name}")


def reader(schema: str, url: str) -> Any:
    """A role that may only read the schema's tables."""
    return role(schema, url, "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")


def test_an_append_only_role_as_docs_records_md_grants_does_all_a_store_does(
    pg: tuple[str, str],
) -> None:
    schema, url = pg
    made = example_record()
    open_store(url, create=True).close()
    grants = (
        "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT UPDATE ON {schema}.cases TO {role}",
    )
    with role(schema, url, *grants) as app, open_store(app, create=False) as store:
        store.check_writable()
        assert store.put(made) is True
        store.add_review(review_of(made, made.outcome))
        store.append("C-1", opening(), 0, anything)
        store.append("C-1", note("一"), 1, anything)
        assert [e.seq for e in store.events("C-1")] == [1, 2]
        assert len(store.reviews(made.id)) == 1
    with role(schema, url, grants[0]) as no_update, open_store(no_update, create=False) as store:
        with pytest.raises(RecordError) as exc:
            store.check_writable()
        assert "UPDATE ON cases" in exc.value.diagnostics[0].message_en


def test_a_role_that_may_only_read_reads_and_is_rc706_on_writing(pg: tuple[str, str]) -> None:
    schema, url = pg
    with open_store(url, create=True) as store:
        store.append("C-1", opening(), 0, anything)
    with reader(schema, url) as as_reader, open_store(as_reader, create=False) as store:
        assert [e.seq for e in store.events("C-1")] == [1]
        with pytest.raises(RecordError) as exc:
            store.check_writable()
        assert codes(exc) == ["RC706"] and "INSERT" in exc.value.diagnostics[0].message_en
        with pytest.raises(RecordError) as exc:
            store.append("C-1", note("x"), 1, anything)
        assert codes(exc) == ["RC706"]


def test_an_old_store_that_cannot_be_upgraded_stays_readable(pg: tuple[str, str]) -> None:
    from rongcuo.records import postgres_schema

    schema, url = pg
    sql(url, postgres_schema.V1, "INSERT INTO schema_version VALUES (1, 'rongcuo-records')")
    with reader(schema, url) as as_reader, open_store(as_reader, create=False) as store:
        assert store.find() == []
        with pytest.raises(RecordError) as exc:
            store.heads()
        assert codes(exc) == ["RC706"] and "schema version 1" in exc.value.diagnostics[0].message_en


def _open_new(url: str, start: Any, out: Any) -> None:
    start.wait()
    try:
        with open_store(url, create=True) as store:
            out.put(store.name and "ok")
    except RecordError as exc:
        out.put(exc.diagnostics[0].code)


def test_processes_creating_one_new_store_at_once_all_succeed(pg: tuple[str, str]) -> None:
    _, url = pg
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(4)
    procs = [ctx.Process(target=_open_new, args=(url, start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok"] * 4
    with open_store(url, create=False) as store:
        assert store.find() == []


# --- the CLI on a server --------------------------------------------------------------------


def test_the_cli_records_shows_and_reviews_on_postgresql(pg: tuple[str, str]) -> None:
    _, url = pg
    runner = CliRunner()
    args = ["evaluate", str(CASE), "--ruleset", "wanzhou", "--as-of", "2024-04-01"]
    args += ["--backend", "reference", "--record", "--store", url]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    found = re.search(r"已记录 recorded: (rc-[0-9a-f]{20})", result.stderr)
    assert found, result.stderr
    rid = found.group(1)
    review = ["record", "review", rid, "--outcome", "mitigate", "--body", "中共万州区委"]
    review += ["--date", "2024-04-20", "--reason", "造成一定社会影响", "--store", url]
    assert runner.invoke(main, review).exit_code == 0
    shown = runner.invoke(main, ["record", "show", rid, "--store", url, "--format", "json"])
    data = json.loads(shown.stdout)
    assert data["record"]["outcome"] == "tolerate"
    assert [r["final_outcome"] for r in data["reviews"]] == ["mitigate"]
    missing = runner.invoke(
        main, ["record", "list", "--store", url.replace("search_path%3Dt_", "search_path%3Dnone_")]
    )
    assert missing.exit_code != 0 and "RC742" in missing.stderr


def test_a_path_or_a_string_without_a_postgresql_scheme_is_an_sqlite_file(tmp_path: Path) -> None:
    for spec in (tmp_path / "a.sqlite3", str(tmp_path / "postgresql-b.sqlite3")):
        with open_store(spec, create=True) as store:
            assert isinstance(store, SQLiteStore) and store.name == str(spec)
