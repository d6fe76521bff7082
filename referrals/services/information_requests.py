"""Information requests: the Coordinator asks a partner agency what it knows about the person
referred, its SPOC answers, the Coordinator may withdraw it, and an unanswered one expires.

Least disclosure (security.md F9): the agency asked sees the request (the question and
enough to find the person in its own records), never the referral, its concern, its gateway
result, its chronology or other agencies' answers. Asking grants nothing on the referral.
Every step goes through INFORMATION_REQUEST_LIFECYCLE (referrals/lifecycle.py).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts import grants
from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.core.concurrency import lock_in_place
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.lifecycle import INFORMATION_REQUEST_LIFECYCLE as LIFECYCLE
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import ChronologyEntry, InformationRequest, Referral, ReferralGroupGrant
from referrals.services.records import chronology_add

# Before F9 a request shared the whole referral with the agency asked, with this reason.
LEGACY_SHARE_REASON = "Information requested (request {pk})"


def asked_spocs(agency_id: int) -> list[User]:
    """The people who see and answer a request to an agency: its active SPOCs."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(agency=agency_id, role=Role.SPOC),
        )
        .distinct()
        .order_by("pk")
    )


def _lock(request: InformationRequest) -> InformationRequest:
    """The request, locked for this transaction (two Coordinators or an SPOC and the sweep
    acting at once: the second sees the first's result and the lifecycle refuses it)."""
    return InformationRequest.objects.select_for_update().get(pk=request.pk)


def _legacy_shares_end(request: InformationRequest, acting_user: User | None) -> int:
    """End any share of the referral a request made before F9, one audited deletion each."""
    shares = ReferralGroupGrant.objects.filter(
        content_object_id=request.referral_id,
        group__agency=request.agency_id,
        reason=LEGACY_SHARE_REASON.format(pk=request.pk),
    )
    ended = 0
    for grant in shares:
        grants.grant_revoke(grant=grant, acting_user=acting_user)
        ended += 1
    return ended


def _referral_back_to_triage(referral_id: int) -> None:
    """Once no request is open, a referral awaiting information is back in triage."""
    referral = Referral.objects.select_for_update().get(pk=referral_id)
    still_open = referral.information_requests.filter(
        status=InformationRequest.Status.OPEN
    ).exists()
    if not still_open and REFERRAL_LIFECYCLE.allows("information_received", referral):
        referral.status = Referral.Status.IN_TRIAGE
        # A save, not update(): the status change is in the audit log; the version goes up
        # so a triage form opened before it is stale (tests/referrals/test_lifecycle.py).
        referral.version += 1
        referral.save(update_fields=["status", "version", "updated_at"])


@transaction.atomic
def information_request_create(
    *,
    referral: Referral,
    agency: Agency,
    question: str,
    due_on: date,
    acting_user: User,
) -> InformationRequest:
    """Ask a partner agency what it knows, by a date today or later. The agency's SPOCs see
    the request (not the referral) until it is answered, withdrawn or expires, and are told
    by e-mail with no personal data in it. Only an agency serving the referral's council
    area is asked (ValueError otherwise): another area's SPOCs have no need of the person."""
    if not agency.areas.filter(pk=referral.area_id).exists():
        raise ValueError("Choose an agency that works in this referral's council area")
    request = InformationRequest(
        referral=referral,
        agency=agency,
        question=question.strip(),
        due_on=due_on,
        requested_by=acting_user,
    )
    LIFECYCLE.require("send", request, today=timezone.localdate())
    agency.require_open(what="information request")
    request.save()
    locked = lock_in_place(referral)
    if REFERRAL_LIFECYCLE.allows("await_information", locked):
        locked.status = Referral.Status.AWAITING_INFORMATION
        locked.version += 1  # audited save with a new version (referrals/lifecycle.py)
        locked.save(update_fields=["status", "version", "updated_at"])
        referral.status, referral.version = locked.status, locked.version
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.INFORMATION_REQUESTED,
        text=f"Information requested from {agency.name}, due {due_on:%d %B %Y}: {request.question}",
        acting_user=acting_user,
    )
    link = site_link("referrals:information_request_answer", request.pk)
    for spoc in asked_spocs(agency.pk):
        notification_queue(
            dedup_key=f"information-request:{request.pk}:user:{spoc.pk}",
            kind="information_requested",
            record=request,
            recipient=spoc,
            subject="The Prevent Coordinator has asked your agency for information",
            body=(
                f"The Prevent Coordinator has asked {agency.name} for information, by "
                f"{due_on:%d %B %Y}.\n\nSign in to read the request and answer it: {link}\n"
            ),
            due=due_on,
        )
    return request


