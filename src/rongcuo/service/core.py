"""What every route of the service shares: takes the :class:`Config`, gives the engines (one per
backend asked for), the request body read within its size and time limits, the case and the
query parameters checked, the bearer-token check on writes, and the record store.

A request the service refuses raises :class:`Refused` (a status and located diagnostics); the
application answers it as JSON (service/errors.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request

from rongcuo.api import Backend, BackendUnavailable, Engine, resolve_backend
from rongcuo.case.contract import Case
from rongcuo.decision.model import Decision
from rongcuo.errors import Diagnostic, InputError, Location, RulesetNotFound
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.precedents.build import load_index
from rongcuo.procedure.book import CaseBook
from rongcuo.records.model import RecordError, make_record
from rongcuo.records.open import Store, is_postgres, open_store
from rongcuo.service.errors import request_error

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
BACKENDS: tuple[Backend, ...] = ("durable", "reference")
T = TypeVar("T")
log = logging.getLogger("rongcuo.service")


@dataclass(frozen=True)
class Config:
    """What a service serves and how.

    ``rulesets`` are folders served beside the bundled rulesets; ``backend`` the default rule
    engine (a request may ask for the other with ``?backend=``); ``max_body`` the largest
    request body in bytes and ``body_timeout`` the seconds a client has to send it; ``store``
    the record store (an SQLite file, or a ``postgresql://`` URL kept as a string) that
    ``?record=true``, ``/v1/records`` and ``/v1/cases`` use; ``token_file`` a file
    holding the bearer token that writes need (none: writes are open); ``cors_origins`` the
    origins allowed to call from a browser (none: CORS is off); ``calendars`` supplements of the
    official working-day calendar for memo deadlines; ``drafts`` the folder the workspace's
    editor saves new ruleset versions into (none: it cannot save); ``cases`` folders of case
    files the workspace's diff page may run over; ``library`` a typical-case library folder
    (``rongcuo library build``) that ``/v1/library``, ``…/precedents`` and the workspace's
    相似典型案例 read (none: 404 RC917).
    """

    rulesets: tuple[Path, ...] = ()
    backend: str | None = None
    max_body: int = 1_000_000
    body_timeout: float = 30.0
    store: Path | str | None = None
    token_file: Path | None = None
    cors_origins: tuple[str, ...] = ()
    calendars: tuple[Path, ...] = ()
    drafts: Path | None = None
    cases: tuple[Path, ...] = ()
    library: Path | None = None

    def to_json(self) -> str:
        """The config as JSON, to hand to worker processes (paths as given)."""
        return json.dumps(
            {
                "rulesets": [str(p) for p in self.rulesets],
                "backend": self.backend,
                "max_body": self.max_body,
                "body_timeout": self.body_timeout,
                "store": None if self.store is None else str(self.store),
                "token_file": None if self.token_file is None else str(self.token_file),
                "cors_origins": list(self.cors_origins),
                "calendars": [str(p) for p in self.calendars],
                "drafts": None if self.drafts is None else str(self.drafts),
                "cases": [str(p) for p in self.cases],
                "library": None if self.library is None else str(self.library),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Config:
        """The config :meth:`to_json` wrote."""
        raw = json.loads(text or "{}")

        def path(key: str) -> Path | None:
            return None if raw.get(key) is None else Path(raw[key])

        store = raw.get("store")

        return cls(
            rulesets=tuple(Path(p) for p in raw.get("rulesets", ())),
            backend=raw.get("backend"),
            max_body=int(raw.get("max_body", 1_000_000)),
            body_timeout=float(raw.get("body_timeout", 30.0)),
            store=store if store is None or is_postgres(store) else Path(store),
            token_file=path("token_file"),
            cors_origins=tuple(raw.get("cors_origins", ())),
            calendars=tuple(Path(p) for p in raw.get("calendars", ())),
            drafts=path("drafts"),
            cases=tuple(Path(p) for p in raw.get("cases", ())),
            library=path("library"),
        )


@dataclass
class Refused(Exception):
    """A request the service will not serve: answered with ``status`` and ``diagnostics``."""

    status: int
    diagnostics: Sequence[Diagnostic]
    headers: dict[str, str] = field(default_factory=dict)


def refused(status: int, code: str, zh: str, en: str, **kw: Any) -> Refused:
    """A :class:`Refused` with one diagnostic about the request."""
    headers = kw.pop("headers", {})
    return Refused(status, [request_error(code, zh, en, **kw)], headers)


def read_token(path: Path) -> str:
    """The bearer token in ``path`` (its first line, stripped); a missing, unreadable or short
    file is an error (RC909) before the service starts."""
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeError) as exc:
        raise token_error(path, "无法读取令牌文件", f"cannot read the token file ({exc})") from None
    if not lines or len(lines[0].strip()) < 16:
        raise token_error(
            path,
            "令牌文件应含至少 16 个字符的令牌",
            "the token file must hold 16 characters or more",
        )
    return lines[0].strip()


def token_error(path: Path, zh: str, en: str) -> InputError:
    """RC909: the ``--token-file`` cannot serve as the service's token."""
    hint = "例如 e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))' > token"
    return InputError([Diagnostic("RC909", Location(str(path)), zh, en, hint)])


class Service:
    """The engines, calendar, token and store one worker process serves with."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.backend: Backend = resolve_backend(config.backend)  # type: ignore[arg-type]
        self.token = None if config.token_file is None else read_token(config.token_file)
        self.calendar = (
            OfficialCalendar.with_supplements(*config.calendars)
            if config.calendars
            else OfficialCalendar()
        )
        self._engines: dict[str, Engine] = {
            self.backend: Engine(config.rulesets, backend=self.backend)
        }
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], bytes] = {}  # (what, content hash) -> JSON bytes
        if config.store is not None:  # made (or checked) now, so a bad store stops the start
            with open_store(config.store, create=True) as store:
                store.check_writable()
        if config.library is not None:  # a folder that is no library stops the start (RC753)
            load_index(config.library)

    @property
    def engine(self) -> Engine:
        """The engine of the default backend."""
        return self._engines[self.backend]

    def engine_for(self, backend: str | None) -> Engine:
        """The engine of ``backend`` (the default when ``None``), made on first use."""
        if backend is None:
            return self.engine
        chosen = cast(Backend, choice("backend", backend, BACKENDS))
        with self._lock:
            if chosen not in self._engines:
                try:
                    made = Engine(self.config.rulesets, backend=chosen)
                except BackendUnavailable as exc:
                    zh, en = zh_en(str(exc).removeprefix("error RC302: "))
                    raise refused(400, "RC302", zh, en, path=("backend",)) from None
                self._engines[chosen] = made
            return self._engines[chosen]

    def record(self, decision: Decision, case: Case) -> tuple[str, bool]:
        """Keep ``decision``, made from ``case``, in the store: its record id, and whether it
        is new (False when the same evaluation was kept before)."""
        made = make_record(decision, case, recorded_at=now())
        with self.store() as store:
            store.check_writable()
            return made.id, store.put(made)

    def cached(self, key: tuple[str, str], make: Callable[[], Any]) -> bytes:
        """The JSON bytes of ``make()``, made once for ``key`` (what, a content hash)."""
        with self._lock:
            found = self._answers.get(key)
        if found is None:  # made outside the lock: a case schema takes milliseconds
            found = json.dumps(make(), ensure_ascii=False, separators=(",", ":")).encode()
            with self._lock:
                self._answers[key] = found
        return found

    def close(self) -> None:
        """Close every engine."""
        for engine in self._engines.values():
            engine.close()

    def known(self, ruleset_id: str) -> None:
        """Refuse (404) a ruleset id that names no ruleset folder here, in words of its own:
        the library's name the folders searched, which a client must not see."""
        if _ID.match(ruleset_id):
            try:
                self.engine.library.folder(ruleset_id)
                return
            except RulesetNotFound:
                pass
        shown = ruleset_id if len(ruleset_id) <= 80 else ruleset_id[:80] + "…"
        raise refused(
            404, "RC301", f"没有规则集 {shown!r}", f"no ruleset {shown!r}", path=("ruleset",)
        )

    async def body(self, request: Request) -> bytes:
        """The request body, refused past ``max_body`` bytes (413 RC901, also when it comes in
        chunks without a length) or when not all of it arrives within ``body_timeout`` seconds
        (408 RC904, and the connection is closed)."""
        limit = self.config.max_body
        chunks: list[bytes] = []
        size = 0

        async def read() -> None:
            nonlocal size
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                chunks.append(chunk)

        try:
            await asyncio.wait_for(read(), self.config.body_timeout)
        except TimeoutError:
            raise refused(
                408,
                "RC904",
                f"请求体未在 {self.config.body_timeout:g} 秒内送完",
                f"the body did not arrive within {self.config.body_timeout:g} s",
                headers={"Connection": "close"},
            ) from None
        return b"".join(chunks)

    async def json_object(self, request: Request, what: tuple[str, str]) -> dict[str, Any]:
        """The body as a JSON object (400 RC902 when it is not JSON, 422 RC201 when it is not
        an object); ``what`` names it in Chinese and English."""
        raw = await self.body(request)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise refused(400, "RC902", "请求体不是 JSON", "the body is not JSON") from None
        if not isinstance(data, dict):
            raise refused(
                422, "RC201", f"{what[0]}应是一个 JSON 对象", f"the {what[1]} must be a JSON object"
            )
        return data

    def authorize(self, request: Request) -> None:
        """Refuse (401 RC906) a write without the service's bearer token, when it has one."""
        if self.token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), self.token.encode()
        ):
            raise refused(
                401,
                "RC906",
                "写操作需要令牌（Authorization: Bearer …）",
                "a write needs the service's token (Authorization: Bearer …)",
                headers={"WWW-Authenticate": 'Bearer realm="rongcuo"'},
            )

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The record store, opened for this request (404 RC907 when none is configured): an
        SQLite file, or a PostgreSQL server when ``store`` is a ``postgresql://`` URL (kept a
        string: a :class:`~pathlib.Path` would fold its ``//``)."""
        if self.config.store is None:
            raise refused(
                404,
                "RC907",
                "本服务未配置记录库（rongcuo serve --store）",
                "this service keeps no records (start it with --store)",
                path=("records",),
            )
        try:
            store = open_store(self.config.store, create=False)
        except RecordError as exc:  # the store went missing or bad since the start
            raise record_refusal(exc) from None
        with store:
            yield store

    @contextmanager
    def book(self, backend: str | None = None) -> Iterator[CaseBook]:
        """The case book over the record store, for this request: its decisions made by the
        engine of ``backend`` (the default when ``None``), its deadlines on the service's
        calendar (404 RC907 when no store is configured)."""
        engine = self.engine_for(backend)
        with self.store() as store:
            yield CaseBook(store, engine, self.calendar)


