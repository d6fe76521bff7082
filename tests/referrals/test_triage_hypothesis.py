"""Random input at every triage form: the answer is a page or a redirect, never a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.services import information_request_create
from tests import factories
from tests.conftest import sign_in

FORMS = {
    "referrals:triage_assign": ["officer", "version"],
    "referrals:triage_information_request": ["agency", "question", "due_on"],
    "referrals:triage_gateway": ["gateway_outcome", "checked_on", "note", "version"],
    "referrals:triage_outcome": ["outcome", "signposted_to", "reason", "version"],
    "referrals:triage_reclassify": ["concern_types", "needs_flags", "reason", "version"],
    "referrals:chronology_note": ["text"],
    "referrals:chronology_correction": ["entry", "text"],
    "referrals:information_request_answer": ["response"],
    "referrals:triage_queue": [
        "status",
        "age_group",
        "sector",
        "concern_type",
        "officer",
        "waiting",
        "sort",
        "page",
    ],
}

# Values of the right shape and of every wrong one: ids, dates, huge numbers, nonsense.
values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1", "2", "3", "", "0", "-1", "31/2/2026", "1/1/2999", "2026-11-01"]),
    st.sampled_from(["cleared", "police_led", "not_suitable", "open", "all", "over", "none"]),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["\x00", "1\x00", "\ud7ff", "<script>", "%", "999999999999"]),
)


@pytest.fixture
def targets(world):
    referral = factories.referral(world.agency_b)
    info = information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="Known to you?",
        due_on=referral.received_on.replace(year=2999),
        acting_user=world.coordinator,
    )
    return {"referral": referral.pk, "info": info.pk}


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(FORMS)),
    data=st.data(),
)
def test_random_triage_input_never_gives_a_server_error(client, world, targets, name, data):
    fields = FORMS[name]
    payload = {
        field: data.draw(values, label=field)
        for field in fields
        if data.draw(st.booleans(), label=f"send {field}")
    }
    if name == "referrals:information_request_answer":
        user, pk = world.spoc_a, targets["info"]
    else:
        user, pk = world.coordinator, targets["referral"]
    client.logout()
    sign_in(client, user)
    url = reverse(name) if name == "referrals:triage_queue" else reverse(name, args=[pk])
    response = (
        client.get(url, payload) if name == "referrals:triage_queue" else client.post(url, payload)
    )
    assert response.status_code in {200, 302, 404}, (name, payload, response.status_code)
