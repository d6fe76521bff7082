"""The client address behind a proxy (issue 14, F4): one helper reads it, for the sign-in
lockout, the access log and the audit log; the lockout keys on username and address and
says how long to wait, as does the security-code slow-down."""

import re
import subprocess
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.core.client_ip import client_ip
from tests import factories
from tests.accounts.test_sign_in import CODE, current_code, password_step
from tests.conftest import sign_in

PROXY = "10.0.0.5"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1


def through_proxy(client_address: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def test_wrong_passwords_from_one_person_do_not_lock_out_the_coordinator(client, world):
    attacker = client.__class__()
    for _ in range(3):
        password_step(attacker, "coordinator", "wrong password", **through_proxy("198.51.100.7"))
    locked = password_step(attacker, "coordinator", **through_proxy("198.51.100.7"))
    assert locked.status_code == 429
    # The Coordinator, at another address behind the same proxy, still signs in.
    response = password_step(client, "coordinator", **through_proxy("203.0.113.20"))
    assert response.status_code == 302 and response.url == CODE
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_lockout_page_says_how_long_to_wait(client, world, settings):
    for _ in range(3):
        password_step(client, "spoc-a", "wrong password", **through_proxy("198.51.100.7"))
    response = password_step(client, "spoc-a", **through_proxy("198.51.100.7"))
    assert response.status_code == 429
    assert "Wait 15 minutes, then try again" in response.content.decode()


def test_addresses_the_client_wrote_are_not_trusted(settings):
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert client_ip(spoofed) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 0
    # No proxy configured: the header is the client's own words and is ignored.
    assert client_ip(spoofed) == PROXY
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(spoofed) == "1.1.1.1"


def test_access_and_audit_entries_record_the_client_not_the_proxy(client, world):
    ref = factories.referral(world.agency_b)
    sign_in(client, world.coordinator)
    client.get(f"/referrals/{ref.pk}/", **through_proxy("203.0.113.20"))
    access = LogEntry.objects.get_for_object(ref).get(action=LogEntry.Action.ACCESS)
    assert access.remote_addr == "203.0.113.20"
    client.post(
        f"/referrals/{ref.pk}/share/",
        {"share_with": "agency", "agency": world.agency_a.pk, "reason": "joint visit"},
        **through_proxy("203.0.113.20"),
    )
    grant = ref.group_grants.get()
    created = LogEntry.objects.get_for_object(grant).get(action=LogEntry.Action.CREATE)
    assert created.remote_addr == "203.0.113.20"


def test_security_code_slow_down_says_how_long_to_wait(client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    password_step(client, "spoc-a")
    client.post(CODE, {"token": "000000"})
    device = TOTPDevice.objects.get(user=world.spoc_a)
    # Even the right code is refused during the slow-down, and the page says so.
    response = client.post(CODE, {"token": current_code(device)})
    content = response.content.decode()
    assert "You have entered too many wrong codes. Wait 1 minute" in content
    assert client.get("/referrals/").status_code == 302


# Reading the address in two places is how the proxy address crept into the lockout and the
# audit: only the helper may read it.
# META keys, and the header name as a string (request.headers["X-Forwarded-For"]).
ADDRESS_READ = re.compile(
    r"\bREMOTE_ADDR\b|\bHTTP_X_FORWARDED_FOR\b|(?i:[\"']x-forwarded-for[\"'])"
)
HELPER = "prevent_portal/core/client_ip.py"


def test_only_the_helper_reads_the_client_address():
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    readers = []
    for name in files:
        if name.startswith("tests/") or name == HELPER:
            continue
        for number, line in enumerate((REPO / name).read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if ADDRESS_READ.search(code):
                readers.append(f"{name}:{number}: {line.strip()}")
    assert readers == [], "Use prevent_portal.core.client_ip.client_ip:\n" + "\n".join(readers)
