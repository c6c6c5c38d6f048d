"""The case workspace (web/case_pages.py): every route through the ASGI client (the form, the
panel for htmx and the whole page without it, the case's problems in the panel, memos, the YAML
case file round trip, recording, uploads, and their error states), then a real browser filling
the form for a case of each outcome, watching the next question change, downloading a memo."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest
import yaml
from fastapi.testclient import TestClient

import rongcuo
from rongcuo.service.app import create_app
from rongcuo.service.core import Config
from rongcuo.service.decide import file_name
from rongcuo.web.case_read import from_case

from .browser_support import needs_browser
from .conftest import ROOT, ruleset_of

HTML = {"Accept": "text/html"}
FORM = {**HTML, "Content-Type": "application/x-www-form-urlencoded"}
EX = ROOT / "examples"
ON_DAY = dt.date(2024, 3, 18)
TOLERATE = EX / "wz-01-pilot-tolerate.yaml"
INSUFFICIENT = EX / "wz-08-motive-unknown-insufficient.yaml"
CLEARED = EX / "clearing" / "wz-c01-forged-transfer-screenshot-cleared.yaml"
#: One example of each outcome, for the browser.
BY_OUTCOME = {
    "tolerate": TOLERATE,
    "mitigate": EX / "wz-03-legacy-partial-mitigate.yaml",
    "not_tolerate": EX / "wz-04-private-gain-not-tolerate.yaml",
    "insufficient_facts": INSUFFICIENT,
    "refer": EX / "wz-09-committee-refer.yaml",
    "cleared": CLEARED,
}


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Config(backend="reference"))) as c:
        yield c


def pairs_of(engine: rongcuo.Engine, path: Path, **extra: str) -> list[tuple[str, str]]:
    """The form fields that state the example case ``path``."""
    case, _ = engine.load_case(path)
    rs = engine.ruleset(ruleset_of(path), case.conduct_until or case.incident_date)
    values = from_case(case.model_dump(mode="json"), rs)
    out = [(k, v) for k, vs in values.items() for v in vs]
    return out + list(extra.items())


def post(c: TestClient, path: str, pairs: list[tuple[str, str]], **headers: str) -> Any:
    return c.post(path, content=urlencode(pairs), headers={**FORM, **headers})


def text_of(html: str) -> str:
    """The page's text without tags (to look for words across elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The form.


