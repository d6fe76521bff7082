"""Triage of a referral by the Prevent Coordinator, and partners' answers to information
requests. Every step lands on the referral's chronology."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.core.concurrency import save_if_unchanged
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.models import (
    ChronologyEntry,
    InformationRequest,
    Outcome,
    Referral,
    SignpostingService,
)
from referrals.services.records import chronology_add
from referrals.services.sharing import referral_share

# How long after its due date an information request's share stays live.
INFORMATION_SHARE_GRACE_DAYS = 7

# Outcome code -> the status a referral takes when the Coordinator records it.
OUTCOME_STATUS = {
    Outcome.NO_FURTHER_ACTION: Referral.Status.CLOSED,
    Outcome.SIGNPOSTED: Referral.Status.CLOSED,
    Outcome.POLICE_LED: Referral.Status.CLOSED,
    Outcome.PASSED_TO_PANEL: Referral.Status.PASSED_TO_PANEL,
}


def _name(user: User | None) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.username


def _agency_spocs(agency: Agency) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(agency=agency, role=Role.SPOC),
        ).distinct()
    )


def _start_triage(referral: Referral) -> list[str]:
    """A received referral is in triage from the Coordinator's first step."""
    if referral.status == Referral.Status.RECEIVED:
        referral.status = Referral.Status.IN_TRIAGE
        return ["status"]
    return []


@transaction.atomic
def referral_assign(
    *, referral: Referral, officer: User | None, expected_version: int, acting_user: User
) -> Referral:
    """Assign (or unassign) the officer who triages a referral. Refused with StaleEdit when
    someone else changed the referral since the form was opened."""
    referral.assigned_officer = officer
    fields = ["assigned_officer", *_start_triage(referral)]
    save_if_unchanged(referral, expected_version=expected_version, fields=[*fields, "updated_at"])
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.ASSIGNED,
        text=f"Assigned to {_name(officer)}." if officer else "Officer unassigned.",
        acting_user=acting_user,
    )
    return referral


@transaction.atomic
def referral_gateway_record(
    *,
    referral: Referral,
    gateway_outcome: str,
    checked_on: date,
    note: str = "",
    expected_version: int,
    acting_user: User,
) -> Referral:
    """Record the police gateway / de-confliction outcome and the date it was given. The
    decision is made in the police system; only its result is kept here."""
    if gateway_outcome not in Referral.Gateway.values:
        raise ValueError("Unknown gateway outcome")
    if checked_on > timezone.localdate():
        raise ValueError("A gateway check cannot be in the future")
    referral.gateway_outcome = gateway_outcome
    referral.gateway_checked_on = checked_on
    fields = ["gateway_outcome", "gateway_checked_on", *_start_triage(referral)]
    save_if_unchanged(referral, expected_version=expected_version, fields=[*fields, "updated_at"])
    text = f"{referral.get_gateway_outcome_display()} (checked {checked_on:%d %B %Y})."
    if note.strip():
        text += f" {note.strip()}"
    chronology_add(
        referral=referral, kind=ChronologyEntry.Kind.GATEWAY, text=text, acting_user=acting_user
    )
    return referral


@transaction.atomic
def referral_outcome_record(
    *,
    referral: Referral,
    outcome: Outcome,
    reason: str,
    signposted_to: SignpostingService | None = None,
    decided_on: date | None = None,
    expected_version: int,
    acting_user: User,
) -> Referral:
    """Record the triage outcome. Every outcome needs a reason; "signposted" needs the
    service. Passing to the Channel Panel sets the status passed_to_panel, any other outcome
    closes the referral; either way the decision date is set."""
    if not reason.strip():
        raise ValueError("A triage outcome needs a reason")
    if outcome.code not in OUTCOME_STATUS:
        raise ValueError("That outcome cannot be recorded at triage")
    if outcome.code == Outcome.SIGNPOSTED and signposted_to is None:
        raise ValueError("Signposting needs the service signposted to")
    if not referral.is_open():
        raise ValueError("This referral already has its triage outcome")
    referral.outcome = outcome
    referral.outcome_reason = reason.strip()
    referral.signposted_to = signposted_to if outcome.code == Outcome.SIGNPOSTED else None
    referral.decided_on = decided_on or timezone.localdate()
    referral.status = OUTCOME_STATUS[outcome.code]
    if outcome.code == Outcome.PASSED_TO_PANEL:
        referral.reached_panel = True
    save_if_unchanged(
        referral,
        expected_version=expected_version,
        fields=[
            "outcome",
            "outcome_reason",
            "signposted_to",
            "decided_on",
            "status",
            "reached_panel",
            "updated_at",
        ],
    )
    text = f"{outcome.name}"
    if referral.signposted_to:
        text += f": {referral.signposted_to.name}"
    text += f". Reason: {referral.outcome_reason}"
    chronology_add(
        referral=referral, kind=ChronologyEntry.Kind.OUTCOME, text=text, acting_user=acting_user
    )
    return referral


