"""The case procedure pages (web/procedure_pages.py): through the ASGI client, opening a case by
upload and from the case workspace, every form's change, the 经办人 remembered, the refusals
(no actor, another site's form, a stale form kept as filled); then a real browser running a case
from application to filing and appeal, watching each deadline and the status change, an
overdue case flagged in the list, and a stale form showing the conflict."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from fastapi.testclient import TestClient

import rongcuo
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.service.app import create_app
from rongcuo.service.core import Config

from .browser_support import needs_browser
from .conftest import ROOT
from .service_server import running_server

HTML = {"Accept": "text/html"}
EX = ROOT / "examples"
CASE = "WZ-2024-017"
LATE = "WZ-2024-031"
BODY = "中共重庆市万州区纪委"
DEPARTMENT = "中共重庆市万州区委组织部"


def case_text(path: Path) -> str:
    """The example, with the body that decides it and the department it is filed with."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["accountability_body"] = {"kind": "discipline_commission", "name": BODY}
    data["managing_department"] = DEPARTMENT
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def text_of(html: str) -> str:
    """The page's text without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    config = Config(backend="reference", store=tmp_path / "cases.sqlite3")
    with TestClient(create_app(config)) as c:
        c.get("/cases/new", headers=HTML)  # the cross-site token cookie
        yield c


def csrf(c: TestClient) -> str:
    return str(c.cookies.get("rc_csrf"))


def open_by_upload(
    c: TestClient, path: Path = EX / "wz-01-pilot-tolerate.yaml", **more: str
) -> Any:
    fields = {
        "csrf": csrf(c),
        "ruleset": "wanzhou",
        "opened_by": "application",
        "on": "2025-09-22",
        "applied_on": "2025-09-19",
        "inquiry_notified_on": "2025-09-16",
        "actor": "李四",
        **more,
    }
    files = {"file": (path.name, case_text(path).encode())}
    return c.post("/cases/new", data=fields, files=files, headers=HTML, follow_redirects=False)


def act(c: TestClient, action: str, version: int, case: str = CASE, **fields: str) -> Any:
    data = {"csrf": csrf(c), "version": str(version), "as_of": "", "actor": "李四", **fields}
    return c.post(f"/cases/{case}/{action}", data=data, headers=HTML, follow_redirects=False)


def test_open_by_upload_then_each_form(client: TestClient) -> None:
    c = client
    r = open_by_upload(c)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{CASE}"
    assert "rc_actor" in r.headers["set-cookie"]
    page = c.get(f"/cases/{CASE}?as_of=2025-09-30", headers=HTML).text
    words = text_of(page)
    assert "状态： 调查核实" in words
    assert "自受理申请或启动程序之日（2025-09-22）起 15 个工作日 · 期限 2025-10-17" in words
    assert "剩 17 天" in words  # 30 Sep to 17 Oct
    assert 'value="李四"' in page  # the 经办人 remembered by this browser
    assert 'name="version" value="1"' in page
    assert (
        act(c, "extend", 1, step="investigate", on="2025-10-15", reason="情况复杂").status_code
        == 303
    )
    assert act(c, "event", 2, event="investigated", on="2025-11-05").status_code == 303
    assert act(c, "decide", 3, on="2025-11-06").status_code == 303
    page = c.get(f"/cases/{CASE}?as_of=2025-11-07", headers=HTML).text
    words = text_of(page)
    assert "已延长至 2025-11-07（情况复杂）" in words
    assert f"由 {BODY} 认定为 予以容错免责" in words
    proposal = re.search(r'href="/v1/records/(rc-[0-9a-f]{20})"', page)
    assert proposal is not None
    assert c.get(f"/v1/records/{proposal.group(1)}").json()["reviews"][0]["deciding_body"] == BODY
    assert 'id="decide-form"' not in page  # decided once
    assert act(c, "event", 4, event="notice_received", on="2025-11-10").status_code == 303
    assert act(c, "event", 5, event="filed", on="2025-11-11").status_code == 303
    assert act(c, "correction", 6, id="c1", what="补充台账", due="2025-11-30").status_code == 303
    assert act(c, "correction_done", 7, id="c1", on="2025-11-20").status_code == 303
    assert act(c, "note", 8, text="归档").status_code == 303
    words = text_of(c.get(f"/cases/{CASE}?as_of=2025-11-21", headers=HTML).text)
    assert f"备案：2025-11-11 报 {DEPARTMENT} 备案" in words
    assert "状态： 申诉期间" in words
    assert "哈希链完好（第 9 版" in words
    assert "补充台账" in words and "2025-11-20" in words


def test_the_list_flags_overdue_and_filters(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    late = EX / "wz-03-legacy-partial-mitigate.yaml"
    assert open_by_upload(c, late, opened_by="own_motion", applied_on="").status_code == 303
    assert act(c, "event", 1, event="investigated", on="2025-10-09").status_code == 303
    page = c.get("/cases?as_of=2025-10-20", headers=HTML).text
    late_row = re.search(rf'<tr class="([^"]*)" data-case="{LATE}">(.*?)</tr>', page, re.S)
    good_row = re.search(rf'<tr class="([^"]*)" data-case="{CASE}">(.*?)</tr>', page, re.S)
    assert late_row is not None and good_row is not None
    assert late_row.group(1) == "overdue" and "逾期 3 天" in late_row.group(2)
    assert good_row.group(1) == "" and "研究认定" in good_row.group(2)
    assert '逾期 <strong class="error">1</strong> 件' in page
    only = c.get("/cases?as_of=2025-10-20&overdue=1", headers=HTML).text
    assert f'data-case="{LATE}"' in only and f'data-case="{CASE}"' not in only
    assert c.get("/cases?as_of=someday", headers=HTML).status_code == 400


def test_a_stale_form_shows_the_conflict_and_keeps_what_was_filled(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    assert act(c, "note", 1, text="甲先登记", actor="甲").status_code == 303
    r = act(c, "event", 1, event="investigated", on="2025-10-09", note="乙的备注", actor="乙")
    assert r.status_code == 409
    assert "已被他人修改" in r.text and "按第 1 版填写" in r.text and "现为第 2 版" in r.text
    assert 'value="乙的备注"' in r.text and 'value="2025-10-09"' in r.text  # not lost
    assert 'name="version" value="2"' in r.text  # resubmitting is made from the new version
    assert "RC710" in r.text
    words = text_of(c.get(f"/cases/{CASE}", headers=HTML).text)
    assert "调查核实完毕之日（已登记）" not in words  # nothing was written


def test_refusals_keep_the_form(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    r = act(c, "event", 1, event="investigated", on="2025-10-09", note="没写经办人", actor="")
    assert r.status_code == 422 and "请填写经办人" in r.text and 'value="没写经办人"' in r.text
    r = act(c, "event", 1, event="investigated", on="2025-09-01")
    assert r.status_code == 422 and "RC715" in r.text
    r = act(c, "extend", 1, step="investigate", on="2025-10-10")
    assert r.status_code == 422 and "RC722" in r.text and "payload.reason" in r.text
    data = {"csrf": "wrong", "version": "1", "actor": "甲", "text": "x"}
    r = c.post(f"/cases/{CASE}/note", data=data, headers=HTML)
    assert r.status_code == 403 and "RC910" in r.text
    r = open_by_upload(c)
    assert r.status_code == 409 and "RC711" in r.text and "未能立案" in r.text
    r = c.post(
        "/cases/new", data={"csrf": csrf(c), "actor": "甲"}, files={"x": ("", b"")}, headers=HTML
    )
    assert r.status_code == 422 and "请选择一个案件文件" in r.text
    assert c.get("/cases/NOPE", headers=HTML).status_code == 404
    assert act(c, "nonsense", 1).status_code == 404


def test_from_the_case_workspace(client: TestClient) -> None:

    from .test_web_cases import pairs_of

    with rongcuo.Engine(backend="reference") as engine:
        pairs = pairs_of(engine, EX / "wz-01-pilot-tolerate.yaml")
    r = client.post(
        "/cases/new/from-workspace?ruleset=wanzhou",
        content=urlencode(pairs),
        headers={**HTML, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and 'id="case-from-workspace"' in r.text
    carried = re.search(r'name="case_json" value="([^"]*)"', r.text)
    assert carried is not None
    fields = {
        "csrf": csrf(client),
        "case_json": html.unescape(carried.group(1)),
        "ruleset": "wanzhou",
        "opened_by": "own_motion",
        "on": "2025-09-22",
        "actor": "李四",
    }
    r = client.post(
        "/cases/new", data=fields, files={"x": ("", b"")}, headers=HTML, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{CASE}"


def test_without_a_store_the_pages_say_so() -> None:
    with TestClient(create_app(Config(backend="reference"))) as c:
        r = c.get("/cases", headers=HTML)
        assert r.status_code == 404 and "RC907" in r.text
        assert "未配置记录库" in c.get("/cases/new", headers=HTML).text
        assert 'href="/cases">案件</a>' in c.get("/", headers=HTML).text


# --- a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("procedure")
    for name in ("wz-01-pilot-tolerate.yaml", "wz-03-legacy-partial-mitigate.yaml"):
        (work / name).write_text(case_text(EX / name), encoding="utf-8")
    with running_server("--backend", "reference", "--store", str(work / "s.sqlite3")) as base:
        yield base, work


def set_value(driver: Any, element: Any, value: str) -> None:
    """Fill a field (a date input by script: typing one depends on the browser's locale)."""
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


def submit(driver: Any, form_id: str, **values: str) -> None:
    from selenium.webdriver.common.by import By

    form = driver.find_element(By.ID, form_id)
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            driver.execute_script("arguments[0].value = arguments[1];", field, value)
        else:
            set_value(driver, field, value)
    old = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))


