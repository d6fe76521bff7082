"""Known in another area: the receiving Coordinator asks, the area that knows the person
declines or shares a summary it writes (issue 18).

Rules every step keeps:
- Only a Coordinator of the referral's area asks, and only an area where the person on the
  referral matches someone now (``area_matching.hits_elsewhere``), with a reason.
- The request (``CrossAreaRequest``) is seen by both areas' Coordinators; which persons of the
  area asked matched (``CrossAreaRequestMatch``) is that area's record alone, written inside
  one ``acting_for`` of that area, so the asking area never learns a name, date of birth,
  postcode or record id of the other area's person, at any step.
- Only a Coordinator of the area asked replies, by declining with a reason or by sharing a
  summary they write: never by opening their record; and only while the asking area still
  holds the referral (a transfer waits for the reply, referrals/transfer_lifecycle.py).
- Every step is in CROSS_AREA_REQUEST_LIFECYCLE (referrals/lifecycle.py), in the audit log
  (who, when, both areas), and on the asking referral's chronology. Notices go to the other
  area's Coordinators through ``area_notices.area_coordinators_tell``, naming no one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.accounts.models import Role, User
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.outbox.links import site_link
from referrals import area_matching
from referrals.lifecycle import CROSS_AREA_REQUEST_LIFECYCLE as LIFECYCLE
from referrals.models import (
    ChronologyEntry,
    CrossAreaRequest,
    CrossAreaRequestMatch,
    Referral,
)
from referrals.services.area_notices import area_coordinators_tell
from referrals.services.records import chronology_add


def _require_coordinator_of(area_id: int, user: User) -> None:
    if area_id not in area_ids_for(user, [Role.COORDINATOR]):
        raise PermissionDenied("Only a Coordinator of that council area may do this")


@transaction.atomic
def cross_area_request_send(
    *, referral: Referral, holding_area: Area, reason: str, acting_user: User
) -> CrossAreaRequest:
    """Ask the Coordinators of ``holding_area``, where the referral's person is known, for
    information, with a reason (required). Refused (TransitionRefused) without a reason, to
    one's own area, to an area where the person no longer matches anyone, or while an earlier
    request to that area about this referral waits for its reply. The persons matched are
    filed in the area asked, and its Coordinators are told, naming no one."""
    _require_coordinator_of(referral.area_id, acting_user)
    # Two Coordinators asking at once: the second waits here, then finds the first's request.
    # A transfer accepted meanwhile: the referral is read again where it was, locked, so the
    # request is never filed for an area that no longer holds it.
    in_place = (
        Referral.objects.select_for_update()
        .filter(pk=referral.pk, area_id=referral.area_id)
        .first()
        is not None
    )
    request = CrossAreaRequest(
        referral=referral,
        requesting_area_id=referral.area_id,
        holding_area=holding_area,
        reason=reason.strip(),
        requested_by=acting_user,
    )
    hits = area_matching.hits_elsewhere(referral, acting_user=acting_user, area_id=holding_area.pk)
    already_open = CrossAreaRequest.objects.filter(
        referral=referral, holding_area=holding_area, status=CrossAreaRequest.Status.OPEN
    ).exists()
    LIFECYCLE.require(
        "send", request, matches=hits, already_open=already_open, referral_in_place=in_place
    )
    request.save()
    # The area asked's own record of whom it matched: written as that area, which alone
    # sees it (the wall would refuse the rows to the asking area's declaration).
    with rls.acting_for({holding_area.pk}):
        for hit in hits:
            CrossAreaRequestMatch.objects.create(
                request=request, person_id=hit.person_id, score=hit.score, area=holding_area
            )
    requesting_area = Area.objects.get(pk=referral.area_id)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.MATCH,
        text=(
            f"The person is known in {holding_area.name}: asked {holding_area.name}'s "
            f"Coordinator for information. Reason: {request.reason}"
        ),
        acting_user=acting_user,
    )
    area_coordinators_tell(
        area=holding_area,
        record=request,
        kind="cross_area_requested",
        key=f"cross-area-request:{request.pk}",
        subject=f"{requesting_area.name}'s Prevent Coordinator has asked for information",
        body=(
            f"{requesting_area.name}'s Prevent Coordinator has asked {holding_area.name}'s "
            f"Coordinators for information about someone known in {holding_area.name}."
            f"\n\nSign in to read the request and reply: "
            f"{site_link('referrals:area_request_reply', request.pk)}\n"
        ),
    )
    return request


def _reply(*, request: CrossAreaRequest, step: str, reply: str, expected_version, acting_user):
    request = CrossAreaRequest.objects.select_for_update().get(pk=request.pk)
    _require_coordinator_of(request.holding_area_id, acting_user)
    if expected_version is not None and request.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    # The asking referral, read as the asking area (a record behind its wall), only where
    # that area still holds it: a referral that has moved on gets no reply. Locked, so a
    # transfer accepted meanwhile waits for the reply (and then finds the request answered).
    with rls.acting_for({request.requesting_area_id}):
        referral = (
            Referral.objects.select_for_update()
            .filter(pk=request.referral_id, area_id=request.requesting_area_id)
            .first()
        )
    LIFECYCLE.require(step, request, reply=reply, referral_in_place=referral is not None)
    request.status = LIFECYCLE.transition(step).target
    request.reply = reply.strip()
    request.replied_by = acting_user
    request.replied_at = timezone.now()
    request.version += 1
    request.save(update_fields=["status", "reply", "replied_by", "replied_at", "version"])
    holding = Area.objects.get(pk=request.holding_area_id)
    # The asking referral's chronology: a record of the asking area, written as that area.
    with rls.acting_for({request.requesting_area_id}):
        if step == "share":
            text = f"{holding.name}'s Coordinator shared a summary: {request.reply}"
        else:
            text = f"{holding.name}'s Coordinator declined the request. Reason: {request.reply}"
        chronology_add(
            referral=referral, kind=ChronologyEntry.Kind.MATCH, text=text, acting_user=acting_user
        )
        area_coordinators_tell(
            area=request.requesting_area_id,
            record=request,
            kind="cross_area_replied",
            key=f"cross-area-reply:{request.pk}",
            subject=f"{holding.name}'s Prevent Coordinator has replied to your request",
            body=(
                f"{holding.name}'s Prevent Coordinator has replied to your request for "
                f"information.\n\nSign in to read the reply: "
                f"{site_link('referrals:earlier_referrals', request.referral_id)}\n"
            ),
        )
    return request


@transaction.atomic
def cross_area_request_share(
    *, request: CrossAreaRequest, summary: str, acting_user: User, expected_version=None
) -> CrossAreaRequest:
    """A Coordinator of the area asked shares a summary they write (required): what they
    choose to disclose, and nothing of their record beyond it. The asking area's Coordinators
    read it on the referral's earlier-referrals page and its chronology."""
    return _reply(
        request=request,
        step="share",
        reply=summary,
        expected_version=expected_version,
        acting_user=acting_user,
    )


@transaction.atomic
def cross_area_request_decline(
    *, request: CrossAreaRequest, reason: str, acting_user: User, expected_version=None
) -> CrossAreaRequest:
    """A Coordinator of the area asked declines the request, with a reason (required)."""
    return _reply(
        request=request,
        step="decline",
        reply=reason,
        expected_version=expected_version,
        acting_user=acting_user,
    )


__all__ = ["cross_area_request_decline", "cross_area_request_send", "cross_area_request_share"]
