"""The outbox: rows written with the change, each sent exactly once, no broker on requests."""

import os
import socket
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from prevent_portal.celery import app as celery_app
from prevent_portal.outbox import services as outbox_services
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import (
    notification_queue,
    notification_queue_many,
    outbox_send_pending,
)
from tests import factories
from tests.conftest import sign_in


def queue(user, n=1, prefix="test"):
    return [
        notification_queue(
            dedup_key=f"{prefix}:{i}",
            kind="referral_closed",
            recipient=user,
            subject=f"Subject {i}",
            body="b",
        )[0]
        for i in range(n)
    ]


def test_same_dedup_key_is_queued_once(world):
    first, created = notification_queue(
        dedup_key="k", kind="referral_closed", recipient=world.spoc_a, subject="s", body="b"
    )
    again, created_again = notification_queue(
        dedup_key="k", kind="referral_closed", recipient=world.spoc_a, subject="s", body="b"
    )
    assert created and not created_again and first.pk == again.pk
    assert Notification.objects.count() == 1


def test_sweep_twice_sends_each_once(world):
    queue(world.spoc_a, 3)
    assert outbox_send_pending().sent == 3
    assert outbox_send_pending().sent == 0
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert mail.outbox[0].to == [world.spoc_a.email]


def test_failed_send_is_retried_later_not_lost(world, settings):
    queue(world.spoc_a, 1)
    settings.EMAIL_BACKEND = "tests.outbox.failing_backend.FailingBackend"
    result = outbox_send_pending()
    assert (result.sent, result.failed) == (0, 1)
    row = Notification.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "refused" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_send_pending().sent == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_notification_once():
    world_user = factories.UserFactory()
    queue(world_user, 60)
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        try:
            barrier.wait()
            results.append(outbox_send_pending().sent)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 60
    assert len(mail.outbox) == 60
    assert len({m.subject for m in mail.outbox}) == 60
    assert Notification.objects.filter(status="sent").count() == 60


