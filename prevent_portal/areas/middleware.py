"""Declare, once per request, the council areas the request acts for (ADR 0011)."""

from prevent_portal.areas import rls


def _user_areas(user) -> set[int]:
    # Imported here: the access module is loaded after the apps are ready.
    from prevent_portal.accounts.access import wall_area_ids

    if not getattr(user, "is_authenticated", False):
        return set()
    # The same set the access module bounds everything by (its rule 8): the two walls agree.
    return wall_area_ids(user)


class AreaWallMiddleware:
    """The request acts for the signed-in user's areas (every area where they hold a role);
    an anonymous request for none. Read lazily: a request that touches no area-owned table
    costs no query. PostgreSQL's row-level security refuses every other area's rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not rls.enabled():
            return self.get_response(request)
        with rls.acting_for(lambda: _user_areas(request.user)):
            return self.get_response(request)
