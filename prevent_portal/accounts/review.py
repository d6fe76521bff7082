"""Account review: who may list and switch off whose account.

- An agency's SPOC reviews the accounts with a membership (current or ended) at an agency
  where they are SPOC, and may deactivate one whose current memberships are all at such
  agencies, unless it holds the Coordinator or system administrator role.
- The system administrator reviews and may deactivate every account, in every council
  area (these pages show accounts and roles, no case content).
- The Coordinator reviews the accounts of their council area (issue 18, access rule 7): those
  with a membership (current or ended) at an agency serving it, and those with no membership
  yet. They may deactivate one whose current roles are all at agencies serving only their
  area: a partner's SPOC who also works for another council is switched off by the system
  administrator. Another area's Coordinator gets 404 for the account, as for one that does
  not exist. In a single-council deployment every agency serves the one area: nothing changes.
- Nobody deactivates their own account here, and service accounts are never listed.
Not listed gives 404, listed but not allowed gives 403 (as for protected records).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from prevent_portal.accounts.access import agency_ids_for, area_ids_for, has_role, require_role
from prevent_portal.accounts.models import Membership, Role, User

REVIEWER_ROLES = (Role.SPOC, Role.COORDINATOR, Role.SYSADMIN)
# A SPOC may not switch off the people who run the service.
PROTECTED_ROLES = {Role.COORDINATOR, Role.SYSADMIN}


def accounts_for_review(reviewer: User) -> QuerySet[User]:
    """The accounts ``reviewer`` may see on the account review page (403 for other roles),
    with their memberships loaded for the page."""
    require_role(reviewer, *REVIEWER_ROLES)
    accounts = User.objects.filter(is_service_account=False)
    if not has_role(reviewer, Role.SYSADMIN):
        listed = Q(
            pk__in=Membership.objects.filter(
                agency__in=sorted(agency_ids_for(reviewer, [Role.SPOC]))
            ).values("user_id")
        )
        coordinator_areas = sorted(area_ids_for(reviewer, [Role.COORDINATOR]))
        if has_role(reviewer, Role.COORDINATOR):
            in_area = Membership.objects.filter(agency__areas__in=coordinator_areas)
            listed |= Q(pk__in=in_area.values("user_id"))
            listed |= ~Q(pk__in=Membership.objects.values("user_id"))
        accounts = accounts.filter(listed)
    return accounts.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("agency")),
        "memberships__agency__areas",
    ).order_by("last_name", "first_name", "username")


def may_deactivate(reviewer: User, account: User) -> bool:
    """May ``reviewer`` switch off ``account`` (which they can already see)?"""
    if account.pk == reviewer.pk:
        return False
    if has_role(reviewer, Role.SYSADMIN):
        return True
    current = [m for m in account.memberships.all() if m.is_active]
    if has_role(reviewer, Role.COORDINATOR):
        # Only roles at agencies serving no other council's area than theirs (issue 18).
        theirs = area_ids_for(reviewer, [Role.COORDINATOR])
        # The agencies' areas come prefetched with the account (accounts_for_review).
        served = {area.pk for m in current for area in m.agency.areas.all()}
        return served <= theirs
    spoc_agencies = agency_ids_for(reviewer, [Role.SPOC])
    return all(m.agency_id in spoc_agencies for m in current) and not any(
        m.role in PROTECTED_ROLES for m in current
    )


def get_account_for_review(reviewer: User, pk: int, *, perm: str = "view") -> User:
    """One account: 404 unless ``reviewer`` may see it; with perm="deactivate", 403 unless
    they may also switch it off."""
    account = accounts_for_review(reviewer).filter(pk=pk).first()
    if account is None:
        raise Http404
    if perm == "deactivate" and not may_deactivate(reviewer, account):
        raise PermissionDenied
    return account
