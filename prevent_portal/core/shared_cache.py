"""Reading and writing Django's shared cache (Redis in production, shared by every web process
and the worker) where a cache that does not answer must not take a page down with it: a read
gives the default, a write is dropped, and both are logged. Used by the figures counted in the
background (``governance.services.figures_cache``) and by the suppression answers
(``prevent_portal.core.suppression``)."""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cache_get(key: str, default=None):
    """The cached value, or ``default`` when there is none or the cache does not answer."""
    try:
        return cache.get(key, default)
    except Exception:
        logger.warning("The shared cache could not be read (%s)", key, exc_info=True)
        return default


def cache_get_many(keys: list[str]) -> dict:
    """The cached values of ``keys`` that are there (one round trip to Redis), or none at all
    when the cache does not answer."""
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("The shared cache could not be read (%s)", ", ".join(keys), exc_info=True)
        return {}


def cache_set(key: str, value, seconds: int) -> None:
    """Keep ``value`` for ``seconds``; a cache that does not answer drops it (logged)."""
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("The shared cache could not be written (%s)", key, exc_info=True)


def cache_delete(key: str) -> None:
    """Forget ``key``; a cache that does not answer forgets nothing (logged)."""
    try:
        cache.delete(key)
    except Exception:
        logger.warning("The shared cache could not be written (%s)", key, exc_info=True)


def cache_set_many(values: dict, seconds: int) -> None:
    """Keep every value of ``values`` (key -> value) for ``seconds``, in one round trip; a
    cache that does not answer drops them (logged)."""
    try:
        cache.set_many(values, seconds)
    except Exception:
        logger.warning(
            "The shared cache could not be written (%s)", ", ".join(values), exc_info=True
        )


__all__ = ["cache_delete", "cache_get", "cache_get_many", "cache_set", "cache_set_many"]
