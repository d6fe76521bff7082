"""Repeat-referral matching: is the person on a new referral someone referred before?

Scoring is a set of pure functions over ``PersonFacts`` (names and aliases, date of birth,
postcode), so it can be tested without a database. ``find_candidates`` is the one query.

The score is out of 100 and made of three parts:

- names, up to 45: the best similarity between any name of one person (their name or an
  alias) and any name of the other: the mean of the given-name and family-name
  similarities, taken either way round so a transposed given and family name still
  matches; a one-letter typo still scores in the 90s, and siblings (same family name,
  different given name) score low. When the full names differ
  but the given name is the same, 25 points (a changed surname, e.g. on marriage).
- date of birth, up to 35: 35 when the same, 20 when nearly the same (day and month
  swapped, or one digit different), 0 when either is not known, and minus 30 when both are
  known and clearly different (strong evidence of two people who share a common name).
- postcode, up to 20: 20 for the same postcode, 10 for the same postcode district.

Without any name evidence (full names less than 70% alike and different given names) there
is no match at all, whatever the rest: twins and siblings share a date of birth and a
postcode. A match below ``THRESHOLD`` is not stored or shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q
from rapidfuzz import fuzz

THRESHOLD = 50
# A safety net for a pathological block (a very common name prefix in one district): the
# candidates scored per referral are capped, the most recently recorded persons first.
MAX_CANDIDATES = 500
PREFIX_LENGTH = 3

NAME_POINTS = 45
CHANGED_SURNAME_POINTS = 25
SOMEWHAT_SIMILAR_POINTS = 15
DOB_SAME_POINTS = 35
DOB_NEAR_POINTS = 20
DOB_DIFFERENT_POINTS = -30
POSTCODE_SAME_POINTS = 20
POSTCODE_DISTRICT_POINTS = 10

VERY_SIMILAR = 90
SIMILAR = 85
SOMEWHAT_SIMILAR = 70
SAME_GIVEN_NAME = 90


@dataclass(frozen=True)
class PersonFacts:
    """What matching looks at, for one person. ``names`` are (given, family) pairs: the
    person's own name first, then their aliases."""

    names: tuple[tuple[str, str], ...]
    date_of_birth: date | None = None
    postcode: str = ""

    @classmethod
    def of(cls, person) -> PersonFacts:
        """From a Person whose ``aliases`` are loaded (prefetched) or loadable."""
        names = [(person.given_name, person.family_name)]
        names += [(a.given_name, a.family_name) for a in person.aliases.all()]
        return cls(tuple(names), person.date_of_birth, person.postcode or "")


@dataclass(frozen=True)
class MatchResult:
    score: int
    reasons: list[str] = field(default_factory=list)


