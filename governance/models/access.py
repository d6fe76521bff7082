"""Who sees and changes governance records. Read this one file to review the rules.

Governance records hold no case data: boards, the action plan and the registers are the
council's own business records. Still, sight follows need:

1. The Prevent Coordinator manages all of it (``EDITOR_ROLES``).
2. Managers read the board schedule, the action plan and its quarterly review and appendix
   (``READER_ROLES``), and change nothing.
3. An action item's owners (the single point of contact of its owning agency, or the
   officer named as its owner) see that item and may add progress updates to it.
4. The registers are the Coordinator's alone (``REGISTER_ROLES``): venue reviews and
   education settings say things about named organisations that need not travel further.

Not visible gives 404; visible but not allowed to act gives 403. Pages that show no one
record check the role with ``require_role`` (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from prevent_portal.accounts.access import has_role, is_active_user
from prevent_portal.accounts.models import Role

EDITOR_ROLES = frozenset({Role.COORDINATOR})
READER_ROLES = frozenset({Role.COORDINATOR, Role.MANAGER})
REGISTER_ROLES = frozenset({Role.COORDINATOR})


def can_edit(user) -> bool:
    return has_role(user, *EDITOR_ROLES)


def can_read(user) -> bool:
    return has_role(user, *READER_ROLES)


class ReadableQuerySet(models.QuerySet):
    """Records every reader sees whole (boards, strategy periods, priority actions)."""

    reader_roles: frozenset[str] = READER_ROLES

    def visible_to(self, user) -> ReadableQuerySet:
        """All records for a holder of ``reader_roles``; nothing for anyone else."""
        if not has_role(user, *self.reader_roles):
            return self.none()
        return self.all()


def fetch_for_user(queryset, user, pk, *, perm: str = "view", actions=None):
    """One record through ``queryset.visible_to(user)``: 404 if not visible, 403 if ``perm``
    is not among ``actions(user, obj)`` (by default: "view" for readers, "change" for the
    editors)."""
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise Http404("No such record")
    allowed = actions(user, obj) if actions else default_actions(user)
    if perm not in allowed:
        raise PermissionDenied
    return obj


def default_actions(user) -> set[str]:
    if not is_active_user(user):
        return set()
    actions = {"view"}
    if can_edit(user):
        actions.add("change")
    return actions
