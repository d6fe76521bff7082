"""The search box of the case roles: people and referrals by reference, name or other name
(typos and transposed given and family names found), date of birth and postcode.

Rules it keeps (docs/security.md, "Search"):

- Only what the access module lets the user see is searched: the candidates are drawn from
  ``Person.objects.visible_to(user)`` and the referrals shown from
  ``Referral.objects.visible_to(user)``; nothing else is read, counted or hinted at.
- Scope first, then rank. For a user who sees only some records (everyone but the
  Coordinator), the name condition is written so that PostgreSQL cannot start from a
  trigram index over every person: it walks the user's own scope and tests each name there,
  so the cost grows with what the user sees, never with other agencies' data. For the
  Coordinator, whose scope is every record, the GIN trigram indexes find the names.
- Every criterion the query holds must match (a name and a date of birth narrow each other).

``parse_query`` and the scoring are pure functions. On PostgreSQL the names are found with
``pg_trgm`` (migration ``0012_search_trigram``); elsewhere (the SQLite demo) by
``fallback_name_candidates``: names starting with the first letter of a word of the query,
at most ``FALLBACK_MAX_CANDIDATES``, scored with rapidfuzz like the PostgreSQL ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.crypto import salted_hmac
from rapidfuzz import fuzz

from prevent_portal.accounts.access import has_global_perm
from prevent_portal.accounts.models import AGENCY_CASE_ROLES
from prevent_portal.areas import rls
from referrals.matching import _pair_similarity, normalise_name, normalise_postcode
from referrals.models import Person, PersonAlias, Referral

# Coordinator, panel chair, panel member and SPOC: not the referrer (their own referrals have
# a page of their own), the manager (figures only) or the system administrator (no cases).
SEARCH_ROLES = tuple(sorted(AGENCY_CASE_ROLES))
MAX_QUERY_LENGTH = 100
MAX_NAME_WORDS = 6
PAGE_SIZE = 20
# Persons scored per search: the best by trigram similarity on PostgreSQL, the most recent
# on the fallback. Ranking is in Python over at most this many.
MAX_CANDIDATES = 300
FALLBACK_MAX_CANDIDATES = 1000
# rapidfuzz similarity (0-100) from which a name counts as found: "Jhon Smiht" is 78 from
# "John Smith", "Smith" 0-40 from unrelated names.
NAME_THRESHOLD = 70

POINTS_REFERENCE = 100
POINTS_DATE_OF_BIRTH = 50
POINTS_DATE_SWAPPED = 30
POINTS_POSTCODE = 30

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"(?<![\w/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\w/.-])")
_ISO_DATE = re.compile(r"(?<![\w/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w/.-])")
_WORDY_DATE = re.compile(r"(?<!\w)(\d{1,2})\s+([a-z]+)\s+(\d{4})(?!\w)", re.IGNORECASE)
_POSTCODE = re.compile(r"(?<![\w-])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})(?![\w-])")


# --- Other references (a registry) -------------------------------------------------------
# Referrals cannot import the apps that stand on it, so an app whose records carry a
# reference a user may type (the Channel Panel's case reference, "CC-2026-00001") registers a
# finder in its ``AppConfig.ready()``, as for the person page (``referrals.person_page``)::
#
#     search.register_reference("channel_panel.cases", "Channel case reference", finder)
#
# ``finder(user, spellings)`` returns a ``values()`` queryset of the person ids whose record
# carries one of ``spellings``, drawn from its model's ``visible_to(user)`` only: a reference
# of a record the user cannot open finds nothing, exactly as one that does not exist. It is a
# subquery of the candidates query, so it costs no query of its own.
ReferenceFinder = Callable[[object, list[str]], object]
_REFERENCE_FINDERS: dict[str, tuple[str, ReferenceFinder]] = {}


def register_reference(name: str, reason: str, finder: ReferenceFinder) -> None:
    """Register ``finder`` under a unique name; ``reason`` is what "why it matched" says."""
    _REFERENCE_FINDERS[name] = (reason, finder)


def unregister_reference(name: str) -> None:
    _REFERENCE_FINDERS.pop(name, None)


def _referral_reference_finder(user, spellings):
    return Referral.objects.visible_to(user).filter(reference__in=spellings).values("person_id")


def reference_finders() -> list[tuple[str, ReferenceFinder]]:
    """(reason, finder) of every kind of reference: the referral's own first."""
    return [("Reference", _referral_reference_finder), *_REFERENCE_FINDERS.values()]


