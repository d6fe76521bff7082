"""Triage of a referral by the Prevent Coordinator. Every step lands on the referral's
chronology. Information requests are in referrals/services/information_requests.py."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.core.concurrency import save_if_unchanged
from referrals.models import (
    ChronologyEntry,
    Outcome,
    Referral,
    SignpostingService,
)
from referrals.services.records import chronology_add
from referrals.services.referrer import referral_closed_notify

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
    referral_closed_notify(referral=referral)
    return referral


@transaction.atomic
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
    "chronology_correct",
    "referral_assign",
    "referral_gateway_record",
    "referral_note_add",
    "referral_outcome_record",
]
