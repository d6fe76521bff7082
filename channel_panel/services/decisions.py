"""The panel's decisions: one per agenda item, with a rationale, and what each one does."""

from __future__ import annotations

from django.db import transaction

from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    Decision,
    ExitReason,
)
from channel_panel.services.lifecycle import case_adopt, case_exit, post_exit_review_record
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.concurrency import save_if_unchanged
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


def allowed_outcomes(item: AgendaItem) -> list[str]:
    return list(ALLOWED[item.kind])


def _describe(decision: Decision) -> str:
    text = decision.get_outcome_display()
    if decision.signposted_to_id:
        text += f": {decision.signposted_to.name}"
    if decision.referred_to:
        text += f": {decision.referred_to}"
    return f"{text}. Rationale: {decision.rationale}"


def _close_referral(referral: Referral) -> None:
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    locked.status = Referral.Status.CLOSED
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    referral_closed_notify(referral=locked)


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
) -> Decision:
    """Record the panel's decision on an item, and do what it decides:

    - adopt: the referral becomes a Channel case (lead agency and case manager needed);
    - not adopted: the referral closes, signposted to a service (needed);
    - refer elsewhere (a new referral): the referral closes; where to is needed;
    - exit: the case exits with a reason, ownership optionally returned to an agency;
    - review of a post-exit item: the post-exit review is recorded as held.

    Only until the minutes are approved; one decision per item."""
    meeting = item.meeting
    if meeting.minutes_approved:
        raise ValueError("The minutes are approved: record a correction instead")
    # Two chairs at once take turns here, so the second is told rather than meeting the
    # unique constraint.
    AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
    if item.decisions.exists():
        raise ValueError("This item already has a decision: change that one instead")
    if outcome not in ALLOWED[item.kind]:
        raise ValueError("That decision cannot be made on this item")
    if not rationale.strip():
        raise ValueError("A decision needs its rationale")
    if outcome == Outcome.NOT_ADOPT and signposted_to is None:
        raise ValueError("Say where the person is signposted to")
    if outcome == Outcome.REFER_ELSEWHERE and not referred_to.strip():
        raise ValueError("Say where the person is referred to")
    if outcome == Outcome.ADOPT and (lead_agency is None or case_manager is None):
        raise ValueError("Adoption needs a lead agency and a case manager")
    if outcome == Outcome.EXIT and exit_reason is None:
        raise ValueError("An exit needs its reason")
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
    if outcome == Outcome.ADOPT:
        case_adopt(
            referral=item.referral,
            lead_agency=lead_agency,
            case_manager=case_manager,
            meeting=meeting,
            acting_user=acting_user,
        )
    elif item.kind == AgendaItem.Kind.NEW and outcome in (
        Outcome.NOT_ADOPT,
        Outcome.REFER_ELSEWHERE,
    ):
        _close_referral(item.referral)
    elif outcome == Outcome.EXIT:
        case = ChannelCase.objects.get(pk=item.case_id)
        case_exit(
            case=case,
            reason=exit_reason,
            notes=rationale,
            exited_on=meeting.meets_on,
            return_ownership_to=return_ownership_to,
            # The receiving agency's named case manager, and where a person who refused
            # or withdrew consent was signposted (the case lifecycle's "exit" needs them).
            returned_case_manager=case_manager if return_ownership_to else None,
            signposted_to=signposted_to,
            expected_version=case.version,
            acting_user=acting_user,
        )
    elif item.kind == AgendaItem.Kind.POST_EXIT and outcome == Outcome.REVIEW:
        post_exit_review_record(
            review=item.post_exit_review,
            held_on=meeting.meets_on,
            notes=rationale,
            acting_user=acting_user,
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
    """Change the wording of a decision before the minutes are approved. The outcome itself
    stands (it has been acted on); to reverse it, record a correction after approval or act
    on the case."""
    if decision.item.meeting.minutes_approved:
        raise ValueError("The minutes are approved: record a correction instead")
    if decision.corrections.exists():
        raise ValueError("This decision has been corrected: change the correction")
    if not rationale.strip():
        raise ValueError("A decision needs its rationale")
    if decision.outcome == Outcome.NOT_ADOPT and signposted_to is None:
        raise ValueError("Say where the person is signposted to")
    decision.rationale = rationale.strip()
    if decision.outcome == Outcome.NOT_ADOPT:
        decision.signposted_to = signposted_to
    if decision.outcome == Outcome.REFER_ELSEWHERE:
        if not referred_to.strip():
            raise ValueError("Say where the person is referred to")
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
    *, decision: Decision, outcome: str, rationale: str, acting_user: User
) -> Decision:
    """After the minutes are approved a decision is never edited: a correction is a new
    entry pointing at the one it corrects, and the minutes show both."""
    if not decision.item.meeting.minutes_approved:
        raise ValueError("Until the minutes are approved, change the decision itself")
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    if current.corrections.exists():
        raise ValueError("This decision has already been corrected: correct the latest entry")
    if outcome not in ALLOWED[decision.item.kind]:
        raise ValueError("That decision cannot be made on this item")
    if not rationale.strip():
        raise ValueError("A correction needs its rationale")
    correction = Decision.objects.create(
        item=decision.item,
        outcome=outcome,
        rationale=rationale.strip(),
        corrects=current,
        recorded_by=acting_user,
    )
    if decision.item.referral_id:
        chronology_add(
            referral=decision.item.referral,
            kind=ChronologyEntry.Kind.CORRECTION,
            text=f"Panel decision corrected: {_describe(correction)}",
            acting_user=acting_user,
        )
    return correction


__all__ = [
    "allowed_outcomes",
    "decision_correct",
    "decision_record",
    "decision_update",
]