class QueryError(ValueError):
    """A query that cannot be searched, with the message the error summary shows."""


@dataclass(frozen=True)
class SearchTerms:
    names: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    postcodes: tuple[str, ...] = ()

    def kinds(self) -> list[str]:
        """Which kinds of term the query held (no term itself): what the audit log keeps."""
        named = [
            ("name", self.names),
            ("reference", self.references),
            ("date_of_birth", self.dates),
            ("postcode", self.postcodes),
        ]
        return [kind for kind, values in named if values]

    def canonical(self) -> str:
        """One string per query meaning, whatever its spacing, case or order."""
        return "|".join(
            [
                "n:" + " ".join(self.names),
                "r:" + ",".join(sorted(self.references)),
                "d:" + ",".join(sorted(d.isoformat() for d in self.dates)),
                "p:" + ",".join(sorted(self.postcodes)),
            ]
        )

    def digest(self) -> str:
        """A keyed hash of the terms: lets an investigator holding the key check whether a
        given search was made, without the audit log holding a name (docs/security.md)."""
        return salted_hmac(
            "referrals.search.terms", self.canonical(), algorithm="sha256"
        ).hexdigest()


def _real_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise QueryError("Enter a real date of birth, like 27/3/2008") from None


def parse_query(text: str) -> SearchTerms:
    """Split the words of a search into dates of birth, postcodes, referral references (any
    other word with a digit) and names. Raises ``QueryError`` for an empty or too long query
    or a date that does not exist."""
    text = " ".join((text or "").split())
    if not text:
        raise QueryError("Enter a name, reference, date of birth or postcode")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"Search must be {MAX_QUERY_LENGTH} characters or fewer")
    dates: list[date] = []

    def numeric(match):
        dates.append(_real_date(int(match[3]), int(match[2]), int(match[1])))
        return " "

    def iso(match):
        dates.append(_real_date(int(match[1]), int(match[2]), int(match[3])))
        return " "

    def wordy(match):
        month = MONTHS.get(match[2].lower())
        if month is None:
            return match[0]
        dates.append(_real_date(int(match[3]), month, int(match[1])))
        return " "

    text = _ISO_DATE.sub(iso, text)
    text = _NUMERIC_DATE.sub(numeric, text)
    text = _WORDY_DATE.sub(wordy, text)
    postcodes: list[str] = []

    def postcode(match):
        postcodes.append(f"{match[1]} {match[2]}")
        return " "

    text = _POSTCODE.sub(postcode, text.upper())
    references, names = [], []
    for token in text.split():
        if any(ch.isdigit() for ch in token):
            references.append(token.strip(".,;"))
        else:
            names.extend(normalise_name(token).split())
    if len(names) > MAX_NAME_WORDS:
        raise QueryError(f"Search for a name of at most {MAX_NAME_WORDS} words")
    return SearchTerms(
        names=tuple(names),
        references=tuple(dict.fromkeys(r for r in references if r)),
        dates=tuple(dict.fromkeys(dates)),
        postcodes=tuple(dict.fromkeys(postcodes)),
    )


# --- Scoring (pure) ------------------------------------------------------------------------
def name_match(words: tuple[str, ...], names: list[tuple[str, str, bool]]) -> tuple[float, str]:
    """Best similarity (0-100) of the query's name words with any (given, family, is alias)
    name, and why, in the words the results page shows."""
    best, why = 0.0, ""
    if len(words) >= 2:
        query = (" ".join(words[:-1]), words[-1])
        for given, family, is_alias in names:
            score, crossed = _pair_similarity(query, (given, family))
            if score > best:
                best, why = score, _name_reason(score, crossed, is_alias)
    elif words:
        for given, family, is_alias in names:
            # Each name whole, and each word of it ("Jones" finds "Smith-Jones").
            whole = [normalise_name(given), normalise_name(family)]
            for part in {*whole, *(w for name in whole for w in name.split())}:
                score = float(fuzz.ratio(words[0], part)) if part else 0.0
                if score > best:
                    best, why = score, _name_reason(score, False, is_alias)
    return best, why


def _name_reason(score: float, crossed: bool, is_alias: bool) -> str:
    base = "Alias" if is_alias else "Name"
    if crossed:
        base = "Alias, names transposed" if is_alias else "Names transposed"
    return base if score >= 100 else f"{base} (close spelling)"


