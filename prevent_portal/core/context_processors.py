from django.conf import settings

from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import AGENCY_CASE_ROLES
from prevent_portal.core.navigation import items_for


def service(request):
    user = getattr(request, "user", None)
    verified = bool(user and user.is_authenticated and user.is_verified())
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        "COUNCIL_NAME": settings.COUNCIL_NAME,
        "nav_items": (lambda: items_for(user)) if verified else (),
        "signed_in": verified,
        # The header's search box (templates/core/_search_box.html): case roles only.
        "show_search_box": (lambda: has_role(user, *AGENCY_CASE_ROLES)) if verified else False,
    }
