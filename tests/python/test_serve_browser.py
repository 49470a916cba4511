"""The page of `agor serve` in a real browser (headless Chromium driven by selenium, issue 23):
a person signs in and sees the board of a seeded team; a claim made by another process moves
its card without a reload; a title that is markup is shown as text and runs nothing; a plain
agent's secret does not sign in. Screenshots go to target/screenshots/.

Runs on SQLite (the API and event-stream tests in test_serve.py run on both engines).
Needs Debian's `chromium` and `chromium-driver` (scripts/test.sh installs them) and selenium.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import open_team, require, import_or_require, run_python
from test_serve import HUMAN, serve

import_or_require("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parents[2] / "target" / "screenshots"
XSS = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"


def executable(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if not found:
        require(name, "install Debian's chromium and chromium-driver (scripts/test.sh does)")
    return found  # type: ignore[return-value]


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = executable("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800"):
        options.add_argument(arg)
    # The driver given explicitly: selenium's manager would reach for the network.
    driver = webdriver.Chrome(service=Service(executable("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def column_of(driver: webdriver.Chrome, title: str) -> str | None:
    """The status of the column whose card shows `title`, or None (read in one script: the
    board may be redrawn between two WebDriver calls)."""
    return driver.execute_script(
        """
        for (const card of document.querySelectorAll(".card")) {
          if (card.querySelector(".title").textContent === arguments[0])
            return card.closest("section[data-status]").dataset.status;
        }
        return null;
        """,
        title,
    )


def sign_in(driver: webdriver.Chrome, origin: str, secret: str) -> None:
    driver.get(origin + "/")
    field = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "secret"))
    WebDriverWait(driver, 10).until(lambda d: field.is_displayed())
    field.send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()


def test_a_person_signs_in_and_sees_a_claim_move_its_card_live(db_path: Path, browser: webdriver.Chrome) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with open_team(db_path) as store:
        store.register_agent(*HUMAN)
        secret = store.issue_token("lead")
        agent_secret = store.issue_token("dev-1")
        mgr = store.as_agent("mgr-1")
        task = mgr.create_task("Write the release notes", assign_to="dev-1")
        mgr.create_task(XSS)
    with serve(str(db_path)) as server:
        # A plain agent's secret does not sign in: the form says why, and no board shows.
        sign_in(browser, server.origin, agent_secret)
        error = WebDriverWait(browser, 10).until(
            lambda d: d.find_element(By.ID, "signin-error").text or None
        )
        assert "only people" in error
        assert not browser.find_element(By.ID, "board").is_displayed()
        browser.save_screenshot(str(SCREENSHOTS / "serve-signin-refused.png"))

        sign_in(browser, server.origin, secret)
        WebDriverWait(browser, 10).until(lambda d: column_of(d, task.title) == "todo")
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "live").is_displayed())
        assert browser.find_element(By.ID, "who").text == "lead"
        assert not browser.find_element(By.ID, "signin").is_displayed()
        # Markup in a title is text: shown as written, and nothing of it ran.
        assert column_of(browser, XSS) == "todo"
        assert browser.execute_script("return window.__xss") is None
        # The secret is nowhere in the page, nor readable by its scripts (HttpOnly).
        assert secret not in browser.page_source
        assert "agor_session" not in browser.execute_script("return document.cookie")
        browser.save_screenshot(str(SCREENSHOTS / "serve-board.png"))

        # Another process claims the task: its card moves without a reload.
        started = time.monotonic()
        run_python(
            "import sys, agor; agor.open(sys.argv[1]).as_agent('dev-1').claim_task(sys.argv[2])",
            str(db_path),
            task.id,
        )
        WebDriverWait(browser, 10, poll_frequency=0.02).until(
            lambda d: column_of(d, task.title) == "in_progress"
        )
        print(f"card moved {time.monotonic() - started:.3f} s after the claim started")
        browser.save_screenshot(str(SCREENSHOTS / "serve-board-live.png"))

        # Signing out shows the form again.
        browser.find_element(By.ID, "signout").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "secret").is_displayed())
