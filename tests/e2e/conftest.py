"""Browser tests against the real ASGI app (HTTP + WebSockets) served by uvicorn in-process.

The server runs in a background thread of the test process, so the in-memory channel layer
is shared with the test. Playwright's sync API keeps an asyncio loop running in the test's
own thread, which has two consequences handled here:

* Django's async-safety check would refuse ORM calls from the test; the e2e fixtures set
  DJANGO_ALLOW_ASYNC_UNSAFE while they run (and only then).
* `async_to_sync` refuses to run in a thread with a running loop, so a live notice sent from
  the test thread is dropped (`unidesk.core.live` logs "live update ... failed"). Code that
  must notify the browser (`receive()`, services) therefore runs on the server's own loop
  through `server.call(...)`, exactly as a request handled by the server would.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import close_old_connections, connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def _async_unsafe_allowed() -> Iterator[None]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # not the main thread: leave signals alone
        pass


@dataclass
class AsgiServer:
    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` in the server, as a request handler would: on the server's event loop's
        sync thread, so live notices it sends after commit reach the connected browsers."""

        def run() -> T:
            try:
                return fn(*args, **kwargs)
            finally:
                close_old_connections()

        future = asyncio.run_coroutine_threadsafe(sync_to_async(run)(), self.loop)
        return future.result(timeout=30)


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup, _async_unsafe_allowed) -> Iterator[AsgiServer]:
    """uvicorn serving `unidesk.config.asgi:application` for the whole session, with the
    triage models loaded first as `unidesk web` does (`served_application`)."""
    from unidesk.config.asgi import served_application

    application = served_application()

    # Under ASGI every request runs in a fresh thread; persistent connections would be
    # left open in dead threads (and PostgreSQL refuses to drop a test DB in use).
    db_settings = connections.settings["default"]
    saved_max_age = db_settings.get("CONN_MAX_AGE", 0)
    db_settings["CONN_MAX_AGE"] = 0

    port = _free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets",
    )
    server = _Server(config)
    loop_box: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loop_box.append(asyncio.get_running_loop())
        try:
            await server.serve()
        finally:
            await sync_to_async(connections.close_all)()
            connections.close_all()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield AsgiServer(url=f"http://127.0.0.1:{port}", loop=loop_box[0])
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        db_settings["CONN_MAX_AGE"] = saved_max_age


@pytest.fixture
def server(_asgi_server: AsgiServer, transactional_db) -> Iterator[AsgiServer]:
    """The live server, with committed data the server's threads can see."""
    cache.clear()  # presence lists live in the cache
    yield _asgi_server
    cache.clear()


@pytest.fixture(scope="module")
def playwright_instance(_async_unsafe_allowed) -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, server: AsgiServer) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context (its own cookies: one agent per context)."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=server.url, viewport=VIEWPORT)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()  # closes the sockets before the database is flushed


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def _login(page: Page, username: str, password: str = "pw") -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, username, password="pw")`: sign in through the login form."""
    return _login


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
