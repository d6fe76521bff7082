"""The search of the case roles (``referrals.search``): a GET page, a page of results at a
time. Each result shown writes an access entry (the person and each referral listed), and
the search itself one entry saying who searched, for what kinds of term, never the terms."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from prevent_portal.accounts.access import require_role
from prevent_portal.audit.access_log import log_access, log_search
from referrals.forms.search import SearchForm
from referrals.search import (
    MAX_CANDIDATES,
    PAGE_SIZE,
    SEARCH_ROLES,
    attach_referrals,
    search,
)

SEARCH_VIEW = "referrals:search"


@require_GET
def search_page(request):
    """Find people and referrals the user may see; nothing else is searched or counted."""
    require_role(request.user, *SEARCH_ROLES)
    form = SearchForm(request.GET if "q" in request.GET else None)
    page = None
    if form.is_bound and form.is_valid():
        terms = form.cleaned_data["terms"]
        results = search(request.user, terms)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        referrals = attach_referrals(request.user, shown, terms)
        log_access(request, [r.person for r in shown] + referrals, view=SEARCH_VIEW)
        log_search(
            request,
            view=SEARCH_VIEW,
            kinds=terms.kinds(),
            digest=terms.digest(),
            shown=len(shown),
        )
    return render(
        request,
        "referrals/search.html",
        {
            "form": form,
            "page": page,
            "query": _query_string(form),
            "max_candidates": MAX_CANDIDATES,
        },
    )


def _query_string(form) -> str:
    """The search as a query string, for the page links (pagination adds ``page``)."""
    if not form.is_bound or not form.is_valid():
        return ""
    return urlencode({"q": form.cleaned_data["q"]})


urlpatterns = [path("search/", search_page, name="search")]
