"""Who the audit log names as the actor outside web requests (commands, Celery tasks)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from auditlog.context import set_actor

SYSTEM_USERNAME = "system"


def system_user():
    """The service account that commands and background tasks act as. It cannot sign in."""
    from prevent_portal.accounts.models import User

    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "is_service_account": True, "first_name": "System"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@contextlib.contextmanager
def acting_as(user=None) -> Iterator[object]:
    """Record ``user`` (default: the system account) as the actor of every audited write."""
    actor = user or system_user()
    with set_actor(actor):
        yield actor
