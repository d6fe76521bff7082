"""Headless Debian Chromium against pytest-django's live server.

One browser for the whole session; each test gets fresh browser contexts (cookie jars).
Personas are signed in by writing a server-side session and handing its cookie to the
context, so only the sign-in tests type passwords and security codes.
"""

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The sync playwright API runs an event loop in this thread; the ORM calls in the tests are
# still synchronous and safe. Both must be set before Django or the live server starts.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connections  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Playwright's own timeouts are 30 s; a page of this application renders in milliseconds.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Rows inserted by migrations (sectors), saved when the test database was created.
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        # Between calls playwright leaves its event loop marked as running in this thread,
        # so from now on asgiref gives Django a new set of connections (the async-context
        # storage). Those lack the saved rows, and without them the flush after each
        # transactional test would leave every later test without sectors.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        yield browser
        browser.close()


@pytest.fixture
def browser_db(transactional_db, django_db_serialized_rollback):
    """The live server sees only committed data, so browser tests use a transactional
    database; the serialized rollback puts back what migrations inserted after the flush
    that ends each transactional test."""


def verified_session(user, *, second_factor: bool = True) -> SessionStore:
    """A server-side session for ``user`` as the sign-in views leave it: password given and,
    with ``second_factor``, the confirmed authenticator verified."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    if second_factor:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session["otp_device_id"] = device.persistent_id
        session["pp_auth_at"] = time.time()  # password and code just given
    session["pp_started"] = session["pp_seen"] = time.time()
    session.create()
    return session


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


@dataclass
class Browsing:
    """Opens pages in fresh contexts and records what the browser complained about."""

    browser: object
    base_url: str
    contexts: list = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def page(self, user=None, *, second_factor: bool = True):
        """A new page in its own context, signed in as ``user`` (anonymous if None)."""
        context = self.browser.new_context(base_url=self.base_url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        if user is not None:
            session = verified_session(user, second_factor=second_factor)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session.session_key,
                        "domain": urlsplit(self.base_url).hostname,
                        "path": "/",
                        "httpOnly": True,
                        "sameSite": "Lax",
                    }
                ]
            )
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        return page

    def _console(self, message) -> None:
        # A 404 or 403 page logs the failed document load; that is the page under test.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server, browser_db) -> Iterator[Browsing]:
    browsing = Browsing(browser=browser, base_url=live_server.url)
    yield browsing
    browsing.close()


@pytest.fixture
def open_page(browsing) -> Callable:
    return browsing.page
