"""Headless Chromium for the page of `agor serve`: the browser tests and benches/serve_bench.py
both start it here, with Debian's `chromium` and `chromium-driver` (scripts/test.sh installs
them)."""

from __future__ import annotations

import os
import shutil
from typing import Callable, NoReturn

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HINT = "install Debian's chromium and chromium-driver (scripts/test.sh does)"


def executable(name: str, missing: Callable[[str, str], NoReturn]) -> str:
    """The path of `name`; `missing(name, hint)` is called when there is none (it raises)."""
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if not found:
        missing(name, HINT)
    return found  # type: ignore[return-value]


def headless(missing: Callable[[str, str], NoReturn], width: int = 1280, height: int = 800) -> webdriver.Chrome:
    """A headless Chromium under WebDriver. `--no-sandbox`: CI runs as root. The driver is given
    explicitly: selenium's own manager would reach for the network."""
    options = webdriver.ChromeOptions()
    options.binary_location = executable("chromium", missing)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable("chromedriver", missing)), options=options)
