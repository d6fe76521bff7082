"""The idle sign-out's warning: what the page tells its script, and the keep-alive the
"Stay signed in" button posts to (static/app/timeout-warning.mjs)."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from prevent_portal.core.middleware import SESSION_SEEN


def timeout_warning_context(request) -> dict:
    """When this session will be signed out for inactivity, as the middleware counts it,
    and when to warn; read only by signed-in pages' base template."""
    idle = int(settings.SESSION_IDLE_TIMEOUT.total_seconds())
    seen = request.session.get(SESSION_SEEN) or time.time()
    return {
        "idle_seconds": idle,
        "seconds_left": max(0, int(idle - (time.time() - seen))),
        "warning_seconds": settings.SESSION_WARNING_SECONDS,
        "keep_alive_url": reverse("core:keep_alive"),
        "timeout_url": f"{reverse('accounts:sign_in')}?timeout=idle",
    }


@require_POST
def keep_alive(request):
    """Count this as activity, so the idle sign-out starts again from now (the absolute
    limit still applies: the middleware checks it first). Answers nothing but 204: the page
    already knows the idle timeout, and the response holds no data at all."""
    request.session[SESSION_SEEN] = time.time()
    return HttpResponse(status=204)
