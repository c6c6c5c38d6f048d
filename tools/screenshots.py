"""Screenshots of the web workspace, for a person to look at: the ruleset page, a rule page, the
case workspace with a decided and an insufficient case and one with sanctions (its impact
period and the sanction fields), the editor with a finding, the
version comparison with a changed case, the case procedure pages (the deadline list, a case
decided, filed and appealed, a case past its deadline), and the typical-case library (the
panel's 相似典型案例, the library, one entry) and the assessment page with a proposal.

Run from the repository root (needs the service extra, selenium, and Debian's ``chromium`` and
``chromium-driver``)::

    .venv/bin/python tools/screenshots.py [--out DIR]

It starts ``rongcuo serve`` (reference backend) on a free port with a drafts folder and a case
folder of its own, drives headless Chromium through each page, writes one PNG a page into
``--out`` (default ``/tmp/rongcuo-screenshots``), prints their paths, and stops the server.
The screenshots are build outputs: never commit them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from tests.browser_support import CHROMIUM, DRIVER, FLAGS  # noqa: E402
from tests.service_server import RONGCUO, running_server  # noqa: E402

EXAMPLES = ROOT / "examples"
#: An edit a policy officer might try: no tolerance for any pilot (it changes pilot cases).
EDIT = """rules:
  - id: wz_pilot_not_tolerated
    kind: exclusion
    label: 试点事项中的失误不予容错（试改）
    when: {fact: in_reform_or_pilot, eq: true}
    cite: {doc: wz_measures, clause: 第六条, text: 试点事项中的失误不予容错（试改）}
"""


def browser(downloads: Path) -> Any:
    """Headless Chromium that asks for Chinese pages and downloads into ``downloads``."""
    if CHROMIUM is None or DRIVER is None:
        raise SystemExit("no Chromium here: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={downloads.parent / 'profile'}")
    options.add_experimental_option(
        "prefs",
        {"intl.accept_languages": "zh-CN,zh", "download.default_directory": str(downloads)},
    )
    return webdriver.Chrome(options=options, service=DriverService(executable_path=DRIVER))


def until(driver: Any, test: Callable[[Any], Any], seconds: float = 30) -> None:
    """Wait until ``test(driver)`` is true."""
    WebDriverWait(driver, seconds).until(test)


def shoot(driver: Any, out: Path, name: str, *, full: bool = False) -> Path:
    """Save the window (or, with ``full``, the whole page up to 6,000 pixels) as ``name``.png."""
    path = out / f"{name}.png"
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1366, min(int(height), 6000))
        time.sleep(0.3)
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 900)
    print(path)
    return path


def upload_case(driver: Any, base: str, ruleset: str, case: Path) -> None:
    """Open a new case of ``ruleset`` and continue ``case`` by uploading it."""
    driver.get(f"{base}/rulesets/{ruleset}/cases/new")
    driver.find_element(By.ID, "upload-file").send_keys(str(case))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    until(driver, lambda d: d.find_elements(By.ID, "upload-notice"))


def with_sanctions(path: Path) -> str:
    """The example ``path`` with two sanctions (one party_probation), the deciding body and
    the managing department (catalogue §12, §13): the panel shows its impact period."""
    return path.read_text(encoding="utf-8") + (
        "sanction:\n"
        "  - {kind: party_warning, decided_on: 2024-03-01}\n"
        "  - {kind: party_probation, decided_on: 2024-01-31, months: 12}\n"
        "accountability_body: {kind: discipline_commission, name: 中共万州区纪委监委}\n"
        "managing_department: 中共万州区委组织部\n"
    )


def post(base: str, path: str, body: dict[str, Any]) -> None:
    """POST ``body`` as JSON to the service (the procedure's shots are made through the API)."""
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60):
        pass


