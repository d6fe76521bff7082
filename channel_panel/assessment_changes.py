"""What changed between two vulnerability assessments, factor by factor: the section the
practitioners in Gill and Marchment's evaluation asked for ("significant changes between
assessments").

A pure function over plain values (no database), so it can be checked with property tests
(tests/channel_panel/test_assessment_changes.py). A factor is:
- newly present: present now, and not present (or not rated) before;
- no longer present: present before, and not present or unknown now;
- rating changed: any other change of rating (not present to unknown, a factor added to or
  retired from the framework between the two);
- evidence changed: the same rating, with different evidence text, source agency or date.
Unchanged factors are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

PRESENT = "present"
NEWLY_PRESENT = "newly_present"
NO_LONGER_PRESENT = "no_longer_present"
RATING_CHANGED = "rating_changed"
EVIDENCE_CHANGED = "evidence_changed"

KIND_LABELS = {
    NEWLY_PRESENT: "Newly present",
    NO_LONGER_PRESENT: "No longer present",
    RATING_CHANGED: "Rating changed",
    EVIDENCE_CHANGED: "Evidence changed",
}


@dataclass(frozen=True)
class FactorRating:
    """One factor's rating in one assessment, as plain values."""

    code: str
    name: str
    dimension: str
    rating: str
    evidence: str = ""
    source: str = ""
    evidence_on: date | None = None

    def evidence_key(self) -> tuple:
        # Whitespace at the ends is not a change a reader would notice.
        return (self.evidence.strip(), self.source, self.evidence_on)


@dataclass(frozen=True)
class FactorChange:
    code: str
    name: str
    dimension: str
    kind: str
    before: FactorRating | None
    after: FactorRating | None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _kind(old: FactorRating | None, new: FactorRating | None) -> str | None:
    was = old.rating if old is not None else None
    now = new.rating if new is not None else None
    if now == PRESENT and was != PRESENT:
        return NEWLY_PRESENT
    if was == PRESENT and now != PRESENT:
        return NO_LONGER_PRESENT
    if was != now:
        return RATING_CHANGED
    if old is not None and new is not None and old.evidence_key() != new.evidence_key():
        return EVIDENCE_CHANGED
    return None


def changes_between(
    before: Iterable[FactorRating], after: Iterable[FactorRating]
) -> list[FactorChange]:
    """The factors whose rating or evidence differs from ``before`` to ``after``, in the
    order of ``after`` (then any factor rated only before), each once."""
    old = {r.code: r for r in before}
    new = {r.code: r for r in after}
    order = list(new) + [code for code in old if code not in new]
    changes = []
    for code in order:
        kind = _kind(old.get(code), new.get(code))
        if kind is None:
            continue
        either = new.get(code) or old[code]
        changes.append(
            FactorChange(
                code=code,
                name=either.name,
                dimension=either.dimension,
                kind=kind,
                before=old.get(code),
                after=new.get(code),
            )
        )
    return changes
