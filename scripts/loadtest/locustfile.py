"""Load test: the four roles' everyday journeys, each simulated user signed in with its own
account (password and TOTP code), against a server on 127.0.0.1 only. Run by run.sh."""

import hashlib
import hmac
import json
import random
import re
import struct
import threading
import time
from pathlib import Path

from locust import HttpUser, between, task

ACCOUNTS_FILE = Path(__file__).resolve().parents[2] / "var" / "loadtest" / "accounts.json"
ACCOUNTS = json.loads(ACCOUNTS_FILE.read_text())
_next = iter(ACCOUNTS["accounts"])
_lock = threading.Lock()
TARGETS = ACCOUNTS["targets"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(key_hex: str, *, step: int = 30, digits: int = 6) -> str:
    """RFC 6238, as django-otp's TOTPDevice computes it (SHA-1, t0 = 0)."""
    counter = struct.pack(">Q", int(time.time()) // step)
    mac = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def pick(items):
    return random.choice(items)  # noqa: S311 - which page to open, not a secret


class PortalUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        with _lock:
            self.account = next(_next)
        self.journey = self.account["journey"]
        self.post_form(
            "/sign-in/",
            "sign in",
            {
                "username": self.account["username"],
                "password": ACCOUNTS["password"],
            },
        )
        token = {"token": totp(self.account["key"])}
        self.post_form("/sign-in/security-code/", "security code", token)

    def post_form(self, path, name, data):
        page = self.client.get(path, name=f"{name} (form)")
        token = CSRF.search(page.text)
        with self.client.post(
            path,
            data={"csrfmiddlewaretoken": token[1] if token else "", **data},
            headers={"Referer": self.host + path},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name} answered {response.status_code}")

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{name} answered {r.status_code}")

    @task
    def journey_step(self):
        getattr(self, f"journey_{self.journey}")()

    def journey_coordinator(self):
        """Triage: the queue, a referral's triage page and its record."""
        self.page("/", "home")
        self.page("/referrals/triage/", "triage queue")
        pk = pick(TARGETS["referrals"])
        self.page(f"/referrals/{pk}/triage/", "triage a referral")
        self.page(f"/referrals/{pk}/", "referral detail")
        self.page("/referrals/", "referral list")

    def journey_panel(self):
        """A panel member preparing for the meeting: the meeting, its pack, a case."""
        self.page("/", "home")
        meeting = TARGETS["meeting"]
        self.page(f"/panel/meetings/{meeting}/", "panel meeting")
        self.page(f"/panel/meetings/{meeting}/pack/", "panel pack")
        if TARGETS["cases"]:
            self.page(f"/panel/cases/{pick(TARGETS['cases'])}/", "panel case")

    def journey_spoc(self):
        """An agency lead's training figures."""
        self.page("/", "home")
        self.page("/training/", "training compliance")
        self.page("/training/returns/", "training returns")
        if TARGETS["returns"]:
            self.page(f"/training/returns/{pick(TARGETS['returns'])}/", "training return")

    def journey_manager(self):
        """Aggregates only: the dashboard and the statistics."""
        self.page("/", "home")
        self.page("/governance/dashboard/", "management dashboard")
        self.page("/referrals/statistics/", "referral statistics")
        self.page("/panel/report/", "Channel Panel report")
