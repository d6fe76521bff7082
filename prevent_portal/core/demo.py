"""Demo data: each app registers a seeder; ``seed_demo`` runs them in order.

Every date the demo writes is counted from the day it runs (``DemoContext.today``), so the
demo always shows a council at work now: meetings just held and coming up, the quarter under
way, the plan in force, work waiting. People keep their ages: a date of birth is "so many
years and months before today". Only the board paper's printed figures keep their own
(historical) dates, beside current ones.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

DEMO_PASSWORD = "demo-portal-password"  # noqa: S105 - fictional demo accounts only


@dataclass
class DemoAccount:
    username: str
    role: str
    agency: str
    totp_secret: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), or that month's last day if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def born(today: date, years: int, months: int = 0, days: int = 0) -> date:
    """The date of birth of someone ``years`` years, ``months`` months and ``days`` days old
    on ``today``: the same age whenever the demo is seeded."""
    return add_months(today, -(years * 12 + months)) - timedelta(days=days)


@dataclass
class DemoContext:
    """Passed from seeder to seeder: what earlier seeders made, and the day the demo is
    seeded, from which every date is counted."""

    accounts: list[DemoAccount]
    objects: dict[str, object]
    today: date = field(default_factory=timezone.localdate)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


_SEEDERS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def register(name: str, seeder: Callable[[DemoContext], None], *, order: int) -> None:
    if all(existing != name for _, existing, _ in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def seeders() -> list[tuple[str, Callable[[DemoContext], None]]]:
    return [(name, fn) for _, name, fn in sorted(_SEEDERS, key=lambda s: (s[0], s[1]))]
