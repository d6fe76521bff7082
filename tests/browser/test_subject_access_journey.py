"""A subject access request in Chromium, with axe on every page: the Coordinator opens
"Subject access requests" from the menu, finds the person by another name they are known
by, asks for an export, sees it waiting (the request only queued it), watches the page
refresh itself to "Ready" once the worker's sweep has built it, is shown a password once,
downloads the zip locked with it (an HTML page and a PDF naming the person), and, from a
second tab left open on the same page, is told (410 Gone) when and by whom it was
downloaded.

Also the kwargs helpers the page walk (test_pages.py) uses for these pages.
"""

from __future__ import annotations

import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from governance import services
from governance.models import SubjectAccessExport
from governance.views import subject_access as views
from referrals.models import PersonAlias
from tests import encrypted_downloads, factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu
from tests.governance.records import finished_export


# --- Records for the page walk --------------------------------------------------------------
def no_kwargs(scene) -> dict:
    return {}


def person_kwargs(scene) -> dict:
    return {"pk": scene.referral.person_id}


def export_kwargs(scene) -> dict:
    # Called more than once per visit: the first call makes the export, later ones find it.
    export = SubjectAccessExport.objects.filter(person=scene.referral.person).first()
    return {"pk": (export or finished_export(scene.referral.person, scene.world.coordinator)).pk}


# governance url name -> (persona, h1, kwargs, content type of a download)
SAR_PAGES = {
    "subject_access_list": ("coordinator", "Subject access requests", no_kwargs, ""),
    "subject_access_search": ("coordinator", "Find the person", no_kwargs, ""),
    "subject_access_request": (
        "coordinator",
        "Ask for a subject access export",
        person_kwargs,
        "",
    ),
    "subject_access_detail": ("coordinator", "Request SAR-TEST-1", export_kwargs, ""),
}


def _search_with_nothing(page, scene):
    page.goto(reverse("governance:subject_access_search") + "?name=&postcode=")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name or reference")


def _request_without_reference(page, scene):
    page.goto(reverse("governance:subject_access_request", kwargs=person_kwargs(scene)))
    page.get_by_role("button", name="Ask for the export").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter your reference for the request"
    )


SAR_STATES = {
    "subject_access_search_empty": ("coordinator", _search_with_nothing, "Find the person"),
    "subject_access_request_empty": (
        "coordinator",
        _request_without_reference,
        "Ask for a subject access export",
    ),
}


@pytest.fixture(autouse=True)
def _slow_refresh(monkeypatch):
    """The progress page reloads itself; while axe checks it, it must not."""
    monkeypatch.setattr(views, "REFRESH_SECONDS", 600)


@pytest.mark.browser
def test_coordinator_finds_the_person_and_downloads_their_export_once(
    open_page, browsing, world, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    person = factories.PersonFactory(given_name="Wystan", family_name="Farrowdale")
    PersonAlias.objects.create(person=person, given_name="Wes", family_name="Farrow")
    factories.referral(world.agency_a, person=person, concern_summary="Fictional concern Qxv")

    page = open_page(world.coordinator)
    page.goto("/")
    follow_menu(page, "Subject access requests")
    assert_page_is_usable(page, browsing, "Subject access requests")
    page.get_by_role("button", name="Find a person").click()
    assert_page_is_usable(page, browsing, "Find the person")
    page.get_by_label("Name or referral reference").fill("Wes Farrow")
    page.locator("main").get_by_role("button", name="Search").click()
    expect(page.locator("#people")).to_contain_text("Wystan Farrowdale")
    assert_page_is_usable(page, browsing, "Find the person")
    page.get_by_role("link", name="Ask for an export for Wystan Farrowdale").click()
    assert_page_is_usable(page, browsing, "Ask for a subject access export")
    fill_date(page, "Date the request was received", "2/11/2026")
    page.get_by_label("Your reference for the request").fill("SAR-2026-017")
    page.get_by_role("button", name="Ask for the export").click()

    # Waiting: the request only queued it.
    expect(page.get_by_label("Waiting for the export to start")).to_be_visible()
    assert_page_is_usable(page, browsing, "Request SAR-2026-017")
    export = SubjectAccessExport.objects.get()
    assert export.status == "queued"

    # The worker's sweep builds it; the page refreshes itself to the download.
    monkeypatch.setattr(views, "REFRESH_SECONDS", 1)
    assert page.reload().headers["refresh"] == "1"
    assert services.subject_access_sweep() == 1
    button = page.get_by_role("button", name="Download the export")
    expect(button).to_be_visible(timeout=30_000)
    assert_page_is_usable(page, browsing, "Request SAR-2026-017")
    expect(page.locator("#export-contents")).to_contain_text("Referrals")

    # A second tab left open on the same page, to try again later.
    stale = open_page(world.coordinator)
    stale.goto(reverse("governance:subject_access_detail", args=[export.pk]))

    # First the password, shown once on a page of its own; then the encrypted zip.
    button.click()
    assert_page_is_usable(page, browsing, "Download export SAR-2026-017")
    password = page.locator("#download-password").inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export (encrypted zip file)").click()
    download = download_info.value
    assert download.suggested_filename == f"subject-access-export-{export.pk}.zip"
    saved = tmp_path / "export.zip"
    download.save_as(saved)
    with pytest.raises(RuntimeError):
        zipfile.ZipFile(saved).read(zipfile.ZipFile(saved).namelist()[0])
    files = encrypted_downloads.unlock(saved.read_bytes(), password)
    names = sorted(files)
    html = files[names[0]].decode()
    assert files[names[1]].startswith(b"%PDF")
    assert "Farrowdale" in html and "Fictional concern Qxv" in html

    # Downloaded once: the page says so, and the file is gone.
    page.goto(reverse("governance:subject_access_detail", args=[export.pk]))
    expect(page.locator("#downloaded")).to_contain_text("the file was then deleted")
    expect(page.get_by_role("button", name="Download the export")).to_have_count(0)
    assert_page_is_usable(page, browsing, "Request SAR-2026-017")
    export.refresh_from_db()
    assert export.downloaded_by == world.coordinator and not export.archive

    # The second tab's button: 410 Gone, with when and by whom.
    with stale.expect_response(lambda r: r.request.method == "POST") as answer:
        stale.get_by_role("button", name="Download the export").click()
    assert answer.value.status == 410
    expect(stale.locator("#downloaded")).to_contain_text(f"{export.downloaded_at:%-d %B %Y}")
    assert_page_is_usable(stale, browsing, "This export has already been downloaded")


SAR_POST_ONLY = {
    "governance:subject_access_download": (
        test_coordinator_finds_the_person_and_downloads_their_export_once
    ),
}
