"""The person page: everything about one person that the reader may see, and the
Coordinator's change of their details after intake."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channel_panel.services import needs_flag_add, needs_flag_remove
from referrals.models import ChronologyEntry, NeedsFlag, Person, PersonAlias, Referral
from referrals.services import chronology_add, person_details_change
from tests import factories
from tests.conftest import sign_in


def page(client, person, status=200) -> str:
    response = client.get(reverse("referrals:person", args=[person.pk]))
    assert response.status_code == status
    return response.content.decode()


def person_with_two_agencies(world):
    """A person with one referral owned by agency A and one by agency B only."""
    person = factories.PersonFactory(given_name="Orla", family_name="Quennell")
    ours = factories.referral(
        world.agency_a, person=person, received_on=date(2025, 3, 1), concern_summary="A's"
    )
    theirs = factories.referral(
        world.agency_b, person=person, received_on=date(2026, 2, 1), concern_summary="B's"
    )
    chronology_add(
        referral=theirs, kind=ChronologyEntry.Kind.NOTE, text="Known to B only", acting_user=None
    )
    return person, ours, theirs


def test_a_partner_sees_only_their_own_referral_with_no_hint_of_the_other(client, world):
    person, ours, theirs = person_with_two_agencies(world)
    sign_in(client, world.spoc_a)
    html = page(client, person)
    assert ours.reference in html and "Orla Quennell" in html
    assert theirs.reference not in html
    assert "Known to B only" not in html
    assert world.agency_b.name not in html


def test_the_coordinator_sees_every_referral_and_the_merged_chronology_newest_first(client, world):
    person, ours, theirs = person_with_two_agencies(world)
    chronology_add(
        referral=ours, kind=ChronologyEntry.Kind.NOTE, text="Latest of all", acting_user=None
    )
    sign_in(client, world.coordinator)
    html = page(client, person)
    assert ours.reference in html and theirs.reference in html
    chronology = html[html.index('id="chronology"') :]
    assert chronology.index("Latest of all") < chronology.index("Known to B only")
    assert reverse("referrals:person_edit", args=[person.pk]) in html


def test_a_person_with_no_referral_the_reader_sees_is_not_found(client, world):
    person = factories.referral(world.agency_b).person
    sign_in(client, world.spoc_a)
    page(client, person, status=404)


def test_a_referrer_is_not_shown_the_person_page_of_what_they_referred(client, world):
    person = factories.referral(world.agency_a, referrer=world.referrer_a).person
    sign_in(client, world.referrer_a)
    page(client, person, status=403)


def test_channel_cases_outcomes_flags_over_time_and_aliases_are_shown(client, world):
    person = factories.PersonFactory()
    PersonAlias.objects.create(person=person, given_name="Ozzy", family_name="Q")
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    mental, autism = NeedsFlag.objects.order_by("pk")[:2]
    held = needs_flag_add(
        case=case,
        flag=mental,
        source_agency=world.agency_a,
        recorded_on=date(2026, 11, 2),
        acting_user=world.spoc_a,
    )
    needs_flag_remove(held=held, removed_on=date(2026, 11, 20), acting_user=world.spoc_a)
    sign_in(client, world.spoc_a)
    html = page(client, person)
    assert "Ozzy Q" in html
    cases = html[html.index('id="channel-cases"') : html.index('id="chronology"')]
    assert case.reference in cases and "Still in Channel" in cases
    assert mental.name in cases and "20 Nov 2026" in cases
    assert autism.name not in cases


def test_a_case_the_reader_cannot_open_is_not_mentioned(client, world):
    person, ours, theirs = person_with_two_agencies(world)
    case = factories.channel_case(world.agency_b, world.spoc_b, person=person)
    sign_in(client, world.spoc_a)
    html = page(client, person)
    assert case.reference not in html and 'id="channel-cases"' not in html


def test_viewing_the_page_writes_an_access_entry_for_the_person_and_each_referral(client, world):
    person, ours, theirs = person_with_two_agencies(world)
    sign_in(client, world.spoc_a)
    page(client, person)
    logged = set(
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            actor=world.spoc_a,
            additional_data__view="referrals:person",
        ).values_list("content_type__model", "object_pk")
    )
    assert ("person", str(person.pk)) in logged
    assert ("referral", str(ours.pk)) in logged
    assert ("referral", str(theirs.pk)) not in logged


def test_referral_and_case_pages_link_to_the_person_page(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    link = reverse("referrals:person", args=[case.referral.person_id])
    sign_in(client, world.spoc_a)
    assert link in client.get(reverse("referrals:detail", args=[case.referral_id])).content.decode()
    assert link in client.get(reverse("channel_panel:case_detail", args=[case.pk])).content.decode()


def test_the_page_query_count_does_not_grow_with_referrals_chronology_or_cases(client, world):
    sign_in(client, world.coordinator)
    small = factories.channel_case(world.agency_a, world.spoc_a).referral.person
    page(client, small)  # settle the session
    with CaptureQueriesContext(connection) as few:
        page(client, small)
    large = factories.PersonFactory()
    for year in range(2021, 2025):
        made = factories.referral(world.agency_b, person=large, received_on=date(year, 1, 1))
        made.needs_flags.add(*NeedsFlag.objects.all()[:2])
        for n in range(3):
            chronology_add(
                referral=made, kind=ChronologyEntry.Kind.NOTE, text=f"note {n}", acting_user=None
            )
    case = factories.channel_case(world.agency_a, world.spoc_a, person=large)
    needs_flag_add(
        case=case,
        flag=NeedsFlag.objects.first(),
        source_agency=world.agency_a,
        recorded_on=date(2026, 11, 2),
        acting_user=world.spoc_a,
    )
    assert large.referrals.count() == 5
    with CaptureQueriesContext(connection) as many:
        html = page(client, large)
    assert case.reference in html
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Changing details after intake -------------------------------------------------------
def form_data(person, **changes) -> dict:
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "gender": person.gender,
        "address": person.address,
        "postcode": person.postcode,
        "school_or_employer": person.school_or_employer,
        "date_of_birth_day": person.date_of_birth.day if person.date_of_birth else "",
        "date_of_birth_month": person.date_of_birth.month if person.date_of_birth else "",
        "date_of_birth_year": person.date_of_birth.year if person.date_of_birth else "",
        "version": person.version,
        "reason": "Married in June; moved house",
    }
    data.update(changes)
    return data


def edit(client, person, data):
    return client.post(reverse("referrals:person_edit", args=[person.pk]), data)


@pytest.fixture
def two_referrals(world):
    person = factories.PersonFactory(
        given_name="Orla", family_name="Quennell", date_of_birth=date(2000, 5, 5)
    )
    first = factories.referral(world.agency_a, person=person, received_on=date(2020, 1, 1))
    second = factories.referral(world.agency_b, person=person, received_on=date(2026, 1, 1))
    return person, first, second


def test_a_change_of_name_and_address_is_audited_with_its_reason_and_the_old_name_kept(
    client, world, two_referrals
):
    person, first, second = two_referrals
    sign_in(client, world.coordinator)
    response = edit(client, person, form_data(person, family_name="Marsh", address="1 New Row"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.family_name, person.address, person.version) == ("Marsh", "1 New Row", 2)
    assert [a.full_name for a in person.aliases.all()] == ["Orla Quennell"]
    for referral in (first, second):
        entry = referral.chronology.get(kind=ChronologyEntry.Kind.PERSON_DETAILS)
        assert "Married in June; moved house" in entry.text
        assert entry.author == world.coordinator
    audit = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        action=LogEntry.Action.UPDATE,
    ).latest("pk")
    assert {"family_name", "address", "version"} <= set(audit.changes_dict)
    assert "Marsh" not in str(audit.changes_dict)  # masked in full
    assert audit.actor == world.coordinator
    assert audit.additional_data["fields"] == ["family_name", "address"]
    assert "Married" not in str(audit.additional_data)
    html = page(client, person)
    assert "Orla Marsh" in html and "Orla Quennell" in html


def test_a_stale_edit_is_refused_and_saves_nothing(client, world, two_referrals):
    person, first, _ = two_referrals
    sign_in(client, world.coordinator)
    seen = form_data(person, address="2 Old Lane")
    person_details_change(
        person=person,
        details={"postcode": "ZZ7 7QQ"},
        reason="Letter returned",
        expected_version=1,
        acting_user=world.coordinator,
    )
    response = edit(client, person, seen | {"family_name": "Marsh"})
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    person.refresh_from_db()
    assert (person.family_name, person.address, person.version) == ("Quennell", "", 2)
    assert not person.aliases.exists()
    assert first.chronology.filter(kind=ChronologyEntry.Kind.PERSON_DETAILS).count() == 1


def test_bad_input_is_shown_in_the_error_summary_and_nothing_is_saved(client, world, two_referrals):
    person, first, _ = two_referrals
    sign_in(client, world.coordinator)
    response = edit(
        client,
        person,
        form_data(person, postcode="NOT A CODE", reason="", date_of_birth_month="13"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    start = html.index("govuk-error-summary")
    summary = html[start : html.index("</ul>", start)]
    for message in (
        "Enter a real postcode",
        "Enter the reason for the change",
        "Date of birth must be a real date",
    ):
        assert message in summary
    person.refresh_from_db()
    assert person.version == 1
    assert not first.chronology.filter(kind=ChronologyEntry.Kind.PERSON_DETAILS).exists()


def test_nothing_changed_is_an_error(client, world, two_referrals):
    person, _, _ = two_referrals
    sign_in(client, world.coordinator)
    response = edit(client, person, form_data(person))
    assert "nothing was changed" in response.content.decode()


def test_a_new_date_of_birth_sets_the_age_on_every_referral(client, world, two_referrals):
    person, first, second = two_referrals
    sign_in(client, world.coordinator)
    edit(client, person, form_data(person, date_of_birth_year="2004"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.age_at_referral, second.age_at_referral) == (15, 21)


def test_only_the_coordinator_changes_details(client, world, two_referrals):
    person, _, _ = two_referrals
    sign_in(client, world.spoc_a)  # sees the person through agency A's referral
    assert edit(client, person, form_data(person, family_name="Marsh")).status_code == 403
    person.refresh_from_db()
    assert person.family_name == "Quennell"


def test_a_depersonalised_person_cannot_be_changed(world, two_referrals):
    person, _, _ = two_referrals
    Person.objects.filter(pk=person.pk).update(depersonalised_at=timezone.now())
    with pytest.raises(ValueError, match="deleted under the retention schedule"):
        person_details_change(
            person=person,
            details={"family_name": "Marsh"},
            reason="Because",
            expected_version=person.version,
            acting_user=world.coordinator,
        )
    assert not Referral.objects.filter(
        person=person, chronology__kind=ChronologyEntry.Kind.PERSON_DETAILS
    ).exists()


def test_no_person_page_section_mentions_a_record_the_reader_cannot_see(world):
    """Every section an app registers (``referrals.person_page``), for a reader who sees one
    of the person's referrals and none of their other records: nothing to show."""
    from referrals import person_page

    person, ours, theirs = person_with_two_agencies(world)
    factories.channel_case(world.agency_b, world.spoc_b, person=person)
    assert person_page.providers(), "the Channel Panel app registers its section"
    for name, provider in person_page.providers().items():
        section = provider(world.spoc_a, person)
        assert section is None or section.records == [], name
        # and the same provider shows it to its agency
        assert provider(world.spoc_b, person) is not None, name
