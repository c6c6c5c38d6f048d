"""The workspace's frame: the front page, signing in, cross-site protection, error pages as
pages, the vendored files as recorded; and one real browser opening the front page."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
from fastapi.testclient import TestClient

from rongcuo.service.app import Config, create_app

from .browser_support import needs_browser

STATIC = Path(__file__).resolve().parent.parent / "src" / "rongcuo" / "web" / "static"
TOKEN = "web-token-for-the-tests-only-0123"


@pytest.fixture(scope="module")
def open_client() -> TestClient:
    return TestClient(create_app(Config(backend="reference")))


@pytest.fixture
def guarded(tmp_path: Path) -> TestClient:
    token = tmp_path / "token"
    token.write_text(TOKEN, encoding="utf-8")
    return TestClient(create_app(Config(backend="reference", token_file=token)))


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path).text
    found = re.search(r'name="csrf" value="([^"]+)"', page) or re.search(
        r'"X-CSRF-Token": "([^"]+)"', page
    )
    assert found, "the page carries no cross-site token"
    return found.group(1)


def test_the_front_page_lists_every_ruleset(open_client: TestClient) -> None:
    r = open_client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for rid in ("national", "wanzhou", "mianyang"):
        assert f'href="/rulesets/{rid}"' in r.text
        assert f'href="/rulesets/{rid}/cases/new"' in r.text
    assert "万州" in r.text and "绵阳" in r.text
    assert (
        "rc_csrf=" in r.headers["set-cookie"]
        and "samesite=strict" in r.headers["set-cookie"].lower()
    )
    assert r.headers["X-Frame-Options"] == "DENY"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert '"allowEval": false' in r.text  # htmx runs no code from attributes
    assert "登录" not in r.text.split("<main>")[0]  # no token: nothing to sign in to


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_json(open_client: TestClient) -> None:
    page = open_client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "出错了" in page.text and "RC301" in page.text
    curl = open_client.get("/no/such/page", headers={"Accept": "*/*"})
    assert curl.status_code == 404 and curl.json()["errors"][0]["code"] == "RC301"
    api = open_client.get("/v1/no/such/path")
    assert api.status_code == 404 and api.json()["errors"][0]["code"] == "RC301"


def test_signing_in_with_the_token_gives_a_session(guarded: TestClient) -> None:
    assert "登录" in guarded.get("/").text.split("<main>")[0]
    csrf = csrf_of(guarded, "/signin")
    wrong = guarded.post("/signin", data={"token": "nope", "csrf": csrf, "next": "/"})
    assert wrong.status_code == 401 and "令牌不正确" in wrong.text
    assert "rc_session" not in wrong.headers.get("set-cookie", "")
    ok = guarded.post(
        "/signin",
        data={"token": TOKEN, "csrf": csrf, "next": "/rulesets/wanzhou"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/rulesets/wanzhou"
    cookie = ok.headers["set-cookie"]
    assert "rc_session=" in cookie and "httponly" in cookie.lower()
    assert "退出登录" in guarded.get("/").text
    out = guarded.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert "退出登录" not in guarded.get("/").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_signing_in_never_sends_the_officer_off_site(guarded: TestClient, target: str) -> None:
    csrf = csrf_of(guarded, "/signin")
    r = guarded.post(
        "/signin", data={"token": TOKEN, "csrf": csrf, "next": target}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_a_form_from_another_site_is_refused(guarded: TestClient) -> None:
    csrf = csrf_of(guarded, "/signin")
    no_token = guarded.post("/signin", data={"token": TOKEN, "next": "/"})
    assert no_token.status_code == 403 and "RC910" in no_token.text
    elsewhere = guarded.post(
        "/signin",
        data={"token": TOKEN, "csrf": csrf, "next": "/"},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403 and "RC910" in elsewhere.text
    forged = guarded.post("/signin", data={"token": TOKEN, "csrf": "x" * 43, "next": "/"})
    assert forged.status_code == 403


def test_a_session_signed_with_another_token_is_not_a_session(tmp_path: Path) -> None:
    from rongcuo.web.session import Sessions

    mine, theirs = Sessions(TOKEN), Sessions(TOKEN + "-other")
    cookie = theirs.issue()

    class Req:
        def __init__(self, value: str) -> None:
            self.cookies = {"rc_session": value}

    request = Req(cookie)
    assert theirs.signed_in(request) and not mine.signed_in(request)  # type: ignore[arg-type]
    expired = Sessions(TOKEN).issue(now=0)
    assert not mine.signed_in(Req(expired))  # type: ignore[arg-type]


def test_the_vendored_files_are_the_recorded_ones() -> None:
    table = (STATIC / "vendor" / "VENDORED.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([\w/.]+) \|.*\| ([0-9a-f]{64}) \|$", table, re.M)
    assert len(rows) == 6
    for name, digest in rows:
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest
    for folder in ("htmx", "codemirror"):
        assert (STATIC / "vendor" / folder / "LICENSE").stat().st_size > 100


@needs_browser
def test_a_real_browser_opens_the_front_page(browser: object, web_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(web_server + "/")  # type: ignore[attr-defined]
    assert "容错纠错认定工作台" in browser.title  # type: ignore[attr-defined]
    links = browser.find_elements(By.CSS_SELECTOR, "td a")  # type: ignore[attr-defined]
    assert any(a.get_attribute("href").endswith("/rulesets/wanzhou") for a in links)
    loaded = browser.execute_script("return typeof window.htmx")  # type: ignore[attr-defined]
    assert loaded == "object"


def test_htmx_gets_the_problems_alone_and_a_browser_a_page(open_client: TestClient) -> None:
    partial = open_client.get("/rulesets/nowhere", headers={"HX-Request": "true"})
    assert partial.status_code == 404 and "RC301" in partial.text
    assert "<html" not in partial.text and 'class="card errors"' in partial.text
    page = open_client.get("/rulesets/nowhere", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<html" in page.text and "RC301" in page.text


def test_a_page_post_past_the_body_limit_is_a_page(tmp_path: Path) -> None:
    client = TestClient(create_app(Config(backend="reference", max_body=2_000)))
    r = client.post(
        "/signin",
        content=b"token=" + b"x" * 5_000,
        headers={"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and "<html" in r.text and "RC901" in r.text


def test_an_internal_failure_is_json_to_the_api_and_a_page_to_a_browser(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(Config(backend="reference"))

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("a bug")

    client = TestClient(app)
    with caplog.at_level("ERROR", logger="rongcuo.service"):
        api = client.get("/v1/boom")
        page = client.get("/boom", headers={"Accept": "text/html"})
    assert api.status_code == 500 and api.json()["errors"][0]["code"] == "internal"
    assert "a bug" not in api.text and "Traceback" not in api.text
    assert page.status_code == 500 and "<html" in page.text and "内部错误" in page.text
    assert page.headers["X-Request-Id"] in page.text and "a bug" not in page.text
    assert len([r for r in caplog.records if r.exc_info]) == 2  # both logged with the traceback
