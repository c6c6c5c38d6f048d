"""The workspace's version comparison (web/diff_pages.py): the form, a diff with an uploaded
changed ruleset over configured or uploaded cases (the changed cases with the rule that made
the difference, no server paths), its error states; and in a real browser, a diff run on the
page replacing the report panel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rongcuo.service.app import create_app
from rongcuo.service.core import Config

from .browser_support import needs_browser
from .conftest import ROOT
from .service_server import running_server
from .test_web_edit import BROKEN, CHANGED, DATE_LINE, TEXT, make_cases

H = {"Accept": "text/html"}
HX = {"Accept": "text/html", "HX-Request": "true"}
COUNT = r'class="count {}"><span class="n">(\d+)<'


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    cases = make_cases(tmp_path / "wz-cases")
    return TestClient(
        create_app(Config(backend="reference", drafts=tmp_path / "drafts", cases=(cases,)))
    )


def count(page: str, which: str) -> int:
    found = re.search(COUNT.format(which), page)
    assert found, f"no {which} count"
    return int(found.group(1))


def no_server_paths(text: str, tmp_path: Path) -> None:
    assert str(tmp_path) not in text and str(ROOT) not in text
    assert "/tmp/" not in text and "rongcuo-edit-" not in text and "rongcuo-diff-" not in text


def upload(text: str, name: str = "wanzhou-new.yaml") -> tuple[str, bytes, str]:
    return (name, text.encode("utf-8"), "application/x-yaml")


def test_the_form_offers_sides_and_case_folders_by_name(client: TestClient, tmp_path: Path) -> None:
    r = client.get("/diff?ruleset=wanzhou", headers=H)
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text and 'hx-post="/diff"' in r.text
    for kind in ("served", "version", "draft", "upload"):
        assert f'name="base_kind" value="{kind}"' in r.text
        assert f'name="head_kind" value="{kind}"' in r.text
    assert 'name="folders" value="wz-cases"' in r.text and "案件文件夹 wz-cases" in r.text
    no_server_paths(r.text, tmp_path)
    first = client.get("/diff", headers=H)
    assert first.status_code == 200 and 'name="ruleset"' in first.text
    unknown = client.get("/diff?ruleset=nowhere", headers=H)
    assert unknown.status_code == 404 and "RC301" in unknown.text


def test_an_uploaded_changed_ruleset_shows_the_changed_cases(
    client: TestClient, tmp_path: Path
) -> None:
    r = client.post(
        "/diff",
        data={
            "ruleset": "wanzhou",
            "base_kind": "served",
            "head_kind": "upload",
            "folders": "wz-cases",
        },
        files={"head_file": upload(CHANGED)},
        headers=H,
    )
    assert r.status_code == 200 and "<html" in r.text
    assert count(r.text, "changed") == 1 and count(r.text, "errors") == 0
    assert "在用版本 → 上传的文件 wanzhou-new.yaml" in r.text
    assert "结论变化</span> WZ-2024-017" in r.text
    assert "<code>wz-cases/wz-01-pilot-tolerate.yaml</code>" in r.text
    assert "新增</strong> 不予容错情形 <code>wz_pilot_excluded</code>" in r.text
    assert "条件：属改革、先行先试事项" in r.text  # the condition in plain Chinese, not its ids
    tolerate = '<span class="outcome tolerate">予以容错免责（不予或免予问责）</span>'
    assert f'{tolerate} → <span class="outcome not_tolerate">' in r.text
    case = r.text[r.text.index("WZ-2024-017") :]
    assert "wz_pilot_excluded" in case[:3000]  # the rule that made the difference
    no_server_paths(r.text, tmp_path)


def test_uploaded_case_files_and_an_htmx_panel(client: TestClient, tmp_path: Path) -> None:
    cases = sorted((ROOT / "examples").glob("wz-0[1-3]*.yaml"))
    files = [("case_files", (p.name, p.read_bytes(), "application/x-yaml")) for p in cases]
    files.append(("head_file", upload(CHANGED)))
    r = client.post(
        "/diff",
        data={"ruleset": "wanzhou", "base_kind": "served", "head_kind": "upload"},
        files=files,
        headers=HX,
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert count(r.text, "changed") == 1
    assert "<code>上传/wz-01-pilot-tolerate.yaml</code>" in r.text
    no_server_paths(r.text, tmp_path)


def test_a_version_against_the_served_ruleset_changes_nothing(client: TestClient) -> None:
    r = client.post(
        "/diff",
        data={
            "ruleset": "wanzhou",
            "base_kind": "served",
            "head_kind": "version",
            "head_version": "2018",
            "folders": "wz-cases",
        },
        headers=H,
    )
    assert r.status_code == 200
    assert count(r.text, "changed") == 0 and count(r.text, "same") >= 1
    assert "所有案件的结论和理由都没有变化" in r.text


def test_a_saved_draft_is_a_side(client: TestClient, tmp_path: Path) -> None:
    folder = tmp_path / "drafts" / "wanzhou"
    folder.mkdir(parents=True)
    (folder / "pilot.yaml").write_text(CHANGED, encoding="utf-8")
    page = client.get("/diff?ruleset=wanzhou", headers=H)
    assert '<option value="pilot">pilot</option>' in page.text
    r = client.post(
        "/diff",
        data={
            "ruleset": "wanzhou",
            "base_kind": "draft",
            "base_draft": "pilot",
            "head_kind": "served",
            "folders": "wz-cases",
        },
        headers=H,
    )
    assert r.status_code == 200 and count(r.text, "changed") == 1
    assert "草稿 pilot → 在用版本" in r.text


@pytest.mark.parametrize(
    ("data", "files", "status", "code"),
    [
        ({"ruleset": "nowhere", "folders": "wz-cases"}, {}, 404, "RC301"),
        ({"ruleset": "wanzhou", "head_kind": "served"}, {}, 400, "RC905"),  # no cases
        ({"ruleset": "wanzhou", "folders": "wz-cases"}, {}, 400, "RC905"),  # upload, no file
        ({"ruleset": "wanzhou", "folders": "elsewhere", "head_kind": "served"}, {}, 400, "RC905"),
        ({"ruleset": "wanzhou", "folders": "wz-cases", "head_kind": "nonsense"}, {}, 400, "RC905"),
        (
            {"ruleset": "wanzhou", "head_kind": "served"},
            {"case_files": ("case.txt", b"x", "text/plain")},
            400,
            "RC905",
        ),
        (
            {"ruleset": "wanzhou", "folders": "wz-cases", "head_kind": "served", "as_of": "soon"},
            {},
            400,
            "RC903",
        ),
        (
            {
                "ruleset": "wanzhou",
                "folders": "wz-cases",
                "head_kind": "draft",
                "head_draft": "none_yet",
            },
            {},
            404,
            "RC905",
        ),
        (
            {
                "ruleset": "wanzhou",
                "folders": "wz-cases",
                "head_kind": "version",
                "head_version": "1999",
            },
            {},
            404,
            "RC905",
        ),
    ],
)
def test_a_comparison_that_cannot_run_says_why(
    client: TestClient,
    tmp_path: Path,
    data: dict[str, str],
    files: dict[str, tuple[str, bytes, str]],
    status: int,
    code: str,
) -> None:
    r = client.post("/diff", data=data, files=files or None, headers=H)
    assert r.status_code == status and code in r.text
    no_server_paths(r.text, tmp_path)


def test_an_uploaded_ruleset_with_errors_shows_them_located(
    client: TestClient, tmp_path: Path
) -> None:
    r = client.post(
        "/diff",
        data={"ruleset": "wanzhou", "folders": "wz-cases", "head_kind": "upload"},
        files={"head_file": upload(BROKEN, "broken.yaml")},
        headers=H,
    )
    assert r.status_code == 422
    assert "上传的文件 broken.yaml的规则集无法载入" in r.text and "RC005" in r.text
    assert f"上传的文件 broken.yaml 第 {DATE_LINE} 行" in r.text
    no_server_paths(r.text, tmp_path)


def test_uploads_are_bounded(tmp_path: Path) -> None:
    small = TestClient(create_app(Config(backend="reference", max_body=30_000)))
    r = small.post(
        "/diff",
        data={"ruleset": "wanzhou", "head_kind": "upload"},
        files={"head_file": upload(TEXT + "#" * 40_000)},
        headers=H,
    )
    assert r.status_code == 413 and "RC901" in r.text
    same_text = TEXT.encode("utf-8")
    assert len(same_text) < 30_000


# --- in a real browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def diff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("diff-server")
    cases = make_cases(root / "wz-cases")
    changed = root / "wanzhou-new.yaml"
    changed.write_text(CHANGED, encoding="utf-8")
    with running_server(
        "--backend", "reference", "--drafts", str(root / "drafts"), "--cases", str(cases)
    ) as base:
        yield base, changed


@needs_browser
def test_a_diff_run_on_the_page_shows_the_changed_cases(
    browser: object, diff_server: tuple[str, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, changed = diff_server
    driver: object = browser
    driver.get(base + "/diff?ruleset=wanzhou")  # type: ignore[attr-defined]
    find = driver.find_element  # type: ignore[attr-defined]
    find(By.CSS_SELECTOR, 'input[name="head_kind"][value="upload"]').click()
    find(By.CSS_SELECTOR, 'input[name="head_file"]').send_keys(str(changed))
    find(By.CSS_SELECTOR, "#diff-form button[type=submit]").click()
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#report .case.outcome_changed"))
    report = find(By.ID, "report").text
    assert "结论变化" in report and "WZ-2024-017" in report
    assert "wz-cases/wz-01-pilot-tolerate.yaml" in report
    assert driver.current_url.endswith("/diff?ruleset=wanzhou")  # type: ignore[attr-defined]
