"""Records retention: rules per closure, the weekly sweep's queue, the Coordinator's decision
(deletion or legal hold), and a deletion that leaves past figures exactly as they were."""

import json
from datetime import date
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_portal.audit.context import acting_as
from prevent_portal.core.concurrency import StaleEdit
from referrals import retention, services
from referrals.models import (
    ChronologyEntry,
    Outcome,
    Person,
    Referral,
    RetentionReview,
    RetentionRule,
)
from referrals.services.retention import ERASED_TEXT
from referrals.statistics import referral_statistics
from tests import factories
from tests.conftest import on_postgres, sign_in

TODAY = date(2026, 11, 22)
CANARIES = ["Qzxcanarygiven", "Qzxcanaryfamily", "Qzxcanary concern", "Qzxcanary note", "QZ1 9XC"]


def closed(
    world, *, outcome=Outcome.NO_FURTHER_ACTION, received_on=date(2015, 6, 1), born=None, **kw
):
    """A referral of agency A closed at triage on the day it was received (an adult's)."""
    if born is not None:
        kw["person"] = factories.PersonFactory(date_of_birth=born)
    return factories.closed_referral(
        world.agency_a, outcome=outcome, closed_on=received_on, acting_user=world.coordinator, **kw
    )


def sweep(today=TODAY):
    return services.retention_sweep(today=today, acting_user=None)


# --- Rules ------------------------------------------------------------------------------
def test_the_migration_seeds_a_rule_per_closure_with_documented_defaults(db):
    years = dict(RetentionRule.objects.values_list("code", "years"))
    assert years == {
        "no-further-action": 6,
        "signposted": 6,
        "police-led": 6,
        "not-adopted": 6,
        "channel-case-closed": 7,
        "other": 6,
    }
    assert set(RetentionRule.objects.values_list("young_person_until_age", flat=True)) == {25}


# --- The sweep --------------------------------------------------------------------------
def test_sweep_queues_a_closed_record_past_retention_once(world):
    referral = closed(world)  # closed 1 June 2015, an adult: kept until 1 June 2021
    first = sweep()
    second = sweep()
    assert (first.queued, second.queued) == (1, 0)
    review = RetentionReview.objects.get()
    assert review.person_id == referral.person_id
    assert (review.rule.code, review.closed_on, review.due_on) == (
        "no-further-action",
        date(2015, 6, 1),
        date(2021, 6, 1),
    )


def test_sweep_leaves_a_record_until_its_retention_date(world):
    closed(world, received_on=date(2020, 11, 23))  # kept until 23 November 2026
    assert sweep(date(2026, 11, 22)).queued == 0
    assert sweep(date(2026, 11, 23)).queued == 1


def test_an_open_referral_keeps_the_person_off_the_queue(world):
    old = closed(world)
    factories.referral(world.agency_a, person=old.person, received_on=date(2026, 1, 5))
    assert sweep().queued == 0


def test_the_latest_closure_of_a_person_decides_and_names_its_rule(world):
    old = closed(world)
    closed(world, person=old.person, outcome=Outcome.SIGNPOSTED, received_on=date(2019, 3, 1))
    assert sweep(date(2025, 2, 28)).queued == 0
    sweep(date(2025, 3, 1))
    review = RetentionReview.objects.get()
    assert (review.rule.code, review.due_on) == ("signposted", date(2025, 3, 1))


def test_a_young_person_is_kept_until_their_25th_birthday(world):
    # 15 when referred and closed in 2015: six years end in 2021, the 25th birthday in 2025.
    closed(world, born=date(2000, 1, 10))
    assert sweep(date(2025, 1, 9)).queued == 0
    assert sweep(date(2025, 1, 10)).queued == 1
    assert RetentionReview.objects.get().due_on == date(2025, 1, 10)


def test_a_longer_rule_set_by_the_coordinator_delays_the_queue(world):
    closed(world)
    rule = RetentionRule.objects.get(code="no-further-action")
    services.retention_rule_edit(
        rule=rule,
        years=20,
        young_person_until_age=25,
        expected_version=1,
        acting_user=world.coordinator,
    )
    assert sweep().queued == 0


def test_a_legal_hold_is_not_queued_again_until_its_review_date(world):
    closed(world)
    sweep()
    review = RetentionReview.objects.get()
    services.retention_hold(
        review=review,
        reason="Fictional litigation",
        review_on=date(2027, 1, 1),
        expected_version=review.version,
        acting_user=world.coordinator,
    )
    assert (sweep(date(2026, 12, 31)).queued, sweep(date(2026, 12, 31)).requeued) == (0, 0)
    assert sweep(date(2027, 1, 1)).requeued == 1
    review.refresh_from_db()
    assert review.status == RetentionReview.Status.DUE
    assert RetentionReview.objects.count() == 1


