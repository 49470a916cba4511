"""The page of `agor serve` in a real browser (headless Chromium driven by selenium, issue 23):
a person signs in (a plain agent is refused), sees a seeded team in lanes, watches a claim
made by another process (the CLI) move its card, sees a change move and add cards from the
event alone while the board cannot be fetched (and a drag of such a card send the task's
version now), drags a card (pointer events) and moves one
from the keyboard with the database agreeing, sees the conflict when another process moved
the card first, reads hostile titles and messages as text (no script runs), sends a DM an
agent reads with `btmsg inbox`, sees the "waiting on a person" count in the title follow a
review, reads a model's tokens and dollars over time that another process reported, marks
agents stale by the store's threshold, and reads the page on a phone and in the dark. A
screenshot of each view goes to target/screenshots/.

Runs on SQLite (the API and event-stream tests in test_serve.py run on both engines).
Needs Debian's `chromium` and `chromium-driver` (scripts/test.sh installs them) and selenium.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

import agor
from cli_runner import Cli, command_under_test
from conftest import open_team, require, import_or_require, sqlite_in_subprocess
from test_serve import HUMAN, Server, serve

import_or_require("selenium")
from selenium import webdriver  # noqa: E402
from chromium import headless  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parents[2] / "target" / "screenshots"
# Each payload sets window.__pwned if the page ever reads data as markup.
TITLE_XSS = "<img src=x onerror=window.__pwned=1>"
DM_XSS = "<script>window.__pwned=2</script><img src=x onerror=window.__pwned=3>"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    driver = headless(require)
    try:
        yield driver
        # No script of the page threw (an uncaught error or a rejected promise nobody
        # handled shows in the console).
        thrown = [e["message"] for e in driver.get_log("browser") if e["source"] == "javascript"]
        assert not thrown, thrown
    finally:
        driver.quit()


@dataclass
class Team:
    """A seeded team behind a running server: the database, the person's and an agent's
    secrets, the seeded tasks by name, and the CLIs on the same database."""

    db: Path
    server: Server
    secret: str
    agent_secret: str
    tasks: dict[str, Any]
    operator_secret: str
    bttask: Cli
    btmsg: Cli


@pytest.fixture
def team(db_path: Path, tmp_path: Path) -> Iterator[Team]:
    with open_team(db_path) as store:
        store.register_agent(*HUMAN)
        store.allow("dev-1", "lead", bidirectional=True)
        secret = store.issue_token("lead")
        agent_secret = store.issue_token("dev-1")
        operator_secret = store.call({"op": "issue_token", "operator": True})
        mgr = store.as_agent("mgr-1")
        tasks = {
            "notes": mgr.create_task("Write the release notes", assign_to="dev-1"),
            "parser": mgr.create_task("Fix the parser", assign_to="dev-2", description="It drops the last line."),
            "plan": mgr.create_task("Plan the sprint"),
            "xss": mgr.create_task(TITLE_XSS, assign_to="dev-1"),
        }
        mgr.add_dependency(tasks["plan"].id, tasks["parser"].id)
        mgr.comment(tasks["parser"].id, "Seen on Windows line endings too.")
        mgr.create_channel("general")
        mgr.add_member("general", "lead")
        mgr.post("general", "Stand-up at ten.")
        dev1 = store.as_agent("dev-1")
        dev1.heartbeat()
        dev1.record_usage(1200, 300, 0.042, "model-a", tasks["notes"].id)
        store.as_agent("dev-2").record_usage(5000, 900, 0.31, "model-b", tasks["parser"].id)
        dev1.send("lead", DM_XSS)
        tasks["ops"] = store.as_agent("ops-1").create_task("Rotate the keys")
        store.as_agent("dev-2").heartbeat()
    # dev-2 went silent an hour ago (behind agor's back: no clock of its own to turn back).
    sqlite_in_subprocess(db_path, "UPDATE heartbeats SET timestamp = timestamp - 3600 "
                                  "WHERE agent_id = 'dev-2'")
    clis = {prog: Cli(prog, command_under_test(prog, f"AGOR_{prog.upper()}"), db_path, tmp_path)
            for prog in ("bttask", "btmsg")}
    with serve(str(db_path)) as server:
        yield Team(db_path, server, secret, agent_secret, tasks, operator_secret, clis["bttask"], clis["btmsg"])


def shot(driver: webdriver.Chrome, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"serve-{name}.png"))


def wait(driver: webdriver.Chrome, until, timeout: float = 10):
    """`until` is asked again while it fails to find an element or holds one the page has
    since redrawn (live updates redraw parts of the page at any time)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.02,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(until)


