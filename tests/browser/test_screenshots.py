"""The council's look: its name in the header, no GOV.UK crown, a navigation bar whose
sign-out button sits with the links. Also the pictures in docs/screenshots/.

The screenshots are written to a temporary folder on every run; to refresh the ones in the
documentation, run with PREVENT_UPDATE_SCREENSHOTS=1:

    PREVENT_UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_screenshots.py"
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"
UPDATE = os.environ.get("PREVENT_UPDATE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1024, "height": 720}


def _save(page, name: str, tmp_path: Path) -> None:
    folder = DOCS if UPDATE else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def _assert_council_header(page) -> None:
    header = page.locator("header .govuk-header")
    council = header.get_by_role("link", name=settings.COUNCIL_NAME)
    expect(council).to_be_visible()
    # The GOV.UK header closes up word gaps for its logotype; a council name keeps them.
    assert council.evaluate("el => getComputedStyle(el).wordSpacing") in {"0px", "normal"}
    expect(header.locator("svg")).to_have_count(0)  # no crown, no GOV.UK logotype
    expect(header).not_to_contain_text("GOV.UK")
    font = page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
    assert font.lower().startswith("arial"), "GDS Transport is for GOV.UK only"


def test_sign_in_page_looks_like_the_councils(open_page, tmp_path):
    page = open_page()
    page.set_viewport_size(VIEWPORT)
    page.goto(reverse("accounts:sign_in"))
    _assert_council_header(page)
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)  # nothing to browse
    _save(page, "sign-in.png", tmp_path)


def test_coordinator_home_page_looks_like_the_councils(open_page, world, tmp_path):
    world.coordinator.first_name, world.coordinator.last_name = "Alex", "Morgan"
    world.coordinator.save(update_fields=["first_name", "last_name"])
    page = open_page(world.coordinator)
    page.set_viewport_size(VIEWPORT)
    page.goto(reverse("core:home"))
    _assert_council_header(page)
    expect(page.locator(".govuk-caption-l")).to_have_text("Alex Morgan")

    nav = page.get_by_role("navigation", name="Menu")
    # Sign out is an account link in the header's top row, not one of the menu's sections.
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator(".govuk-header").get_by_role("button", name="Sign out")).to_be_visible()
    _save(page, "home.png", tmp_path)
