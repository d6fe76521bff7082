"""Renamed and abolished bodies (CCGs became ICBs on 1 July 2022): their past records stay
theirs and are shown with what became of them; nothing new can be attributed to them after
the day they ended. Courses the Home Office withdrew (WRAP) are historical alike."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from prevent_portal.accounts import grants, services
from prevent_portal.accounts.models import AgencyEnded
from referrals.services import information_request_create
from tests import factories
from tests.training.helpers import make_return, quarter, wrap
from training import services as training_services
from training.models import DeliveryMode

CCG_END = date(2022, 6, 30)


@pytest.fixture
def ccg(world):
    """Agency B, a CCG that became the ICB (a new agency) when it ended."""
    icb = factories.AgencyFactory(name="North ICB", short_code="icb")
    return services.agency_end(
        agency=world.agency_b, ended_on=CCG_END, replaced_by=icb, acting_user=None
    )


def test_an_ended_body_says_what_it_became(ccg):
    assert ccg.label == "Agency B (became North ICB in July 2022)"
    assert not ccg.is_active and not ccg.is_core_panel_member
    abolished = factories.AgencyFactory(name="Old Trust", short_code="old-trust")
    services.agency_end(agency=abolished, ended_on=CCG_END, replaced_by=None, acting_user=None)
    assert abolished.label == "Old Trust (abolished)"
    assert factories.AgencyFactory(name="Current", short_code="current").label == "Current"


def test_a_body_cannot_be_replaced_by_itself(world):
    with pytest.raises(ValueError, match="itself"):
        services.agency_end(
            agency=world.agency_b, ended_on=CCG_END, replaced_by=world.agency_b, acting_user=None
        )


# Each kind of new work, attributed to the ended body: (name, callable(world, ccg)).
NEW_WORK = {
    "referral": lambda world, ccg: factories.referral(ccg, received_on=date(2022, 7, 1)),
    "training return": lambda world, ccg: make_return(ccg, date(2022, 9, 30), 10, 9),
    "training session": lambda world, ccg: training_services.training_session_record(
        data={
            "delivered_on": date(2022, 7, 4),
            "training_type": wrap(),
            "trainers": "Coordinator",
            "other_organisations": "",
            "audience": "Safeguarding leads",
            "attendees": 5,
            "mode": DeliveryMode.ONLINE,
            "feedback": "",
        },
        agencies=[ccg],
        acting_user=world.coordinator,
    ),
    "share": lambda world, ccg: grants.object_share(
        obj=factories.referral(world.agency_a),
        to_agency=ccg,
        reason="Known to the CCG",
        acting_user=world.coordinator,
    ),
    "information request": lambda world, ccg: information_request_create(
        referral=factories.referral(world.agency_a),
        agency=ccg,
        question="Is the person known to you?",
        due_on=timezone.localdate() + timedelta(days=7),
        acting_user=world.coordinator,
    ),
}


@pytest.mark.parametrize("kind", NEW_WORK)
def test_no_new_work_is_attributed_to_a_body_after_it_ended(world, ccg, kind):
    with pytest.raises(AgencyEnded, match="became North ICB in July 2022.*record it under"):
        NEW_WORK[kind](world, ccg)


def test_its_own_last_quarter_and_earlier_work_are_still_recorded(world, ccg):
    """A quarter that began before the body ended is its own; so is a referral it received."""
    assert make_return(ccg, date(2022, 6, 30), 10, 9).agency == ccg
    assert factories.referral(ccg, received_on=CCG_END).owning_agency == ccg


def test_the_compliance_table_shows_the_old_body_as_having_become_the_new(
    world, ccg, signed_in_client
):
    make_return(ccg, date(2022, 6, 30), 10, 9)
    period = quarter(date(2022, 6, 30))
    page = signed_in_client(world.coordinator).get(
        "/training/", {"period_from": period.pk, "period_to": period.pk}
    )
    assert "Agency B (became North ICB in July 2022)" in page.content.decode()


def test_a_withdrawn_course_keeps_its_figures_and_takes_no_new_ones(world, signed_in_client):
    make_return(world.agency_a, date(2018, 6, 30), 100, 90)
    course = wrap()
    training_services.training_type_withdraw(
        training_type=course,
        withdrawn_on=date(2023, 3, 31),
        expected_version=course.version,
        acting_user=world.coordinator,
    )
    with pytest.raises(ValueError, match="WRAP was withdrawn on 31 March 2023"):
        make_return(world.agency_a, date(2023, 6, 30), 100, 90)
    assert make_return(world.agency_a, date(2023, 3, 31), 100, 90).training_type == course
    client = signed_in_client(world.coordinator)
    assert "WRAP" not in client.get("/training/returns/new/").content.decode()
    types_page = client.get("/training/types/").content.decode()
    assert "Historical" in types_page and "Withdrawn 31 March 2023" in types_page
