"""Access entries: who looked at which protected record, and when.

Every view, list, search or export that shows a protected record calls ``log_access`` with
the records it shows. Entries are auditlog ACCESS rows, written in one bulk insert per page
so the query count of a list does not grow with its length.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from prevent_portal.core.client_ip import client_ip


def log_access(request, instances: Iterable[models.Model], *, view: str) -> int:
    """Write one ACCESS entry per record shown to ``request.user`` by ``view``."""
    instances = [obj for obj in instances if obj.pk is not None]
    if not instances:
        return 0
    actor = request.user if request.user.is_authenticated else None
    now = timezone.now()
    remote_addr = client_ip(request)
    content_types = ContentType.objects.get_for_models(*{type(o) for o in instances})
    entries = [
        LogEntry(
            content_type=content_types[type(obj)],
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=str(obj)[:1000],
            action=LogEntry.Action.ACCESS,
            changes={},
            actor=actor,
            actor_email=getattr(actor, "email", None) if actor else None,
            remote_addr=remote_addr,
            timestamp=now,
            additional_data={"view": view},
        )
        for obj in instances
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def log_search(request, *, view: str, kinds: list[str], digest: str, shown: int) -> None:
    """Record that ``request.user`` searched: one ACCESS entry on their own account, with
    the kinds of term searched for (name, date of birth ...), a keyed hash of the terms and
    how many results the page showed. Never the terms themselves: they are personal data,
    and the audit log is read by people who may not see case content (docs/security.md,
    "Search"). Each result shown has its own entry from ``log_access``."""
    user = request.user
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(user),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=str(user)[:1000],
        action=LogEntry.Action.ACCESS,
        changes={},
        actor=user,
        actor_email=getattr(user, "email", None),
        remote_addr=client_ip(request),
        timestamp=timezone.now(),
        additional_data={
            "view": view,
            "search": {"kinds": list(kinds), "terms_hmac": digest, "results_shown": shown},
        },
    )
