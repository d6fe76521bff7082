"""The action plan: who sees and changes what, progress updates and their RAG status, the
owners' own list, optimistic locking, audit, and the RAG summary as one grouped query."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance import services
from governance.models import ActionItem, PriorityAction, ProgressUpdate, Rag, StrategyPeriod
from prevent_portal.audit.masking import REDACTED
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def item(world):
    return factories.action_item(owner_agency=world.agency_a, description="Train housing staff")


def progress(client, item, **changes):
    data = {
        "on": timezone.localdate().strftime("%d/%m/%Y"),
        "text": "Two WRAP sessions delivered",
        "rag": "amber",
        "version": item.version,
    }
    data.update(changes)
    return client.post(f"/governance/plan/items/{item.pk}/progress/add/", data)


def test_coordinator_sets_up_a_strategy_with_actions_and_items(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/plan/add/",
        {
            "name": "Prevent Strategy 2026-2029",
            "starts_on": "1/4/2026",
            "ends_on": "31/3/2029",
            "objective": "Keep people safe.",
        },
    )
    period = StrategyPeriod.objects.get()
    assert response.url == f"/governance/plan/{period.pk}/"
    client.post(
        f"/governance/plan/{period.pk}/actions/add/",
        {"number": "4", "title": "Staff training", "objective": "A trained workforce."},
    )
    action = PriorityAction.objects.get()
    response = client.post(
        f"/governance/plan/actions/{action.pk}/items/add/",
        {
            "description": "Deliver WRAP to housing staff",
            "owner_agency": world.agency_a.pk,
            "due_on": "31/3/2027",
            "rag": "green",
        },
    )
    item = ActionItem.objects.get()
    assert response.url == f"/governance/plan/items/{item.pk}/"
    assert (item.owner_agency, item.due_on, item.rag) == (
        world.agency_a,
        date(2027, 3, 31),
        "green",
    )
    page = client.get(f"/governance/plan/{period.pk}/").content.decode()
    assert "Action 4: Staff training" in page
    assert "Deliver WRAP to housing staff" in page
    assert "Green: on track" in page


def test_action_number_is_unique_in_its_strategy(client, world, item):
    sign_in(client, world.coordinator)
    response = client.post(
        f"/governance/plan/{item.action.period_id}/actions/add/",
        {"number": "1", "title": "Again", "objective": "Again."},
    )
    assert "Action 1 already exists in this strategy" in response.content.decode()
    assert PriorityAction.objects.count() == 1


def test_period_must_not_end_before_it_starts(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/plan/add/",
        {"name": "Back to front", "starts_on": "1/4/2026", "ends_on": "1/1/2026"},
    )
    assert "The last day must be the same as or after the first day" in response.content.decode()
    assert not StrategyPeriod.objects.exists()


def test_item_needs_an_owner_on_the_form_and_in_the_database(client, world, item):
    sign_in(client, world.coordinator)
    response = client.post(
        f"/governance/plan/actions/{item.action_id}/items/add/",
        {"description": "Nobody's job", "rag": "green"},
    )
    assert "Choose an owning agency, an owning officer, or both" in response.content.decode()
    assert ActionItem.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.create(action=item.action, description="x", rag="green")


def test_owning_spoc_adds_progress_and_the_item_takes_its_rag(client, world, item):
    sign_in(client, world.spoc_a)
    response = progress(client, item, rag="red", text="Sessions postponed")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.rag == Rag.RED
    update = ProgressUpdate.objects.get()
    assert (update.author, update.rag, update.text) == (world.spoc_a, "red", "Sessions postponed")
    page = client.get(f"/governance/plan/items/{item.pk}/").content.decode()
    assert "Sessions postponed" in page
    assert "Red: off track" in page


def test_owning_officer_adds_progress_whatever_their_agency(client, world):
    item = factories.action_item(owner_officer=world.panel_a)
    sign_in(client, world.panel_a)
    assert progress(client, item).status_code == 302
    assert ProgressUpdate.objects.filter(author=world.panel_a).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("spoc_b", 404), ("manager", 403), ("panel_a", 404)]
)
def test_others_cannot_add_progress(client, world, item, persona, status):
    sign_in(client, world.persona(persona))
    assert progress(client, item).status_code == status
    assert not ProgressUpdate.objects.exists()


def test_service_refuses_progress_from_someone_who_does_not_own_the_item(world, item):
    with pytest.raises(PermissionDenied):
        services.progress_update_add(
            item=item,
            on=date(2026, 1, 1),
            text="x",
            rag="green",
            expected_version=item.version,
            acting_user=world.spoc_b,
        )
    assert not ProgressUpdate.objects.exists()


def test_progress_can_mark_the_item_complete(client, world, item):
    sign_in(client, world.coordinator)
    progress(client, item, rag="green", completed="on", on="3/2/2026")
    item.refresh_from_db()
    assert item.completed_on == date(2026, 2, 3)


def test_progress_with_missing_answers_shows_every_error_and_saves_nothing(client, world, item):
    sign_in(client, world.spoc_a)
    response = progress(client, item, text="", rag="", on="31/2/2026")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the progress made" in html
    assert "Select the RAG status" in html
    assert "Date of the update must be a real date" in html
    assert 'class="govuk-error-summary"' in html
    assert not ProgressUpdate.objects.exists()


def test_progress_dated_in_the_future_is_refused(client, world, item):
    sign_in(client, world.spoc_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = progress(client, item, on=tomorrow.strftime("%d/%m/%Y"))
    assert "must be today or in the past" in response.content.decode()


def test_second_update_from_an_old_page_is_refused_and_keeps_its_text(client, world, item):
    """Two owners open the form; the first saves; the second must see the new status first."""
    opened_version = item.version
    sign_in(client, world.coordinator)
    assert progress(client, item, rag="green", text="First").status_code == 302
    response = progress(
        client, item, rag="red", text="Second, from an old page", version=opened_version
    )
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert "Second, from an old page" in html
    assert list(ProgressUpdate.objects.values_list("text", flat=True)) == ["First"]
    item.refresh_from_db()
    assert item.rag == "green"


def test_stale_item_edit_keeps_the_editors_input(client, world, item):
    data = {
        "description": "Train every housing officer",
        "owner_agency": world.agency_a.pk,
        "rag": "amber",
        "version": item.version,
    }
    services.action_item_edit(
        item=ActionItem.objects.get(pk=item.pk),
        data={"rag": "red"},
        expected_version=item.version,
        acting_user=world.coordinator,
    )
    sign_in(client, world.coordinator)
    response = client.post(f"/governance/plan/items/{item.pk}/edit/", data)
    assert "Someone else changed this record" in response.content.decode()
    assert "Train every housing officer" in response.content.decode()
    item.refresh_from_db()
    assert (item.description, item.rag) == ("Train housing staff", "red")


def test_spoc_sees_only_their_agencys_items(client, world, item):
    factories.action_item(
        owner_agency=world.agency_b, description="Agency B's item", action=item.action
    )
    sign_in(client, world.spoc_a)
    page = client.get("/governance/plan/mine/").content.decode()
    assert "Train housing staff" in page
    assert "Agency B&#x27;s item" not in page and "Agency B's item" not in page
    assert client.get(f"/governance/plan/{item.action.period_id}/").status_code == 404


def test_manager_reads_the_plan_but_cannot_change_it(client, world, item):
    sign_in(client, world.manager)
    assert client.get("/governance/plan/").status_code == 200
    assert client.get(f"/governance/plan/{item.action.period_id}/").status_code == 200
    assert client.get(f"/governance/plan/items/{item.pk}/").status_code == 200
    page = client.get(f"/governance/plan/items/{item.pk}/").content.decode()
    assert "Add a progress update" not in page and "Change the item" not in page
    assert client.get(f"/governance/plan/items/{item.pk}/edit/").status_code == 403


def test_rag_summary_is_one_grouped_query(world, django_assert_num_queries):
    first = factories.action_item(owner_agency=world.agency_a, rag="red")
    for rag in ["amber", "amber", "green"]:
        factories.action_item(owner_agency=world.agency_a, rag=rag, action=first.action)
    with django_assert_num_queries(1):
        summary = ActionItem.objects.rag_summary()
    assert summary == {"red": 1, "amber": 2, "green": 1}


def test_period_list_counts_rag_in_the_database(client, world):
    first = factories.action_item(owner_agency=world.agency_a, rag="red")
    factories.action_item(owner_agency=world.agency_a, rag="green", action=first.action)
    sign_in(client, world.manager)
    client.get("/")
    response = client.get("/governance/plan/")
    assert response.context["periods"][0].red == 1
    assert response.context["periods"][0].green == 1


def test_progress_text_is_masked_in_the_audit_log_and_the_actor_kept(client, world, item):
    sign_in(client, world.spoc_a)
    progress(client, item, text="Met the named officer at the hall")
    update = ProgressUpdate.objects.get()
    entry = LogEntry.objects.get_for_object(update).get(action=LogEntry.Action.CREATE)
    assert entry.actor == world.spoc_a
    assert entry.changes_dict["text"][1] == REDACTED
    assert "named officer" not in entry.object_repr


def test_model_rules_hold_without_the_form(world, item):
    with pytest.raises(ValidationError):
        services.strategy_period_create(
            data={"name": "x", "starts_on": date(2026, 2, 1), "ends_on": date(2026, 1, 1)},
            acting_user=None,
        )
