"""Reminders the referrals app contributes to the daily sweep."""

from datetime import date, timedelta

from django.conf import settings

from prevent_portal.accounts.addressees import holders_by_area
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.links import site_link
from prevent_portal.reminders.registry import Reminder
from referrals.lifecycle import INFORMATION_REQUEST_LIFECYCLE
from referrals.models import InformationRequest, Referral
from referrals.services.information_requests import asked_spocs


def triage_overdue(today: date):
    """Tell the Coordinators of each referral's own area about it while it is still
    untriaged past the target days: its reference and a link, nothing about the person (the
    sweep checks each can see it). Never another area's Coordinators, who must not learn that
    it exists; one query for the holders of every area concerned."""
    target = timedelta(days=settings.TRIAGE_TARGET_DAYS)
    overdue = list(
        Referral.objects.filter(
            status=Referral.Status.RECEIVED, received_on__lte=today - target
        ).only("pk", "reference", "received_on", "area_id")
    )
    coordinators = holders_by_area(Role.COORDINATOR, {r.area_id for r in overdue})
    for referral in overdue:
        due = referral.received_on + target
        for coordinator in coordinators(referral.area_id):
            yield Reminder(
                kind="triage_overdue",
                key=f"referral:{referral.pk}:{due.isoformat()}",
                subject=f"Referral {referral.reference}",
                due=due,
                recipient=coordinator,
                title=f"Referral {referral.reference} is past its triage target",
                body=(
                    f"Referral {referral.reference} has waited more than "
                    f"{settings.TRIAGE_TARGET_DAYS} days for triage: "
                    f"{site_link('referrals:triage', referral.pk)}"
                ),
                record=referral,
            )


def information_requests_overdue(today: date):
    """Chase each open information request once, the day after it falls due, until it
    expires: one reminder to each SPOC of the agency asked (the people who see it). The key
    carries no date, so the outbox's unique key lets it be queued once however often the
    sweep runs. No personal data: the agency, the dates and a link to sign in."""
    overdue = (
        InformationRequest.objects.overdue(today)
        .filter(referral__depersonalised_at__isnull=True)
        .select_related("agency")
        .order_by("pk")
    )
    spocs: dict[int, list] = {}
    for request in overdue:
        if not INFORMATION_REQUEST_LIFECYCLE.allows("chase", request, today=today):
            continue
        if request.agency_id not in spocs:
            spocs[request.agency_id] = asked_spocs(request.agency_id)
        link = site_link("referrals:information_request_answer", request.pk)
        for spoc in spocs[request.agency_id]:
            yield Reminder(
                kind="information_request_overdue",
                key=f"information-request:{request.pk}",
                subject=f"Information request to {request.agency.name}",
                due=request.due_on,
                recipient=spoc,
                title="An information request to your agency is overdue",
                body=(
                    f"The Prevent Coordinator asked {request.agency.name} for information by "
                    f"{request.due_on:%d %B %Y}, and it has not been answered. It can be "
                    f"answered until {request.expires_on:%d %B %Y}.\n\n"
                    f"Sign in to read the request and answer it: {link}\n"
                ),
                record=request,  # the sweep sends it only to those who may see the request
            )
