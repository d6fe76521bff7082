"""Fetching the encrypted downloads (panel pack, subject access) as a person does: read the
password off the page that shows it, then download and unlock the zip."""

from __future__ import annotations

import io
import re

import pyzipper
from django.urls import reverse

PASSWORD = re.compile(r'id="download-password"><code>([^<]+)</code>')


def password_shown(response) -> str:
    assert response.status_code == 200, response.status_code
    return PASSWORD.search(response.content.decode()).group(1)


def unlock(content: bytes, password: str) -> dict[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(password.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def pack_pdf_prepared(client, meeting_pk: int) -> None:
    """Ask for the reader's pack PDF, and let the worker's sweep build it (issue 18)."""
    from channel_panel.services import pack_pdf_sweep

    response = client.post(reverse("channel_panel:pack_pdf_prepare", args=[meeting_pk]))
    assert response.status_code == 302, response.status_code
    pack_pdf_sweep()


def pack_pdf(client, meeting_pk: int):
    """(the zip's response, the PDF in it) for the signed-in client: asked for, built in the
    background, then the password read off its page and the zip downloaded."""
    url = reverse("channel_panel:pack_pdf", args=[meeting_pk])
    pack_pdf_prepared(client, meeting_pk)
    password = password_shown(client.get(url))
    response = client.get(url, {"download": "1"})
    assert response.status_code == 200, response.status_code
    (pdf,) = unlock(response.content, password).values()
    return response, pdf
