"""Triage of a referral by the Prevent Coordinator. Every step lands on the referral's
chronology. Information requests are in referrals/services/information_requests.py."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import (
    Agency,
    Membership,
    Role,
    User,
    require_offered_in,
)
from prevent_portal.core.concurrency import lock_in_place, save_if_unchanged
from referrals.lifecycle import OUTCOME_STEP, REFERRAL_LIFECYCLE
from referrals.models import (
    ChronologyEntry,
    GatewayResult,
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


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked for the rest of the transaction, read afresh: the
    lifecycle's preconditions are checked against what is stored, not what a form saw."""
    return lock_in_place(referral)


def _sync(target: Referral, source: Referral) -> Referral:
    """Copy a saved referral's fields onto the caller's object, so it shows what is stored."""
    for f in Referral._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    return target


def _start_triage(referral: Referral) -> list[str]:
    """A received referral is in triage from the Coordinator's first step."""
    if referral.status == Referral.Status.RECEIVED:
        REFERRAL_LIFECYCLE.require("start_triage", referral)
        referral.status = Referral.Status.IN_TRIAGE
        return ["status"]
    return []


@transaction.atomic
def referral_assign(
    *, referral: Referral, officer: User | None, expected_version: int, acting_user: User
) -> Referral:
    """Assign (or unassign) the officer who triages an open referral (lifecycle step
    ``assign``). Refused with StaleEdit when someone else changed the referral since the form
    was opened. The officer must be a Coordinator of the referral's own council area: a
    referral is never handed to another council's staff (ValueError otherwise)."""
    locked = _locked(referral)
    REFERRAL_LIFECYCLE.require("assign", locked)
    if (
        officer is not None
        and not holders(Role.COORDINATOR, locked.area_id).filter(pk=officer.pk).exists()
    ):
        raise ValueError("Choose a Prevent Coordinator of this referral's council area")
    locked.assigned_officer = officer
    fields = ["assigned_officer", *_start_triage(locked)]
    save_if_unchanged(locked, expected_version=expected_version, fields=[*fields, "updated_at"])
    chronology_add(
        referral=locked,
        kind=ChronologyEntry.Kind.ASSIGNED,
        text=f"Assigned to {_name(officer)}." if officer else "Officer unassigned.",
        acting_user=acting_user,
    )
    return _sync(referral, locked)


def _gateway_result(value: GatewayResult | str | None) -> GatewayResult | None:
    if isinstance(value, GatewayResult) or value is None:
        return value
    return GatewayResult.objects.filter(code=value).first()


@transaction.atomic
def referral_gateway_record(
    *,
    referral: Referral,
    gateway_outcome: GatewayResult | str,
    checked_on: date,
    note: str = "",
    expected_version: int,
    acting_user: User,
) -> Referral:
    """Record the police gateway / de-confliction result and the date it was given
    (lifecycle step ``record_gateway``: an open referral, a result in use, a check date
    between the date received and today). The decision is made in the police system; only
    its result is kept here. Whether the result allows a Channel Panel discussion is the
    result's configuration (``GatewayResult.allows_panel``)."""
    result = _gateway_result(gateway_outcome)
    locked = _locked(referral)
    REFERRAL_LIFECYCLE.require("record_gateway", locked, result=result, checked_on=checked_on)
    locked.gateway_outcome = result.code
    locked.gateway_checked_on = checked_on
    fields = ["gateway_outcome", "gateway_checked_on", *_start_triage(locked)]
    save_if_unchanged(locked, expected_version=expected_version, fields=[*fields, "updated_at"])
    text = f"{result.name} (checked {checked_on:%d %B %Y})."
    if note.strip():
        text += f" {note.strip()}"
    chronology_add(
        referral=locked, kind=ChronologyEntry.Kind.GATEWAY, text=text, acting_user=acting_user
    )
    return _sync(referral, locked)


