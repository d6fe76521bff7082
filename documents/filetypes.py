"""What an uploaded file is, judged by its content, never by its name or the browser's word.

puremagic (a maintained, pure-Python reading of file signatures) names the candidates from
the first bytes. Containers are then opened far enough to tell their kinds apart: a DOCX and
an XLSX are both ZIP files and an Outlook message is an OLE compound file like a legacy Word
document, so the ZIP's part names and the OLE file's stream names decide. The file's
extension must then agree with what was found: a PDF named ``.docx`` is refused, so nobody
downstream opens a file in the wrong program.
"""

from __future__ import annotations

import email.parser
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

import puremagic


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    kind.code: kind
    for kind in (
        Kind("pdf", "PDF", "application/pdf", (".pdf",)),
        Kind(
            "docx",
            "Word document (DOCX)",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        Kind(
            "xlsx",
            "Excel spreadsheet (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",),
        ),
        Kind("png", "PNG image", "image/png", (".png",)),
        Kind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg")),
        Kind("eml", "e-mail (EML)", "message/rfc822", (".eml",)),
        Kind("msg", "Outlook message (MSG)", "application/vnd.ms-outlook", (".msg",)),
    )
}

HEAD_BYTES = 8192
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Every Outlook message keeps its properties in streams named "__substg1.0_<tag>"; the
# OLE directory stores names in UTF-16.
MSG_STREAM = "__substg1.0_".encode("utf-16-le")
EML_HEADERS = {"from", "date", "subject", "to", "message-id", "received", "mime-version"}


class FileTypeRefused(ValueError):
    """A file whose content is not one of the allowed kinds, or whose name disagrees."""


def _candidates(head: bytes) -> set[str]:
    try:
        found = puremagic.magic_string(head)
    except puremagic.PureError:
        return set()
    return {match.extension.lower() for match in found if match.extension}


def _zip_kind(handle: BinaryIO) -> str | None:
    try:
        names = set(zipfile.ZipFile(handle).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_msg(handle: BinaryIO) -> bool:
    handle.seek(0)
    return MSG_STREAM in handle.read()


def _is_eml(head: bytes) -> bool:
    """Plain text whose first block is RFC 5322 headers, at least two of the usual ones."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    if "\x00" in text:
        return False
    headers = email.parser.HeaderParser().parsestr(text, headersonly=True)
    return len({name.lower() for name in headers} & EML_HEADERS) >= 2


def detect(handle: BinaryIO) -> Kind | None:
    """The kind of the file in ``handle`` (any of KINDS), or None."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    candidates = _candidates(head)
    kind = None
    if head.startswith(b"%PDF-") and ".pdf" in candidates:
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n") and ".png" in candidates:
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff") and ".jpg" in candidates:
        kind = "jpeg"
    elif head.startswith(b"PK\x03\x04") and candidates & {".docx", ".xlsx"}:
        handle.seek(0)
        kind = _zip_kind(handle)
    elif head.startswith(OLE_MAGIC):
        kind = "msg" if _is_msg(handle) else None
    elif ".eml" in candidates and _is_eml(head):
        kind = "eml"
    handle.seek(0)
    return KINDS.get(kind) if kind else None


def allowed_kinds(codes) -> list[Kind]:
    return [KINDS[code] for code in codes if code in KINDS]


def check(handle: BinaryIO, name: str, allowed) -> Kind:
    """The file's kind if it is allowed and its name's extension agrees; FileTypeRefused
    (with a message for the person uploading) otherwise."""
    kinds = allowed_kinds(allowed)
    labels = ", ".join(kind.label for kind in kinds)
    kind = detect(handle)
    if kind is None or kind.code not in allowed:
        raise FileTypeRefused(f"The file must be one of: {labels}")
    if PurePath(name).suffix.lower() not in kind.extensions:
        raise FileTypeRefused(
            f"The file is a {kind.label} but its name does not end in "
            f"{' or '.join(kind.extensions)}: rename it and try again"
        )
    return kind
