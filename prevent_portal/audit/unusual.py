"""The unusual-access report: who opened records owned by another agency, and how often.

Built from auditlog ACCESS entries joined, in the database, to the agency that owns each
record (``ownership.register``), so a report costs the same few queries whatever the size of
the log. A row names the record by the entry's ``object_repr`` (a reference: ``__str__`` of
a protected model never carries personal data), never by anything read from the record.

Also spotted: openings outside working hours (``UNUSUAL_ACCESS_WORKING_HOURS``, local time
in Europe/London) and days on which a user opened more than
``UNUSUAL_ACCESS_DAILY_THRESHOLD`` records (of any agency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncDate

from prevent_portal.accounts.models import Agency, Membership
from prevent_portal.audit import ownership

LONDON = ZoneInfo("Europe/London")
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # both days included

    @classmethod
    def last_days(cls, today: date, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time.min, tzinfo=LONDON)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=LONDON)
        return start, end


@dataclass(frozen=True)
class OutsideRow:
    user_id: int
    user: str
    reference: str
    kind: str  # the record's model, e.g. "referral"
    owner: str  # the owning agency's name
    opened: int
    out_of_hours: int
    last_opened: datetime


@dataclass(frozen=True)
class BusyDay:
    user_id: int
    user: str
    day: date
    records: int


@dataclass(frozen=True)
class Report:
    period: Period
    agency: Agency | None  # None: every agency's users (the Coordinator's view)
    working_hours: tuple[time, time]
    threshold: int
    rows: list[OutsideRow]
    busy_days: list[BusyDay]


def working_hours() -> tuple[time, time]:
    """``UNUSUAL_ACCESS_WORKING_HOURS`` as (start, end), e.g. "07:00-19:00"."""
    text = getattr(settings, "UNUSUAL_ACCESS_WORKING_HOURS", "07:00-19:00")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"UNUSUAL_ACCESS_WORKING_HOURS must look like 07:00-19:00, not {text!r}"
        ) from exc
    if start >= end:
        raise ImproperlyConfigured("UNUSUAL_ACCESS_WORKING_HOURS must start before it ends")
    return start, end


def daily_threshold() -> int:
    return int(getattr(settings, "UNUSUAL_ACCESS_DAILY_THRESHOLD", 50))


def _user_label(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _record_column(owned: list[ownership.Owned], content_types: dict, column, manager: str) -> Case:
    """A column of the record an entry names (``column(o)`` of each registered model, read
    through the model's ``manager``), looked up in the database."""
    return Case(
        *[
            When(
                content_type_id=content_types[o.model].pk,
                then=Subquery(
                    getattr(o.model, manager).filter(pk=OuterRef("object_id")).values(column(o))[:1]
                ),
            )
            for o in owned
        ],
        default=Value(None),
        output_field=IntegerField(),
    )


def _area_expression(owned: list[ownership.Owned], content_types: dict) -> Case:
    """The council area's id of the record an entry names."""
    return _record_column(owned, content_types, lambda o: o.area_field, "_base_manager")


def _owner_expression(owned: list[ownership.Owned], content_types: dict) -> Case:
    """The owning agency's id of the record an entry names."""
    return _record_column(owned, content_types, lambda o: o.agency_field, "_default_manager")


def _entries(period: Period, agency: Agency | None, areas=None) -> tuple[QuerySet, dict]:
    """ACCESS entries in the period, by users of ``agency`` (all users when None), on
    records of registered models; with ``areas`` (council area ids), only by users of the
    agencies serving them, and on records of those areas. The access log has no area and no
    wall: the report names its areas itself (issue 18)."""
    owned = ownership.registered()
    content_types = ContentType.objects.get_for_models(*[o.model for o in owned])
    start, end = period.bounds()
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        timestamp__gte=start,
        timestamp__lt=end,
        actor__isnull=False,
        content_type_id__in=[ct.pk for ct in content_types.values()],
        object_id__isnull=False,
    )
    if agency is not None:
        members = Membership.objects.active().filter(agency=agency).values("user_id")
        entries = entries.filter(actor_id__in=members)
    if areas is not None:
        staff = Membership.objects.active().filter(agency__areas__in=sorted(areas))
        entries = entries.filter(actor_id__in=staff.values("user_id")).alias(
            record_area=_area_expression(owned, content_types)
        )
        entries = entries.filter(record_area__in=sorted(areas))
    return entries, {"owned": owned, "content_types": content_types}


