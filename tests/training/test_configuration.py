"""Training types and quarters: the data migration's types, the Coordinator's pages, and the
rules that keep names and quarters straight."""

from __future__ import annotations

from datetime import date

import pytest

from tests.training.helpers import make_return, quarter, wrap
from training.models import ReportingPeriod, TrainingType


def test_the_data_migration_provides_wrap_and_basic_awareness(db):
    types = {t.name: t.target_percent for t in TrainingType.objects.active()}
    assert types == {"WRAP": 85, "Basic Prevent Awareness": 85}


def test_the_home_office_courses_are_offered_but_not_asked_for_until_switched_on(db):
    """Every Home Office Prevent duty course is a type the Coordinator can switch on; none
    is asked of agencies by the migration alone (that would ask every SPOC overnight)."""
    courses = TrainingType.objects.filter(name__startswith="Prevent duty training: ")
    assert sorted(courses.values_list("name", flat=True)) == [
        "Prevent duty training: Awareness",
        "Prevent duty training: Channel or Prevent Multi-Agency Panel (PMAP)",
        "Prevent duty training: Referrals",
    ]
    assert all(course.description for course in courses)
    assert not courses.filter(is_active=True).exists()


def test_coordinator_adds_a_type_with_its_own_target_and_agencies(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    response = client.post(
        "/training/types/new/",
        {
            "name": "Home Office Prevent e-learning",
            "target_percent": "90",
            "is_active": "on",
            "order": "30",
            "agencies": [str(world.agency_b.pk)],
        },
    )
    assert response.status_code == 302
    added = TrainingType.objects.get(name="Home Office Prevent e-learning")
    assert (added.target_percent, list(added.agencies.all())) == (90, [world.agency_b])


def test_type_names_are_unique_whatever_their_case(world, signed_in_client):
    response = signed_in_client(world.coordinator).post(
        "/training/types/new/", {"name": "wrap", "target_percent": "85", "order": "1"}
    )
    assert "There is already a training type called wrap" in response.content.decode()
    assert TrainingType.objects.filter(name__iexact="wrap").count() == 1


def test_a_new_target_applies_from_now_on_and_past_returns_keep_theirs(world, signed_in_client):
    old = make_return(world.agency_a, date(2018, 6, 30), 100, 86)
    training_type = wrap()
    response = signed_in_client(world.coordinator).post(
        f"/training/types/{training_type.pk}/change/",
        {"name": "WRAP", "target_percent": "90", "is_active": "on", "order": "10", "version": "1"},
    )
    assert response.status_code == 302
    new = make_return(world.agency_a, date(2018, 9, 30), 100, 86)
    old.refresh_from_db()
    assert (old.target_percent, old.meets_target) == (85, True)
    assert (new.target_percent, new.meets_target) == (90, False)


@pytest.mark.parametrize(
    ("target", "message"),
    [("101", "The target must be 100 or less"), ("-1", "The target must be 0 or more")],
)
def test_targets_are_percentages(world, signed_in_client, target, message):
    response = signed_in_client(world.coordinator).post(
        "/training/types/new/", {"name": "Briefing", "target_percent": target, "order": "1"}
    )
    assert message in response.content.decode()


def test_coordinator_adds_a_quarter_by_its_last_day(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    response = client.post(
        "/training/quarters/new/", {"end": "30/6/2026", "submission_deadline": "31/7/2026"}
    )
    assert response.status_code == 302
    period = ReportingPeriod.objects.get()
    assert (period.label, period.start, period.submission_deadline) == (
        "Q1 2026/27",
        date(2026, 4, 1),
        date(2026, 7, 31),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"end": "29/6/2026", "submission_deadline": "31/7/2026"}, "The last day of a quarter is"),
        ({"end": "30/6/2026", "submission_deadline": "1/1/2026"}, "cannot be before the quarter"),
        ({"end": "", "submission_deadline": "31/7/2026"}, "Enter the last day of the quarter"),
    ],
)
def test_bad_quarters_are_explained(world, signed_in_client, data, message):
    response = signed_in_client(world.coordinator).post("/training/quarters/new/", data)
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert not ReportingPeriod.objects.exists()


def test_a_quarter_cannot_be_added_twice(world, signed_in_client):
    quarter(date(2026, 6, 30))
    response = signed_in_client(world.coordinator).post(
        "/training/quarters/new/", {"end": "30/6/2026", "submission_deadline": "31/7/2026"}
    )
    assert "Q1 2026/27 is already a reporting period" in response.content.decode()


def test_coordinator_moves_a_deadline_and_a_stale_form_is_refused(world, signed_in_client):
    period = quarter(date(2026, 6, 30))
    client = signed_in_client(world.coordinator)
    url = f"/training/quarters/{period.pk}/change/"
    assert client.post(url, {"submission_deadline": "14/8/2026", "version": "1"}).status_code == 302
    response = client.post(url, {"submission_deadline": "21/8/2026", "version": "1"})
    assert "Someone else changed this record" in response.content.decode()
    period.refresh_from_db()
    assert period.submission_deadline == date(2026, 8, 14)


def test_database_refuses_compliant_above_eligible_even_past_the_services(world):
    from django.db import IntegrityError, transaction

    saved = make_return(world.agency_a, date(2018, 6, 30), 100, 90)
    saved.compliant = 101
    with pytest.raises(IntegrityError), transaction.atomic():
        saved.save(update_fields=["compliant"])


def test_services_refuse_bad_figures(world):
    from training import services

    with pytest.raises(ValueError, match="more than eligible"):
        make_return(world.agency_a, date(2018, 6, 30), 10, 11)
    with pytest.raises(ValueError, match="negative"):
        make_return(world.agency_a, date(2018, 6, 30), -1, 0)
    with pytest.raises(ValueError, match="not the last day of a quarter"):
        services.reporting_period_for_end(end=date(2018, 6, 1), acting_user=None)
