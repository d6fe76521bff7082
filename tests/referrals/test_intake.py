"""Referral intake through the Django test client: the question pages, the draft, the
submission and a referrer's own list."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.models import Notification
from referrals.models import (
    ConcernType,
    NeedsFlag,
    Person,
    PersonAlias,
    Referral,
    ReferralDraft,
)
from referrals.services import IntakeIncomplete, referral_submit
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"referrals:{name}", kwargs=kwargs or None)


def answers():
    """A complete set of answers for every question page (fictional person)."""
    concern = ConcernType.objects.current().first()
    flag = NeedsFlag.objects.current().get(code=NeedsFlag.AUTISM)
    return [
        ("intake_name", {"given_name": "Testy", "family_name": "Examplesson"}),
        (
            "intake_date_of_birth",
            {"date_of_birth_day": "4", "date_of_birth_month": "7", "date_of_birth_year": "2009"},
        ),
        ("intake_gender", {"gender": "other"}),
        ("intake_address", {"address": "1 Fiction Lane\nNowhere", "postcode": "zz99zz"}),
        ("intake_school", {"school_or_employer": "Imaginary Academy"}),
        ("intake_aliases", {"aliases": "Tez Examplesson\nT Example"}),
        ("intake_concern", {"concern_summary": "Shared worrying fictional material in class."}),
        ("intake_concern_types", {"concern_types": [str(concern.pk)]}),
        ("intake_needs", {"needs_flags": [str(flag.pk)]}),
        ("intake_awareness", {"person_awareness": "aware"}),
    ]


def fill_in(client):
    for name, data in answers():
        response = client.post(url(name), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    return response


def test_referrer_completes_the_flow_and_gets_a_reference(client, world):
    sign_in(client, world.referrer_a)
    start = client.get(url("intake_start"))
    assert b"Start now" in start.content
    last = fill_in(client)
    assert last.url == url("intake_check")

    response = client.post(url("intake_check"))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == url("intake_confirmation", pk=referral.pk)
    confirmation = client.get(response.url)
    assert referral.reference.startswith(f"PR-{timezone.localdate().year}-")
    assert referral.reference in confirmation.content.decode()
    assert referral.owning_agency == world.agency_a
    assert referral.referring_agency == world.agency_a
    assert referral.referring_sector == world.agency_a.sector
    assert referral.referrer == world.referrer_a
    assert referral.person_awareness == "aware"
    assert referral.concern_summary == "Shared worrying fictional material in class."
    assert list(referral.needs_flags.values_list("code", flat=True)) == [NeedsFlag.AUTISM]
    assert referral.concern_types.count() == 1
    person = referral.person
    assert (person.given_name, person.family_name) == ("Testy", "Examplesson")
    assert person.date_of_birth == date(2009, 7, 4)
    assert person.postcode == "ZZ9 9ZZ"
    assert person.school_or_employer == "Imaginary Academy"
    assert sorted((a.given_name, a.family_name) for a in person.aliases.all()) == [
        ("T", "Example"),
        ("Tez", "Examplesson"),
    ]
    assert referral.chronology.count() == 1
    assert not ReferralDraft.objects.exists()


def test_every_active_coordinator_is_told_without_personal_data(client, world):
    second = factories.member(Role.COORDINATOR, world.council, username="coordinator-2")
    gone = factories.member(Role.COORDINATOR, world.council, username="coordinator-gone")
    gone.is_active = False
    gone.save()
    sign_in(client, world.referrer_a)
    fill_in(client)
    client.post(url("intake_check"))

    referral = Referral.objects.get()
    notes = Notification.objects.filter(kind="referral_received")
    assert {n.recipient for n in notes} == {world.coordinator, second}
    for note in notes:
        assert note.subject == f"New referral {referral.reference} received"
        for secret in ["Testy", "Examplesson", "Imaginary", "worrying", "2009", "ZZ9"]:
            assert secret not in note.subject and secret not in note.body


def test_a_draft_survives_sign_out_and_sign_in(client, world):
    sign_in(client, world.referrer_a)
    client.post(url("intake_name"), {"given_name": "Draftie", "family_name": "Keepsake"})
    client.post(reverse("accounts:sign_out"))
    assert client.get(url("intake_name")).status_code == 302  # signed out

    sign_in(client, world.referrer_a)
    start = client.get(url("intake_start")).content.decode()
    assert "You have a referral you have not sent" in start
    page = client.get(url("intake_name")).content.decode()
    assert 'value="Draftie"' in page and 'value="Keepsake"' in page


def test_check_your_answers_shows_what_was_entered(client, world):
    sign_in(client, world.referrer_a)
    fill_in(client)
    page = client.get(url("intake_check")).content.decode()
    for text in [
        "Testy Examplesson",
        "4 July 2009",
        "Other",
        "1 Fiction Lane",
        "ZZ9 9ZZ",
        "Imaginary Academy",
        "Tez Examplesson",
        "Shared worrying fictional material in class.",
        NeedsFlag.objects.get(code=NeedsFlag.AUTISM).name,
        "Aware, consent not given",
    ]:
        assert text in page, text
    assert f'href="{url("intake_date_of_birth")}?change=1"' in page
    assert page.count(">Change<") == 10


def test_change_link_returns_to_check_your_answers(client, world):
    sign_in(client, world.referrer_a)
    fill_in(client)
    response = client.post(url("intake_gender") + "?change=1", {"gender": "female"})
    assert response.url == url("intake_check")
    assert "Female" in client.get(url("intake_check")).content.decode()


def test_check_your_answers_lists_unanswered_pages_and_saves_nothing(client, world):
    sign_in(client, world.referrer_a)
    client.post(url("intake_name"), {"given_name": "Half", "family_name": "Done"})
    response = client.post(url("intake_check"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Concern: not answered yet" in page
    assert "<title>Error: " in page
    assert not Referral.objects.exists() and not Person.objects.exists()
    assert ReferralDraft.objects.filter(author=world.referrer_a).exists()


def test_a_lookup_retired_after_it_was_chosen_is_refused_at_submit(client, world):
    sign_in(client, world.referrer_a)
    fill_in(client)
    ConcernType.objects.update(effective_to=timezone.localdate() - timedelta(days=1))
    response = client.post(url("intake_check"))
    assert "Select a type of concern from the list" in response.content.decode()
    assert not Referral.objects.exists() and not Person.objects.exists()
    assert not PersonAlias.objects.exists()


def test_submit_service_refuses_someone_elses_draft(world):
    draft = ReferralDraft.objects.create(author=world.referrer_a, agency=world.agency_a)
    with pytest.raises(PermissionError):
        referral_submit(draft=draft, acting_user=world.referrer_b)


def test_submit_service_refuses_an_incomplete_draft(world):
    draft = ReferralDraft.objects.create(author=world.referrer_a, agency=world.agency_a)
    with pytest.raises(IntakeIncomplete) as raised:
        referral_submit(draft=draft, acting_user=world.referrer_a)
    assert len(raised.value.problems) >= 6
    assert not Referral.objects.exists()


DOB_ERRORS = [
    (
        {"date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2010"},
        "Date of birth must be a real date",
    ),
    (
        {"date_of_birth_day": "aa", "date_of_birth_month": "2", "date_of_birth_year": "2010"},
        "Date of birth must be a real date, in numbers",
    ),
    (
        {"date_of_birth_day": "1", "date_of_birth_month": "", "date_of_birth_year": "2010"},
        "Date of birth must include a month",
    ),
    (
        {"date_of_birth_day": "1", "date_of_birth_month": "2", "date_of_birth_year": "10"},
        "Year must include 4 numbers",
    ),
    (
        {"date_of_birth_day": "1", "date_of_birth_month": "1", "date_of_birth_year": "3000"},
        "Date of birth must be today or in the past",
    ),
]


@pytest.mark.parametrize(("data", "message"), DOB_ERRORS)
def test_date_of_birth_errors_are_shown_and_nothing_is_kept(client, world, data, message):
    sign_in(client, world.referrer_a)
    response = client.post(url("intake_date_of_birth"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert 'href="#id_date_of_birth_day"' in page
    assert "govuk-input--error" in page
    assert not ReferralDraft.objects.exists()


def test_tomorrow_is_a_future_date_of_birth(client, world):
    sign_in(client, world.referrer_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url("intake_date_of_birth"),
        {
            "date_of_birth_day": str(tomorrow.day),
            "date_of_birth_month": str(tomorrow.month),
            "date_of_birth_year": str(tomorrow.year),
        },
    )
    assert "Date of birth must be today or in the past" in response.content.decode()


def test_an_unknown_date_of_birth_may_be_left_empty(client, world):
    sign_in(client, world.referrer_a)
    response = client.post(url("intake_date_of_birth"), {})
    assert response.status_code == 302
    fill = dict(answers())
    fill["intake_date_of_birth"] = {}
    for name, data in fill.items():
        client.post(url(name), data)
    client.post(url("intake_check"))
    assert Referral.objects.get().person.date_of_birth is None


REQUIRED_ERRORS = [
    ("intake_name", {}, "Enter the person's first name"),
    ("intake_name", {"given_name": "x" * 101, "family_name": "Y"}, "100 characters or fewer"),
    ("intake_gender", {}, "Select the person's gender"),
    ("intake_gender", {"gender": "robot"}, "Select the person's gender"),
    ("intake_address", {"postcode": "NOT A CODE"}, "Enter a real postcode"),
    ("intake_concern", {"concern_summary": "   "}, "Enter a description of your concern"),
    ("intake_concern_types", {}, "Select at least one type of concern"),
    ("intake_concern_types", {"concern_types": ["999999"]}, "Select a type of concern"),
    ("intake_needs", {}, "Select the person's needs, or 'None or not known'"),
    ("intake_needs", {"needs_flags": ["abc"]}, "Select a need from the list"),
    ("intake_awareness", {"person_awareness": "maybe"}, "Select whether the person knows"),
]


@pytest.mark.parametrize(("name", "data", "message"), REQUIRED_ERRORS)
def test_missing_or_unknown_answers_are_errors(client, world, name, data, message):
    sign_in(client, world.referrer_a)
    response = client.post(url(name), data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert "<title>Error: " in page
    assert not ReferralDraft.objects.exists()


def test_a_long_concern_is_refused_whole_never_cut(client, world):
    # The concern box rendered maxlength="10000": a browser cut a pasted 20,000-character
    # account to its first half without a word. Now the page has the character count and no
    # maxlength, and the form refuses the whole text with the limit named.
    sign_in(client, world.referrer_a)
    page = client.get(url("intake_concern")).content.decode()
    assert 'data-module="govuk-character-count" data-maxlength="10000"' in page
    assert "maxlength=" not in page.replace("data-maxlength=", "")
    account = "They said and shared this. " * 741  # 20,007 characters
    response = client.post(url("intake_concern"), {"concern_summary": account})
    shown = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "There is a problem" in shown
    assert "Description must be 10,000 characters or fewer" in shown
    assert account.strip() in shown  # every word still there to shorten
    assert not ReferralDraft.objects.exists()


def test_none_or_not_known_cannot_be_combined_with_a_need(client, world):
    sign_in(client, world.referrer_a)
    flag = NeedsFlag.objects.current().first()
    response = client.post(url("intake_needs"), {"needs_flags": [str(flag.pk), "none"]})
    assert "not both" in response.content.decode()
    response = client.post(url("intake_needs"), {"needs_flags": ["none"]})
    assert response.status_code == 302


def test_a_retired_concern_type_is_not_offered(client, world):
    retired = ConcernType.objects.create(
        code="retired-kind", name="Retired kind", effective_to=date(2020, 3, 31)
    )
    sign_in(client, world.referrer_a)
    page = client.get(url("intake_concern_types")).content.decode()
    assert "Retired kind" not in page
    response = client.post(url("intake_concern_types"), {"concern_types": [str(retired.pk)]})
    assert "Select a type of concern from the list" in response.content.decode()


def test_referrer_can_discard_the_draft(client, world):
    sign_in(client, world.referrer_a)
    client.post(url("intake_name"), {"given_name": "Gone", "family_name": "Soon"})
    assert "Delete draft" in client.get(url("intake_discard")).content.decode()
    response = client.post(url("intake_discard"))
    assert response.url == url("intake_start")
    assert not ReferralDraft.objects.exists()
    assert "Start now" in client.get(url("intake_start")).content.decode()


@pytest.mark.parametrize("persona", ["manager", "sysadmin", "chair", "panel_a", "no_role"])
def test_roles_that_do_not_refer_cannot_start_a_referral(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get(url("intake_start")).status_code == 403
    assert client.get(url("intake_name")).status_code == 403
    response = client.post(url("intake_name"), {"given_name": "A", "family_name": "B"})
    assert response.status_code == 403
    assert client.post(url("intake_check")).status_code == 403
    assert not ReferralDraft.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "spoc_b"])
def test_spocs_and_coordinators_refer_for_their_own_agency(client, world, persona):
    user = world.persona(persona)
    sign_in(client, user)
    fill_in(client)
    client.post(url("intake_check"))
    referral = Referral.objects.get()
    agency = world.council if persona == "coordinator" else world.agency_b
    assert referral.owning_agency == agency and referral.referrer == user


def test_someone_referring_for_two_agencies_is_asked_which(client, world):
    accounts.membership_grant(
        user=world.referrer_a, agency=world.agency_b, role=Role.REFERRER, acting_user=None
    )
    sign_in(client, world.referrer_a)
    start = client.get(url("intake_start")).content.decode()
    assert f'href="{url("intake_agency")}"' in start
    assert client.get(url("intake_name")).url == url("intake_agency")
    page = client.get(url("intake_agency")).content.decode()
    assert "Agency A" in page and "Agency B" in page
    assert "Select the agency" in client.post(url("intake_agency"), {}).content.decode()
    not_mine = client.post(url("intake_agency"), {"agency": str(world.council.pk)})
    assert not_mine.status_code == 200
    response = client.post(url("intake_agency"), {"agency": str(world.agency_b.pk)})
    assert response.url == url("intake_name")
    fill_in(client)
    assert "Agency B" in client.get(url("intake_check")).content.decode()
    client.post(url("intake_check"))
    assert Referral.objects.get().owning_agency == world.agency_b


def test_referrer_sees_only_their_own_referrals(client, world):
    own = factories.referral(world.agency_a, referrer=world.referrer_a)
    colleague = factories.member(Role.REFERRER, world.agency_a, username="colleague")
    theirs = factories.referral(world.agency_a, referrer=colleague)
    other = factories.referral(world.agency_b, referrer=world.referrer_b)
    sign_in(client, world.referrer_a)
    page = client.get(url("mine")).content.decode()
    assert own.reference in page and own.person.full_name in page
    assert theirs.reference not in page and other.reference not in page
    assert "Received" in page  # the status, no triage details
    assert "Not yet checked" not in page


def test_your_referrals_writes_an_access_entry_per_row(client, world):
    from auditlog.models import LogEntry

    own = factories.referral(world.agency_a, referrer=world.referrer_a)
    sign_in(client, world.referrer_a)
    client.get(url("mine"))
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__view="referrals:mine"
    )
    assert {e.object_pk for e in entries} >= {str(own.pk), str(own.person.pk)}


def test_confirmation_is_only_for_the_referrer(client, world):
    referral = factories.referral(world.agency_a, referrer=world.referrer_a)
    sign_in(client, world.spoc_a)  # sees the referral, but did not make it
    assert client.get(url("intake_confirmation", pk=referral.pk)).status_code == 404
    client.logout()
    sign_in(client, world.referrer_a)
    assert client.get(url("intake_confirmation", pk=referral.pk)).status_code == 200


def test_navigation_offers_intake_to_referrers(client, world):
    sign_in(client, world.referrer_a)
    home = client.get(reverse("core:home")).content.decode()
    assert "Make a referral" in home and "Your referrals" in home
    client.logout()
    sign_in(client, world.manager)
    home = client.get(reverse("core:home")).content.decode()
    assert "Make a referral" not in home


def test_a_nul_byte_in_an_answer_is_dropped_not_a_server_error(client, world):
    sign_in(client, world.referrer_a)
    response = client.post(url("intake_name"), {"given_name": "Nul\x00l", "family_name": "X"})
    assert response.status_code == 302
    assert ReferralDraft.objects.get().data["name"]["given_name"] == "Null"


def test_a_draft_for_an_agency_the_referrer_left_is_not_sent_for_it(client, world):
    from prevent_portal.accounts.models import Membership

    sign_in(client, world.referrer_a)
    fill_in(client)
    accounts.membership_grant(
        user=world.referrer_a, agency=world.agency_b, role=Role.REFERRER, acting_user=None
    )
    Membership.objects.filter(user=world.referrer_a, agency=world.agency_a).update(is_active=False)
    client.logout()
    sign_in(client, world.referrer_a)

    refused = html.unescape(client.post(url("intake_check")).content.decode())
    assert "You can no longer make referrals for the agency of this draft" in refused
    assert f'href="{url("intake_agency")}"' in refused
    assert not Referral.objects.exists() and not Person.objects.exists()

    # Answering any page again moves the draft to the one agency they now refer for.
    client.post(url("intake_gender"), {"gender": "male"})
    assert ReferralDraft.objects.get().agency == world.agency_b
    client.post(url("intake_check"))
    assert Referral.objects.get().owning_agency == world.agency_b


def test_a_submitted_referral_of_someone_referred_before_shows_at_triage_at_once(client, world):
    from referrals.models import Person, RepeatMatch

    earlier = factories.referral(
        world.agency_b,
        person=factories.PersonFactory(
            given_name="Testy", family_name="Examplesson", date_of_birth=date(2009, 7, 4)
        ),
    )
    sign_in(client, world.referrer_a)
    fill_in(client)
    client.post(url("intake_check"))
    referral = Referral.objects.exclude(pk=earlier.pk).get()
    match = RepeatMatch.objects.get(referral=referral)
    assert match.candidate == earlier.person
    assert match.decision == RepeatMatch.Decision.PENDING
    assert Person.objects.count() == 2

    client.logout()
    sign_in(client, world.coordinator)
    page = client.get(reverse("referrals:triage", args=[referral.pk])).content.decode()
    assert "1 possible earlier referral" in page
    assert "Not referred before" not in page


# --- The Coordinator records a referral on someone's behalf (issue 13, point 9) -------------
def test_the_coordinator_records_who_referred_and_when(client, world):
    from prevent_portal.accounts.models import Sector

    sign_in(client, world.coordinator)
    fill_in(client)
    check = client.get(url("intake_check")).content.decode()
    assert "Referred by" in check and url("intake_source") in check
    health = Sector.objects.exclude(pk=world.council.sector_id).first()
    received = timezone.localdate() - timedelta(days=3)
    response = client.post(
        url("intake_source"),
        {
            "referring_organisation": "Riverside GP practice",
            "referring_sector": health.pk,
            "received_on": received.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302 and response.url == url("intake_check")
    assert "Riverside GP practice" in client.get(url("intake_check")).content.decode()
    client.post(url("intake_check"))
    referral = Referral.objects.get()
    assert referral.owning_agency == world.council
    assert referral.referring_agency is None
    assert referral.referring_organisation == "Riverside GP practice"
    assert referral.referring_sector == health
    assert referral.received_on == received
    assert referral.age_at_referral is not None
    assert "Riverside GP practice" in referral.chronology.get().text


def test_the_coordinator_records_a_police_referral_from_a_registered_agency(client, world):
    sign_in(client, world.coordinator)
    fill_in(client)
    client.post(
        url("intake_source"),
        {"referring_agency": world.agency_a.pk, "received_on": "1/11/2026"},
    )
    client.post(url("intake_check"))
    referral = Referral.objects.get()
    assert referral.referring_agency == world.agency_a
    assert referral.referring_sector == world.agency_a.sector  # the agency's own
    assert referral.received_on == date(2026, 11, 1)


@pytest.mark.parametrize(
    "received, message",
    [
        ("tomorrow", "Enter a date received that is today or in the past"),
        ("1/7/2009", "on or after the person&#x27;s date of birth"),
        ("31/12/1999", "on or after 1 January 2000"),
        ("31/2/2026", "Date received must be a real date"),
    ],
)
def test_a_date_received_out_of_bounds_is_refused(client, world, received, message):
    sign_in(client, world.coordinator)
    fill_in(client)  # born 4 July 2009
    if received == "tomorrow":
        received = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(
        url("intake_source"), {"referring_agency": world.agency_a.pk, "received_on": received}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert message in page
    assert "source" not in ReferralDraft.objects.get().data


def test_who_referred_needs_an_agency_or_an_organisation_with_its_sector(client, world):
    sign_in(client, world.coordinator)
    fill_in(client)
    neither = client.post(url("intake_source"), {"received_on": "1/11/2026"}).content.decode()
    assert "Choose the referring agency, or enter who referred" in neither
    no_sector = client.post(
        url("intake_source"), {"referring_organisation": "A parent", "received_on": "1/11/2026"}
    ).content.decode()
    assert "Choose the sector of who referred" in no_sector


def test_a_source_saved_before_the_date_of_birth_changed_is_refused_at_submit(client, world):
    """The date received is checked against the date of birth again when the referral is
    sent: changing the birth date afterwards cannot slip a referral in before birth."""
    sign_in(client, world.coordinator)
    fill_in(client)
    client.post(
        url("intake_source"), {"referring_agency": world.agency_a.pk, "received_on": "1/1/2015"}
    )
    client.post(
        url("intake_date_of_birth"),
        {"date_of_birth_day": "1", "date_of_birth_month": "1", "date_of_birth_year": "2016"},
    )
    response = client.post(url("intake_check"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "date of birth" in page and url("intake_source") in page
    assert not Referral.objects.exists() and not Person.objects.exists()


@pytest.mark.parametrize("persona", ["referrer_a", "spoc_b"])
def test_only_the_coordinator_records_a_referral_for_someone_else(client, world, persona):
    sign_in(client, world.persona(persona))
    fill_in(client)
    assert "Referred by" not in client.get(url("intake_check")).content.decode()
    response = client.post(
        url("intake_source"), {"referring_agency": world.council.pk, "received_on": "1/11/2026"}
    )
    assert response.status_code == 403
    # A source smuggled into the draft is refused at submit, not used.
    draft = ReferralDraft.objects.get()
    draft.data = {**draft.data, "source": {"referring_agency": str(world.council.pk)}}
    draft.save()
    client.post(url("intake_check"))
    assert not Referral.objects.exists()
