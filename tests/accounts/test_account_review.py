"""Account review (an agency's SPOC, the Coordinator and the system administrator), deactivation
that ends every session at once whichever way it is done, and the daily disabling of accounts
nobody has used for ACCOUNT_INACTIVITY_DISABLE_DAYS."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts import services
from prevent_portal.accounts.models import DisabledReason, Role, User
from prevent_portal.accounts.tasks import disable_inactive
from prevent_portal.audit.context import system_user
from prevent_portal.outbox.models import Notification
from tests import factories
from tests.conftest import sign_in

LIST = "/accounts/"


def deactivate_url(user) -> str:
    return reverse("accounts:account_deactivate", args=[user.pk])


def usernames_listed(client) -> set[str]:
    response = client.get(LIST)
    assert response.status_code == 200
    rows = response.context["rows"]
    return {row["account"].username for row in rows}


def signed_in_elsewhere(client_class, user):
    other = client_class()
    sign_in(other, user)
    assert other.get("/").status_code == 200
    return other


# --- The page -------------------------------------------------------------------------------


def test_spoc_sees_only_their_agencys_accounts(client, world):
    sign_in(client, world.spoc_a)
    assert usernames_listed(client) == {"spoc-a", "panel-a", "referrer-a"}


def test_coordinator_and_sysadmin_see_every_account_but_never_the_system_account(client, world):
    system_user()
    everyone = {u.username for u in User.objects.filter(is_service_account=False)}
    for reviewer in (world.coordinator, world.sysadmin):
        client.logout()
        sign_in(client, reviewer)
        listed = usernames_listed(client)
        assert listed == everyone and "system" not in listed


@pytest.mark.parametrize("persona", ["referrer_a", "panel_a", "manager", "chair", "no_role"])
def test_other_roles_cannot_open_the_account_review(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get(LIST).status_code == 403


def test_page_shows_roles_last_sign_in_and_status(client, world):
    world.panel_a.last_login = timezone.make_aware(datetime(2026, 3, 4, 10))
    world.panel_a.save(update_fields=["last_login"])
    services.user_deactivate(
        user=world.referrer_a, acting_user=None, reason=DisabledReason.INACTIVITY
    )
    sign_in(client, world.spoc_a)
    content = client.get(LIST).content.decode()
    assert "Panel member, Agency A" in content
    assert "4 March 2026" in content
    assert "Disabled for inactivity" in content
    assert "Never" in content  # spoc-a signed in by the test client only


def test_listing_costs_the_same_queries_for_3_and_23_accounts(client, world):
    sign_in(client, world.coordinator)
    client.get(LIST)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    for n in range(20):
        user = factories.UserFactory(username=f"extra-{n}")
        services.membership_grant(
            user=user, agency=world.agency_a, role=Role.REFERRER, acting_user=None
        )
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(LIST).context["rows"]) > 20
    assert len(large) == len(small)


# --- Deactivating from the page -------------------------------------------------------------


def test_spoc_deactivates_an_account_of_their_agency_and_its_sessions_end_at_once(client, world):
    elsewhere = signed_in_elsewhere(client.__class__, world.referrer_a)
    sign_in(client, world.spoc_a)
    page = client.get(deactivate_url(world.referrer_a))
    assert page.status_code == 200 and b"Deactivate account" in page.content
    response = client.post(deactivate_url(world.referrer_a))
    assert response.status_code == 302 and response.url == LIST
    world.referrer_a.refresh_from_db()
    assert not world.referrer_a.is_active
    assert world.referrer_a.disabled_reason == DisabledReason.DEACTIVATED
    assert elsewhere.get("/").status_code == 302  # signed out there too
    entry = LogEntry.objects.get_for_object(world.referrer_a).filter(action=1).latest("pk")
    assert entry.actor == world.spoc_a and "is_active" in entry.changes_dict


def test_spoc_cannot_find_another_agencys_account(client, world):
    sign_in(client, world.spoc_a)
    assert client.get(deactivate_url(world.referrer_b)).status_code == 404
    assert client.post(deactivate_url(world.referrer_b)).status_code == 404
    world.referrer_b.refresh_from_db()
    assert world.referrer_b.is_active


def test_spoc_cannot_deactivate_someone_who_also_works_for_another_agency(client, world):
    services.membership_grant(
        user=world.panel_a, agency=world.agency_b, role=Role.PANEL_MEMBER, acting_user=None
    )
    sign_in(client, world.spoc_a)
    assert client.post(deactivate_url(world.panel_a)).status_code == 403


def test_council_spoc_cannot_deactivate_the_coordinator(client, world):
    council_spoc = factories.member(Role.SPOC, world.council, username="council-spoc")
    sign_in(client, council_spoc)
    assert "coordinator" in usernames_listed(client)
    assert client.post(deactivate_url(world.coordinator)).status_code == 403
    world.coordinator.refresh_from_db()
    assert world.coordinator.is_active


def test_nobody_deactivates_their_own_account_here(client, world):
    sign_in(client, world.coordinator)
    assert client.post(deactivate_url(world.coordinator)).status_code == 403


# --- The system administrator deactivates on the service's page too ------------------------


def test_administrator_deactivates_on_the_account_page_ending_sessions_and_recording_why(
    client, world
):
    """What Django admin's "deactivate" action and "active" box did (issue 16: accounts left
    the admin): the account is off at once, every session ends, the reason is recorded."""
    elsewhere = signed_in_elsewhere(client.__class__, world.spoc_b)
    sign_in(client, world.sysadmin)
    page = client.get(reverse("accounts:account_detail", args=[world.spoc_b.pk])).content.decode()
    assert deactivate_url(world.spoc_b) in page
    assert client.post(deactivate_url(world.spoc_b)).status_code == 302
    world.spoc_b.refresh_from_db()
    assert not world.spoc_b.is_active
    assert world.spoc_b.disabled_reason == DisabledReason.DEACTIVATED
    assert elsewhere.get("/").status_code == 302


# --- Disabling unused accounts --------------------------------------------------------------


def _used(user, when: datetime) -> None:
    User.objects.filter(pk=user.pk).update(last_login=when, date_joined=when - timedelta(days=1))


@pytest.fixture
def ninety_days(settings):
    settings.ACCOUNT_INACTIVITY_DISABLE_DAYS = 90


def test_accounts_unused_for_90_days_are_disabled_and_their_spoc_told(world, ninety_days):
    today = date(2026, 9, 1)
    start = timezone.make_aware(datetime(2026, 6, 2, 9))  # 91 days before today
    for user in User.objects.all():
        _used(user, start + timedelta(days=10))
    _used(world.referrer_a, start)
    never = factories.UserFactory(username="never-signed-in")
    User.objects.filter(pk=never.pk).update(date_joined=start, last_login=None)
    system_user()  # the service account never signs in: never disabled

    disabled = services.users_disable_inactive(today=today, acting_user=None)

    assert {u.username for u in disabled} == {"referrer-a", "never-signed-in"}
    world.referrer_a.refresh_from_db()
    assert not world.referrer_a.is_active
    assert world.referrer_a.disabled_reason == DisabledReason.INACTIVITY
    assert world.referrer_a.status == "Disabled for inactivity"
    assert User.objects.get(username="system").is_service_account
    notice = Notification.objects.get(kind="accounts.disabled_inactive")
    assert notice.recipient == world.spoc_a
    assert "referrer-a" in notice.body and "90 days" in notice.body


def test_89_days_unused_is_not_yet_disabled(world, ninety_days):
    today = date(2026, 9, 1)
    for user in User.objects.all():
        _used(user, timezone.make_aware(datetime(2026, 6, 4, 9)))
    assert services.users_disable_inactive(today=today, acting_user=None) == []


def test_running_again_disables_and_sends_nothing_more(world, ninety_days):
    start = timezone.make_aware(datetime(2026, 1, 1, 9))
    for user in User.objects.all():
        _used(user, start)
    first = services.users_disable_inactive(today=date(2026, 6, 1), acting_user=None)
    assert first
    sent = Notification.objects.count()
    assert services.users_disable_inactive(today=date(2026, 6, 1), acting_user=None) == []
    assert services.users_disable_inactive(today=date(2026, 6, 2), acting_user=None) == []
    assert Notification.objects.count() == sent


def test_switching_an_account_on_again_restarts_the_clock(client, world, ninety_days):
    start = timezone.make_aware(datetime(2026, 1, 1, 9))
    _used(world.referrer_a, start)
    with time_machine.travel(start + timedelta(days=100)):
        services.users_disable_inactive(today=timezone.localdate(), acting_user=None)
        world.referrer_a.refresh_from_db()
        assert not world.referrer_a.is_active
        world.referrer_a.is_active = True
        services.user_status_changed(user=world.referrer_a)
        world.referrer_a.save()
    with time_machine.travel(start + timedelta(days=101)):
        disabled = services.users_disable_inactive(today=timezone.localdate(), acting_user=None)
    assert world.referrer_a not in disabled


def test_daily_task_and_command_disable_as_the_system_account(world, ninety_days):
    start = timezone.make_aware(datetime(2026, 1, 1, 9))
    for user in User.objects.all():
        _used(user, start + timedelta(days=60))
    _used(world.referrer_b, start)
    with time_machine.travel(start + timedelta(days=95)):
        assert disable_inactive() == 1
    entry = LogEntry.objects.get_for_object(world.referrer_b).latest("pk")
    assert entry.actor.username == "system"

    out = StringIO()
    call_command("accounts_disable_inactive", "--today", "2026-06-15", stdout=out)
    assert "account(s) unused for 90 days disabled" in out.getvalue()
    assert User.objects.filter(is_active=True, is_service_account=False).count() == 0