def service(request: Request) -> Service:
    """The :class:`Service` serving ``request`` (a FastAPI dependency: ``Depends(service)``)."""
    found: Service = request.app.state.service
    return found


#: A route's parameter for its :class:`Service`: ``svc: ServiceDep``.
ServiceDep = Annotated[Service, Depends(service)]


def too_large(limit: int) -> Refused:
    """413 RC901: the body is past ``limit`` bytes."""
    return refused(
        413,
        "RC901",
        f"请求体超过 {limit} 字节",
        f"the body exceeds {limit} bytes",
        headers={"Connection": "close"},
    )


#: The status a record-store failure is answered with: an unknown record is the client's 404,
#: a review the store refuses its 422, a store that cannot be read or written the server's 503.
#: A case's procedure record (RC710–RC723): a change made from a stale version, or a case
#: opened twice, is a 409 conflict; an unknown case 404; a change its rules refuse 422.
_RECORD_STATUS = {
    "RC701": 404,
    "RC702": 422,
    "RC705": 422,
    "RC710": 409,
    "RC711": 409,
    "RC712": 404,
    **{f"RC7{n}": 422 for n in range(13, 24)},
}


def library_call(work: Callable[[], T]) -> T:
    """``work()``, with what the library refuses turned into :class:`Refused`: a case, review or
    ruleset it rejects is 422 with its located diagnostics, a ruleset without a version that
    applies 404, a record store failure 404, 422 or 503."""
    try:
        return work()
    except RecordError as exc:
        raise record_refusal(exc) from None
    except InputError as exc:
        raise Refused(422, exc.diagnostics) from None
    except RulesetNotFound as exc:
        raise not_found(exc) from None


