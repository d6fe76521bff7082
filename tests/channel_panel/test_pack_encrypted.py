"""The panel pack PDF leaves the system as an AES-encrypted zip (security finding F15): the
password is shown once on a page of its own, never sent with the file, and the zip cannot
be opened without it."""

import io
import zipfile

import pytest
from auditlog.models import LogEntry

from tests import encrypted_downloads
from tests.channel_panel.test_meetings import (  # noqa: F401
    agenda,
    client_for,
    panel,
    url,
)


def test_the_pack_pdf_download_is_an_encrypted_zip(world, panel, agenda):  # noqa: F811
    client = client_for(world.panel_a)
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    page = client.get(url("pack_pdf", panel.pk))
    password = encrypted_downloads.password_shown(page)
    assert page["Content-Type"].startswith("text/html")
    # The page shows a password and nothing from the pack, and opens nothing yet.
    assert "Orla Brindle" not in page.content.decode()
    assert not LogEntry.objects.filter(additional_data__view="channel_panel:pack_pdf").exists()
    response = client.get(url("pack_pdf", panel.pk), {"download": "1"})
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    assert password.encode() not in response.content
    (name,) = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert name.endswith(".pdf")
    with pytest.raises(RuntimeError, match="password"):
        zipfile.ZipFile(io.BytesIO(response.content)).read(name)
    with pytest.raises(RuntimeError, match="Bad password"):
        encrypted_downloads.unlock(response.content, "NOT-THE-PASSWORD")
    pdf = encrypted_downloads.unlock(response.content, password)[name]
    assert pdf.startswith(b"%PDF")


def test_each_password_is_shown_once_and_serves_one_download(world, panel, agenda):  # noqa: F811
    client = client_for(world.panel_a)
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    first = encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    second = encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    assert first != second  # asking again gives a new password, never the old one again
    assert client.get(url("pack_pdf", panel.pk), {"download": "1"})["Content-Type"] == (
        "application/zip"
    )
    # The password has been used, and the PDF with it (issue 18: it is kept nowhere once
    # downloaded): the link alone shows no file and no password, but "prepare it again".
    again = client.get(url("pack_pdf", panel.pk), {"download": "1"})
    assert again["Content-Type"].startswith("text/html")
    assert b"download-password" not in again.content
    assert "Prepare the PDF of the pack" in again.content.decode()
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    third = encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    assert third not in {first, second}


def test_someone_outside_the_meeting_gets_no_password(world, panel, agenda):  # noqa: F811
    response = client_for(world.spoc_b).get(url("pack_pdf", panel.pk))
    assert response.status_code == 403
    assert b"download-password" not in response.content