@dataclass
class Result:
    """One person found, why, and (once ``attach_referrals`` ran) their referrals the user
    sees: the one whose reference was searched for first, then the newest."""

    person: Person
    score: float
    reasons: list[str]
    referrals: list[Referral] = field(default_factory=list)

    @property
    def link(self) -> str:
        return result_link(self)


def result_link(result: Result) -> str:
    """Where a result leads: the person page (everything about them the user may see)."""
    return reverse("referrals:person", args=[result.person.pk]) if result.referrals else ""


def score_person(
    person: Person, terms: SearchTerms, referenced: dict[int, list[str]]
) -> Result | None:
    """The person's score and reasons, or None when a criterion of the query is not met.
    ``referenced`` maps each person found by a reference to the kinds of reference that
    found them ("Reference", "Channel case reference")."""
    score, reasons = 0.0, []
    if terms.references:
        if not referenced.get(person.pk):
            return None
        score += POINTS_REFERENCE
        reasons.extend(referenced[person.pk])
    if terms.names:
        names = [(person.given_name, person.family_name, False)]
        names += [(a.given_name, a.family_name, True) for a in person.aliases.all()]
        similarity, why = name_match(terms.names, names)
        if similarity < NAME_THRESHOLD:
            return None
        score += similarity
        reasons.append(why)
    if terms.dates:
        if person.date_of_birth in terms.dates:
            score += POINTS_DATE_OF_BIRTH
            reasons.append("Date of birth")
        elif person.date_of_birth in _swapped(terms.dates):
            score += POINTS_DATE_SWAPPED
            reasons.append("Date of birth (day and month swapped)")
        else:
            return None
    if terms.postcodes:
        if normalise_postcode(person.postcode) not in terms.postcodes:
            return None
        score += POINTS_POSTCODE
        reasons.append("Postcode")
    return Result(person, score, reasons)


def _swapped(dates) -> set[date]:
    found = set()
    for value in dates:
        if value.day <= 12 and value.day != value.month:
            found.add(date(value.year, value.day, value.month))
    return found


# --- Candidates (SQL) ----------------------------------------------------------------------
def use_trigram() -> bool:
    return connection.vendor == "postgresql"


def trigram_name_candidates(user, people, words: tuple[str, ...]):
    """``people`` narrowed to names or other names trigram-similar (``%``, pg_trgm's
    threshold 0.3) to a word of the query, best first by similarity of the whole name."""

    # The same condition on a person's own names and on their aliases' (same columns).
    def similar_names(prefix: str = "") -> Q:
        found = Q()
        for word in words:
            for column in ("given_name", "family_name"):
                found |= TrigramSimilar(F(f"{prefix}{column}"), word)
        return found

    similar = similar_names()
    # Every shape stays inside ``people`` (the user's scope): which one is a question of
    # speed only.
    sees_everything = has_global_perm(user, "referrals.view_referral")
    if sees_everything and rls.enabled():
        # The whole of the user's areas is the scope, behind the area wall. pg_trgm's % is not
        # LEAKPROOF, so it may not reach a trigram index before the policy: a branch per
        # column and word walked the same persons of the user's areas again (four walks for
        # two words), and each alias branch the region's aliases (the planner prices the
        # test too cheaply to take their index). One walk of the user's areas' persons
        # (access rule 8: a LEAKPROOF area_id = ANY(...) taken to the area_id index), each
        # with their other names (a LEFT JOIN), tests every column and word: 37 to 16 ms of
        # SQL at scale 1 (docs/performance.md).
        walked = Person.objects.in_areas_of(user).filter(similar | similar_names("aliases__"))
        people = people.filter(pk__in=walked.order_by().values("pk"))
    elif sees_everything:
        # The whole table is the scope (no wall): a UNION of one GIN index scan per column
        # and word, so that each row the index offers is rechecked against one condition,
        # not all (the OR of them rechecked every condition on every row: 4 times the work).
        rows = {Person: Person.objects.in_areas_of(user), PersonAlias: PersonAlias.objects}
        branches = [
            rows[model].filter(TrigramSimilar(F(column), word)).order_by().values(key)
            for model, key in ((Person, "pk"), (PersonAlias, "person_id"))
            for column in ("given_name", "family_name")
            for word in words
        ]
        people = people.filter(pk__in=branches[0].union(*branches[1:]))
    else:
        # One condition with an EXISTS in it: no index over every person can serve it, so
        # PostgreSQL walks the user's scope (docs/performance.md, search).
        people = people.filter(
            similar | Exists(PersonAlias.objects.filter(similar, person=OuterRef("pk")))
        )
    whole = Concat(F("given_name"), Value(" "), F("family_name"))
    return people.annotate(rank=TrigramSimilarity(whole, " ".join(words))).order_by("-rank", "-pk")[
        :MAX_CANDIDATES
    ]


