"""The panel's decisions: one per agenda item, with a rationale, and what each one does.

What a decision does (its effect) is done in one place, ``_apply``, and undone in one
place, ``_undo``: recording a decision applies it; correcting one after the minutes are
approved undoes the original's effect and applies the correction's, through the same case
services, so the case and referral always match the decision in force.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from channel_panel.lifecycle import DECISION
from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    Decision,
    ExitReason,
    PostExitReview,
)
from channel_panel.services.lifecycle import case_adopt, case_exit, post_exit_review_record
from prevent_portal.accounts.models import Agency, User, require_offered_in
from prevent_portal.core.concurrency import lock_in_place, save_if_unchanged
from referrals.models import ChronologyEntry, Referral, SignpostingService
from referrals.services import chronology_add, referral_closed_notify

Outcome = Decision.Outcome
# Which decisions make sense for which kind of agenda item.
ALLOWED = {
    AgendaItem.Kind.NEW: [
        Outcome.ADOPT,
        Outcome.NOT_ADOPT,
        Outcome.REFER_ELSEWHERE,
        Outcome.REVIEW,
    ],
    AgendaItem.Kind.REVIEW: [
        Outcome.CONTINUE,
        Outcome.REVIEW,
        Outcome.EXIT,
        Outcome.REFER_ELSEWHERE,
    ],
    AgendaItem.Kind.POST_EXIT: [Outcome.REVIEW, Outcome.REFER_ELSEWHERE],
    AgendaItem.Kind.OTHER: [],
}

# What a decision does, by item kind and outcome; anything else changes nothing.
ADOPTS, CLOSES_REFERRAL, EXITS, HOLDS_REVIEW = "adopts", "closes_referral", "exits", "holds"
EFFECTS = {
    (AgendaItem.Kind.NEW, Outcome.ADOPT): ADOPTS,
    (AgendaItem.Kind.NEW, Outcome.NOT_ADOPT): CLOSES_REFERRAL,
    (AgendaItem.Kind.NEW, Outcome.REFER_ELSEWHERE): CLOSES_REFERRAL,
    (AgendaItem.Kind.REVIEW, Outcome.EXIT): EXITS,
    (AgendaItem.Kind.POST_EXIT, Outcome.REVIEW): HOLDS_REVIEW,
}


def allowed_outcomes(item: AgendaItem) -> list[str]:
    return list(ALLOWED[item.kind])


def effect_of(item: AgendaItem, outcome: str) -> str | None:
    return EFFECTS.get((item.kind, outcome))


def _describe(decision: Decision) -> str:
    text = decision.get_outcome_display()
    if decision.signposted_to_id:
        text += f": {decision.signposted_to.name}"
    if decision.referred_to:
        text += f": {decision.referred_to}"
    return f"{text}. Rationale: {decision.rationale}"


def _set_referral_status(referral: Referral, status: str | None, **flags) -> None:
    """Set the referral's status (None: keep it) and flags."""
    # Saved through the model so the audit log records it; the row lock keeps a triage edit
    # from racing it.
    locked = lock_in_place(referral)
    locked.status = status or locked.status
    for name, value in flags.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=["status", *flags, "version", "updated_at"])
    referral.status, referral.version = locked.status, locked.version
    for name, value in flags.items():
        setattr(referral, name, value)
    if status == Referral.Status.CLOSED:
        referral_closed_notify(referral=locked)


def _close_referral(referral: Referral) -> None:
    _set_referral_status(referral, Referral.Status.CLOSED)


def _apply(
    item: AgendaItem,
    decision: Decision,
    *,
    acting_user: User,
    lead_agency: Agency | None = None,
    case_manager: User | None = None,
    exit_reason: ExitReason | None = None,
    return_ownership_to: Agency | None = None,
    signposted_to: SignpostingService | None = None,
) -> None:
    """Do what ``decision`` decides, dated the meeting's day."""
    meeting = item.meeting
    effect = effect_of(item, decision.outcome)
    if effect == ADOPTS:
        case_adoption_apply(
            referral=item.referral,
            lead_agency=lead_agency,
            case_manager=case_manager,
            meeting=meeting,
            acting_user=acting_user,
        )
    elif effect == CLOSES_REFERRAL:
        _close_referral(item.referral)
    elif effect == EXITS:
        case = ChannelCase.objects.select_for_update().get(pk=item.case_id)
        case_exit(
            case=case,
            reason=exit_reason,
            notes=decision.rationale,
            exited_on=meeting.meets_on,
            return_ownership_to=return_ownership_to,
            # The receiving agency's named case manager, and where a person who refused
            # or withdrew consent was signposted (the case lifecycle's "exit" needs them).
            returned_case_manager=case_manager if return_ownership_to else None,
            signposted_to=signposted_to,
            expected_version=case.version,
            acting_user=acting_user,
        )
    elif effect == HOLDS_REVIEW:
        post_exit_review_record(
            review=item.post_exit_review,
            held_on=meeting.meets_on,
            notes=decision.rationale,
            acting_user=acting_user,
        )


