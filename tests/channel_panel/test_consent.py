"""Consent to Channel: who may give it, the warnings a case worker sees, withdrawal."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from channel_panel import services
from channel_panel.models import Consent
from prevent_portal.audit.masking import REDACTED
from prevent_portal.core.concurrency import StaleEdit
from referrals.models import ChronologyEntry
from tests import factories

TODAY = date(2026, 11, 20)


@pytest.fixture
def sixteen(world):
    """A case adopted on 1 November 2026 for someone born 10 March 2010 (16, turns 18 on
    10 March 2028)."""
    person = factories.PersonFactory(date_of_birth=date(2010, 3, 10))
    return factories.channel_case(world.agency_a, world.spoc_a, person=person)


@pytest.fixture
def adult(world):
    return factories.channel_case(world.agency_a, world.spoc_a)


def record(case, user, **kwargs):
    kwargs.setdefault("given_on", date(2026, 11, 5))
    return services.consent_record(case=case, acting_user=user, **kwargs)


def test_a_16_year_old_cannot_consent_for_themselves(world, sixteen):
    with pytest.raises(ValueError, match="under 18 on that date"):
        record(sixteen, world.spoc_a, given_by=Consent.GivenBy.PERSON)
    assert not sixteen.consents.exists()


def test_a_parent_consents_for_a_16_year_old_with_their_name(world, sixteen):
    consent = record(
        sixteen,
        world.spoc_a,
        given_by=Consent.GivenBy.PARENT,
        giver_name="Robin Testparent",
        capacity_notes="Understood the support offered",
    )
    assert consent.giver_name == "Robin Testparent"
    entry = sixteen.referral.chronology.get(kind=ChronologyEntry.Kind.CONSENT)
    assert "Robin Testparent, parent or guardian" in entry.text
    assert entry.author == world.spoc_a


def test_a_parent_must_be_named(world, sixteen):
    with pytest.raises(ValueError, match="name of the parent"):
        record(sixteen, world.spoc_a, given_by=Consent.GivenBy.PARENT, giver_name="  ")


def test_the_person_may_consent_from_their_18th_birthday(world, sixteen, time_machine):
    time_machine.move_to(date(2028, 3, 20))
    with pytest.raises(ValueError, match="under 18 on that date"):
        record(sixteen, world.spoc_a, given_by="person", given_on=date(2028, 3, 9))
    consent = record(sixteen, world.spoc_a, given_by="person", given_on=date(2028, 3, 10))
    assert consent.given_by == Consent.GivenBy.PERSON


def test_consent_cannot_be_dated_in_the_future(world, adult):
    with pytest.raises(ValueError, match="today or in the past"):
        record(adult, world.spoc_a, given_by="person", given_on=date(2999, 3, 10))


def test_consent_given_by_the_person_drops_any_giver_name(world, adult):
    consent = record(adult, world.spoc_a, given_by="person", giver_name="Someone Else")
    assert consent.giver_name == ""


def test_an_under_18_without_parental_consent_is_warned_about(world, sixteen):
    assert sixteen.consent_warnings(TODAY) == ["Under 18 and no parental consent recorded"]
    record(sixteen, world.spoc_a, given_by="parent", giver_name="Robin Testparent")
    sixteen.refresh_from_db()
    assert sixteen.consent_warnings(TODAY) == []


def test_turning_18_with_a_parents_consent_prompts_for_their_own(world, sixteen):
    record(sixteen, world.spoc_a, given_by="parent", giver_name="Robin Testparent")
    assert sixteen.consent_warnings(date(2028, 3, 9)) == []
    assert sixteen.consent_warnings(date(2028, 3, 10)) == [
        "Turned 18 on 10 March 2028: ask for their own consent"
    ]


def test_own_consent_after_18_ends_the_prompt(world, sixteen, time_machine):
    record(sixteen, world.spoc_a, given_by="parent", giver_name="Robin Testparent")
    time_machine.move_to(date(2028, 3, 15))
    record(sixteen, world.spoc_a, given_by="person", given_on=date(2028, 3, 12))
    sixteen.refresh_from_db()
    assert sixteen.consent_warnings(date(2028, 3, 15)) == []


def test_born_on_29_february_turns_18_on_1_march(world):
    person = factories.PersonFactory(date_of_birth=date(2008, 2, 29))
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    assert case.turns_18_on() == date(2026, 3, 1)


def test_withdrawn_consent_is_warned_about(world, adult):
    consent = record(adult, world.spoc_a, given_by="person")
    services.consent_withdraw(
        consent=consent,
        withdrawn_on=date(2026, 11, 10),
        withdrawn_by=Consent.GivenBy.PERSON,
        notes="No longer wishes to engage",
        expected_version=consent.version,
        acting_user=world.spoc_a,
    )
    adult.refresh_from_db()
    assert adult.consent_warnings(TODAY) == [
        "Consent withdrawn on 10 November 2026: Channel is voluntary, so no support can be "
        "added; the case must exit, with signposting"
    ]
    texts = list(
        adult.referral.chronology.filter(kind=ChronologyEntry.Kind.CONSENT).values_list(
            "text", flat=True
        )
    )
    assert texts[-1] == (
        "Consent given on 5 November 2026 withdrawn by the person on 10 November 2026. "
        "No longer wishes to engage"
    )


def test_an_adult_without_any_consent_is_warned_about(adult):
    assert adult.consent_warnings(TODAY) == ["No consent recorded"]


def test_an_exited_case_has_no_consent_warnings(world, adult):
    from channel_panel.models import ExitReason

    factories.exit_agreed(adult, world.chair)
    services.case_exit(
        case=adult,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=date(2026, 11, 10),
        expected_version=adult.version,
        acting_user=world.spoc_a,
    )
    assert adult.consent_warnings(TODAY) == []


def test_withdrawal_based_on_an_old_version_saves_nothing(world, adult):
    consent = record(adult, world.spoc_a, given_by="person")
    services.consent_withdraw(
        consent=Consent.objects.get(pk=consent.pk),
        withdrawn_on=date(2026, 11, 10),
        withdrawn_by=Consent.GivenBy.PERSON,
        expected_version=consent.version,
        acting_user=world.spoc_a,
    )
    with pytest.raises(StaleEdit):
        services.consent_withdraw(
            consent=consent,
            withdrawn_on=date(2026, 11, 12),
            withdrawn_by=Consent.GivenBy.PERSON,
            expected_version=consent.version,
            acting_user=world.coordinator,
        )
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 11, 10)


def test_consent_cannot_be_withdrawn_before_it_was_given(world, adult):
    consent = record(adult, world.spoc_a, given_by="person")
    with pytest.raises(ValueError, match="before the day it was given"):
        services.consent_withdraw(
            consent=consent,
            withdrawn_on=date(2026, 11, 1),
            withdrawn_by=Consent.GivenBy.PERSON,
            expected_version=consent.version,
            acting_user=world.spoc_a,
        )


def test_the_parents_name_and_capacity_notes_are_masked_in_the_audit_log(world, sixteen):
    consent = record(
        sixteen,
        world.spoc_a,
        given_by="parent",
        giver_name="Robin Testparent",
        capacity_notes="Some capacity note",
    )
    entry = LogEntry.objects.get_for_object(consent).get(action=LogEntry.Action.CREATE)
    assert entry.changes_dict["giver_name"][1] == REDACTED
    assert entry.changes_dict["capacity_notes"][1] == REDACTED
    assert "Robin" not in entry.object_repr


def test_own_consent_with_no_date_of_birth_asks_for_the_age_to_be_checked(world):
    person = factories.PersonFactory(date_of_birth=None)
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    record(case, world.spoc_a, given_by=Consent.GivenBy.PERSON)
    case.refresh_from_db()
    assert case.consent_warnings(TODAY) == [
        "Date of birth not recorded: check they are 18 or over, or record a parent's "
        "or guardian's consent"
    ]
    record(case, world.spoc_a, given_by=Consent.GivenBy.PARENT, giver_name="A. Guardian")
    assert case.consent_warnings(TODAY) == []


# --- Refusal and withdrawal: Channel is voluntary (issue 13, point 7) ----------------------
def _support(case, user):
    from channel_panel.models import SupportType

    return services.support_action_add(
        case=case,
        support_type=SupportType.objects.first(),
        description="Mentoring",
        owner_agency=case.lead_agency,
        acting_user=user,
    )


def _exit(case, user, reason, **kwargs):
    from channel_panel.models import ExitReason

    case.refresh_from_db()
    return services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code=reason),
        exited_on=date(2026, 11, 12),
        expected_version=case.version,
        acting_user=user,
        **kwargs,
    )


def test_a_refusal_is_recorded_with_who_and_when_and_shown_as_a_warning(world, adult):
    refusal = record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON, answer="refused")
    assert (refusal.answer, refusal.is_live) == (Consent.Answer.REFUSED, False)
    adult.refresh_from_db()
    assert adult.consent_warnings(TODAY) == [
        "Consent refused on 5 November 2026: Channel is voluntary, so no support can be "
        "added; the case must exit, with signposting"
    ]
    entry = adult.referral.chronology.filter(kind=ChronologyEntry.Kind.CONSENT).get()
    assert entry.text == "Consent refused by the person on 5 November 2026."


def test_an_under_18s_refusal_comes_from_a_named_parent(world, sixteen):
    with pytest.raises(ValueError, match="under 18 on that date: a refusal must come from"):
        record(sixteen, world.spoc_a, given_by=Consent.GivenBy.PERSON, answer="refused")
    refusal = record(
        sixteen,
        world.spoc_a,
        given_by=Consent.GivenBy.PARENT,
        giver_name="Robin Testparent",
        answer="refused",
    )
    assert refusal.giver_name == "Robin Testparent"


def test_a_refusal_over_live_consent_is_refused_withdraw_instead(world, adult):
    record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON)
    with pytest.raises(ValueError, match="record its withdrawal instead"):
        record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON, answer="refused")


def test_a_withdrawal_records_who_and_an_under_18s_parent_by_name(world, sixteen):
    consent = record(
        sixteen, world.spoc_a, given_by=Consent.GivenBy.PARENT, giver_name="Robin Testparent"
    )
    with pytest.raises(ValueError, match="Say who withdrew consent"):
        services.consent_withdraw(
            consent=consent,
            withdrawn_on=date(2026, 11, 10),
            expected_version=consent.version,
            acting_user=world.spoc_a,
        )
    with pytest.raises(ValueError, match="a withdrawal must come from a parent"):
        services.consent_withdraw(
            consent=consent,
            withdrawn_on=date(2026, 11, 10),
            withdrawn_by=Consent.GivenBy.PERSON,
            expected_version=consent.version,
            acting_user=world.spoc_a,
        )
    services.consent_withdraw(
        consent=consent,
        withdrawn_on=date(2026, 11, 10),
        withdrawn_by=Consent.GivenBy.PARENT,
        withdrawer_name="Sam Testparent",
        expected_version=consent.version,
        acting_user=world.spoc_a,
    )
    consent.refresh_from_db()
    assert (consent.withdrawn_by, consent.withdrawer_name) == ("parent", "Sam Testparent")


@pytest.mark.parametrize("answer", ["refused", "withdrawn"])
def test_no_support_can_be_added_once_consent_is_refused_or_withdrawn(world, adult, answer):
    consent = record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON)
    if answer == "refused":
        consent.delete()
        record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON, answer="refused")
    else:
        services.consent_withdraw(
            consent=consent,
            withdrawn_on=date(2026, 11, 10),
            withdrawn_by=Consent.GivenBy.PERSON,
            expected_version=consent.version,
            acting_user=world.spoc_a,
        )
    with pytest.raises(ValueError, match="Channel is voluntary, so no support can be added"):
        _support(adult, world.spoc_a)
    assert not adult.actions.exists()
    # Fresh consent (a change of mind) opens the plan again.
    record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON, given_on=date(2026, 11, 11))
    assert _support(adult, world.spoc_a).pk


def test_a_refused_case_exits_only_with_its_own_reason_and_signposting(world, adult):
    from referrals.models import SignpostingService

    record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON, answer="refused")
    factories.exit_agreed(adult, world.chair)
    with pytest.raises(ValueError, match='must be "consent refused" or'):
        _exit(adult, world.spoc_a, "risk-reduced", signposted_to=SignpostingService.objects.first())
    with pytest.raises(ValueError, match="needs the service the person was signposted to"):
        _exit(adult, world.spoc_a, "consent-refused")
    with pytest.raises(ValueError, match="needs the refusal or withdrawal recorded"):
        _exit(
            adult,
            world.spoc_a,
            "consent-withdrawn",
            signposted_to=SignpostingService.objects.first(),
        )
    service = SignpostingService.objects.first()
    exited = _exit(adult, world.spoc_a, "consent-refused", signposted_to=service)
    assert (exited.status, exited.exit_reason.code) == ("exited", "consent-refused")
    assert exited.exit_signposted_to == service
    exit_entry = adult.referral.chronology.filter(kind=ChronologyEntry.Kind.EXIT).last()
    assert f"Signposted to {service.name}." in exit_entry.text


def test_the_consent_withdrawn_reason_needs_a_withdrawal_on_record(world, adult):
    from referrals.models import SignpostingService

    record(adult, world.spoc_a, given_by=Consent.GivenBy.PERSON)
    factories.exit_agreed(adult, world.chair)
    with pytest.raises(ValueError, match="needs the refusal or withdrawal recorded"):
        _exit(
            adult,
            world.spoc_a,
            "consent-withdrawn",
            signposted_to=SignpostingService.objects.first(),
        )
