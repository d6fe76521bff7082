"""Small-number suppression for every aggregate table: one helper, used by the referral
statistics, the Channel Panel report, the dashboard and the board report.

A table is given as cells (any hashable key -> a count of people) and the sums that tie
them together (``Sum(total, parts)``: a row adds up to its total, four quarters add up to
their year, an age group is the sum of its age bands, a flag and its unpublished complement
add up to the referrals). Then:

1. primary suppression: every cell below the threshold is hidden (0 included);
2. secondary suppression: while some hidden cell (or an unpublished cell below the
   threshold, such as "referrals without the flag") can be worked out exactly from the
   visible cells and the sums, one more cell is hidden near it: a visible cell of the sums
   that tie it to other unknown cells, a part before a total, a total of few sums before a
   grand total, the nearer and the smaller first. Repeated to a fixed point.

"Worked out" is what someone with the published figures can do: linear algebra over the
sums (every combination of them, not only one row at a time), and the fact that counts are
never negative (hidden cells that add up to 0 are all 0, and what that gives away next).
Security finding F3 (docs/security.md) is why.

The answer is a pure function of the cells, the sums and the threshold, and working it out
is the costliest part of a suppressed table (about a second for a year's referral statistics
by quarter at scale 1: issue 18, docs/performance.md). So each answer is kept in the shared
cache under a digest of everything it depends on: a table whose counts have not changed
since it was last suppressed (by the worker counting the dashboard, or another reader) is
not worked out again, and one whose counts changed has a new digest, so a stale answer is
never used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from prevent_portal.core.shared_cache import cache_get, cache_set

Key = Hashable


@dataclass(frozen=True)
class Sum:
    """``total`` equals the sum of ``parts`` (an exact identity of the data)."""

    total: Key
    parts: tuple[Key, ...]


def _equations(sums: Iterable[Sum], values: Mapping[Key, int], unknown: set[Key]):
    """Each sum as ({unknown cell: coefficient}, constant) with the known cells moved over."""
    out = []
    for item in sums:
        coeffs: dict[Key, int] = {}
        constant = 0  # whole numbers here (quick); fractions only in the elimination
        for key, sign in [(item.total, 1), *((part, -1) for part in item.parts)]:
            if key in unknown:
                coeffs[key] = coeffs.get(key, 0) + sign
            else:
                constant -= sign * values[key]
        coeffs = {k: c for k, c in coeffs.items() if c}
        if coeffs:
            out.append((coeffs, constant))
    return out


def _reduced_rows(equations):
    """Gauss-Jordan elimination: the rows of the reduced echelon form."""
    rows: list[tuple[dict, Fraction]] = []
    pivots: dict[Key, int] = {}
    for coeffs, constant in equations:
        coeffs = dict(coeffs)
        for var in [v for v in coeffs if v in pivots]:
            factor = coeffs.get(var)
            if not factor:
                continue
            row_coeffs, row_constant = rows[pivots[var]]
            for k, c in row_coeffs.items():
                coeffs[k] = coeffs.get(k, Fraction(0)) - factor * c
            constant -= factor * row_constant
            coeffs = {k: c for k, c in coeffs.items() if c}
        if not coeffs:
            continue
        pivot = min(coeffs, key=repr)
        scale = Fraction(coeffs[pivot])
        coeffs = {k: c / scale for k, c in coeffs.items()}
        constant = constant / scale
        for index, (row_coeffs, row_constant) in enumerate(rows):
            factor = row_coeffs.get(pivot)
            if factor:
                merged = dict(row_coeffs)
                for k, c in coeffs.items():
                    merged[k] = merged.get(k, Fraction(0)) - factor * c
                rows[index] = (
                    {k: c for k, c in merged.items() if c},
                    row_constant - factor * constant,
                )
        pivots[pivot] = len(rows)
        rows.append((coeffs, constant))
    return rows


def _components(equations):
    """The equations split into groups that share no unknown cell (each reduced alone: far
    quicker than one system of every table)."""
    parent: dict[Key, Key] = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for coeffs, _ in equations:
        first, *rest = coeffs
        for other in rest:
            parent[root(other)] = root(first)
    groups: dict[Key, list] = {}
    for equation in equations:
        groups.setdefault(root(next(iter(equation[0]))), []).append(equation)
    return list(groups.values())


def derivable(
    values: Mapping[Key, int], sums: Iterable[Sum], unknown: Iterable[Key], *, _memo=None
) -> dict:
    """The cells of ``unknown`` whose value follows from the other cells of ``values`` and
    ``sums``, with the value that follows."""
    sums = list(sums)
    unknown = set(unknown)
    known_values = dict(values)
    found: dict[Key, Fraction] = {}
    while True:
        equations = _equations(sums, known_values, unknown)
        new: dict[Key, Fraction] = {}
        reduced = [row for group in _components(equations) for row in _reduced_rows(group)]
        for coeffs, constant in [*equations, *reduced]:
            if len(coeffs) == 1:
                ((var, coefficient),) = coeffs.items()
                new[var] = Fraction(constant) / coefficient
            elif constant == 0 and (
                all(c > 0 for c in coeffs.values()) or all(c < 0 for c in coeffs.values())
            ):
                # Counts are never negative: hidden counts adding up to 0 are all 0.
                new.update(dict.fromkeys(coeffs, Fraction(0)))
        if not new:
            return found
        found.update(new)
        unknown -= set(new)
        known_values.update(new)


def suppress(
    values: Mapping[Key, int],
    sums: Iterable[Sum],
    *,
    below: int,
    unpublished: Iterable[Key] = (),
) -> set[Key]:
    """The published cells to hide so that no hidden cell, and no unpublished cell below
    ``below``, can be worked out from what is shown (the rules at the top of this module)."""
    # Only identities the data really satisfies (an age outside every band would break
    # "the bands add up to the referrals"): a sum that does not hold tells a reader nothing.
    sums = [s for s in sums if values[s.total] == sum(values[p] for p in s.parts)]
    unpublished = set(unpublished)
    if not below:
        return set()
    digest = _digest(values, sums, below, unpublished)
    known = _remembered(digest)
    if known is not None:
        return known
    hidden = _worked_out(values, sums, below, unpublished)
    _remember(digest, hidden)
    return hidden


# Versioned: a change to the rules below must not reuse answers worked out by the old ones.
MEMO_PREFIX = "suppression:v1:"
MEMO_SECONDS = 7 * 24 * 3600


def _digest(values: Mapping[Key, int], sums: list[Sum], below: int, unpublished: set) -> str:
    """Everything the answer depends on, in an order that does not depend on the caller's."""
    text = repr(
        (
            below,
            sorted(((repr(k), int(v)) for k, v in values.items())),
            [(repr(s.total), [repr(p) for p in s.parts]) for s in sums],
            sorted(repr(k) for k in unpublished),
        )
    )
    return MEMO_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _remembered(digest: str) -> set | None:
    # A cache that does not answer (Redis down) only costs the working out again.
    found = cache_get(digest)
    return None if found is None else set(found)


