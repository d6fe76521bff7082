"""A case's life: adoption at a panel meeting, exit (with ownership returned), post-exit
reviews, closure."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channel_panel.lifecycle import CASE_LIFECYCLE, exit_decision_for, works_in_case_role
from channel_panel.models import (
    CaseNeedsFlag,
    ChannelCase,
    ExitReason,
    PanelMeeting,
    PostExitReview,
)
from channel_panel.notifications import case_adopted_notify
from channel_panel.services.pack import pack_grants_revoke
from prevent_portal.accounts.models import Agency, User, require_offered_in
from prevent_portal.core.concurrency import StaleEdit, lock_in_place, save_if_unchanged
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.models import ChronologyEntry, Referral, SignpostingService
from referrals.services import chronology_add, referral_closed_notify, referral_share


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it has no such day."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _can_hold_case(user: User, agency: Agency) -> bool:
    """A case manager works for the lead agency in a case role, so they see its cases."""
    return works_in_case_role(user, agency)


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def case_adopt(
    *,
    referral: Referral,
    lead_agency: Agency,
    case_manager: User,
    adopted_on: date | None = None,
    meeting: PanelMeeting | None = None,
    acting_user: User | None,
) -> ChannelCase:
    """Adopt a referral passed to panel as a Channel case, led by an agency with a named case
    manager who works for it, with a current vulnerability assessment (the case lifecycle's
    "adopt" step). The referral records that
    it was adopted, and its needs flags come with it: each becomes a current flag on the
    case, from the referral's owning agency on the day the referral was received, so the
    case worker sees (and can edit, with history) what the referrer said. The case manager
    is told by e-mail (reference and link only)."""
    # The row lock keeps a triage edit, or a second adoption, from racing this one.
    locked = lock_in_place(referral)
    adopted_on = adopted_on or (meeting.meets_on if meeting else timezone.localdate())
    CASE_LIFECYCLE.require(
        "adopt",
        ChannelCase(referral=locked, lead_agency=lead_agency, case_manager=case_manager),
        acting_user=acting_user,
        on=adopted_on,
    )
    case = ChannelCase.objects.create(
        referral=referral,
        area_id=locked.area_id,
        lead_agency=lead_agency,
        case_manager=case_manager,
        adopted_on=adopted_on,
        adopted_at_meeting=meeting,
    )
    case.reference = f"CC-{adopted_on.year}-{case.pk:05d}"
    case.save(update_fields=["reference"])
    # Saved through the model so the audit log records it.
    locked.adopted = locked.reached_panel = True
    locked.version += 1
    locked.save(update_fields=["adopted", "reached_panel", "version", "updated_at"])
    referral.adopted = referral.reached_panel = True
    referral.version = locked.version
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.CASE_ADOPTED,
        text=(
            f"Adopted as Channel case {case.reference}, led by {lead_agency.name}; case "
            f"manager {_name(case_manager)}."
        ),
        acting_user=acting_user,
    )
    flags = list(locked.needs_flags.order_by("order", "name"))
    if flags:
        # One by one (not bulk_create): each flag on the case is an audited record.
        recorder = acting_user or case_manager
        for flag in flags:
            CaseNeedsFlag.objects.create(
                case=case,
                flag=flag,
                source_agency=locked.owning_agency,
                recorded_on=min(locked.received_on, adopted_on),
                recorded_by=recorder,
            )
        chronology_add(
            referral=referral,
            kind=ChronologyEntry.Kind.NEEDS_FLAGS,
            text=(
                "Flags carried from the referral: "
                + ", ".join(flag.name for flag in flags)
                + f" (from {locked.owning_agency.name}, {locked.received_on:%-d %B %Y})."
            ),
            acting_user=acting_user,
        )
    case_adopted_notify(case)
    return case


@transaction.atomic
def case_exit_agree(
    *, case: ChannelCase, agreed_on: date, reason: str, acting_user: User
) -> ChannelCase:
    """The chair's agreement to an exit outside a meeting (the lifecycle's "agree_exit"):
    only a Channel Panel chair records it, with the day and why, once per case. It is the
    exit's authority when the panel has not decided the exit at a held meeting."""
    locked = lock_in_place(case)
    CASE_LIFECYCLE.require("agree_exit", locked, acting_user=acting_user)
    reason = reason.strip()
    if not reason:
        raise ValueError("Enter why the chair agreed to the exit outside a meeting")
    if agreed_on > timezone.localdate():
        raise ValueError("The date the chair agreed must be today or in the past")
    if agreed_on < locked.adopted_on:
        raise ValueError("The chair cannot agree an exit before the case was adopted")
    locked.exit_agreed_by = acting_user
    locked.exit_agreed_on = agreed_on
    locked.exit_agreement_reason = reason
    locked.version += 1
    locked.save(
        update_fields=["exit_agreed_by", "exit_agreed_on", "exit_agreement_reason", "version"]
    )
    chronology_add(
        referral=locked.referral,
        kind=ChronologyEntry.Kind.EXIT,
        text=(
            f"Exit agreed outside a meeting by the chair, {_name(acting_user)}, on "
            f"{agreed_on:%-d %B %Y}. Reason: {reason}"
        ),
        acting_user=acting_user,
    )
    case.exit_agreed_by, case.exit_agreed_on = acting_user, agreed_on
    case.exit_agreement_reason, case.version = reason, locked.version
    return locked


