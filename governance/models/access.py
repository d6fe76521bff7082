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
5. Council areas (issue 18, access rule 7): boards, the action plan, the registers, board
   reports and subject access exports each belong to one area (``area_field()`` on boards,
   strategy periods and register entries; the others through them: ``area_path``). A role
   reads and changes only the records of the areas where it is held: another council's
   Coordinator or manager gets 404, as for a record that does not exist.

Not visible gives 404; visible but not allowed to act gives 403. Pages that show no one
record check the role with ``require_role`` (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from prevent_portal.accounts.access import area_ids_for, has_role, is_active_user, the_one
from prevent_portal.accounts.models import Role

EDITOR_ROLES = frozenset({Role.COORDINATOR})
READER_ROLES = frozenset({Role.COORDINATOR, Role.MANAGER})
REGISTER_ROLES = frozenset({Role.COORDINATOR})


def can_edit(user) -> bool:
    return has_role(user, *EDITOR_ROLES)


def can_read(user) -> bool:
    return has_role(user, *READER_ROLES)


class AreaPathMixin:
    """Where a governance record's council area is: ``area_path``, a field path ending at
    an Area (its own ``area``, or its parent's)."""

    area_path: str = "area"

    def in_areas(self, area_ids):
        return self.filter(**{f"{self.area_path}__in": sorted(area_ids)})


class ReadableQuerySet(AreaPathMixin, models.QuerySet):
    """Records every reader of their area sees whole (boards, strategy periods, priority
    actions)."""

    reader_roles: frozenset[str] = READER_ROLES

    def visible_to(self, user) -> ReadableQuerySet:
        """The records of the areas where ``user`` holds one of ``reader_roles`` (rule 5);
        nothing for anyone else."""
        if not has_role(user, *self.reader_roles):
            return self.none()
        return self.in_areas(area_ids_for(user, self.reader_roles))


def area_id_of(obj) -> int | None:
    """The council area of a governance record, along its queryset's ``area_path``."""
    path = getattr(type(obj)._default_manager.get_queryset(), "area_path", "area").split("__")
    for part in path[:-1]:
        obj = getattr(obj, part)
    return getattr(obj, f"{path[-1]}_id")


def fetch_for_user(queryset, user, pk, *, perm: str = "view", actions=None):
    """One record through ``queryset.visible_to(user)``: 404 if not visible, 403 if ``perm``
    is not among ``actions(user, obj)`` (by default: "view" for readers, "change" for the
    editors of its area)."""
    obj = the_one(queryset.visible_to(user).filter(pk=pk))
    if obj is None:
        raise Http404("No such record")
    allowed = actions(user, obj) if actions else default_actions(user, obj)
    if perm not in allowed:
        raise PermissionDenied
    return obj


def edits_area_of(user, obj) -> bool:
    """Whether ``user`` holds an editor role in ``obj``'s council area (rule 5)."""
    return area_id_of(obj) in area_ids_for(user, EDITOR_ROLES)


def default_actions(user, obj=None) -> set[str]:
    if not is_active_user(user):
        return set()
    actions = {"view"}
    if can_edit(user) and (obj is None or edits_area_of(user, obj)):
        actions.add("change")
    return actions
