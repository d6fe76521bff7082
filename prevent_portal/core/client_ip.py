"""The client's address behind the configured proxies: the one place that reads it.

Behind a reverse proxy every request comes from the proxy, so ``REMOTE_ADDR`` alone made
every client look the same: five wrong passwords from anyone locked the username out for
everybody, and access entries recorded the proxy. Each of the TRUSTED_PROXY_COUNT proxies in
front of the application appends the address it saw to ``X-Forwarded-For``; the entry that
many places from the right was written by our outermost proxy and is the client. Entries to
its left came from the client and are never trusted. With no proxy configured the header is
ignored (a client could write anything there) and the peer address is the client.

django-axes (``AXES_CLIENT_IP_CALLABLE``), the access log and the audit log middleware all
call ``client_ip``; tests/accounts/test_client_ip.py fails if any other module reads
``REMOTE_ADDR`` or ``X-Forwarded-For``.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from ipware import get_client_ip


def _valid(candidate: str | None) -> str | None:
    """The address if it is one (a port, as some proxies add, is dropped), else None."""
    if not candidate:
        return None
    # django-ipware parses and validates the address (IPv4, IPv6, with or without a port).
    ip, _ = get_client_ip(
        SimpleNamespace(META={"REMOTE_ADDR": candidate.strip()}),
        request_header_order=["REMOTE_ADDR"],
    )
    return ip


def client_ip(request) -> str | None:
    """The address of the client that sent ``request`` (None without a request)."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return _valid(peer)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < count:
        # Not through the whole proxy chain (a health check from inside, say): the peer.
        return _valid(peer)
    return _valid(hops[-count]) or _valid(peer)