@transaction.atomic
def information_request_answer(
    *, request: InformationRequest, response: str, acting_user: User
) -> InformationRequest:
    """An SPOC of the agency asked answers an open request before it expires. The answer
    lands on the chronology, the agency's sight of the request ends, and the Coordinator who
    asked is told."""
    request = _lock(request)
    LIFECYCLE.require("answer", request, today=timezone.localdate(), response=response)
    request.response = response.strip()
    request.responded_by = acting_user
    request.responded_at = timezone.now()
    request.status = InformationRequest.Status.ANSWERED
    request.save(update_fields=["response", "responded_by", "responded_at", "status"])
    chronology_add(
        referral=request.referral,
        kind=ChronologyEntry.Kind.INFORMATION_ADDED,
        text=f"{request.agency.name} answered: {request.response}",
        acting_user=acting_user,
    )
    _legacy_shares_end(request, acting_user)
    _referral_back_to_triage(request.referral_id)
    link = site_link("referrals:triage", request.referral_id)
    for recipient in _answer_recipients(request):
        notification_queue(
            dedup_key=f"information-answered:{request.pk}:user:{recipient.pk}",
            kind="information_answered",
            record=request.referral,
            recipient=recipient,
            subject=f"Information received about referral {request.referral.reference}",
            body=(
                f"{request.agency.name} has answered an information request about referral "
                f"{request.referral.reference}.\n\nSign in to read it: {link}\n"
            ),
        )
    return request


def _answer_recipients(request: InformationRequest) -> list[User]:
    """Who hears that a request was answered: the person who asked, while they may still
    open the referral; otherwise the active Coordinators of the referral's area who may.
    Nobody who has left is told (the rule F7 set for reminders, for this notice too)."""
    referral_id = request.referral_id
    if Referral.objects.visible_to(request.requested_by).filter(pk=referral_id).exists():
        return [request.requested_by]
    coordinators = holders(Role.COORDINATOR, request.referral.area_id)
    return [
        c for c in coordinators if Referral.objects.visible_to(c).filter(pk=referral_id).exists()
    ]


@transaction.atomic
def information_request_withdraw(
    *, request: InformationRequest, reason: str, acting_user: User
) -> InformationRequest:
    """The Coordinator withdraws an open request, giving why. The agency asked loses sight of
    it at once (and any share of the referral an older request made is deleted, audited);
    the reason is on the chronology and the agency's SPOCs are told, with no personal data."""
    request = _lock(request)
    LIFECYCLE.require("withdraw", request, reason=reason)
    request.status = InformationRequest.Status.WITHDRAWN
    request.closed_reason = reason.strip()
    request.closed_by = acting_user
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_reason", "closed_by", "closed_at"])
    _legacy_shares_end(request, acting_user)
    chronology_add(
        referral=request.referral,
        kind=ChronologyEntry.Kind.INFORMATION_REQUESTED,
        text=f"Information request to {request.agency.name} withdrawn. Reason: "
        f"{request.closed_reason}",
        acting_user=acting_user,
    )
    _referral_back_to_triage(request.referral_id)
    for spoc in asked_spocs(request.agency_id):
        notification_queue(
            dedup_key=f"information-request-withdrawn:{request.pk}:user:{spoc.pk}",
            kind="information_request_withdrawn",
            recipient=spoc,
            subject="An information request to your agency has been withdrawn",
            body=(
                f"The Prevent Coordinator has withdrawn a request for information sent to "
                f"{request.agency.name} on {request.requested_at:%d %B %Y}. You do not need "
                f"to answer it.\n\n{site_link('referrals:information_requests')}\n"
            ),
        )
    return request


@transaction.atomic
def information_requests_expire(*, today: date, acting_user: User | None) -> int:
    """Close every open request past its expiry (INFORMATION_REQUEST_GRACE_DAYS after its
    due date) as expired, one audited save each, with a line on its referral's chronology.
    The agency asked stopped seeing it on the day it expired whether or not this has run;
    this records it. Idempotent: a second run finds nothing."""
    candidates = InformationRequest.objects.filter(
        status=InformationRequest.Status.OPEN, due_on__lt=today
    ).order_by("pk")
    expired = 0
    for request in candidates:
        request = _lock(request)
        if not LIFECYCLE.allows("expire", request, today=today):
            continue
        request.status = InformationRequest.Status.EXPIRED
        request.closed_at = timezone.now()
        request.closed_by = acting_user
        request.save(update_fields=["status", "closed_at", "closed_by"])
        _legacy_shares_end(request, acting_user)
        chronology_add(
            referral=request.referral,
            kind=ChronologyEntry.Kind.INFORMATION_REQUESTED,
            text=f"Information request to {request.agency.name} expired unanswered "
            f"on {request.expires_on:%d %B %Y}.",
            acting_user=acting_user,
        )
        _referral_back_to_triage(request.referral_id)
        expired += 1
    return expired


__all__ = [
    "information_request_answer",
    "information_request_create",
    "information_request_withdraw",
    "information_requests_expire",
]