def normalise_name(text: str) -> str:
    """Lower case, accents dropped, anything but letters turned into single spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z]+", " ", text).split())


def normalise_postcode(postcode: str) -> str:
    """Upper case, single space before the inward code (the last three characters)."""
    compact = re.sub(r"\s+", "", (postcode or "").upper())
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_district(postcode: str) -> str:
    """The outward code ("ZZ3" of "ZZ3 1AB"), or "" if the postcode is not known."""
    normal = normalise_postcode(postcode)
    return normal.split(" ")[0] if " " in normal else ""


def _full(given: str, family: str) -> str:
    return normalise_name(f"{given} {family}")


def _pair_similarity(a: tuple[str, str], b: tuple[str, str]) -> tuple[float, bool]:
    """Similarity of two (given, family) names: the mean of the given-name and family-name
    similarities, taken the better way round, and whether that was the transposed way."""
    ag, af = normalise_name(a[0]), normalise_name(a[1])
    bg, bf = normalise_name(b[0]), normalise_name(b[1])
    if not (ag and af and bg and bf):
        # A partial name (an alias known only by one name): compare what there is.
        left, right = f"{ag} {af}".strip(), f"{bg} {bf}".strip()
        return (fuzz.token_sort_ratio(left, right) if left and right else 0.0), False
    straight = (fuzz.ratio(ag, bg) + fuzz.ratio(af, bf)) / 2
    crossed = (fuzz.ratio(ag, bf) + fuzz.ratio(af, bg)) / 2
    if crossed > straight:
        return crossed, True
    return straight, False


def name_similarity(a: PersonFacts, b: PersonFacts) -> tuple[float, bool, bool]:
    """Best similarity (0-100) of any name of ``a`` with any name of ``b``, given and family
    names compared part by part either way round; whether the best was the transposed way;
    and whether it came from an alias."""
    best, transposed, via_alias = 0.0, False, False
    for i, name_a in enumerate(a.names):
        for j, name_b in enumerate(b.names):
            score, crossed = _pair_similarity(name_a, name_b)
            if score > best:
                best, transposed, via_alias = score, crossed, i > 0 or j > 0
    return best, transposed, via_alias


def given_name_similarity(a: PersonFacts, b: PersonFacts) -> float:
    """Best similarity of the given names alone (any name or alias of each)."""
    best = 0.0
    for ag, _ in a.names:
        for bg, _ in b.names:
            left, right = normalise_name(ag), normalise_name(bg)
            if left and right:
                best = max(best, fuzz.ratio(left, right))
    return best


def swapped_day_month(value: date) -> date | None:
    """The date with day and month exchanged, if that is a different, real date."""
    if value.day > 12 or value.day == value.month:
        return None
    return date(value.year, value.day, value.month)


def date_of_birth_relation(a: date | None, b: date | None) -> str:
    """ "same", "swapped" (day and month), "digit" (one digit different), "different", or
    "unknown" when either is not known."""
    if a is None or b is None:
        return "unknown"
    if a == b:
        return "same"
    if swapped_day_month(a) == b:
        return "swapped"
    digits_a, digits_b = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(digits_a, digits_b, strict=True)) == 1:
        return "digit"
    return "different"


def score_pair(subject: PersonFacts, candidate: PersonFacts) -> MatchResult:
    """How likely ``candidate`` is the same person as ``subject``, with the reasons."""
    reasons: list[str] = []
    similarity, transposed, via_alias = name_similarity(subject, candidate)
    alias_note = " (using an alias)" if via_alias else ""
    if similarity >= SIMILAR:
        points = round(NAME_POINTS * similarity / 100)
        if transposed:
            reasons.append(
                f"Names match with given and family names the other way round "
                f"({similarity:.0f}%){alias_note}"
            )
        elif similarity >= 100:
            reasons.append(f"Same name{alias_note}")
        elif similarity >= VERY_SIMILAR:
            reasons.append(f"Names are very similar ({similarity:.0f}%){alias_note}")
        else:
            reasons.append(f"Names are similar ({similarity:.0f}%){alias_note}")
    elif given_name_similarity(subject, candidate) >= SAME_GIVEN_NAME:
        points = CHANGED_SURNAME_POINTS
        reasons.append("Same given name, different family name (the surname may have changed)")
    elif similarity >= SOMEWHAT_SIMILAR:
        points = SOMEWHAT_SIMILAR_POINTS
        reasons.append(f"Names are somewhat similar ({similarity:.0f}%){alias_note}")
    else:
        return MatchResult(0, [])

    relation = date_of_birth_relation(subject.date_of_birth, candidate.date_of_birth)
    if relation == "same":
        points += DOB_SAME_POINTS
        reasons.append("Same date of birth")
    elif relation == "swapped":
        points += DOB_NEAR_POINTS
        reasons.append("Date of birth nearly the same (day and month swapped)")
    elif relation == "digit":
        points += DOB_NEAR_POINTS
        reasons.append("Date of birth nearly the same (one digit different)")
    elif relation == "different":
        points += DOB_DIFFERENT_POINTS
        reasons.append("Different date of birth")
    else:
        reasons.append("Date of birth not known for one of them")

    mine, theirs = normalise_postcode(subject.postcode), normalise_postcode(candidate.postcode)
    district = postcode_district(mine)
    if mine and mine == theirs:
        points += POSTCODE_SAME_POINTS
        reasons.append("Same postcode")
    elif district and district == postcode_district(theirs):
        points += POSTCODE_DISTRICT_POINTS
        reasons.append(f"Same postcode district {district}")
    return MatchResult(max(0, min(100, points)), reasons)


def _prefixes(facts: PersonFacts) -> set[str]:
    return {
        part[:PREFIX_LENGTH]
        for given, family in facts.names
        for part in (normalise_name(given), normalise_name(family))
        if len(part) >= PREFIX_LENGTH
    }


def _name_starts(prefixes: set[str], *fields: str) -> Q:
    q = Q(pk__in=[])
    for prefix in sorted(prefixes):
        for name in fields:
            q |= Q(**{f"{name}__istartswith": prefix})
    return q


OWN_GIVEN, OWN_FAMILY = "given_name", "family_name"
ALIAS_GIVEN, ALIAS_FAMILY = "aliases__given_name", "aliases__family_name"


def candidate_ids(facts: PersonFacts):
    """Ids of the stored persons worth scoring against ``facts``: a UNION of blocks.

    Scoring every person in Python does not scale, so candidates are first narrowed in SQL
    by blocking keys that plain comparisons compute the same way on SQLite and PostgreSQL
    (``=``, ``IN`` and ``LIKE 'abc%'``; no soundex or trigram extension). A person is a
    candidate when any of these holds:

    1. the same date of birth, or the same with day and month swapped;
    2. the same postcode district and a name (own or alias, given or family) starting with
       the first three letters of one of the subject's names, in either field, so a
       transposed name or a changed surname still falls in the block;
    3. both a given-name prefix and a family-name prefix in common, in either order, for a
       near date of birth with the postcode changed. The two may come from the person's
       own name and one alias, but never from two different aliases.

    Each block is its own branch of the UNION, so on PostgreSQL each is an index scan
    (date of birth; ``UPPER(name)`` prefixes, referrals/indexes.py). The same blocks as one
    OR across the alias join read every person (docs/performance.md, the matcher).

    What can reach the threshold and is missed: a typo in the first three letters of every
    name together with a wrong date of birth, which scoring would rate low anyway.
    """
    from referrals.models import Person

    people = Person.objects.order_by()
    branches = []
    dates = set()
    if facts.date_of_birth:
        dates.add(facts.date_of_birth)
        swapped = swapped_day_month(facts.date_of_birth)
        if swapped:
            dates.add(swapped)
        branches.append(people.filter(date_of_birth__in=sorted(dates)))
    prefixes = _prefixes(facts)
    if prefixes:
        district = postcode_district(facts.postcode)
        if district:
            # One branch for the own names, one through the alias join.
            for fields in ((OWN_GIVEN, OWN_FAMILY), (ALIAS_GIVEN, ALIAS_FAMILY)):
                branches.append(
                    people.filter(_name_starts(prefixes, *fields), postcode__istartswith=district)
                )
        # A given and a family prefix: own and own, alias and alias (the same alias, as
        # both conditions sit in one filter()), and one of each either way.
        for given, family in (
            (OWN_GIVEN, OWN_FAMILY),
            (ALIAS_GIVEN, ALIAS_FAMILY),
            (OWN_GIVEN, ALIAS_FAMILY),
            (ALIAS_GIVEN, OWN_FAMILY),
        ):
            branches.append(
                people.filter(_name_starts(prefixes, given) & _name_starts(prefixes, family))
            )
    if not branches:
        return people.none().values("pk")
    first, *rest = (branch.values("pk") for branch in branches)
    return first.union(*rest) if rest else first


def find_candidates(person, *, exclude_ids=(), elsewhere: bool = False):
    """Other live (not merged, not de-personalised) persons with at least one referral who
    fall in one of ``person``'s blocks, aliases prefetched: one query, plus one for the
    aliases.

    Of ``person``'s own council area only, said in the query and not left to the row-level
    security wall: SQLite and AREA_RLS off have no wall, and a match offered here shows its
    candidate's name and referrals. ``elsewhere=True`` asks for the other areas' persons
    instead: only ``referrals/area_matching.py`` does, inside its one narrow, logged
    crossing of the wall, and it lets nothing but the area and a score band out."""
    from referrals.models import Person, Referral

    facts = PersonFacts.of(person)
    people = Person.objects.filter(pk__in=candidate_ids(facts))
    if elsewhere:
        people = people.exclude(area_id=person.area_id)
    else:
        people = people.filter(area_id=person.area_id)
    return list(
        people.filter(merged_into__isnull=True, depersonalised_at__isnull=True)
        .exclude(pk=person.pk)
        .exclude(pk__in=list(exclude_ids))
        .filter(Exists(Referral.objects.filter(person=OuterRef("pk"))))
        .prefetch_related("aliases")
        .order_by("-pk")[:MAX_CANDIDATES]
    )


def score_candidates(person, candidates) -> list[tuple[object, MatchResult]]:
    """Each candidate scoring at least ``THRESHOLD``, best first."""
    subject = PersonFacts.of(person)
    scored = [(c, score_pair(subject, PersonFacts.of(c))) for c in candidates]
    kept = [(c, r) for c, r in scored if r.score >= THRESHOLD]
    return sorted(kept, key=lambda pair: (-pair[1].score, pair[0].pk))


def earlier_referral_count(referral) -> int:
    """How many other referrals of the same person there are: "referred N times before"."""
    return referral.person.referrals.exclude(pk=referral.pk).count()


# --- Merging two records of one person: which details to keep ---------------------------
EARLIER, NEWER = "earlier", "newer"
# The details a confirmed match may take from either record (names become aliases instead).
MERGE_FIELDS = (
    "date_of_birth",
    "gender",
    "address",
    "postcode",
    "school_or_employer",
    "ethnicity",
)
DETAIL_LABELS = {
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "address": "Address",
    "postcode": "Postcode",
    "school_or_employer": "School or employer",
    "ethnicity": "Ethnicity",
}
# Details that change over time: the newer record is more likely to be right.
CHANGE_OVER_TIME = frozenset({"address", "postcode", "school_or_employer"})
NOT_KNOWN_TEXTS = frozenset({"", "not known", "unknown"})


@dataclass(frozen=True)
class DetailDifference:
    """One detail the two records disagree on, and which record's value to keep unless the
    Coordinator chooses otherwise."""

    field: str
    earlier: object
    newer: object
    default: str  # EARLIER or NEWER


def earlier_and_newer(a, b) -> tuple:
    """The two records of one person, the one created first first: it is the one kept."""
    return tuple(sorted([a, b], key=lambda p: (p.created_at is not None, p.created_at, p.pk)))


def _is_known(field_name: str, value) -> bool:
    if value is None:
        return False
    if field_name == "gender":
        return value != "not_known"
    if isinstance(value, str):
        return " ".join(value.split()).casefold() not in NOT_KNOWN_TEXTS
    return True


def _same_detail(field_name: str, a, b) -> bool:
    if field_name == "postcode":
        return normalise_postcode(a) == normalise_postcode(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return a == b


def detail_differences(earlier, newer) -> list[DetailDifference]:
    """The details on which ``newer`` knows something different from ``earlier``, in
    ``MERGE_FIELDS`` order. A detail the newer record does not know is no choice (the
    earlier value stays), nor is one written differently (a postcode without its space).

    The default is the newer value when the earlier one is not known, and for what changes
    over time (address, postcode, school or employer); otherwise the earlier value, which
    has stood the longer (a date of birth one digit apart is more likely a typing slip on
    the new referral)."""
    found = []
    for name in MERGE_FIELDS:
        old, new = getattr(earlier, name), getattr(newer, name)
        if not _is_known(name, new) or _same_detail(name, old, new):
            continue
        default = NEWER if not _is_known(name, old) or name in CHANGE_OVER_TIME else EARLIER
        found.append(DetailDifference(name, old, new, default))
    return found