def _out_of_hours_q(hours: tuple[time, time]) -> Q:
    # __time compares in the current time zone (TIME_ZONE, Europe/London).
    return Q(timestamp__time__lt=hours[0]) | Q(timestamp__time__gte=hours[1])


def outside_rows(period: Period, agency: Agency | None, areas=None) -> list[OutsideRow]:
    """Per user and record owned by an agency the user is not a member of: how often they
    opened it, how many of those openings fell outside working hours, and when last; most
    opened first. Two queries whatever the number of entries."""
    entries, meta = _entries(period, agency, areas)
    names = {ct.pk: model._meta.verbose_name for model, ct in meta["content_types"].items()}
    own_agency = Membership.objects.active().filter(
        user_id=OuterRef("actor_id"), agency_id=OuterRef("owner")
    )
    grouped = (
        entries.annotate(owner=_owner_expression(meta["owned"], meta["content_types"]))
        .filter(owner__isnull=False)
        .annotate(own=Exists(own_agency))
        .filter(own=False)
        .values(
            "actor_id",
            "actor__first_name",
            "actor__last_name",
            "actor__username",
            "content_type_id",
            "object_id",
            "owner",
        )
        .annotate(
            opened=Count("id"),
            out_of_hours=Count("id", filter=_out_of_hours_q(working_hours())),
            last_opened=Max("timestamp"),
            reference=Max("object_repr"),
        )
        .order_by("-opened", "-last_opened", "actor__username", "reference")
    )
    rows = list(grouped)
    agencies = dict(
        Agency.objects.filter(pk__in={r["owner"] for r in rows}).values_list("pk", "name")
    )
    return [
        OutsideRow(
            user_id=r["actor_id"],
            user=_user_label(r["actor__first_name"], r["actor__last_name"], r["actor__username"]),
            reference=r["reference"],
            kind=str(names[r["content_type_id"]]),
            owner=agencies.get(r["owner"], ""),
            opened=r["opened"],
            out_of_hours=r["out_of_hours"],
            last_opened=r["last_opened"],
        )
        for r in rows
    ]


def busy_days(period: Period, agency: Agency | None, threshold: int, areas=None) -> list[BusyDay]:
    """Days on which a user opened more than ``threshold`` different records (of any
    agency), busiest first. One query."""
    entries, _ = _entries(period, agency, areas)
    record = Concat(
        Cast("content_type_id", CharField()), Value(":"), "object_pk", output_field=CharField()
    )
    grouped = (
        entries.annotate(day=TruncDate("timestamp", tzinfo=LONDON))
        .values("actor_id", "actor__first_name", "actor__last_name", "actor__username", "day")
        .annotate(records=Count(record, distinct=True))
        .filter(records__gt=threshold)
        .order_by("-records", "-day", "actor__username")
    )
    return [
        BusyDay(
            user_id=r["actor_id"],
            user=_user_label(r["actor__first_name"], r["actor__last_name"], r["actor__username"]),
            day=r["day"],
            records=r["records"],
        )
        for r in grouped
    ]


def unusual_access_report(*, period: Period, agency: Agency | None, areas=None) -> Report:
    """The report for one agency's users (an SPOC's), or for everyone's (``agency=None``,
    the Coordinator's); with ``areas`` (the reader's council areas), of those areas' staff
    and records only."""
    threshold = daily_threshold()
    return Report(
        period=period,
        agency=agency,
        working_hours=working_hours(),
        threshold=threshold,
        rows=outside_rows(period, agency, areas),
        busy_days=busy_days(period, agency, threshold, areas),
    )