def fallback_name_candidates(people, words: tuple[str, ...]):
    """Without pg_trgm: ``people`` with a name or other name (or a word of one) starting
    with the first letter of a word of the query, the most recent first, at most
    ``FALLBACK_MAX_CANDIDATES`` (rapidfuzz ranks them). A typo in the first letter of every
    word is not found."""
    initials = sorted({word[0] for word in words})
    starts = Q(pk__in=[])
    for initial in initials:
        for column in ("given_name", "family_name"):
            # The name, or a word inside it ("Smith-Jones", "Mary Ann").
            starts |= Q(**{f"{column}__istartswith": initial})
            starts |= Q(**{f"{column}__icontains": f"-{initial}"})
            starts |= Q(**{f"{column}__icontains": f" {initial}"})
    people = people.filter(
        starts | Exists(PersonAlias.objects.filter(starts, person=OuterRef("pk")))
    )
    return people.order_by("-pk")[:FALLBACK_MAX_CANDIDATES]


def candidates(user, terms: SearchTerms, *, trigram: bool | None = None):
    """The persons worth scoring: visible to ``user``, live, and meeting each exact
    criterion in SQL (reference, date of birth, postcode), names by trigram or fallback."""
    people = Person.objects.visible_to(user).filter(
        merged_into__isnull=True, depersonalised_at__isnull=True
    )
    if terms.references:
        # A reference of any registered kind, each drawn from its model's visible_to(user);
        # which kind found the person is annotated (one flag each) for "why it matched".
        spellings = _reference_spellings(terms.references)
        found = Q(pk__in=[])
        flags = {}
        for index, (_reason, finder) in enumerate(reference_finders()):
            matched = Q(pk__in=finder(user, spellings))
            found |= matched
            flags[f"found_by_reference_{index}"] = ExpressionWrapper(
                matched, output_field=BooleanField()
            )
        people = people.filter(found).annotate(**flags)
    if terms.dates:
        people = people.filter(date_of_birth__in=sorted(set(terms.dates) | _swapped(terms.dates)))
    if terms.postcodes:
        spellings = {p for code in terms.postcodes for p in (code, code.replace(" ", ""))}
        people = people.filter(postcode__in=sorted(spellings))
    people = people.prefetch_related("aliases")
    if not terms.names:
        return people.order_by("-pk")[:MAX_CANDIDATES]
    if trigram is None:
        trigram = use_trigram()
    if trigram:
        return trigram_name_candidates(user, people, terms.names)
    return fallback_name_candidates(people, terms.names)


def _reference_spellings(references) -> list[str]:
    return sorted({s for r in references for s in (r, r.upper())})


def search(user, terms: SearchTerms, *, trigram: bool | None = None) -> list[Result]:
    """Persons ``user`` may see matching every criterion of ``terms``, best first."""
    people = list(candidates(user, terms, trigram=trigram))
    referenced: dict[int, list[str]] = {}
    if terms.references:
        # The candidates already meet the reference criterion (the filter above); the flags
        # annotated there say which kind of reference found each.
        reasons = [reason for reason, _finder in reference_finders()]
        referenced = {
            p.pk: [r for i, r in enumerate(reasons) if getattr(p, f"found_by_reference_{i}")]
            for p in people
        }
    results = [r for p in people if (r := score_person(p, terms, referenced)) is not None]
    return sorted(results, key=lambda r: (-r.score, -r.person.pk))


def attach_referrals(user, results: list[Result], terms: SearchTerms) -> list[Referral]:
    """Give each result the referrals of its person that ``user`` sees (one query): the
    referral searched for by reference first, then the newest. Returns them all."""
    if not results:
        return []
    wanted = set(_reference_spellings(terms.references))
    referrals = list(
        Referral.objects.visible_to(user)
        .filter(person__in=[r.person.pk for r in results])
        .only("pk", "reference", "person_id", "received_on", "status")
        .order_by("-received_on", "-pk")
    )
    by_person: dict[int, list[Referral]] = {}
    for referral in referrals:
        by_person.setdefault(referral.person_id, []).append(referral)
    for result in results:
        found = by_person.get(result.person.pk, [])
        result.referrals = sorted(found, key=lambda r: r.reference not in wanted)
    return referrals
