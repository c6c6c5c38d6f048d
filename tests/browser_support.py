"""A real browser for the workspace's page tests: headless Chromium from the distribution's
packages (``chromium``, ``chromium-driver``; ``.ci/run`` installs them) driven by Selenium.

``browser`` (a pytest fixture, one browser a module) skips, with the reason, where no Chromium or
driver is installed. Selenium is pointed at the system browser and driver, so it downloads
nothing. ``web_server`` is a real ``rongcuo serve`` on 127.0.0.1 (reference backend) for it to open.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .service_server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
NO_BROWSER = "no headless Chromium here: apt-get install chromium chromium-driver (.ci/run does)"
needs_browser = pytest.mark.skipif(CHROMIUM is None or DRIVER is None, reason=NO_BROWSER)

#: Chromium's flags for a closed network: no background traffic, no sandbox (CI runs as root).
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,900",
    "--lang=zh-CN",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium under Selenium (skipped where there is none)."""
    if CHROMIUM is None or DRIVER is None:
        pytest.skip(NO_BROWSER)
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service as DriverService

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="rongcuo-chromium-")
    downloads = Path(profile) / "downloads"
    downloads.mkdir()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}/profile")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=DriverService(executable_path=DRIVER))
    driver.downloads = downloads
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def web_server() -> Iterator[str]:
    """A real ``rongcuo serve`` (reference backend) for the browser to open."""
    with running_server("--backend", "reference") as base:
        yield base
