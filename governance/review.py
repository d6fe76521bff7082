"""What the quarterly review and the board appendix read: quarters of a strategy period, and
each page's rows in a fixed number of queries whatever the size of the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from governance.models import ActionItem, ProgressUpdate, StrategyPeriod, add_months
from training.quarters import quarter_containing


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        """Named as the board papers and the training returns name it: the financial year's
        quarter (Q1 is April to June), then its months."""
        financial = quarter_containing(self.start).label
        return f"{financial} ({self.start:%B} to {self.end:%B %Y})"

    @classmethod
    def containing(cls, day: date) -> Quarter:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return cls(start, add_months(start, 3) - timedelta(days=1))

    @classmethod
    def from_key(cls, key: str) -> Quarter | None:
        year, _, number = key.partition("-Q")
        if not (year.isdigit() and len(year) == 4 and number in {"1", "2", "3", "4"}):
            return None
        return cls.containing(date(int(year), 3 * int(number) - 2, 1))


def quarters_of(period: StrategyPeriod) -> list[Quarter]:
    """Every quarter the period touches, oldest first."""
    quarters, quarter = [], Quarter.containing(period.starts_on)
    while quarter.start <= period.ends_on:
        quarters.append(quarter)
        quarter = Quarter.containing(add_months(quarter.start, 3))
    return quarters


def default_quarter(period: StrategyPeriod, today: date) -> Quarter:
    """The quarter containing today, or the period's nearest end when today is outside it."""
    day = min(max(today, period.starts_on), period.ends_on)
    return Quarter.containing(day)


def review_items(period: StrategyPeriod, quarter: Quarter, today: date) -> list[ActionItem]:
    """Every item of the period as the quarterly review shows it: one query."""
    as_of = min(today, quarter.end)
    return list(
        ActionItem.objects.filter(action__period=period)
        .review(start=quarter.start, end=quarter.end, as_of=as_of)
        .select_related("action", "owner_agency", "owner_officer")
        .order_by("action__number", "pk")
    )


def appendix_actions(period: StrategyPeriod, as_of: date):
    """The period's actions, each with its items and each item's latest update on or before
    ``as_of``: two queries."""
    latest = ProgressUpdate.objects.filter(item=OuterRef("pk"), on__lte=as_of).order_by(
        "-on", "-pk"
    )
    items = (
        ActionItem.objects.select_related("owner_agency", "owner_officer")
        .annotate(
            latest_on=Subquery(latest.values("on")[:1]),
            latest_text=Subquery(latest.values("text")[:1]),
            latest_rag=Coalesce(Subquery(latest.values("rag")[:1]), "rag"),
        )
        .order_by("pk")
    )
    return period.actions.order_by("number").prefetch_related(Prefetch("items", queryset=items))