def _undo(item: AgendaItem, decision: Decision, *, acting_user: User) -> None:
    """Undo what ``decision`` did (a correction replaces it)."""
    effect = effect_of(item, decision.outcome)
    if effect == ADOPTS:
        case_adoption_undo(referral=item.referral, acting_user=acting_user)
    elif effect == CLOSES_REFERRAL:
        referral_panel_reopen(referral=item.referral, acting_user=acting_user)
    elif effect == EXITS:
        case_exit_undo(case=ChannelCase.objects.get(pk=item.case_id), acting_user=acting_user)
    elif effect == HOLDS_REVIEW:
        post_exit_review_undo(review=item.post_exit_review, acting_user=acting_user)


@transaction.atomic
def case_adoption_apply(
    *,
    referral: Referral,
    lead_agency: Agency,
    case_manager: User,
    meeting,
    acting_user: User,
) -> ChannelCase:
    """Adopt the referral at ``meeting`` (dated the meeting's day). A case the same
    referral had, closed because its adoption was corrected away, is opened again rather
    than duplicated (a referral has one case)."""
    withdrawn = ChannelCase.objects.select_for_update().filter(referral=referral).first()
    if withdrawn is None:
        return case_adopt(
            referral=referral,
            lead_agency=lead_agency,
            case_manager=case_manager,
            meeting=meeting,
            acting_user=acting_user,
        )
    if withdrawn.status != ChannelCase.Status.CLOSED or withdrawn.exited_on is not None:
        raise ValueError("This referral is already a Channel case")
    if referral.status != Referral.Status.PASSED_TO_PANEL:
        raise ValueError("Only a referral passed to the Channel Panel can be adopted")
    # The same check case_adopt makes: the manager works for the lead agency.
    from channel_panel.services.lifecycle import _can_hold_case

    if not _can_hold_case(case_manager, lead_agency):
        raise ValueError("The case manager must work for the lead agency")
    withdrawn.status, withdrawn.closed_on = ChannelCase.Status.OPEN, None
    withdrawn.lead_agency, withdrawn.case_manager = lead_agency, case_manager
    withdrawn.adopted_on, withdrawn.adopted_at_meeting = meeting.meets_on, meeting
    save_if_unchanged(
        withdrawn,
        expected_version=withdrawn.version,
        fields=[
            "status",
            "closed_on",
            "lead_agency",
            "case_manager",
            "adopted_on",
            "adopted_at_meeting",
        ],
    )
    _set_referral_status(referral, None, adopted=True, reached_panel=True)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.CASE_ADOPTED,
        text=(
            f"Adopted again as Channel case {withdrawn.reference} (a corrected decision), led "
            f"by {lead_agency.name}; case manager "
            f"{case_manager.get_full_name() or case_manager.username}."
        ),
        acting_user=acting_user,
    )
    return withdrawn


@transaction.atomic
def case_adoption_undo(*, referral: Referral, acting_user: User) -> ChannelCase:
    """A correction says the referral was not adopted: the case it opened closes (it stays,
    with its history) and the referral no longer counts as adopted. Only while the case is
    open: once it has exited, the exit and its reviews would have to be undone first."""
    case = ChannelCase.objects.select_for_update().get(referral=referral)
    if not case.is_open():
        raise ValueError(
            f"Case {case.reference} has exited since it was adopted: its adoption can no "
            "longer be corrected"
        )
    case.status, case.closed_on = ChannelCase.Status.CLOSED, timezone.localdate()
    save_if_unchanged(case, expected_version=case.version, fields=["status", "closed_on"])
    _set_referral_status(referral, None, adopted=False)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.CORRECTION,
        text=f"Adoption withdrawn by a corrected panel decision: case {case.reference} closed.",
        acting_user=acting_user,
    )
    return case


@transaction.atomic
def referral_panel_reopen(*, referral: Referral, acting_user: User) -> Referral:
    """A correction takes back a decision that closed the referral (not adopted, referred
    elsewhere): it is passed to panel again."""
    _set_referral_status(referral, Referral.Status.PASSED_TO_PANEL)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.CORRECTION,
        text="Referral passed to panel again: the decision that closed it was corrected.",
        acting_user=acting_user,
    )
    return referral


