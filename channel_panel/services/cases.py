"""Keeping a case up to date: consent, needs flags, support plan, contacts, notes.

Each change writes an entry on the case's chronology (its referral's), so the timeline
says who did what and when; the records themselves are audited by django-auditlog.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from channel_panel.lifecycle import CASE_LIFECYCLE
from channel_panel.models import (
    CaseNeedsFlag,
    ChannelCase,
    Consent,
    InterventionProvider,
    SupportAction,
    SupportType,
    is_under_18,
)
from prevent_portal.accounts.models import Agency, User, require_offered_in
from prevent_portal.core.concurrency import lock_in_place, save_if_unchanged
from referrals.models import ChronologyEntry, NeedsFlag
from referrals.services import chronology_add

Kind = ChronologyEntry.Kind


def _day(value: date) -> str:
    return f"{value:%-d %B %Y}"


def _not_in_future(value: date, what: str) -> None:
    if value > timezone.localdate():
        raise ValueError(f"{what} must be today or in the past")


def _who(
    case: ChannelCase, *, by: str, name: str, on: date, doing: str, answer: str
) -> tuple[str, str]:
    """Who answered for the person: an adult answers themselves; someone under 18 on that
    day through a parent or guardian, whose name is recorded. Returns (by, name)."""
    if by not in Consent.GivenBy.values:
        raise ValueError(f"Say who {doing}")
    name = name.strip()
    if by == Consent.GivenBy.PERSON:
        if is_under_18(case, on):
            raise ValueError(
                f"The person was under 18 on that date: {answer} must come from a parent or "
                "guardian"
            )
        return by, ""
    if not name:
        raise ValueError(f"Enter the name of the parent or guardian who {doing}")
    return by, name


def _describe_who(by: str, name: str) -> str:
    return "the person" if by == Consent.GivenBy.PERSON else f"{name}, parent or guardian"


# --- Consent -----------------------------------------------------------------------------------
@transaction.atomic
def consent_record(
    *,
    case: ChannelCase,
    given_by: str,
    given_on: date,
    giver_name: str = "",
    capacity_notes: str = "",
    answer: str = Consent.Answer.GIVEN,
    acting_user: User,
) -> Consent:
    """Record the person's answer to Channel support: consent given, or refused. Channel is
    voluntary: an adult answers themselves; someone under 18 on that day through a parent
    or guardian, whose name is recorded. A refusal is recorded only while no consent is
    live (a change of mind after consent is a withdrawal); after it no support can be added
    and the case must exit with signposting (the case lifecycle)."""
    if answer not in Consent.Answer.values:
        raise ValueError("Say whether consent was given or refused")
    refused = answer == Consent.Answer.REFUSED
    case = lock_in_place(case)
    CASE_LIFECYCLE.require(
        "refuse_consent" if refused else "record_consent", case, acting_user=acting_user
    )
    doing = "refused consent" if refused else "gave consent"
    _not_in_future(given_on, f"The date consent was {'refused' if refused else 'given'}")
    given_by, giver_name = _who(
        case,
        by=given_by,
        name=giver_name,
        on=given_on,
        doing=doing,
        answer="a refusal" if refused else "consent",
    )
    consent = Consent.objects.create(
        case=case,
        answer=answer,
        given_by=given_by,
        giver_name=giver_name,
        given_on=given_on,
        capacity_notes=capacity_notes.strip(),
        recorded_by=acting_user,
    )
    what = "refused" if refused else "given"
    text = f"Consent {what} by {_describe_who(given_by, giver_name)} on {_day(given_on)}."
    if consent.capacity_notes:
        text += f" Capacity: {consent.capacity_notes}"
    chronology_add(referral=case.referral, kind=Kind.CONSENT, text=text, acting_user=acting_user)
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    withdrawn_on: date,
    notes: str = "",
    withdrawn_by: str = "",
    withdrawer_name: str = "",
    expected_version: int,
    acting_user: User,
) -> Consent:
    """Record that consent was withdrawn: by whom (an adult themselves; for someone under 18
    that day, a named parent or guardian) and on a day no earlier than it was given. Only
    live consent on an open case can be withdrawn; afterwards no support can be added and
    the case must exit with signposting. Edits are optimistically locked (StaleEdit)."""
    case = ChannelCase.objects.select_for_update().get(pk=consent.case_id)
    CASE_LIFECYCLE.require("withdraw_consent", case, consent=consent, acting_user=acting_user)
    _not_in_future(withdrawn_on, "The date consent was withdrawn")
    if withdrawn_on < consent.given_on:
        raise ValueError("Consent cannot be withdrawn before the day it was given")
    withdrawn_by, withdrawer_name = _who(
        case,
        by=withdrawn_by,
        name=withdrawer_name,
        on=withdrawn_on,
        doing="withdrew consent",
        answer="a withdrawal",
    )
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_by = withdrawn_by
    consent.withdrawer_name = withdrawer_name
    consent.withdrawal_notes = notes.strip()
    save_if_unchanged(
        consent,
        expected_version=expected_version,
        fields=["withdrawn_on", "withdrawn_by", "withdrawer_name", "withdrawal_notes"],
    )
    text = (
        f"Consent given on {_day(consent.given_on)} withdrawn by "
        f"{_describe_who(withdrawn_by, withdrawer_name)} on {_day(withdrawn_on)}."
    )
    if consent.withdrawal_notes:
        text += f" {consent.withdrawal_notes}"
    chronology_add(referral=case.referral, kind=Kind.CONSENT, text=text, acting_user=acting_user)
    return consent


# --- Needs flags -------------------------------------------------------------------------------
@transaction.atomic
def needs_flag_add(
    *,
    case: ChannelCase,
    flag: NeedsFlag,
    source_agency: Agency,
    recorded_on: date,
    acting_user: User,
) -> CaseNeedsFlag:
    """Hold a needs flag on the case, with the agency that told the panel and when. A flag
    is current at most once on a case; flags change while the case is open or exited."""
    _not_in_future(recorded_on, "The date")
    # The case row lock makes two people adding the same flag take turns.
    locked = lock_in_place(case)
    CASE_LIFECYCLE.require("change_needs_flags", locked, acting_user=acting_user)
    if case.needs_flags.filter(flag=flag, removed_on__isnull=True).exists():
        raise ValueError(f"{flag.name} is already a current flag on this case")
    held = CaseNeedsFlag.objects.create(
        case=case,
        flag=flag,
        source_agency=source_agency,
        recorded_on=recorded_on,
        recorded_by=acting_user,
    )
    chronology_add(
        referral=case.referral,
        kind=Kind.NEEDS_FLAGS,
        text=f"Flag added: {flag.name} (from {source_agency.name}, {_day(recorded_on)}).",
        acting_user=acting_user,
    )
    return held


@transaction.atomic
def needs_flag_remove(*, held: CaseNeedsFlag, removed_on: date, acting_user: User) -> CaseNeedsFlag:
    """A flag that no longer applies is kept with the day it stopped applying, never
    deleted, so the case's history still shows it."""
    held = CaseNeedsFlag.objects.select_for_update().select_related("flag", "case").get(pk=held.pk)
    CASE_LIFECYCLE.require("change_needs_flags", held.case, acting_user=acting_user)
    if held.removed_on is not None:
        raise ValueError("This flag has already been removed")
    _not_in_future(removed_on, "The date")
    if removed_on < held.recorded_on:
        raise ValueError("A flag cannot stop applying before it was recorded")
    held.removed_on = removed_on
    held.save(update_fields=["removed_on"])
    chronology_add(
        referral=held.case.referral,
        kind=Kind.NEEDS_FLAGS,
        text=f"Flag removed: {held.flag.name} no longer applies from {_day(removed_on)}.",
        acting_user=acting_user,
    )
    return held


