"""The four registers on one set of pages: list, add, edit, validation, optimistic locking,
audit, and nobody but the Coordinator."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from governance.models import CtlpBriefing, EducationSetting, FundedProject, VenueReview
from governance.registers import REGISTERS
from prevent_portal.audit.masking import REDACTED
from tests.conftest import sign_in

# slug -> (a valid entry as posted, the field that shows it in the list, the text shown)
VALID = {
    "ctlp-briefings": (
        {
            "audience": "Council senior management team",
            "briefed_on": "12/11/2025",
            "briefed_by": "Avery Okonjo",
        },
        "Council senior management team",
    ),
    "venue-reviews": (
        {
            "venue": "Northmere Community Hall",
            "hirer_organisation": "Residents' Forum",
            "reviewed_on": "3/9/2025",
            "outcome": "conditions",
            "reviewer": "Avery Okonjo",
        },
        "Approved with conditions",
    ),
    "education-settings": (
        {
            "name": "Riverside Saturday School",
            "kind": "supplementary_school",
            "address": "1 Example Road",
            "safeguarding_status": "policy",
        },
        "Safeguarding policy in place, not yet checked",
    ),
    "funded-projects": (
        {
            "provider": "Shared Futures Schools Trust",
            "purpose": "Sessions in schools",
            "funding_year": "2021-2022",
            "amount": "12500",
            "status": "commissioned",
        },
        "£12,500.00",
    ),
}
MODELS = {
    "ctlp-briefings": CtlpBriefing,
    "venue-reviews": VenueReview,
    "education-settings": EducationSetting,
    "funded-projects": FundedProject,
}


@pytest.fixture(params=sorted(REGISTERS))
def slug(request):
    return request.param


def test_every_register_has_a_definition_and_a_page(client, world, slug):
    assert REGISTERS[slug].model is MODELS[slug]
    sign_in(client, world.coordinator)
    response = client.get(f"/governance/registers/{slug}/")
    assert response.status_code == 200
    assert REGISTERS[slug].empty in response.content.decode()


def test_coordinator_adds_an_entry_and_sees_it_listed(client, world, slug):
    data, shown = VALID[slug]
    sign_in(client, world.coordinator)
    response = client.post(f"/governance/registers/{slug}/add/", data)
    assert response.status_code == 302
    assert response.url == f"/governance/registers/{slug}/"
    entry = MODELS[slug].objects.get()
    assert entry.recorded_by == world.coordinator
    assert shown in client.get(response.url).content.decode()


def test_empty_form_shows_an_error_for_each_required_answer(client, world, slug):
    sign_in(client, world.coordinator)
    response = client.post(f"/governance/registers/{slug}/add/", {})
    html = response.content.decode()
    required = [f.name for f in REGISTERS[slug].form_class().visible_fields() if f.field.required]
    assert response.status_code == 200
    assert html.count('class="govuk-error-message"') == len(required)
    assert not MODELS[slug].objects.exists()


def test_edit_from_an_old_page_is_refused_with_the_input_kept(client, world, slug):
    data, _ = VALID[slug]
    sign_in(client, world.coordinator)
    client.post(f"/governance/registers/{slug}/add/", data)
    entry = MODELS[slug].objects.get()
    first_field = REGISTERS[slug].columns[0]
    edit = f"/governance/registers/{slug}/{entry.pk}/edit/"
    old_page = {**data, "version": entry.version}
    assert client.post(edit, {**old_page, first_field: "First change"}).status_code == 302
    response = client.post(edit, {**old_page, first_field: "Second change"})
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert "Second change" in html
    entry.refresh_from_db()
    assert getattr(entry, first_field) == "First change"


def test_changes_are_audited_with_their_actor(client, world, slug):
    data, _ = VALID[slug]
    sign_in(client, world.coordinator)
    client.post(f"/governance/registers/{slug}/add/", data)
    entry = MODELS[slug].objects.get()
    log = LogEntry.objects.get_for_object(entry).get(action=LogEntry.Action.CREATE)
    assert log.actor == world.coordinator
    assert str(entry) == f"{REGISTERS[slug].model._meta.verbose_name[:1].upper()}" + (
        f"{REGISTERS[slug].model._meta.verbose_name[1:]} {entry.pk}"
    )


def test_notes_and_addresses_are_masked_in_the_audit_log(client, world):
    sign_in(client, world.coordinator)
    data, _ = VALID["education-settings"]
    client.post(
        "/governance/registers/education-settings/add/", {**data, "notes": "Head: A. Person"}
    )
    log = LogEntry.objects.get(
        action=LogEntry.Action.CREATE, object_repr__startswith="Supplementary"
    )
    assert log.changes_dict["address"][1] == REDACTED
    assert log.changes_dict["notes"][1] == REDACTED
    assert log.changes_dict["name"][1] == "Riverside Saturday School"


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2021", "Enter the funding year as two years, like 2021-2022"),
        ("2021-2023", "The second year must follow the first, like 2021-2022"),
        ("21-22", "Enter the funding year as two years, like 2021-2022"),
    ],
)
def test_funding_year_must_be_two_consecutive_years(client, world, year, message):
    data, _ = VALID["funded-projects"]
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/registers/funded-projects/add/", {**data, "funding_year": year}
    )
    assert message in response.content.decode()
    assert not FundedProject.objects.exists()


def test_amount_is_optional_and_never_negative(client, world):
    data, _ = VALID["funded-projects"]
    sign_in(client, world.coordinator)
    response = client.post("/governance/registers/funded-projects/add/", {**data, "amount": "-5"})
    assert "The amount must be 0 or more" in response.content.decode()
    client.post("/governance/registers/funded-projects/add/", {**data, "amount": ""})
    assert FundedProject.objects.get().amount is None
    client.post("/governance/registers/funded-projects/add/", {**data, "amount": "99.5"})
    assert FundedProject.objects.filter(amount=Decimal("99.50")).exists()


def test_dates_in_the_future_are_refused(client, world):
    data, _ = VALID["ctlp-briefings"]
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/registers/ctlp-briefings/add/", {**data, "briefed_on": "1/1/2999"}
    )
    assert "must be today or earlier" in response.content.decode()


def test_unknown_register_is_not_found(client, world):
    sign_in(client, world.coordinator)
    assert client.get("/governance/registers/minutes/").status_code == 404


@pytest.mark.parametrize("persona", ["manager", "spoc_a", "chair"])
def test_registers_are_the_coordinators_alone(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get("/governance/registers/").status_code == 403
    assert client.get("/governance/registers/venue-reviews/").status_code == 403
    data, _ = VALID["venue-reviews"]
    assert client.post("/governance/registers/venue-reviews/add/", data).status_code == 403
    assert not VenueReview.objects.exists()
