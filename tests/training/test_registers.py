"""Sessions delivered and department coverage: kept by the Coordinator, read by managers and
the chair, audited with trainers and feedback masked."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry

from prevent_portal.audit.masking import REDACTED
from tests.training.helpers import wrap
from training.models import DepartmentCoverage, TrainingSession


def _session(world, **overrides):
    data = {
        "delivered_on": "14/3/2019",
        "training_type": str(wrap().pk),
        "trainers": "Prevent Coordinator and SO15 officer",
        "agencies": [str(world.agency_a.pk)],
        "other_organisations": "Youth Offending Service",
        "audience": "Frontline staff and managers",
        "attendees": "23",
        "mode": "online",
        "feedback": "Useful case studies.",
    }
    data.update(overrides)
    return data


def _coverage(**overrides):
    data = {
        "department": "Children and Family Services",
        "training_type": str(wrap().pk),
        "covers_from": "1/11/2017",
        "as_at": "1/1/2019",
        "staff_requiring_training": "462",
        "staff_trained": "228",
        "sessions_delivered": "27",
    }
    data.update(overrides)
    return data


def test_coordinator_logs_a_session_and_the_audit_masks_trainers(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    response = client.post("/training/sessions/new/", _session(world))
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert session.delivered_on == date(2019, 3, 14)
    assert list(session.agencies.all()) == [world.agency_a]
    assert (session.attendees, session.mode) == (23, "online")
    entry = LogEntry.objects.get_for_object(session).get(action=LogEntry.Action.CREATE)
    assert entry.changes_dict["trainers"][1] == REDACTED
    assert entry.changes_dict["feedback"][1] == REDACTED
    assert "Prevent Coordinator" not in str(entry.changes) and "Prevent" not in entry.object_repr
    page = client.get("/training/sessions/").content.decode()
    assert "Youth Offending Service" in page and "2018/19" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"agencies": [], "other_organisations": ""}, "Choose the partner agencies trained"),
        ({"delivered_on": "1/1/2999"}, "The date delivered must be today or in the past"),
        ({"delivered_on": "2019-13-01"}, "Date delivered must be a real date"),
        ({"attendees": "-2"}, "The number of attendees cannot be negative"),
        ({"mode": ""}, "Choose how the session was delivered"),
        ({"trainers": ""}, "Enter who delivered the session"),
    ],
)
def test_session_errors_are_explained(world, signed_in_client, overrides, message):
    response = signed_in_client(world.coordinator).post(
        "/training/sessions/new/", _session(world, **overrides)
    )
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert not TrainingSession.objects.exists()


def test_session_correction_and_stale_edit(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    client.post("/training/sessions/new/", _session(world))
    session = TrainingSession.objects.get()
    url = f"/training/sessions/{session.pk}/change/"
    assert client.post(url, _session(world, attendees="25", version="1")).status_code == 302
    response = client.post(url, _session(world, attendees="30", version="1"))
    assert "Someone else changed this record" in response.content.decode()
    session.refresh_from_db()
    assert (session.attendees, session.version) == (25, 2)


@pytest.mark.parametrize("persona", ["manager", "chair"])
def test_readers_see_sessions_and_coverage_but_cannot_change_them(world, signed_in_client, persona):
    coordinator = signed_in_client(world.coordinator)
    coordinator.post("/training/sessions/new/", _session(world))
    coordinator.post("/training/coverage/new/", _coverage())
    session, coverage = TrainingSession.objects.get(), DepartmentCoverage.objects.get()
    client = signed_in_client(world.persona(persona))
    sessions_page = client.get("/training/sessions/").content.decode()
    assert "Frontline staff and managers" in sessions_page
    assert "Log a session" not in sessions_page
    assert "462" in client.get("/training/coverage/").content.decode()
    assert client.get(f"/training/sessions/{session.pk}/change/").status_code == 403
    assert client.get(f"/training/coverage/{coverage.pk}/change/").status_code == 403
    assert client.post("/training/sessions/new/", _session(world)).status_code == 403


def test_sessions_list_writes_an_access_entry_per_session_shown(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    client.post("/training/sessions/new/", _session(world))
    session = TrainingSession.objects.get()
    client.get("/training/sessions/")
    access = LogEntry.objects.get_for_object(session).filter(action=LogEntry.Action.ACCESS)
    assert access.get().actor == world.coordinator


def test_coverage_records_table_5_and_shows_the_share_trained(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    assert client.post("/training/coverage/new/", _coverage()).status_code == 302
    client.post(
        "/training/coverage/new/",
        _coverage(
            department="Adults and Communities",
            staff_requiring_training="290",
            staff_trained="251",
            sessions_delivered="28",
        ),
    )
    page = client.get("/training/coverage/").content.decode()
    assert "228 (49%)" in page  # 228 / 462 = 49.4%
    assert "251 (87%)" in page  # 251 / 290 = 86.6%
    assert DepartmentCoverage.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"staff_trained": "500"}, "Staff trained cannot be more than staff requiring training"),
        ({"covers_from": "2/1/2019"}, "The date counted from must be on or before the as-at date"),
        ({"as_at": "1/1/2999"}, "The as-at date must be today or in the past"),
        ({"department": ""}, "Enter the department or organisation"),
    ],
)
def test_coverage_errors_are_explained(world, signed_in_client, overrides, message):
    response = signed_in_client(world.coordinator).post(
        "/training/coverage/new/", _coverage(**overrides)
    )
    assert message in response.content.decode()
    assert not DepartmentCoverage.objects.exists()


def test_the_same_department_type_and_date_twice_is_refused(world, signed_in_client):
    client = signed_in_client(world.coordinator)
    client.post("/training/coverage/new/", _coverage())
    response = client.post(
        "/training/coverage/new/", _coverage(department="children and family services")
    )
    assert "already has WRAP figures as at 01 January 2019" in response.content.decode()
    assert DepartmentCoverage.objects.count() == 1
