"""A real Celery worker process sending the outbox into a mailbox directory the test reads
(tests/outbox/mailbox_backend.py), against the test's PostgreSQL database and a test Redis."""

from __future__ import annotations

import email
from pathlib import Path

from django.db import connection

from prevent_portal.celery import app as celery_app
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.tasks import send_pending_notifications
from tests.reliability.servers import CeleryWorker, database_url, wait_for

CLAIM_TIMEOUT_SECONDS = 2


def start_worker(tmp_path, redis_server, mailbox, hold: str) -> CeleryWorker:
    worker = CeleryWorker(
        {
            "DJANGO_ENV": "test",
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": redis_server.url,
            "EMAIL_BACKEND": "tests.outbox.mailbox_backend.MailboxBackend",
            "TEST_MAILBOX_DIR": str(mailbox),
            "TEST_MAILBOX_HOLD": hold,
            "OUTBOX_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT_SECONDS),
            "OUTBOX_SEND_INLINE": "false",
        },
        tmp_path / "worker.log",
    )
    worker.start()
    return worker


def run_sweep(redis_server) -> str:
    """What beat does every minute: put one outbox sweep on the queue. Returns its task id."""
    with celery_app.connection_for_write(redis_server.url) as conn:
        return send_pending_notifications.apply_async(connection=conn).id


def delivered(mailbox: Path) -> list[str]:
    """The Message-ID of each e-mail in the mailbox, one entry per copy."""
    return sorted(
        email.message_from_bytes(path.read_bytes())["Message-ID"] for path in mailbox.glob("*.eml")
    )


def sweep_until_all_sent(redis_server, notifications) -> None:
    def all_sent():
        if Notification.objects.filter(status="sent").count() == len(notifications):
            return True
        run_sweep(redis_server)  # beat's next minute, a second apart here
        return False

    wait_for(all_sent, timeout=60, what="every notification to be sent", interval=1)


# Transactional (the worker sees only committed rows); the rollback restores migrations' rows.
