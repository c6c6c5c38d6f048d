"""The typical-case library and assessments in the service (service/precedents.py,
service/assess.py): the hits and the assessments are the CLI's bytes, the booklet downloads
open, a service without a library says so (404 RC917), a bad library stops the start (RC753),
bad input is 422 located in the body, and the routes are in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from rongcuo.api import Engine
from rongcuo.cli.assess import assess
from rongcuo.cli.precedents import library, precedents
from rongcuo.errors import InputError
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.records.store import SQLiteStore
from rongcuo.service.app import create_app
from rongcuo.service.core import Config, Service
from tests.pdf_support import needs_pdf

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASES = [
    "wz-01-pilot-tolerate.yaml",
    "wz-03-legacy-partial-mitigate.yaml",
    "wz-04-private-gain-not-tolerate.yaml",
    "wz-06-art18-mitigate.yaml",
    "wz-09-committee-refer.yaml",
]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library built by the CLI from five example cases."""
    base = tmp_path_factory.mktemp("lib")
    cases = base / "cases"
    cases.mkdir()
    for name in CASES:
        shutil.copy(EXAMPLES / name, cases / name)
    out = base / "lib"
    args = ["build", "--cases", str(cases), "--ruleset", "wanzhou", "--out", str(out)]
    res = CliRunner().invoke(library, args)
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def client(lib: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(backend="reference", library=lib))) as c:
        yield c


def case_json(name: str) -> Any:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))


def cli_output(command: Any, args: list[str]) -> str:
    res = CliRunner().invoke(command, args)
    assert res.exit_code == 0, res.output
    return res.output


# The library.


@pytest.mark.parametrize(
    "name", ["wz-06-art18-mitigate.yaml", "wz-08-motive-unknown-insufficient.yaml"]
)
def test_hits_are_the_clis_json_byte_for_byte(client: TestClient, lib: Path, name: str) -> None:
    r = client.post("/v1/rulesets/wanzhou/precedents?top=3", json=case_json(name))
    assert r.status_code == 200, r.text
    args = [str(EXAMPLES / name), "--ruleset", "wanzhou", "--library", str(lib)]
    expected = cli_output(precedents, [*args, "--top", "3", "--format", "json"])
    assert r.text == expected
    hits = r.json()["hits"]
    assert len(hits) == 3 and hits == sorted(hits, key=lambda h: -h["score"])


def test_a_case_of_the_library_finds_itself_first(client: TestClient) -> None:
    r = client.post("/v1/rulesets/wanzhou/precedents", json=case_json("wz-06-art18-mitigate.yaml"))
    first = r.json()["hits"][0]
    assert (first["score"], first["outcome"]) == (1.0, "mitigate")
    assert "art18_cooperation" in first["shared"]["grounds"]
    assert len(r.json()["hits"]) == 5  # the default top


def test_the_index_and_one_entry(client: TestClient) -> None:
    index = client.get("/v1/library").json()
    assert index["title"] == "容错纠错典型案例汇编"
    rows = index["entries"]
    assert len(rows) == len(CASES)
    assert {r["outcome"] for r in rows} >= {"tolerate", "mitigate", "not_tolerate", "refer"}
    row = rows[0]
    assert row["key"] == row["library_id"].rsplit(" ", 1)[-1]
    entry = client.get(f"/v1/library/entries/{row['key']}").json()
    assert (entry["library_id"], entry["title"]) == (row["library_id"], row["title"])
    assert len(entry["looks"]) == 6 and entry["narrative"]
    missing = client.get("/v1/library/entries/1999-01")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "RC918"
    odd = client.get("/v1/library/entries/..%2F..%2Fetc")
    assert odd.status_code == 404