def _tell_new_case_manager(case: ChannelCase, manager: User) -> None:
    """The named case manager in the receiving agency is told: reference and an absolute
    link only, never a name or what the case is about (e-mail leaves the portal)."""
    link = site_link("channel_panel:case_detail", case.pk)
    notification_queue(
        record=case,
        dedup_key=f"case:{case.pk}:ownership-returned:{case.exited_on}:user:{manager.pk}",
        kind="case_ownership_returned",
        recipient=manager,
        subject=f"Channel case {case.reference} has been returned to your agency",
        body=(
            f"Channel case {case.reference} has left Channel and its ownership has been "
            f"returned to your agency, with you as its case manager.\n\n"
            f"Sign in to read it: {link}\n"
        ),
    )


@transaction.atomic
def case_exit(
    *,
    case: ChannelCase,
    reason: ExitReason,
    notes: str = "",
    exited_on: date | None = None,
    return_ownership_to: Agency | None = None,
    returned_case_manager: User | None = None,
    signposted_to: SignpostingService | None = None,
    expected_version: int,
    acting_user: User,
) -> ChannelCase:
    """The case leaves Channel with a reason, and its post-exit reviews are scheduled
    (CHANNEL_POST_EXIT_REVIEW_MONTHS after exit). The lifecycle's "exit" step says what it
    needs: an authority (the panel's exit decision at a held meeting, or the chair's
    agreement outside one); "ownership returned" with the receiving agency and a named case
    manager working there in a case role; after a refusal or withdrawal of consent, that as
    the reason and where the person was signposted.

    Barnet's rule: where the radicalisation risk is low or absent but other safeguarding
    concerns remain, ownership returns to a named agency. That agency then leads the case,
    with the named case manager (who is told), and is given the referral, and every
    time-limited panel-pack grant on the case and its referral ends at once."""
    # Someone else's change first: their exit (or edit) is what the user has not seen. The
    # row lock makes a second exit wait here and then see the first one's new version.
    current = (
        ChannelCase.objects.select_for_update()
        .filter(pk=case.pk)
        .values_list("version", flat=True)
        .first()
    )
    if case.version != expected_version or current != expected_version:
        raise StaleEdit(StaleEdit.message)
    exited_on = exited_on or timezone.localdate()
    require_offered_in(signposted_to, case.area_id)
    CASE_LIFECYCLE.require(
        "exit",
        case,
        reason=reason,
        exited_on=exited_on,
        return_ownership_to=return_ownership_to,
        returned_case_manager=returned_case_manager,
        signposted_to=signposted_to,
        acting_user=acting_user,
    )
    decision = exit_decision_for(case)
    previous_manager = case.case_manager
    case.status = ChannelCase.Status.EXITED
    case.exit_reason = reason
    case.exit_notes = notes.strip()
    case.exited_on = exited_on
    case.exit_decision = decision
    case.exit_signposted_to = signposted_to
    fields = [
        "status",
        "exit_reason",
        "exit_notes",
        "exited_on",
        "exit_decision",
        "exit_signposted_to",
    ]
    if return_ownership_to is not None:
        case.ownership_returned_to = return_ownership_to
        case.lead_agency = return_ownership_to
        case.case_manager = returned_case_manager
        fields += ["ownership_returned_to", "lead_agency", "case_manager"]
    save_if_unchanged(case, expected_version=expected_version, fields=fields)
    if decision is not None:
        authority = f"Panel decision at {decision.item.meeting}."
    else:
        authority = f"Agreed outside a meeting by the chair on {case.exit_agreed_on:%-d %B %Y}."
    text = f"Exited Channel on {exited_on:%d %B %Y}. Reason: {reason.name}. {authority}"
    if signposted_to is not None:
        text += f" Signposted to {signposted_to.name}."
    chronology_add(
        referral=case.referral,
        kind=ChronologyEntry.Kind.EXIT,
        text=text + (f" {case.exit_notes}" if case.exit_notes else ""),
        acting_user=acting_user,
    )
    for months in sorted(set(settings.CHANNEL_POST_EXIT_REVIEW_MONTHS)):
        PostExitReview.objects.create(
            case=case, months_after_exit=months, due_on=add_months(exited_on, months)
        )
    if return_ownership_to is not None:
        revoked = pack_grants_revoke(case=case, acting_user=acting_user)
        if case.referral.owning_agency_id != return_ownership_to.pk:
            referral_share(
                referral=case.referral,
                to_agency=return_ownership_to,
                reason=f"Ownership returned from Channel case {case.reference}",
                acting_user=acting_user,
            )
        chronology_add(
            referral=case.referral,
            kind=ChronologyEntry.Kind.OWNERSHIP,
            text=(
                f"Ownership returned to {return_ownership_to.name}, case manager "
                f"{_name(returned_case_manager)} (was {_name(previous_manager)}); {revoked} "
                f"panel access grant(s) ended."
            ),
            acting_user=acting_user,
        )
        _tell_new_case_manager(case, returned_case_manager)
    # The work on the referral has finished (referrals/referrer.py): its referrer is told.
    referral_closed_notify(referral=case.referral)
    return case