@transaction.atomic
def information_request_create(
    *,
    referral: Referral,
    agency: Agency,
    question: str,
    due_on: date,
    acting_user: User,
) -> InformationRequest:
    """Ask a partner agency what it knows. The referral is shared with the agency's case-role
    members until a week after the due date, and the agency's SPOCs are told by e-mail."""
    if not question.strip():
        raise ValueError("An information request needs a question")
    if due_on < timezone.localdate():
        raise ValueError("The due date cannot be in the past")
    request = InformationRequest.objects.create(
        referral=referral,
        agency=agency,
        question=question.strip(),
        due_on=due_on,
        requested_by=acting_user,
    )
    if agency.pk != referral.owning_agency_id:
        expires = datetime.combine(due_on + timedelta(days=INFORMATION_SHARE_GRACE_DAYS), time.max)
        referral_share(
            referral=referral,
            to_agency=agency,
            reason=f"Information requested (request {request.pk})",
            expires_at=timezone.make_aware(expires),
            acting_user=acting_user,
        )
    if referral.status in (Referral.Status.RECEIVED, Referral.Status.IN_TRIAGE):
        referral.status = Referral.Status.AWAITING_INFORMATION
        referral.save(update_fields=["status", "updated_at"])
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.INFORMATION_REQUESTED,
        text=f"Information requested from {agency.name}, due {due_on:%d %B %Y}: {request.question}",
        acting_user=acting_user,
    )
    link = site_link("referrals:information_request_answer", request.pk)
    for spoc in _agency_spocs(agency):
        notification_queue(
            dedup_key=f"information-request:{request.pk}:user:{spoc.pk}",
            kind="information_requested",
            recipient=spoc,
            subject=f"Information requested about referral {referral.reference}",
            body=(
                f"The Prevent Coordinator has asked {agency.name} for information about "
                f"referral {referral.reference}, by {due_on:%d %B %Y}.\n\n"
                f"Sign in to answer: {link}\n"
            ),
            due=due_on,
        )
    return request


@transaction.atomic
def information_request_answer(
    *, request: InformationRequest, response: str, acting_user: User
) -> InformationRequest:
    """An SPOC of the agency asked answers an open request. The answer lands on the
    chronology and the Coordinator who asked is told."""
    request = InformationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != InformationRequest.Status.OPEN:
        raise ValueError("This request has already been answered")
    if not response.strip():
        raise ValueError("An answer cannot be empty")
    request.response = response.strip()
    request.responded_by = acting_user
    request.responded_at = timezone.now()
    request.status = InformationRequest.Status.ANSWERED
    request.save(update_fields=["response", "responded_by", "responded_at", "status"])
    referral = request.referral
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.INFORMATION_ADDED,
        text=f"{request.agency.name} answered: {request.response}",
        acting_user=acting_user,
    )
    still_open = referral.information_requests.filter(
        status=InformationRequest.Status.OPEN
    ).exists()
    if referral.status == Referral.Status.AWAITING_INFORMATION and not still_open:
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.IN_TRIAGE)
    link = site_link("referrals:triage", referral.pk)
    notification_queue(
        dedup_key=f"information-answered:{request.pk}",
        kind="information_answered",
        recipient=request.requested_by,
        subject=f"Information received about referral {referral.reference}",
        body=(
            f"{request.agency.name} has answered your information request about referral "
            f"{referral.reference}.\n\nSign in to read it: {link}\n"
        ),
    )
    return request


@transaction.atomic
def referral_note_add(*, referral: Referral, text: str, acting_user: User) -> ChronologyEntry:
    """Add a note to a referral's chronology. Notes are never edited afterwards."""
    if not text.strip():
        raise ValueError("A note cannot be empty")
    return chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.NOTE,
        text=text.strip(),
        acting_user=acting_user,
    )


@transaction.atomic
def chronology_correct(*, entry: ChronologyEntry, text: str, acting_user: User) -> ChronologyEntry:
    """Correct a chronology entry: the entry stays as it was, and a new CORRECTION entry
    pointing at it says what was wrong."""
    if not text.strip():
        raise ValueError("A correction cannot be empty")
    return chronology_add(
        referral=entry.referral,
        kind=ChronologyEntry.Kind.CORRECTION,
        text=text.strip(),
        acting_user=acting_user,
        corrects=entry,
    )


__all__ = [
    "INFORMATION_SHARE_GRACE_DAYS",
    "chronology_correct",
    "information_request_answer",
    "information_request_create",
    "referral_assign",
    "referral_gateway_record",
    "referral_note_add",
    "referral_outcome_record",
]