def click(driver: webdriver.Chrome, selector: str) -> None:
    """Clicks the element `selector` finds, found again if it was redrawn in between."""
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True)


def text_of(driver: webdriver.Chrome, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def card_at(driver: webdriver.Chrome, title: str) -> tuple[str, str] | None:
    """The (lane, status) of the cell whose card shows `title`, or None (read in one script:
    the board may be redrawn between two WebDriver calls)."""
    found = driver.execute_script(
        """
        for (const card of document.querySelectorAll("#board-grid .card")) {
          if (card.querySelector(".title").textContent === arguments[0]) {
            const cell = card.closest(".cell");
            return [cell.dataset.lane, cell.dataset.status];
          }
        }
        return null;
        """,
        title,
    )
    return tuple(found) if found else None


def status_of(team: Team, key: str, agent: str = "mgr-1") -> str:
    with agor.open(team.db) as store:
        return store.as_agent(agent).get_task(team.tasks[key].id).status


def sign_in(driver: webdriver.Chrome, origin: str, secret: str) -> None:
    driver.get(origin + "/")
    field = wait(driver, lambda d: d.find_element(By.ID, "secret"))
    wait(driver, lambda d: field.is_displayed())
    field.send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()


def signed_in(driver: webdriver.Chrome, team: Team) -> None:
    sign_in(driver, team.server.origin, team.secret)
    wait(driver, lambda d: card_at(d, team.tasks["notes"].title) is not None)
    wait(driver, lambda d: d.find_element(By.ID, "live").is_displayed())


def view(driver: webdriver.Chrome, name: str) -> None:
    driver.find_element(By.ID, f"tab-{name}").click()
    wait(driver, lambda d: d.find_element(By.ID, f"view-{name}").is_displayed())


def cell(driver: webdriver.Chrome, lane: str, status: str):
    return driver.find_element(By.CSS_SELECTOR, f'.cell[data-lane="{lane}"][data-status="{status}"]')


def card(driver: webdriver.Chrome, task) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f'.card[data-id="{task.id}"]')


def focus(driver: webdriver.Chrome, task) -> None:
    """Focuses the card of `task`, found and focused in one script (the board may be redrawn
    between two WebDriver calls)."""
    wait(driver, lambda d: d.execute_script(
        "const c = document.querySelector(`.card[data-id=\"${arguments[0]}\"]`);"
        " if (c) c.focus(); return !!c && document.activeElement === c;", task.id))


def test_a_person_signs_in_sees_lanes_and_a_claim_move_its_card_live(
    team: Team, browser: webdriver.Chrome
) -> None:
    # A plain agent's secret does not sign in: the form says why, and no board shows.
    sign_in(browser, team.server.origin, team.agent_secret)
    error = wait(browser, lambda d: d.find_element(By.ID, "signin-error").text or None)
    assert "only people" in error
    assert not browser.find_element(By.ID, "board").is_displayed()
    shot(browser, "signin-refused")

    signed_in(browser, team)
    assert browser.find_element(By.ID, "who").text == "lead"
    assert not browser.find_element(By.ID, "signin").is_displayed()
    # Lanes per agent, columns by status.
    notes, parser, plan = (team.tasks[k].title for k in ("notes", "parser", "plan"))
    assert card_at(browser, notes) == ("dev-1", "todo")
    assert card_at(browser, parser) == ("dev-2", "todo")
    assert card_at(browser, plan) == ("", "todo")
    # Markup in a title is text: shown as written, and nothing of it ran.
    assert card_at(browser, TITLE_XSS) == ("dev-1", "todo")
    assert browser.execute_script("return window.__pwned") is None
    # The columns fit a laptop's width: nothing scrolls sideways.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
    # The secret is nowhere in the page, nor readable by its scripts (HttpOnly).
    assert team.secret not in browser.page_source
    assert "agor_session" not in browser.execute_script("return document.cookie")
    shot(browser, "board")

    # Another process (the CLI) claims the task: its card moves without a reload.
    started = time.monotonic()
    team.bttask.ok("claim", team.tasks["notes"].id, agent="dev-1")
    claimed = time.monotonic()
    wait(browser, lambda d: card_at(d, notes) == ("dev-1", "in_progress"))
    print(f"card moved {time.monotonic() - claimed:.3f} s after the CLI's claim returned "
          f"({time.monotonic() - started:.3f} s after it started)")
    shot(browser, "board-live")

    # Signing out shows the form again.
    browser.find_element(By.ID, "signout").click()
    wait(browser, lambda d: d.find_element(By.ID, "secret").is_displayed())


