"""Sign-in hardening: password then TOTP, lockout, replay, session limits, sign-out."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import approvals, enrolment, services
from prevent_portal.core.middleware import SESSION_SEEN, SESSION_STARTED
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD

SIGN_IN = "/sign-in/"
CODE = "/sign-in/security-code/"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_step(client, username, password=TEST_PASSWORD, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


@pytest.fixture(autouse=True)
def _real_axes(settings):
    settings.AXES_FAILURE_LIMIT = 3


def test_password_then_security_code_signs_in(client, world):
    response = password_step(client, "spoc-a")
    assert response.status_code == 302 and response.url == CODE
    # A password alone opens nothing.
    assert client.get("/referrals/").status_code == 302
    device = TOTPDevice.objects.get(user=world.spoc_a)
    response = client.post(CODE, {"token": current_code(device)})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/referrals/").status_code == 200


def test_wrong_password_shows_govuk_error_summary(client, world):
    response = password_step(client, "spoc-a", "not the password")
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Enter a correct username and password" in content
    assert "<title>Error: " in content


def test_lockout_after_repeated_failures_even_with_right_password(client, world):
    for _ in range(3):
        password_step(client, "spoc-a", "wrong password")
    response = password_step(client, "spoc-a")
    assert response.status_code == 429
    assert b"Too many attempts to sign in" in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, world):
    for _ in range(3):
        password_step(client, "spoc-a", "wrong password")
    # Another account from the same address is not locked out.
    assert password_step(client, "spoc-b").status_code == 302
    # The same account from another address is not locked out either.
    other = client.__class__()
    assert password_step(other, "spoc-a", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_totp_code_cannot_be_replayed(client, world):
    device = TOTPDevice.objects.get(user=world.spoc_a)
    code = current_code(device)
    password_step(client, "spoc-a")
    assert client.post(CODE, {"token": code}).status_code == 302
    client.post(reverse("accounts:sign_out"))

    password_step(client, "spoc-a")
    response = client.post(CODE, {"token": code})
    assert response.status_code == 200
    assert b"wrong or has already been used" in response.content
    assert client.get("/referrals/").status_code == 302


def test_first_sign_in_requires_setting_up_an_authenticator(client, world):
    TOTPDevice.objects.filter(user=world.spoc_a).delete()
    link = enrolment.enrolment_link_send(user=world.spoc_a, acting_user=world.sysadmin)
    client.get(reverse("accounts:enrol", args=[link.token]))
    password_step(client, "spoc-a")
    response = client.get(CODE)
    assert response.status_code == 302 and response.url == "/sign-in/set-up-authenticator/"
    page = client.get(response.url)
    assert b"Setup key" in page.content
    assert client.get("/").status_code == 302  # nothing else until it is set up
    device = TOTPDevice.objects.get(user=world.spoc_a, confirmed=False)
    response = client.post("/sign-in/set-up-authenticator/", {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_idle_session_expires_after_30_minutes(client, world):
    sign_in(client, world.spoc_a)
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "timeout=idle" in response.url
    assert client.get("/").status_code == 302
    page = client.get(response.url)
    assert b"did nothing for 30 minutes" in page.content


def test_activity_keeps_session_alive_but_not_past_12_hours(client, world):
    sign_in(client, world.spoc_a)
    client.get("/")
    session = client.session
    session[SESSION_STARTED] = time.time() - 12 * 3600 - 60
    session[SESSION_SEEN] = time.time() - 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "timeout=absolute" in response.url


def test_sign_out_ends_the_session_on_the_server(client, world):
    sign_in(client, world.spoc_a)
    client.get("/")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("accounts:sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets nowhere.
    client.cookies["sessionid"] = key
    assert client.get("/").status_code == 302


def test_deactivation_ends_every_session(client, world):
    sign_in(client, world.spoc_a)
    assert client.get("/").status_code == 200
    services.user_deactivate(user=world.spoc_a, acting_user=world.sysadmin)
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, world):
    response = client.post(
        f"{SIGN_IN}?next=https://evil.example/", {"username": "spoc-a", "password": TEST_PASSWORD}
    )
    device = TOTPDevice.objects.get(user=world.spoc_a)
    response = client.post(CODE, {"token": current_code(device)})
    assert response.url == "/"


def test_users_are_never_deleted(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        world.spoc_a.delete()


def test_authenticator_reset_signs_out_and_forces_new_set_up(client, world):
    sign_in(client, world.spoc_a)
    assert client.get("/").status_code == 200
    change = services.user_authenticator_reset(user=world.spoc_a, acting_user=world.sysadmin)
    approvals.change_request_approve(change=change, acting_user=world.coordinator)
    assert client.get("/").status_code == 302
    password_step(client, "spoc-a")
    response = client.get(CODE)
    assert response.url == "/sign-in/set-up-authenticator/"


def test_half_signed_in_user_can_cancel_and_sign_out(client, world):
    password_step(client, "spoc-a")
    page = client.get(CODE)
    assert b"Cancel and sign out" in page.content
    client.post(reverse("accounts:sign_out"))
    assert "_auth_user_id" not in client.session
