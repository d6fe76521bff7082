"""The arithmetic and calendar rules: half-up percentages and financial quarters."""

from datetime import date

import pytest

from prevent_portal.core.numbers import percent_half_up
from training.models import ComplianceReturn
from training.quarters import is_quarter_end, quarter_containing, quarter_ending


@pytest.mark.parametrize(
    ("compliant", "eligible", "expected"),
    [
        (1, 8, 13),  # 12.5 rounds up, not to even
        (5, 8, 63),  # 62.5
        (29, 200, 15),  # 14.5: round() would give 14
        (1, 3, 33),
        (2, 3, 67),
        (0, 10, 0),
        (10, 10, 100),
        (0, 0, None),  # nobody eligible: no percentage
    ],
)
def test_percent_is_rounded_half_up_to_a_whole_number(compliant, eligible, expected):
    assert percent_half_up(compliant, eligible) == expected


def test_percent_in_whole_numbers_agrees_with_decimal_rounding_half_up():
    """The integer arithmetic gives what Decimal's ROUND_HALF_UP gives, for every count
    of every total up to 400 (every half among them)."""
    from decimal import ROUND_HALF_UP, Decimal

    for total in range(1, 401):
        for count in range(total + 1):
            exact = (Decimal(count) * 100 / Decimal(total)).quantize(
                Decimal("1"), rounding=ROUND_HALF_UP
            )
            assert percent_half_up(count, total) == int(exact), (count, total)


def test_a_return_meets_its_target_on_the_printed_percentage():
    # An unsaved return names its area: the default would ask the database for it.
    assert ComplianceReturn(
        eligible=11944, compliant=10119, target_percent=85, area_id=1
    ).meets_target
    assert not ComplianceReturn(
        eligible=482, compliant=400, target_percent=85, area_id=1
    ).meets_target
    assert (
        ComplianceReturn(eligible=0, compliant=0, target_percent=85, area_id=1).meets_target is None
    )


@pytest.mark.parametrize(
    ("end", "label", "start"),
    [
        (date(2018, 6, 30), "Q1 2018/19", date(2018, 4, 1)),
        (date(2018, 9, 30), "Q2 2018/19", date(2018, 7, 1)),
        (date(2018, 12, 31), "Q3 2018/19", date(2018, 10, 1)),
        (date(2019, 3, 31), "Q4 2018/19", date(2019, 1, 1)),
        (date(2000, 3, 31), "Q4 1999/00", date(2000, 1, 1)),
    ],
)
def test_financial_quarters_are_named_by_their_year(end, label, start):
    quarter = quarter_ending(end)
    assert (quarter.label, quarter.start, quarter.end) == (label, start, end)
    assert quarter_containing(start) == quarter
    assert quarter_containing(end) == quarter


@pytest.mark.parametrize(
    "day", [date(2018, 6, 29), date(2018, 7, 31), date(2019, 2, 28), date(2018, 12, 30)]
)
def test_other_days_end_no_quarter(day):
    assert not is_quarter_end(day)
    assert quarter_ending(day) is None
