"""Re-referrals: a person referred again after a Channel case, seen from both sides.

- At triage (``referrals.history``): a person with an exited or closed Channel case gets a
  "Re-referral" note, linking to the case only for a viewer who may see it.
- From the case: the person's later referrals ("Re-referred on ..."), each linking to the
  referral only for a viewer who may see it.

Each costs one query whatever the person's history.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from channel_panel.models import ChannelCase
from referrals.history import HistoryNote
from referrals.models import Referral

LABEL = "Re-referral"


def rereferral_notes(user, person) -> list[HistoryNote]:
    """A note for each of the person's Channel cases that has exited or closed, oldest
    first: the case's reference and how it ended, with a link if ``user`` sees the case."""
    cases = (
        ChannelCase.objects.filter(
            referral__person=person,
            status__in=[ChannelCase.Status.EXITED, ChannelCase.Status.CLOSED],
        )
        .annotate(visible=Exists(ChannelCase.objects.visible_to(user).filter(pk=OuterRef("pk"))))
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
                url=reverse("channel_panel:case_detail", args=[case.pk]) if case.visible else None,
                tag=LABEL,
            )
        )
    return notes


def later_referrals(case: ChannelCase, user) -> list[Referral]:
    """The person's referrals received after the case's own, oldest first, each with
    ``visible`` saying whether ``user`` may open it."""
    first = case.referral
    return list(
        Referral.objects.filter(person_id=first.person_id)
        .filter(
            Q(received_on__gt=first.received_on) | Q(received_on=first.received_on, pk__gt=first.pk)
        )
        .annotate(visible=Exists(Referral.objects.visible_to(user).filter(pk=OuterRef("pk"))))
        .only("pk", "reference", "received_on")
        .order_by("received_on", "pk")
    )