def _remember(digest: str, hidden: set) -> None:
    cache_set(digest, list(hidden), MEMO_SECONDS)


def _worked_out(values, sums: list[Sum], below: int, unpublished: set) -> set[Key]:
    """``suppress``'s answer, worked out (the rules at the top of this module)."""
    hidden = {key for key, value in values.items() if value < below and key not in unpublished}
    protected_unpublished = {key for key in unpublished if values[key] < below}
    in_sums: dict[Key, list[Sum]] = {}
    for item in sums:
        for key in (item.total, *item.parts):
            in_sums.setdefault(key, []).append(item)
    as_total: dict[Key, int] = {}
    for item in sums:
        as_total[item.total] = as_total.get(item.total, 0) + 1
    memo: dict = {}
    while True:
        exposed = set(derivable(values, sums, hidden | unpublished, _memo=memo)) & (
            hidden | protected_unpublished
        )
        if not exposed:
            return hidden
        # One more cell for each exposed cell whose sums share nothing with a cell chosen
        # in this round (fewer rounds, without hiding two cells where one will do).
        touched: set[int] = set()
        chosen: set[Key] = set()
        for cell in sorted(exposed, key=repr):
            near = {id(item) for item in in_sums.get(cell, [])}
            if near & touched:
                continue
            pick = _next_to_hide(cell, values, in_sums, hidden | unpublished, as_total)
            # Already chosen for another exposed cell in this round: see if that was enough.
            if pick is not None and pick not in chosen:
                chosen.add(pick)
                touched |= near | {id(item) for item in in_sums.get(pick, [])}
        if not chosen:  # nothing left to hide near them: every cell nearby is hidden
            return hidden
        hidden |= chosen


# How far from an exposed cell a cell to hide is looked for, in sums; a total counts as one
# sum further away, a total of several sums (a grand total, which tells the most) as three.
HOPS = 4
TOTAL_COST, GRAND_TOTAL_COST = 1, 3


def _next_to_hide(cell, values, in_sums, unknown, as_total) -> Key | None:
    """The visible cell nearest ``cell`` through the sums that tie it to other unknown
    cells, a part before a total (the costs above), the smaller first."""
    ranked: dict[Key, tuple] = {}
    frontier, seen = [cell], {cell}
    for hop in range(HOPS):
        next_frontier = []
        for key in frontier:
            for item in in_sums.get(key, []):
                for member in (item.total, *item.parts):
                    if member in unknown:
                        if member not in seen:
                            seen.add(member)
                            next_frontier.append(member)
                        continue
                    totals = as_total.get(member, 0)
                    cost = hop + (
                        0 if not totals else TOTAL_COST if totals == 1 else GRAND_TOTAL_COST
                    )
                    rank = (cost, values[member], repr(member))
                    if member not in ranked or rank < ranked[member]:
                        ranked[member] = rank
        frontier = next_frontier
    return min(ranked, key=ranked.get) if ranked else None
