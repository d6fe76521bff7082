"""How long a person must wait after too many wrong passwords or security codes.

Both slow-downs used to be silent or vague (a fixed "15 minutes", or "the code is wrong" while
every code was being refused): the person could not tell a typo from a lock. Both pages now
say how long is left, worked out here.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django_otp.models import VerifyNotAllowed

from prevent_portal.core.client_ip import client_ip


def wait_text(seconds: float) -> str:
    """'1 minute', '15 minutes', '30 seconds': rounded up, never '0'."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def lockout_remaining(request, username: str | None) -> timedelta:
    """What is left of the sign-in lockout of ``username`` from this client's address: the
    cool-off runs from the latest failed attempt."""
    cool_off = settings.AXES_COOLOFF_TIME
    latest: datetime | None = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if latest is None:
        return cool_off
    return max(latest + cool_off - timezone.now(), timedelta(seconds=1))


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE), with the time left to wait."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    if request.user.is_authenticated:
        # "Confirm it's you" checks the signed-in user's password, whatever the form says.
        username = request.user.get_username()
    remaining = lockout_remaining(request, username)
    return render(
        request,
        "accounts/locked_out.html",
        {"wait": wait_text(remaining.total_seconds())},
        status=429,
    )


def device_wait(device) -> str | None:
    """How long before ``device`` accepts another code after wrong ones, or None if it
    would check one now (django-otp doubles the wait after each wrong code)."""
    allowed, data = device.verify_is_allowed()
    if allowed or (data or {}).get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return None
    return wait_text((data["locked_until"] - timezone.now()).total_seconds())


def device_wait_message(wait: str) -> str:
    return (
        f"You have entered too many wrong codes. Wait {wait}, then enter the code your "
        "authenticator app shows at that time"
    )
