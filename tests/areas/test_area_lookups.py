"""Issue 18: "Lookups ... are shared by default and can be overridden per area."

Local services differ by council, so the two lookups of local services (where a person is
signposted, the Intervention Providers) may have entries of one council area's own: offered
for that area's records, in addition to the shared ones, and never for another area's. The
national taxonomies stay shared (ADR 0012). Every form offering one of the two is walked
here; the services refuse another area's entry whatever posted it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from channel_panel.forms.cases import CaseExitForm, SupportActionForm
from channel_panel.forms.meetings import DecisionForm
from channel_panel.models import InterventionProvider, SupportType
from channel_panel.services import agenda_item_add, support_action_add
from prevent_portal.accounts.models import LocalLookup
from referrals.forms.triage import OutcomeForm
from referrals.models import Outcome, Referral, SignpostingService
from referrals.services import referral_outcome_record
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def own_entries(two_areas):
    """A signposting service and an Intervention Provider of the second area's own."""
    area = two_areas.elsewhere.area
    return (
        SignpostingService.objects.create(
            code="westbrook-youth-hub", name="Westbrook youth hub", for_area=area
        ),
        InterventionProvider.objects.create(
            code="westbrook-mentors", name="Westbrook mentors", for_area=area
        ),
    )


def _offered(form, field):
    return set(form.fields[field].queryset)


def test_every_form_offers_an_areas_own_entries_only_for_that_areas_records(
    world, two_areas, own_entries
):
    """The triage outcome, the panel's decision, the case exit and the support plan: each
    offers the shared entries everywhere and the second area's own only for its records."""
    service, provider = own_entries
    shared = SignpostingService.objects.get(code="mental-health-services")
    here_case = factories.channel_case(world.agency_a, world.spoc_a)
    item = agenda_item_add(
        meeting=factories.meeting(world.chair),
        referral=factories.panel_referral(world.agency_a),
        acting_user=world.chair,
    )
    here = [
        (OutcomeForm(area_id=two_areas.here.pk), "signposted_to"),
        (DecisionForm(item=item), "signposted_to"),
        (CaseExitForm(case=here_case), "signposted_to"),
        (SupportActionForm(case=here_case), "owner_provider"),
    ]
    for form, field in here:
        offered = _offered(form, field)
        assert service not in offered and provider not in offered, type(form).__name__
    assert shared in _offered(here[0][0], "signposted_to")

    there = OutcomeForm(area_id=two_areas.elsewhere.area.pk)
    assert {service, shared} <= _offered(there, "signposted_to")
    here_case.area = two_areas.elsewhere.area  # the same form, for a case of that area
    assert provider in _offered(SupportActionForm(case=here_case), "owner_provider")


def test_the_other_areas_coordinator_is_offered_their_own_service(world, two_areas, own_entries):
    elsewhere = two_areas.elsewhere
    person = factories.PersonFactory(area=elsewhere.area)
    theirs = factories.referral(elsewhere.partner, person=person)
    ours = factories.referral(world.agency_b, referrer=world.referrer_b)
    for user, referral, shown in (
        (elsewhere.coordinator, theirs, True),
        (world.coordinator, ours, False),
    ):
        client = Client()
        sign_in(client, user)
        page = client.get(reverse("referrals:triage_outcome", args=[referral.pk]))
        assert page.status_code == 200
        assert ("Westbrook youth hub" in page.content.decode()) is shown


def test_a_posted_service_of_another_area_is_refused_and_nothing_saved(
    client, world, two_areas, own_entries
):
    service, _ = own_entries
    referral = factories.referral(world.agency_b, referrer=world.referrer_b)
    signposted = Outcome.objects.get(code=Outcome.SIGNPOSTED)
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {"outcome": signposted.pk, "signposted_to": service.pk, "reason": "Because", "version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Choose a service from the list" in html
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED and referral.signposted_to is None

    # Behind the form, the services refuse it too, whatever calls them.
    with pytest.raises(ValueError, match="not offered in this council area"):
        referral_outcome_record(
            referral=referral,
            outcome=signposted,
            reason="Because",
            signposted_to=service,
            expected_version=referral.version,
            acting_user=world.coordinator,
        )
    case = factories.channel_case(world.agency_a, world.spoc_a)
    with pytest.raises(ValueError, match="not offered in this council area"):
        support_action_add(
            case=case,
            support_type=SupportType.objects.current().first(),
            description="Mentoring",
            owner_provider=own_entries[1],
            acting_user=world.spoc_a,
        )
    referral.refresh_from_db()
    assert referral.signposted_to is None and not case.actions.exists()


def test_a_single_council_deployment_offers_every_shared_entry_as_before(client, world):
    """One area, no area's own entries: what is offered is what was in force before."""
    provider = InterventionProvider.objects.create(
        code="fictional-mentors", name="Fictional Mentors"
    )
    referral = factories.referral(world.agency_b, referrer=world.referrer_b)
    form = OutcomeForm(area_id=referral.area_id)
    assert _offered(form, "signposted_to") == set(SignpostingService.objects.current())
    case = factories.channel_case(world.agency_a, world.spoc_a)
    assert provider in _offered(SupportActionForm(case=case), "owner_provider")
    sign_in(client, world.coordinator)
    service = SignpostingService.objects.get(code="mental-health-services")
    client.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {
            "outcome": Outcome.objects.get(code=Outcome.SIGNPOSTED).pk,
            "signposted_to": service.pk,
            "reason": "Because",
            "version": 1,
        },
    )
    referral.refresh_from_db()
    assert referral.signposted_to == service


def test_no_form_or_view_offers_a_local_lookup_without_naming_the_area():
    """The family guard: a new form offering signposting services or providers through
    ``current()`` or ``all()`` would offer every area's own entries; ``offered_in`` it must be."""
    names = "|".join(m.__name__ for m in apps.get_models() if issubclass(m, LocalLookup))
    assert "SignpostingService" in names and "InterventionProvider" in names
    unscoped = re.compile(rf"\b({names})\.objects\.(?!offered_in\b|none\b)\w+\(")
    root = Path(settings.BASE_DIR)
    code = [
        path
        for app in ("prevent_portal", "referrals", "channel_panel", "training", "governance")
        for path in sorted((root / app).rglob("*.py"))
        if {"forms", "views"} & {path.stem, path.parent.name}
        or path.stem.endswith(("_forms", "_views"))
    ]
    assert any(path.name == "triage.py" and path.parent.name == "forms" for path in code)
    offending = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in code
        for match in unscoped.finditer(path.read_text())
    ]
    assert offending == []
