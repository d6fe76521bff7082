"""The access module's per-request work (prevent_portal/accounts/access.py)."""

from prevent_portal.accounts.access import scopes_per_request


class AccessScopesMiddleware:
    """Each user's ``visible_to`` scopes are built once per request and forgotten at its
    end (``access.scopes_per_request``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scopes_per_request():
            return self.get_response(request)
