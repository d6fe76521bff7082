"""The sweep checks its recipients' sight in batches (issue 18, branch `list18`).

A reminder about a record goes only to a recipient who may see the record (each recipient's
own ``visible_to``). That was two queries per recipient to load their access cache and one per
recipient and kind of record to check: about 900 queries for the 300 recipients of scale 1,
most of the sweep's time per area. Now the caches are loaded together (``access.prime``) and
the checks of many recipients go as one statement; what is kept must not change.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_portal.accounts import access
from prevent_portal.accounts.models import User
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders import registry, services
from tests import factories

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 1)


@pytest.fixture
def about_referrals(world):
    """A provider reminding each of ``recipients`` (personas) of each referral of
    ``referrals``; both lists are set by the test. Recipients are loaded afresh each run, so
    nothing of their access is cached before the sweep."""
    wanted = {"recipients": [], "referrals": []}

    def provider(today):
        pks = [getattr(world, name).pk for name in wanted["recipients"]]
        users = User.objects.filter(pk__in=pks).order_by("pk")
        for user in users:
            for referral in wanted["referrals"]:
                yield registry.Reminder(
                    kind="triage_overdue",
                    key=f"{referral.pk}:{user.pk}",
                    subject=f"Referral {referral.pk}",
                    due=today,
                    recipient=user,
                    title="A referral waits",
                    body=f"Referral {referral.pk}",
                    record=referral,
                )

    registry.register("test.referrals", provider)
    yield wanted
    registry.unregister("test.referrals")


def test_a_batch_keeps_each_recipients_own_sight(world, about_referrals, monkeypatch):
    monkeypatch.setattr(services, "VISIBILITY_BATCH", 2)  # several batches, mixed in each
    of_a = factories.referral(world.agency_a)
    of_b = factories.referral(world.agency_b)
    about_referrals["referrals"] = [of_a, of_b]
    about_referrals["recipients"] = ["coordinator", "spoc_a", "spoc_b", "manager", "referrer_a"]
    services.reminders_queue_due(today=DAY)
    queued = set(
        Notification.objects.filter(subject="A referral waits").values_list(
            "recipient__username", "body"
        )
    )
    assert queued == {
        ("coordinator", f"Referral {of_a.pk}"),
        ("coordinator", f"Referral {of_b.pk}"),
        ("spoc-a", f"Referral {of_a.pk}"),
        ("spoc-b", f"Referral {of_b.pk}"),
    }


def _checking_queries(about_referrals, names) -> int:
    about_referrals["recipients"] = names
    due = {}
    for provider in registry.providers().values():
        for reminder in provider(DAY):
            due.setdefault(reminder.dedup_key, reminder)
    with CaptureQueriesContext(connection) as queries:
        services._visible_only(due)
    return len(queries.captured_queries)


def test_checking_more_recipients_takes_no_more_queries(world, about_referrals):
    about_referrals["referrals"] = [factories.referral(world.agency_a)]
    few = _checking_queries(about_referrals, ["coordinator", "spoc_a"])
    many = _checking_queries(
        about_referrals, ["coordinator", "spoc_a", "spoc_b", "chair", "panel_a", "referrer_a"]
    )
    assert few == many


def test_primed_access_is_what_each_user_loads_alone(world):
    names = ["coordinator", "chair", "manager", "regional", "spoc_a", "panel_a", "referrer_b"]
    primed = list(User.objects.filter(username__in=names))
    access.prime(primed)
    for user in primed:
        alone = User.objects.get(pk=user.pk)
        assert vars(access._cache(user)) == vars(access._cache(alone)), user.username
