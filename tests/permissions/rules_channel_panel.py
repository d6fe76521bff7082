"""Permission-matrix area module for the channel_panel app.

Case routes (url names ``channel_panel:case...``) take the case's id as ``<pk>`` and are
walked in every CASE_SCENARIOS scenario; meeting routes take a meeting's id as ``<pk>`` (the
meeting whose pack is open now). Sub-records are filled by name: ``item_pk``,
``decision_pk``, ``invitee_pk``, ``action_pk``, ``consent_pk``, ``flag_pk``, ``review_pk``,
``meeting_action_pk`` (an action of the open meeting about agency B's new referral, owned by
agency B: issue 17).
``assessment_pk`` (the case's assessment, which every matrix case has from the factory).

Scenarios (agency A is a core panel agency, so panel_a is invited to every meeting):
- own: a case led by agency A;
- other: a case led by agency B on no agenda;
- pack_open: agency B's case on the agenda of a meeting whose pack window is open now;
- pack_closed: agency B's case on the agenda of a meeting whose window closed last week;
- shared_live / shared_expired: agency B's case shared with agency A (a ChannelCaseGroupGrant),
  live, or expired yesterday.

pack_referrals(world) adds the referral scenarios pack_open and pack_closed (agency B's new
referrals on the agenda of a meeting whose pack window is open now, or closed last week) to
the referral routes of test_url_matrix.py.

Entries come from rules_channel_cases.py and rules_channel_meetings.py.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone

PREFIX = "channel_panel:"
CASE_SCENARIOS = ["own", "other", "shared_live", "shared_expired", "pack_open", "pack_closed"]
# Who sees the case in each scenario.
SEES_CASE = {
    "own": {"coordinator", "spoc_a", "panel_a"},
    "other": {"coordinator", "spoc_b"},
    # Agency B's case shared with agency A (its case-role members), live or expired.
    "shared_live": {"coordinator", "spoc_b", "spoc_a", "panel_a"},
    "shared_expired": {"coordinator", "spoc_b"},
    "pack_open": {"coordinator", "spoc_b", "panel_a", "chair"},
    # The meeting's chair keeps sight once the pack closes (access rule 6: the chair of a
    # meeting sees the cases on its agenda; they approve support plans and closure).
    "pack_closed": {"coordinator", "spoc_b", "chair"},
}
# Who may change the case (its case manager is the lead agency's SPOC; the chair changes
# any case they see).
CHANGES_CASE = {
    "own": {"coordinator", "spoc_a", "panel_a"},
    "other": {"coordinator", "spoc_b"},
    # A view share lets agency A read the case, not change it.
    "shared_live": {"coordinator", "spoc_b"},
    "shared_expired": {"coordinator", "spoc_b"},
    "pack_open": {"coordinator", "spoc_b", "chair"},
    "pack_closed": {"coordinator", "spoc_b", "chair"},
}


def _case_with_records(lead, manager, world, *, referral_agency=None):
    from channel_panel.models import (
        CaseNeedsFlag,
        Consent,
        InterventionProvider,
        PostExitReview,
        SupportAction,
        SupportType,
    )
    from referrals.models import NeedsFlag
    from tests import factories

    case = factories.channel_case(lead, manager, referral_agency=referral_agency)
    provider, _ = InterventionProvider.objects.get_or_create(
        code="matrix-provider", defaults={"name": "Matrix mentoring"}
    )
    SupportAction.objects.create(
        case=case,
        support_type=SupportType.objects.first(),
        description="Mentoring sessions",
        owner_provider=provider,
        created_by=manager,
    )
    Consent.objects.create(
        case=case, given_by="person", given_on=case.adopted_on, recorded_by=manager
    )
    CaseNeedsFlag.objects.create(
        case=case,
        flag=NeedsFlag.objects.first(),
        source_agency=lead,
        recorded_on=case.adopted_on,
        recorded_by=manager,
    )
    PostExitReview.objects.create(
        case=case, months_after_exit=6, due_on=case.adopted_on + timedelta(days=183)
    )
    return case


def pack_referrals(world) -> dict:
    """Agency B's new referrals on a panel agenda: one whose pack window is open now, one
    whose window closed last week. Their invitees are the chair and agency A's panel member
    (agency A is a core panel agency)."""
    from channel_panel import services
    from tests import factories

    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    today = timezone.localdate()
    past = today - timedelta(days=30)
    with time_machine.travel(
        timezone.make_aware(datetime.combine(past - timedelta(days=5), time(12))), tick=False
    ):
        closed_meeting = factories.meeting(world.chair, past)
        closed = factories.panel_referral(world.agency_b, assessed=True)
        services.agenda_item_add(
            meeting=closed_meeting, referral=closed, acting_user=world.coordinator
        )
    open_meeting = factories.meeting(world.chair, today + timedelta(days=3))
    opened = factories.panel_referral(world.agency_b, assessed=True)
    services.agenda_item_add(meeting=open_meeting, referral=opened, acting_user=world.coordinator)
    return {"pack_open": opened, "pack_closed": closed}


def build(world, refs) -> dict:
    from channel_panel import services
    from channel_panel.models import Decision
    from prevent_portal.accounts.grants import object_share
    from tests import factories

    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    today = timezone.localdate()
    cases = {
        "own": _case_with_records(world.agency_a, world.spoc_a, world),
        "other": _case_with_records(world.agency_b, world.spoc_b, world),
        "shared_live": _case_with_records(world.agency_b, world.spoc_b, world),
        "shared_expired": _case_with_records(world.agency_b, world.spoc_b, world),
    }
    shares = {
        scenario: object_share(
            obj=cases[scenario],
            to_agency=world.agency_a,
            reason="joint working",
            acting_user=world.coordinator,
        )
        for scenario in ("shared_live", "shared_expired")
    }
    expired = shares["shared_expired"]
    type(expired).objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    past = today - timedelta(days=30)
    with time_machine.travel(
        timezone.make_aware(datetime.combine(past - timedelta(days=5), time(12))), tick=False
    ):
        closed_meeting = factories.meeting(world.chair, past)
        cases["pack_closed"] = _case_with_records(world.agency_b, world.spoc_b, world)
        services.agenda_item_add(
            meeting=closed_meeting, case=cases["pack_closed"], acting_user=world.coordinator
        )
    open_meeting = factories.meeting(world.chair, today + timedelta(days=2))
    cases["pack_open"] = _case_with_records(world.agency_b, world.spoc_b, world)
    services.agenda_item_add(
        meeting=open_meeting, case=cases["pack_open"], acting_user=world.coordinator
    )
    new_referral = factories.panel_referral(world.agency_b, assessed=True)
    new_item = services.agenda_item_add(
        meeting=open_meeting, referral=new_referral, acting_user=world.coordinator
    )
    other_business = services.agenda_item_add(
        meeting=open_meeting, title="Any other business", acting_user=world.coordinator
    )
    review_item = open_meeting.items.get(case=cases["pack_open"])
    decision = Decision.objects.create(
        item=review_item,
        outcome=Decision.Outcome.CONTINUE,
        rationale="Engaging well",
        recorded_by=world.chair,
    )
    from channel_panel.models import MeetingAction

    # Straight into the table: the meeting has not started, so the service would refuse it.
    meeting_action = MeetingAction.objects.create(
        meeting=open_meeting,
        item=new_item,
        description="Ask the school for its attendance record",
        due_on=today + timedelta(days=10),
        owner_agency=world.agency_b,
        created_by=world.chair,
    )
    return {
        "meeting_action": meeting_action,
        "cases": cases,
        "meeting": open_meeting,
        "closed_meeting": closed_meeting,
        "new_item": new_item,
        "review_item": review_item,
        "other_item": other_business,
        "decision": decision,
        "invitee": open_meeting.invitees.filter(user=world.panel_a).first(),
    }


def is_case_route(route) -> bool:
    return route.key.startswith(f"{PREFIX}case") and "pk" in route.params


def scenarios(route) -> list[str]:
    return CASE_SCENARIOS if is_case_route(route) else ["own"]


def values(route, scenario, objects) -> dict:
    meeting = objects["meeting"]
    if is_case_route(route):
        case = objects["cases"][scenario]
        return {
            "pk": case.pk,
            "action_pk": case.actions.first().pk,
            "consent_pk": case.consents.first().pk,
            "flag_pk": case.needs_flags.first().pk,
            "review_pk": case.reviews.first().pk,
            "assessment_pk": case.referral.vaf_assessments.first().pk,
        }
    return {
        "pk": meeting.pk,
        "item_pk": objects["new_item"].pk,
        "decision_pk": objects["decision"].pk,
        "invitee_pk": objects["invitee"].pk,
        "meeting_action_pk": objects["meeting_action"].pk,
    }


def _entries() -> dict:
    from tests.permissions.rules_channel_cases import EXPECTED as CASES
    from tests.permissions.rules_channel_meetings import EXPECTED as MEETINGS

    return {**CASES, **MEETINGS}


EXPECTED: dict = _entries()