def test_a_drag_and_a_keyboard_move_change_the_database(team: Team, browser: webdriver.Chrome) -> None:
    signed_in(browser, team)
    parser = team.tasks["parser"]
    # A drag built on pointer events: press on the card, move over another column, release.
    ActionChains(browser).click_and_hold(card(browser, parser)).pause(0.1) \
        .move_by_offset(10, 5).pause(0.1) \
        .move_to_element(cell(browser, "dev-2", "blocked")).pause(0.1).release().perform()
    wait(browser, lambda d: status_of(team, "parser") == "blocked")
    wait(browser, lambda d: card_at(d, parser.title) == ("dev-2", "blocked"))
    assert browser.find_element(By.ID, "notice").is_displayed() is False

    # From the keyboard: focus a card, Shift+← moves it one column left, Shift+→ right.
    notes = team.tasks["notes"]
    focus(browser, notes)
    shift = lambda key: ActionChains(browser).key_down(Keys.SHIFT).send_keys(key).key_up(Keys.SHIFT).perform()
    shift(Keys.ARROW_LEFT)
    wait(browser, lambda d: status_of(team, "notes") == "backlog")
    wait(browser, lambda d: card_at(d, notes.title) == ("dev-1", "backlog"))
    # Focus stays on the moved card, so the next key moves it again. Read in one script: the
    # board may be redrawn between two WebDriver calls (the focused card is kept, its element
    # replaced).
    focused = "return document.activeElement && document.activeElement.dataset.id"
    wait(browser, lambda d: d.execute_script(focused) == notes.id)
    # Two presses at once move it two columns: the second starts where the first left it.
    shift(Keys.ARROW_RIGHT)
    shift(Keys.ARROW_RIGHT)
    wait(browser, lambda d: status_of(team, "notes") == "in_progress")
    wait(browser, lambda d: card_at(d, notes.title) == ("dev-1", "in_progress"))
    wait(browser, lambda d: d.execute_script(focused) == notes.id)
    shift(Keys.ARROW_LEFT)
    wait(browser, lambda d: status_of(team, "notes") == "todo")
    wait(browser, lambda d: card_at(d, notes.title) == ("dev-1", "todo"))
    assert browser.find_element(By.ID, "notice").is_displayed() is False

    # A move the board's rules refuse (blocked cannot become done) is said, and undone.
    focus(browser, parser)
    shift(Keys.ARROW_LEFT)
    notice = wait(browser, lambda d: d.find_element(By.ID, "notice").text or None)
    assert "cannot move from blocked to done" in notice
    wait(browser, lambda d: card_at(d, parser.title) == ("dev-2", "blocked"))
    assert status_of(team, "parser") == "blocked"
    shot(browser, "board-moved")


