"""Benchmark of `agor serve` (issue 23, SPEC §13) in headless Chromium, on a fresh SQLite
file, against the real server process:

* first paint: a 1,000-task board, from navigation to the frame after its cards are in the
  page, beside a static HTML page of the same size (the board's own rendered markup and
  style, no scripts) served from this process, in the same run;
  targets: within 2x of the static page, and under 300 ms;
* live change: a task created by this process (another process than the server) until it is
  in an open page's board (a MutationObserver, then the next frame), median and p99;
  targets: median <= 100 ms, p99 <= 1 s;
* writer slowdown: a writer process creating tasks alone, and with 100 `/events` subscribers
  (drained as they come) plus 3 real pages open; target: slowed by <= 10 %.

    python benches/serve_bench.py                   # the measurements of benches/SERVE.md
    python benches/serve_bench.py --quick           # a smoke test for CI (small sizes)
    python benches/serve_bench.py --agor target/release/agor

Needs Debian's `chromium` and `chromium-driver`, selenium and `import agor`. Reports figures
from one run; it asserts nothing about speed (`--quick` checks only that each part ran).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NoReturn

import agor
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# The browser is started as the browser tests start it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
from chromium import headless  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wake_bench import cpu_seconds  # noqa: E402  (the same /proc reading as the wake bench)

ROOT = Path(__file__).resolve().parents[1]

# Runs before any script of a page: notes the frame after the page first holds `want` cards
# (`window.__painted`, ms since navigation), and the frame after a card titled
# `window.__want` appears (`window.__seen`, epoch ms).
OBSERVER = """
(() => {
  const want = %d;
  window.__painted = null; window.__want = null; window.__seen = null;
  const frame = (then) => requestAnimationFrame(() => setTimeout(then, 0));
  new MutationObserver(() => {
    if (window.__painted === null && document.querySelectorAll('.card').length >= want) {
      window.__painted = -1;
      frame(() => { window.__painted = performance.now(); });
    }
    if (window.__want !== null && window.__seen === null) {
      for (const t of document.querySelectorAll('.card .title')) {
        if (t.textContent === window.__want) {
          window.__seen = -1;
          frame(() => { window.__seen = performance.timeOrigin + performance.now(); });
          break;
        }
      }
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();
"""

WRITER = textwrap.dedent(
    """
    import sys, time, agor
    actor = agor.open(sys.argv[1]).as_agent("mgr-1")
    n = int(sys.argv[2])
    started = time.perf_counter()
    for i in range(n):
        actor.create_task(f"writer {sys.argv[3]} {i}")
    print(n / (time.perf_counter() - started))
    """
)


def missing(name: str, hint: str) -> NoReturn:
    sys.exit(f"serve_bench: {name} not found ({hint})")


def browser(cards: int) -> webdriver.Chrome:
    driver = headless(missing)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER % cards})
    return driver


def seed(db: str, tasks: int) -> tuple[str, str]:
    """A team with `tasks` tasks on its board; the secrets of its human and of the operator.
    The tasks are spread over five developers' lanes and the unassigned one, so that every
    card is drawn (a cell draws its first 200 and a button for the rest)."""
    store = agor.open(db)
    devs = [f"dev-{n}" for n in range(1, 6)]
    for agent in [("lead", "Lead", "human", "core"), ("mgr-1", "Manager", "manager", "core"),
                  *((dev, f"Developer {dev}", "project", "core") for dev in devs)]:
        store.register_agent(*agent)
    mgr = store.as_agent("mgr-1")
    lanes = [*devs, None]
    for i in range(tasks):
        mgr.create_task(f"Task {i}: a title of a usual length for a card", description="x" * 80,
                        assign_to=lanes[i % len(lanes)])
    return store.issue_token("lead"), store.call({"op": "issue_token", "operator": True})


@contextmanager
def serve(agor_bin: str, db: str, *extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`agor serve` on a free loopback port: its origin and its process."""
    proc = subprocess.Popen([agor_bin, "serve", "--db", db, "--http", "127.0.0.1:0", *extra],
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        if "serving http://" not in line:
            sys.exit(f"serve_bench: agor serve did not start: {line}{proc.stderr.read()}")
        threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
        url = line.split("serving ", 1)[1].split()[0].rstrip("/")
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sign_in(driver: webdriver.Chrome, origin: str, secret: str) -> None:
    driver.get(origin + "/")
    field = WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "secret"))
    WebDriverWait(driver, 20).until(lambda d: field.is_displayed())
    field.send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()


def until(driver: webdriver.Chrome, script: str, timeout: float = 30) -> float:
    value = WebDriverWait(driver, timeout, poll_frequency=0.005).until(
        lambda d: (lambda v: v if v is not None and v >= 0 else None)(d.execute_script(script))
    )
    return float(value)


def painted(driver: webdriver.Chrome, url: str) -> float:
    driver.get(url)
    return until(driver, "return window.__painted")


def static_copy(driver: webdriver.Chrome, origin: str, folder: Path) -> None:
    """The rendered board as a static page: its markup without scripts, its style sheets."""
    html = driver.execute_script("return document.documentElement.outerHTML")
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    for href in re.findall(r'<link[^>]+href="([^"]+)"', html):
        if href.startswith("/") or not re.match(r"\w+:", href):
            path = "/" + href.lstrip("/")
            target = folder / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(urllib.request.urlopen(origin + path).read())
    (folder / "static.html").write_text("<!doctype html>\n" + html)


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def first_paint(driver: webdriver.Chrome, origin: str, rounds: int, folder: Path) -> tuple[float, float]:
    """Median first paint of the live board and of its static copy, in ms (alternating)."""
    painted(driver, origin + "/")  # warm: the cache of the page's own files
    static_copy(driver, origin, folder)
    live, static = [], []
    with static_server(folder) as static_origin:
        painted(driver, static_origin + "/static.html")
        for _ in range(rounds):
            live.append(painted(driver, origin + "/"))
            static.append(painted(driver, static_origin + "/static.html"))
    return statistics.median(live), statistics.median(static)


def live_changes(driver: webdriver.Chrome, origin: str, db: str, rounds: int) -> list[float]:
    """Latencies (ms) of tasks created by this process until they are in the open page."""
    painted(driver, origin + "/")
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "live").is_displayed())
    mgr = agor.open(db).as_agent("mgr-1")
    took = []
    for i in range(rounds):
        title = f"live change {i}"
        driver.execute_script("window.__seen = null; window.__want = arguments[0];", title)
        started = time.time() * 1000
        mgr.create_task(title)
        took.append(until(driver, "return window.__seen", timeout=10) - started)
        time.sleep(0.1)
    return took


def stream_changes(origin: str, secret: str, db: str, rounds: int) -> list[float]:
    """Latencies (ms) of tasks created by this process until their event is read off one
    `/events` stream: the server's share of a change reaching a page."""
    host, port = origin.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall((f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Authorization: Bearer {secret}\r\nAccept: text/event-stream\r\n\r\n").encode())
    buffer = s.recv(65536)
    mgr = agor.open(db).as_agent("mgr-1")
    took = []
    for i in range(rounds):
        title = f"streamed change {i}".encode()
        started = time.time() * 1000
        mgr.create_task(title.decode())
        while title not in buffer:
            buffer += s.recv(65536)
        took.append(time.time() * 1000 - started)
        buffer = b""
        time.sleep(0.05)
    s.close()
    return took


def percentiles(took: list[float]) -> tuple[float, float]:
    """Median and p99 of `took`."""
    took = sorted(took)
    return statistics.median(took), took[min(len(took) - 1, int(round(0.99 * (len(took) - 1))))]


class Subscribers:
    """`n` `GET /events` streams, drained by one thread as events come."""

    def __init__(self, origin: str, secret: str, n: int) -> None:
        host, port = origin.removeprefix("http://").split(":")
        self.sel = selectors.DefaultSelector()
        self.events = 0
        self.socks = []
        for _ in range(n):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall((f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       f"Authorization: Bearer {secret}\r\nAccept: text/event-stream\r\n\r\n").encode())
            head = s.recv(4096)
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                sys.exit(f"serve_bench: a subscriber was refused: {head[:200]!r}")
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
            self.socks.append(s)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.drain, daemon=True)
        self.thread.start()

    def drain(self) -> None:
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                self.events += data.count(b"event: change")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a browser is a driver, its browser and renderers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def writer_rate(db: str, n: int, tag: str) -> float:
    out = subprocess.run([sys.executable, "-c", WRITER, db, str(n), tag], check=True,
                         capture_output=True, text=True).stdout
    return float(out)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), "unknown CPU")
    load = os.getloadavg()[0]
    return f"{model}, {os.cpu_count()} cores, load average {load:.1f} at the end"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test for CI")
    parser.add_argument("--agor", default=os.environ.get("AGOR_MCP") or str(ROOT / "target/debug/agor"))
    args = parser.parse_args()
    tasks, rounds, changes, subscribers, pages, writes = (
        (50, 2, 5, 10, 1, 40) if args.quick else (1000, 7, 100, 100, 3, 2000)
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "team.db")
        human, operator = seed(db, tasks)
        caps = ("--max-streams-per-principal", str(subscribers + 8),
                "--max-streams", str(subscribers + 16))
        with serve(args.agor, db, *caps) as (origin, server):
            driver = browser(tasks)
            try:
                sign_in(driver, origin, human)
                WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "live").is_displayed())
                live, static = first_paint(driver, origin, rounds, Path(tmp) / "static")
                took = live_changes(driver, origin, db, changes)
                streamed = stream_changes(origin, operator, db, changes)
                # The writer alone, with the subscribers, and with the subscribers and the
                # pages, twice each, interleaved; no page is open unless it is measured.
                pages_open = [driver]
                for _ in range(pages - 1):
                    pages_open.append(browser(0))
                    sign_in(pages_open[-1], origin, human)
                alone, streams_only, loaded = [], [], []
                # Who took the CPU while the loaded writer ran, in cores: the server, the
                # pages' browsers, this process (the thread draining the subscribers).
                shares: dict[str, list[float]] = {"server": [], "browsers": [], "subscribers": []}
                writer_rate(db, writes, "warm")
                for round_ in range(2):
                    for page in pages_open:
                        page.get("about:blank")
                    alone.append(writer_rate(db, writes, f"alone {round_}"))
                    subs = Subscribers(origin, operator, subscribers)
                    time.sleep(0.5)
                    streams_only.append(writer_rate(db, writes, f"streams {round_}"))
                    for page in pages_open:
                        page.get(origin + "/")
                        WebDriverWait(page, 30).until(lambda d: d.find_element(By.ID, "live").is_displayed())
                    # Measured open, not loading: each page's first frames drawn, then a pause
                    # (the subscribers' phase had one too).
                    for page in pages_open:
                        page.execute_async_script(
                            "const done = arguments[0];"
                            "requestAnimationFrame(() => requestAnimationFrame(() => done()));")
                    time.sleep(0.5)
                    # Read after the pages loaded: a navigation starts new renderers.
                    browsers = [p for page in pages_open for p in process_tree(page.service.process.pid)]
                    parties = {"server": [server.pid], "browsers": browsers, "subscribers": [os.getpid()]}
                    before = {k: sum(map(cpu_seconds, v)) for k, v in parties.items()}
                    started = time.perf_counter()
                    loaded.append(writer_rate(db, writes, f"loaded {round_}"))
                    took_s = time.perf_counter() - started
                    for k, v in parties.items():
                        shares[k].append((sum(map(cpu_seconds, v)) - before[k]) / took_s)
                    time.sleep(0.5)
                    events = subs.events
                    subs.close()
                    if events < subscribers:
                        sys.exit(f"serve_bench: the subscribers got only {events} events")
                for page in pages_open[1:]:
                    page.quit()
            finally:
                driver.quit()
    alone_rate, loaded_rate = statistics.median(alone), statistics.median(loaded)
    streams_rate = statistics.median(streams_only)
    median, p99 = percentiles(took)
    stream_median, stream_p99 = percentiles(streamed)
    slowdown = 1 - loaded_rate / alone_rate
    print(f"machine: {machine()}; server: {args.agor}")
    print(f"first paint, {tasks} tasks: live board {live:.0f} ms, static page {static:.0f} ms, "
          f"ratio {live / static:.2f} (target <= 2, live < 300 ms)")
    print(f"change to an open page, {len(took)} changes: median {median:.0f} ms, p99 {p99:.0f} ms "
          f"(targets <= 100 ms, <= 1000 ms)")
    print(f"  of which the server, to an /events stream: median {stream_median:.0f} ms, "
          f"p99 {stream_p99:.0f} ms")
    print(f"writer: {alone_rate:.0f} tasks/s alone; {streams_rate:.0f} tasks/s with {subscribers} "
          f"event streams: slowed {100 * (1 - streams_rate / alone_rate):.1f} %; "
          f"{loaded_rate:.0f} tasks/s with them and {pages} pages: slowed {100 * slowdown:.1f} % "
          f"(target <= 10 %)")
    print("  CPU while the loaded writer ran (cores, median): " + ", ".join(
        f"{k} {statistics.median(v):.2f}" for k, v in shares.items()))


if __name__ == "__main__":
    main()
