"""The panel pack page and its PDF: who may open it, what each reader sees in full, the
access log, the PDF's text and headers, and a constant number of queries."""

import subprocess
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channel_panel import services
from channel_panel.models import ChannelCase, Consent, SupportAction, SupportType
from prevent_portal.accounts.models import Role
from referrals.models import Person, Referral
from tests import encrypted_downloads, factories
from tests.channel_panel.test_meetings import (  # noqa: F401
    agenda,
    client_for,
    meeting_with_items,
    panel,
    person,
    url,
)


def access_entries(model, view):
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(model),
        additional_data__view=view,
    )


def test_a_panel_member_sees_the_agenda_cases_in_full_and_nothing_else(world, panel, agenda):  # noqa: F811
    new, case, off = agenda
    own = factories.panel_referral(world.agency_a, person=person("Ada", "Fennick"))
    response = client_for(world.panel_a).get(url("pack", panel.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Orla Brindle" in html and new.reference in html
    assert "A fictional concern" in html
    assert "Tam Vesper" in html and case.reference in html
    assert "Terms of reference" in html
    # Not on the agenda: neither another agency's referral nor their own agency's.
    for absent in ["Nell", off.reference, "Ada Fennick"]:
        assert absent not in html
    assert own.reference not in html


def test_a_review_item_shows_the_support_plan_and_consent(world, panel, agenda):  # noqa: F811
    _, case, _ = agenda
    SupportAction.objects.create(
        case=case,
        support_type=SupportType.objects.get(code="ideological-mentoring"),
        description="Weekly sessions",
        owner_agency=world.agency_b,
        status=SupportAction.Status.ACTIVE,
        next_contact_due=timezone.localdate() - timedelta(days=3),
        created_by=world.spoc_b,
    )
    Consent.objects.create(
        case=case,
        given_by=Consent.GivenBy.PERSON,
        given_on=date(2026, 11, 2),
        recorded_by=world.spoc_b,
    )
    html = client_for(world.panel_a).get(url("pack", panel.pk)).content.decode()
    assert "Ideological mentoring" in html
    assert "Overdue" in html
    assert "Given by the person on 2 November 2026" in html


def test_an_under_18_case_without_parental_consent_is_flagged(world, panel):  # noqa: F811
    young = factories.PersonFactory(
        given_name="Kit", family_name="Marlow", date_of_birth=date(2010, 5, 1)
    )
    case = factories.channel_case(world.agency_b, world.spoc_b, person=young)
    services.agenda_item_add(meeting=panel, case=case, acting_user=world.coordinator)
    html = client_for(world.panel_a).get(url("pack", panel.pk)).content.decode()
    assert "Under 18: no parental consent recorded" in html
    assert "No consent recorded" in html


def test_outside_the_window_an_invitee_sees_no_other_agency_case(world, agenda):  # noqa: F811
    later = factories.meeting(world.chair, timezone.localdate() + timedelta(days=40))
    services.agenda_item_add(meeting=later, referral=agenda[2], acting_user=world.coordinator)
    html = client_for(world.panel_a).get(url("pack", later.pk)).content.decode()
    assert "Nell" not in html and agenda[2].reference not in html
    assert f"Details in the panel pack from {later.pack_window()[0]:%-d %B %Y}" in html


@pytest.mark.parametrize("persona", ["spoc_a", "spoc_b", "referrer_a", "manager", "sysadmin"])
def test_only_invitees_chairs_and_the_coordinator_open_the_pack(world, panel, persona):  # noqa: F811
    client = client_for(getattr(world, persona))
    assert client.get(url("pack", panel.pk)).status_code == 403
    assert client.get(url("pack_pdf", panel.pk)).status_code == 403


def test_a_panel_member_not_invited_cannot_open_the_pack(world, panel):  # noqa: F811
    outsider = factories.member(Role.PANEL_MEMBER, world.council, username="panel-council")
    assert client_for(outsider).get(url("pack", panel.pk)).status_code == 403


def test_every_opening_of_the_pack_is_logged_for_each_record_shown(world, panel, agenda):  # noqa: F811
    new, case, off = agenda
    client = client_for(world.panel_a)
    for _ in range(2):
        client.get(url("pack", panel.pk))
    referrals = access_entries(Referral, "channel_panel:pack").filter(actor=world.panel_a)
    assert sorted(referrals.values_list("object_id", flat=True)) == sorted(
        [new.pk, new.pk, case.referral_id, case.referral_id]
    )
    cases = access_entries(ChannelCase, "channel_panel:pack").filter(actor=world.panel_a)
    assert list(cases.values_list("object_id", flat=True)) == [case.pk, case.pk]
    people = access_entries(Person, "channel_panel:pack").filter(actor=world.panel_a)
    assert people.count() == 4
    assert not access_entries(Referral, "channel_panel:pack").filter(object_id=off.pk).exists()


def test_the_pdf_pack_is_an_a4_document_marked_official_sensitive(world, panel, agenda, tmp_path):  # noqa: F811
    new, case, _ = agenda
    response, content = encrypted_downloads.pack_pdf(client_for(world.panel_a), panel.pk)
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in text
    assert "Orla Brindle" in text and "Tam Vesper" in text
    assert "Nell" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    logged = access_entries(Referral, "channel_panel:pack_pdf").filter(actor=world.panel_a)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted([new.pk, case.referral_id])


def test_the_pack_page_runs_the_same_queries_for_2_and_20_items(world):
    mentoring = SupportType.objects.first()

    def with_plan_and_consent(case):
        SupportAction.objects.create(
            case=case,
            support_type=mentoring,
            description="Sessions",
            owner_agency=world.agency_b,
            created_by=world.spoc_b,
        )
        Consent.objects.create(
            case=case, given_by="person", given_on=case.adopted_on, recorded_by=world.spoc_b
        )

    counts = []
    for n, days_ahead in ((1, 1), (10, 3)):  # 2 and 20 items
        meeting = meeting_with_items(
            world, n, days_ahead=days_ahead, prepare_case=with_plan_and_consent
        )
        client = client_for(world.panel_a)
        client.get(url("pack", meeting.pk))  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("pack", meeting.pk))
        html = response.content.decode()
        assert html.count("Given by the person") == n  # every case in full
        assert html.count('<dt class="govuk-summary-list__key">Name</dt>') == 2 * n
        assert html.count("Put on a panel agenda") == 2 * n  # every chronology
        counts.append(len(queries))
    assert counts[0] == counts[1]
