"""Explicit shares: guardian direct foreign-key object permissions with reason and expiry."""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from prevent_portal.accounts.access import live_grant_q
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Agency, GrantFields, Membership, User

# One message for "no such account" and "not allowed to receive shares" (security.md F12):
# a different message for each would tell whoever shares which usernames exist.
SHARE_REFUSED_MESSAGE = (
    "You cannot share with that username. Check it is the username of someone who works "
    "on cases at a partner agency"
)


# An agency that does not serve the record's council area (the form lists only those that do).
AGENCY_OUTSIDE_AREA_MESSAGE = "Choose an agency that works in this record's council area"


class ShareRefused(ValueError):
    """The named user may not receive a share. Its message never says why, so that it does
    not confirm whether a username exists."""

    def __init__(self, message: str = SHARE_REFUSED_MESSAGE):
        super().__init__(message)


def record_area_id(obj: models.Model) -> int | None:
    """The council area of a protected record, along its queryset's ``area_field`` path
    (access rule 7), or None for a model that names no area."""
    path = getattr(type(obj)._default_manager.get_queryset(), "area_field", None)
    if not path:
        return None
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        target = getattr(target, hop)
    return getattr(target, f"{last}_id", None)


def works_in_area(area_id: int, *, user: User | None = None, agency: Agency | None = None) -> bool:
    """Rule (issue 18, "a panel invitation or a share works as today, within one area"): a
    record of a council area is shared with, or a meeting of it opened to, only someone who
    works in that area: a user holding a case role at an active agency serving it, or an
    agency serving it. The one test every share (``object_share``) and every invitation
    (``channel_panel.services.invitee_add``) makes; tests/areas/test_shares_within_area.py
    walks them."""
    from prevent_portal.accounts.access import area_ids_for

    if (user is None) == (agency is None):
        raise ValueError("Ask about exactly one user or one agency")
    if agency is not None:
        return agency.areas.filter(pk=area_id).exists()
    return area_id in area_ids_for(user, AGENCY_CASE_ROLES)


def may_receive_share(user: User | None) -> bool:
    """Only an active account holding an active case-role membership (coordinator, panel
    chair, panel member, SPOC) of an active agency may receive a share: never a referrer, a
    manager (aggregates only), a system administrator (no case content) or someone who has
    left. Agency shares already reach case roles only (``user_groups_sync``)."""
    if user is None or not user.is_active or user.is_service_account:
        return False
    return (
        Membership.objects.active().filter(user=user, role__in=sorted(AGENCY_CASE_ROLES)).exists()
    )


def _grant_models(obj_or_model) -> tuple[type[models.Model], type[models.Model]]:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return model.user_grants.rel.related_model, model.group_grants.rel.related_model


@transaction.atomic
def object_share(
    *,
    obj: models.Model,
    action: str = "view",
    to_user: User | None = None,
    to_agency: Agency | None = None,
    reason: str,
    expires_at: datetime | None = None,
    starts_at: datetime | None = None,
    acting_user: User | None,
) -> GrantFields:
    """Grant ``action`` on ``obj`` to one named user or to every case-role member of an
    agency, live from ``starts_at`` (now if None) until ``expires_at`` (for ever if None).
    Sharing again replaces the reason, start and expiry of the existing grant.

    The one helper every share goes through, so the rule of who may receive one
    (``may_receive_share``: case roles only; ``works_in_area``: in the record's council
    area) holds for every caller, not just one form; anyone else is refused with
    ShareRefused, whose message for a user is the same whatever the reason.
    """
    if (to_user is None) == (to_agency is None):
        raise ValueError("Share with exactly one user or one agency")
    if to_user is not None and not may_receive_share(to_user):
        raise ShareRefused
    area_id = record_area_id(obj)
    if area_id is not None:
        if to_user is not None and not works_in_area(area_id, user=to_user):
            raise ShareRefused  # the same words: the username's area is not confirmed either
        if to_agency is not None and not works_in_area(area_id, agency=to_agency):
            raise ShareRefused(AGENCY_OUTSIDE_AREA_MESSAGE)
    if not reason.strip():
        raise ValueError("A share needs a reason")
    if to_agency is not None:
        to_agency.require_open(what="share")
    perm = f"{obj._meta.app_label}.{action}_{obj._meta.model_name}"
    grant = assign_perm(perm, to_user if to_user is not None else to_agency.group, obj)
    grant.reason = reason
    grant.expires_at = expires_at
    grant.starts_at = starts_at
    grant.granted_by = acting_user
    grant.granted_at = timezone.now()
    grant.save()
    return grant


@transaction.atomic
def grant_revoke(*, grant: GrantFields, acting_user: User | None) -> None:
    """Remove a share. The deletion is in the audit log with its actor."""
    grant.delete()


def live_grants(obj: models.Model) -> list[GrantFields]:
    """Every live grant on one record, users and agencies, newest first."""
    user_model, group_model = _grant_models(obj)
    live = live_grant_q()
    rows = list(
        user_model.objects.filter(live, content_object=obj).select_related("user", "permission")
    )
    rows += list(
        group_model.objects.filter(live, content_object=obj).select_related(
            "group__agency", "permission"
        )
    )
    return sorted(rows, key=lambda g: g.granted_at, reverse=True)


def grant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, GrantFields)]


def expired_grants_sweep(*, now: datetime | None = None) -> int:
    """Delete every expired grant, one by one so that each deletion is audited."""
    now = now or timezone.now()
    removed = 0
    for model in grant_models():
        for grant in model.objects.filter(expires_at__lte=now).iterator():
            with transaction.atomic():
                grant.delete()
            removed += 1
    return removed
