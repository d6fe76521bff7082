"""The Channel Panel's part of a person's page (``referrals.person_page``): the person's
Channel cases the reader may see, how each ended, and their needs flags over time.

Read through ``ChannelCase.objects.visible_to(user)``: a case the reader cannot open is not
mentioned. Two queries whatever the person's history (the cases, then their flags).
"""

from __future__ import annotations

from django.db.models import Prefetch

from channel_panel.models import CaseNeedsFlag, ChannelCase
from referrals.person_page import PersonSection


def cases_section(user, person) -> PersonSection | None:
    """The person's Channel cases ``user`` may see, newest first, each with its lead
    agency, case manager, status and exit, and every needs flag held on it with the days
    it applied (removed flags included: that is the history)."""
    cases = list(
        ChannelCase.objects.visible_to(user)
        .filter(referral__person=person)
        .select_related("referral", "lead_agency", "case_manager", "exit_reason")
        .prefetch_related(
            Prefetch(
                "needs_flags",
                queryset=CaseNeedsFlag.objects.select_related("flag", "source_agency").order_by(
                    "recorded_on", "pk"
                ),
                to_attr="flag_history",
            )
        )
        .order_by("-adopted_on", "-pk")
    )
    if not cases:
        return None
    return PersonSection(
        title="Channel cases",
        template="channel_panel/person_cases.html",
        context={"cases": cases},
        records=cases,
    )


def persons_by_case_reference(user, spellings):
    """The search box's finder for Channel case references (``referrals.search``): the
    person ids of the cases ``user`` may see whose reference is one of ``spellings``. A case
    the user cannot open finds nothing, as a reference that does not exist (need to know)."""
    return (
        ChannelCase.objects.visible_to(user)
        .filter(reference__in=spellings)
        .values("referral__person_id")
    )
