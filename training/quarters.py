"""Financial-year quarters, as the board papers count them: Q1 is April to June.

A quarter is named by its financial year, "Q1 2018/19" (April-June 2018) to "Q4 2018/19"
(January-March 2019). Its last day is 30 June, 30 September, 31 December or 31 March.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# Month of a quarter's last day -> (quarter number, month of its first day).
_ENDS = {6: (1, 4), 9: (2, 7), 12: (3, 10), 3: (4, 1)}
_LAST_DAY = {6: 30, 9: 30, 12: 31, 3: 31}
QUARTER_ENDS_TEXT = "30 June, 30 September, 31 December or 31 March"


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date
    number: int
    financial_year_start: int

    @property
    def label(self) -> str:
        following = (self.financial_year_start + 1) % 100
        return f"Q{self.number} {self.financial_year_start}/{following:02d}"


def is_quarter_end(day: date) -> bool:
    return day.month in _ENDS and day.day == _LAST_DAY[day.month]


def quarter_ending(day: date) -> Quarter | None:
    """The quarter whose last day is ``day``; None if ``day`` ends no quarter."""
    if not is_quarter_end(day):
        return None
    number, first_month = _ENDS[day.month]
    financial_year_start = day.year - 1 if number == 4 else day.year
    return Quarter(
        start=date(day.year, first_month, 1),
        end=day,
        number=number,
        financial_year_start=financial_year_start,
    )


def quarter_containing(day: date) -> Quarter:
    """The quarter that ``day`` falls in."""
    end_month = ((day.month - 1) // 3 + 1) * 3
    end = date(day.year, end_month, _LAST_DAY[end_month])
    quarter = quarter_ending(end)
    assert quarter is not None  # end is a quarter's last day by construction
    return quarter


def previous_quarter(quarter: Quarter) -> Quarter:
    return quarter_containing(quarter.start - timedelta(days=1))
