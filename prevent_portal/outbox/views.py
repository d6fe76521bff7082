"""Your notifications: the e-mails the service has sent (or will send) to the signed-in user."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from prevent_portal.outbox.models import Notification

PAGE_SIZE = 25


@require_GET
def notification_list(request):
    """The signed-in user's own notifications, newest first, a page at a time. Only ever
    ``recipient=request.user``: nobody sees what was sent to someone else. Two queries
    whatever the number (the count and the page); a notification holds references only."""
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(
        notifications.only("kind", "subject", "body", "status", "created_at", "sent_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "outbox/notification_list.html", {"page": page})


app_name = "outbox"
urlpatterns = [path("", notification_list, name="notification_list")]
