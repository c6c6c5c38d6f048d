"""Hostile clients against a real ``rongcuo serve`` process.

One server for the module (reference backend, ``--max-body 100000 --body-timeout 2``). Each
hostile request must get a 4xx whose body is a JSON ``{"errors": [{code, …}], "request_id"}``
(or, for a body that does not arrive, the connection closed by the server; a request line that
is not HTTP is refused by uvicorn itself, a bare 400), never showing a server path, and after
each the server still answers ``/healthz`` and still gives a normal evaluation its decision.
Bodies that are too big, chunked or slow are sent over raw sockets: http.client cannot trickle,
and stops sending at the first refusal.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import select
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

import rongcuo
from tests.conftest import EXAMPLES, case_json, ruleset_of
from tests.service_server import running_server

AS_OF = "2025-01-06"
MAX_BODY = 100_000
BODY_TIMEOUT = 2
CASE = EXAMPLES[0]  # my-01, decides at AS_OF
RULESET = ruleset_of(CASE)
EVALUATE = f"/v1/rulesets/{RULESET}/evaluate?as_of={AS_OF}"
#: What an error body must never show a client.
LEAKS = ("/work", "src/rongcuo", "site-packages", "Traceback", "/home/", "/tmp/")


@dataclass(frozen=True)
class Server:
    base: str
    host: str
    port: int
    expected: bytes  # the library's decision JSON for CASE, without its trailing newline


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with rongcuo.Engine(backend="reference") as engine:
        decision = engine.evaluate(CASE, ruleset=RULESET, as_of=dt.date.fromisoformat(AS_OF))
        expected = decision.to_json().rstrip("\n").encode()
    args = ["--backend", "reference", "--max-body", str(MAX_BODY)]
    with running_server(*args, "--body-timeout", str(BODY_TIMEOUT)) as base:
        where = urlsplit(base)
        assert where.hostname is not None and where.port is not None
        yield Server(base, where.hostname, where.port, expected)


# --- talking to it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    server: Server, method: str, target: str, body: bytes | None = None, timeout: float = 15
) -> Reply:
    """One request on a fresh connection (http.client sends ``target`` as it is)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, target, body, headers)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def read_reply(sock: socket.socket) -> Reply | None:
    """The response on ``sock`` (it has a Content-Length), or ``None`` when the server closed
    the connection without one."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            got = sock.recv(65536)
            if not got:
                return None
            data += got
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            got = sock.recv(65536)
            if not got:
                break
            body += got
        return Reply(status, headers, body[:length])
    except (ConnectionResetError, BrokenPipeError):
        return None


def raw_exchange(
    server: Server,
    head: bytes,
    chunks: Iterable[bytes],
    pause: float = 0.0,
    timeout: float = 15,
) -> tuple[Reply | None, int]:
    """Send ``head`` and then ``chunks`` (``pause`` seconds apart) on a raw socket, stopping as
    soon as the server answers or closes; the reply (``None``: closed without one) and the bytes
    of ``chunks`` sent. A server still silent ``timeout`` seconds after the last chunk raises
    TimeoutError."""
    sent = 0
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], pause)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return read_reply(sock), sent


def post_head(length: int | None, target: str = EVALUATE) -> bytes:
    """A POST's request line and headers: with a Content-Length, or chunked when ``None``."""
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    return (
        f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    ).encode()


def assert_json_error(reply: Reply, status: int | set[int], code: str | None = None) -> Any:
    """``reply`` is a JSON error with that status (one of them) and first code; no leaks."""
    statuses = {status} if isinstance(status, int) else status
    assert reply.status in statuses, (reply.status, reply.body[:300])
    assert reply.headers.get("content-type", "").startswith("application/json")
    text = reply.body.decode("utf-8")
    for leak in LEAKS:
        assert leak not in text, (leak, text[:300])
    body = reply.json()
    assert set(body) == {"errors", "request_id"}
    assert body["errors"] and all("code" in e for e in body["errors"])
    assert body["request_id"] == reply.headers["x-request-id"]
    if code is not None:
        assert body["errors"][0]["code"] == code, body
    return body


def still_serving(server: Server) -> None:
    """``/healthz`` answers 200 and a normal evaluation gets the library's decision."""
    assert request(server, "GET", "/healthz").status == 200
    r = request(server, "POST", EVALUATE, json.dumps(case_json(CASE)).encode())
    assert r.status == 200, r.body[:300]
    assert r.body.startswith(b'{"decision_id":"rc-')
    assert r.body.endswith(b',"decision":' + server.expected + b"}")