def test_the_command_sweeps_for_the_day_given_and_prints_counts(world):
    closed(world)
    out = StringIO()
    call_command("retention_sweep", "--today", "2026-11-22", stdout=out)
    assert json.loads(out.getvalue()) == {"today": "2026-11-22", "queued": 1, "requeued": 0}
    entry = LogEntry.objects.get_for_model(RetentionReview).get()
    assert entry.actor.username == "system"


def test_beat_runs_the_sweep_weekly():
    from prevent_portal.celery import app

    entry = app.conf.beat_schedule["retention-weekly"]
    assert entry["task"] == "referrals.retention_sweep"
    assert entry["schedule"].day_of_week == {1}  # Monday


def test_the_sweep_costs_the_same_queries_for_few_and_many_people(world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            retention.due_persons(TODAY)
        return len(ctx.captured_queries)

    closed(world)
    few = count()
    for _ in range(12):
        closed(world)
    assert count() == few


# --- Deletion ---------------------------------------------------------------------------
def _canary_referral(world):
    person = factories.PersonFactory(
        given_name=CANARIES[0],
        family_name=CANARIES[1],
        postcode=CANARIES[4],
        date_of_birth=date(1980, 5, 5),
        address="1 Qzxcanary Street",
    )
    from referrals.models import PersonAlias

    PersonAlias.objects.create(person=person, given_name="Qzxcanaryalias")
    referral = closed(world, person=person, concern_summary=CANARIES[2])
    services.referral_note_add(referral=referral, text=CANARIES[3], acting_user=world.coordinator)
    return referral


@pytest.fixture
def due_review(world):
    referral = _canary_referral(world)
    sweep()
    return RetentionReview.objects.get(person=referral.person)


def test_deletion_blanks_personal_data_and_keeps_the_statistical_columns(world, due_review):
    person = due_review.person
    [referral] = person.referrals.all()
    kept = (
        Referral.objects.filter(pk=referral.pk)
        .values(
            "received_on",
            "age_at_referral",
            "owning_agency",
            "referring_sector",
            "outcome",
            "decided_on",
            "status",
        )
        .get()
    )
    services.retention_delete(review=due_review, acting_user=world.coordinator)
    person.refresh_from_db()
    referral.refresh_from_db()
    assert (person.given_name, person.family_name, person.address, person.postcode) == (
        "",
        "",
        "",
        "",
    )
    assert person.date_of_birth is None and person.depersonalised_at is not None
    assert person.gender == "not_known"  # gender stays for the figures
    assert not person.aliases.exists()
    assert referral.concern_summary == "" and referral.depersonalised_at is not None
    assert Referral.objects.filter(pk=referral.pk).values(*kept).get() == kept
    texts = set(ChronologyEntry.objects.filter(referral=referral).values_list("text", flat=True))
    assert texts == {ERASED_TEXT}
    due_review.refresh_from_db()
    assert due_review.status == RetentionReview.Status.DELETED


def test_no_canary_value_remains_anywhere_in_the_database_after_deletion(world, due_review):
    """Every text column of every table, the audit log's changes, object_repr and
    additional data included."""
    services.retention_delete(review=due_review, acting_user=world.coordinator)
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            text = Cast(field.name, models.TextField())
            for canary in CANARIES + ["Qzxcanary"]:
                hits = model._default_manager.annotate(_t=text).filter(_t__icontains=canary)
                if hits.exists():
                    found.append(f"{model._meta.label}.{field.name} has {canary}")
    assert found == []


def test_the_deletion_certificate_records_what_went_and_no_personal_data(world, due_review):
    with acting_as(world.coordinator):  # as auditlog's middleware does for a request
        services.retention_delete(review=due_review, acting_user=world.coordinator)
    entry = (
        LogEntry.objects.get_for_object(due_review)
        .filter(additional_data__has_key="deletion_certificate")
        .get()
    )
    certificate = entry.additional_data["deletion_certificate"]
    [referral] = due_review.person.referrals.all()
    assert certificate["referrals"] == [referral.reference]
    assert certificate["rule"] == {
        "code": "no-further-action",
        "name": "No further action",
        "years": 6,
    }
    assert certificate["approved_by"] == world.coordinator.pk
    assert certificate["counts"]["aliases deleted"] == 1
    assert certificate["counts"]["referrals de-personalised"] == 1
    assert certificate["counts"]["chronology entries blanked"] >= 2
    assert entry.actor == world.coordinator
    assert "Qzxcanary" not in json.dumps(entry.additional_data) + entry.object_repr


def test_past_statistics_are_identical_before_and_after_deleting_records_in_the_period(world):
    for n in range(6):
        referral = closed(
            world,
            outcome=[Outcome.NO_FURTHER_ACTION, Outcome.SIGNPOSTED][n % 2],
            born=date(1970 + 5 * n, 1, 1),
        )
        referral.concern_types.add(*referral.concern_types.model.objects.all()[:1])
    closed(world, received_on=date(2025, 6, 1))  # same period next decade: not due
    period = {"date_from": date(2015, 4, 1), "date_to": date(2016, 3, 31)}
    before = referral_statistics(**period)
    sweep()
    assert RetentionReview.objects.count() == 6
    for review in RetentionReview.objects.all():
        services.retention_delete(review=review, acting_user=world.coordinator)
    assert Person.objects.filter(depersonalised_at__isnull=False).count() == 6
    assert referral_statistics(**period) == before


def test_a_de_personalised_referral_is_seen_by_no_one(client, world, due_review):
    [referral] = due_review.person.referrals.all()
    services.retention_delete(review=due_review, acting_user=world.coordinator)
    assert not Referral.objects.visible_to(world.coordinator).filter(pk=referral.pk).exists()
    sign_in(client, world.coordinator)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404


def test_deletion_is_refused_when_the_person_is_referred_again(world, due_review):
    factories.referral(world.agency_a, person=due_review.person, received_on=date(2026, 11, 1))
    with pytest.raises(ValueError, match="no longer due"):
        services.retention_delete(review=due_review, acting_user=world.coordinator)
    due_review.person.refresh_from_db()
    assert due_review.person.given_name == CANARIES[0]


def test_a_person_folded_into_the_deleted_one_is_blanked_too(world, due_review):
    folded = factories.PersonFactory(given_name="Qzxcanaryfolded", merged_into=due_review.person)
    services.retention_delete(review=due_review, acting_user=world.coordinator)
    folded.refresh_from_db()
    assert folded.given_name == "" and folded.depersonalised_at is not None


def test_the_second_coordinator_to_decide_is_told_and_nothing_changes(world, due_review):
    seen = due_review.version
    services.retention_hold(
        review=due_review,
        reason="Fictional inquiry",
        review_on=None,
        expected_version=seen,
        acting_user=world.coordinator,
    )
    with pytest.raises(StaleEdit, match="already decided"):
        services.retention_delete(
            review=due_review, expected_version=seen, acting_user=world.coordinator
        )
    due_review.person.refresh_from_db()
    assert due_review.person.given_name == CANARIES[0]


def test_a_hold_needs_a_reason(world, due_review):
    with pytest.raises(ValueError, match="reason"):
        services.retention_hold(
            review=due_review,
            reason="  ",
            review_on=None,
            expected_version=due_review.version,
            acting_user=world.coordinator,
        )


# --- The chronology's narrow erasure route (PostgreSQL trigger) -------------------------
pg_only = pytest.mark.skipif(not on_postgres(), reason="the trigger exists on PostgreSQL only")


def _update(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pg_only
@pytest.mark.parametrize(
    ("setting", "text", "statement"),
    [
        (None, ERASED_TEXT, "update"),  # no erasure under way
        ("other", ERASED_TEXT, "update"),  # erasure of another referral
        ("own", "Rewritten history", "update"),  # any other text
        ("own", None, "delete"),  # rows are never deleted
    ],
    ids=["no-setting", "other-referral", "other-text", "delete"],
)
def test_the_chronology_refuses_every_change_but_the_erasure_of_its_own_referral(
    world, setting, text, statement
):
    referral = closed(world)
    other = closed(world)
    entry = ChronologyEntry.objects.filter(referral=referral).first()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if setting:
            value = referral.pk if setting == "own" else other.pk
            cursor.execute("SELECT set_config('prevent_portal.erasure', %s, true)", [str(value)])
        if statement == "update":
            cursor.execute(
                "UPDATE referrals_chronologyentry SET text = %s WHERE id = %s", [text, entry.pk]
            )
        else:
            cursor.execute("DELETE FROM referrals_chronologyentry WHERE id = %s", [entry.pk])


@pg_only
def test_the_erasure_setting_ends_with_its_transaction(world):
    referral = closed(world)
    entry = ChronologyEntry.objects.filter(referral=referral).first()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('prevent_portal.erasure', %s, true)", [str(referral.pk)])
        cursor.execute(
            "UPDATE referrals_chronologyentry SET text = %s WHERE id = %s", [ERASED_TEXT, entry.pk]
        )
    with pytest.raises(DatabaseError, match="append-only"):
        _update(
            "UPDATE referrals_chronologyentry SET text = %s WHERE id = %s",
            [ERASED_TEXT + " again", entry.pk],
        )


# --- Pages ------------------------------------------------------------------------------
def test_the_queue_lists_due_reviews_in_the_same_queries_for_few_and_many(client, world):
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_reviews")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    closed(world)
    sweep()
    count()  # the first request of a session loads what later ones reuse
    few, _ = count()
    for _ in range(15):
        closed(world)
    sweep()
    many, html = count()
    assert many == few
    assert html.count("Review ") >= 16
    assert CANARIES[0] not in html


def test_the_coordinator_approves_deletion_on_the_review_page(client, world, due_review):
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_review", args=[due_review.pk])
    assert "Approve deletion" in client.get(url).content.decode()
    response = client.post(url, {"action": "delete", "version": due_review.version})
    assert response.status_code == 302
    due_review.refresh_from_db()
    assert due_review.status == RetentionReview.Status.DELETED


def test_a_hold_without_a_reason_shows_the_error_and_saves_nothing(client, world, due_review):
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_review", args=[due_review.pk])
    response = client.post(url, {"action": "hold", "reason": "", "version": due_review.version})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Enter the reason for the legal hold" in html
    due_review.refresh_from_db()
    assert due_review.status == RetentionReview.Status.DUE


def test_the_second_coordinator_gets_a_clear_message_and_their_input_back(
    client, world, due_review
):
    seen = due_review.version
    services.retention_delete(review=due_review, acting_user=world.coordinator)
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_review", args=[due_review.pk])
    response = client.post(
        url, {"action": "hold", "reason": "Qzxhold reason typed", "version": seen}
    )
    html = response.content.decode()
    assert "already decided this review" in html
    assert "Qzxhold reason typed" in html


def test_the_coordinator_changes_a_rule_and_a_stale_edit_is_refused(client, world):
    rule = RetentionRule.objects.get(code="channel-case-closed")
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_rule_edit", args=[rule.pk])
    data = {"years": 8, "young_person_until_age": 25, "version": rule.version}
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.years, rule.version) == (8, 2)
    response = client.post(url, {**data, "years": 9})  # the version seen is now old
    assert "Someone else changed this record" in response.content.decode()
    rule.refresh_from_db()
    assert rule.years == 8


def test_years_must_be_a_whole_number_of_one_or_more(client, world):
    rule = RetentionRule.objects.get(code="other")
    sign_in(client, world.coordinator)
    url = reverse("referrals:retention_rule_edit", args=[rule.pk])
    html = client.post(url, {"years": 0, "version": rule.version}).content.decode()
    assert "The number of years must be 1 or more" in html


@pytest.mark.parametrize("persona", ["manager", "sysadmin", "spoc_a", "chair"])
def test_only_the_coordinator_opens_the_retention_pages(client, world, persona, due_review):
    sign_in(client, world.persona(persona))
    for url in [
        reverse("referrals:retention_reviews"),
        reverse("referrals:retention_review", args=[due_review.pk]),
        reverse("referrals:retention_rules"),
    ]:
        assert client.get(url).status_code == 403


def test_the_coordinator_has_a_navigation_link(client, world):
    sign_in(client, world.coordinator)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("referrals:retention_reviews") in html


def test_a_de_personalised_person_is_never_offered_as_an_earlier_referral(world, due_review):
    from referrals.matching import find_candidates

    services.retention_delete(review=due_review, acting_user=world.coordinator)
    # Blank fields match nothing anyway; put the old values back to prove the rule itself.
    Person.objects.filter(pk=due_review.person_id).update(
        given_name=CANARIES[0], family_name=CANARIES[1], postcode=CANARIES[4]
    )
    newcomer = factories.PersonFactory(
        given_name=CANARIES[0], family_name=CANARIES[1], postcode=CANARIES[4]
    )
    assert due_review.person not in find_candidates(newcomer)


def test_a_legal_hold_is_audited_with_its_reason_masked(world, due_review):
    with acting_as(world.coordinator):
        services.retention_hold(
            review=due_review,
            reason="Qzxcanary inquiry",
            review_on=None,
            expected_version=due_review.version,
            acting_user=world.coordinator,
        )
    entry = LogEntry.objects.get_for_object(due_review).latest("timestamp")
    assert entry.actor == world.coordinator
    assert entry.changes_dict["status"] == ["due", "held"]
    assert "Qzxcanary" not in json.dumps(entry.changes)