# --- Support plan ------------------------------------------------------------------------------
def _check_owner(agency: Agency | None, provider: InterventionProvider | None) -> None:
    if (agency is None) == (provider is None):
        raise ValueError("Choose who owns the action: an agency or an Intervention Provider")


def _describe_action(action: SupportAction) -> str:
    text = (
        f"{action.support_type.name}, owned by {action.owner_name}; {action.get_status_display()}"
    )
    if action.next_contact_due:
        text += f"; next contact due {_day(action.next_contact_due)}"
    return f"{text}. {action.description}"


@transaction.atomic
def support_action_add(
    *,
    case: ChannelCase,
    support_type: SupportType,
    description: str,
    owner_agency: Agency | None = None,
    owner_provider: InterventionProvider | None = None,
    status: str = SupportAction.Status.PLANNED,
    next_contact_due: date | None = None,
    acting_user: User,
) -> SupportAction:
    """Add an action to an open case's support plan, owned by an agency or by an
    Intervention Provider (one of the two). Channel is voluntary: not while consent is
    refused or withdrawn (the lifecycle's "add_support")."""
    locked = lock_in_place(case)
    CASE_LIFECYCLE.require("add_support", locked, acting_user=acting_user)
    _check_owner(owner_agency, owner_provider)
    require_offered_in(owner_provider, case.area_id)
    if not description.strip():
        raise ValueError("Describe the action")
    action = SupportAction.objects.create(
        case=case,
        support_type=support_type,
        description=description.strip(),
        owner_agency=owner_agency,
        owner_provider=owner_provider,
        status=status,
        next_contact_due=next_contact_due,
        created_by=acting_user,
    )
    chronology_add(
        referral=case.referral,
        kind=Kind.SUPPORT_PLAN,
        text=f"Support action added: {_describe_action(action)}",
        acting_user=acting_user,
    )
    return action