def procedure_cases(base: str) -> None:
    """Three cases through their procedure (catalogue §13): one decided, filed and appealed,
    one still being investigated after an extension, one past its investigation deadline."""
    import yaml

    def case(name: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
        data["accountability_body"] = {"kind": "discipline_commission", "name": "中共万州区纪委"}
        data["managing_department"] = "中共万州区委组织部"
        return data

    opened = {"ruleset": "wanzhou", "opened_by": "application", "actor": "李四"}
    post(
        base,
        "/v1/cases",
        {
            **opened,
            "case": case("wz-01-pilot-tolerate.yaml"),
            "on": "2025-09-22",
            "applied_on": "2025-09-19",
            "inquiry_notified_on": "2025-09-16",
        },
    )
    one = "/v1/cases/WZ-2024-017"
    for path, body in (
        ("/extend", {"step": "investigate", "on": "2025-10-15", "reason": "涉及多个部门"}),
        ("/events", {"event": "investigated", "on": "2025-10-24"}),
        ("/decide", {"on": "2025-10-27"}),
        ("/events", {"event": "notice_received", "on": "2025-10-29"}),
        ("/events", {"event": "filed", "on": "2025-10-30"}),
        ("/corrections", {"id": "1", "what": "补建试点台账", "who": "街道办", "due": "2025-11-28"}),
        ("/events", {"event": "appealed", "on": "2025-11-03"}),
    ):
        post(base, one + path, {**body, "actor": "李四"})
    post(
        base,
        "/v1/cases",
        {
            **opened,
            "case": case("wz-02-investment-market-tolerate.yaml"),
            "on": "2025-10-27",
            "applied_on": "2025-10-24",
        },
    )
    post(
        base,
        "/v1/cases",
        {
            **opened,
            "opened_by": "own_motion",
            "case": case("wz-03-legacy-partial-mitigate.yaml"),
            "on": "2025-09-22",
        },
    )


def procedure_shots(driver: Any, base: str, out: Path) -> None:
    """The case list and two cases, on 5 November 2025."""
    procedure_cases(base)
    driver.get(f"{base}/cases?as_of=2025-11-05")
    shoot(driver, out, "7-cases")
    driver.get(f"{base}/cases/WZ-2024-017?as_of=2025-11-05")
    shoot(driver, out, "8-case")
    shoot(driver, out, "8-case-full", full=True)
    driver.get(f"{base}/cases/WZ-2024-031?as_of=2025-11-05")
    shoot(driver, out, "8-case-overdue")


def library_shots(driver: Any, base: str, out: Path) -> None:
    """The panel's 相似典型案例 for a case of the library, the library, that case's entry, and
    a reuse assessment filled in on the form."""
    upload_case(driver, base, "wanzhou", EXAMPLES / "wz-06-art18-mitigate.yaml")
    until(driver, lambda d: d.find_elements(By.ID, "similar"))
    driver.execute_script("document.getElementById('similar').scrollIntoView();")
    shoot(driver, out, "9-case-similar")
    entry = driver.find_element(By.CSS_SELECTOR, "#similar .similar-title").get_attribute("href")
    driver.get(f"{base}/library")
    shoot(driver, out, "9-library")
    driver.get(entry)
    shoot(driver, out, "9-library-entry", full=True)
    driver.get(f"{base}/assess")
    driver.find_element(By.ID, "cadre-id").send_keys("C-0417")
    driver.execute_script(
        "document.getElementById('sanction-kind').value = 'party_serious_warning';"
        "document.getElementById('sanction-on').value = '2023-05-10';"
        "document.getElementById('assess-as-of').value = '2025-06-01';"
    )
    for fact, value in (
        ("matter_properly_handled", "true"),
        ("situation_calmed", "true"),
        ("reflected_deeply", "unknown"),
        ("corrects_with_good_attitude", "true"),
    ):
        driver.find_element(By.CSS_SELECTOR, f'input[name="f.{fact}"][value="{value}"]').click()
    driver.find_element(By.ID, "assess-submit").click()
    until(driver, lambda d: d.find_elements(By.ID, "assess-outcome"))
    shoot(driver, out, "9-assess", full=True)


def main(argv: list[str] | None = None) -> int:
    """Make every screenshot; 0 when all were made."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/rongcuo-screenshots"))
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="rongcuo-shots-"))
    cases = work / "万州案件"
    cases.mkdir()
    for p in sorted(EXAMPLES.glob("wz-0*.yaml")):
        shutil.copy(p, cases / p.name)
    source = next(p for p in (ROOT / "rulesets" / "wanzhou").glob("*.yaml"))
    edited = work / "wanzhou-edited.yaml"
    edited.write_text(source.read_text(encoding="utf-8").replace("rules:\n", EDIT, 1), "utf-8")
    (work / "downloads").mkdir()
    args_: tuple[str, ...] = (
        "--backend",
        "reference",
        "--drafts",
        str(work / "drafts"),
        "--cases",
        str(cases),
    )
    args_ += ("--store", str(work / "store.sqlite3"))
    build = ["library", "build", "--cases", str(cases), "--ruleset", "wanzhou"]
    subprocess.run([str(RONGCUO), *build, "--out", str(work / "lib")], check=True)
    args_ += ("--library", str(work / "lib"))
    driver = browser(work / "downloads")
    try:
        with running_server(*args_) as base:
            driver.set_window_size(1366, 900)
            driver.get(f"{base}/rulesets/wanzhou")
            shoot(driver, out, "1-ruleset")
            shoot(driver, out, "1-ruleset-full", full=True)
            driver.get(f"{base}/rulesets/wanzhou/rules/pilot_reform_deviation")
            shoot(driver, out, "2-rule", full=True)

            upload_case(driver, base, "wanzhou", EXAMPLES / "wz-01-pilot-tolerate.yaml")
            shoot(driver, out, "3-case-decided")
            upload_case(
                driver, base, "wanzhou", EXAMPLES / "wz-08-motive-unknown-insufficient.yaml"
            )
            shoot(driver, out, "4-case-insufficient")
            driver.execute_script("document.getElementById('panel').scrollIntoView();")
            shoot(driver, out, "4-case-insufficient-full", full=True)

            sanctioned = work / "wz-03-with-sanctions.yaml"
            sanctioned.write_text(with_sanctions(EXAMPLES / "wz-03-legacy-partial-mitigate.yaml"))
            upload_case(driver, base, "wanzhou", sanctioned)
            driver.execute_script("document.getElementById('impact-period').scrollIntoView();")
            shoot(driver, out, "4-case-sanction-impact")
            driver.execute_script("document.getElementById('field-sanction').scrollIntoView();")
            shoot(driver, out, "4-case-sanction-fields")

            driver.get(f"{base}/rulesets/wanzhou/edit")
            until(driver, lambda d: d.execute_script("return !!window.rongcuoEditor"))
            line = driver.execute_script(
                "var cm = window.rongcuoEditor;"
                "for (var i = 0; i < cm.lineCount(); i++)"
                "  if (cm.getLine(i).indexOf('effective_from:') === 0) return i;"
                "return 0;"
            )
            driver.execute_script(
                "var cm = window.rongcuoEditor, n = arguments[0];"
                "cm.replaceRange('effective_from: 2018-13-01', {line: n, ch: 0},"
                " {line: n, ch: cm.getLine(n).length});"
                "cm.scrollIntoView({line: n, ch: 0}, 200);",
                line,
            )
            until(
                driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-lint-marker-error")
            )
            shoot(driver, out, "5-editor-finding")

            driver.get(f"{base}/diff?ruleset=wanzhou")
            driver.find_element(By.CSS_SELECTOR, 'input[name="head_kind"][value="upload"]').click()
            driver.find_element(By.CSS_SELECTOR, 'input[name="head_file"]').send_keys(str(edited))
            driver.find_element(By.CSS_SELECTOR, "#diff-form button[type=submit]").click()
            until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#report .case"))
            driver.execute_script("document.getElementById('report').scrollIntoView();")
            shoot(driver, out, "6-diff")
            shoot(driver, out, "6-diff-full", full=True)

            procedure_shots(driver, base, out)
            library_shots(driver, base, out)
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
