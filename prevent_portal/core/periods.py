"""Reporting periods: the UK financial year (1 April to 31 March) and its quarters.

Someone who sees aggregates only (a manager) may ask for figures for whole reporting
periods only: a financial quarter or a financial year. Free dates would let them subtract
the figures of two periods a day apart and read one referral's details out of the
difference (security finding F3); whole periods nest in one way only (four quarters make a
year), and ``prevent_portal.core.suppression`` hides cells across that nesting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WHOLE_PERIOD_ERROR = (
    "Choose a whole financial year (1 April to 31 March) or a whole financial quarter "
    "(for example 1/4/2025 to 30/6/2025)"
)
# First month and (month, day) of the last day of each financial quarter, Q1 first.
_QUARTERS = [(4, (6, 30)), (7, (9, 30)), (10, (12, 31)), (1, (3, 31))]


def financial_year_start(day: date) -> date:
    """1 April of the financial year ``day`` falls in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def financial_quarters(year_start: int) -> list[Period]:
    """The four quarters of the financial year starting 1 April ``year_start``."""
    quarters = []
    for first_month, (last_month, last_day) in _QUARTERS:
        year = year_start if first_month >= 4 else year_start + 1
        quarters.append(Period(date(year, first_month, 1), date(year, last_month, last_day)))
    return quarters


def financial_year(year_start: int) -> Period:
    return Period(date(year_start, 4, 1), date(year_start + 1, 3, 31))


@dataclass(frozen=True)
class Block:
    """A financial year and its quarters: the outputs a whole-period reader can put side by
    side. ``asked`` is the index of the period asked for: 0-3 a quarter, 4 the year."""

    quarters: list[Period]
    year: Period
    asked: int

    @property
    def periods(self) -> list[Period]:
        return [*self.quarters, self.year]


def reporting_block(date_from: date, date_to: date) -> Block | None:
    """The financial year around ``date_from``..``date_to`` when that is a whole financial
    quarter or year; None for any other dates."""
    year_start = financial_year_start(date_from).year
    year = financial_year(year_start)
    quarters = financial_quarters(year_start)
    if (date_from, date_to) == (year.start, year.end):
        return Block(quarters, year, 4)
    for index, quarter in enumerate(quarters):
        if (date_from, date_to) == (quarter.start, quarter.end):
            return Block(quarters, year, index)
    return None


def is_whole_period(date_from: date | None, date_to: date | None) -> bool:
    return bool(date_from and date_to) and reporting_block(date_from, date_to) is not None


def refuse_partial_period(form, start: str, end: str) -> None:
    """Form validation for a reader of aggregates only: the dates must make a whole
    financial quarter or year (an error on the first day otherwise)."""
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    checkable = first and last and start not in form.errors and end not in form.errors
    if checkable and not is_whole_period(first, last):
        form.add_error(start, WHOLE_PERIOD_ERROR)
