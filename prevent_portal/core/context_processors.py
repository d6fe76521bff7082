from django.conf import settings
from django.utils.functional import SimpleLazyObject

from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import AGENCY_CASE_ROLES
from prevent_portal.accounts.two_factor import second_factor_verified
from prevent_portal.core.navigation import items_for, navigation_for
from prevent_portal.core.session_timeout import timeout_warning_context


def service(request):
    user = getattr(request, "user", None)
    verified = second_factor_verified(user)
    match = getattr(request, "resolver_match", None)
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        "COUNCIL_NAME": settings.COUNCIL_NAME,
        "nav_items": (lambda: items_for(user)) if verified else (),
        # Lazy: error pages and e-mails render without ever reading it.
        "nav": SimpleLazyObject(
            lambda: navigation_for(user, request.path, match.namespace if match else "")
        )
        if verified
        else None,
        "session_timeout": SimpleLazyObject(lambda: timeout_warning_context(request))
        if verified
        else None,
        "signed_in": verified,
        # The header's search box (templates/core/_search_box.html): case roles only.
        "show_search_box": (lambda: has_role(user, *AGENCY_CASE_ROLES)) if verified else False,
    }