@pytest.fixture
def silent_broker():
    """A TCP port that accepts connections and never answers: the worst broker outage."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        yield port
    finally:
        celery_app.conf.broker_url = old
        server.close()


def test_request_that_queues_a_notification_answers_with_broker_down(client, world, silent_broker):
    ref = factories.referral(world.agency_b)
    sign_in(client, world.coordinator)
    started = time.monotonic()
    response = client.post(
        f"/referrals/{ref.pk}/share/",
        {"share_with": "user", "username": world.spoc_a.username, "reason": "case conference"},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 3
    note = Notification.objects.get(kind="referral_shared")
    assert note.recipient == world.spoc_a and note.status == "pending"


def test_share_and_its_notification_commit_together(world, monkeypatch):
    """If queuing the notification fails, the share is not saved either."""
    from referrals import services
    from referrals.services import sharing

    ref = factories.referral(world.agency_b)

    def boom(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(sharing, "notification_queue", boom)
    with pytest.raises(RuntimeError):
        services.referral_share(
            referral=ref, to_user=world.spoc_a, reason="x", acting_user=world.coordinator
        )
    assert not ref.user_grants.exists()


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server (REDIS_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_sends_pending_notifications_through_redis():
    from celery.contrib.testing.worker import start_worker

    from prevent_portal.outbox.tasks import send_pending_notifications

    user = factories.UserFactory()
    queue(user, 2, prefix="redis")
    celery_app.conf.broker_url = os.environ["REDIS_URL"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_pending_notifications.delay()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if Notification.objects.filter(status="sent").count() == 2:
                break
            time.sleep(0.2)
    assert Notification.objects.filter(status="sent").count() == 2
    assert len(mail.outbox) == 2


def test_row_left_sending_by_a_dead_worker_is_sent_after_the_claim_timeout(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 600
    stale, live = queue(world.spoc_a, 2)
    now = timezone.now()
    Notification.objects.filter(pk=stale.pk).update(
        status="sending", claimed_at=now - timedelta(seconds=601)
    )
    Notification.objects.filter(pk=live.pk).update(
        status="sending", claimed_at=now - timedelta(seconds=599)
    )
    assert outbox_send_pending().sent == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == "sent" and "claim expired" in stale.last_error
    assert live.status == "sending", "a claim younger than the timeout belongs to a live worker"
    assert [m.subject for m in mail.outbox] == [stale.subject]


def test_every_send_of_a_notification_carries_the_same_message_id(world, settings):
    from prevent_portal.outbox.services import message_id

    (note,) = queue(world.spoc_a, 1)
    settings.EMAIL_BACKEND = "tests.outbox.failing_backend.FailingBackend"
    outbox_send_pending()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox_send_pending()
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == message_id(note)
    assert sent.message()["Message-ID"] == message_id(note)
    assert message_id(note) != message_id(queue(world.spoc_a, 1, prefix="other")[0])


def unsaved(user, keys):
    return [
        Notification(
            dedup_key=k, kind="referral_closed", recipient=user, subject=f"Subject {k}", body="b"
        )
        for k in keys
    ]


def test_queue_many_writes_only_new_keys_and_returns_them_with_pks(world):
    queue(world.spoc_a, 2, prefix="k")  # k:0 and k:1 already queued
    written = notification_queue_many(notifications=unsaved(world.spoc_a, ["k:1", "k:2", "k:3"]))
    assert [n.dedup_key for n in written] == ["k:2", "k:3"]
    stored = dict(Notification.objects.values_list("dedup_key", "pk"))
    assert {n.dedup_key: n.pk for n in written} == {"k:2": stored["k:2"], "k:3": stored["k:3"]}
    assert Notification.objects.get(dedup_key="k:1").subject == "Subject 1"  # not rewritten
    assert notification_queue_many(notifications=unsaved(world.spoc_a, ["k:3"])) == []


def test_queue_many_inserts_a_batch_per_statement(world, monkeypatch):
    monkeypatch.setattr(outbox_services, "QUEUE_BATCH_SIZE", 2)
    with CaptureQueriesContext(connection) as ctx:
        written = notification_queue_many(
            notifications=unsaved(world.spoc_a, [f"b:{i}" for i in range(5)])
        )
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3 and len(written) == 5
    assert Notification.objects.filter(kind="referral_closed").count() == 5


def test_queue_many_sends_what_it_wrote_after_commit_in_the_demo(
    world, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_SEND_INLINE = True
    queue(world.spoc_a, 1, prefix="d")  # d:0 stays pending: not this call's to send
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue_many(notifications=unsaved(world.spoc_a, ["d:0", "d:1", "d:2"]))
    assert sorted(m.subject for m in mail.outbox) == ["Subject d:1", "Subject d:2"]
    assert Notification.objects.get(dedup_key="d:0").status == "pending"


def test_links_to_a_view_with_whole_numbers_are_reversed_once_and_say_the_same(db, monkeypatch):
    """Issue 18: the reminder sweep builds a link for each of its 13,000 reminders at scale
    1, each a full ``reverse``. The address is reversed once per view; every link is the
    one ``reverse`` gives, and other arguments are still reversed each time."""
    from django.urls import reverse as django_reverse

    from prevent_portal.core import links as record_links
    from prevent_portal.outbox import links

    calls = []
    monkeypatch.setattr(
        record_links, "reverse", lambda *a, **k: calls.append(a) or django_reverse(*a, **k)
    )
    monkeypatch.setattr(record_links, "_formats", {})
    for pk in (1, 22, 333, 4444):
        assert links.site_link("referrals:triage", pk) == links.absolute_url(
            django_reverse("referrals:triage", args=[pk])
        )
    assert len(calls) == 1
    assert links.site_link("referrals:triage", "7") == links.absolute_url(
        django_reverse("referrals:triage", args=["7"])
    )
    assert len(calls) == 2