@transaction.atomic
def post_exit_review_record(
    *, review: PostExitReview, held_on: date, notes: str, acting_user: User
) -> PostExitReview:
    """Record a post-exit review as held (the lifecycle's "record_review": once, on an exited
    case, not before the exit). When the last one is held the case closes ("close")."""
    review = PostExitReview.objects.select_for_update().get(pk=review.pk)
    case = review.case
    CASE_LIFECYCLE.require(
        "record_review", case, review=review, held_on=held_on, acting_user=acting_user
    )
    review.held_on = held_on
    review.outcome_notes = notes.strip()
    review.save(update_fields=["held_on", "outcome_notes"])
    chronology_add(
        referral=case.referral,
        kind=ChronologyEntry.Kind.POST_EXIT_REVIEW,
        text=f"{review.months_after_exit}-month post-exit review held on {held_on:%d %B %Y}."
        + (f" {review.outcome_notes}" if review.outcome_notes else ""),
        acting_user=acting_user,
    )
    case = lock_in_place(case)
    if CASE_LIFECYCLE.allows("close", case):
        case.status = ChannelCase.Status.CLOSED
        case.closed_on = held_on
        case.version += 1
        case.save(update_fields=["status", "closed_on", "version"])
        review.case = case
        chronology_add(
            referral=case.referral,
            kind=ChronologyEntry.Kind.POST_EXIT_REVIEW,
            text="Last post-exit review held: case closed.",
            acting_user=acting_user,
        )
    return review


__all__ = [
    "add_months",
    "case_adopt",
    "case_exit",
    "case_exit_agree",
    "post_exit_review_record",
]
