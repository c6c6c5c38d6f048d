"""The service's case routes (service/cases.py): a case from application to filing and appeal
over HTTP, each answer equal to procedure.views over the same store; the refusals (409 stale
and open twice, 404, 422 located, 401 without the token, no store), the audit log and the
chain's verification, and OpenAPI naming every route."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from rongcuo.api import Engine
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.views import row_json, view_json
from rongcuo.records.store import SQLiteStore
from rongcuo.service.app import create_app
from rongcuo.service.core import Config

from .conftest import ROOT

WZ01 = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
CASE = "WZ-2024-017"
TOKEN = "s3cret-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def wz01() -> dict[str, Any]:
    """The example case, with the body that decides it and the department it is filed with."""
    data: dict[str, Any] = yaml.safe_load(WZ01.read_text(encoding="utf-8"))
    data["accountability_body"] = {"kind": "discipline_commission", "name": "中共重庆市万州区纪委"}
    data["managing_department"] = "中共重庆市万州区委组织部"
    return data


OPEN = {
    "case": wz01(),
    "ruleset": "wanzhou",
    "opened_by": "application",
    "on": "2025-09-22",
    "applied_on": "2025-09-19",
    "inquiry_notified_on": "2025-09-16",
    "actor": "李四",
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    store = tmp_path / "cases.sqlite3"
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    config = Config(backend="reference", store=store, token_file=token)
    with TestClient(create_app(config)) as c:
        yield c, store


def views_of(store: Path, as_of: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's view and the rows, as the library gives them over ``store``."""
    with SQLiteStore(store, create=False) as s, Engine(backend="reference") as engine:
        book = CaseBook(s, engine, OfficialCalendar())
        return view_json(book.view(CASE, as_of)), [row_json(v) for v in book.all(as_of)]


def errors(r: Any) -> list[tuple[str, list[Any]]]:
    return [(e["code"], e["path"]) for e in r.json()["errors"]]