def test_new_case_form_is_built_from_the_declarations(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    r = client.get("/rulesets/wanzhou/cases/new", headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    rs = engine.ruleset("wanzhou", engine.newest_day("wanzhou"))
    assert len(rs.looks) == 6
    for look in rs.looks.values():
        assert f"<legend>{look.label}" in html, look.id
    assert 'name="f.motive" value="public"' in html
    assert html.count('value="unknown"') >= 40  # a 不明 choice for every fact
    assert "未填时推定为：过失（案件材料未载明当事人系故意，按过失认定）" in html
    assert 'name="f.work_area" value="reform_pilot"' in html and 'type="checkbox"' in html
    assert 'name="claim" value="pilot_reform_deviation"' in html
    assert 'name="al.0.finding"' in html and 'name="al.1.finding"' not in html
    assert 'hx-post="/rulesets/wanzhou/cases/panel"' in html
    assert 'hx-trigger="change, input delay:400ms"' in html
    assert 'id="empty-state"' in html
    assert "allegation_finding" not in re.findall(r'name="f\.(\w+)"', html)
    assert "/static/cases.css" in html


def test_rows_adds_empty_allegation_rows(client: TestClient) -> None:
    html = client.get("/rulesets/mianyang/cases/new?rows=3", headers=HTML).text
    assert 'name="al.2.finding"' in html and 'name="al.3.finding"' not in html


def test_unknown_ruleset_is_a_404_page(client: TestClient) -> None:
    for path in ("/rulesets/nosuch/cases/new", "/rulesets/..%2Fetc/cases/new"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "RC301" in r.text and "/work" not in r.text
    r = post(client, "/rulesets/nosuch/cases/evaluate", [("id", "X")])
    assert r.status_code == 404 and "出错了" in r.text


# Evaluating: the whole page without JavaScript, the panel alone for htmx.


def test_evaluate_shows_the_form_as_submitted_and_the_panel(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs_of(engine, TOLERATE))
    assert r.status_code == 200
    decision = engine.evaluate(TOLERATE, ruleset="wanzhou")
    assert decision.outcome == "tolerate"
    assert f'data-outcome="{decision.outcome}">{decision.outcome_label}<' in r.text
    assert 'value="WZ-2024-017"' in r.text  # the form is filled as submitted
    assert 'name="f.motive" value="public" checked' in r.text
    for look in decision.looks:
        assert f"<th>{look.label}</th>" in r.text
        assert look.finding_label in r.text
    assert "<html" in r.text


def test_the_panel_is_a_partial_for_htmx(client: TestClient, engine: rongcuo.Engine) -> None:
    pairs = pairs_of(engine, INSUFFICIENT)
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and r.text.lstrip().startswith('<div class="panel-body"')
    decision = engine.evaluate(INSUFFICIENT, ruleset="wanzhou")
    asked = re.findall(r'<li data-fact="(\w+)">', r.text)
    assert asked == [m.id for m in decision.missing_facts]  # the engine's order
    first = decision.missing_facts[0]
    assert first.question and f"问：{first.question}" in r.text
    # without the htmx header the same route answers the whole page
    whole = post(client, "/rulesets/wanzhou/cases/panel", pairs)
    assert whole.status_code == 200 and "<html" in whole.text


def test_presumptions_and_what_would_change_them(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    pairs = [
        (k, v) for k, v in pairs_of(engine, TOLERATE) if k not in ("f.concealment", "f.intent")
    ]
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert r.status_code == 200
    presumed = re.search(r'<ul class="presumed" id="presumed">(.*?)</ul>', r.text, re.S)
    assert presumed is not None
    assert "弄虚作假、隐瞒" in presumed.group(1) and "按“否”认定" in presumed.group(1)
    assert "主观过错形态" in presumed.group(1)


def test_as_of_is_the_day_of_assessment(client: TestClient, engine: rongcuo.Engine) -> None:
    pairs = pairs_of(engine, TOLERATE, as_of="2025-01-06")
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs)
    assert r.status_code == 200 and "认定日期 2025-01-06" in r.text
    assert 'name="as_of" id="in-as_of" value="2025-01-06"' in r.text


def test_case_problems_are_shown_in_the_panel(client: TestClient, engine: rongcuo.Engine) -> None:
    pairs = [("title", "缺编号"), ("f.motive", "public")]
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs)
    assert r.status_code == 422
    assert "出错了" not in r.text and 'id="problems"' in r.text
    words = text_of(r.text)
    assert "请填写案件编号" in words and "请填写失误发生日期" in words
    assert "请填写案件名称" not in words
    assert 'href="#field-id"' in r.text
    assert 'name="f.motive" value="public" checked' in r.text  # the form keeps what was filled
    hx = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert hx.status_code == 200 and 'id="problems"' in hx.text  # htmx swaps only 2xx
    # a fact the case check refuses: named by its label, linked to its place in the form
    bad = [(k, v) for k, v in pairs_of(engine, TOLERATE) if k != "f.loss_yuan"]
    r = post(client, "/rulesets/wanzhou/cases/evaluate", [*bad, ("f.loss_yuan", "许多")])
    assert r.status_code == 422
    assert "事实 · 直接经济损失" in text_of(r.text) and 'href="#fact-loss_yuan"' in r.text
    assert 'value="许多"' in r.text  # what was typed stays in the form


def test_a_bad_as_of_is_a_problem_in_the_panel(client: TestClient, engine: rongcuo.Engine) -> None:
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs_of(engine, TOLERATE, as_of="x"))
    assert r.status_code == 422 and "RC903" in r.text and "认定日期应为日期" in r.text


def test_a_case_before_every_version_is_a_problem_in_the_panel(client: TestClient) -> None:
    pairs = [("id", "X-1"), ("title", "早"), ("incident_date", "1990-01-01")]
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs)
    assert r.status_code == 422 and "RC301" in r.text and 'id="problems"' in r.text


