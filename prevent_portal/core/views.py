from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_portal.accounts.access import roles_of
from prevent_portal.accounts.models import Role
from prevent_portal.core import accessibility as statement
from prevent_portal.core.middleware import sign_in_not_required
from prevent_portal.core.navigation import items_for
from prevent_portal.core.work_waiting import panels_for


@require_GET
def home(request):
    """The signed-in start page: the work waiting for each of the user's roles, most urgent
    first (``work_waiting``: every count through the access module), then their links."""
    roles = roles_of(request.user)
    role_names = [label for value, label in Role.choices if value in roles]
    return render(
        request,
        "core/home.html",
        {
            "panels": panels_for(request.user, timezone.localdate()),
            "items": items_for(request.user),
            "role_names": role_names,
        },
    )


@require_GET
@sign_in_not_required
def healthz(request):
    """Liveness and database reachability for the load balancer and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@sign_in_not_required
def accessibility(request):
    """The accessibility statement: public, so anyone can read it before signing in."""
    return render(
        request,
        "core/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "response_days": settings.ACCESSIBILITY_RESPONSE_WORKING_DAYS,
            "last_tested": statement.LAST_TESTED,
            "prepared": statement.PREPARED,
            "axe_version": statement.AXE_CORE_VERSION,
        },
    )


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_500(request):
    return HttpResponse(render(request, "errors/500.html").content, status=500)
