"""Request guards: sign-in required everywhere by default, session limits, no caching."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import Role
from prevent_portal.accounts.two_factor import second_factor_verified
from prevent_portal.core.client_ip import client_ip

SESSION_STARTED = "pp_started"
SESSION_SEEN = "pp_seen"
# Write the "last seen" time at most this often, so a page view is not a session write.
SEEN_RESOLUTION_SECONDS = 60


def sign_in_not_required(view):
    """Mark a view open to anyone (sign-in pages, health check)."""
    view.sign_in_not_required = True
    return view


def second_factor_not_required(view):
    """Mark a view open to a user who has given a password but no second factor yet."""
    view.second_factor_not_required = True
    return view


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT without a request, and SESSION_ABSOLUTE_TIMEOUT
    after sign-in whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, started)
            if started is None:
                request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = now
            elif now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                return self._expire(request, "idle")
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                return self._expire(request, "absolute")
            elif now - seen > SEEN_RESOLUTION_SECONDS:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)

    def _expire(self, request, why: str):
        logout(request)  # flushes the server-side session
        sign_in = reverse("accounts:sign_in")
        # Signing in again returns to the page (where drafts.mjs puts back what was typed):
        # a page that was open, or the one the timeout warning was on when it went to sign
        # in. A POST cannot be replayed; the sign-in view checks `next` is a local address.
        if request.path == sign_in:
            back = request.GET.get("next")
        else:
            back = request.get_full_path() if request.method == "GET" else None
        query = urlencode({"timeout": why, **({"next": back} if back else {})})
        return redirect(f"{sign_in}?{query}")


class RequireVerifiedUserMiddleware:
    """Every view needs a signed-in user with a verified second factor unless marked
    otherwise; the Django admin is for system administrators only and 404s for others."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "sign_in_not_required", False):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('accounts:sign_in')}?next={request.get_full_path()}")
        if not second_factor_verified(user):
            if getattr(view_func, "second_factor_not_required", False):
                return None
            return redirect("accounts:second_factor")
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if request.path.startswith(self.admin_prefix) and not has_role(user, Role.SYSADMIN):
            raise Http404
        return None


class NoStoreMiddleware:
    """Nothing this application renders may be kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware, with the client address from the one helper: its own
    reading trusts the left-most X-Forwarded-For entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        # The port is the proxy's or one the client wrote in X-Forwarded-Port: neither says
        # who they are.
        return None
