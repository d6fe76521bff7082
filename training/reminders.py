"""Reminders the training app contributes to the daily sweep: returns missing before a
quarter's deadline (to the agency's SPOCs) and after it (to the Coordinators of the areas
the agency serves).

Each council area asks for its own returns (issue 18): a return made to one area does not
answer another's, and an area's overdue list goes to that area's Coordinators only, naming
what is missing there."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings

from prevent_portal.accounts.addressees import holders_by_area
from prevent_portal.accounts.models import Membership, Role, User
from prevent_portal.areas.models import Area
from prevent_portal.outbox.links import site_link
from prevent_portal.reminders.registry import Reminder
from training.expected import agencies_by_id, missing_by_area, owed_by_area
from training.models import ReportingPeriod, TrainingType

# A quarter's overdue list is sent to Coordinators on the days just after its deadline (a
# sweep that missed a day still sends it), not forever to every Coordinator who joins later.
OVERDUE_WINDOW_DAYS = 28


def _spocs_by_agency(agency_ids) -> dict[int, list[User]]:
    spocs = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(role=Role.SPOC, agency_id__in=sorted(agency_ids), user__is_active=True)
        .select_related("user")
        .order_by("agency_id", "user__username")
    )
    for membership in memberships:
        spocs[membership.agency_id].append(membership.user)
    return spocs


def _before_deadline(period: ReportingPeriod, missing, types, agencies, areas, today: date):
    """One reminder per SPOC, agency, training type and area still missing: the key names
    the quarter, agency and type (and the area, for an agency serving several), and the
    outbox adds the recipient, so a SPOC hears about each missing return of a quarter once
    however often the sweep runs."""
    agency_ids = {agency_id for pairs in missing.values() for agency_id, _ in pairs}
    spocs = _spocs_by_agency(agency_ids)
    several = len(areas) > 1
    days_left = (period.submission_deadline - today).days
    for area_id, pairs in sorted(missing.items()):
        for agency_id, type_id in sorted(pairs):
            agency, training_type = agencies[agency_id], types[type_id]
            key = f"period:{period.pk}:agency:{agency_id}:type:{type_id}"
            to = ""
            if several:
                key += f":area:{area_id}"
                to = f" to {areas[area_id].name}"
            for spoc in spocs.get(agency_id, []):
                yield Reminder(
                    kind="training_return",
                    key=key,
                    subject=f"{training_type.name} return, {period.label}",
                    due=period.submission_deadline,
                    recipient=spoc,
                    title=(
                        f"{agency.name}: {training_type.name} return{to} for {period.label} "
                        f"due by {period.submission_deadline:%d %B %Y}"
                    ),
                    body=(
                        f"{agency.name} has not yet returned its {training_type.name} figures"
                        f"{to} for {period.label} ({period.start:%d %B} to "
                        f"{period.end:%d %B %Y}). The deadline is "
                        f"{period.submission_deadline:%d %B %Y}, in {days_left} "
                        f"day{'s' if days_left != 1 else ''}.\n\n"
                        f"Enter the number of eligible staff and how many are compliant under "
                        f"Training returns in {settings.SERVICE_NAME}: "
                        f"{site_link('training:returns')}"
                    ),
                )


def _after_deadline(period: ReportingPeriod, missing, types, agencies):
    """One overdue list per quarter to each Coordinator, of the returns missing from their
    council area (a partner serving several areas is on each area's list for the returns it
    has not made to that area). Another area's Coordinator hears nothing of them: one query
    for every area's Coordinators."""
    coordinators = holders_by_area(Role.COORDINATOR, set(missing))
    lines_for: dict[int, set[str]] = defaultdict(set)
    people = {}
    for area_id, pairs in missing.items():
        for agency_id, type_id in pairs:
            line = f"- {agencies[agency_id].name}: {types[type_id].name}"
            for coordinator in coordinators(area_id):
                people[coordinator.pk] = coordinator
                lines_for[coordinator.pk].add(line)
    for pk in sorted(people):
        lines = sorted(lines_for[pk])
        yield Reminder(
            kind="training_overdue",
            key=f"period:{period.pk}",
            subject=f"Training returns, {period.label}",
            due=period.submission_deadline + timedelta(days=1),
            recipient=people[pk],
            title=f"{len(lines)} training return{'s' if len(lines) != 1 else ''} missing for "
            f"{period.label}",
            body=(
                f"The deadline for {period.label} was {period.submission_deadline:%d %B %Y}. "
                f"These returns are still missing:\n\n" + "\n".join(lines) + "\n\n"
                f"See them under Training compliance: {site_link('training:compliance')}"
            ),
        )


def chased_periods(today: date) -> list[ReportingPeriod]:
    """The quarters whose missing returns are being chased on ``today``: from
    TRAINING_REMINDER_DAYS_BEFORE days before the deadline until OVERDUE_WINDOW_DAYS after it
    (the reminders below, and the SPOC's home page)."""
    ahead = timedelta(days=settings.TRAINING_REMINDER_DAYS_BEFORE)
    return list(
        ReportingPeriod.objects.filter(
            submission_deadline__gte=today - timedelta(days=OVERDUE_WINDOW_DAYS),
            submission_deadline__lte=today + ahead,
            start__lte=today,
        ).order_by("submission_deadline", "pk")
    )


def missing_returns_reminders(today: date):
    """Before each quarter's deadline (from TRAINING_REMINDER_DAYS_BEFORE days ahead until
    the day itself), remind SPOCs of their agency's missing returns; once it has passed,
    give the Coordinator the list of what is still missing."""
    periods = chased_periods(today)
    if not periods:
        return
    types = {t.pk: t for t in TrainingType.objects.active()}
    owed = owed_by_area(list(types.values()))
    agencies = agencies_by_id({a for pairs in owed.values() for a, _ in pairs})
    areas = Area.objects.in_bulk(sorted(owed))
    for period in periods:
        missing = {a: pairs for a, pairs in missing_by_area(period, owed).items() if pairs}
        if not missing:
            continue
        if today <= period.submission_deadline:
            yield from _before_deadline(period, missing, types, agencies, areas, today)
        else:
            yield from _after_deadline(period, missing, types, agencies)