def test_a_card_another_process_moved_first_shows_the_conflict(
    team: Team, browser: webdriver.Chrome
) -> None:
    signed_in(browser, team)
    plan = team.tasks["plan"]
    # The drag starts on the version the page has...
    drag = ActionChains(browser)
    drag.click_and_hold(card(browser, plan)).pause(0.1).move_by_offset(15, 5).pause(0.1).perform()
    # ... another process moves the task meanwhile (the page hears of it, but keeps the
    # dragged card until the drop) ...
    team.bttask.ok("status", plan.id, "backlog", agent="mgr-1")
    wait(browser, lambda d: d.execute_script("return board.stale"))
    # ... and the drop sends the old version: refused, shown, and the board reloads.
    ActionChains(browser).move_to_element(cell(browser, "", "cancelled")).pause(0.1) \
        .release().perform()
    notice = wait(browser, lambda d: d.find_element(By.ID, "notice").text or None)
    assert "Conflict" in notice and plan.title in notice
    wait(browser, lambda d: card_at(d, plan.title) == ("", "backlog"))
    assert "conflict" in card(browser, plan).get_attribute("class")
    assert status_of(team, "plan") == "backlog"
    shot(browser, "board-conflict")


# Holds the page's full-board fetches (`/api/board`) until `window.__release()`: what the
# page shows meanwhile came from the event stream alone.
HOLD_BOARD = """
const fetched = window.fetch;
const held = [];
window.__release = () => { window.fetch = fetched; held.splice(0).forEach((go) => go()); };
window.fetch = (path, options) => path === "/api/board"
  ? new Promise((go) => held.push(go)).then(() => fetched(path, options))
  : fetched(path, options);
"""


def test_a_change_moves_its_card_from_the_event_and_a_move_of_it_sends_the_current_version(
    team: Team, browser: webdriver.Chrome
) -> None:
    signed_in(browser, team)
    browser.execute_script(HOLD_BOARD)
    notes = team.tasks["notes"]
    # Another process claims a task and creates one (its title markup, read as text): both
    # cards are where the events say, though no board could be fetched since.
    team.bttask.ok("claim", notes.id, agent="dev-1")
    with agor.open(team.db) as store:
        made = store.as_agent("mgr-1").create_task("<b>Made</b> elsewhere", assign_to="dev-1")
    wait(browser, lambda d: card_at(d, notes.title) == ("dev-1", "in_progress"))
    wait(browser, lambda d: card_at(d, made.title) == ("dev-1", "todo"))
    assert browser.execute_script("return window.__pwned") is None
    # The patched card carries the version its event read with the status (the claim
    # moved it past the loaded one), not the one the page loaded.
    with agor.open(team.db) as store:
        claimed = store.as_agent("mgr-1").get_task(notes.id)
    assert claimed.version > notes.version
    assert card(browser, notes).get_attribute("data-version") == str(claimed.version)
    shot(browser, "board-patched")

    # So a drag of it sends the current version (no conflict), while the board is still held.
    ActionChains(browser).click_and_hold(card(browser, notes)).pause(0.1) \
        .move_by_offset(10, 5).pause(0.1) \
        .move_to_element(cell(browser, "dev-1", "review")).pause(0.1).release().perform()
    wait(browser, lambda d: status_of(team, "notes") == "review")
    assert not browser.find_element(By.ID, "notice").is_displayed()

    # Once the board can be fetched again, the reload settles the cards (versions and all).
    browser.execute_script("window.__release()")
    with agor.open(team.db) as store:
        reviewed = store.as_agent("mgr-1").get_task(notes.id)
    wait(browser, lambda d: card_at(d, notes.title) == ("dev-1", "review")
         and d.execute_script("return arguments[0].dataset.version", card(d, notes))
         == str(reviewed.version))
    assert not browser.find_element(By.ID, "notice").is_displayed()