def record_refusal(exc: RecordError) -> Refused:
    """A record-store failure as the service answers it: an unknown record 404, a review the
    store refuses 422 (located in ``<records>``, never the store's path on the server), a store
    that cannot be read or written 503 (the log says which)."""
    code = exc.diagnostics[0].code if exc.diagnostics else ""
    status = _RECORD_STATUS.get(code, 503)
    if status == 503:
        log.error("record store: %s", "; ".join(d.message_en for d in exc.diagnostics))
        return refused(503, code or "RC703", "记录库暂不可用", "the record store is unavailable")
    return Refused(
        status,
        [
            d
            if d.location.file.startswith("<")  # <case ID>: a place in a record, not a path
            else replace(d, location=replace(d.location, file="<records>"))
            for d in exc.diagnostics
        ],
    )


def not_found(exc: RulesetNotFound) -> Refused:
    """404 RC301 for a ruleset with no version that applies (the library's words, which name
    versions and days, never the folders)."""
    return refused(404, "RC301", *zh_en(str(exc)), path=("ruleset",))


def zh_en(message: str) -> tuple[str, str]:
    """A library message written "中文 / English" as its two halves (the Chinese twice when it
    has no English half)."""
    zh, _, en = message.partition(" / ")
    return zh, en or zh


def now() -> str:
    """The time a record is made, as the service's clock says (UTC, seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def as_of_day(as_of: str | None) -> dt.date | None:
    """The ``as_of`` query parameter as a date (400 RC903 when it is not one)."""
    if as_of is None:
        return None
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise refused(
            400, "RC903", "as_of 应为日期", "as_of must be a date (YYYY-MM-DD)", path=("as_of",)
        ) from None


def choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` when it is one of ``allowed``, else 400 RC905 naming the parameter."""
    if value not in allowed:
        listed = ", ".join(allowed)
        raise refused(
            400,
            "RC905",
            f"{name} 应为 {listed} 之一，收到 {value[:40]!r}",
            f"{name} must be one of {listed}, got {value[:40]!r}",
            path=(name,),
        )
    return value
