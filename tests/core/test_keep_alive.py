"""The timeout warning's "Stay signed in": the keep-alive endpoint and what the page tells
its script (issue 15, forms that do not lose words)."""

import re
import time

from django.test import Client
from django.urls import reverse

from prevent_portal.core.middleware import SESSION_SEEN, SESSION_STARTED
from tests.conftest import sign_in

URL = reverse("core:keep_alive")


def _seen_ago(client, seconds: float) -> float:
    session = client.session
    session.setdefault(SESSION_STARTED, time.time() - 3600)
    session[SESSION_SEEN] = time.time() - seconds
    session.save()
    return session[SESSION_SEEN]


def test_staying_signed_in_starts_the_idle_time_again(client, world):
    sign_in(client, world.spoc_a)
    # Under the middleware's one-minute resolution, so only the keep-alive can move it.
    before = _seen_ago(client, 45)
    response = client.post(URL)
    assert response.status_code == 204
    assert response.content == b""
    assert client.session[SESSION_SEEN] >= before + 44


def test_after_staying_signed_in_the_session_outlives_the_idle_limit(client, world, settings):
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_IDLE_TIMEOUT.__class__(seconds=100)
    sign_in(client, world.spoc_a)
    _seen_ago(client, 50)
    assert client.post(URL).status_code == 204
    # 50 + 70 seconds after the last page: signed out without the keep-alive, not with it.
    session = client.session
    session[SESSION_SEEN] -= 70
    session.save()
    assert client.get(reverse("core:home")).status_code == 200


def test_the_keep_alive_refuses_get(client, world):
    sign_in(client, world.spoc_a)
    before = _seen_ago(client, 45)
    assert client.get(URL).status_code == 405
    assert client.session[SESSION_SEEN] == before


def test_an_anonymous_keep_alive_is_sent_to_sign_in(client):
    response = client.post(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_an_expired_session_is_not_revived(client, world, settings):
    sign_in(client, world.spoc_a)
    _seen_ago(client, settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5)
    response = client.post(URL)
    assert response.status_code == 302
    assert "timeout=idle" in response.url
    assert "_auth_user_id" not in client.session


def test_the_keep_alive_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.spoc_a)
    assert client.post(URL).status_code == 403


def test_signed_in_pages_carry_the_warning_and_its_timings(client, world, settings):
    settings.SESSION_WARNING_SECONDS = 90
    sign_in(client, world.spoc_a)
    html = client.get(reverse("core:home")).content.decode()
    dialog = re.search(r"<dialog[^>]*data-app-timeout-warning[^>]*>", html).group(0)
    idle = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
    assert f'data-idle-seconds="{idle}"' in dialog
    assert 'data-warning-seconds="90"' in dialog
    left = int(re.search(r'data-seconds-left="(\d+)"', dialog).group(1))
    assert idle - 5 <= left <= idle
    assert f'data-keep-alive-url="{URL}"' in dialog
    assert "app/timeout-warning.mjs" in html and "app/drafts.mjs" in html


def test_the_sign_in_page_has_no_warning_and_keeps_no_drafts(client):
    html = client.get(reverse("accounts:sign_in")).content.decode()
    assert "data-app-timeout-warning" not in html and "app/drafts.mjs" not in html


def test_signing_in_after_the_idle_sign_out_returns_to_the_page(client, world, settings):
    sign_in(client, world.spoc_a)
    _seen_ago(client, settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5)
    page = reverse("training:returns")
    # The timeout warning's own visit to sign in, after the deadline, keeps its `next`.
    warning = f"{reverse('accounts:sign_in')}?timeout=idle&next={page}"
    response = client.get(warning)
    assert response.status_code == 302
    assert (
        response.url == f"{reverse('accounts:sign_in')}?timeout=idle&next=%2Ftraining%2Freturns%2F"
    )
    assert "_auth_user_id" not in client.session
    # A page opened after the idle limit is where sign-in returns to.
    sign_in(client, world.spoc_a)
    _seen_ago(client, settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5)
    response = client.get(page + "?quarter=1")
    assert response.url.endswith("next=%2Ftraining%2Freturns%2F%3Fquarter%3D1")
