"""The accessibility statement (issue 17): public, in the shape the Public Sector Bodies
Accessibility Regulations 2018 ask for, and true to the checks the tests run."""

from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
from django.utils import dateformat, timezone

from prevent_portal.core import accessibility

# What the regulations (and the GOV.UK model statement) ask a statement to cover.
SECTIONS = [
    "Compliance status",
    "Non-accessible content",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Preparation of this accessibility statement",
]


def test_anyone_signed_out_can_read_it_from_the_footer(client):
    sign_in_page = client.get("/accounts/sign-in/", follow=True).content.decode()
    assert 'href="/accessibility/">Accessibility statement</a>' in sign_in_page
    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in SECTIONS:
        assert re.search(rf"<h[23][^>]*>{re.escape(heading)}</h[23]>", html), heading
    assert "partially compliant" in html
    assert "Equality Advisory and Support Service" in html
    assert "Equality and Human Rights Commission" in html


def test_it_gives_the_councils_contact_and_reply_time(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@borough.example"
    settings.ACCESSIBILITY_RESPONSE_WORKING_DAYS = 5
    html = client.get("/accessibility/").content.decode()
    assert 'href="mailto:access@borough.example"' in html
    assert "reply within 5 working days" in html


def test_it_says_when_and_how_it_was_last_tested(client):
    html = client.get("/accessibility/").content.decode()
    tested = dateformat.format(accessibility.LAST_TESTED, "j F Y")
    assert f'<span id="last-tested">{tested}</span>' in html
    assert f"axe-core {accessibility.AXE_CORE_VERSION}" in html
    assert accessibility.PREPARED <= accessibility.LAST_TESTED <= timezone.localdate()


def test_the_axe_core_it_names_is_the_one_the_browser_tests_run():
    """Upgrading axe-playwright-python changes the checks: the statement must follow."""
    bundled = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    version = re.match(r"/\*! axe v(\d+\.\d+)", bundled.read_text()[:40]).group(1)
    assert version == accessibility.AXE_CORE_VERSION