def test_a_flood_of_changes_ends_with_every_card_on_the_board(
    team: Team, browser: webdriver.Chrome
) -> None:
    # 300 tasks in one transaction: their 300 changes reach the page at once, more than it
    # patches card by card (the server folds a flood into `flood` events, and the page
    # reloads the board once it calms). The count in the column head agrees; the cell draws
    # its first 200 cards and a button for the rest, which shows every card, in its lane.
    signed_in(browser, team)
    todo_before = int(browser.find_element(
        By.CSS_SELECTOR, '.status-head[data-status="todo"] .count').text)
    titles = [f"flood {i}" for i in range(300)]
    with agor.open(team.db) as store:
        store.as_agent("mgr-1").create_tasks([{"title": t} for t in titles])
        in_cell = len([t for t in store.list_tasks(status="todo") if not t.assigned_to])
    wait(browser, lambda d: int(d.find_element(
        By.CSS_SELECTOR, '.status-head[data-status="todo"] .count').text) == todo_before + 300)
    cell = '.cell[data-status="todo"][data-lane=""]'
    more = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, f"{cell} > .more"))
    wait(browser, lambda d: more.text == f"Show {in_cell - 200} more")
    assert len(browser.find_elements(By.CSS_SELECTOR, f"{cell} > .card")) == 200
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", more)
    shot(browser, "board-capped")
    more.click()
    on_board = "return [...document.querySelectorAll('.card .title')].map(t => t.textContent)"
    wait(browser, lambda d: set(titles) <= set(d.execute_script(on_board)))
    assert card_at(browser, "flood 299") == ("", "todo")
    assert not browser.find_elements(By.CSS_SELECTOR, f"{cell} > .more")
    assert len(browser.find_elements(By.CSS_SELECTOR, f"{cell} > .card")) == in_cell


def test_details_team_usage_search_and_audit_show_the_team(team: Team, browser: webdriver.Chrome) -> None:
    signed_in(browser, team)
    parser, plan = team.tasks["parser"], team.tasks["plan"]
    # Details: description, dependencies, comments, history; a comment from the page.
    click(browser, f'.card[data-id="{plan.id}"]')
    dialog = wait(browser, lambda d: d.find_element(By.ID, "details"))
    wait(browser, lambda d: "Fix the parser" in dialog.text)
    assert "Depends on" in dialog.text
    card(browser, plan)  # still on the board behind the dialog
    click(browser, "#details .detail-part button.link")
    wait(browser, lambda d: "It drops the last line." in dialog.text)
    assert "Seen on Windows line endings too." in dialog.text
    assert "new → todo" in dialog.text
    browser.find_element(By.ID, "comment-text").send_keys("Looked at it from the page.")
    click(browser, "#details form.compose button")
    wait(browser, lambda d: "Looked at it from the page." in dialog.text)
    with agor.open(team.db) as store:
        comments = store.as_agent("mgr-1").get_task(parser.id).comments
        assert [c.agent_id for c in comments][-1] == "lead"
    browser.execute_script("document.getElementById('details').scrollTop = 0")
    shot(browser, "details")
    browser.find_element(By.ID, "details-close").click()

    # The team: roles, tiers, presence, heartbeats; an agent heard from lately is not stale,
    # one silent too long is.
    view(browser, "team")
    row = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-agent="dev-1"]'))
    assert "project" in row.text and "s ago" in row.text and "stale" not in row.get_attribute("class")
    silent = browser.find_element(By.CSS_SELECTOR, 'tr[data-agent="dev-2"]')
    assert "stale" in silent.get_attribute("class") and "1 h ago" in silent.text
    assert "human" in browser.find_element(By.CSS_SELECTOR, 'tr[data-agent="lead"]').text
    shot(browser, "team")

    # Usage: bars per agent and per task, drawn as SVG.
    view(browser, "usage")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#usage-body svg rect.bar")) >= 4)
    assert "dev-2" in browser.find_element(By.ID, "usage-body").text
    shot(browser, "usage")

    # Search: matched words marked, as text.
    view(browser, "search")
    browser.find_element(By.ID, "search-query").send_keys("parser\n")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results mark"))
    shot(browser, "search")

    view(browser, "audit")
    wait(browser, lambda d: "usage_recorded" in d.find_element(By.ID, "audit-body").text)
    shot(browser, "audit")


def legend(driver: webdriver.Chrome, caption: str, key: str) -> str | None:
    """The legend line of `key` in the usage chart whose caption starts with `caption` (read in
    one script: the view may be redrawn between two WebDriver calls)."""
    return driver.execute_script(
        """
        for (const figure of document.querySelectorAll("#usage-body figure")) {
          if (!figure.querySelector("figcaption").textContent.startsWith(arguments[0])) continue;
          for (const item of figure.querySelectorAll(".legend li")) {
            if (item.dataset.key === arguments[1]) return item.textContent;
          }
        }
        return null;
        """,
        caption, key,
    )


