"""The Channel Panel's part of records retention (rules in referrals/retention.py).

- Closures: a referral adopted as a Channel case closes when the case closes (after its last
  post-exit review), under the "channel-case-closed" rule; until then it is open and keeps
  the person off the queue. A referral the panel did not adopt (or referred elsewhere)
  closes on the day of the meeting that decided it, under "not-adopted".
- Erasure: consent records and the support plan are deleted; the free text of exits,
  post-exit reviews, the panel's decisions and the minutes' notes and actions is blanked;
  shares and panel-pack grants of the case end. The case row, its dates, lead agency, exit
  reason, ownership return and needs flags stay: the Channel report counts them.
"""

from __future__ import annotations

from channel_panel.models import (
    ChannelCase,
    ChannelCaseGroupGrant,
    ChannelCaseUserGrant,
    Consent,
    Decision,
    ItemNote,
    MeetingAction,
    PostExitReview,
    SupportAction,
)
from referrals.models import Referral
from referrals.retention import CHANNEL_CASE_CLOSED, NOT_ADOPTED, Closure

PANEL_CLOSURES = (Decision.Outcome.NOT_ADOPT, Decision.Outcome.REFER_ELSEWHERE)


def closures(referrals) -> dict[int, Closure]:
    """Two queries whatever the number of referrals: the decisions that closed referrals at
    panel, then the cases (a case wins over a decision on the same referral)."""
    found: dict[int, Closure] = {}
    decided = (
        Decision.objects.current()
        .filter(
            item__referral__in=referrals,
            item__referral__status=Referral.Status.CLOSED,
            item__case__isnull=True,
            outcome__in=PANEL_CLOSURES,
        )
        .values_list("item__referral_id", "item__meeting__meets_on")
    )
    for referral_id, meets_on in decided:
        previous = found.get(referral_id)
        if previous is None or meets_on > previous.closed_on:
            found[referral_id] = Closure(NOT_ADOPTED, meets_on)
    cases = ChannelCase.objects.filter(referral__in=referrals).values_list(
        "referral_id", "closed_on"
    )
    for referral_id, closed_on in cases:
        found[referral_id] = Closure(CHANNEL_CASE_CLOSED, closed_on)
    return found


def _blank(queryset, fields: list[str]) -> int:
    """Blank ``fields`` of each row through save(), so auditlog records each (masked)."""
    count = 0
    for obj in queryset:
        for field in fields:
            setattr(obj, field, "")
        obj.save(update_fields=fields)
        count += 1
    return count


def erase(referral_ids: list[int]) -> dict[str, int]:
    """Delete or blank the Channel Panel's personal data about these referrals."""
    case_ids = list(
        ChannelCase.objects.select_for_update()
        .filter(referral_id__in=referral_ids)
        .values_list("pk", flat=True)
    )
    counts = {
        "consent records deleted": Consent.objects.filter(case_id__in=case_ids).delete()[0],
        "support plan actions deleted": SupportAction.objects.filter(case_id__in=case_ids).delete()[
            0
        ],
        "post-exit reviews blanked": _blank(
            PostExitReview.objects.filter(case_id__in=case_ids), ["outcome_notes"]
        ),
        "panel decisions blanked": _blank(
            Decision.objects.filter(item__referral_id__in=referral_ids),
            ["rationale", "referred_to"],
        ),
        # The minutes' free text about the referral's items (issue 17): blanked like the
        # decisions', the rows kept so the minutes keep their numbering and dates.
        "discussion notes blanked": _blank(
            ItemNote.objects.filter(item__referral_id__in=referral_ids), ["text"]
        ),
        "meeting actions blanked": _blank(
            MeetingAction.objects.filter(item__referral_id__in=referral_ids),
            ["description", "cancelled_reason"],
        ),
    }
    shares = ChannelCaseUserGrant.objects.filter(content_object_id__in=case_ids).delete()[0]
    shares += ChannelCaseGroupGrant.objects.filter(content_object_id__in=case_ids).delete()[0]
    counts["case shares deleted"] = shares
    cases = 0
    for case in ChannelCase.objects.filter(pk__in=case_ids):
        case.exit_notes = ""
        case.exit_agreement_reason = ""
        case.version += 1
        case.save(update_fields=["exit_notes", "exit_agreement_reason", "version"])
        cases += 1
    counts["Channel cases de-personalised"] = cases
    return counts
