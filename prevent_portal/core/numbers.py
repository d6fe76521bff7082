"""Percentages as the board papers print them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent_half_up(count: int, total: int) -> int | None:
    """``count / total * 100`` as a whole number rounded half up (12.5 -> 13), computed
    exactly so no binary fraction tips a half the wrong way; None when ``total`` is 0."""
    if not total:
        return None
    if type(count) is int and type(total) is int and count >= 0 and total > 0:
        # floor(100 * count / total + 1/2) in integers: exact, and a tenth of Decimal's
        # cost (a training table works out some 2,700 percentages a view).
        return (200 * count + total) // (2 * total)
    value = Decimal(count) * 100 / Decimal(total)
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
