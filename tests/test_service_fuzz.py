"""Generated hostile requests against the service (hypothesis): whatever the body, query or path,
the answer is never a 5xx, and every error is the JSON error body with located diagnostics."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongcuo.api import durable_installed
from rongcuo.service.app import Config, create_app

from .conftest import EXAMPLES, case_json

CLIENT = TestClient(create_app(Config(backend="reference", max_body=50_000)))
BASE_CASE: dict[str, Any] = case_json(next(p for p in EXAMPLES if p.name.startswith("wz-01")))

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_served(r: Any) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        body = r.json()
        assert body["errors"] and body["request_id"] == r.headers["X-Request-Id"]
        for e in body["errors"]:
            assert {"code", "location", "path", "message_zh", "message_en"} <= set(e)
            assert "Traceback" not in json.dumps(e) and "/work/" not in json.dumps(e)


@SETTINGS
@given(body=json_values)
def test_any_json_body(body: Any) -> None:
    assert_served(CLIENT.post("/v1/rulesets/wanzhou/evaluate", json=body))


@SETTINGS
@given(key=st.sampled_from(sorted(BASE_CASE)), value=json_values)
def test_a_case_with_one_field_replaced(key: str, value: Any) -> None:
    assert_served(CLIENT.post("/v1/rulesets/wanzhou/evaluate", json={**BASE_CASE, key: value}))


@SETTINGS
@given(fact=st.text(max_size=30), value=json_values)
def test_a_case_with_one_fact_replaced(fact: str, value: Any) -> None:
    case = {**BASE_CASE, "facts": {**BASE_CASE["facts"], fact: value}}
    assert_served(CLIENT.post("/v1/rulesets/wanzhou/evaluate", json=case))


@SETTINGS
@given(
    query=st.dictionaries(
        st.sampled_from(["as_of", "backend", "record", "format", "document", "issuer", "x"]),
        st.text(max_size=30),
        max_size=4,
    ),
    route=st.sampled_from(["evaluate", "memo"]),
)
def test_any_query(query: dict[str, str], route: str) -> None:
    if route == "memo" and query.get("format") == "pdf":
        query["format"] = "md"  # a PDF takes seconds; its parameters are the same
    r = CLIENT.post(f"/v1/rulesets/wanzhou/{route}", params=query, json=BASE_CASE)
    assert_served(r)


@SETTINGS
@given(segment=st.text(min_size=1, max_size=60))
def test_any_ruleset_or_record_id(segment: str) -> None:
    segment = quote(segment, safe="")
    for r in (
        CLIENT.get(f"/v1/rulesets/{segment}"),
        CLIENT.get(f"/v1/records/{segment}"),
        CLIENT.post(f"/v1/rulesets/{segment}/evaluate", json=BASE_CASE),
    ):
        assert_served(r)


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_any_bytes(raw: bytes) -> None:
    r = CLIENT.post(
        "/v1/rulesets/wanzhou/evaluate", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_served(r)


@pytest.mark.parametrize(
    ("number", "refused"),
    [
        ("NaN", True),
        ("Infinity", True),
        ("-Infinity", True),
        ("1e400", True),
        ("1e-5", False),
        ("0.00001", False),
        ("12345.5e2", False),
    ],
)
def test_numbers_json_allows_but_durable_cannot_take(number: str, refused: bool) -> None:
    """JSON as Python reads it admits NaN and Infinity; durable_rules crashes on them and on
    exponent forms. A non-finite amount is refused, located (RC210); a finite one in exponent
    form is decided, the same on both backends; the service keeps serving."""
    facts = {**BASE_CASE["facts"], "loss_yuan": "@N@"}
    raw = json.dumps({**BASE_CASE, "facts": facts}).replace('"@N@"', number).encode()
    answers = {}
    for backend in ("durable", "reference") if durable_installed() else ("reference",):
        r = CLIENT.post(
            f"/v1/rulesets/wanzhou/evaluate?backend={backend}",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        assert_served(r)
        if refused:
            assert r.status_code == 422
            assert r.json()["errors"][0]["code"] == "RC210"
            assert r.json()["errors"][0]["path"] == ["facts", "loss_yuan"]
        else:
            assert r.status_code == 200
            decision = r.json()["decision"]
            decision.pop("engine")
            answers[backend] = decision
    assert len({json.dumps(a, sort_keys=True) for a in answers.values()}) <= 1
    assert CLIENT.get("/healthz").status_code == 200