# --- bodies that are not cases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param(b'{"id": "x", "facts": {', 400, "RC902", id="malformed"),
        pytest.param(b"\xff\xfe{}", 400, "RC902", id="not-utf8"),
        pytest.param(b"[" * 100_000, 400, "RC902", id="nested-100k"),
        pytest.param(b'{"a":' * 16_000 + b"1" + b"}" * 16_000, 400, "RC902", id="objects-16k"),
        pytest.param(b"", 400, "RC902", id="empty"),
        pytest.param(b'{"id": ' + b"9" * 5000 + b"}", 400, "RC902", id="5000-digit-int"),
        pytest.param(b'{"id": NaN, "facts": {}}', 422, None, id="nan"),
        pytest.param(b'{"id": 1e999, "facts": {}}', 422, None, id="infinity"),
        pytest.param(b'{"id": "\\ud800"}', 422, None, id="lone-surrogate"),
        pytest.param(b"[1, 2]", 422, "RC201", id="array"),
        pytest.param(b'"a case"', 422, "RC201", id="string"),
        pytest.param(b"null", 422, "RC201", id="null"),
    ],
)
def test_a_body_that_is_not_a_case_object(
    server: Server, body: bytes, status: int, code: str | None
) -> None:
    assert_json_error(request(server, "POST", EVALUATE, body), status, code)
    still_serving(server)


@pytest.mark.parametrize(
    ("fact", "value", "code"),
    [
        ("concealment", "yes", "RC203"),
        ("concealment", 1, "RC203"),
        ("motive", 5, "RC203"),
        ("motive", ["public"], "RC212"),
        ("motive", {"$gt": ""}, None),
    ],
)
def test_a_fact_of_the_wrong_type_is_422_located(
    server: Server, fact: str, value: Any, code: str | None
) -> None:
    case = case_json(CASE)
    case["facts"][fact] = value
    body = assert_json_error(
        request(server, "POST", EVALUATE, json.dumps(case).encode()), 422, code
    )
    assert body["errors"][0]["path"] == ["facts", fact]
    still_serving(server)


@pytest.mark.parametrize(
    ("query", "code"),
    [("as_of=2025-02-30", "RC903"), ("as_of=" + "9" * 5000, "RC903"), ("backend=bogus", "RC905")],
)
def test_a_bad_query_parameter_is_400_located(server: Server, query: str, code: str) -> None:
    target = f"/v1/rulesets/{RULESET}/evaluate?{query}"
    body = assert_json_error(
        request(server, "POST", target, json.dumps(case_json(CASE)).encode()), 400, code
    )
    assert body["errors"][0]["path"] == [query.split("=")[0]]
    still_serving(server)


# --- bodies past the limit --------------------------------------------------------------------


