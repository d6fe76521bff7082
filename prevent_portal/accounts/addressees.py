"""Who is addressed by role: the one way to choose the holders of a role to tell, remind or
offer in an "assign to" list.

Rule (issue 18, "reminders and notifications are addressed within the area"): a notice, a
reminder or a choice of people about a record of a council area goes only to people who hold
the role in that area, that is at an agency serving it (access rule 7). Area X's Coordinators
are never told of area Y's referral, nor is every chair in the region reminded of one area's
case. A record with no area is not addressed by role at all (``NoArea``): nothing falls back
to the whole instance. A notice about the instance itself (the audit trail check, a request
to the system administrators) says so with ``EVERY_AREA``.

``tests/areas/test_addressees.py`` fails when code outside this module selects memberships by
role alone (``filter(role=...)`` with no user, agency or area), and walks every reminder
provider with two areas to check that nobody in the other area is addressed.

A sweep asks once for every area it deals with (``holders_by_area``) and reads the index per
record, so its cost per area stays the same however many areas the instance serves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import F

from prevent_portal.accounts.models import Membership, User

if TYPE_CHECKING:
    from django.db.models import QuerySet


class _EveryArea:
    def __repr__(self) -> str:
        return "EVERY_AREA"


# A notice about the instance itself, not about any area's record (the audit trail check):
# every area's holders of the role. Never for a record: a record has an area.
EVERY_AREA = _EveryArea()


class NoArea(ValueError):
    """A role was to be addressed about a record that names no council area."""


def _roles(roles: str | Iterable[str]) -> list[str]:
    return [roles] if isinstance(roles, str) else sorted(set(roles))


def _area_ids(area) -> list[int] | None:
    """The area ids ``area`` names (an Area, a pk, several of either), or None for
    EVERY_AREA. NoArea for a missing area: a record without one addresses nobody, rather
    than everybody. An empty collection (someone who holds the role in no area) names none,
    and nobody is offered."""
    if area is EVERY_AREA:
        return None
    if area is None:
        raise NoArea("Say which council area the people addressed hold their role in")
    if isinstance(area, int) or hasattr(area, "pk"):
        area = [area]
    ids = {getattr(a, "pk", a) for a in area}
    if None in ids:
        raise NoArea("Say which council area the people addressed hold their role in")
    return sorted(ids)


def holder_memberships(roles: str | Iterable[str], area, *, agency=None) -> QuerySet[Membership]:
    """Active memberships in any of ``roles`` held in ``area`` (an Area, its pk, several, or
    EVERY_AREA), at ``agency`` if given, of active users."""
    memberships = Membership.objects.active().filter(role__in=_roles(roles), user__is_active=True)
    ids = _area_ids(area)
    if ids is not None:
        memberships = memberships.in_areas(ids)
    if agency is not None:
        memberships = memberships.filter(agency=agency)
    return memberships


def holders(roles: str | Iterable[str], area, *, agency=None) -> QuerySet[User]:
    """The active users who hold any of ``roles`` in ``area`` (at an active agency serving
    it; at ``agency`` if given), each once, by pk: whom to tell about a record of the area,
    or offer as its assignee. ``area`` is the record's area (an Area or its pk), several
    areas, or EVERY_AREA for a notice about the instance itself."""
    memberships = holder_memberships(roles, area, agency=agency)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk")


class HolderIndex:
    """The holders of a role in a set of areas, read in one query and looked up per record:
    ``index(area_id)`` or, for those holding it at one agency, ``index(area_id, agency_id)``.
    An area outside the set gives nobody."""

    def __init__(self, rows: Iterable[tuple[int, int, User]]):
        self._by_area: dict[int, dict[int, User]] = defaultdict(dict)
        self._by_agency: dict[tuple[int, int], dict[int, User]] = defaultdict(dict)
        for area_id, agency_id, user in rows:
            self._by_area[area_id].setdefault(user.pk, user)
            self._by_agency[(area_id, agency_id)].setdefault(user.pk, user)

    def __call__(self, area_id: int | None, agency_id: int | None = None) -> list[User]:
        found = (
            self._by_area.get(area_id, {})
            if agency_id is None
            else self._by_agency.get((area_id, agency_id), {})
        )
        return [found[pk] for pk in sorted(found)]


def holders_by_area(roles: str | Iterable[str], area_ids: Iterable[int | None]) -> HolderIndex:
    """The holders of ``roles`` in each of ``area_ids``, in one query whatever their number
    (a reminder sweep: one index per role, one lookup per record)."""
    ids = sorted({a for a in area_ids if a is not None})
    if not ids:
        return HolderIndex([])
    memberships = (
        holder_memberships(roles, ids)
        .annotate(served_area=F("agency__areas"))
        .select_related("user")
        .order_by()
    )
    return HolderIndex((m.served_area, m.agency_id, m.user) for m in memberships)


def areas_of(users: Iterable[User], roles: str | Iterable[str] | None = None) -> dict[int, set]:
    """The areas where each of ``users`` holds any of ``roles`` (default: any role), in one
    query: where a record that has no area of its own yet belongs, by the person it names."""
    memberships = Membership.objects.active().filter(user__in=[u.pk for u in users])
    if roles is not None:
        memberships = memberships.filter(role__in=_roles(roles))
    found: dict[int, set] = defaultdict(set)
    for user_id, area_id in memberships.values_list("user_id", "agency__areas"):
        if area_id is not None:
            found[user_id].add(area_id)
    return found


__all__ = [
    "EVERY_AREA",
    "HolderIndex",
    "NoArea",
    "areas_of",
    "holder_memberships",
    "holders",
    "holders_by_area",
]