def test_usage_charts_show_a_models_tokens_and_dollars_over_time(team: Team, browser: webdriver.Chrome) -> None:
    # Another process (the CLI, as dev-1) reports a request on a model nobody used yet.
    record = team.btmsg.json("usage", "--record", "--input", "1500", "--output", "500", "--cost", "0.75",
                             "--model", "model-c", "--task", team.tasks["notes"].id, agent="dev-1")
    signed_in(browser, team)
    view(browser, "usage")
    # Per model and day (the default): a line per model, its total in the legend, a point
    # on the record's day naming the model and what it cost.
    wait(browser, lambda d: legend(d, "Tokens per model", "model-c") == "model-c: 2.0k")
    assert legend(browser, "Tokens per model", "model-b") == "model-b: 5.9k"
    assert legend(browser, "Dollars per model", "model-c") == "model-c: $0.7500"
    assert legend(browser, "Dollars per model", "model-a") == "model-a: $0.0420"
    points = browser.execute_script(
        "return [...document.querySelectorAll('#usage-body circle > title')].map((t) => t.textContent)")
    assert f"model-c, {record['created_at'][:10]}: $0.7500" in points
    assert f"model-c, {record['created_at'][:10]}: 2.0k" in points
    shot(browser, "usage-models")

    # Per agent and hour: dev-1's two requests summed over the last 48 hours.
    Select(browser.find_element(By.ID, "usage-by")).select_by_value("agent")
    Select(browser.find_element(By.ID, "usage-bucket")).select_by_value("hour")
    wait(browser, lambda d: legend(d, "Tokens per agent", "dev-1") == "dev-1: 3.5k")
    assert legend(browser, "Dollars per agent,", "dev-2") == "dev-2: $0.3100"
    assert "per hour" in browser.find_element(By.ID, "usage-body").text
    assert browser.execute_script("return window.__pwned") is None
    shot(browser, "usage-agents-hourly")


def test_the_team_view_marks_stale_by_the_stores_threshold(team: Team, browser: webdriver.Chrome) -> None:
    # dev-2 went silent an hour ago: stale on the fixture's server (the default 300 s), not on
    # one whose store counts an agent stale after two hours.
    with serve(str(team.db), "--stale-after", "7200") as lenient:
        sign_in(browser, lenient.origin, team.secret)
        wait(browser, lambda d: d.find_element(By.ID, "who").text == "lead")
        view(browser, "team")
        # The row read in one script: the view is redrawn as the page's reloads come.
        text, classes = wait(browser, lambda d: d.execute_script(
            'const row = document.querySelector(\'tr[data-agent="dev-2"]\');'
            "return row ? [row.innerText, row.className] : null;"))
        assert "1 h ago" in text
        assert "stale" not in classes and "stale" not in text
        assert browser.execute_script("return session.staleAfter") == 7200
        shot(browser, "team-threshold")


def test_messages_are_text_and_a_dm_from_the_page_reaches_the_agent(
    team: Team, browser: webdriver.Chrome
) -> None:
    signed_in(browser, team)
    view(browser, "messages")
    click(browser, '#conversations [data-id="dev-1"]')
    wait(browser, lambda d: DM_XSS in text_of(d, "conversation"))
    assert browser.execute_script("return window.__pwned") is None
    # Read, it no longer waits on the person.
    wait(browser, lambda d: d.title == "agor")
    # A reply from the page, threaded on the agent's message, as the signed-in person.
    click(browser, "#conversation .message button.link")
    browser.find_element(By.ID, "compose-text").send_keys("Seen, thanks <b>not bold</b>")
    click(browser, "#compose button[type=submit]")
    wait(browser, lambda d: "Seen, thanks <b>not bold</b>" in text_of(d, "conversation"))
    inbox = team.btmsg.json("inbox", agent="dev-1")
    assert [(m["from_agent"], m["content"]) for m in inbox] == [("lead", "Seen, thanks <b>not bold</b>")]
    assert inbox[0]["reply_to"]
    shot(browser, "messages")

    # A channel: read and post.
    click(browser, '#conversations [data-id="general"]')
    wait(browser, lambda d: "Stand-up at ten." in text_of(d, "conversation"))
    browser.find_element(By.ID, "compose-text").send_keys("On my way.")
    click(browser, "#compose button[type=submit]")
    wait(browser, lambda d: "On my way." in text_of(d, "conversation"))
    with agor.open(team.db) as store:
        posts = store.as_agent("mgr-1").channel_history("general")
        assert (posts[-1].from_agent, posts[-1].content) == ("lead", "On my way.")
    # A post from another process arrives without a reload.
    team.btmsg.ok("channel", "send", "general", "Ten minutes late.", agent="mgr-1")
    wait(browser, lambda d: "Ten minutes late." in text_of(d, "conversation"))
    shot(browser, "channel")
    assert browser.execute_script("return window.__pwned") is None