@transaction.atomic
def case_exit_undo(*, case: ChannelCase, acting_user: User) -> ChannelCase:
    """A correction says the case did not exit: it is open again and the post-exit reviews
    the exit scheduled are withdrawn. Not once a review is held or on an agenda, nor when
    the exit returned ownership to another agency (that agency now holds the case: the
    panel adopts it again instead)."""
    case = lock_in_place(case)
    if case.status != ChannelCase.Status.EXITED:
        raise ValueError(f"Case {case.reference} is not exited: its exit cannot be undone")
    if case.ownership_returned_to_id is not None:
        raise ValueError(
            f"Ownership of case {case.reference} was returned to "
            f"{case.ownership_returned_to.name} on exit: the exit cannot be corrected away"
        )
    reviews = list(case.reviews.all())
    if any(r.held_on is not None or r.agenda_items.exists() for r in reviews):
        raise ValueError(
            f"A post-exit review of case {case.reference} is held or on an agenda: the exit "
            "cannot be corrected away"
        )
    for review in reviews:
        review.delete()  # one by one, so each is audited
    case.status = ChannelCase.Status.OPEN
    case.exit_reason, case.exit_notes, case.exited_on = None, "", None
    save_if_unchanged(
        case,
        expected_version=case.version,
        fields=["status", "exit_reason", "exit_notes", "exited_on"],
    )
    chronology_add(
        referral=case.referral,
        kind=ChronologyEntry.Kind.CORRECTION,
        text=f"Exit withdrawn by a corrected panel decision: case {case.reference} open again.",
        acting_user=acting_user,
    )
    return case


@transaction.atomic
def post_exit_review_undo(*, review: PostExitReview, acting_user: User) -> PostExitReview:
    """A correction says the post-exit review was not held: it is due again, and a case it
    closed is back to exited."""
    review = PostExitReview.objects.select_for_update().get(pk=review.pk)
    if review.held_on is None:
        raise ValueError("This post-exit review is not recorded as held")
    review.held_on, review.outcome_notes = None, ""
    review.save(update_fields=["held_on", "outcome_notes"])
    case = ChannelCase.objects.select_for_update().get(pk=review.case_id)
    if case.status == ChannelCase.Status.CLOSED:
        case.status, case.closed_on = ChannelCase.Status.EXITED, None
        save_if_unchanged(case, expected_version=case.version, fields=["status", "closed_on"])
    chronology_add(
        referral=case.referral,
        kind=ChronologyEntry.Kind.CORRECTION,
        text=(
            f"{review.months_after_exit}-month post-exit review no longer recorded as held: "
            "a corrected panel decision."
        ),
        acting_user=acting_user,
    )
    return review


