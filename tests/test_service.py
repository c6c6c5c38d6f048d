"""The decision service through the ASGI client: every answer is the library's, every error JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.parse
import zipfile
from pathlib import Path

import jsonschema
import pytest

import rongcuo

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
from fastapi.testclient import TestClient

from rongcuo.api import durable_installed
from rongcuo.service.app import Config, create_app

from .conftest import BACKENDS, EXAMPLES, ROOT, case_json, ruleset_of
from .pdf_support import PDF_MARKS

AS_OF = "2025-01-06"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Config(backend="reference", max_body=200_000)))


def test_health_and_the_version_header(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["X-Rongcuo-Version"] == rongcuo.__version__
    assert r.headers["X-Request-Id"]


def test_rulesets_list_versions_with_their_hashes(client: TestClient) -> None:
    found = {x["id"]: x["versions"] for x in client.get("/v1/rulesets").json()["rulesets"]}
    assert {"national", "wanzhou", "mianyang"} <= set(found)
    with rongcuo.Engine(backend="reference") as engine:
        for v in found["wanzhou"]:
            day = dt.date.fromisoformat(v["effective_from"])
            assert v["content_hash"] == engine.ruleset("wanzhou", day).content_hash


def test_a_ruleset_and_its_case_schema(client: TestClient) -> None:
    r = client.get("/v1/rulesets/wanzhou").json()
    assert r["facts"]["motive"]["title"] == "动机"
    assert any(rule["citation"] for rule in r["rules"])
    with rongcuo.Engine(backend="reference") as engine:
        assert client.get("/v1/rulesets/wanzhou/schema/case").json() == engine.case_schema(
            "wanzhou"
        )


@pytest.mark.parametrize("path", EXAMPLES[::5], ids=lambda p: p.name)
def test_evaluate_gives_the_library_s_decision_byte_for_byte(
    client: TestClient, path: Path
) -> None:
    rid = ruleset_of(path)
    r = client.post(f"/v1/rulesets/{rid}/evaluate?as_of={AS_OF}", json=case_json(path))
    if r.status_code == 422:  # an example whose conduct is after AS_OF: the same error as the CLI
        assert r.json()["errors"][0]["code"] == "RC209"
        return
    assert r.status_code == 200, r.text
    with rongcuo.Engine(backend="reference") as engine:
        d = engine.evaluate(path, ruleset=rid, as_of=dt.date.fromisoformat(AS_OF))
    prefix = '{"decision_id":"'
    assert r.text.startswith(prefix)
    decision_id, rest = r.text[len(prefix) :].split('","decision":', 1)
    assert rest == d.to_json().rstrip("\n") + "}"
    record = rongcuo.make_record(d, engine.load_case(path)[0], recorded_at="2025-01-06T00:00:00")
    assert decision_id == record.id
    assert r.headers["X-Ruleset-Hash"] == d.ruleset.content_hash


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/rulesets/wanzhou/evaluate", b"{not json", 400, "RC902"),
        ("/v1/rulesets/wanzhou/evaluate", b"[" * 50_000, 400, "RC902"),
        ("/v1/rulesets/wanzhou/evaluate", b"[1, 2]", 422, "RC201"),
        ("/v1/rulesets/wanzhou/evaluate", b'{"id": "x"}', 422, "RC004"),
        ("/v1/rulesets/nowhere/evaluate", b"{}", 404, "RC301"),
        ("/v1/rulesets/..%2Fetc/evaluate", b"{}", 404, "RC301"),
        ("/v1/rulesets/wanzhou/evaluate?as_of=soon", b"{}", 400, "RC903"),
        ("/v1/rulesets/wanzhou/evaluate", b" " * 300_000, 413, "RC901"),
    ],
)
def test_bad_requests_get_located_json_errors(
    client: TestClient, path: str, body: bytes, status: int, code: str
) -> None:
    r = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    errors = r.json()["errors"]
    assert errors[0]["code"] == code
    assert {"location", "path", "message_zh", "message_en", "hint"} <= set(errors[0])
    assert r.json()["request_id"] == r.headers["X-Request-Id"]
    assert client.get("/healthz").status_code == 200  # and it keeps serving


def test_a_wrong_fact_is_located_in_the_case(client: TestClient) -> None:
    case = case_json(EXAMPLES[0])
    case["facts"]["motive"] = "greed"
    r = client.post(f"/v1/rulesets/{ruleset_of(EXAMPLES[0])}/evaluate", json=case)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "RC204"
    assert r.json()["errors"][0]["path"] == ["facts", "motive"]


@pytest.mark.parametrize("route", ["/v1/rulesets/nowhere", "/v1/rulesets/nowhere/schema/case"])
def test_an_unknown_ruleset_is_404_without_the_server_s_folders(
    client: TestClient, route: str
) -> None:
    r = client.get(route)
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == "RC301"
    assert "src/rongcuo" not in r.text and "/work" not in r.text


# --- memos -------------------------------------------------------------------------------------

WZ01 = next(p for p in EXAMPLES if p.name.startswith("wz-01"))
CLEARED = ROOT / "examples" / "clearing" / "my-c17-online-rumour-untrue-cleared.yaml"


def saved_name(disposition: str) -> str:
    """The file name an RFC 6266 client saves under: ``filename*`` percent-decoded."""
    star = disposition.split("filename*=UTF-8''", 1)[1].split(";", 1)[0]
    return urllib.parse.unquote(star)


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [
        ("md", "text/markdown; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        pytest.param("pdf", "application/pdf", marks=PDF_MARKS),
    ],
)
def test_a_memo_is_the_library_s_bytes_under_a_chinese_file_name(
    client: TestClient, fmt: str, ctype: str
) -> None:
    r = client.post(
        f"/v1/rulesets/wanzhou/memo?format={fmt}&as_of=2024-03-25", json=case_json(WZ01)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == ctype
    with rongcuo.Engine(backend="reference") as engine:
        day = dt.date(2024, 3, 25)
        memo = engine.memo(WZ01, ruleset="wanzhou", as_of=day, format=fmt)  # type: ignore[arg-type]
    if fmt in ("md", "html"):  # text is the same bytes; docx and pdf carry a build stamp
        assert r.content == memo.data
    else:
        assert r.content[:4] == memo.data[:4] and len(r.content) > 1000
    name = saved_name(r.headers["content-disposition"])
    assert name == f"{memo.decision.case.id}-{memo.context.document_title}认定意见.{fmt}"
    assert 'filename="' in r.headers["content-disposition"]
    assert r.headers["X-Ruleset-Hash"] == memo.decision.ruleset.content_hash


def test_a_docx_memo_opens_and_names_the_case(client: TestClient) -> None:
    r = client.post("/v1/rulesets/wanzhou/memo?format=docx", json=case_json(WZ01))
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert case_json(WZ01)["id"] in z.read("word/document.xml").decode("utf-8")


def test_the_clearing_notice_of_a_cleared_case(client: TestClient) -> None:
    r = client.post("/v1/rulesets/mianyang/memo?document=clearing", json=case_json(CLEARED))
    assert r.status_code == 200, r.text
    assert "澄清正名通知书" in saved_name(r.headers["content-disposition"])
    assert "澄清" in r.text


@pytest.mark.parametrize(
    ("query", "status", "code", "path"),
    [
        ("format=odt", 400, "RC905", ["format"]),
        ("document=letter", 400, "RC905", ["document"]),
        ("document=referral", 422, "RC418", None),
        ("as_of=yesterday", 400, "RC903", ["as_of"]),
        ("issuer=" + "x" * 201, 400, "RC905", ["issuer"]),
        ("backend=fast", 400, "RC905", ["backend"]),
    ],
)
def test_memo_parameters_are_checked(
    client: TestClient, query: str, status: int, code: str, path: list[str] | None
) -> None:
    r = client.post(f"/v1/rulesets/wanzhou/memo?{query}", json=case_json(WZ01))
    assert r.status_code == status, r.text
    first = r.json()["errors"][0]
    assert first["code"] == code
    if path is not None:
        assert first["path"] == path


def test_a_file_name_cannot_name_a_folder() -> None:
    from rongcuo.service.decide import content_disposition, file_name

    name = file_name("../../etc/passwd", "容错免责", "decision", "md")
    assert "/" not in name and not name.startswith(".")
    assert name.endswith("容错免责认定意见.md")
    header = content_disposition(name, '../x"y.md')
    assert 'filename="x_y.md"' in header


# --- records, review, replay, the token -------------------------------------------------------

TOKEN = "s3cret-token-for-the-tests-only"


@pytest.fixture
def keeper(tmp_path: Path) -> TestClient:
    """A service with a record store and a token."""
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    config = Config(backend="reference", store=tmp_path / "records.db", token_file=token)
    return TestClient(create_app(config))


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_record_review_and_replay_through_the_api(keeper: TestClient) -> None:
    url = "/v1/rulesets/wanzhou/evaluate?as_of=2024-03-25&record=true"
    r = keeper.post(url, json=case_json(WZ01), headers=AUTH)
    assert r.status_code == 201, r.text
    rid = r.json()["decision_id"]
    assert r.headers["Location"] == f"/v1/records/{rid}" and r.headers["X-Record"] == "stored"
    again = keeper.post(url, json=case_json(WZ01), headers=AUTH)
    assert again.status_code == 200 and again.headers["X-Record"] == "exists"
    assert again.text == r.text  # the same evaluation: the same bytes, one record

    got = keeper.get(f"/v1/records/{rid}").json()  # reads are open
    assert got["record"]["id"] == rid and got["reviews"] == []

    proposal = got["record"]["outcome"]
    review = {
        "final_outcome": "mitigate",
        "deciding_body": "中共某区委",
        "decided_on": "2024-04-01",
    }
    refused = keeper.post(f"/v1/records/{rid}/review", json=review, headers=AUTH)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "RC702"
    assert "records.db" not in refused.text  # the store's path stays on the server
    done = keeper.post(
        f"/v1/records/{rid}/review", json={**review, "reason": "经集体研究"}, headers=AUTH
    )
    assert done.status_code == 201, done.text
    assert done.json()["proposed_outcome"] == proposal
    assert done.json()["same_as_proposal"] is (proposal == "mitigate")
    reviews = keeper.get(f"/v1/records/{rid}").json()["reviews"]
    assert [x["final_outcome"] for x in reviews] == ["mitigate"]
    assert keeper.get(f"/v1/records/{rid}").json()["record"]["outcome"] == proposal

    replayed = keeper.post(f"/v1/records/{rid}/replay")
    assert replayed.status_code == 200
    assert replayed.json()["identical"] is True and replayed.json()["fields_changed"] == []


def test_the_stored_decision_is_the_served_one(keeper: TestClient) -> None:
    url = "/v1/rulesets/wanzhou/evaluate?as_of=2024-03-25&record=true"
    r = keeper.post(url, json=case_json(WZ01), headers=AUTH)
    stored = keeper.get(f"/v1/records/{r.json()['decision_id']}").json()["record"]["decision"]
    assert r.text == '{"decision_id":"' + r.json()["decision_id"] + '","decision":' + (
        stored.rstrip("\n") + "}"
    )


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_writes_need_the_token_reads_do_not(keeper: TestClient, headers: dict[str, str]) -> None:
    r = keeper.post(
        "/v1/rulesets/wanzhou/evaluate?record=true", json=case_json(WZ01), headers=headers
    )
    assert r.status_code == 401
    assert r.json()["errors"][0]["code"] == "RC906"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    review = {"final_outcome": "tolerate", "deciding_body": "x", "decided_on": "2024-04-01"}
    assert (
        keeper.post(
            "/v1/records/rc-00000000000000000000/review", json=review, headers=headers
        ).status_code
        == 401
    )
    assert keeper.post("/v1/rulesets/wanzhou/evaluate", json=case_json(WZ01)).status_code == 200
    assert keeper.get("/v1/rulesets").status_code == 200


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            {"final_outcome": "pardon", "deciding_body": "x", "decided_on": "2024-04-01"},
            ["final_outcome"],
        ),
        (
            {"final_outcome": "tolerate", "deciding_body": "", "decided_on": "2024-04-01"},
            ["deciding_body"],
        ),
        ({"final_outcome": "tolerate", "deciding_body": "x", "decided_on": "soon"}, ["decided_on"]),
        (
            {
                "final_outcome": "tolerate",
                "deciding_body": "x",
                "decided_on": "2024-04-01",
                "by": 1,
            },
            ["by"],
        ),
    ],
)
def test_a_bad_review_is_located(
    keeper: TestClient, body: dict[str, object], path: list[str]
) -> None:
    url = "/v1/rulesets/wanzhou/evaluate?as_of=2024-03-25&record=true"
    rid = keeper.post(url, json=case_json(WZ01), headers=AUTH).json()["decision_id"]
    r = keeper.post(f"/v1/records/{rid}/review", json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "RC908"
    assert r.json()["errors"][0]["path"] == path


@pytest.mark.parametrize("rid", ["rc-00000000000000000000", "rc-1", "..%2F..%2Fetc", "x" * 300])
def test_an_unknown_record_is_404(keeper: TestClient, rid: str) -> None:
    for r in (keeper.get(f"/v1/records/{rid}"), keeper.post(f"/v1/records/{rid}/replay")):
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["code"] in {"RC701", "RC301"}
        assert "records.db" not in r.text and "/tmp" not in r.text


def test_records_without_a_store_are_404_rc907(client: TestClient) -> None:
    r = client.post("/v1/rulesets/wanzhou/evaluate?record=true", json=case_json(WZ01))
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "RC907"
    assert client.get("/v1/records/rc-00000000000000000000").json()["errors"][0]["code"] == "RC907"


# --- CORS, backends, the command ---------------------------------------------------------------


def test_cors_is_off_unless_asked_for(client: TestClient) -> None:
    origin = {"Origin": "https://cases.example.gov.cn"}
    assert "access-control-allow-origin" not in client.get("/v1/rulesets", headers=origin).headers
    allowed = TestClient(create_app(Config(backend="reference", cors_origins=(origin["Origin"],))))
    r = allowed.get("/v1/rulesets", headers=origin)
    assert r.headers["access-control-allow-origin"] == origin["Origin"]
    assert "X-Decision-Id" in r.headers["access-control-expose-headers"]
    other = allowed.get("/v1/rulesets", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    pre = allowed.options(
        "/v1/rulesets/wanzhou/evaluate",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
    # a case changed from a page on another origin: its version and actor may be sent
    pre = allowed.options(
        "/v1/cases/WZ-2024-017/events",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "if-match, x-actor",
        },
    )
    assert pre.status_code == 200
    assert {"if-match", "x-actor"} <= set(
        pre.headers["access-control-allow-headers"].lower().replace(" ", "").split(",")
    )
    assert "ETag" in r.headers["access-control-expose-headers"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_may_choose_the_backend(client: TestClient, backend: str) -> None:
    r = client.post(f"/v1/rulesets/wanzhou/evaluate?backend={backend}", json=case_json(WZ01))
    assert r.status_code == 200
    assert r.json()["decision"]["engine"]["name"] == (
        "durable_rules" if backend == "durable" else "reference"
    )


@pytest.mark.skipif(durable_installed(), reason="durable_rules is installed here")
def test_durable_where_it_is_not_installed_is_400_rc302(client: TestClient) -> None:
    r = client.post("/v1/rulesets/wanzhou/evaluate?backend=durable", json=case_json(WZ01))
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "RC302"


@pytest.mark.parametrize("content", ["", "short\n"])
def test_serve_refuses_a_bad_token_file_before_it_starts(tmp_path: Path, content: str) -> None:
    from click.testing import CliRunner

    from rongcuo.cli import main

    token = tmp_path / "token"
    token.write_text(content, encoding="utf-8")
    r = CliRunner().invoke(main, ["serve", "--token-file", str(token), "--backend", "reference"])
    assert r.exit_code == 1, r.output
    assert "RC909" in r.output and "16" in r.output


def test_openapi_describes_every_contract_path_and_its_bodies(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    for path, method in [
        ("/healthz", "get"),
        ("/v1/rulesets", "get"),
        ("/v1/rulesets/{ruleset_id}", "get"),
        ("/v1/rulesets/{ruleset_id}/schema/case", "get"),
        ("/v1/rulesets/{ruleset_id}/evaluate", "post"),
        ("/v1/rulesets/{ruleset_id}/memo", "post"),
        ("/v1/records/{record_id}", "get"),
        ("/v1/records/{record_id}/review", "post"),
        ("/v1/records/{record_id}/replay", "post"),
    ]:
        assert method in paths[path], path
    evaluate = paths["/v1/rulesets/{ruleset_id}/evaluate"]["post"]
    body = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert body["$id"] == "urn:rongcuo:schema:case:v1"
    answer = evaluate["responses"]["200"]["content"]["application/json"]["schema"]
    served = client.post("/v1/rulesets/wanzhou/evaluate", json=case_json(WZ01)).json()
    jsonschema.validate(served, answer)  # the documented answer is the served one
    jsonschema.validate(case_json(WZ01), body)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**served, "decision_id": "x"}, answer)
    review = paths["/v1/records/{record_id}/review"]["post"]["requestBody"]
    assert "record_id" not in review["content"]["application/json"]["schema"]["properties"]
    assert "422" in evaluate["responses"] and "413" in evaluate["responses"]


def test_one_json_access_line_a_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="rongcuo.service"):
        r = client.post("/v1/rulesets/wanzhou/evaluate", json=case_json(WZ01))
        client.get("/v1/rulesets/nowhere")
    lines = [
        json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "rongcuo.service"
    ]
    assert [(x["route"], x["status"]) for x in lines] == [
        ("/v1/rulesets/wanzhou/evaluate", 200),
        ("/v1/rulesets/nowhere", 404),
    ]
    assert lines[0]["id"] == r.headers["X-Request-Id"]
    assert (
        lines[0]["ruleset_hash"] == r.headers["X-Ruleset-Hash"] and lines[1]["ruleset_hash"] == ""
    )
    assert all(isinstance(x["ms"], float | int) and x["method"] for x in lines)


def test_a_store_gone_since_the_start_is_503_not_a_crash(tmp_path: Path) -> None:
    store = tmp_path / "records.db"
    client = TestClient(create_app(Config(backend="reference", store=store)))
    for f in tmp_path.glob("records.db*"):
        f.unlink()
    for r in (
        client.post("/v1/rulesets/wanzhou/evaluate?record=true", json=case_json(WZ01)),
        client.get("/v1/records/rc-00000000000000000000"),
    ):
        assert r.status_code == 503, r.text
        assert r.json()["errors"][0]["code"] == "RC703"
        assert str(tmp_path) not in r.text


def test_a_case_dated_before_every_version_is_422_at_its_date(client: TestClient) -> None:
    case = {**case_json(WZ01), "incident_date": "1990-01-01"}
    case.pop("conduct_until", None)
    for route in ("evaluate", "memo"):
        r = client.post(f"/v1/rulesets/wanzhou/{route}", json=case)
        assert r.status_code == 422, r.text
        first = r.json()["errors"][0]
        assert first["code"] == "RC301" and first["path"] == ["incident_date"]
        assert "1990-01-01" in first["message_en"]


def test_serve_keeps_a_postgresql_store_url_as_written(tmp_path: Path) -> None:
    """A URL given to --store reaches the store as a URL (never folded into a file path that
    would make an SQLite file named after it), and its password is never printed."""
    from click.testing import CliRunner

    from rongcuo.cli import main

    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    url = "postgresql://nobody:secret@127.0.0.1:1/x"
    result = CliRunner().invoke(main, ["serve", "--store", url, "--port", "1"])
    assert result.exit_code == 1
    assert "postgresql://nobody@127.0.0.1:1/x: error RC706" in result.output
    assert "secret" not in result.output
    assert not any(tmp_path.iterdir()) and not Path("postgresql:").exists()
