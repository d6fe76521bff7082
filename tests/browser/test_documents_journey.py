"""Documents in Chromium: the Coordinator uploads a clean PDF to a referral (after seeing the
form's errors), downloads it; agency A's SPOC downloads it too; agency B's SPOC gets 404; the
EICAR test file is refused by the real clamd. axe runs on every page opened.

Also DOCUMENT_PAGES, how the page walk (test_pages.py) reaches the documents pages.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from channel_panel.models import ChannelCase, PanelMeeting
from documents.models import Document
from documents.services import document_upload
from referrals.models import InformationRequest
from tests import factories
from tests.browser.pages import assert_page_is_usable
from tests.documents import files


def _referral(scene) -> dict:
    return {"pk": scene.referral.pk}


def _case(scene) -> dict:
    world = scene.world
    case = ChannelCase.objects.filter(lead_agency=world.agency_a).first()
    return {"pk": (case or factories.channel_case(world.agency_a, world.spoc_a)).pk}


def _meeting(scene) -> dict:
    return {"pk": (PanelMeeting.objects.first() or factories.meeting(scene.world.chair)).pk}


def _request(scene) -> dict:
    world = scene.world
    asked = InformationRequest.objects.filter(
        agency=world.agency_a, status=InformationRequest.Status.OPEN
    ).first() or InformationRequest.objects.create(
        referral=scene.referral,
        agency=world.agency_a,
        question="Is the person known to you?",
        due_on=scene.referral.received_on + timedelta(days=3650),
        requested_by=world.coordinator,
    )
    return {"pk": asked.pk}


def _document(scene) -> dict:
    document = Document.objects.filter(status=Document.Status.CLEAN).first() or document_upload(
        record=scene.referral,
        upload=SimpleUploadedFile("form.pdf", files.PDF),
        title="Walked document",
        reason="The page walk",
        acting_user=scene.world.coordinator,
    )
    return {"pk": document.pk}


# url name -> (persona, heading, kwargs, download content type) for the page walk.
DOCUMENT_PAGES = {
    "documents:referral_upload": ("coordinator", "Add a document", _referral, ""),
    "documents:case_upload": ("spoc_a", "Add a document", _case, ""),
    "documents:meeting_upload": ("coordinator", "Add a document", _meeting, ""),
    "documents:request_upload": ("spoc_a", "Add a document", _request, ""),
    "documents:download": ("coordinator", "", _document, "application/pdf"),
    "documents:delete": ("coordinator", "Delete the document", _document, ""),
}


def _upload(page, name: str, content: bytes) -> None:
    page.get_by_label("Title").fill("Referral form from the school")
    page.get_by_label("Why are you adding this document?").fill("Sent with the referral")
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    page.get_by_role("button", name="Upload the document").click()


@pytest.mark.browser
def test_upload_download_and_refusals(open_page, browsing, world, clamd):
    referral = factories.referral(world.agency_a)
    page = open_page(world.coordinator)
    page.goto(reverse("referrals:detail", args=[referral.pk]))
    page.get_by_role("button", name="Add a document").click()
    assert_page_is_usable(page, browsing, "Add a document")
    expect(page.locator("main")).to_contain_text("checked for viruses")

    # Nothing filled in: every error, in the GOV.UK summary.
    page.get_by_role("button", name="Upload the document").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select a file to upload")
    assert_page_is_usable(page, browsing, "Add a document")

    # The EICAR test file: refused by clamd, and said so.
    _upload(page, "eicar.pdf", files.EICAR)
    expect(summary).to_contain_text("contains a virus and was not uploaded")
    assert Document.objects.get().status == Document.Status.INFECTED

    _upload(page, "form.pdf", files.PDF)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Document uploaded")
    table = page.get_by_role("table", name="Documents")
    expect(table).to_contain_text("Referral form from the school")
    with page.expect_download() as download:
        table.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "form.pdf"
    assert Path(download.value.path()).read_bytes() == files.PDF
    url = reverse("documents:download", args=[Document.objects.get(status="clean").pk])

    # Agency A's SPOC sees the referral, so the document; agency B's SPOC does not.
    allowed = open_page(world.spoc_a).request.get(url)
    assert allowed.status == 200 and allowed.body() == files.PDF
    assert allowed.headers["x-content-type-options"] == "nosniff"
    other = open_page(world.spoc_b)
    assert other.goto(url).status == 404
