import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_portal.settings")
application = get_wsgi_application()


def _settle_start_up() -> None:
    """Import every view now (the URL patterns) rather than in the first request, then move
    what start-up made, which lives as long as the process, out of the garbage collector's
    way (``gc.freeze``): a full collection that falls in a request then scans only what
    requests made. Without it, one request in ten of a big page paid 60 to 100 ms for a
    full collection at scale 1 (docs/performance.md)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    gc.freeze()


_settle_start_up()
