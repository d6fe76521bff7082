"""What waits on the home page from the referrals app (prevent_portal/core/work_waiting.py):
the Coordinator's triage queue and overdue information requests, a SPOC's requests to
answer, a referrer's own referrals. Every count through the access module."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from prevent_portal.accounts.models import Role
from prevent_portal.core.work_waiting import DUE, INFO, OVERDUE, Item, Provider, plural
from referrals.models import (
    CrossAreaRequest,
    InformationRequest,
    Referral,
    over_triage_target_q,
)

# How many of a referrer's referrals the home page lists, newest first.
REFERRER_SHOWN = 5


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def triage(user, today: date):
    """Referrals not yet decided, and those over the triage target (the queue's own
    "Over the target" rule, ``Referral.objects.over_triage_target``)."""
    # One count of the open referrals, the over-target ones among them counted alongside
    # (two counts each built the user's visible referrals: issue 18).
    counts = (
        Referral.objects.visible_to(user)
        .filter(status__in=Referral.OPEN_STATUSES)
        .aggregate(waiting=Count("pk"), over=Count("pk", filter=over_triage_target_q(today)))
    )
    over, waiting = counts["over"], counts["waiting"]
    yield Item(
        key="triage_over_target",
        label=plural(over, "referral over the triage target", "referrals over the triage target"),
        url=_url("referrals:triage_queue", waiting="over", sort="-waiting"),
        count=over,
        urgency=OVERDUE,
    )
    yield Item(
        key="triage_waiting",
        label=plural(waiting, "referral waiting for triage", "referrals waiting for triage"),
        url=_url("referrals:triage_queue"),
        count=waiting,
        urgency=DUE,
    )


def information_overdue(user, today: date):
    """Referrals with an information request past its due date and not expired (the rule
    the chasing reminder uses, ``InformationRequest.objects.overdue``)."""
    overdue = InformationRequest.objects.overdue(today).values("referral_id")
    count = Referral.objects.visible_to(user).filter(pk__in=overdue).count()
    yield Item(
        key="information_overdue",
        label=plural(
            count,
            "referral with an information request overdue",
            "referrals with an information request overdue",
        ),
        url=_url("referrals:triage_queue", status="all", information="overdue"),
        count=count,
        urgency=OVERDUE,
    )


def transfers_waiting(user, today: date):
    """Transfers proposed to the user's area that wait for its answer (``visible_to``: the
    Coordinators of the two areas; only those to the user's area are theirs to answer)."""
    from prevent_portal.accounts.access import area_ids_for
    from referrals.models import AreaTransfer

    mine = sorted(area_ids_for(user, [Role.COORDINATOR]))
    count = AreaTransfer.objects.visible_to(user).pending().filter(to_area__in=mine).count()
    yield Item(
        key="transfers_waiting",
        label=plural(
            count,
            "transfer from another council area waiting for your answer",
            "transfers from another council area waiting for your answer",
        ),
        url=_url("referrals:transfer_list"),
        count=count,
        urgency=DUE,
    )


def information_to_answer(user, today: date):
    """Open requests asked of the SPOC's agencies (``asked_of``: what they may see)."""
    asked = InformationRequest.objects.asked_of(user)
    count = asked.count()
    overdue = asked.overdue(today).count() if count else 0
    yield Item(
        key="information_to_answer",
        label=plural(
            count,
            "information request waiting for your agency's answer",
            "information requests waiting for your agency's answer",
        ),
        url=_url("referrals:information_requests"),
        count=count,
        urgency=OVERDUE if overdue else DUE,
        detail=f"{overdue} past the date the answer was needed by" if overdue else "",
    )


def area_requests_to_answer(user, today: date):
    """Requests from other council areas asked of the Coordinator's area and not yet replied
    to (``held_by_areas_of``: what the list shows)."""
    count = (
        CrossAreaRequest.objects.held_by_areas_of(user)
        .filter(status=CrossAreaRequest.Status.OPEN)
        .count()
    )
    yield Item(
        key="area_requests_to_answer",
        label=plural(
            count,
            "request from another council area waiting for your reply",
            "requests from other council areas waiting for your reply",
        ),
        url=_url("referrals:area_requests"),
        count=count,
        urgency=DUE,
    )


def referrer_referrals(user, today: date):
    """The referrer's own referrals (``referred_by``), newest first, each with its status
    in the referrer's words and a link to its status page."""
    mine = Referral.objects.referred_by(user)
    count = mine.count()  # always asked: the page's queries do not depend on the count
    shown = list(mine.order_by("-received_on", "-pk")[:REFERRER_SHOWN]) if count else []
    for referral in shown:
        # By date, not reference: the home page shows no record (its status page does, and
        # writes the access entry), so it needs no access entries of its own.
        yield Item(
            key=f"referral_{referral.pk}",
            label=(
                f"Your referral of {referral.received_on:%-d %B %Y}: "
                f"{referral.status_for_referrer().lower()}"
            ),
            url=reverse("referrals:status", args=[referral.pk]),
            urgency=INFO,
        )
    if count > REFERRER_SHOWN:
        yield Item(
            key="referrals_all",
            label=f"All {count} of your referrals",
            url=reverse("referrals:mine"),
            urgency=INFO,
        )


PROVIDERS = [
    Provider("referrals.triage", "coordinator", triage, "the triage queue", order=10),
    Provider(
        "referrals.information_overdue",
        "coordinator",
        information_overdue,
        "information requests overdue",
        order=20,
    ),
    Provider(
        "referrals.transfers_waiting",
        "coordinator",
        transfers_waiting,
        "transfers from other council areas",
        order=25,
    ),
    Provider(
        "referrals.information_to_answer",
        "partner",
        information_to_answer,
        "information requests to your agency",
        roles=frozenset({Role.SPOC}),
        order=20,
    ),
    Provider(
        "referrals.area_requests_to_answer",
        "coordinator",
        area_requests_to_answer,
        "requests from other council areas",
        order=25,
    ),
    Provider("referrals.mine", "referrer", referrer_referrals, "your referrals", order=10),
]
