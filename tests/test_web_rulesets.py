"""The ruleset pages (web/ruleset_pages.py): a ruleset read as policy text and one page per rule,
through the ASGI client (every route, every error state, escaping, coverage as ``rongcuo test``
computes it) and in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

pytest.importorskip(
    "fastapi", reason="the service extra is not installed: pip install 'rongcuo[service]'"
)
from fastapi.testclient import TestClient

import rongcuo
from rongcuo.authoring.testrun import run_scenarios, scenario_files
from rongcuo.ruleset.library import bundled_dir
from rongcuo.ruleset.prose import condition_zh
from rongcuo.service.app import Config, create_app

from .browser_support import needs_browser

HTML = {"Accept": "text/html"}
ROOT = Path(__file__).resolve().parent.parent

#: A ruleset of the tests' own: markup in every text it declares, one situation, one scenario
#: (so its coverage is partial).
ESCAPE_YAML = """\
id: escape
title: 转义<测试>规则集
jurisdiction: 测试地<区>
version: "2024"
effective_from: 2024-01-01
extends: national
description: 用于测试 <b>转义</b> & 覆盖率
documents:
  - id: esc_doc
    title: 《<测试>办法》
rules:
  - id: esc_situation
    kind: situation
    label: 出于公心<i>改革</i>
    when:
      all:
        - {fact: in_reform_or_pilot, eq: true}
        - {fact: motive, eq: public}
    cite: {doc: esc_doc, clause: 第一条, text: "<script>alert(1)</script>出于公心的"}
