"""A case's life: adoption at a panel meeting, exit (with ownership returned), post-exit
reviews, closure."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channel_panel.models import (
    ChannelCase,
    ExitReason,
    PanelMeeting,
    PostExitReview,
)
from channel_panel.services.pack import pack_grants_revoke
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Agency, Membership, User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals.models import ChronologyEntry, Referral
from referrals.services import chronology_add, referral_share


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it has no such day."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _can_hold_case(user: User, agency: Agency) -> bool:
    """A case manager works for the lead agency in a case role, so they see its cases."""
    return (
        user.is_active
        and Membership.objects.active()
        .filter(user=user, agency=agency, role__in=AGENCY_CASE_ROLES)
        .exists()
    )


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
    manager who works for it. The referral records that it was adopted."""
    if referral.status != Referral.Status.PASSED_TO_PANEL:
        raise ValueError("Only a referral passed to the Channel Panel can be adopted")
    if ChannelCase.objects.filter(referral=referral).exists():
        raise ValueError("This referral is already a Channel case")
    if not _can_hold_case(case_manager, lead_agency):
        raise ValueError("The case manager must work for the lead agency")
    adopted_on = adopted_on or (meeting.meets_on if meeting else timezone.localdate())
    case = ChannelCase.objects.create(
        referral=referral,
        lead_agency=lead_agency,
        case_manager=case_manager,
        adopted_on=adopted_on,
        adopted_at_meeting=meeting,
    )
    case.reference = f"CC-{adopted_on.year}-{case.pk:05d}"
    case.save(update_fields=["reference"])
    # Saved through the model so the audit log records it; the row lock keeps a triage edit
    # from racing it.
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
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
            f"manager {case_manager.get_full_name() or case_manager.username}."
        ),
        acting_user=acting_user,
    )
    return case


@transaction.atomic
def case_exit(
    *,
    case: ChannelCase,
    reason: ExitReason,
    notes: str = "",
    exited_on: date | None = None,
    return_ownership_to: Agency | None = None,
    expected_version: int,
    acting_user: User,
) -> ChannelCase:
    """The case leaves Channel with a reason, and its post-exit reviews are scheduled
    (CHANNEL_POST_EXIT_REVIEW_MONTHS after exit).

    Barnet's rule: where the radicalisation risk is low or absent but other safeguarding
    concerns remain, ownership returns to a named agency. That agency then leads the case
    and is given the referral, and every time-limited panel-pack grant on the case and its
    referral ends at once."""
    # Someone else's change first: their exit (or edit) is what the user has not seen.
    if case.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    if not case.is_open():
        raise ValueError("Only an open case can exit Channel")
    exited_on = exited_on or timezone.localdate()
    if exited_on < case.adopted_on:
        raise ValueError("A case cannot exit before it was adopted")
    case.status = ChannelCase.Status.EXITED
    case.exit_reason = reason
    case.exit_notes = notes.strip()
    case.exited_on = exited_on
    fields = ["status", "exit_reason", "exit_notes", "exited_on"]
    if return_ownership_to is not None:
        case.ownership_returned_to = return_ownership_to
        case.lead_agency = return_ownership_to
        fields += ["ownership_returned_to", "lead_agency"]
    save_if_unchanged(case, expected_version=expected_version, fields=fields)
    chronology_add(
        referral=case.referral,
        kind=ChronologyEntry.Kind.EXIT,
        text=f"Exited Channel on {exited_on:%d %B %Y}. Reason: {reason.name}."
        + (f" {case.exit_notes}" if case.exit_notes else ""),
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
                f"Ownership returned to {return_ownership_to.name}; {revoked} panel access "
                f"grant(s) ended."
            ),
            acting_user=acting_user,
        )
    return case


@transaction.atomic
def post_exit_review_record(
    *, review: PostExitReview, held_on: date, notes: str, acting_user: User
) -> PostExitReview:
    """Record a post-exit review as held. When the last one is held the case closes."""
    if review.held_on is not None:
        raise ValueError("This review has already been recorded")
    case = review.case
    if case.status != ChannelCase.Status.EXITED:
        raise ValueError("Post-exit reviews are recorded once the case has exited")
    if held_on < (case.exited_on or held_on):
        raise ValueError("A post-exit review cannot be held before the exit")
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
    if not case.reviews.filter(held_on__isnull=True).exists():
        case = ChannelCase.objects.select_for_update().get(pk=case.pk)
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


__all__ = ["add_months", "case_adopt", "case_exit", "post_exit_review_record"]
