"""Your notifications: the signed-in user's own e-mails, newest first, a page at a time, in a
constant number of queries, and never anybody else's."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.views import PAGE_SIZE
from tests.conftest import sign_in

URL = reverse("outbox:notification_list")


def _queue(user, n: int, prefix: str = "n") -> None:
    for i in range(n):
        Notification.objects.create(
            dedup_key=f"{prefix}:{user.pk}:{i}",
            kind="referral_closed",
            recipient=user,
            subject=f"{prefix} subject {i}",
            body=f"Sign in: http://127.0.0.1:8000/referrals/{i}/status/",
        )


def test_it_lists_only_the_users_own_notifications_newest_first(client, world):
    _queue(world.spoc_a, 3, "mine")
    _queue(world.spoc_b, 2, "theirs")
    sign_in(client, world.spoc_a)
    page = client.get(URL).content.decode()
    assert "theirs" not in page
    assert (
        page.index("mine subject 2") < page.index("mine subject 1") < page.index("mine subject 0")
    )
    assert 'href="http://127.0.0.1:8000/referrals/2/status/"' in page
    assert "Waiting to send" in page
    sign_in(client, world.no_role)
    assert "You have no notifications" in client.get(URL).content.decode()


def test_it_is_paginated_with_a_constant_query_count(client, world):
    sign_in(client, world.spoc_a)
    _queue(world.spoc_a, 2, "few")
    client.get(URL)  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _queue(world.spoc_a, PAGE_SIZE * 2, "many")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(many) == len(few)
    page = response.content.decode()
    assert page.count('class="govuk-link" href="http') == PAGE_SIZE
    assert 'rel="next"' in page
    second = client.get(URL + "?page=3").content.decode()
    assert "few subject 0" in second  # the oldest, on the last page


def test_a_one_time_link_is_never_shown_on_the_page(client, world):
    """Review 4: a password reset's link on "Your notifications" let whoever held a session
    read it off the page. Kinds whose link is a one-time secret show no link."""
    from prevent_portal.outbox.kinds import KINDS

    secret = [name for name, kind in KINDS.items() if kind.secret_link]
    assert {"accounts.password_reset", "accounts.invitation", "accounts.enrolment_link"} <= set(
        secret
    )
    for i, kind in enumerate(secret):
        Notification.objects.create(
            dedup_key=f"secret:{i}",
            kind=kind,
            recipient=world.spoc_a,
            subject=f"secret subject {i}",
            body=f"Use this link: http://127.0.0.1:8000/sign-in/reset-password/MQ/tok{i}/",
        )
    sign_in(client, world.spoc_a)
    page = client.get(URL).content.decode()
    assert "secret subject 0" in page
    assert "reset-password" not in page and "tok0" not in page
