"""Fixtures of the browser tests: a seeded workbench server and Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` (installed by ``scripts/system-deps.sh``); no browser
is ever downloaded. Every test here is marked ``browser`` and skipped where Chromium, the
``playwright`` package or the web extra is missing. The tests share one server and one
browser per module (xdist group ``browser``: they run on one worker). Module scope, not
session: Playwright's sync API keeps an event loop running in the main thread, which would
break ``asyncio.run`` in the other tests of the same worker.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: Chromium's switches: headless, and nothing that reaches the network by itself.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Console errors that are not faults: htmx logs the request it aborts when a newer input
#: replaces it (hx-sync "replace"); failed loads are caught by status below, with their URL.
BENIGN = ("htmx:afterRequest", "htmx:sendAbort", "Failed to load resource")
PASSWORDS = {"ana": "ana-workbench-pw", "vic": "vic-workbench-pw"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (scripts/system-deps.sh installs it)")
    pytest.importorskip("playwright.sync_api")
    pytest.importorskip("uvicorn")
    pytest.importorskip("yubi.web.app")
    running = _server_module().start(tmp_path_factory.mktemp("workbench"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright gives the browser a fresh temporary profile (--user-data-dir) of its own.
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, server: Any) -> Iterator[Any]:
    """A new browser context (no cookies) with one page, its errors collected."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US",
                                  accept_downloads=True)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text)
           if message.type == "error" and not message.text.startswith(BENIGN) else None)
    tab.on("response", lambda response: tab.errors.append(f"{response.status} {response.url}")
           if response.status >= 400 else None)
    yield tab
    context.close()


def _server_module() -> ModuleType:
    """``server.py`` beside this file (also a script: ``python tests/browser/server.py``)."""
    spec = importlib.util.spec_from_file_location(
        "yubi_browser_server", Path(__file__).resolve().parent / "server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def login(page: Any, server: Any) -> Callable[[str], Any]:
    """Log in through the login form, as a person would; returns the page."""

    def sign_in(user: str = "ana") -> Any:
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORDS[user])
        page.click("button[type=submit]")
        page.wait_for_url(lambda address: "/login" not in address)
        return page

    return sign_in


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/browser/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture()
def shoot() -> Callable[[Any, str], Path]:
    return screenshot
