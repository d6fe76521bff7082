"""Small-number suppression (prevent_portal.core.suppression): no hidden count can be worked
out from what is shown, by a reader doing what a reader would do (security finding F3).

``attack`` is that reader, written independently of the helper: it substitutes the shown
figures into every identity the tables obey, solves any with one unknown left, sets hidden
counts that add up to 0 to 0, and subtracts one identity from another where the unknowns
of one are among the other's (a year minus its quarters, a total minus the cells shown).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prevent_portal.core.suppression import Sum, derivable, suppress

MAX_EQUATIONS = 4000


def attack(shown: dict, hidden: set, sums) -> dict:
    """The hidden cells a reader can work out from ``shown`` and the identities ``sums``
    (``Sum`` or (total, parts) pairs), with their values."""
    equations = set()
    for item in sums:
        total, parts = (item.total, item.parts) if isinstance(item, Sum) else item
        coeffs: dict = {total: 1}
        for part in parts:
            coeffs[part] = coeffs.get(part, 0) - 1
        equations.add((frozenset((k, c) for k, c in coeffs.items() if c), 0))
    found: dict = {}
    while True:
        known = {**shown, **found}
        reduced = set()
        for coeffs, constant in equations:
            left = {}
            for key, c in coeffs:
                if key in known:
                    constant -= c * known[key]
                else:
                    left[key] = c
            if left:
                reduced.add((frozenset(left.items()), constant))
        new = {}
        for coeffs, constant in reduced:
            terms = dict(coeffs)
            if len(terms) == 1:
                ((key, c),) = terms.items()
                new[key] = constant // c
            elif constant == 0 and len({c > 0 for c in terms.values()}) == 1:
                new.update(dict.fromkeys(terms, 0))
        new = {k: v for k, v in new.items() if k in hidden and k not in found}
        if new:
            found.update(new)
            equations = reduced
            continue
        # Differencing: one identity less another whose unknowns it holds.
        grown = set(reduced)
        items = sorted(reduced, key=lambda e: len(e[0]))
        for small_coeffs, small_constant in items:
            small = dict(small_coeffs)
            for big_coeffs, big_constant in items:
                big = dict(big_coeffs)
                if len(small) >= len(big):
                    continue
                for sign in (1, -1):
                    if all(big.get(k) == sign * c for k, c in small.items()):
                        rest = {k: c for k, c in big.items() if k not in small}
                        grown.add((frozenset(rest.items()), big_constant - sign * small_constant))
            if len(grown) > MAX_EQUATIONS:
                break
        if grown == reduced:
            return found
        equations = grown


# --- One table -----------------------------------------------------------------------------
def test_a_row_with_one_small_cell_hides_a_second_so_the_total_does_not_give_it_away():
    values = {"total": 20, "male": 10, "female": 8, "other": 2}
    sums = [Sum("total", ("male", "female", "other"))]
    hidden = suppress(values, sums, below=5)
    assert hidden == {"other", "female"}  # the next smallest
    shown = {k: v for k, v in values.items() if k not in hidden}
    assert attack(shown, hidden, sums) == {}


def test_primary_suppression_alone_gives_the_small_cell_away():
    """The attack works: what the helper prevents is real."""
    values = {"total": 20, "male": 10, "female": 8, "other": 2}
    sums = [Sum("total", ("male", "female", "other"))]
    shown = {k: v for k, v in values.items() if v >= 5}
    assert attack(shown, {"other"}, sums) == {"other": 2}


def test_quarters_and_year_are_protected_together():
    """A lone referral in Q4: Q1-Q3 and the year shown would give it away by subtraction."""
    values = {("q", n): v for n, v in enumerate([10, 12, 9, 1])}
    values["year"] = 32
    sums = [Sum("year", tuple(("q", n) for n in range(4)))]
    hidden = suppress(values, sums, below=5)
    assert ("q", 3) in hidden and len(hidden) >= 2
    shown = {k: v for k, v in values.items() if k not in hidden}
    assert attack(shown, hidden, sums) == {}


def test_an_unpublished_complement_below_the_threshold_is_protected():
    """19 of 19 referrals with a flag says the flag of every one of them: the flag count is
    hidden when referrals without it are fewer than the threshold."""
    values = {"referrals": 19, "flag": 19, "without": 0}
    sums = [Sum("referrals", ("flag", "without"))]
    hidden = suppress(values, sums, below=5, unpublished={"without"})
    assert "flag" in hidden
    assert "without" not in derivable(
        {k: v for k, v in values.items() if k not in hidden}, sums, hidden | {"without"}
    )


def test_no_threshold_hides_nothing():
    assert suppress({"a": 1, "b": 1}, [Sum("a", ("b",))], below=0) == set()


# --- Random tables ---------------------------------------------------------------------------
@st.composite
def year_tables(draw):
    """A table of categories by four quarters, with each quarter's total and the year's row
    (the shape of every referral table on the dashboard, statistics and board report)."""
    categories = draw(st.integers(min_value=1, max_value=4))
    cells = draw(
        st.lists(
            st.lists(st.integers(min_value=0, max_value=12), min_size=categories,
                     max_size=categories),
            min_size=4, max_size=4,
        )
    )  # fmt: skip
    values: dict = {}
    sums: list[Sum] = []
    for q, row in enumerate(cells):
        for c, n in enumerate(row):
            values[(q, c)] = n
        values[(q, "total")] = sum(row)
        sums.append(Sum((q, "total"), tuple((q, c) for c in range(categories))))
    for c in [*range(categories), "total"]:
        values[("year", c)] = sum(values[(q, c)] for q in range(4))
        sums.append(Sum(("year", c), tuple((q, c) for q in range(4))))
    sums.append(Sum(("year", "total"), tuple(("year", c) for c in range(categories))))
    return values, sums


@settings(max_examples=60, deadline=None)
@given(year_tables(), st.integers(min_value=2, max_value=6))
def test_no_hidden_cell_of_a_random_table_can_be_worked_out(table, below):
    values, sums = table
    hidden = suppress(values, sums, below=below)
    assert {k for k, v in values.items() if v < below} <= hidden  # primary
    shown = {k: v for k, v in values.items() if k not in hidden}
    assert attack(shown, hidden, sums) == {}
    assert derivable(shown, sums, hidden) == {}