@transaction.atomic
def decision_record(
    *,
    item: AgendaItem,
    outcome: str,
    rationale: str,
    acting_user: User,
    signposted_to: SignpostingService | None = None,
    referred_to: str = "",
    lead_agency: Agency | None = None,
    case_manager: User | None = None,
    exit_reason: ExitReason | None = None,
    return_ownership_to: Agency | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record the panel's decision on an item (DECISION "record": once the meeting has
    started, until the minutes are approved, one per item), and do what it decides:

    - adopt: the referral becomes a Channel case adopted on the meeting's day (lead agency
      and case manager needed);
    - not adopted: the referral closes, signposted to a service (needed);
    - refer elsewhere (a new referral): the referral closes; where to is needed;
    - exit: the case exits on the meeting's day with a reason, ownership optionally
      returned to an agency;
    - review of a post-exit item: the post-exit review is recorded as held."""
    meeting = item.meeting
    # Two chairs at once take turns here, so the second is told rather than meeting the
    # unique constraint.
    AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
    if item.decisions.exists():
        raise ValueError("This item already has a decision: change that one instead")
    require_offered_in(signposted_to, meeting.area_id)
    details = {
        "signposted_to": signposted_to,
        "referred_to": referred_to,
        "lead_agency": lead_agency,
        "case_manager": case_manager,
        "exit_reason": exit_reason,
    }
    DECISION.require(
        "record", item, outcome=outcome, rationale=rationale, now=now or timezone.now(), **details
    )
    decision = Decision.objects.create(
        item=item,
        outcome=outcome,
        rationale=rationale.strip(),
        signposted_to=signposted_to if outcome == Outcome.NOT_ADOPT else None,
        referred_to=referred_to.strip() if outcome == Outcome.REFER_ELSEWHERE else "",
        recorded_by=acting_user,
    )
    chronology_add(
        referral=item.referral,
        kind=ChronologyEntry.Kind.PANEL_DECISION,
        text=f"{meeting}: {_describe(decision)}",
        acting_user=acting_user,
    )
    _apply(
        item,
        decision,
        acting_user=acting_user,
        lead_agency=lead_agency,
        case_manager=case_manager,
        exit_reason=exit_reason,
        return_ownership_to=return_ownership_to,
        signposted_to=signposted_to,
    )
    return decision


@transaction.atomic
def decision_update(
    *,
    decision: Decision,
    rationale: str,
    expected_version: int,
    acting_user: User,
    signposted_to: SignpostingService | None = None,
    referred_to: str = "",
) -> Decision:
    """Change the wording of a decision before the minutes are approved (DECISION
    "reword"). The outcome itself stands (it has been acted on); to reverse it, record a
    correction after approval."""
    if decision.item.meeting.minutes_approved:
        raise ValueError("The minutes are approved: record a correction instead")
    if decision.corrections.exists():
        raise ValueError("This decision has been corrected: change the correction")
    require_offered_in(signposted_to, decision.item.meeting.area_id)
    DECISION.require(
        "reword",
        decision.item,
        outcome=decision.outcome,
        rationale=rationale,
        signposted_to=signposted_to,
        referred_to=referred_to,
    )
    decision.rationale = rationale.strip()
    if decision.outcome == Outcome.NOT_ADOPT:
        decision.signposted_to = signposted_to
    if decision.outcome == Outcome.REFER_ELSEWHERE:
        decision.referred_to = referred_to.strip()
    save_if_unchanged(
        decision,
        expected_version=expected_version,
        fields=["rationale", "signposted_to", "referred_to"],
    )
    chronology_add(
        referral=decision.item.referral,
        kind=ChronologyEntry.Kind.PANEL_DECISION,
        text=f"Decision reworded before the minutes were approved: {_describe(decision)}",
        acting_user=acting_user,
    )
    return decision


@transaction.atomic
def decision_correct(
    *,
    decision: Decision,
    outcome: str,
    rationale: str,
    acting_user: User,
    signposted_to: SignpostingService | None = None,
    referred_to: str = "",
    lead_agency: Agency | None = None,
    case_manager: User | None = None,
    exit_reason: ExitReason | None = None,
    return_ownership_to: Agency | None = None,
) -> Decision:
    """After the minutes are approved a decision is never edited (DECISION "correct"): a
    correction is a new entry pointing at the one it corrects, and the minutes show both.
    What the corrected entry did is undone and what the correction decides is done, through
    the same services (adopted -> not adopted closes the case it opened; not adopted ->
    adopted passes the referral to panel again and opens the case; exit -> continue opens
    the case again), each written on the chronology and in the audit log. If any of it
    cannot be done, nothing is."""
    item = decision.item
    if not item.meeting.minutes_approved:
        raise ValueError("Until the minutes are approved, change the decision itself")
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    if current.corrections.exists():
        raise ValueError("This decision has already been corrected: correct the latest entry")
    require_offered_in(signposted_to, item.meeting.area_id)
    details = {
        "signposted_to": signposted_to,
        "referred_to": referred_to,
        "lead_agency": lead_agency,
        "case_manager": case_manager,
        "exit_reason": exit_reason,
    }
    DECISION.require("correct", item, outcome=outcome, rationale=rationale, **details)
    correction = Decision.objects.create(
        item=item,
        outcome=outcome,
        rationale=rationale.strip(),
        signposted_to=signposted_to if outcome == Outcome.NOT_ADOPT else None,
        referred_to=referred_to.strip() if outcome == Outcome.REFER_ELSEWHERE else "",
        corrects=current,
        recorded_by=acting_user,
    )
    if item.referral_id:
        chronology_add(
            referral=item.referral,
            kind=ChronologyEntry.Kind.CORRECTION,
            text=(
                f"Panel decision corrected: {_describe(correction)} "
                f"(was: {current.get_outcome_display()})"
            ),
            acting_user=acting_user,
        )
    if effect_of(item, current.outcome) != effect_of(item, outcome):
        _undo(item, current, acting_user=acting_user)
        _apply(
            item,
            correction,
            acting_user=acting_user,
            lead_agency=lead_agency,
            case_manager=case_manager,
            exit_reason=exit_reason,
            return_ownership_to=return_ownership_to,
        )
    return correction


__all__ = [
    "allowed_outcomes",
    "case_adoption_apply",
    "case_adoption_undo",
    "case_exit_undo",
    "decision_correct",
    "decision_record",
    "decision_update",
    "effect_of",
    "post_exit_review_undo",
    "referral_panel_reopen",
]
