"""The shared cache of figures counted in the background: the management dashboard's period
figures (``governance.services.dashboard``) and the regional aggregate
(``governance.services.regional``).

Django's cache, which in production is Redis, shared by every web process and the worker
(settings.CACHE_URL). Rules both users keep through this one module:
- a cache that does not answer (Redis down) must not take a page down with it: a read gives
  the default ("being counted"), a write is dropped, and both are logged;
- what a reader asked for is kept as "wanted" (a dict of item -> when asked, under one key
  per kind of figure) for the next sweep, and forgotten once nobody has asked for it in
  ``WANTED_FOR``; figures are kept as long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from prevent_portal.core import shared_cache

# A period nobody has asked for in this long is no longer counted, and its figures drop out.
WANTED_FOR = timedelta(days=1)


def cache_get(key: str, default=None):
    """The cached value, or ``default`` when there is none or the cache does not answer."""
    return shared_cache.cache_get(key, default)


def cache_get_many(keys: list[str]) -> dict:
    """The cached values of ``keys`` that are there, in one round trip (none when the cache
    does not answer)."""
    return shared_cache.cache_get_many(keys)


def cache_delete(key: str) -> None:
    """Forget ``key``; a cache that does not answer forgets nothing (logged)."""
    shared_cache.cache_delete(key)


def cache_set_many(values: dict) -> None:
    """Keep each of ``values`` (key -> value) for WANTED_FOR, in one round trip."""
    shared_cache.cache_set_many(values, int(WANTED_FOR.total_seconds()))


def cache_set(key: str, value) -> None:
    """Keep ``value`` for WANTED_FOR; a cache that does not answer drops it (logged)."""
    shared_cache.cache_set(key, value, int(WANTED_FOR.total_seconds()))


def wanted_add(wanted_key: str, item) -> None:
    """Record that a reader waits for ``item``, for the next sweep. Read, change, write: two
    web processes adding two items at once may lose one; the next view of that item, still
    uncounted, records it again."""
    wanted: dict = cache_get(wanted_key, {}) or {}
    wanted[item] = timezone.now()
    cache_set(wanted_key, wanted)


def wanted_fresh(wanted_key: str, now: datetime) -> dict:
    """The items asked for in the last WANTED_FOR (item -> when asked); the others are
    forgotten."""
    wanted: dict = cache_get(wanted_key, {}) or {}
    fresh = {item: at for item, at in wanted.items() if now - at < WANTED_FOR}
    if fresh != wanted:
        cache_set(wanted_key, fresh)
    return fresh


__all__ = [
    "WANTED_FOR",
    "cache_delete",
    "cache_get",
    "cache_get_many",
    "cache_set",
    "cache_set_many",
    "wanted_add",
    "wanted_fresh",
]
