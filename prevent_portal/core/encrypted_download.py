"""Downloads that leave the system go as AES-encrypted zip files (security finding F15).

A file that leaves the portal (a subject access export, a panel pack) may be forwarded,
left in a downloads folder or attached to an e-mail. It goes out as a zip encrypted with
AES-256 (pyzipper, WinZip AES: opened by Windows' and macOS's archive tools, 7-Zip and the
like) under a fresh password. The password is never sent with the file: the downloader is
shown it once, on a page of its own, before the download, and it is kept only in their
server-side session until the download takes it. Give it to anyone else separately (by
phone, never in the e-mail that carries the file).
"""

from __future__ import annotations

import io
import secrets

import pyzipper
from django.shortcuts import render

# No 0/O, 1/I/L: the password is read off a screen and typed or read out.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 4, 5  # about 99 bits
SESSION_PREFIX = "download-password:"


def new_password() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def encrypted_zip(files: dict[str, bytes], password: str) -> bytes:
    """A zip of ``files`` (name -> content), each AES-256 encrypted under ``password``."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_members(content: bytes) -> dict[str, bytes]:
    """The files of an (unencrypted) zip, to put into an encrypted one."""
    with pyzipper.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def password_offer(request, key: str) -> str:
    """A fresh password for the download ``key``, kept in the session for the download to
    take; asking again replaces it (the old one is never shown twice)."""
    password = new_password()
    request.session[SESSION_PREFIX + key] = password
    return password


def password_take(request, key: str) -> str | None:
    """The password shown for ``key``, removed from the session: one download per showing."""
    return request.session.pop(SESSION_PREFIX + key, None)


def password_page(request, *, key: str, title: str, what: str, download: dict, back_url: str):
    """The page that shows a fresh password once, with the button or link that downloads
    the encrypted file. ``download`` is {"method": "post"|"get", "url": ..., "label": ...}."""
    return render(
        request,
        "core/download_password.html",
        {
            "title": title,
            "what": what,
            "password": password_offer(request, key),
            "download": download,
            "back_url": back_url,
        },
    )
