"""Opening the record store that ``--store`` names: a file, or a PostgreSQL server.

Takes a store spec — a PostgreSQL URL (``postgresql://…`` or ``postgres://…``, libpq's
connection URI: docs/records.md) or else the path of an SQLite file — and gives the open store
(:func:`open_store`), typed as :class:`Store`: what every store offers (records, reviews, case
procedure records, :meth:`Store.check_writable`, a context manager). :func:`public_dsn` writes a
connection string without its password, as a store's ``name`` and every error's location say it.

The PostgreSQL store needs psycopg (``pip install 'rongcuo[postgres]'``); without it a URL is
RC740, and the SQLite store works as before.
"""

from __future__ import annotations

import os
import re
from typing import Protocol, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rongcuo.records.case_tables import CaseStore
from rongcuo.records.model import RecordStore, record_error
from rongcuo.records.store import SQLiteStore

_SCHEMES = ("postgresql://", "postgres://")
# password=… in libpq's key=value form: a quoted value (with \' and \\ escapes) or a bare word.
_PASSWORD_WORD = re.compile(r"\s*\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S*)", re.IGNORECASE)


class Store(RecordStore, CaseStore, Protocol):
    """A record store as :func:`open_store` gives it (SQLite file or PostgreSQL server)."""

    def check_writable(self) -> None:
        """RC706 unless this process can append to the store."""
        ...

    def __enter__(self) -> Self:
        """The store itself; closed on leaving the ``with`` block."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        ...


def is_postgres(spec: str) -> bool:
    """Whether ``spec`` names a PostgreSQL store (a ``postgresql://`` or ``postgres://`` URL)."""
    return spec.lower().startswith(_SCHEMES)


def public_dsn(dsn: str) -> str:
    """``dsn`` without its password: what a PostgreSQL store is called in messages and logs.

    A URL loses the password of its user part and a ``password`` query parameter; the
    ``key=value`` form loses its ``password=…`` word. Everything else is kept as written.
    """
    if not is_postgres(dsn):
        return _PASSWORD_WORD.sub("", dsn).strip()
    try:
        parts = urlsplit(dsn)
    except ValueError:  # not even a URL: drop everything between :// and the host
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1@", dsn)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = user.split(":", 1)[0] + "@" + host
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = parts.query
    if any(k == "password" for k, _ in query):
        kept = urlencode([(k, v) for k, v in query if k != "password"], safe="/,:")
    return urlunsplit((parts.scheme, netloc, parts.path, kept, parts.fragment))


def open_store(spec: str | os.PathLike[str], *, create: bool) -> Store:
    """The store ``spec`` names: a :class:`~rongcuo.records.postgres.PostgresStore` for a
    PostgreSQL URL, else a :class:`~rongcuo.records.store.SQLiteStore` at that path (a
    :class:`~pathlib.Path` is a path: never make a URL one, ``Path`` folds its ``//``).

    ``create=False`` refuses to make a new store (RC703), as both stores do; RC740 when the URL
    names PostgreSQL and psycopg is not installed.
    """
    spec = os.fspath(spec)
    if not is_postgres(spec):
        return SQLiteStore(spec, create=create)
    try:
        from rongcuo.records.postgres import PostgresStore
    except ImportError as exc:
        raise record_error(
            "RC740",
            public_dsn(spec),
            f"PostgreSQL 记录库需要 psycopg，但未安装（{exc}）",
            f"a PostgreSQL record store needs psycopg, which is not installed ({exc})",
            "安装 pip install 'rongcuo[postgres]'，或用 --store 指定 SQLite 文件 "
            "install it, or give an SQLite file with --store",
        ) from None
    return PostgresStore(spec, create=create)