def test_the_waiting_count_in_the_title_follows_a_review(team: Team, browser: webdriver.Chrome) -> None:
    signed_in(browser, team)
    # The DM to the person waits on it already.
    wait(browser, lambda d: d.title == "(1) agor")
    view(browser, "waiting")
    wait(browser, lambda d: DM_XSS in d.find_element(By.ID, "waiting-body").text)
    # An agent asks for a review: the count goes up without a reload ...
    notes = team.tasks["notes"]
    token = team.bttask.json("claim", notes.id, agent="dev-1")["token"]
    team.bttask.ok("complete", notes.id, "--token", token, "--summary", "Drafted", "--review",
                   agent="dev-1")
    wait(browser, lambda d: d.title == "(2) agor")
    wait(browser, lambda d: notes.title in d.find_element(By.ID, "waiting-body").text)
    shot(browser, "waiting")
    # ... and down once a reviewer moved it on.
    team.bttask.ok("status", notes.id, "done", agent="rev-1")
    wait(browser, lambda d: d.title == "(1) agor")


def test_a_phone_stacks_the_board_and_the_dark_theme_applies(team: Team, browser: webdriver.Chrome) -> None:
    browser.set_window_size(390, 844)
    signed_in(browser, team)
    # Stacked: one column of cells, nothing wider than the screen.
    assert browser.execute_script(
        "return getComputedStyle(document.getElementById('board-grid')).display") == "block"
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
    notes = card(browser, team.tasks["notes"])
    assert notes.size["width"] > 300
    shot(browser, "phone")

    background = "return getComputedStyle(document.body).backgroundColor"
    light = browser.execute_script(background)
    browser.find_element(By.ID, "theme").click()
    wait(browser, lambda d: d.execute_script("return document.documentElement.dataset.theme") == "dark")
    dark = browser.execute_script(background)
    assert dark != light and sum(int(c) for c in dark[4:-1].split(",")) < 150, dark
    shot(browser, "phone-dark")
    # The choice is kept across a reload; the system's preference applies when none is made.
    browser.refresh()
    wait(browser, lambda d: d.execute_script(background) == dark)
    browser.execute_script("localStorage.removeItem('agor-theme')")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    browser.set_window_size(1280, 800)
    browser.refresh()
    wait(browser, lambda d: card_at(d, team.tasks["notes"].title) is not None)
    assert browser.execute_script(background) == dark
    shot(browser, "board-dark")


def test_the_operator_sees_every_group_and_its_moves_are_refused_visibly(
    team: Team, browser: webdriver.Chrome
) -> None:
    sign_in(browser, team.server.origin, team.operator_secret)
    ops = team.tasks["ops"]
    wait(browser, lambda d: card_at(d, ops.title) == ("", "todo"))
    assert browser.find_element(By.ID, "who").text == "operator"
    # The operator has no agent identity: a move is refused, said, and the card goes back.
    focus(browser, ops)
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ARROW_LEFT).key_up(Keys.SHIFT).perform()
    notice = wait(browser, lambda d: d.find_element(By.ID, "notice").text or None)
    assert "Could not move" in notice
    wait(browser, lambda d: card_at(d, ops.title) == ("", "todo"))
    assert status_of(team, "ops", agent="ops-1") == "todo"
    view(browser, "messages")
    wait(browser, lambda d: "no mailbox" in d.find_element(By.ID, "conversations").text)
