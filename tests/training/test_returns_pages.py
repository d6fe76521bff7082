"""Entering and correcting returns on the web: GOV.UK errors, nothing half-saved, stale edits
refused with the typed figures kept, every change audited."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry

from tests.training.helpers import make_return, quarter, wrap
from training.models import ComplianceReturn

END = date(2018, 6, 30)


def _new(world, **overrides):
    data = {
        "agency": str(world.agency_a.pk),
        "training_type": str(wrap().pk),
        "period": str(quarter(END).pk),
        "eligible": "480",
        "compliant": "422",
    }
    data.update(overrides)
    return data


def test_spoc_enters_a_return_and_sees_the_verdict(world, signed_in_client):
    client = signed_in_client(world.spoc_a)
    form_page = client.get("/training/returns/new/").content.decode()
    assert "Agency A" in form_page and "Agency B" not in form_page  # one agency: no choice
    response = client.post("/training/returns/new/", _new(world), follow=True)
    saved = ComplianceReturn.objects.get()
    assert (saved.agency, saved.eligible, saved.compliant, saved.submitted_by) == (
        world.agency_a,
        480,
        422,
        world.spoc_a,
    )
    assert "WRAP return for Q1 2018/19 saved: 88%, meets target" in response.content.decode()
    created = LogEntry.objects.get_for_object(saved).get(action=LogEntry.Action.CREATE)
    assert created.actor == world.spoc_a


def test_compliant_above_eligible_is_explained_and_nothing_is_saved(world, signed_in_client):
    client = signed_in_client(world.spoc_a)
    response = client.post("/training/returns/new/", _new(world, compliant="500"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    message = (
        "Compliant staff cannot be more than eligible staff: you entered 500 compliant and "
        "480 eligible"
    )
    assert page.count(message) == 2  # in the summary and by the field
    assert 'href="#id_compliant"' in page
    assert 'value="500"' in page  # what was typed stays
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert not ComplianceReturn.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("eligible", "", "Enter the number of eligible staff"),
        ("eligible", "-1", "The number of eligible staff cannot be negative"),
        ("compliant", "many", "Enter the number of compliant staff as a whole number, like 480"),
        ("eligible", "2000000", "The number of eligible staff must be 1,000,000 or fewer"),
        ("period", "", "Choose the quarter"),
        ("training_type", "", "Choose the training type"),
    ],
)
def test_bad_figures_get_a_clear_message(world, signed_in_client, field, value, message):
    client = signed_in_client(world.spoc_a)
    response = client.post("/training/returns/new/", _new(world, **{field: value}))
    assert message in response.content.decode()
    assert not ComplianceReturn.objects.exists()


def test_a_second_return_for_the_same_quarter_points_to_the_first(world, signed_in_client):
    first = make_return(world.agency_a, END, 480, 422)
    client = signed_in_client(world.spoc_a)
    response = client.post("/training/returns/new/", _new(world, compliant="400"))
    page = response.content.decode()
    assert "Agency A already has a WRAP return for Q1 2018/19: change that return instead" in page
    assert f"/training/returns/{first.pk}/change/" in page
    assert ComplianceReturn.objects.get().compliant == 422


def test_correction_is_saved_and_audited_with_before_and_after(world, signed_in_client):
    saved = make_return(world.agency_a, END, 480, 400, user=world.spoc_a)
    client = signed_in_client(world.spoc_a)
    response = client.post(
        f"/training/returns/{saved.pk}/change/",
        {"eligible": "480", "compliant": "422", "version": "1"},
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.compliant, saved.version, saved.updated_by) == (422, 2, world.spoc_a)
    change = LogEntry.objects.get_for_object(saved).get(action=LogEntry.Action.UPDATE)
    assert change.changes_dict["compliant"] == [400, 422]
    assert change.actor == world.spoc_a
    history = client.get(f"/training/returns/{saved.pk}/").content.decode()
    assert "Compliant: 400 to 422" in history


def test_a_stale_correction_is_refused_with_the_typed_figures_kept(world, signed_in_client):
    saved = make_return(world.agency_a, END, 480, 400)
    coordinator = signed_in_client(world.coordinator)
    coordinator.post(
        f"/training/returns/{saved.pk}/change/",
        {"eligible": "480", "compliant": "410", "version": "1"},
    )
    spoc = signed_in_client(world.spoc_a)
    response = spoc.post(
        f"/training/returns/{saved.pk}/change/",
        {"eligible": "481", "compliant": "433", "version": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing it" in page
    assert 'value="481"' in page and 'value="433"' in page
    saved.refresh_from_db()
    assert (saved.eligible, saved.compliant, saved.version) == (480, 410, 2)


def test_return_list_marks_missing_and_awaited_returns(world, signed_in_client):
    period = quarter(END, deadline=date(2018, 7, 31))
    make_return(world.agency_a, END, 480, 422)
    client = signed_in_client(world.coordinator)
    response = client.get("/training/returns/", {"period": period.pk})
    rows = {
        (r["agency"].name, r["training_type"].name): r["words"] for r in response.context["rows"]
    }
    assert rows == {
        ("Agency A", "WRAP"): "Meets target",
        ("Agency A", "Basic Prevent Awareness"): "Missing",
        ("Agency B", "WRAP"): "Missing",
        ("Agency B", "Basic Prevent Awareness"): "Missing",
    }
