"""Real headless Chromium (Debian's `chromium` + `chromium-driver`, installed by .ci/run when
missing) driven by Selenium 4 with the system chromedriver passed explicitly: nothing is
downloaded. Skipped, with the reason, only when no Chromium is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import ServerProcess

CHROMEDRIVER = os.environ.get("VECML_LOCAL_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]
TIMEOUT = 120.0


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _require_browser() -> str:
    binary = _chromium()
    if binary is None or not Path(CHROMEDRIVER).is_file():
        pytest.skip(
            "no Chromium installed (need /usr/bin/chromium and /usr/bin/chromedriver: "
            "apt-get install chromium chromium-driver; .ci/run does this when it runs as root)"
        )
    pytest.importorskip("selenium", reason="selenium is in the dev extra: pip install -e '.[dev]'")
    return binary


class Console:
    """One browser session (its own cookies) on a console server."""

    def __init__(self, origin: str, binary: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.origin = origin
        self.requested: list[str] = []
        self.console: list[dict[str, Any]] = []

    def open(self, path: str) -> None:
        self.driver.get(self.origin + path)

    def wait(self, condition: Callable[[Any], Any], timeout: float = TIMEOUT, message: str = "") -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(condition, message)

    def css(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def fill(self, form: str, **values: str) -> None:
        from selenium.webdriver.support.ui import Select

        for name, value in values.items():
            field = self.css(f"{form} [name='{name}']")
            if field.tag_name == "select":
                Select(field).select_by_visible_text(value)
            else:
                field.clear()
                field.send_keys(value)

    def submit(self, form: str) -> None:
        self.css(f"{form} button[type='submit']").click()

    def collect_logs(self) -> None:
        """Drain the browser's console and network logs (kept for the checks at the end)."""
        self.console += self.driver.get_log("browser")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])

    def chart(self, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The drawn Plotly figure of the `data-chart=kind` container: its traces' point counts."""
        selector = f"[data-chart='{kind}']"
        self.wait(
            lambda d: d.execute_script(
                "const el = document.querySelector(arguments[0]);"
                "return !!(el && el.getAttribute('data-drawn') === 'true' && el.querySelector('svg.main-svg'));",
                selector,
            ),
            timeout,
            f"chart {kind} was not drawn",
        )
        return self.driver.execute_script(
            "const el = document.querySelector(arguments[0]);"
            "return {traces: el.data.map(t => ({type: t.type, name: t.name || '', x: Array.from(t.x || []),"
            " y: Array.from(t.y || []), z: t.z ? t.z.map(r => Array.from(r)) : null})),"
            " svg_points: el.querySelectorAll('.point').length};",
            selector,
        )

    def screenshot(self, name: str) -> None:
        target = os.environ.get("VECML_LOCAL_SCREENSHOTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            height = self.driver.execute_script("window.scrollTo(0, 0); return document.body.scrollHeight;")
            self.driver.set_window_size(1280, min(max(int(height), 600), 1500))
            self.driver.save_screenshot(str(Path(target) / f"{name}.png"))
            self.driver.set_window_size(1280, 1000)

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="module")
def browser_binary() -> str:
    return _require_browser()


def start_server(data_dir: Path, env: dict[str, str] | None = None) -> tuple[ServerProcess, str]:
    server = ServerProcess(data_dir, env=env).start()
    origin = server.base_url.rsplit("/api", 1)[0]
    deadline = time.monotonic() + 30
    while httpx.get(origin + "/ready").status_code != 200:  # poll, not sleep for an outcome
        assert time.monotonic() < deadline, "server never became ready"
        time.sleep(0.1)
    return server, origin


@pytest.fixture(scope="module")
def console_server(
    browser_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, str]]:
    server, origin = start_server(Path(tmp_path_factory.mktemp("console-data")))
    yield server, origin
    server.stop()


@pytest.fixture(scope="module")
def keys_server(browser_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A `keys`-mode server and one valid key created with the CLI before it starts."""
    data_dir = Path(tmp_path_factory.mktemp("console-keys"))
    created = subprocess.run(
        [sys.executable, "-m", "vecml_local", "keys", "create", "--data-dir", str(data_dir), "--label", "browser"],
        capture_output=True,
        text=True,
        check=True,
    )
    server, origin = start_server(data_dir, env={"VECML_LOCAL_AUTH": "keys"})
    yield origin, created.stdout.strip()
    server.stop()


@pytest.fixture
def open_browser(browser_binary: str) -> Iterator[Callable[[str], Console]]:
    sessions: list[Console] = []

    def start(origin: str) -> Console:
        session = Console(origin, browser_binary)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.quit()
