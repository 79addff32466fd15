"""Headless Chromium for the HTML report's browser test, screenshot script and benchmark.

Selenium drives the Debian `chromium` + `chromium-driver` packages directly, so nothing is
downloaded at test time. The flags keep the browser off the network: the report must work
with none, and a test must not wait on one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def find_chromium() -> tuple[str, str] | None:
    """(browser, driver) paths, or None when either is missing. $CHROMIUM / $CHROMEDRIVER win."""
    browsers = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else CHROMIUM_CANDIDATES
    drivers = (
        [os.environ["CHROMEDRIVER"]]
        if os.environ.get("CHROMEDRIVER")
        else [*DRIVER_CANDIDATES, shutil.which("chromedriver") or ""]
    )
    browser = next((p for p in browsers if p and Path(p).exists()), None)
    driver = next((p for p in drivers if p and Path(p).exists()), None)
    return (browser, driver) if browser and driver else None


def missing_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[test]')"
    if find_chromium() is None:
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    return None


@contextmanager
def chromium(width: int = 1400, height: int = 1000):
    """A fresh headless Chromium with its own throw-away profile, logging console messages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError(missing_reason())
    browser, driver_path = found
    profile = tempfile.mkdtemp(prefix="tcnn-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list[str]:
    """Console messages at error level (Chromium calls it SEVERE)."""
    return [m["message"] for m in driver.get_log("browser") if m.get("level") in ("SEVERE", "ERROR")]


def wait_ready(driver, timeout: float = 30.0) -> float:
    """Milliseconds from navigation to the first graph drawn (window.__tcnnReady)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return window.__tcnnReady !== undefined"))
    return float(driver.execute_script("return window.__tcnnReady"))


def full_page_screenshot(driver, path: Path, width: int = 1400, max_height: int = 4000) -> None:
    """A screenshot of the whole page (not just the window), capped in height."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(max(height, 600), max_height))
    driver.save_screenshot(str(path))
