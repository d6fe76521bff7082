"""Fresh authentication for sensitive actions (exports of personal data, sharing, account
security): the session records when its holder last proved who they are (password and
security code, or a council single sign-on); a view marked ``recent_authentication_required``
asks again on the "Confirm it's you" page when that is older than REAUTH_MAX_AGE_SECONDS.
"""

from __future__ import annotations

import functools
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# Seconds since the epoch of the last full authentication of this session.
SESSION_AUTHENTICATED_AT = "pp_auth_at"


def authentication_recorded(request) -> None:
    """Note that the session's user has just proved who they are."""
    request.session[SESSION_AUTHENTICATED_AT] = time.time()


def authentication_is_recent(request) -> bool:
    """True when the last full authentication of this session is recent enough for a
    sensitive action."""
    at = request.session.get(SESSION_AUTHENTICATED_AT)
    if at is None:
        return False
    age = time.time() - at
    return 0 <= age <= settings.REAUTH_MAX_AGE_SECONDS


def safe_local_url(request, candidate: str | None) -> str | None:
    """``candidate`` if it stays on this site, else None."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _return_to(request) -> str:
    """Where to go once confirmed: the same address for a GET; for a POST, the form the
    user posted from (a POST cannot be replayed after a redirect), or the same address."""
    if request.method == "GET":
        return request.get_full_path()
    referer = safe_local_url(request, request.META.get("HTTP_REFERER"))
    if referer:
        parts = urlsplit(referer)
        if parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def confirm_url(request) -> str:
    return f"{reverse('accounts:confirm_identity')}?{urlencode({'next': _return_to(request)})}"


def recent_authentication_required(view):
    """Send a user whose last sign-in (or confirmation) is older than
    REAUTH_MAX_AGE_SECONDS to "Confirm it's you", then back to this page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not authentication_is_recent(request):
            return redirect(confirm_url(request))
        return view(request, *args, **kwargs)

    wrapped.recent_authentication_required = True
    return wrapped
