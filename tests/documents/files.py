"""Small files of each kind, made in the test, and the EICAR test file.

The EICAR string is put together from two halves here, so that no file in the repository is
itself the test virus a scanner on a developer's machine would flag.
"""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 40
EML = (
    b"From: worker@school.example\r\nTo: coordinator@council.example\r\n"
    b"Subject: Referral form\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n\r\nSee attached.\r\n"
)
MSG = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\x00" * 504
    + "__substg1.0_0037001F".encode("utf-16-le")
    + b"\x00" * 64
)
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024  # a legacy Word file, say
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
PLAIN_ZIP = _zip({"notes.txt": "hello"})

BY_KIND = {
    "pdf": ("form.pdf", PDF),
    "docx": ("report.docx", DOCX),
    "xlsx": ("figures.xlsx", XLSX),
    "png": ("scan.png", PNG),
    "jpeg": ("photo.jpg", JPEG),
    "eml": ("message.eml", EML),
    "msg": ("message.msg", MSG),
}


def upload(name: str = "form.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