def test_a_body_over_the_limit_with_its_length_is_413(server: Server) -> None:
    size = MAX_BODY * 2
    reply, _ = raw_exchange(server, post_head(size), [b" " * 10_000] * (size // 10_000))
    assert reply is not None
    assert_json_error(reply, 413, "RC901")
    still_serving(server)


def test_a_claimed_length_of_a_gigabyte_is_413_before_the_body(server: Server) -> None:
    reply, sent = raw_exchange(server, post_head(10**9), [b" " * 10_000] * 300, pause=0.01)
    assert reply is not None
    assert_json_error(reply, 413, "RC901")
    assert sent < 10**9
    still_serving(server)


def test_a_chunked_body_past_the_limit_is_413(server: Server) -> None:
    chunk = b"2710\r\n" + b" " * 10_000 + b"\r\n"  # 10,000 bytes a chunk; 1.5 MB in all
    chunks = [chunk] * 150 + [b"0\r\n\r\n"]
    reply, sent = raw_exchange(server, post_head(None), chunks, pause=0.01)
    assert reply is not None, f"closed without an answer after {sent} bytes"
    assert_json_error(reply, 413, "RC901")
    still_serving(server)


def test_a_chunked_body_under_the_limit_is_evaluated(server: Server) -> None:
    data = json.dumps(case_json(CASE)).encode()
    chunks = [b"%x\r\n%s\r\n" % (len(data[i : i + 500]), data[i : i + 500])
              for i in range(0, len(data), 500)] + [b"0\r\n\r\n"]  # fmt: skip
    reply, _ = raw_exchange(server, post_head(None), chunks)
    assert reply is not None
    assert reply.status == 200, reply.body[:300]
    assert reply.body.endswith(b',"decision":' + server.expected + b"}")
    still_serving(server)


# --- ids and paths that name no ruleset ------------------------------------------------------

TRICKS = [
    "/v1/rulesets/nowhere/evaluate",
    "/v1/rulesets/..%2F..%2Fetc/evaluate",
    "/v1/rulesets/..%2F..%2F..%2Fetc%2Fpasswd/evaluate",
    "/v1/rulesets/%2e%2e/evaluate",
    "/v1/rulesets/%2e%2e%2f%2e%2e%2fsrc/evaluate",
    "/v1/rulesets/../../etc/passwd",
    "/v1/rulesets/" + "a" * 10_000 + "/evaluate",
    "/v1/rulesets/national%00/evaluate",
    "/v1/rulesets/national%00.yaml/evaluate",
    "/v1/rulesets/%E4%B8%87%E5%B7%9E/evaluate",  # 万州
    "/v1/rulesets/wanzhou%E2%80%8B/evaluate",  # a zero-width space after it
    "/v1/rulesets/WANZHOU/evaluate",
    "/v1/rulesets/%C0%AE%C0%AE/evaluate",  # an overlong ".." (not UTF-8)
    "/v1/rulesets/wanzhou%2F..%2Fnational/evaluate",
    "/v1/rulesets/wanzhou/../national/evaluate",
]


@pytest.mark.parametrize("target", TRICKS, ids=lambda t: t[13:40])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_ids_and_path_tricks_get_json_errors_without_server_paths(
    server: Server, target: str, method: str
) -> None:
    if method == "GET":  # the ruleset's description rather than its evaluation
        target = target.removesuffix("/evaluate")
    body = json.dumps(case_json(CASE)).encode() if method == "POST" else None
    reply = request(server, method, target, body)
    errors = assert_json_error(reply, {400, 404, 422})["errors"]
    if reply.status == 404:
        assert errors[0]["code"] == "RC301"
    assert len(reply.body) < 2000  # a 10,000-character id is not echoed whole
    still_serving(server)


def test_a_raw_utf8_id_in_the_request_line(server: Server) -> None:
    """Not percent-encoded, as a careless client might send it. uvicorn's HTTP parser refuses
    the request line before the application sees it: a bare 400 (not the service's JSON), and
    the server keeps serving."""
    target = "/v1/rulesets/万州".encode()
    head = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    reply, _ = raw_exchange(server, head, [])
    assert reply is not None
    assert reply.status == 400
    assert not any(leak.encode() in reply.body for leak in LEAKS)
    still_serving(server)


# --- wrong methods, unknown paths -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("GET", EVALUATE, 405),
        ("PUT", EVALUATE, 405),
        ("DELETE", f"/v1/rulesets/{RULESET}", 405),
        ("POST", "/healthz", 405),
        ("GET", "/v2/rulesets", 404),
        ("GET", "/v1/rulesets/wanzhou/evaluate/more", 404),
        ("GET", "/.env", 404),
        ("GET", "/etc/passwd", 404),
    ],
)
def test_wrong_methods_and_unknown_paths_are_json(
    server: Server, method: str, target: str, status: int
) -> None:
    body = b"{}" if method in ("POST", "PUT") else None
    assert_json_error(request(server, method, target, body), status)
    still_serving(server)


# --- slow clients -----------------------------------------------------------------------------


def test_a_body_trickled_a_byte_a_second_is_cut_off(server: Server) -> None:
    data = json.dumps(case_json(CASE)).encode()
    start = time.monotonic()
    trickle = (data[i : i + 1] for i in range(12))  # 12 s of it at most, then 5 s of silence
    reply, sent = raw_exchange(server, post_head(len(data)), trickle, pause=1.0, timeout=5)
    took = time.monotonic() - start
    assert sent < 12, f"{sent} bytes trickled in {took:.1f} s and the server still waited"
    if reply is not None:  # else the server closed the connection, which is also an answer
        assert_json_error(reply, 408, "RC904")
        assert reply.headers.get("connection") == "close"
    still_serving(server)


def test_an_evaluation_is_served_while_20_clients_hang_half_way(server: Server) -> None:
    hanging = []
    try:
        for _ in range(20):
            s = socket.create_connection((server.host, server.port), timeout=15)
            s.sendall(b"POST /v1/rulesets/wanz")
            hanging.append(s)
        time.sleep(0.5)
        r = request(server, "POST", EVALUATE, json.dumps(case_json(CASE)).encode(), timeout=15)
        assert r.status == 200, r.body[:300]
        assert r.body.endswith(b',"decision":' + server.expected + b"}")
        assert request(server, "GET", "/healthz", timeout=15).status == 200
    finally:
        for s in hanging:
            s.close()
    still_serving(server)
