"""Re-referrals: a person referred again after a Channel case, seen from both sides.

- At triage (``referrals.history``): a person with an exited or closed Channel case the
  viewer may see gets a "Re-referral" note linking to it.
- From the case: the person's later referrals the viewer may see ("Re-referred on ...").

Both read through ``visible_to(user)``: a record the viewer cannot open is not mentioned,
since even its existence (another agency holds a new referral) is need-to-know.

Each costs one query whatever the person's history.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from channel_panel.models import ChannelCase
from referrals.history import HistoryNote
from referrals.models import Referral

LABEL = "Re-referral"


def rereferral_notes(user, person) -> list[HistoryNote]:
    """A note for each of the person's Channel cases that has exited or closed and that
    ``user`` may see, oldest first: the case's reference, how it ended and a link. A case
    the user cannot open is not mentioned at all (need to know: its existence is itself
    sensitive), as the history registry's contract says."""
    cases = (
        ChannelCase.objects.visible_to(user)
        .filter(
            referral__person=person,
            status__in=[ChannelCase.Status.EXITED, ChannelCase.Status.CLOSED],
        )
        .only("pk", "reference", "status", "exited_on", "closed_on")
        .order_by("exited_on", "pk")
    )
    notes = []
    for case in cases:
        if case.status == ChannelCase.Status.CLOSED and case.closed_on:
            ended = f"closed on {case.closed_on:%-d %B %Y}"
        else:
            ended = f"exited Channel on {case.exited_on:%-d %B %Y}"
        notes.append(
            HistoryNote(
                label=LABEL,
                text=f"Earlier Channel case {case.reference}, {ended}.",
                url=reverse("channel_panel:case_detail", args=[case.pk]),
                tag=LABEL,
            )
        )
    return notes


def later_referrals(case: ChannelCase, user) -> list[Referral]:
    """The person's referrals received after the case's own that ``user`` may see, oldest
    first. One the user cannot open is not listed, not even its date: "Re-referred on ..."
    would tell them that another agency holds a new referral about the person."""
    first = case.referral
    return list(
        Referral.objects.visible_to(user)
        .filter(person_id=first.person_id)
        .filter(
            Q(received_on__gt=first.received_on) | Q(received_on=first.received_on, pk__gt=first.pk)
        )
        .only("pk", "reference", "received_on")
        .order_by("received_on", "pk")
    )
