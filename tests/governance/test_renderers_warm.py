"""The worker loads the PDF and chart renderers as it starts, not in the first build a user
waits for (prevent_portal/core/renderers.py); a web process still never loads matplotlib
(test_board_report_documents.py)."""

import subprocess
import sys
import weakref

from django.conf import settings


def test_the_worker_warms_the_renderers_when_it_starts(monkeypatch):
    from celery.signals import worker_init

    from prevent_portal import celery
    from prevent_portal.core import renderers

    # Celery keeps weak references to its receivers.
    connected = [
        r() if isinstance(r, weakref.ReferenceType) else r for _, r in worker_init.receivers
    ]
    assert celery.warm_document_renderers in connected
    called = []
    monkeypatch.setattr(renderers, "warm_renderers", lambda: called.append(True) or 0.0)
    celery.warm_document_renderers(sender=None)
    assert called == [True]


def test_warming_loads_weasyprint_and_matplotlib():
    code = (
        "import django, sys; django.setup();"
        "from prevent_portal.core.renderers import warm_renderers;"
        "seconds = warm_renderers();"
        "sys.exit(0 if seconds > 0 and {'weasyprint', 'matplotlib'} <= set(sys.modules) else 1)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "DJANGO_SETTINGS_MODULE": "prevent_portal.settings",
            "DJANGO_ENV": "test",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