def test_the_docx_booklet_downloads_and_opens(client: TestClient) -> None:
    r = client.get("/v1/library/booklet?format=docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = r.headers["content-disposition"]
    assert 'filename="booklet.docx"' in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == "容错纠错典型案例汇编.docx"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "典型案例" in xml
    assert client.get("/v1/library/booklet?format=docx").content == r.content  # deterministic
    bad = client.get("/v1/library/booklet?format=odt")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "RC905"


@needs_pdf
def test_the_pdf_booklet_downloads(client: TestClient) -> None:
    r = client.get("/v1/library/booklet?format=pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_without_a_library_every_route_says_so(lib: Path) -> None:
    with TestClient(create_app(Config(backend="reference"))) as c:
        answers = [
            c.get("/v1/library"),
            c.get("/v1/library/entries/2024-01"),
            c.get("/v1/library/booklet"),
            c.post("/v1/rulesets/wanzhou/precedents", json=case_json(CASES[0])),
        ]
    for r in answers:
        assert r.status_code == 404, r.request.url
        (err,) = r.json()["errors"]
        assert err["code"] == "RC917" and "--library" in err["message_en"]
        assert "rongcuo serve --library" in err["message_zh"]


def test_a_folder_that_is_no_library_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        Service(Config(backend="reference", library=tmp_path))
    (d,) = caught.value.diagnostics
    assert (d.code, d.location.file) == ("RC753", str(tmp_path))


def test_a_library_gone_bad_is_503_without_the_servers_path(lib: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lib"
    shutil.copytree(lib, copy)
    with TestClient(create_app(Config(backend="reference", library=copy))) as c:
        (copy / "index.json").write_text("{", encoding="utf-8")
        r = c.get("/v1/library")
    assert r.status_code == 503 and r.json()["errors"][0]["code"] == "RC753"
    assert str(tmp_path) not in r.text


def test_bad_precedent_requests_are_located(client: TestClient) -> None:
    r = client.post("/v1/rulesets/wanzhou/precedents?top=0", json=case_json(CASES[0]))
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == ["top"]
    r = client.post("/v1/rulesets/nosuch/precedents", json=case_json(CASES[0]))
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "RC301"
    bad = case_json(CASES[0])
    bad["facts"]["motive"] = "greed"
    r = client.post("/v1/rulesets/wanzhou/precedents", json=bad)
    assert r.status_code == 422
    assert ["facts", "motive"] in [e["path"] for e in r.json()["errors"]]


# Assessments.


@pytest.mark.parametrize(
    ("kind", "name", "day"),
    [
        ("reuse", "reuse-01-use-further.yaml", "2025-06-01"),
        ("reuse", "reuse-02-postpone-unknown.yaml", "2025-06-01"),
        ("warning", "warning-01-first.yaml", "2025-06-01"),
        ("warning", "warning-02-little-change.yaml", "2025-06-01"),
    ],
)
def test_assessments_are_the_clis_json(client: TestClient, kind: str, name: str, day: str) -> None:
    path = ROOT / "assessments" / name
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    r = client.post(f"/v1/assess/{kind}?as_of={day}", json=data)
    assert r.status_code == 200, r.text
    args = [kind, str(path), "--as-of", day, "--format", "json", "--backend", "reference"]
    assert r.text == cli_output(assess, args)


def test_bad_assessment_input_is_422_located(client: TestClient) -> None:
    r = client.post(
        "/v1/assess/reuse?as_of=2025-06-01",
        json={"id": "RE-X", "cadre": {"idd": "C-1"}, "sanction": {"kind": "nonsense"}},
    )
    assert r.status_code == 422
    found = {tuple(e["path"]): e for e in r.json()["errors"]}
    assert ("cadre", "idd") in found and found[("cadre", "idd")]["location"]["file"] == "<input>"
    assert ("sanction", "kind") in found
    r = client.post(
        "/v1/assess/reuse?as_of=2025-06-01", json={"id": "RE-X", "facts": {"no_such": True}}
    )
    assert r.status_code == 422 and ["facts", "no_such"] in [e["path"] for e in r.json()["errors"]]
    r = client.post("/v1/assess/promotion", json={"id": "RE-X"})
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == ["kind"]
    r = client.post("/v1/assess/reuse?as_of=someday", json={"id": "RE-X"})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "RC903"
    r = client.post("/v1/assess/reuse", json=[1])
    assert r.status_code == 422


def _store_with_a_warning(path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "wz-04-private-gain-not-tolerate.yaml").read_text("utf-8"))
    data["cadre"] = dict(data.get("cadre") or {}, id="C-7")
    with SQLiteStore(path) as store, Engine(backend="reference") as engine:
        book = CaseBook(store, engine, OfficialCalendar())
        book.open(
            data,
            ruleset="wanzhou",
            opened_by="own_motion",
            on=dt.date(2025, 3, 3),
            actor="甲",
            at="2025-03-03T09:00:00+08:00",
        )
        book.change(
            str(data["id"]),
            "warning",
            {"level": 2, "form": "书面提醒函询", "on": "2025-06-10"},
            actor="乙",
            at="2025-06-10T09:00:00+08:00",
        )


def test_with_a_store_the_cadres_warnings_count_as_the_cli_counts_them(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite3"
    _store_with_a_warning(store)
    item = {"id": "WA-9", "cadre": {"id": "C-7"}, "facts": {"little_change": True}}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(item), encoding="utf-8")
    args = ["warning", str(path), "--as-of", "2025-09-01", "--format", "json"]
    args += ["--backend", "reference"]
    expected = cli_output(assess, [*args, "--store", str(store)])
    with TestClient(create_app(Config(backend="reference", store=store))) as c:
        joined = c.post("/v1/assess/warning?as_of=2025-09-01", json=item)
    with TestClient(create_app(Config(backend="reference"))) as c:
        alone = c.post("/v1/assess/warning?as_of=2025-09-01", json=item)
    assert joined.text == expected
    assert (alone.json()["outcome"], joined.json()["outcome"]) == (
        "no_warning",
        "level_3_admonish",
    )


def test_the_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    post = paths["/v1/rulesets/{ruleset_id}/precedents"]["post"]
    assert "requestBody" in post and {"200", "404", "422"} <= set(post["responses"])
    assert {"/v1/library", "/v1/library/booklet", "/v1/library/entries/{key}"} <= set(paths)
    body = paths["/v1/assess/{kind}"]["post"]["requestBody"]["content"]["application/json"]
    assert "cadre" in json.dumps(body["schema"])


def test_serve_with_a_folder_that_is_no_library_fails_located(tmp_path: Path) -> None:
    from rongcuo.cli.service import serve

    res = CliRunner().invoke(serve, ["--library", str(tmp_path), "--backend", "reference"])
    assert res.exit_code == 1
    assert f"{tmp_path}: error RC753" in res.output and "不是案例库" in res.output


def test_the_default_backend_gives_the_same_hits(lib: Path) -> None:
    name = "wz-03-legacy-partial-mitigate.yaml"
    args = [str(EXAMPLES / name), "--ruleset", "wanzhou", "--library", str(lib), "--format", "json"]
    with TestClient(create_app(Config(library=lib))) as c:
        r = c.post("/v1/rulesets/wanzhou/precedents", json=case_json(name))
    assert r.status_code == 200 and r.text == cli_output(precedents, args)


def test_a_changed_library_gives_a_new_booklet(lib: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lib"
    shutil.copytree(lib, copy)
    with TestClient(create_app(Config(backend="reference", library=copy))) as c:
        before = c.get("/v1/library/booklet?format=docx").content
        entry = next(p for p in sorted(copy.glob("20*.json")))
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["narrative"] = "案情已改写：某甲在试点中失误。"
        entry.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        after = c.get("/v1/library/booklet?format=docx").content
    assert before != after
    with zipfile.ZipFile(io.BytesIO(after)) as z:
        assert "案情已改写" in z.read("word/document.xml").decode("utf-8")


def test_the_library_reaches_the_worker_processes(lib: Path) -> None:
    config = Config(backend="reference", library=lib)
    assert Config.from_json(config.to_json()) == config
    assert Config.from_json(Config().to_json()).library is None