def test_user_text_is_escaped(client: TestClient, engine: rongcuo.Engine) -> None:
    pairs = [(k, v) for k, v in pairs_of(engine, TOLERATE) if k != "title"]
    r = post(client, "/rulesets/wanzhou/cases/evaluate", [*pairs, ("title", "<script>x</script>")])
    assert r.status_code == 200
    assert "<script>x</script>" not in r.text and "&lt;script&gt;x&lt;/script&gt;" in r.text


def test_add_another_row_keeps_what_was_filled(client: TestClient) -> None:
    pairs = [("al.0.id", "A1"), ("al.0.summary", "反映问题"), ("more", "al")]
    r = post(client, "/rulesets/wanzhou/cases/evaluate", pairs)
    assert 'name="al.0.id" value="A1"' in r.text
    assert 'name="al.2.id"' in r.text and 'name="al.3.id"' not in r.text


# Memos and the case file.


def test_memo_docx_download(client: TestClient, engine: rongcuo.Engine) -> None:
    r = post(client, "/rulesets/wanzhou/cases/memo?format=docx", pairs_of(engine, TOLERATE))
    assert r.status_code == 200
    assert r.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    memo = engine.memo(TOLERATE, ruleset="wanzhou", format="docx")
    name = file_name("WZ-2024-017", memo.context.document_title, "decision", "docx")
    assert "容错" in name
    disposition = r.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert unquote(disposition.split("''")[1]) == name
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert "WZ-2024-017" in z.read("word/document.xml").decode("utf-8")


def test_memo_markdown_is_the_librarys(client: TestClient, engine: rongcuo.Engine) -> None:
    r = post(client, "/rulesets/wanzhou/cases/memo?format=md", pairs_of(engine, INSUFFICIENT))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    memo = engine.memo(INSUFFICIENT, ruleset="wanzhou", format="md")
    assert r.content == memo.data


def test_memo_of_a_bad_case_or_format(client: TestClient, engine: rongcuo.Engine) -> None:
    r = post(client, "/rulesets/wanzhou/cases/memo?format=docx", [("id", "X")])
    assert r.status_code == 422 and 'id="problems"' in r.text
    r = post(client, "/rulesets/wanzhou/cases/memo?format=odt", pairs_of(engine, TOLERATE))
    assert r.status_code == 400 and "RC905" in r.text


def test_case_file_round_trip(client: TestClient, engine: rongcuo.Engine, tmp_path: Path) -> None:
    for path in (TOLERATE, CLEARED, EX / "wz-15-job-retention-subsidy-boundary-tolerate.yaml"):
        r = post(client, "/rulesets/wanzhou/cases/download", pairs_of(engine, path))
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("application/yaml")
        assert "attachment" in r.headers["content-disposition"]
        saved = tmp_path / "case.yaml"
        saved.write_bytes(r.content)
        back, _ = engine.load_case(saved)
        case, _ = engine.load_case(path)
        assert back.content_hash() == case.content_hash(), path
        # and rongcuo evaluate decides it as the original
        got = engine.evaluate(saved, ruleset="wanzhou").to_json()
        assert got == engine.evaluate(path, ruleset="wanzhou").to_json()


def test_case_file_of_a_bad_case_is_refused_in_the_panel(client: TestClient) -> None:
    r = post(client, "/rulesets/wanzhou/cases/download", [("title", "缺编号")])
    assert r.status_code == 422 and 'id="problems"' in r.text


# Recording.


def test_record_without_a_store(client: TestClient, engine: rongcuo.Engine) -> None:
    page = client.get("/rulesets/wanzhou/cases/new", headers=HTML).text
    assert 'id="record-button"' not in page
    csrf = client.cookies.get("rc_csrf") or ""
    r = post(client, "/rulesets/wanzhou/cases/record", pairs_of(engine, TOLERATE, csrf=csrf))
    assert r.status_code == 404 and "RC907" in r.text