@transaction.atomic
def support_action_update(
    *,
    action: SupportAction,
    support_type: SupportType,
    description: str,
    owner_agency: Agency | None,
    owner_provider: InterventionProvider | None,
    status: str,
    next_contact_due: date | None,
    expected_version: int,
    acting_user: User,
) -> SupportAction:
    """Change an action of the support plan. Two people editing the same action do not
    overwrite each other: the second gets StaleEdit and nothing is saved."""
    CASE_LIFECYCLE.require("change_support", action.case, acting_user=acting_user)
    _check_owner(owner_agency, owner_provider)
    require_offered_in(owner_provider, action.case.area_id)
    if not description.strip():
        raise ValueError("Describe the action")
    action.support_type = support_type
    action.description = description.strip()
    action.owner_agency = owner_agency
    action.owner_provider = owner_provider
    action.status = status
    action.next_contact_due = next_contact_due
    save_if_unchanged(
        action,
        expected_version=expected_version,
        fields=[
            "support_type",
            "description",
            "owner_agency",
            "owner_provider",
            "status",
            "next_contact_due",
        ],
    )
    chronology_add(
        referral=action.case.referral,
        kind=Kind.SUPPORT_PLAN,
        text=f"Support action changed: {_describe_action(action)}",
        acting_user=acting_user,
    )
    return action


@transaction.atomic
def support_contact_record(
    *,
    action: SupportAction,
    contact_on: date,
    notes: str,
    next_contact_due: date | None,
    acting_user: User,
) -> SupportAction:
    """Record a contact made under an open action: its last contact and next contact due
    move on (a planned action becomes active), and the chronology gets the contact."""
    locked = (
        SupportAction.objects.select_for_update(of=("self",))
        .select_related("case__referral", "support_type", "owner_agency", "owner_provider")
        .get(pk=action.pk)
    )
    CASE_LIFECYCLE.require("change_support", locked.case, acting_user=acting_user)
    if locked.status not in SupportAction.OPEN_STATUSES:
        raise ValueError("Contacts are recorded on planned or active actions only")
    _not_in_future(contact_on, "The date of the contact")
    if next_contact_due is not None and next_contact_due <= contact_on:
        raise ValueError("The next contact must be due after this contact")
    if not notes.strip():
        raise ValueError("Say what happened at the contact")
    if locked.last_contact_on is None or contact_on >= locked.last_contact_on:
        locked.last_contact_on = contact_on
    locked.next_contact_due = next_contact_due
    locked.status = SupportAction.Status.ACTIVE
    locked.version += 1
    locked.save(update_fields=["last_contact_on", "next_contact_due", "status", "version"])
    text = f"Contact on {_day(contact_on)} ({locked.support_type.name}, {locked.owner_name}): "
    text += notes.strip()
    if next_contact_due:
        text += f" Next contact due {_day(next_contact_due)}."
    chronology_add(
        referral=locked.case.referral, kind=Kind.CONTACT, text=text, acting_user=acting_user
    )
    return locked


# --- Notes -------------------------------------------------------------------------------------
@transaction.atomic
def case_note_add(*, case: ChannelCase, text: str, acting_user: User) -> ChronologyEntry:
    """Anyone who may see the case, a panel member preparing for a meeting included, may
    add a note to its chronology, whatever the case's state. Notes are never changed."""
    CASE_LIFECYCLE.require("add_note", case, acting_user=acting_user)
    if not text.strip():
        raise ValueError("Enter the note")
    return chronology_add(
        referral=case.referral, kind=Kind.CASE_NOTE, text=text.strip(), acting_user=acting_user
    )


__all__ = [
    "case_note_add",
    "consent_record",
    "consent_withdraw",
    "needs_flag_add",
    "needs_flag_remove",
    "support_action_add",
    "support_action_update",
    "support_contact_record",
]
