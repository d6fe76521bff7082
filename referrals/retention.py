"""Records retention (UK GDPR Art. 5(1)(e)): when a person's records are past keeping.

Rules, decided once here:
- the unit is the person: their personal data is deleted with all their referrals (and what
  hangs off them) at once, so nothing is kept about them in one record that was deleted in
  another. Persons folded into them by a confirmed repeat match go with them;
- a person is due only when every one of their referrals is closed. A referral's closure is
  ``Closure(rule_code, closed_on)``; ``closed_on`` None means still open, which keeps the
  person off the queue. referrals decides the triage closures (a closed referral's outcome
  code names its rule, ``RetentionRule.OTHER`` without one; a closed referral passed to
  panel is "not-adopted", or "channel-case-closed" if it was adopted, on its decision date);
  apps standing on referrals register better knowledge (the Channel Panel: the case's
  closure date, the panel's decision date), later registrations winning;
- each closed referral is kept for its rule's ``years`` from ``closed_on``, and, for someone
  under 18 when referred, at least until their ``young_person_until_age`` birthday (from the
  date of birth, or, without one, the latest that birthday can be from the age at referral).
  The person is due on the latest of these dates over their referrals; the rule that gives
  it is recorded on the review;
- a person with a review row is never queued again (one row per person, ever): deleted is
  final, and a legal hold stays until its review date, when the sweep puts the same row
  back in the queue.

Apps register in ``AppConfig.ready()``::

    from referrals import retention

    retention.register("channel_panel", closures=case_closures, erase=erase_cases)

``closures(referrals) -> dict[referral_id, Closure]`` gets a queryset of referrals and costs
one or two queries whatever their number. ``erase(referral_ids) -> dict[str, int]`` runs
inside the deletion's transaction before referrals erases its own rows, deletes or blanks
its personal data through the ORM (so auditlog records each change, masked) and returns the
counts for the deletion certificate (no personal data), e.g. ``{"consents": 2}``. Files it
removes from MEDIA_ROOT are counted under a key ending "files", and removed only after
commit (``transaction.on_commit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from referrals.models import Outcome, Referral, RetentionRule

# The closures the apps standing on referrals use (codes of RetentionRule rows).
NOT_ADOPTED = "not-adopted"
CHANNEL_CASE_CLOSED = "channel-case-closed"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March (kept a day longer)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class Closure:
    rule_code: str
    closed_on: date | None  # None: still open


@dataclass(frozen=True)
class Due:
    """A person past retention: the rule and closure that give the latest date."""

    person_id: int
    rule: RetentionRule
    closed_on: date
    due_on: date


ClosureProvider = Callable[[Iterable[Referral]], dict[int, Closure]]
Eraser = Callable[[list[int]], dict[str, int]]
_CLOSURES: dict[str, ClosureProvider] = {}
_ERASERS: dict[str, Eraser] = {}


def register(name: str, *, closures: ClosureProvider | None = None, erase: Eraser | None = None):
    """Register an app's part under a unique name; registering it again replaces it."""
    unregister(name)
    if closures is not None:
        _CLOSURES[name] = closures
    if erase is not None:
        _ERASERS[name] = erase


def unregister(name: str) -> None:
    _CLOSURES.pop(name, None)
    _ERASERS.pop(name, None)


def erasers() -> dict[str, Eraser]:
    return dict(_ERASERS)


def _triage_closure(row: dict) -> Closure:
    if row["status"] != Referral.Status.CLOSED:
        return Closure(RetentionRule.OTHER, None)
    closed_on = row["decided_on"] or row["received_on"]
    code = row["outcome__code"]
    if code == Outcome.PASSED_TO_PANEL:
        return Closure(CHANNEL_CASE_CLOSED if row["adopted"] else NOT_ADOPTED, closed_on)
    return Closure(code or RetentionRule.OTHER, closed_on)


def keep_until(closure: Closure, rule: RetentionRule, row: dict) -> date:
    """The day a closed referral's retention ends under ``rule`` (see the module's rules)."""
    until = add_years(closure.closed_on, rule.years)
    age = row["age_at_referral"]
    limit = rule.young_person_until_age
    if limit and age is not None and age < 18:
        born = row["person__date_of_birth"]
        birthday = add_years(born, limit) if born else add_years(row["received_on"], limit - age)
        until = max(until, birthday)
    return until


def candidates():
    """Referrals of persons who may fall due: not de-personalised, not folded into another
    person, never reviewed."""
    return Referral.objects.filter(
        person__depersonalised_at__isnull=True,
        person__merged_into__isnull=True,
        person__retention_review__isnull=True,
    )


def due_persons(today: date, referrals=None) -> list[Due]:
    """Every person whose records are all closed and past retention on ``today`` (among
    ``referrals``' persons, by default ``candidates()``), in a fixed number of queries: one
    for the referrals, one for the rules, one or two per registered provider."""
    referrals = candidates() if referrals is None else referrals
    rows = list(
        referrals.values(
            "pk",
            "person_id",
            "area_id",
            "status",
            "outcome__code",
            "decided_on",
            "received_on",
            "age_at_referral",
            "adopted",
            "person__date_of_birth",
        )
    )
    if not rows:
        return []
    closures = {row["pk"]: _triage_closure(row) for row in rows}
    for provider in list(_CLOSURES.values()):
        closures.update(provider(referrals))
    # Shared rules, and each council area's overrides of them (issue 18).
    shared, overrides = RetentionRule.objects.by_area()
    latest: dict[int, tuple[date, RetentionRule, date] | None] = {}
    for row in rows:
        person = row["person_id"]
        if person in latest and latest[person] is None:
            continue  # an open referral already keeps this person off the queue
        closure = closures[row["pk"]]
        if closure.closed_on is None:
            latest[person] = None
            continue
        rules = {**shared, **overrides.get(row["area_id"], {})}
        rule = rules.get(closure.rule_code) or rules.get(RetentionRule.OTHER)
        if rule is None:
            latest[person] = None  # no rule configured: keep, never guess
            continue
        until = keep_until(closure, rule, row)
        if person not in latest or until > latest[person][0]:
            latest[person] = (until, rule, closure.closed_on)
    return [
        Due(person_id=person, rule=rule, closed_on=closed_on, due_on=until)
        for person, value in latest.items()
        if value is not None
        for until, rule, closed_on in [value]
        if until <= today
    ]
