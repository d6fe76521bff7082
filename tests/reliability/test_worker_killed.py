"""A real Celery worker (own process, real Redis, the test's PostgreSQL database) is killed
with SIGKILL while it sends a notification; after a restart each notification has been
e-mailed once. The mailbox is a directory both processes see (tests/outbox/mailbox_backend.py).
"""

from __future__ import annotations

import pytest
from django.db import connection

from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import message_id, notification_queue
from tests import factories
from tests.reliability.outbox_worker import (
    delivered,
    run_sweep,
    start_worker,
    sweep_until_all_sent,
)
from tests.reliability.servers import wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process shares only PostgreSQL"
    ),
]


def queued(n: int) -> list[Notification]:
    user = factories.UserFactory()
    return [
        notification_queue(
            dedup_key=f"kill:{i}",
            kind="referral_closed",
            recipient=user,
            subject=f"Subject {i}",
            body="b",
        )[0]
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_before_the_mail_server_accepted_sends_each_notification_once(
    tmp_path, redis_server, mailbox
):
    """The whole worker (main process and pool) dies, as when its host does, while the mail
    server is still receiving a message. A new worker finds the row left in "sending" once
    the claim has expired and sends it; every notification arrives once."""
    notifications = queued(3)
    (mailbox / "hold").touch()
    worker = start_worker(tmp_path, redis_server, mailbox, hold="before")
    try:
        run_sweep(redis_server)
        wait_for(lambda: list(mailbox.glob("*.started")), timeout=90, what="a send to start")
        assert Notification.objects.filter(status="sending").count() == 1
        worker.kill()
    finally:
        worker.stop()
    (mailbox / "hold").unlink()
    assert Notification.objects.filter(status="sending").count() == 1  # the dead claim stays
    assert delivered(mailbox) == []

    worker = start_worker(tmp_path, redis_server, mailbox, hold="")
    try:
        sweep_until_all_sent(redis_server, notifications)
    finally:
        worker.stop()
    assert delivered(mailbox) == sorted(message_id(n) for n in notifications)
    recovered = Notification.objects.exclude(last_error="")
    assert recovered.count() == 1 and "claim expired" in recovered.get().last_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pool_process_killed_after_the_mail_server_accepted_resends_with_the_same_message_id(
    tmp_path, redis_server, mailbox
):
    """The process running the sweep is SIGKILLed after the server took a message and before
    "sent" was committed: the one case exactly-once cannot be had (ADR 0003). The task is
    acknowledged late and rejected on worker loss, so the worker receives the same task again
    at once (nobody publishes another sweep until the others are sent); the lost claim
    expires and the copy sent then carries the same Message-ID, so mail systems and clients
    that drop duplicates show it once."""
    notifications = queued(3)
    (mailbox / "hold").touch()
    worker = start_worker(tmp_path, redis_server, mailbox, hold="after")
    try:
        task_id = run_sweep(redis_server)
        wait_for(lambda: list(mailbox.glob("*.started")), timeout=90, what="a send to start")
        (mailbox / "hold").unlink()
        worker.kill_pool_process()
        wait_for(
            lambda: Notification.objects.filter(status="sent").count() >= 2,
            timeout=60,
            what="the redelivered sweep to send the others",
        )
        received = f"Task outbox.send_pending[{task_id}] received"
        assert worker.log.read_text().count(received) == 2, "the killed task was not redelivered"
        sweep_until_all_sent(redis_server, notifications)
    finally:
        worker.stop()
    ids = delivered(mailbox)
    assert len(ids) == len(notifications) + 1
    assert sorted(set(ids)) == sorted(message_id(n) for n in notifications)
