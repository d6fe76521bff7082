from django.conf import settings

from prevent_portal.core.navigation import items_for


def service(request):
    user = getattr(request, "user", None)
    verified = bool(user and user.is_authenticated and user.is_verified())
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        "COUNCIL_NAME": settings.COUNCIL_NAME,
        "nav_items": (lambda: items_for(user)) if verified else (),
        "signed_in": verified,
    }