def outcome_needed(referral: Referral, outcome: Outcome | None, **context) -> list[str]:
    """What is still needed before ``outcome`` can be recorded (for views and forms)."""
    if outcome is None or outcome.code not in OUTCOME_STEP:
        return ["Choose an outcome that can be recorded at triage."]
    return REFERRAL_LIFECYCLE.needed(
        OUTCOME_STEP[outcome.code], referral, outcome=outcome, **context
    )


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
    """Record the triage outcome of an open referral. Passing to the Channel Panel (step
    ``pass_to_panel``) needs a police gateway result that allows a panel discussion; any
    other outcome closes the referral (step ``close``; "signposted" needs the service).
    Every outcome needs a reason; the decision date is set (today unless given, never in
    the future nor before the referral)."""
    if outcome.code not in OUTCOME_STEP:
        raise ValueError("That outcome cannot be recorded at triage")
    require_offered_in(signposted_to, referral.area_id)
    locked = _locked(referral)
    decided_on = decided_on or timezone.localdate()
    REFERRAL_LIFECYCLE.require(
        OUTCOME_STEP[outcome.code],
        locked,
        outcome=outcome,
        reason=reason,
        signposted_to=signposted_to,
        decided_on=decided_on,
    )
    locked.outcome = outcome
    locked.outcome_reason = reason.strip()
    locked.signposted_to = signposted_to if outcome.code == Outcome.SIGNPOSTED else None
    locked.decided_on = decided_on
    locked.status = OUTCOME_STATUS[outcome.code]
    if outcome.code == Outcome.PASSED_TO_PANEL:
        locked.reached_panel = True
    save_if_unchanged(
        locked,
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
    if locked.signposted_to:
        text += f": {locked.signposted_to.name}"
    text += f". Reason: {locked.outcome_reason}"
    chronology_add(
        referral=locked, kind=ChronologyEntry.Kind.OUTCOME, text=text, acting_user=acting_user
    )
    referral_closed_notify(referral=locked)
    return _sync(referral, locked)


def _names(items) -> str:
    return ", ".join(sorted(i.name for i in items)) or "none"


@transaction.atomic
def referral_reclassify(
    *,
    referral: Referral,
    concern_types,
    needs_flags,
    reason: str,
    expected_version: int,
    acting_user: User,
) -> Referral:
    """Correct a referral's types of concern and needs flags, with a reason (lifecycle step
    ``reclassify``: at least one type of concern, something changed). The many-to-many
    change is audited (auditlog's ``m2m_fields``), the version goes up, the chronology says
    what changed and why, and statistics count the corrected values from then on."""
    locked = _locked(referral)
    concern_types, needs_flags = list(concern_types), list(needs_flags)
    before_types, before_flags = set(locked.concern_types.all()), set(locked.needs_flags.all())
    changed = before_types != set(concern_types) or before_flags != set(needs_flags)
    REFERRAL_LIFECYCLE.require(
        "reclassify", locked, reason=reason, concern_types=concern_types, changed=changed
    )
    save_if_unchanged(locked, expected_version=expected_version, fields=["updated_at"])
    locked.concern_types.set(concern_types)
    locked.needs_flags.set(needs_flags)
    lines = []
    if before_types != set(concern_types):
        lines.append(f"Types of concern: {_names(before_types)}, now {_names(concern_types)}.")
    if before_flags != set(needs_flags):
        lines.append(f"Needs: {_names(before_flags)}, now {_names(needs_flags)}.")
    chronology_add(
        referral=locked,
        kind=ChronologyEntry.Kind.CORRECTION,
        text=f"Reclassified. {' '.join(lines)} Reason: {reason.strip()}",
        acting_user=acting_user,
    )
    return _sync(referral, locked)


@transaction.atomic
@transaction.atomic
def referral_note_add(*, referral: Referral, text: str, acting_user: User) -> ChronologyEntry:
    """Add a note to a referral's chronology. Notes are never edited afterwards. Refused
    (RecordMoved) when the referral has been transferred to another area meanwhile."""
    if not text.strip():
        raise ValueError("A note cannot be empty")
    lock_in_place(referral)
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
    "referral_reclassify",
    "outcome_needed",
]
