"""The Channel Panel's part in a transfer between council areas (referrals/transfers.py).

- **Refused** while a referral or case of the person is on the agenda of a panel meeting
  of the sending area that has not been held (the sending Coordinator takes it off first:
  the meeting is that area's, and its pack would show another area's record), or is on a
  held meeting's agenda with no decision recorded (the panel decides first).
- **Moves** every Channel case of the person's referrals to the receiving area. The case
  manager (a sending-area officer) is replaced by the accepting Coordinator until they
  assign one of theirs (the field cannot be empty); a lead agency that does not serve the
  receiving area gives way to the accepting Coordinator's council; shares of the case
  given in the sending area (pack grants with them) are revoked. Consents, needs flags,
  support actions, post-exit reviews and assessments hang off the case or the referral
  and move with it. Held meetings stay the sending area's, with their minutes.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from channel_panel.models import AgendaItem, ChannelCase, PanelMeeting
from prevent_portal.accounts import grants


def refusals(referral_ids: Sequence[int]) -> list[str]:
    """On the agenda of a meeting not held: take it off first. On a held meeting's agenda
    with no decision yet: the panel decides first (its chair could not reach the record
    once it has moved)."""
    on_agenda = AgendaItem.objects.filter(
        Q(referral_id__in=referral_ids) | Q(case__referral_id__in=referral_ids)
    ).select_related("meeting")
    planned = on_agenda.filter(meeting__status=PanelMeeting.Status.PLANNED)
    undecided = on_agenda.undecided().filter(meeting__status=PanelMeeting.Status.HELD)
    found = [
        f"Take this person off the agenda of the panel meeting on {day:%-d %B %Y} first: "
        f"the meeting stays with the sending area."
        for day in sorted({item.meeting.meets_on for item in planned})
    ]
    found += [
        f"Record the panel's decision on this person at the meeting on {day:%-d %B %Y} first."
        for day in sorted({item.meeting.meets_on for item in undecided})
    ]
    return found


def case_status(referral_ids: Sequence[int]) -> dict[int, str]:
    return dict(
        ChannelCase.objects.filter(referral_id__in=referral_ids).values_list(
            "referral_id", "status"
        )
    )


def move(
    *, referral_ids, transfer, to_area, receiving_agency, served_agency_ids, acting_user
) -> None:
    for case in ChannelCase.objects.filter(referral_id__in=referral_ids).select_for_update():
        case.area = to_area
        case.case_manager = acting_user
        if case.lead_agency_id not in served_agency_ids:
            case.lead_agency = receiving_agency
        case.version += 1
        case.save(update_fields=["area", "case_manager", "lead_agency", "version"])
        for grant in [*case.user_grants.all(), *case.group_grants.all()]:
            grants.grant_revoke(grant=grant, acting_user=acting_user)
