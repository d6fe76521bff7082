"""What waits on the home page from the accounts app (prevent_portal/core/work_waiting.py):
account changes waiting for approval (Coordinator, system administrator), SPOC account
requests and access-review removals (system administrator), and the roles a SPOC has not
yet answered for in this quarter's access review. Every count through the access-checked
functions the lists themselves use, so a count equals what its link shows."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from prevent_portal.accounts import administration, approvals
from prevent_portal.accounts.models import AccountRequest, Role
from prevent_portal.core.work_waiting import DUE, Item, Provider, plural


def change_approvals(user, today: date):
    """Every row of the approval list (``approvals.change_requests_for``): the list shows
    those the user may not decide too (their own, or waiting for another role), with why."""
    count = approvals.change_requests_for(user).count()
    yield Item(
        key="account_approvals",
        label=plural(
            count, "account change waiting for approval", "account changes waiting for approval"
        ),
        url=reverse("accounts:approval_list"),
        count=count,
        urgency=DUE,
    )


def account_requests(user, today: date):
    """The pending requests of the account request list (``account_requests_for``)."""
    count = (
        administration.account_requests_for(user)
        .filter(status=AccountRequest.Status.PENDING)
        .count()
    )
    yield Item(
        key="account_requests_waiting",
        label=plural(count, "account request waiting", "account requests waiting"),
        url=reverse("accounts:account_request_list"),
        count=count,
        urgency=DUE,
    )


def removals(user, today: date):
    """Roles a SPOC said are no longer needed, not yet ended (``removals_waiting``)."""
    count = administration.removals_waiting().count()
    yield Item(
        key="access_review_removals",
        label=plural(
            count,
            "role to remove after the access review",
            "roles to remove after the access review",
        ),
        url=reverse("accounts:access_review"),
        count=count,
        urgency=DUE,
    )


def review_unanswered(user, today: date):
    """Roles at the SPOC's agencies not answered for this quarter (``review_memberships``
    and ``quarter_of``, the access review page's own rule)."""
    count = administration.unanswered_count(user, today)
    yield Item(
        key="access_review_unanswered",
        label=plural(
            count,
            f"role at your agency not yet reviewed for {administration.quarter_of(today)}",
            f"roles at your agency not yet reviewed for {administration.quarter_of(today)}",
        ),
        url=reverse("accounts:access_review"),
        count=count,
        urgency=DUE,
    )


PROVIDERS = [
    Provider("accounts.approvals", "coordinator", change_approvals, "account approvals", order=90),
    Provider("accounts.approvals_admin", "sysadmin", change_approvals, "account approvals"),
    Provider("accounts.requests", "sysadmin", account_requests, "account requests", order=110),
    Provider("accounts.removals", "sysadmin", removals, "access review removals", order=120),
    Provider(
        "accounts.review",
        "partner",
        review_unanswered,
        "the access review",
        roles=frozenset({Role.SPOC}),
        order=120,
    ),
]
