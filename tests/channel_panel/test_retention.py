"""The Channel Panel's part of records retention: a case keeps its person off the queue until
it closes, then is kept for the Channel rule; a referral not adopted closes on its meeting's
day; deletion removes consent and the support plan, blanks the panel's words, and leaves the
Channel report for past periods exactly as it was."""

from datetime import date

from auditlog.models import LogEntry

from channel_panel import services
from channel_panel.models import ChannelCase, Consent, Decision, SupportAction, SupportType
from channel_panel.reports import channel_report
from referrals import services as referral_services
from referrals.models import NeedsFlag, Referral, RetentionReview, SignpostingService
from referrals.statistics import referral_statistics
from tests import factories
from tests.channel_panel.test_report import exit_case, meeting

TODAY = date(2026, 11, 22)
PERIOD = {"date_from": date(2015, 4, 1), "date_to": date(2016, 3, 31)}


def adult():
    return factories.PersonFactory(date_of_birth=date(1980, 5, 5), given_name="Qzxchannel")


def closed_case(world):
    """Adopted 1 May 2015, reviewed at panel, exited 1 September 2015 with ownership
    returned to agency A, and closed after the 12-month post-exit review: 1 September 2016."""
    case = factories.channel_case(
        world.agency_b, world.spoc_b, received_on=date(2015, 5, 1), person=adult()
    )
    services.consent_record(
        case=case,
        given_by=Consent.GivenBy.PERSON,
        given_on=date(2015, 5, 2),
        capacity_notes="Qzxchannel capacity",
        acting_user=world.spoc_b,
    )
    services.needs_flag_add(
        case=case,
        flag=NeedsFlag.objects.get(code=NeedsFlag.MENTAL_HEALTH_CONCERN),
        source_agency=world.agency_b,
        recorded_on=date(2015, 5, 2),
        acting_user=world.spoc_b,
    )
    services.support_action_add(
        case=case,
        support_type=SupportType.objects.first(),
        description="Qzxchannel mentoring",
        owner_agency=world.agency_b,
        acting_user=world.spoc_b,
    )
    services.case_note_add(case=case, text="Qzxchannel note", acting_user=world.spoc_b)
    meeting(world, date(2015, 6, 4), cases=[case], attendance={world.council: "present"})
    exited = exit_case(
        world, case, date(2015, 9, 1), reason="ownership-returned", to=world.agency_a
    )
    for review in exited.reviews.order_by("due_on"):
        services.post_exit_review_record(
            review=review,
            held_on=review.due_on,
            notes="Qzxchannel review",
            acting_user=world.coordinator,
        )
    exited.refresh_from_db()
    assert exited.closed_on == date(2016, 9, 1)
    return exited


def not_adopted(world):
    referral = factories.panel_referral(
        world.agency_a, received_on=date(2015, 5, 10), person=adult()
    )
    made = meeting(world, date(2015, 6, 4), referrals=[referral])
    services.decision_record(
        item=made.items.get(referral=referral),
        outcome=Decision.Outcome.NOT_ADOPT,
        rationale="Qzxchannel rationale",
        signposted_to=SignpostingService.objects.first(),
        acting_user=world.chair,
    )
    return referral


def sweep(today=TODAY):
    return referral_services.retention_sweep(today=today, acting_user=None)


def test_an_open_or_exited_case_keeps_the_person_off_the_queue(world):
    case = factories.channel_case(
        world.agency_b, world.spoc_b, received_on=date(2015, 5, 1), person=adult()
    )
    assert sweep().queued == 0
    exit_case(world, case, date(2015, 9, 1))  # post-exit reviews still to come
    assert sweep().queued == 0


def test_a_closed_case_is_kept_seven_years_from_its_closure(world):
    case = closed_case(world)
    assert sweep(date(2023, 8, 31)).queued == 0
    assert sweep(date(2023, 9, 1)).queued == 1
    review = RetentionReview.objects.get(person=case.referral.person)
    assert (review.rule.code, review.closed_on) == ("channel-case-closed", date(2016, 9, 1))


def test_a_referral_not_adopted_closes_on_the_day_of_its_meeting(world):
    referral = not_adopted(world)
    assert sweep(date(2021, 6, 3)).queued == 0
    assert sweep(date(2021, 6, 4)).queued == 1
    review = RetentionReview.objects.get(person=referral.person)
    assert (review.rule.code, review.closed_on) == ("not-adopted", date(2015, 6, 4))


def test_deletion_removes_the_case_s_personal_data_and_keeps_past_figures(world):
    case = closed_case(world)
    referral = not_adopted(world)
    channel_before = channel_report(**PERIOD)
    referrals_before = referral_statistics(**PERIOD)
    assert channel_before["cases_adopted"] == 1 and channel_before["cases_discussed"] == 2
    sweep()
    for review in RetentionReview.objects.all():
        referral_services.retention_delete(review=review, acting_user=world.coordinator)

    assert channel_report(**PERIOD) == channel_before
    assert referral_statistics(**PERIOD) == referrals_before
    assert not Consent.objects.filter(case=case).exists()
    assert not SupportAction.objects.filter(case=case).exists()
    assert case.needs_flags.count() == 1  # counted by the report: kept
    assert set(Decision.objects.values_list("rationale", flat=True)) == {""}
    case.refresh_from_db()
    assert case.closed_on == date(2016, 9, 1) and case.exit_reason is not None
    assert set(case.reviews.values_list("outcome_notes", flat=True)) == {""}
    assert not ChannelCase.objects.visible_to(world.coordinator).exists()
    assert not Referral.objects.visible_to(world.coordinator).filter(pk=referral.pk).exists()
    review = RetentionReview.objects.get(person=case.referral.person)
    entry = LogEntry.objects.get_for_object(review).get(
        additional_data__has_key="deletion_certificate"
    )
    counts = entry.additional_data["deletion_certificate"]["counts"]
    assert counts["consent records deleted"] == 1
    assert counts["support plan actions deleted"] == 1
    assert counts["Channel cases de-personalised"] == 1
