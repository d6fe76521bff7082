"""Celery: background sweeps over the database (outbox, reminders, grant expiry).

Short broker timeouts and no publish retries: nothing on a request path publishes, and a
sweep that cannot reach Redis should fail fast rather than hang.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_portal.settings")

# Every task declares the council areas it acts for (prevent_portal/areas/tasks.py, ADR 0011).
app = Celery("prevent_portal", task_cls="prevent_portal.areas.tasks:AreaTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    broker_connection_timeout=2,
    broker_connection_retry=False,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=0,
    broker_transport_options={
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
        "max_retries": 0,
    },
    redis_socket_connect_timeout=2,
    redis_socket_timeout=2,
    task_publish_retry=False,
    # A task is acknowledged when it finishes, not when it starts; a pool process killed
    # mid-task puts its message back on the queue; each worker process holds one message.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    beat_schedule={
        "outbox-send-pending": {
            "task": "outbox.send_pending",
            "schedule": 60.0,
        },
        "reminders-daily": {
            "task": "reminders.daily_sweep",
            "schedule": crontab(hour=6, minute=30),
        },
        "grants-expire": {
            "task": "accounts.expire_grants",
            "schedule": 900.0,
        },
        # Daily: accounts unused for ACCOUNT_INACTIVITY_DISABLE_DAYS are switched off.
        "accounts-disable-inactive": {
            "task": "accounts.disable_inactive",
            "schedule": crontab(hour=6, minute=0),
        },
        # Daily: expired sessions and their recorded address and browser are deleted.
        "accounts-clear-expired-sessions": {
            "task": "accounts.clear_expired_sessions",
            "schedule": crontab(hour=4, minute=0),
        },
        "panel-pack-grants": {
            "task": "channel_panel.pack_grants_sync",
            "schedule": 900.0,
        },
        # Panel pack PDFs asked for by their readers (channel_panel/services/pack_pdf.py).
        "panel-pack-pdfs": {
            "task": "channel_panel.pack_pdf_sweep",
            "schedule": 10.0,
        },
        "board-reports": {
            "task": "governance.board_reports_sweep",
            "schedule": 30.0,
        },
        # The management dashboard's period figures, counted into the shared cache so that
        # no reader waits for them (governance/services/dashboard.py).
        "dashboard-figures": {
            "task": "governance.dashboard_figures_refresh",
            "schedule": 60.0,
        },
        "subject-access-exports": {
            "task": "governance.subject_access_sweep",
            "schedule": 30.0,
        },
        # The audit chain's signed head to the anchor file outside PostgreSQL, and the nightly
        # check of the whole chain against it (ADR 0010).
        "audit-anchor-head": {
            "task": "audit.anchor_head",
            "schedule": 600.0,
        },
        "audit-check-chain": {
            "task": "audit.check_chain",
            "schedule": crontab(hour=2, minute=30),
        },
        # Daily: subject access exports not downloaded within SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS
        # are deleted.
        "subject-access-expire": {
            "task": "governance.subject_access_expire",
            "schedule": crontab(hour=5, minute=30),
        },
        # Daily, before the reminders: open information requests past their expiry closed.
        "information-requests-expire": {
            "task": "referrals.information_requests_expire",
            "schedule": crontab(hour=6, minute=15),
        },
        # Weekly, early on Monday: records past retention go to the Coordinator's queue.
        "retention-weekly": {
            "task": "referrals.retention_sweep",
            "schedule": crontab(day_of_week="monday", hour=5, minute=0),
        },
    },
)
app.autodiscover_tasks()


@worker_init.connect
def warm_document_renderers(**_):
    """Load WeasyPrint and matplotlib once as the worker starts (before its pool forks), not
    in the first report or pack a user waits for (``prevent_portal.core.renderers``)."""
    from prevent_portal.core.renderers import warm_renderers

    warm_renderers()
