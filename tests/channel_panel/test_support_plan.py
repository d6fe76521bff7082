"""The support plan: actions owned by an agency or an Intervention Provider, contacts that
move the next contact on, and two people editing one action without losing either's work."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from channel_panel import services
from channel_panel.models import InterventionProvider, SupportAction, SupportType
from prevent_portal.core.concurrency import StaleEdit
from referrals.models import ChronologyEntry
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def case(world):
    return factories.channel_case(world.agency_a, world.spoc_a)


@pytest.fixture
def mentoring():
    return SupportType.objects.get(code="ideological-mentoring")


@pytest.fixture
def provider():
    return InterventionProvider.objects.create(code="fictional-mentors", name="Fictional Mentors")


def add(case, user, support_type, **kwargs):
    kwargs.setdefault("description", "Weekly mentoring sessions")
    return services.support_action_add(
        case=case, support_type=support_type, acting_user=user, **kwargs
    )


def test_an_action_is_owned_by_an_agency_or_a_provider_not_both(world, case, mentoring, provider):
    with pytest.raises(ValueError, match="an agency or an Intervention Provider"):
        add(case, world.spoc_a, mentoring)
    with pytest.raises(ValueError, match="an agency or an Intervention Provider"):
        add(case, world.spoc_a, mentoring, owner_agency=world.agency_a, owner_provider=provider)
    action = add(case, world.spoc_a, mentoring, owner_provider=provider)
    assert action.owner_name == "Fictional Mentors"
    entry = case.referral.chronology.get(kind=ChronologyEntry.Kind.SUPPORT_PLAN)
    assert entry.text.startswith("Support action added: Ideological mentoring, owned by Fictional")


def test_a_contact_moves_the_next_contact_on_and_activates_the_action(
    world, case, mentoring, provider
):
    today = timezone.localdate()
    action = add(case, world.spoc_a, mentoring, owner_provider=provider, next_contact_due=today)
    services.support_contact_record(
        action=action,
        contact_on=today,
        notes="Met at the library; engaging well",
        next_contact_due=today + timedelta(days=14),
        acting_user=world.spoc_a,
    )
    action.refresh_from_db()
    assert action.last_contact_on == today
    assert action.next_contact_due == today + timedelta(days=14)
    assert action.status == SupportAction.Status.ACTIVE
    entry = case.referral.chronology.get(kind=ChronologyEntry.Kind.CONTACT)
    assert "Met at the library; engaging well" in entry.text


def test_an_earlier_contact_recorded_late_does_not_move_the_last_contact_back(
    world, case, mentoring, provider
):
    today = timezone.localdate()
    action = add(case, world.spoc_a, mentoring, owner_provider=provider)
    for day in (today, today - timedelta(days=7)):
        services.support_contact_record(
            action=action,
            contact_on=day,
            notes="Contact",
            next_contact_due=None,
            acting_user=world.spoc_a,
        )
    action.refresh_from_db()
    assert action.last_contact_on == today


def test_no_contact_on_a_completed_action(world, case, mentoring, provider):
    action = add(
        case,
        world.spoc_a,
        mentoring,
        owner_provider=provider,
        status=SupportAction.Status.COMPLETED,
    )
    with pytest.raises(ValueError, match="planned or active"):
        services.support_contact_record(
            action=action,
            contact_on=timezone.localdate(),
            notes="Contact",
            next_contact_due=None,
            acting_user=world.spoc_a,
        )


def test_an_action_is_overdue_only_while_open_and_past_its_next_contact(
    world, case, mentoring, provider
):
    today = date(2026, 11, 20)
    action = add(
        case,
        world.spoc_a,
        mentoring,
        owner_provider=provider,
        next_contact_due=date(2026, 11, 19),
    )
    assert action.is_overdue(today)
    assert not action.is_overdue(date(2026, 11, 19))
    action.status = SupportAction.Status.STOPPED
    assert not action.is_overdue(today)


def test_an_update_based_on_an_old_version_saves_nothing(world, case, mentoring, provider):
    action = add(case, world.spoc_a, mentoring, owner_provider=provider)
    seen = action.version
    fields = {
        "support_type": mentoring,
        "owner_agency": None,
        "owner_provider": provider,
        "status": SupportAction.Status.ACTIVE,
        "next_contact_due": None,
    }
    services.support_action_update(
        action=SupportAction.objects.get(pk=action.pk),
        description="First editor's words",
        expected_version=seen,
        acting_user=world.spoc_a,
        **fields,
    )
    with pytest.raises(StaleEdit):
        services.support_action_update(
            action=SupportAction.objects.get(pk=action.pk),
            description="Second editor's words",
            expected_version=seen,
            acting_user=world.coordinator,
            **fields,
        )
    action.refresh_from_db()
    assert action.description == "First editor's words"


def _action_form(action, description, version):
    return {
        "support_type": action.support_type_id,
        "description": description,
        "owner_agency": "",
        "owner_provider": action.owner_provider_id,
        "status": "active",
        "next_contact_due": "",
        "version": version,
    }


def test_second_editor_of_an_action_gets_a_conflict_and_keeps_their_input(
    client, world, case, mentoring, provider
):
    action = add(case, world.spoc_a, mentoring, owner_provider=provider)
    url = f"/panel/cases/{case.pk}/support-plan/{action.pk}/"
    # Both open the form and see the same version; the case manager saves first.
    sign_in(client, world.spoc_a)
    first = client.post(url, _action_form(action, "Fortnightly sessions", action.version))
    assert first.status_code == 302
    client.logout()
    sign_in(client, world.coordinator)
    second = client.post(url, _action_form(action, "Monthly sessions instead", action.version))
    assert second.status_code == 200
    html = second.content.decode()
    assert "Someone else changed this record while you were editing it" in html
    assert "Monthly sessions instead" in html  # their input, back in the form
    action.refresh_from_db()
    assert action.description == "Fortnightly sessions"


def _exit_form(reason, version, notes):
    return {
        "reason": reason.pk,
        "exited_on": timezone.localdate().strftime("%d/%m/%Y"),
        "notes": notes,
        "return_ownership_to": "",
        "version": version,
    }


def test_second_person_recording_an_exit_gets_a_conflict_and_keeps_their_input(client, world, case):
    from django.test import Client

    from channel_panel.models import ExitReason

    reason = ExitReason.objects.get(code="risk-reduced")
    factories.exit_agreed(case, world.chair)
    url = f"/panel/cases/{case.pk}/exit/"
    check = f"/panel/cases/{case.pk}/exit/check/"
    seen = case.version
    sign_in(client, world.spoc_a)
    other = Client()
    sign_in(other, world.coordinator)
    # Both reach "Check your answers" with the version they saw; the SPOC confirms first.
    assert client.post(url, _exit_form(reason, seen, "Risk reduced")).status_code == 302
    assert other.post(url, _exit_form(reason, seen, "Coordinator's exit notes")).status_code == 302
    assert client.post(check).status_code == 302
    second = other.post(check)
    assert second.status_code == 200
    html = second.content.decode()
    assert "Someone else changed this record" in html
    assert "Coordinator&#x27;s exit notes" in html
    case.refresh_from_db()
    assert case.exit_notes == "Risk reduced"
    # Starting again from the old form is refused at the first step too.
    again = other.post(url, _exit_form(reason, seen, "Coordinator's exit notes"))
    assert "Someone else changed this record" in again.content.decode()
    assert case.reviews.count() == 2  # scheduled once, by the first exit only


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_exits_at_once_the_second_is_told_and_the_reviews_are_scheduled_once():
    """The exit's row lock: the second exit, based on the same version, waits for the first
    and is then refused as stale (the lifecycle check does not run on what it read before)."""
    from channel_panel.models import ChannelCase, ExitReason
    from tests.concurrency import while_uncommitted
    from tests.conftest import build_world

    world = build_world()
    case = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(case, world.chair)
    seen = ChannelCase.objects.get(pk=case.pk).version

    def exit_as(user, notes):
        services.case_exit(
            case=ChannelCase.objects.get(pk=case.pk),
            reason=ExitReason.objects.get(code="risk-reduced"),
            notes=notes,
            exited_on=case.adopted_on,
            expected_version=seen,
            acting_user=user,
        )

    met = while_uncommitted(
        lambda: exit_as(world.spoc_a, "First"), lambda: exit_as(world.coordinator, "Second")
    )
    outcome = [type(met).__name__ if met else "saved"]
    assert outcome == ["StaleEdit"]
    case.refresh_from_db()
    assert (case.exit_notes, case.reviews.count()) == ("First", 2)
