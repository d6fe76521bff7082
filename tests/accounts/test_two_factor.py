"""The second-factor check is one helper (prevent_portal/accounts/two_factor.py), and every
place that used to write it out still refuses a session that has given a password but not
its second factor. Found in a re-read of issue 18's work: the check was written out in six
places, and they differed (only the admin's asked whether the account was active)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from prevent_portal.accounts.two_factor import second_factor_verified
from prevent_portal.core.context_processors import service
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

APPS = ["prevent_portal", "referrals", "channel_panel", "governance", "training", "documents"]
HELPER = Path("prevent_portal/accounts/two_factor.py")


def test_only_the_helper_asks_django_otp_whether_a_session_is_verified():
    root = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root)
            if relative == HELPER or "migrations" in relative.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                is_attr = isinstance(node, ast.Attribute) and node.attr == "is_verified"
                is_name = isinstance(node, ast.Constant) and node.value == "is_verified"
                if is_attr or is_name:
                    found.append(f"{relative}:{node.lineno}")
    assert found == [], f"Ask accounts.two_factor.second_factor_verified instead: {found}"


def _password_only(client, user):
    """Signed in with a password, the second factor not given."""
    client.force_login(user)


def test_every_former_place_refuses_a_password_only_session(client, rf, world):
    user = world.sysadmin
    _password_only(client, user)
    # The middleware guarding every view: sent to the second factor.
    home = client.get(reverse("core:home"))
    assert home.status_code == 302 and home.url == reverse("accounts:second_factor")
    # The sign-in page does not send the person home as signed in.
    assert client.get(reverse("accounts:sign_in")).status_code == 200
    # The second-factor page asks for the code.
    code_page = client.get(reverse("accounts:second_factor"))
    assert code_page.status_code == 200 and b"security code" in code_page.content.lower()
    # The set-up page does not send the person home (they have an authenticator: to the code).
    set_up = client.get(reverse("accounts:set_up_authenticator"))
    assert set_up.url == reverse("accounts:second_factor")
    # The template context: no navigation, no search box.
    request = rf.get("/")
    request.user = client.get(reverse("accounts:sign_in")).wsgi_request.user
    assert service(request)["signed_in"] is False
    # Django admin's own gate.
    assert admin.site.has_permission(request) is False
    assert client.get("/admin/").status_code == 302


def test_the_same_places_let_a_verified_session_through(client, rf, world):
    user = world.sysadmin
    sign_in(client, user)
    assert client.get(reverse("core:home")).status_code == 200
    for name in ("accounts:sign_in", "accounts:second_factor", "accounts:set_up_authenticator"):
        assert client.get(reverse(name)).url == reverse("core:home"), name
    request = rf.get("/")
    request.user = client.get(reverse("core:home")).wsgi_request.user
    assert service(request)["signed_in"] is True
    assert admin.site.has_permission(request) is True


def test_an_inactive_or_anonymous_user_is_never_verified(world):
    from django.contrib.auth.models import AnonymousUser

    assert second_factor_verified(None) is False
    assert second_factor_verified(AnonymousUser()) is False
    user = world.coordinator
    user.is_verified = lambda: True
    assert second_factor_verified(user) is True
    user.is_active = False
    assert second_factor_verified(user) is False