def test_record_with_a_store(tmp_path: Path, engine: rongcuo.Engine) -> None:
    config = Config(backend="reference", store=tmp_path / "records.sqlite")
    with TestClient(create_app(config)) as c:
        c.get("/rulesets/wanzhou/cases/new", headers=HTML)
        csrf = c.cookies.get("rc_csrf") or ""
        pairs = pairs_of(engine, TOLERATE, csrf=csrf)
        panel = post(c, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
        assert 'id="record-button"' in panel.text
        # and the case can be opened (立案) from the form as it stands
        assert (
            'formaction="/cases/new/from-workspace?ruleset=wanzhou" id="open-case-button"'
            in panel.text
        )
        opened = post(c, "/cases/new/from-workspace?ruleset=wanzhou", pairs)
        assert opened.status_code == 200 and 'id="case-from-workspace"' in opened.text
        r = post(c, "/rulesets/wanzhou/cases/record", pairs)
        assert r.status_code == 200
        found = re.search(r'href="/v1/records/(rc-[0-9a-f]{20})"', r.text)
        assert found is not None and "已记录本次认定" in r.text
        rid = found.group(1)
        stored = c.get(f"/v1/records/{rid}")
        assert stored.status_code == 200
        assert json.loads(stored.text)["record"]["case_id"] == "WZ-2024-017"
        again = post(c, "/rulesets/wanzhou/cases/record", pairs)
        assert again.status_code == 200 and "记录库中已有本次认定" in again.text
        # the cross-site token must be the browser's own
        forged = post(c, "/rulesets/wanzhou/cases/record", pairs_of(engine, TOLERATE, csrf="x"))
        assert forged.status_code == 403 and "RC910" in forged.text


def test_record_needs_sign_in_when_the_service_has_a_token(
    tmp_path: Path, engine: rongcuo.Engine
) -> None:
    token = tmp_path / "token"
    token.write_text("a-token-of-sixteen-chars-or-more\n", encoding="utf-8")
    config = Config(backend="reference", store=tmp_path / "r.sqlite", token_file=token)
    with TestClient(create_app(config)) as c:
        c.get("/rulesets/wanzhou/cases/new", headers=HTML)
        csrf = c.cookies.get("rc_csrf") or ""
        pairs = pairs_of(engine, TOLERATE, csrf=csrf)
        r = post(c, "/rulesets/wanzhou/cases/record", pairs)
        assert r.status_code == 401 and "RC906" in r.text
        # evaluating, memos and the case file stay open
        assert post(c, "/rulesets/wanzhou/cases/evaluate", pairs).status_code == 200
        signin = c.post(
            "/signin",
            data={"token": "a-token-of-sixteen-chars-or-more", "csrf": csrf, "next": "/"},
            headers=HTML,
            follow_redirects=False,
        )
        assert signin.status_code == 303
        r = post(c, "/rulesets/wanzhou/cases/record", pairs)
        assert r.status_code == 200 and "已记录本次认定" in r.text


# Uploading a case file.


def upload(c: TestClient, name: str, content: bytes, **fields: str) -> Any:
    return c.post(
        "/rulesets/wanzhou/cases/upload",
        files={"file": (name, content, "application/octet-stream")},
        data=fields,
        headers=HTML,
    )


def test_upload_yaml_fills_the_form(client: TestClient, engine: rongcuo.Engine) -> None:
    r = upload(client, "wz-08.yaml", INSUFFICIENT.read_bytes())
    assert r.status_code == 200
    assert "已读入案件文件 wz-08.yaml" in r.text
    case, _ = engine.load_case(INSUFFICIENT)
    assert f'id="in-id" value="{case.id}"' in r.text
    assert 'data-outcome="insufficient_facts"' in r.text


def test_upload_json(client: TestClient, engine: rongcuo.Engine) -> None:
    data = yaml.safe_load(TOLERATE.read_text(encoding="utf-8"))
    r = upload(client, "c.json", json.dumps(data, default=str).encode(), as_of="2025-01-06")
    assert r.status_code == 200 and 'data-outcome="tolerate"' in r.text
    assert 'name="as_of" id="in-as_of" value="2025-01-06"' in r.text


def test_bad_uploads(client: TestClient) -> None:
    r = upload(client, "../../etc/broken.yaml", b"id: [unclosed\n")
    assert r.status_code == 422 and 'id="problems"' in r.text
    assert "broken.yaml" in r.text and "../../etc" not in r.text and "/work" not in r.text
    r = upload(client, "x.yaml", b"\xff\xfe")
    assert r.status_code == 422 and "RC001" in r.text
    r = upload(client, "x.yaml", b"- a list\n")
    assert r.status_code == 422 and "RC201" in r.text
    # a fact the ruleset does not declare: located in the file, the form still filled
    text = TOLERATE.read_text(encoding="utf-8").replace("  motive: public", "  motiv: public")
    r = upload(client, "typo.yaml", text.encode())
    assert r.status_code == 422 and "motiv" in r.text and 'id="in-id" value="WZ-2024-017"' in r.text
    assert "未能读入" in r.text
    r = client.post("/rulesets/wanzhou/cases/upload", data={"as_of": ""}, files={}, headers=HTML)
    assert r.status_code in (400, 422)
    r = client.post("/rulesets/wanzhou/cases/upload", content=b"id=x", headers=FORM)
    assert r.status_code == 400 and "multipart" in r.text


def test_upload_is_size_limited() -> None:
    with TestClient(create_app(Config(backend="reference", max_body=2000))) as c:
        r = upload(c, "big.yaml", b"narrative: " + b"x" * 5000 + b"\n")
        assert r.status_code == 413 and "RC901" in r.text
        ok = upload(c, "small.yaml", b"id: S-1\n")
        assert ok.status_code == 422 and 'id="problems"' in ok.text


# A real browser.


def wait_for(browser: Any, condition: Any, timeout: float = 15.0) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def upload_in_browser(browser: Any, base: str, path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/rulesets/{ruleset_of(path)}/cases/new")
    browser.find_element(By.ID, "upload-file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    wait_for(browser, lambda b: b.find_elements(By.ID, "upload-notice"))


@needs_browser
@pytest.mark.parametrize("outcome", list(BY_OUTCOME))
def test_browser_each_outcome(
    browser: Any, web_server: str, engine: rongcuo.Engine, outcome: str
) -> None:
    from selenium.webdriver.common.by import By

    path = BY_OUTCOME[outcome]
    upload_in_browser(browser, web_server, path)
    decision = engine.evaluate(path, ruleset=ruleset_of(path))
    assert decision.outcome == outcome
    shown = browser.find_element(By.ID, "outcome")
    assert shown.get_attribute("data-outcome") == outcome
    assert shown.text == decision.outcome_label
    if outcome == "cleared":
        assert browser.find_element(By.ID, "cleared-note").is_displayed()
        return
    rows = browser.find_elements(By.CSS_SELECTOR, "#looks tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == [
        look.label for look in decision.looks
    ]
    assert [r.find_element(By.TAG_NAME, "td").text.split("\n")[0] for r in rows] == [
        look.finding_label for look in decision.looks
    ]


@needs_browser
def test_browser_fills_facts_and_the_next_question_changes(
    browser: Any, web_server: str, engine: rongcuo.Engine
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{web_server}/rulesets/wanzhou/cases/new")
    for name, value in (("id", "WZ-T-1"), ("title", "浏览器填写"), ("incident_date", "")):
        if value:
            browser.find_element(By.NAME, name).send_keys(value)
    browser.execute_script(
        "const e = document.getElementById('in-incident_date'); e.value = '2024-03-18';"
        "e.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#questions li"))

    def first_question(b: Any) -> str:
        items = b.find_elements(By.CSS_SELECTOR, "#questions li[data-fact]")
        return str(items[0].get_attribute("data-fact")) if items else ""

    asked = first_question(browser)
    assert asked
    # answer the first question the engine asks; the panel asks the next one
    choice = browser.find_element(
        By.CSS_SELECTOR, f"#fact-{asked} .choices input:not([type=hidden])"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", choice)
    choice.click()
    wait_for(browser, lambda b: first_question(b) not in ("", asked))
    still = [
        e.get_attribute("data-fact")
        for e in browser.find_elements(By.CSS_SELECTOR, "#questions li")
    ]
    assert asked not in still  # the answered fact is no longer asked


@needs_browser
def test_browser_shows_the_impact_period_as_a_sanction_is_entered(
    browser: Any, web_server: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    upload_in_browser(browser, web_server, TOLERATE)
    assert not browser.find_elements(By.ID, "impact-period")
    kind = browser.find_element(By.NAME, "sa.0.kind")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", kind)
    Select(kind).select_by_value("gov_warning")
    browser.execute_script(
        "const e = document.getElementsByName('sa.0.decided_on')[0]; e.value = '2024-08-31';"
        "e.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    # 6 months from 31 August: no 31 February, so its last day
    end = wait_for(browser, lambda b: b.find_elements(By.ID, "impact-end"))[0]
    assert end.text == "影响期至2025年2月28日届满。"
    (line,) = browser.find_elements(By.CSS_SELECTOR, "#impact-sanctions li")
    assert line.get_attribute("data-end") == "2025-02-28"
    assert "governing" in str(line.get_attribute("class"))


@needs_browser
def test_browser_downloads_a_docx_memo(browser: Any, web_server: str) -> None:
    from selenium.webdriver.common.by import By

    upload_in_browser(browser, web_server, TOLERATE)
    before = set(browser.downloads.iterdir())
    browser.find_element(By.ID, "memo-docx").click()
    deadline = time.monotonic() + 30
    got: list[Path] = []
    while time.monotonic() < deadline:
        got = [
            p
            for p in set(browser.downloads.iterdir()) - before
            if p.suffix == ".docx" and p.stat().st_size > 0
        ]
        if got:
            break
        time.sleep(0.2)
    assert got, "no DOCX downloaded"
    assert got[0].name.startswith("WZ-2024-017")
    with zipfile.ZipFile(got[0]) as z:
        assert "WZ-2024-017" in z.read("word/document.xml").decode("utf-8")


def test_each_effect_of_a_question_is_said_once(client: TestClient, engine: rongcuo.Engine) -> None:
    path = EX / "my-15-utility-transfer-linkage-loss-unknown-insufficient.yaml"
    pairs = pairs_of(engine, path)
    r = post(client, "/rulesets/mianyang/cases/panel", pairs, **{"HX-Request": "true"})
    decision = engine.evaluate(path, ruleset="mianyang")
    loss = next(m for m in decision.missing_facts if m.id == "loss_yuan")
    lines = {(e.display, e.outcome_label) for e in loss.effects}
    assert len(lines) < len(loss.effects)  # the engine tries two values printed alike
    item = re.search(r'<li data-fact="loss_yuan">(.*?)</ul>', r.text, re.S)
    assert item is not None
    for display, label in lines:
        assert item.group(1).count(f"若为{display} → {label}") == 1


def test_a_form_with_too_many_fields_is_refused(client: TestClient) -> None:
    r = client.post(
        "/rulesets/wanzhou/cases/panel", content="&".join(["a=1"] * 20_001), headers=FORM
    )
    assert r.status_code == 400 and "RC905" in r.text


@needs_browser
def test_browser_marks_a_fact_left_empty_as_it_is_filled(browser: Any, web_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{web_server}/rulesets/wanzhou/cases/new")

    def marked(fact: str) -> bool:
        label = browser.find_element(By.CSS_SELECTOR, f"#fact-{fact} .fact-label")
        after = browser.execute_script(
            "return getComputedStyle(arguments[0], '::after').content", label
        )
        return "未填" in str(after)

    assert marked("concealment") and marked("loss_yuan") and marked("work_area")
    browser.find_element(By.CSS_SELECTOR, "#fact-concealment input[value=false]").click()
    browser.find_element(By.CSS_SELECTOR, "#fact-loss_yuan input.short").send_keys("0")
    browser.find_element(By.CSS_SELECTOR, "#fact-work_area input[value=other]").click()
    assert not marked("concealment") and not marked("loss_yuan") and not marked("work_area")
    assert marked("collusion")


def with_sanction(path: Path) -> bytes:
    """The example ``path`` with a cadre id, two sanctions, the deciding body and the managing
    department (catalogue §12, §13), and a field the form does not know."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["cadre"] = {**data.get("cadre", {}), "id": "cadre-0042"}
    data["sanction"] = [
        {"kind": "party_warning", "decided_on": "2024-05-06"},
        {"kind": "party_probation", "decided_on": "2024-01-31", "months": 12},
    ]
    data["accountability_body"] = {"kind": "discipline_commission", "name": "中共万州区纪委监委"}
    data["managing_department"] = "中共万州区委组织部"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def test_sanctions_and_who_decides_are_fields_and_survive_the_form(
    client: TestClient, engine: rongcuo.Engine, tmp_path: Path
) -> None:
    original = tmp_path / "wz-with-sanction.yaml"
    original.write_bytes(with_sanction(TOLERATE))
    case, _ = engine.load_case(original)
    assert case.sanction and case.cadre and case.cadre.id == "cadre-0042"
    page = upload(client, "with-sanction.yaml", original.read_bytes())
    assert page.status_code == 200
    assert 'id="kept-note"' not in page.text  # shown in fields now, not carried hidden
    assert 'name="cadre.id" id="in-cadre.id" value="cadre-0042"' in page.text
    assert '<option value="discipline_commission" selected>' in page.text
    assert 'value="中共万州区委组织部"' in page.text
    assert '<option value="party_probation" selected>' in page.text
    assert 'name="sa.1.months" value="12"' in page.text
    # the panel: the impact period, the governing end (probation to 2025-01-30, then 24 months)
    assert 'id="impact-period"' in page.text
    assert "至2027年1月30日届满" in page.text and 'data-end="2025-05-05"' in page.text
    r = post(client, "/rulesets/wanzhou/cases/download", pairs_of(engine, original))
    assert r.status_code == 200
    saved = tmp_path / "saved.yaml"
    saved.write_bytes(r.content)
    back, _ = engine.load_case(saved)
    assert back.content_hash() == case.content_hash()
    assert [s.kind for s in back.sanction] == ["party_warning", "party_probation"]
    assert back.managing_department == "中共万州区委组织部"


def test_no_impact_period_without_a_sanction(client: TestClient, engine: rongcuo.Engine) -> None:
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs_of(engine, TOLERATE))
    assert 'id="outcome"' in r.text and 'id="impact-period"' not in r.text


def test_a_half_filled_sanction_is_refused_located(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    pairs = [*pairs_of(engine, TOLERATE), ("sa.0.kind", "party_probation")]
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert 'id="problems"' in r.text and 'id="impact-period"' not in r.text
    assert 'href="#field-sanction">处分或组织处理 · 第 1 项' in r.text
    assert "sanction.0.decided_on" in r.text and "RC004" in r.text
    pairs = [*pairs_of(engine, TOLERATE), ("body.name", "某委")]
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert 'href="#field-accountability_body">问责机关' in r.text
    assert "accountability_body.kind" in r.text


def test_a_field_the_form_does_not_know_still_survives(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    values = from_case({"id": "X", "future_field": {"a": 1}}, engine.ruleset("wanzhou", ON_DAY))
    assert values["kept"] == ['{"case": {"future_field": {"a": 1}}}']


def test_a_tampered_kept_field_is_refused_not_dropped(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    pairs = [*pairs_of(engine, TOLERATE), ("kept", '{"salary": 1}')]
    r = post(client, "/rulesets/wanzhou/cases/panel", pairs, **{"HX-Request": "true"})
    assert 'id="problems"' in r.text and "kept" in r.text
