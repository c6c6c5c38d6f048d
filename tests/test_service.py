"""The decision service through the ASGI client: every answer is the library's, every error JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import rongcuo

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
from fastapi.testclient import TestClient

from rongcuo.service.app import Config, create_app

from .conftest import EXAMPLES, case_json, ruleset_of

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