def run_to_the_end(c: TestClient) -> None:
    """Open the case and record every step to the review of the appeal, each change made from
    the version before it."""
    r = c.post("/v1/cases", json=OPEN, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/cases/{CASE}"
    assert r.headers["etag"] == '"1"' and r.json()["version"] == 1
    r = c.get(f"/v1/cases/{CASE}?as_of=2025-09-30")
    steps = {s["id"]: s for s in r.json()["steps"]}
    assert steps["investigate"]["due"] == "2025-10-17" and steps["investigate"]["state"] == "open"
    assert r.json()["status"] == "investigate"

    def post(path: str, body: dict[str, Any], version: int, **headers: str) -> Any:
        r = c.post(
            f"/v1/cases/{CASE}{path}",
            json=body,
            headers={**AUTH, "If-Match": f'"{version}"', **headers},
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == version + 1 and r.headers["etag"] == f'"{version + 1}"'
        return r.json()

    extend = {"step": "investigate", "on": "2025-10-15", "reason": "涉及多个部门", "actor": "李四"}
    post("/extend", extend, 1)
    # the actor in the header, URL-encoded UTF-8 (a header carries no Chinese as such)
    post(
        "/events",
        {"event": "investigated", "on": "2025-11-05"},
        2,
        **{"X-Actor": "%E6%9D%8E%E5%9B%9B"},
    )
    shown = post(
        "/decide", {"on": "2025-11-06", "body": "中共重庆市万州区纪委", "actor": "王五"}, 3
    )
    decision = shown["decision"]
    assert decision["body"] == "中共重庆市万州区纪委" and decision["outcome"] == "tolerate"
    record = c.get(f"/v1/records/{decision['proposal']}")
    assert record.status_code == 200 and record.json()["reviews"][0]["reviewer"] == "王五"
    post("/events", {"event": "notice_received", "on": "2025-11-10", "actor": "李四"}, 4)
    filed = post("/events", {"event": "filed", "on": "2025-11-11", "actor": "李四"}, 5)
    assert filed["filed_with"] == "中共重庆市万州区委组织部"  # the case file's, by default
    post("/events", {"event": "appealed", "on": "2025-11-20", "actor": "李四"}, 6)
    post(
        "/events",
        {"event": "review_decided", "on": "2025-12-03", "result": "upheld", "actor": "赵六"},
        7,
    )
    post(
        "/corrections",
        {"id": "c1", "what": "补充台账", "who": "区发改委", "due": "2025-12-31", "actor": "李四"},
        8,
    )
    post("/corrections/c1/done", {"on": "2025-12-20", "actor": "李四"}, 9)
    post("/visits", {"id": "v1", "due": "2026-03-01", "purpose": "回访", "actor": "李四"}, 10)
    post(
        "/measures",
        {
            "id": "m1",
            "cause": "审批无时限",
            "measure": "建立时限制度",
            "owner": "区政务办",
            "actor": "李四",
        },
        11,
    )
    post("/measures/m1/done", {"on": "2026-01-05", "actor": "李四"}, 12)
    post("/notes", {"text": "案卷归档", "actor": "李四"}, 13)


def test_a_case_from_application_to_filing_and_appeal(served: tuple[TestClient, Path]) -> None:
    c, store = served
    run_to_the_end(c)
    day = dt.date(2026, 1, 10)
    got = c.get(f"/v1/cases/{CASE}?as_of={day}")
    assert got.headers["etag"] == '"14"'
    view, rows = views_of(store, day)
    assert got.json() == view  # the service answers what the library gives
    assert c.get(f"/v1/cases?as_of={day}").json() == rows
    by_id = {s["id"]: s for s in view["steps"]}
    assert by_id["investigate"]["extended_due"] == "2025-11-07"
    assert by_id["appeal_review"]["state"] == "done" and view["status"] == "closed"
    assert [i["state"] for i in view["corrections"]] == ["done"]

    log = c.get(f"/v1/cases/{CASE}/log").json()
    assert [e["seq"] for e in log] == list(range(1, 15))
    assert [e["actor"] for e in log[:4]] == ["李四", "李四", "李四", "王五"]
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(log))
    checked = c.get(f"/v1/cases/{CASE}/verify").json()
    assert checked["intact"] and checked["head_hash"] == log[-1]["hash"]
    assert checked["version"] == 14 and checked["problems"] == []


def test_the_refusals(served: tuple[TestClient, Path]) -> None:
    c, _ = served
    assert c.post("/v1/cases", json=OPEN).status_code == 401  # no token
    assert c.post("/v1/cases", json=OPEN, headers=AUTH).status_code == 201
    r = c.post("/v1/cases", json=OPEN, headers=AUTH)
    assert r.status_code == 409 and errors(r)[0][0] == "RC711"
    note = f"/v1/cases/{CASE}/notes"
    r = c.post(note, json={"text": "x", "actor": "甲"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    # 409 stale: made from version 1 after someone else's change made version 2
    assert (
        c.post(
            note, json={"text": "甲", "actor": "甲", "expected_version": 1}, headers=AUTH
        ).status_code
        == 200
    )
    r = c.post(note, json={"text": "乙", "actor": "乙"}, headers={**AUTH, "If-Match": '"1"'})
    assert r.status_code == 409 and errors(r) == [("RC710", [])]
    assert "it is now 2" in r.json()["errors"][0]["message_en"]
    assert r.json()["errors"][0]["location"]["file"] == "<records>"  # never the server path
    # 404: no such case, with a did-you-mean
    r = c.get("/v1/cases/WZ-2024-01")
    assert r.status_code == 404 and errors(r)[0][0] == "RC712"
    assert CASE in r.json()["errors"][0]["hint"]
    assert (
        c.post("/v1/cases/NOPE/notes", json={"text": "x", "actor": "甲"}, headers=AUTH).status_code
        == 404
    )


def test_what_is_refused_is_located(served: tuple[TestClient, Path]) -> None:
    c, _ = served
    assert c.post("/v1/cases", json=OPEN, headers=AUTH).status_code == 201
    note = f"/v1/cases/{CASE}/notes"
    r = c.post(note, json={"text": "x"}, headers=AUTH)
    assert r.status_code == 422 and errors(r) == [("RC913", ["actor"])]
    r = c.post(note, json={"text": "x", "actor": "甲"}, headers={**AUTH, "If-Match": "abc"})
    assert r.status_code == 422 and errors(r) == [("RC914", ["If-Match"])]
    r = c.post(
        f"/v1/cases/{CASE}/events",
        json={"event": "investigated", "on": "2025-13-01", "actor": "甲"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r) == [("RC722", ["payload", "on"])]
    r = c.post(
        f"/v1/cases/{CASE}/events",
        json={"event": "investigated", "on": "2025-09-01", "actor": "甲"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r)[0][0] == "RC715"
    r = c.post(
        f"/v1/cases/{CASE}/events",
        json={"event": "decided", "on": "2025-10-01", "actor": "甲"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r) == [("RC915", ["event"])]
    r = c.post(
        f"/v1/cases/{CASE}/decide",
        json={"on": "2025-10-01", "actor": "甲", "outcome": "not_tolerate"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r)[0][0] == "RC721"  # departs: a reason is needed
    r = c.post(f"/v1/cases/{CASE}/decide", json={"on": "2025-10-01", "actor": "甲"}, headers=AUTH)
    assert r.status_code == 422 and errors(r)[0][0] == "RC713"  # not investigated yet
    r = c.post(
        f"/v1/cases/{CASE}/decide",
        json={"on": "2025-10-01", "actor": "甲", "proposal": "x"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r) == [("RC916", ["proposal"])]
    r = c.post(
        f"/v1/cases/{CASE}/extend",
        json={"step": "decide", "on": "2025-10-10", "reason": "复杂", "actor": "甲"},
        headers=AUTH,
    )
    assert r.status_code == 422 and errors(r)[0][0] == "RC716"
    r = c.post(f"/v1/cases/{CASE}/decide?backend=nosuch", json={}, headers=AUTH)
    assert r.status_code == 400 and errors(r) == [("RC905", ["backend"])]
    r = c.post("/v1/cases", json={**OPEN, "ruleset": "nosuch"}, headers=AUTH)
    assert r.status_code == 404 and errors(r)[0][0] == "RC301"
    r = c.post("/v1/cases", json={**OPEN, "opened_by": "whoever"}, headers=AUTH)
    assert r.status_code == 422 and errors(r)[0] == ("RC722", ["payload", "opened_by"])
    r = c.get("/v1/cases?as_of=someday")
    assert r.status_code == 400 and errors(r) == [("RC903", ["as_of"])]
    assert c.post(note, content=b"not json", headers=AUTH).status_code == 400
    assert c.get(f"/v1/cases/{CASE}").json()["version"] == 1  # nothing refused was written


def test_the_list_flags_overdue_cases(served: tuple[TestClient, Path]) -> None:
    c, _ = served
    assert c.post("/v1/cases", json=OPEN, headers=AUTH).status_code == 201
    rows = c.get("/v1/cases?as_of=2025-10-20").json()
    assert rows[0]["overdue"] == ["investigate"] and rows[0]["next_due"] == "2025-10-17"
    assert c.get("/v1/cases?as_of=2025-10-20&overdue=true").json() == rows
    assert c.get("/v1/cases?as_of=2025-10-01&overdue=true").json() == []
    assert len(c.get("/v1/cases?as_of=2025-10-01").json()) == 1


def test_without_a_store_the_routes_say_so(tmp_path: Path) -> None:
    with TestClient(create_app(Config(backend="reference"))) as c:
        r = c.get("/v1/cases")
        assert r.status_code == 404 and errors(r)[0][0] == "RC907"
        r = c.post("/v1/cases", json=OPEN)
        assert r.status_code == 404 and errors(r)[0][0] == "RC907"


def test_openapi_names_every_case_route(served: tuple[TestClient, Path]) -> None:
    c, _ = served
    paths = c.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/cases",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/events",
        "/v1/cases/{case_id}/decide",
        "/v1/cases/{case_id}/extend",
        "/v1/cases/{case_id}/case",
        "/v1/cases/{case_id}/corrections",
        "/v1/cases/{case_id}/corrections/{item}/done",
        "/v1/cases/{case_id}/visits/{item}/done",
        "/v1/cases/{case_id}/measures/{item}/done",
        "/v1/cases/{case_id}/log",
        "/v1/cases/{case_id}/verify",
    ):
        assert path in paths, path
    body = paths["/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"case", "ruleset", "opened_by", "on", "actor"} <= set(body["properties"])
    assert "409" in paths["/v1/cases/{case_id}/extend"]["post"]["responses"]
    done = paths["/v1/cases/{case_id}/visits/{item}/done"]["post"]
    assert "id" not in done["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert json.dumps(paths).count("RC906") >= 1


def test_a_postgresql_store_url_is_kept_as_written() -> None:
    url = "postgresql://rongcuo@db.example//rongcuo?sslmode=require"
    config = Config.from_json(Config(store=url).to_json())
    assert config.store == url  # a Path would fold the //
    assert Config.from_json(Config(store=Path("a/b.sqlite3")).to_json()).store == Path(
        "a/b.sqlite3"
    )


def test_return_visits_are_planned_from_the_rulesets_parameters(
    served: tuple[TestClient, Path],
) -> None:
    c, _ = served
    assert c.post("/v1/cases", json=OPEN, headers=AUTH).status_code == 201
    before = c.post(f"/v1/cases/{CASE}/visits/plan", json={"actor": "李四"}, headers=AUTH)
    assert before.status_code == 422 and errors(before)[0][0] == "RC713"  # not before a decision
    c.post(
        f"/v1/cases/{CASE}/events",
        json={"event": "investigated", "on": "2025-10-09", "actor": "李四"},
        headers=AUTH,
    )
    c.post(f"/v1/cases/{CASE}/decide", json={"on": "2025-10-10", "actor": "李四"}, headers=AUTH)
    r = c.post(
        f"/v1/cases/{CASE}/visits/plan", json={"actor": "李四"}, headers={**AUTH, "If-Match": '"3"'}
    )
    assert r.status_code == 200, r.text
    # tolerated: one visit return_visit_months (3) after the decision
    assert [(v["id"], v["due"]) for v in r.json()["visits"]] == [("V1", "2026-01-10")]
    again = c.post(f"/v1/cases/{CASE}/visits/plan", json={"actor": "李四"}, headers=AUTH)
    assert again.json()["version"] == r.json()["version"]  # planned once
    stale = c.post(
        f"/v1/cases/{CASE}/visits/plan", json={"actor": "李四"}, headers={**AUTH, "If-Match": '"3"'}
    )
    assert stale.status_code == 409
