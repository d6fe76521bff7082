"""Virus scanning of uploads: ClamAV's daemon (clamd), asked over its INSTREAM command.

The client is ``clamav-client`` (Artefactual's maintained continuation of the unmaintained
``clamd`` package: docs/architecture.md, "Documents"). The file is streamed to clamd, so
clamd needs no access to the documents' storage. ``DOCUMENT_SCANNER = "none-demo-only"``
scans nothing: the demo's upload pages say so and production refuses to start with it
(settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings

NOT_SCANNING = "none-demo-only"


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""  # the virus ClamAV named, when not clean


class ScannerUnavailable(Exception):
    """clamd did not answer, or answered with an error: the file is not accepted."""


def is_scanning() -> bool:
    return settings.DOCUMENT_SCANNER != NOT_SCANNING


def client(address: str | None = None, timeout: float | None = None):
    address = address or settings.CLAMD_ADDRESS
    timeout = timeout if timeout is not None else settings.CLAMD_TIMEOUT
    if address.startswith("unix://"):
        return ClamdUnixSocket(address[len("unix://") :], timeout=timeout)
    host, _, port = address[len("tcp://") :].rpartition(":")
    return ClamdNetworkSocket(host, int(port), timeout=timeout)


def scan(handle: BinaryIO) -> Verdict:
    """ClamAV's verdict on the file in ``handle``. Without a scanner (the demo only) every
    file passes. ScannerUnavailable when clamd cannot give a verdict: never "clean" then."""
    if not is_scanning():
        return Verdict(clean=True)
    handle.seek(0)
    try:
        result = client().instream(handle)
    except (ClamdError, OSError) as error:
        raise ScannerUnavailable(type(error).__name__) from error
    finally:
        handle.seek(0)
    status, signature = result.get("stream", ("ERROR", None))
    if status == "OK":
        return Verdict(clean=True)
    if status == "FOUND":
        return Verdict(clean=False, signature=(signature or "unnamed")[:200])
    raise ScannerUnavailable(status)


def ping(address: str | None = None) -> bool:
    try:
        return client(address, timeout=2).ping() == "PONG"
    except (ClamdError, OSError):
        return False
