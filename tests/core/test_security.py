"""Security defaults a user or attacker would notice: headers, caching, admin, settings."""

import pytest
from django.contrib import admin
from django.urls import reverse

from prevent_portal.accounts.models import Agency, Membership, Sector, User
from referrals.models import Person, Referral, ReferralGroupGrant, ReferralUserGrant
from tests import factories
from tests.conftest import sign_in


def test_pages_with_personal_data_are_not_cached_and_cannot_be_framed(client, world):
    ref = factories.referral(world.agency_a)
    sign_in(client, world.spoc_a)
    response = client.get(f"/referrals/{ref.pk}/")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_scripts(client, world):
    sign_in(client, world.coordinator)
    content = client.get("/").content.decode()
    assert "<script>" not in content and "<script " in content
    assert 'type="module"' in content


def test_session_and_csrf_cookies_are_http_only(client, world):
    client.get("/sign-in/")
    response = client.post("/sign-in/", {"username": "spoc-a", "password": "x"})
    assert response.status_code == 200
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


def test_admin_offers_configuration_only():
    registered = set(admin.site._registry)
    # Accounts, roles and council sign-ins are run on the service's own pages (issue 16).
    for model in [Referral, Person, ReferralUserGrant, ReferralGroupGrant, User, Membership]:
        assert model not in registered
    assert {Agency, Sector} <= registered


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}])
def test_admin_is_closed_to_staff_and_superusers_without_the_administrator_role(
    client, rf, world, flags
):
    """``is_staff`` (Django's own gate) or superuser status set in a shell, or left on an
    account whose administrator role ended, opens nothing: the middleware answers 404 and
    the admin site itself asks for the role (admin_site.py), whichever is reached."""
    for user in (world.coordinator, world.no_role):
        type(user).objects.filter(pk=user.pk).update(**flags)
        user.refresh_from_db()
        sign_in(client, user)
        for path in ("/admin/", reverse("admin:accounts_agency_changelist")):
            assert client.get(path).status_code == 404
        request = rf.get("/admin/")
        request.user = user
        user.is_verified = lambda: True
        assert admin.site.has_permission(request) is False
    # The administrator with a verified second factor enters; without one, not.
    request = rf.get("/admin/")
    request.user = world.sysadmin
    world.sysadmin.is_verified = lambda: True
    assert admin.site.has_permission(request) is True
    world.sysadmin.is_verified = lambda: False
    assert admin.site.has_permission(request) is False


@pytest.mark.parametrize("persona", ["coordinator", "spoc_a", "manager", "chair"])
def test_admin_is_hidden_from_agency_users(client, world, persona):
    sign_in(client, world.persona(persona))
    assert client.get("/admin/").status_code == 404


def test_sysadmin_manages_agencies_but_sees_no_case_content(client, world):
    ref = factories.referral(world.agency_a)
    sign_in(client, world.sysadmin)
    assert client.get(reverse("admin:accounts_agency_changelist")).status_code == 200
    assert client.get(f"/referrals/{ref.pk}/").status_code == 404
    assert client.get("/referrals/").status_code == 403


def test_superuser_flag_grants_no_case_sight(world):
    world.sysadmin.is_superuser = True
    world.sysadmin.save()
    factories.referral(world.agency_a)
    assert Referral.objects.visible_to(world.sysadmin).count() == 0


def test_only_the_coordinator_role_holds_model_wide_view_rights(world):
    from django.contrib.auth.models import Group

    holders = set(
        Group.objects.filter(
            permissions__codename__in=["view_referral", "view_person"]
        ).values_list("name", flat=True)
    )
    assert holders == {"role:coordinator"}


def test_healthz_is_open_and_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
