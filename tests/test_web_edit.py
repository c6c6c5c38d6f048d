"""The workspace's ruleset editor (web/edit_pages.py, web/drafts.py): the version's YAML in the
editor, check and lint findings at their lines, scenarios and diff on the edited text, saving
drafts (only inside the drafts folder, never with check errors, a write that needs the token
when there is one); and in a real browser, a lint marker at the line of an error typed into
CodeMirror."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rongcuo.service.app import create_app
from rongcuo.service.core import Config

from .browser_support import needs_browser
from .conftest import ROOT
from .service_server import running_server

H = {"Accept": "text/html"}
HX = {"Accept": "text/html", "HX-Request": "true"}
TOKEN = "edit-token-for-the-tests-only-0123"
SOURCE = ROOT / "rulesets" / "wanzhou" / "2018.yaml"
TEXT = SOURCE.read_text(encoding="utf-8")
#: An exclusion that holds for every pilot case: wz-01 (tolerate) is then not tolerated.
EXCLUSION = """rules:
  - id: wz_pilot_excluded
    kind: exclusion
    label: 试点中的失误一律不予容错（测试）
    when: {fact: in_reform_or_pilot, eq: true}
    cite: {doc: wz_measures, clause: 第六条, text: 试点中的失误不予容错}
"""
CHANGED = TEXT.replace("rules:\n", EXCLUSION, 1)
DATE_LINE = TEXT.splitlines().index("effective_from: 2018-01-01") + 1
BROKEN = TEXT.replace("effective_from: 2018-01-01", "effective_from: 2018-13-01")


def make_cases(folder: Path) -> Path:
    """A case folder of the first few Wanzhou examples."""
    folder.mkdir(parents=True)
    for p in sorted((ROOT / "examples").glob("wz-0*.yaml"))[:6]:
        shutil.copy(p, folder / p.name)
    return folder


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    cases = make_cases(tmp_path / "wz-cases")
    return TestClient(
        create_app(Config(backend="reference", drafts=tmp_path / "drafts", cases=(cases,)))
    )


@pytest.fixture
def bare() -> TestClient:
    """No drafts folder, no case folders."""
    return TestClient(create_app(Config(backend="reference")))


def csrf_of(client: TestClient, path: str = "/rulesets/wanzhou/edit") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path, headers=H).text)
    assert found
    return found.group(1)


def textarea(page: str) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert found, "no textarea"
    return html.unescape(found.group(1))


def no_server_paths(text: str, tmp_path: Path | None = None) -> None:
    assert str(ROOT) not in text
    assert "/tmp/" not in text and "rongcuo-edit-" not in text
    if tmp_path is not None:
        assert str(tmp_path) not in text


def drafts_in(tmp_path: Path) -> list[str]:
    return sorted(
        str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.yaml") if "drafts" in p.parts
    )


# --- the editor page ------------------------------------------------------------------------


def test_the_editor_shows_the_newest_version_as_it_is_on_disk(client: TestClient) -> None:
    r = client.get("/rulesets/wanzhou/edit", headers=H)
    assert r.status_code == 200
    assert textarea(r.text) == TEXT
    assert '<form id="editor-form" method="post" action="/rulesets/wanzhou/edit/check"' in r.text
    for script in ("codemirror.js", "yaml.js", "lint.js", "/static/edit.js"):
        assert script in r.text
    assert "lint.css" in r.text and "/static/edit.css" in r.text
    assert "2018 版（wanzhou/2018.yaml）" in r.text
    assert r.text.count('formaction="/rulesets/wanzhou/edit/') == 4  # check, scenarios, diff, save
    no_server_paths(r.text)
    same = client.get("/rulesets/wanzhou/edit?version=2018", headers=H)
    assert same.status_code == 200 and textarea(same.text) == TEXT


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/rulesets/nowhere/edit", 404, "RC301"),
        ("/rulesets/wanzhou/edit?version=1999", 404, "RC905"),
        ("/rulesets/wanzhou/edit?draft=Bad%20Name", 400, "RC905"),
        ("/rulesets/wanzhou/edit?draft=none_yet", 404, "RC905"),
    ],
)
def test_an_editor_that_cannot_open_is_an_error_page(
    client: TestClient, path: str, status: int, code: str
) -> None:
    r = client.get(path, headers=H)
    assert r.status_code == status
    assert "出错了" in r.text and code in r.text
    no_server_paths(r.text)


def test_without_a_drafts_folder_saving_is_disabled_with_the_reason(bare: TestClient) -> None:
    r = bare.get("/rulesets/wanzhou/edit", headers=H)
    assert r.status_code == 200
    assert re.search(r'formaction="/rulesets/wanzhou/edit/save"[^>]*disabled', r.text, re.S)
    assert "服务未配置草稿文件夹" in r.text
    drafts = bare.get("/rulesets/wanzhou/edit?draft=x", headers=H)
    assert drafts.status_code == 404 and "RC911" in drafts.text


# --- check ----------------------------------------------------------------------------------


def test_check_gives_json_findings_at_the_lines_of_the_edited_text(client: TestClient) -> None:
    r = client.post("/rulesets/wanzhou/edit/check", data={"text": BROKEN})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = r.json()
    assert [(f["code"], f["severity"], f["line"], f["file"]) for f in found] == [
        ("RC005", "error", DATE_LINE, "")
    ]
    assert set(found[0]) == {
        "line",
        "column",
        "code",
        "severity",
        "message_zh",
        "message_en",
        "hint",
        "file",
        "path",
    }
    no_server_paths(r.text)


def test_check_of_the_served_text_has_warnings_only(client: TestClient) -> None:
    found = client.post("/rulesets/wanzhou/edit/check", data={"text": TEXT}).json()
    assert found, "lint finds the gaps of wanzhou"
    assert {f["severity"] for f in found} == {"warning"}
    assert all(f["file"] in ("", "national/2019.yaml") for f in found)


def test_a_finding_in_another_version_names_that_file_not_a_server_path(
    client: TestClient,
) -> None:
    newer = TEXT.replace('version: "2018"', 'version: "2025"').replace(
        "effective_from: 2018-01-01", "effective_from: 2025-01-01"
    )
    found = client.post("/rulesets/wanzhou/edit/check", data={"text": newer}).json()
    overlap = [f for f in found if f["code"] == "RC114"]
    assert overlap and overlap[0]["file"] == "wanzhou/2018.yaml"
    assert "编辑中的文件" in overlap[0]["message_zh"]
    no_server_paths(str(found))


def test_check_as_html_partial_and_as_page(client: TestClient) -> None:
    part = client.post("/rulesets/wanzhou/edit/check", data={"text": BROKEN}, headers=HX)
    assert part.status_code == 200 and "<html" not in part.text
    assert f'data-line="{DATE_LINE}"' in part.text and f"第 {DATE_LINE} 行" in part.text
    assert "RC005" in part.text and "1 个错误" in part.text
    page = client.post("/rulesets/wanzhou/edit/check", data={"text": BROKEN}, headers=H)
    assert page.status_code == 200 and "<html" in page.text
    assert textarea(page.text) == BROKEN  # the officer's text comes back with its findings
    assert "RC005" in page.text


def test_check_bounds_the_text(tmp_path: Path) -> None:
    small = TestClient(create_app(Config(backend="reference", max_body=20_000)))
    r = small.post("/rulesets/wanzhou/edit/check", data={"text": TEXT + "#" * 20_000})
    assert r.status_code == 413 and "RC901" in r.text
    unknown = small.post("/rulesets/nowhere/edit/check", data={"text": "id: x"})
    assert unknown.status_code == 404 and "RC301" in unknown.text


# --- scenarios and diff ---------------------------------------------------------------------


def test_scenarios_run_against_the_edited_text(client: TestClient) -> None:
    r = client.post("/rulesets/wanzhou/edit/scenarios", data={"text": TEXT}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    passed = re.search(r"场景：(\d+) 个通过，<span[^>]*>(\d+) 个失败", r.text)
    assert passed and int(passed.group(1)) > 10 and passed.group(2) == "0"
    assert "规则覆盖率（2018 版）" in r.text
    edited = client.post("/rulesets/wanzhou/edit/scenarios", data={"text": CHANGED}, headers=H)
    failing = re.search(r"场景：(\d+) 个通过，<span[^>]*>(\d+) 个失败", edited.text)
    assert failing and int(failing.group(2)) > 0
    assert 'class="failed"' in edited.text and ".feature:" in edited.text
    no_server_paths(edited.text)


def test_scenarios_and_diff_refuse_text_with_check_errors(client: TestClient) -> None:
    for action in ("scenarios", "diff"):
        r = client.post(f"/rulesets/wanzhou/edit/{action}", data={"text": BROKEN}, headers=H)
        assert r.status_code == 422
        assert "文本有错误" in r.text and "RC005" in r.text


def test_diff_against_the_version_in_force_shows_the_changed_cases(
    client: TestClient, tmp_path: Path
) -> None:
    r = client.post("/rulesets/wanzhou/edit/diff", data={"text": CHANGED}, headers=H)
    assert r.status_code == 200
    changed = re.search(r'class="count changed"><span class="n">(\d+)', r.text)
    assert changed and int(changed.group(1)) >= 1
    assert "结论变化</span> WZ-2024-017" in r.text
    assert "<code>wz-cases/wz-01-pilot-tolerate.yaml</code>" in r.text
    assert "wz_pilot_excluded" in r.text and "在用版本 → 编辑后的文本" in r.text
    no_server_paths(r.text, tmp_path)
    same = client.post("/rulesets/wanzhou/edit/diff", data={"text": TEXT}, headers=HX)
    assert same.status_code == 200 and "<html" not in same.text
    assert re.search(r'class="count changed"><span class="n">0<', same.text)


def test_diff_without_case_folders_says_so(bare: TestClient) -> None:
    r = bare.post("/rulesets/wanzhou/edit/diff", data={"text": TEXT}, headers=H)
    assert r.status_code == 200
    assert "服务未配置案件文件夹" in r.text and 'href="/diff"' in r.text


# --- save -----------------------------------------------------------------------------------


def test_save_writes_a_new_draft_and_replaces_it_only_when_asked(
    client: TestClient, tmp_path: Path
) -> None:
    csrf = csrf_of(client)
    form = {"text": CHANGED, "name": "pilot-2025", "csrf": csrf}
    r = client.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 200 and "已保存为草稿 pilot-2025" in r.text
    draft = tmp_path / "drafts" / "wanzhou" / "pilot-2025.yaml"
    assert draft.read_bytes() == CHANGED.encode("utf-8")
    no_server_paths(r.text, tmp_path)
    again = client.post("/rulesets/wanzhou/edit/save", data={**form, "text": TEXT}, headers=H)
    assert again.status_code == 409 and "RC912" in again.text
    assert textarea(again.text) == TEXT  # the refused text is still in the editor
    assert draft.read_bytes() == CHANGED.encode("utf-8")
    over = {**form, "text": TEXT, "overwrite": "1"}
    replaced = client.post("/rulesets/wanzhou/edit/save", data=over, headers=HX)
    assert replaced.status_code == 200 and "<html" not in replaced.text
    assert draft.read_bytes() == TEXT.encode("utf-8")
    opened = client.get("/rulesets/wanzhou/edit?draft=pilot-2025", headers=H)
    assert opened.status_code == 200 and textarea(opened.text) == TEXT
    assert "草稿 pilot-2025" in opened.text
    assert SOURCE.read_text(encoding="utf-8") == TEXT  # the served file is never written


@pytest.mark.parametrize(
    "name", ["", "../escape", "Upper", "a" * 41, "x.yaml", "a/b", "草稿", "..", "a b"]
)
def test_a_bad_draft_name_is_refused_and_nothing_is_written(
    client: TestClient, tmp_path: Path, name: str
) -> None:
    csrf = csrf_of(client)
    form = {"text": TEXT, "name": name, "csrf": csrf}
    r = client.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 400 and "RC905" in r.text
    assert drafts_in(tmp_path) == []
    assert not list(tmp_path.glob("*.yaml")) and not (tmp_path / "escape.yaml").exists()


def test_save_refuses_text_with_check_errors(client: TestClient, tmp_path: Path) -> None:
    form = {"text": BROKEN, "name": "broken", "csrf": csrf_of(client)}
    r = client.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 422 and "文本有错误，未保存" in r.text and "RC005" in r.text
    assert drafts_in(tmp_path) == []


def test_save_without_a_drafts_folder_is_refused(bare: TestClient) -> None:
    form = {"text": TEXT, "name": "x", "csrf": csrf_of(bare)}
    r = bare.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 404 and "RC911" in r.text


def test_save_without_the_cross_site_token_is_refused(client: TestClient, tmp_path: Path) -> None:
    csrf_of(client)  # the cookie is set, but the form does not carry it
    r = client.post("/rulesets/wanzhou/edit/save", data={"text": TEXT, "name": "x"}, headers=H)
    assert r.status_code == 403 and "RC910" in r.text
    assert drafts_in(tmp_path) == []


def test_save_needs_sign_in_when_the_service_has_a_token(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN, encoding="utf-8")
    guarded = TestClient(
        create_app(Config(backend="reference", drafts=tmp_path / "drafts", token_file=token))
    )
    csrf = csrf_of(guarded)
    form = {"text": TEXT, "name": "signed", "csrf": csrf}
    r = guarded.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 401 and "RC906" in r.text
    assert drafts_in(tmp_path) == []
    signin = guarded.post(
        "/signin", data={"token": TOKEN, "csrf": csrf_of(guarded, "/signin"), "next": "/"}
    )
    assert signin.status_code == 200
    ok = guarded.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert ok.status_code == 200
    assert drafts_in(tmp_path) == ["drafts/wanzhou/signed.yaml"]


def test_a_ruleset_folder_among_the_drafts_that_links_elsewhere_is_not_written(
    client: TestClient, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "wanzhou").symlink_to(outside)
    form = {"text": TEXT, "name": "linked", "csrf": csrf_of(client)}
    r = client.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code == 400 and "RC905" in r.text
    assert list(outside.iterdir()) == []


def test_a_draft_that_is_a_link_is_not_replaced(client: TestClient, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.yaml"
    target.write_text("keep\n", encoding="utf-8")
    folder = tmp_path / "drafts" / "wanzhou"
    folder.mkdir(parents=True)
    (folder / "linked.yaml").symlink_to(target)
    form = {"text": TEXT, "name": "linked", "csrf": csrf_of(client), "overwrite": "1"}
    r = client.post("/rulesets/wanzhou/edit/save", data=form, headers=H)
    assert r.status_code >= 400
    assert target.read_text(encoding="utf-8") == "keep\n"


# --- in a real browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def edit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("edit-server")
    cases = make_cases(root / "wz-cases")
    with running_server(
        "--backend", "reference", "--drafts", str(root / "drafts"), "--cases", str(cases)
    ) as base:
        yield base


@needs_browser
def test_an_error_typed_into_the_editor_gets_a_lint_marker_at_its_line(
    browser: object, edit_server: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver: object = browser
    driver.get(edit_server + "/rulesets/wanzhou/edit")  # type: ignore[attr-defined]
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.execute_script("return !!window.rongcuoEditor"))
    assert driver.find_elements(By.CSS_SELECTOR, ".CodeMirror")  # type: ignore[attr-defined]
    line = DATE_LINE - 1
    driver.execute_script(  # type: ignore[attr-defined]
        "var cm = window.rongcuoEditor;"
        "cm.replaceRange('effective_from: 2018-13-01', {line: arguments[0], ch: 0},"
        " {line: arguments[0], ch: cm.getLine(arguments[0]).length});",
        line,
    )
    marker = ".CodeMirror-lint-marker-error"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, marker))
    at = driver.execute_script(  # type: ignore[attr-defined]
        "var cm = window.rongcuoEditor, out = [];"
        "for (var i = 0; i < cm.lineCount(); i++) {"
        "  var info = cm.lineInfo(i);"
        "  if (info.gutterMarkers && info.gutterMarkers['CodeMirror-lint-markers'] &&"
        "      info.gutterMarkers['CodeMirror-lint-markers'].className.indexOf('error') >= 0)"
        "    out.push(i + 1);"
        "} return out;"
    )
    assert at == [DATE_LINE]
    findings = driver.find_element(By.ID, "findings").text  # type: ignore[attr-defined]
    assert "RC005" in findings and f"第 {DATE_LINE} 行" in findings
    # putting it right removes the marker
    driver.execute_script(  # type: ignore[attr-defined]
        "var cm = window.rongcuoEditor;"
        "cm.replaceRange('effective_from: 2018-01-01', {line: arguments[0], ch: 0},"
        " {line: arguments[0], ch: cm.getLine(arguments[0]).length});",
        line,
    )
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, marker))