def step_text(driver: Any, step: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, f'li[data-step="{step}"]').text)


@needs_browser
@pytest.mark.slow
def test_an_officer_runs_a_case_in_the_browser(browser: Any, served: tuple[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    base, work = served
    d = browser
    cal = OfficialCalendar()
    page = f"{base}/cases/{CASE}"

    def status() -> str:
        return str(d.find_element(By.ID, "case-status").text)

    d.get(f"{base}/cases/new")
    d.find_element(By.ID, "case-file").send_keys(str(work / "wz-01-pilot-tolerate.yaml"))
    submit(
        d,
        "open-form",
        on="2025-09-22",
        applied_on="2025-09-19",
        inquiry_notified_on="2025-09-16",
        actor="李四",
    )
    assert d.current_url == page

    d.get(f"{page}?as_of=2025-09-30")
    assert status() == "调查核实"
    assert "期限 2025-10-17" in step_text(d, "investigate") and "剩 17 天" in step_text(
        d, "investigate"
    )
    assert (
        d.find_element(By.CSS_SELECTOR, "#event-form input[name=actor]").get_attribute("value")
        == "李四"
    )
    submit(d, "event-form", event="investigated", on="2025-10-09")
    assert status() == "研究认定" and "2025-10-09 完成" in step_text(d, "investigate")

    d.get(f"{page}?as_of=2025-10-10")
    submit(d, "decide-form", on="2025-10-10")
    notify_due = cal.add_working_days(dt.date(2025, 10, 10), 5)
    assert notify_due == dt.date(2025, 10, 16)  # 11 Oct, a Saturday, is a make-up working day
    assert status() == "结果反馈"
    assert f"期限 {notify_due}" in step_text(d, "notify")
    decision = d.find_element(By.ID, "decision").text
    assert BODY in decision and "予以容错免责" in decision
    assert (
        d.find_element(By.ID, "proposal-link")
        .get_attribute("href")
        .startswith(f"{base}/v1/records/rc-")
    )

    d.get(f"{page}?as_of=2025-10-13")
    submit(d, "event-form", event="notice_received", on="2025-10-13")
    assert status() == "报组织部门备案"
    appeal_due = cal.add_working_days(dt.date(2025, 10, 13), 15)
    assert f"期限 {appeal_due}" in step_text(d, "appeal")

    d.get(f"{page}?as_of=2025-10-14")
    submit(d, "event-form", event="filed", on="2025-10-14")
    assert d.find_element(By.ID, "filing").text == f"备案：2025-10-14 报 {DEPARTMENT} 备案"
    assert status() == "申诉期间"

    d.get(f"{page}?as_of=2025-10-20")
    submit(d, "event-form", event="appealed", on="2025-10-20")
    assert status() == "复核"
    review_due = cal.add_working_days(dt.date(2025, 10, 20), 15)
    assert f"期限 {review_due}" in step_text(d, "appeal_review")

    d.get(f"{page}?as_of=2025-11-05")
    submit(d, "event-form", event="review_decided", on="2025-11-05", result="upheld")
    assert status() == "已办结"
    assert all(
        "已完成" in step_text(d, s) for s in ("investigate", "notify", "file", "appeal_review")
    )
    log = d.find_element(By.ID, "audit-log").text
    assert log.count("李四") == 7 and "哈希链完好（第 7 版" in d.find_element(By.ID, "chain").text


@needs_browser
@pytest.mark.slow
def test_an_overdue_case_is_flagged_and_a_stale_form_is_kept(
    browser: Any, served: tuple[str, Path]
) -> None:
    from selenium.webdriver.common.by import By

    base, work = served
    d = browser
    d.get(f"{base}/cases/new")
    d.find_element(By.ID, "case-file").send_keys(str(work / "wz-03-legacy-partial-mitigate.yaml"))
    d.find_element(By.CSS_SELECTOR, 'input[name="opened_by"][value="own_motion"]').click()
    submit(d, "open-form", on="2025-09-22")
    d.get(f"{base}/cases?as_of=2025-11-05")
    late = d.find_element(By.CSS_SELECTOR, f'tr[data-case="{LATE}"]')
    assert late.get_attribute("class") == "overdue" and "调查核实（已逾期）" in late.text
    red = late.find_element(By.CSS_SELECTOR, "td.status").value_of_css_property("color")
    assert red == "rgba(158, 27, 27, 1)"
    for done in d.find_elements(By.CSS_SELECTOR, f'tr[data-case="{CASE}"]'):  # run above
        assert done.get_attribute("class") == "closed" and "已办结" in done.text
    d.find_element(By.CSS_SELECTOR, 'input[name="overdue"]').click()
    submit(d, "case-filter")
    assert [
        r.get_attribute("data-case") for r in d.find_elements(By.CSS_SELECTOR, "tr[data-case]")
    ] == [LATE]

    # a stale form: someone else records a note while this page is open
    d.get(f"{base}/cases/{LATE}?as_of=2025-11-05")
    request = urllib.request.Request(
        f"{base}/v1/cases/{LATE}/notes",
        data=json.dumps({"text": "他人的备注", "actor": "王五"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
    submit(d, "event-form", event="investigated", on="2025-10-30", note="本人的备注")
    assert d.find_element(By.ID, "conflict").text.startswith("已被他人修改")
    kept = d.find_element(By.CSS_SELECTOR, "#event-form input[name=note]").get_attribute("value")
    assert kept == "本人的备注"
    submit(d, "event-form")  # resubmitted, now from the version it shows
    assert not d.find_elements(By.ID, "conflict")
    shown = step_text(d, "investigate")
    assert "已完成（超过期限）" in shown and "2025-10-30 完成" in shown


def test_the_case_page_shows_the_cadres_warning_history_and_records_one(
    client: TestClient, tmp_path: Path
) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    page = c.get(f"/cases/{CASE}", headers=HTML).text
    assert "未写明干部的稳定标识" in page and 'id="warning-form"' not in page
    # the same cadre on another case, with an id: its warnings are the cadre's history
    other = yaml.safe_load((EX / "wz-04-private-gain-not-tolerate.yaml").read_text("utf-8"))
    other["cadre"] = dict(other.get("cadre") or {}, id="C-31")
    path = tmp_path / "wz-04.yaml"
    path.write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    assert open_by_upload(c, path, opened_by="own_motion", applied_on="").status_code == 303
    cid = str(other["id"])
    page = c.get(f"/cases/{cid}", headers=HTML).text
    assert 'id="warning-form"' in page and "尚无问责预警记录" in page
    r = act(
        c, "warning", 1, case=cid, level="2", form="书面提醒函询", on="2025-10-09", by="区委组织部"
    )
    assert r.status_code == 303
    words = text_of(c.get(f"/cases/{cid}", headers=HTML).text)
    assert "2025-10-09 2 级 书面提醒函询 区委组织部" in words
    assert c.get(f"/v1/cases/{cid}").json()["warning_history"][0]["level"] == 2


def test_the_case_page_shows_the_impact_period_of_its_sanctions(
    client: TestClient, tmp_path: Path
) -> None:
    data = yaml.safe_load((EX / "wz-04-private-gain-not-tolerate.yaml").read_text("utf-8"))
    data["sanction"] = [
        {"kind": "party_warning", "decided_on": "2025-03-01"},
        {"kind": "resign_ordered", "decided_on": "2025-01-31"},
    ]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert open_by_upload(client, path, opened_by="own_motion", applied_on="").status_code == 303
    words = text_of(client.get(f"/cases/{data['id']}", headers=HTML).text)
    # 24 months from 2025-01-31 end on 2027-01-30 (and 12 without a post on 2026-01-30); the
    # warning's 12 months from 2025-03-01 end on 2026-02-28: the resignation governs
    assert "影响期：至 2027-01-30 止（以责令辞职、引咎辞职为准）" in words
    assert "党内警告（2025-03-01 作出）：12 个月，至 2026-02-28 止" in words
    assert "其中至 2026-01-30 止不得安排职务" in words


def test_visits_are_planned_from_the_page(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    assert 'id="visit-plan-form"' not in c.get(f"/cases/{CASE}", headers=HTML).text
    assert act(c, "event", 1, event="investigated", on="2025-10-09").status_code == 303
    assert act(c, "decide", 2, on="2025-10-10").status_code == 303
    assert 'id="visit-plan-form"' in c.get(f"/cases/{CASE}", headers=HTML).text
    assert act(c, "visit_plan", 3).status_code == 303
    words = text_of(c.get(f"/cases/{CASE}", headers=HTML).text)
    assert "V1 回访：了解纠错方案落实情况和干部状态" in words and "2026-01-10" in words


def test_a_new_case_file_is_uploaded_to_the_case(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    data = yaml.safe_load(case_text(EX / "wz-01-pilot-tolerate.yaml"))
    data["narrative"] = "补充调查后查明：试点方案经集体研究。"
    fields = {"csrf": csrf(c), "version": "1", "as_of": "", "actor": "李四"}

    def upload(text: str, **more: str) -> Any:
        files = {"file": ("v2.yaml", text.encode())}
        return c.post(
            f"/cases/{CASE}/case", data={**fields, **more}, files=files, headers=HTML,
            follow_redirects=False,
        )  # fmt: skip

    assert upload(yaml.safe_dump(data, allow_unicode=True)).status_code == 303
    assert c.get(f"/v1/cases/{CASE}").json()["version"] == 2
    assert "补充调查后查明" in c.get(f"/v1/cases/{CASE}/log").text
    stale = upload(yaml.safe_dump(data, allow_unicode=True))  # from version 1 again
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    other = upload(yaml.safe_dump(dict(data, id="WZ-OTHER"), allow_unicode=True), version="2")
    assert other.status_code == 422 and "RC723" in other.text
    broken = upload("id: [unclosed", version="2")
    assert broken.status_code == 422 and "RC001" in broken.text  # located, the form kept


def test_what_is_open_across_cases_in_the_page_and_the_api(client: TestClient) -> None:
    c = client
    assert open_by_upload(c).status_code == 303
    assert (
        act(
            c, "correction", 1, id="C1", what="补充台账", who="街道办", due="2025-10-10"
        ).status_code
        == 303
    )
    page = c.get("/open-items?as_of=2025-10-20", headers=HTML).text
    words = text_of(page)
    assert "共 2 项，逾期 2 项" in words  # the investigation and the correction
    assert "2025-10-10 逾期 10 天 WZ-2024-017 纠错事项 C1 补充台账 街道办" in words
    rows = c.get("/v1/open-items?as_of=2025-10-20").json()
    assert [(r["kind"], r["id"], r["overdue"]) for r in rows] == [
        ("correction", "C1", True),
        ("step", "investigate", True),
    ]
    assert 'id="open-items-link"' in c.get("/cases", headers=HTML).text
