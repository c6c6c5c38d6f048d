"""The Node client (examples/clients/evaluate.mjs) against a real ``rongcuo serve``: the decision
it saves is the library's byte for byte, its id the record id, the memo a DOCX under the
server's Chinese name; errors come out located on stderr with exit 1; an unsafe file name
from a server is refused with exit 2."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

import rongcuo

from .conftest import ROOT, case_json
from .service_server import running_server

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not on PATH")

SCRIPT = ROOT / "examples" / "clients" / "evaluate.mjs"
CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
AS_OF = "2025-01-06"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_server("--backend", "reference") as url:
        yield url


def run(base: str, case: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    cmd = [NODE, str(SCRIPT), "--base", base, "--out", str(out), *args, str(case)]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=120)


def write_case(tmp_path: Path, change: dict[str, object] | None = None) -> Path:
    data = case_json(CASE)
    data["facts"].update(change or {})
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_client_saves_the_library_s_decision_and_the_memo(base: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run(base, write_case(tmp_path), out, "--ruleset", "wanzhou", "--as-of", AS_OF)
    assert r.returncode == 0, r.stderr
    with rongcuo.Engine(backend="reference") as engine:
        d = engine.evaluate(CASE, ruleset="wanzhou", as_of=dt.date.fromisoformat(AS_OF))
        case = engine.load_case(CASE)[0]
    assert (out / "decision.json").read_bytes() == d.to_json().rstrip("\n").encode("utf-8")
    lines = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    record = rongcuo.make_record(d, case, recorded_at="2025-01-06T00:00:00")
    assert lines["decision_id"] == record.id
    assert lines["outcome"] == d.outcome
    assert lines["X-Ruleset-Hash"] == d.ruleset.content_hash
    assert lines["X-Rongcuo-Version"] == rongcuo.__version__
    assert d.ruleset.content_hash in lines["ruleset"]

    memos = [p for p in out.iterdir() if p.name != "decision.json"]
    assert len(memos) == 1, memos
    memo = memos[0]
    assert memo.suffix == ".docx" and CJK.search(memo.name), memo.name
    assert lines["memo saved"] == str(memo)
    with zipfile.ZipFile(memo) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert case.id in re.sub(r"<[^>]+>", "", xml)


def test_an_unknown_ruleset_exits_1_with_rc301(base: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run(base, write_case(tmp_path), out, "--ruleset", "nowhere")
    assert r.returncode == 1, r.stdout
    assert "RC301" in r.stderr
    assert not (out / "decision.json").exists()


def test_a_bad_fact_exits_1_and_names_its_path(base: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run(base, write_case(tmp_path, {"motive": "greed"}), out, "--as-of", AS_OF)
    assert r.returncode == 1, r.stdout
    assert "RC204 at facts.motive" in r.stderr
    assert "greed" in r.stderr
    assert not (out / "decision.json").exists()


# A stand-in server whose memo carries a given Content-Disposition: the file name is the
# server's word, and the client must not let it write outside OUT. Its decision is not in the
# library's compact form, so that a client which parsed and re-serialised it would be caught.
DECISION = b'{"outcome": "tolerate", "loss": 1.0, "note": "\\u5bb9"}'


def fake_server(disposition: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(200)
            for k, v in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            rs = {"id": "wanzhou", "title": "t", "version": "1", "content_hash": "sha256:0"}
            self.answer(json.dumps(rs).encode(), {"Content-Type": "application/json"})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if "/evaluate" in self.path:
                body = b'{"decision_id":"rc-0","decision":' + DECISION + b"}"
                self.answer(body, {"Content-Type": "application/json"})
            else:
                self.answer(b"PK-not-really", {"Content-Disposition": disposition})

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    ("disposition", "saved", "code"),
    [
        (
            "attachment; filename=\"memo.docx\"; filename*=UTF-8''" + quote("认定书.docx"),
            "认定书.docx",
            0,
        ),
        ('attachment; filename="memo.docx"', "memo.docx", 0),
        ("attachment; filename*=UTF-8''" + quote("../认定书.docx", safe=""), None, 2),
        ("attachment; filename*=UTF-8''" + quote("a\\b.docx", safe=""), None, 2),
        ('attachment; filename=".bashrc"', None, 2),
        ("attachment; filename*=UTF-8''a%00b.docx", None, 2),
        ("attachment", None, 2),
    ],
)
def test_the_memo_name_is_the_server_s_unless_unsafe(
    tmp_path: Path, disposition: str, saved: str | None, code: int
) -> None:
    server = fake_server(disposition)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        out = tmp_path / "out"
        r = run(url, write_case(tmp_path), out)
    finally:
        server.shutdown()
        server.server_close()
    assert r.returncode == code, r.stderr
    assert (out / "decision.json").read_bytes() == DECISION
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["decision.json", *([saved] if saved else [])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json", "out"]
