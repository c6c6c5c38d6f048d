"""The typical-case library and assessments in the workspace (web/library_pages.py,
web/assess_pages.py): the case panel's 相似典型案例 (the case's own entry first), the pages
/library and /library/{key}, the page /assess (the form, an upload, their problems, the
cross-site token), through the ASGI client and then in a real Chromium."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

import rongcuo
from rongcuo.cli.precedents import library, precedents
from rongcuo.service.app import create_app
from rongcuo.service.core import Config
from rongcuo.web.case_read import from_case

from .browser_support import needs_browser
from .service_server import running_server

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
HTML = {"Accept": "text/html"}
FORM = {**HTML, "Content-Type": "application/x-www-form-urlencoded"}
CASES = [
    "wz-01-pilot-tolerate.yaml",
    "wz-03-legacy-partial-mitigate.yaml",
    "wz-04-private-gain-not-tolerate.yaml",
    "wz-06-art18-mitigate.yaml",
    "wz-09-committee-refer.yaml",
]
OWN = EX / "wz-06-art18-mitigate.yaml"
REUSE = ROOT / "assessments" / "reuse-02-postpone-unknown.yaml"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("weblib")
    (base / "cases").mkdir()
    for name in CASES:
        shutil.copy(EX / name, base / "cases" / name)
    args = ["build", "--cases", str(base / "cases"), "--ruleset", "wanzhou"]
    res = CliRunner().invoke(library, [*args, "--out", str(base / "lib")])
    assert res.exit_code == 0, res.output
    return base / "lib"


@pytest.fixture(scope="module")
def client(lib: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(backend="reference", library=lib))) as c:
        yield c


@pytest.fixture(scope="module")
def bare() -> Iterator[TestClient]:
    with TestClient(create_app(Config(backend="reference"))) as c:
        yield c


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def case_pairs(path: Path) -> list[tuple[str, str]]:
    with rongcuo.Engine(backend="reference") as engine:
        case, _ = engine.load_case(path)
        rs = engine.ruleset("wanzhou", case.conduct_until or case.incident_date)
    values = from_case(case.model_dump(mode="json"), rs)
    return [(k, v) for k, vs in values.items() for v in vs]


def expected_hits(lib: Path, path: Path) -> list[dict[str, Any]]:
    args = [str(path), "--ruleset", "wanzhou", "--library", str(lib), "--top", "3"]
    res = CliRunner().invoke(precedents, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    hits: list[dict[str, Any]] = yaml.safe_load(res.output)["hits"]
    return hits


# The case panel.


def test_the_panel_lists_the_three_most_similar_cases(client: TestClient, lib: Path) -> None:
    pairs = case_pairs(OWN)
    r = client.post(
        "/rulesets/wanzhou/cases/panel",
        content=urlencode(pairs),
        headers={**FORM, "HX-Request": "true"},
    )
    assert r.status_code == 200
    html = r.text
    assert "相似典型案例" in html
    keys = re.findall(r'<li data-key="([^"]+)" data-score="([^"]+)"', html)
    hits = expected_hits(lib, OWN)
    assert keys == [(h["library_id"].split(" ")[-1], f"{h['score']:.2f}") for h in hits]
    title = yaml.safe_load(OWN.read_text(encoding="utf-8"))["title"]
    assert keys[0][1] == "1.00" and hits[0]["title"] == title  # its own entry first
    assert f'href="/library/{keys[0][0]}"' in html
    text = text_of(html)
    assert "共同六看：" in text and "看动机态度：有利" in text and "共同事项领域：" in text


def test_without_a_library_the_panel_has_no_such_section(bare: TestClient) -> None:
    r = bare.post(
        "/rulesets/wanzhou/cases/panel",
        content=urlencode(case_pairs(OWN)),
        headers={**FORM, "HX-Request": "true"},
    )
    assert r.status_code == 200 and 'id="outcome"' in r.text
    assert "相似典型案例" not in r.text


def test_a_library_gone_bad_leaves_the_case_decided(lib: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lib"
    shutil.copytree(lib, copy)
    with TestClient(create_app(Config(backend="reference", library=copy))) as c:
        (copy / "index.json").unlink()
        r = c.post(
            "/rulesets/wanzhou/cases/panel",
            content=urlencode(case_pairs(OWN)),
            headers={**FORM, "HX-Request": "true"},
        )
    assert r.status_code == 200 and 'data-outcome="mitigate"' in r.text
    assert 'id="similar-error"' in r.text and "典型案例库暂不可用" in r.text
    assert str(tmp_path) not in r.text


# The library's pages.


def test_the_library_page_lists_entries_and_the_booklet(client: TestClient) -> None:
    r = client.get("/library", headers=HTML)
    assert r.status_code == 200
    rows = re.findall(r'<tr data-key="([^"]+)">', r.text)
    assert len(rows) == len(CASES)
    assert 'href="/v1/library/booklet?format=docx"' in r.text
    assert 'href="/v1/library/booklet?format=pdf"' in r.text
    assert '<a href="/library">典型案例</a>' in r.text and '<a href="/assess">评估</a>' in r.text
    booklet = client.get("/v1/library/booklet?format=docx")
    assert booklet.status_code == 200 and booklet.content[:2] == b"PK"


def test_an_entry_page_shows_the_anonymised_case(client: TestClient, lib: Path) -> None:
    key = expected_hits(lib, OWN)[0]["library_id"].split(" ")[-1]
    r = client.get(f"/library/{key}", headers=HTML)
    assert r.status_code == 200
    text = text_of(r.text)
    for heading in ("基本案情", "认定结果", "依据条款", "六看", "启示"):
        assert heading in text, heading
    assert "从轻、减轻问责" in text and "依据《" in text
    case = yaml.safe_load(OWN.read_text(encoding="utf-8"))
    assert case["cadre"]["name"] not in r.text  # anonymised
    assert r.text.count('<tr class="finding-') == 6
    missing = client.get("/library/1999-01", headers=HTML)
    assert missing.status_code == 404 and "RC918" in missing.text and "出错了" in missing.text


def test_without_a_library_the_pages_say_how_to_serve_one(bare: TestClient) -> None:
    for path in ("/library", "/library/2024-01"):
        r = bare.get(path, headers=HTML)
        assert r.status_code == 404 and "RC917" in r.text
        assert "rongcuo serve --library" in r.text


# The assessment page.


def test_the_assess_form_asks_each_kinds_questions(client: TestClient) -> None:
    reuse = client.get("/assess", headers=HTML).text
    for fact in ("matter_properly_handled", "situation_calmed", "outstanding_performance"):
        assert f'name="f.{fact}"' in reuse, fact
    assert 'name="f.impact_period_ended"' not in reuse  # computed, never asked
    assert 'name="sanction_kind"' in reuse and "党内严重警告" in reuse
    warning = client.get("/assess?kind=warning", headers=HTML).text
    assert 'name="f.little_change"' in warning and 'name="sanction_kind"' not in warning
    assert 'name="f.last_level"' not in warning
    assert client.get("/assess?kind=promotion", headers=HTML).status_code == 400


def csrf_of(c: TestClient) -> str:
    c.get("/assess", headers=HTML)
    return str(c.cookies.get("rc_csrf"))


def test_the_form_gives_the_proposal_with_its_reason_and_clause(client: TestClient) -> None:
    token = csrf_of(client)
    pairs = [
        ("csrf", token),
        ("kind", "reuse"),
        ("cadre_id", "C-0417"),
        ("sanction_kind", "party_serious_warning"),
        ("sanction_on", "2023-05-10"),
        ("as_of", "2025-06-01"),
        ("f.matter_properly_handled", "true"),
        ("f.situation_calmed", "true"),
        ("f.reflected_deeply", "true"),
        ("f.corrects_with_good_attitude", "true"),
        ("f.outstanding_performance", "true"),
    ]
    r = client.post("/assess", content=urlencode(pairs), headers=FORM)
    assert r.status_code == 200
    assert 'data-outcome="promote"' in r.text
    text = text_of(r.text)
    assert "可提拔" in text and "依据条款" in text and "影响期已满：是" in text
    unknown = [(k, "unknown" if k == "f.reflected_deeply" else v) for k, v in pairs]
    r = client.post("/assess", content=urlencode(unknown), headers=FORM)
    assert 'data-outcome="postpone"' in r.text and "本人已深刻反省：尚未查明" in text_of(r.text)
    r = client.post("/assess", content=urlencode(pairs[1:]), headers=FORM)
    assert r.status_code == 403 and "RC910" in r.text
    bad = [*pairs[:3], ("sanction_kind", "party_nonsense"), *pairs[4:]]
    r = client.post("/assess", content=urlencode(bad), headers=FORM)
    assert r.status_code == 422 and "sanction.kind" in r.text


def test_an_uploaded_file_is_assessed_and_its_problems_located(client: TestClient) -> None:
    token = csrf_of(client)
    fields = {"csrf": token, "kind": "reuse", "as_of": "2025-06-01"}
    r = client.post(
        "/assess/upload",
        files={"file": (REUSE.name, REUSE.read_bytes())},
        data=fields,
        headers=HTML,
    )
    assert r.status_code == 200 and 'data-outcome="postpone"' in r.text
    bad = b"id: X\ncadre: {idd: C-1}\n"
    r = client.post("/assess/upload", files={"file": ("bad.yaml", bad)}, data=fields, headers=HTML)
    assert r.status_code == 422 and "RC003" in r.text and "cadre.idd" in r.text
    assert "第 2 行" in r.text  # located in the file
    r = client.post("/assess/upload", data=fields, files={"x": ("", b"")}, headers=HTML)
    assert r.status_code == 422 and "请选择一个评估文件" in r.text


# In a real browser.


@pytest.fixture(scope="module")
def library_server(lib: Path) -> Iterator[str]:
    with running_server("--backend", "reference", "--library", str(lib)) as base:
        yield base


def wait_for(browser: Any, test: Any, seconds: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, seconds).until(test)


@needs_browser
def test_browser_the_workspace_shows_similar_cases_own_first(
    browser: Any, library_server: str, lib: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{library_server}/rulesets/wanzhou/cases/new")
    browser.find_element(By.ID, "upload-file").send_keys(str(OWN))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    wait_for(browser, lambda b: b.find_elements(By.ID, "similar"))
    items = browser.find_elements(By.CSS_SELECTOR, "#similar > li")
    hits = expected_hits(lib, OWN)
    assert [i.get_attribute("data-score") for i in items] == [f"{h['score']:.2f}" for h in hits]
    first = items[0].find_element(By.CLASS_NAME, "similar-title")
    assert first.text == hits[0]["title"] and items[0].get_attribute("data-score") == "1.00"
    assert "共同六看" in items[0].text
    browser.get(first.get_attribute("href"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(hits[0]["title"])
    assert browser.find_element(By.ID, "entry-outcome").text == "从轻、减轻问责"


@needs_browser
def test_browser_assess_shows_a_proposal(browser: Any, library_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{library_server}/assess?kind=warning")
    browser.find_element(By.ID, "cadre-id").send_keys("C-0901")
    browser.execute_script("document.getElementById('assess-as-of').value = '2025-06-01';")
    browser.find_element(By.CSS_SELECTOR, 'input[name="f.problem_found"][value="true"]').click()
    browser.find_element(By.ID, "assess-submit").click()
    wait_for(browser, lambda b: b.find_elements(By.ID, "assess-outcome"))
    shown = browser.find_element(By.ID, "assess-outcome")
    assert shown.get_attribute("data-outcome") == "level_1_talk"
    assert "一级预警" in shown.text
    assert browser.find_element(By.ID, "assess-clause").text