"""
ESCAPE_FEATURE = """\
# language: zh-CN
功能: 一个场景
  场景: 出于公心的改革
    假如 一个新案件
    并且 事项所属领域为 "其他"
    并且 动机为 "出于公心"
    并且 属改革、先行先试事项为 "是"
    并且 依规应当集体研究为 "否"
    并且 直接经济损失为 "0"
    当 按 "escape" 规则集认定
    那么 结论为 "予以容错免责"
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of rulesets holding ``escape``."""
    base = tmp_path_factory.mktemp("rulesets")
    (base / "escape" / "scenarios").mkdir(parents=True)
    (base / "escape" / "2024.yaml").write_text(ESCAPE_YAML, encoding="utf-8")
    (base / "escape" / "scenarios" / "one.feature").write_text(ESCAPE_FEATURE, encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def client(local: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(backend="reference", rulesets=(local,)))) as c:
        yield c


@pytest.fixture(scope="module")
def engine(local: Path) -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine([local], backend="reference") as e:
        yield e


@pytest.fixture(scope="module")
def pages(client: TestClient) -> dict[str, str]:
    """The page of each bundled ruleset, fetched once."""
    out = {}
    for rid in ("national", "wanzhou", "mianyang", "escape"):
        r = client.get(f"/rulesets/{rid}", headers=HTML)
        assert r.status_code == 200, r.text[:500]
        assert r.headers["content-type"].startswith("text/html")
        out[rid] = r.text
    return out


def newest(engine: rongcuo.Engine, rid: str) -> Any:
    return engine.ruleset(rid, engine.newest_day(rid))


def card(page: str, rule_id: str) -> str:
    """The card of one rule on a ruleset page."""
    found = re.search(
        rf'<article class="rule card" id="rule-{rule_id}">(.*?)</article>', page, re.S
    )
    assert found, f"no card for {rule_id}"
    return found.group(1)


# --- the ruleset page -------------------------------------------------------------------


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_the_page_shows_every_rule_with_its_condition_and_clause(
    pages: dict[str, str], engine: rongcuo.Engine, rid: str
) -> None:
    page = pages[rid]
    rs = newest(engine, rid)
    assert page.count('<article class="rule card"') == len(rs.rules)
    for rule in rs.rules.values():
        one = card(page, rule.id)
        assert f'href="/rulesets/{rid}/rules/{rule.id}"' in one
        assert str(escape(rule.label)) in one
        assert str(escape(condition_zh(rule.when, rs))) in one
        assert rule.cite is not None, rule.id
        assert str(escape(rule.cite.text)) in one and str(escape(rule.cite.clause)) in one
        assert str(escape(rs.documents[rule.cite.doc].title)) in one


def test_the_page_reads_in_the_order_of_policy_text(pages: dict[str, str]) -> None:
    page = pages["wanzhou"]
    main = page.split('<nav class="toc')[0], page.split('<section id="versions">')[1]
    assert "万州区容错纠错实施办法" in main[0] and "2018（最新版本）" in main[0]
    assert "2018-01-01 起" in main[0]
    headings = re.findall(r"<h2>([^<]+)", main[1])
    wanted = [
        "依据文件",
        "容错情形",
        "不予容错情形",
        "容错条件",
        "从轻、减轻问责情形",
        "从重、加重问责情形",
        "六看",
        "三个区分开来",
        "认定顺序",
        "程序与期限",
        "澄清正名",
        "认定结果",
    ]
    shown = [h.strip() for h in headings]
    assert [h for h in shown if h in wanted] == wanted
    # the six looks, each with its question; the decision order step by step
    for look in (
        "看动机态度",
        "看客观条件",
        "看程序方法",
        "看性质程度",
        "看后果影响",
        "看挽回损失",
    ):
        assert f". {look}</h3>" in page
    steps = [int(s) for s in re.findall(r'<span class="step">第 (\d+) 步</span>', page)]
    assert steps == sorted(steps) and steps[0] == 0 and len(steps) == 8


def test_a_local_measure_lists_its_own_situations_first_in_clause_order(
    pages: dict[str, str], engine: rongcuo.Engine
) -> None:
    section = pages["wanzhou"].split('<section id="situations">')[1].split("</section>")[0]
    shown = re.findall(r'<article class="rule card" id="rule-([a-z_0-9]+)">', section)
    (top,) = engine.library.versions("wanzhou").files
    own = [r.id for r in top.rules if r.kind == "situation"]
    assert len(own) == 14 and shown[:14] == own
    assert set(shown[14:]) == {
        "dissent_recorded_in_collective_decision",
        "objected_superior_decision",
        "other_committee_recognised",
    }


def test_inherited_replacing_and_own_rules_say_where_they_come_from(
    pages: dict[str, str],
) -> None:
    page = pages["wanzhou"]
    inherited = card(page, "due_diligence")
    assert "继承自" in inherited and 'href="/rulesets/national"' in inherited
    replacing = card(page, "force_majeure_after_due_diligence")
    assert "替换" in replacing and "national" in replacing and "第五条第（九）项" in replacing
    own = card(page, "pilot_reform_deviation")
    assert "本规则集定义" in own and "继承自" not in own
    assert "本规则集定义" in card(pages["national"], "due_diligence")
    # the procedure is national's; its parameters with their values and clauses
    assert '程序继承自 <a href="/rulesets/national">national</a>' in page
    assert "15个工作日" in page and "程序第二步" in page


def test_a_situation_reads_in_plain_chinese(pages: dict[str, str]) -> None:
    one = card(pages["wanzhou"], "pilot_reform_deviation")
    assert "属改革、先行先试事项，且事项所属领域为改革试点" in one
    assert "in_reform_or_pilot" not in one and "work_area" not in one


def test_the_page_links_to_new_case_and_edit(pages: dict[str, str]) -> None:
    for rid in ("wanzhou", "national"):
        assert f'href="/rulesets/{rid}/cases/new">新建案件</a>' in pages[rid]
        assert f'href="/rulesets/{rid}/edit">编辑</a>' in pages[rid]


def test_the_version_list_and_a_version_asked_for(
    client: TestClient, pages: dict[str, str], engine: rongcuo.Engine
) -> None:
    rs = newest(engine, "wanzhou")
    digest = rs.content_hash.removeprefix("sha256:")[:12]
    assert 'href="/rulesets/wanzhou?version=2018">2018</a>' in pages["wanzhou"]
    assert f"<code>{digest}</code>" in pages["wanzhou"]
    asked = client.get("/rulesets/wanzhou", params={"version": "2018"}, headers=HTML)
    assert asked.status_code == 200 and f"<code>{digest}</code>" in asked.text
    # links from a version asked for keep it
    assert 'href="/rulesets/wanzhou/rules/pilot_reform_deviation?version=2018"' in asked.text


def test_htmx_gets_the_body_alone(client: TestClient) -> None:
    r = client.get("/rulesets/wanzhou?version=2018", headers={"HX-Request": "true", **HTML})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="ruleset-body"') and "<html" not in r.text
    assert r.text.count('<article class="rule card"') > 60


def test_the_coverage_is_what_rongcuo_test_computes(
    pages: dict[str, str], engine: rongcuo.Engine, local: Path
) -> None:
    for rid, folder in (("wanzhou", bundled_dir() / "wanzhou"), ("escape", local / "escape")):
        report = run_scenarios(engine, rid, scenario_files(folder))
        (cov,) = report.coverage
        figure = f"{cov.covered}/{cov.total} 条规则（{cov.percent:.1f}%）"
        assert figure in pages[rid], (rid, figure)
        assert f"<strong>{cov.covered}/{cov.total}</strong>" in pages[rid]
    # the local ruleset's one scenario leaves rules uncovered: each is listed and marked
    (cov,) = run_scenarios(engine, "escape", scenario_files(local / "escape")).coverage
    assert 0 < cov.covered < cov.total
    for u in cov.uncovered:
        assert f'href="/rulesets/escape/rules/{u.id}"' in pages["escape"]
        assert "场景未覆盖" in card(pages["escape"], u.id)
    assert "场景已覆盖" in card(pages["escape"], "esc_situation")


def test_the_scenarios_run_once_per_content_hash(client: TestClient) -> None:
    loader = client.app.state.ruleset_pages  # type: ignore[attr-defined]
    client.get("/rulesets/mianyang", headers=HTML)
    runs = loader.coverage.runs
    for path in ("/rulesets/mianyang", "/rulesets/mianyang/rules/pilot_reform_deviation"):
        assert client.get(path, headers=HTML).status_code == 200
    assert loader.coverage.runs == runs


def test_no_server_path_on_a_page(pages: dict[str, str], local: Path, client: TestClient) -> None:
    rule = client.get("/rulesets/escape/rules/esc_situation", headers=HTML).text
    for text in (*pages.values(), rule):
        assert str(local) not in text and str(ROOT) not in text and ".yaml" not in text
    assert "scenarios/one.feature 第 3 行" in rule


# --- escaping -----------------------------------------------------------------------------


def test_every_text_of_a_ruleset_is_escaped(pages: dict[str, str], client: TestClient) -> None:
    rule = client.get("/rulesets/escape/rules/esc_situation", headers=HTML).text
    for page in (pages["escape"], rule):
        assert "<script>alert(1)" not in page and "<i>改革</i>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;出于公心的" in page
        assert "出于公心&lt;i&gt;改革&lt;/i&gt;" in page
        assert "《&lt;测试&gt;办法》" in page
    assert "转义&lt;测试&gt;规则集" in pages["escape"] and "<b>转义</b>" not in pages["escape"]
    assert "测试地&lt;区&gt;" in pages["escape"]


def test_an_odd_rule_id_is_escaped_on_the_error_page(client: TestClient) -> None:
    r = client.get("/rulesets/wanzhou/rules/%3Cscript%3Ealert(1)%3Cb%3E", headers=HTML)
    assert r.status_code == 404 and "没有规则" in r.text
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)&lt;b&gt;" in r.text


# --- error states -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/rulesets/nowhere", "没有规则集 &#39;nowhere&#39;"),
        ("/rulesets/Bad..Id", "没有规则集"),
        ("/rulesets/nowhere/rules/due_diligence", "没有规则集 &#39;nowhere&#39;"),
        ("/rulesets/wanzhou?version=1999", "没有版本 &#39;1999&#39;（现有版本：2018）"),
        ("/rulesets/wanzhou/rules/due_diligence?version=1999", "没有版本 &#39;1999&#39;"),
        ("/rulesets/wanzhou/rules/no_such_rule", "没有规则 &#39;no_such_rule&#39;"),
    ],
)
def test_unknown_ruleset_version_or_rule_is_a_404_page(
    client: TestClient, path: str, words: str
) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "出错了（404）" in r.text and words in r.text and "RC301" in r.text


def test_an_api_client_gets_json_errors(client: TestClient) -> None:
    r = client.get("/rulesets/wanzhou/rules/no_such_rule", headers={"Accept": "*/*"})
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "RC301"


# --- the rule page ------------------------------------------------------------------------


def test_a_rule_page_shows_the_rule_what_it_reads_and_what_reads_it(
    client: TestClient, engine: rongcuo.Engine
) -> None:
    r = client.get("/rulesets/wanzhou/rules/due_diligence", headers=HTML)
    assert r.status_code == 200
    page = r.text
    rs = newest(engine, "wanzhou")
    rule = rs.rules["due_diligence"]
    assert f"<h1>{rule.label}</h1>" in page and "容错条件" in page
    assert str(escape(condition_zh(rule.when, rs))) in page
    assert rule.cite is not None and str(escape(rule.cite.text)) in page
    assert "继承自" in page
    # it reads one fact; every rule that reads it links here
    assert rs.facts["dereliction"].label in page and rs.facts["dereliction"].question in page
    readers = sorted(rid for rid, deps in rs.graph.reads.items() if "due_diligence" in deps)
    assert readers and "force_majeure_after_due_diligence" in readers
    for rid in readers:
        assert f'href="/rulesets/wanzhou/rules/{rid}"' in page


def test_a_rule_page_lists_the_scenarios_that_make_it_hold(client: TestClient) -> None:
    page = client.get("/rulesets/wanzhou/rules/principled_reform_backlash", headers=HTML).text
    assert "场景已覆盖" in page
    assert "五桥实验学校一例" in page  # the scenario's own name
    assert "scenarios/situations.feature 第" in page
    found = re.search(r"使本规则成立的场景（(\d+)）", page)
    assert found and int(found.group(1)) >= 1
    # and a scenario that found it false
    assert "认定本规则不成立的场景" in page and "夹带私心" in page


def test_a_rule_page_of_a_replacing_rule_shows_the_rule_it_replaces(client: TestClient) -> None:
    page = client.get(
        "/rulesets/wanzhou/rules/force_majeure_after_due_diligence", headers=HTML
    ).text
    assert "所替换的 national 规则" in page
    assert "第十七条第一款第（三）项" in page and "第五条第（九）项" in page
    assert "条件与 national 相同" in page


def test_a_rule_outside_the_coverage_says_so(client: TestClient) -> None:
    page = client.get("/rulesets/national/rules/d1_tolerable", headers=HTML).text
    assert "本种类的规则不计入覆盖率" in page and "三个区分开来的认定规则" in page


# --- in a real browser --------------------------------------------------------------------


@needs_browser
def test_a_browser_reads_a_situation_and_opens_its_rule_page(browser: Any, web_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{web_server}/rulesets/wanzhou")
    assert browser.find_element(By.TAG_NAME, "h1").text == "万州区容错纠错实施办法"
    figure = browser.find_element(By.CSS_SELECTOR, ".coverage-figure").text
    assert re.fullmatch(r"\d+/\d+ 条规则（[\d.]+%）", figure)
    one = browser.find_element(By.ID, "rule-pilot_reform_deviation")
    assert (
        "属改革、先行先试事项，且事项所属领域为改革试点"
        in one.find_element(By.CSS_SELECTOR, "p.cond").text
    )
    link = one.find_element(By.CSS_SELECTOR, "a.label")
    label = link.text
    browser.execute_script("arguments[0].scrollIntoView()", link)
    link.click()
    WebDriverWait(browser, 10).until(ec.url_contains("/rules/pilot_reform_deviation"))
    assert browser.find_element(By.TAG_NAME, "h1").text == label
    assert "场景已覆盖" in browser.find_element(By.ID, "scenarios").text
    # the page fits a narrow window: nothing runs off to the side
    browser.set_window_size(420, 900)
    try:
        for path in ("/rulesets/wanzhou", "/rulesets/wanzhou/rules/order_tolerate"):
            browser.get(web_server + path)
            wide = browser.execute_script(
                "return document.documentElement.scrollWidth > window.innerWidth"
            )
            assert not wide, path
    finally:
        browser.set_window_size(1366, 900)


@needs_browser
def test_a_browser_picks_a_version_with_htmx(browser: Any, web_server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{web_server}/rulesets/national")
    marker = "swapped"
    browser.execute_script(f"document.getElementById('ruleset-body').dataset.old = '{marker}'")
    browser.execute_script("window.rcMark = 'kept'")
    button = browser.find_element(By.CSS_SELECTOR, ".version-pick button")
    browser.execute_script("arguments[0].scrollIntoView()", button)
    button.click()
    # htmx swaps the body in place (the old element is gone) and puts the version in the URL
    WebDriverWait(browser, 10).until(lambda d: "version=2019" in d.current_url)
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "ruleset-body").get_attribute("data-old") is None
    )
    # no page load happened: a mark left on the window is still there
    assert browser.execute_script("return window.rcMark") == "kept"
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("容错纠错国家层面基线")
    assert len(browser.find_elements(By.CSS_SELECTOR, "article.rule")) > 40
