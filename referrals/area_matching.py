"""Repeat-referral matching across council areas: "known in <area>: contact their Coordinator".

Matching runs across the instance (issue 18), but a person known in another area must not be
disclosed to this area's staff. So the search of other areas' persons is one explicit, narrow
path, and this module is it:

- it runs only for a Coordinator of the referral's own area (``PermissionDenied`` otherwise);
- it crosses the row-level security wall inside one tight ``rls.acting_for(ALL)`` block that
  reads the candidates, scores them and keeps, of each hit, its area, its person's id and its
  score; no Person object leaves the block;
- it runs once per referral, and again only when the person's identifying details change
  (``details_digest``); its result (areas and best scores) is remembered in
  ``AreaMatchCheck``, so opening the earlier-referrals page again neither searches nor logs;
- each hit of each search is logged: an access entry on the other area's person record,
  naming the searching Coordinator and the referral searched for, so the holding area's
  audit trail shows who matched their record and when (a search, not a page view);
- what it gives the page is ``KnownElsewhere``: an area and a score band, never a name, a date
  of birth, a postcode or a record id (the person ids are kept for the request service,
  which files them in the holding area's own record, ``CrossAreaRequestMatch``).

Why an application path and not a ``SECURITY DEFINER`` function: the scoring is Python
(rapidfuzz over names and aliases, referrals/matching.py); a database function would need the
blocking and scoring written again in SQL and kept the same (ADR 0011, "Cross-area matching").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.accounts.models import Role
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from referrals import matching

# The score bands shown: a band, never the score's reasons (they would say "same date of
# birth", "same postcode": the other area's details by another route).
STRONG = 80
BANDS = ((STRONG, "Strong match"), (matching.THRESHOLD, "Possible match"))
VIEW = "referrals:known_elsewhere"


def score_band(score: int) -> str:
    return next(label for low, label in BANDS if score >= low)


@dataclass(frozen=True)
class Hit:
    """One person of another area matching the referral's person: kept inside the services."""

    area_id: int
    person_id: int
    score: int


@dataclass(frozen=True)
class KnownElsewhere:
    """What a page may show of the other areas' matches: the area and a band."""

    area: Area
    band: str


def _require_coordinator(referral, user) -> None:
    if referral.area_id not in area_ids_for(user, [Role.COORDINATOR]):
        raise PermissionDenied("Only the Coordinator of the referral's area checks other areas")


def hits_elsewhere(referral, *, acting_user, area_id: int | None = None) -> list[Hit]:
    """Every person of another area (of ``area_id`` alone, if given) scoring at least
    ``matching.THRESHOLD`` against the referral's person, best first. The one crossing of the
    wall for matching: read, scored and reduced to ids and scores inside ``acting_for(ALL)``."""
    _require_coordinator(referral, acting_user)
    person = referral.person
    with rls.acting_for(rls.ALL):
        candidates = matching.find_candidates(person, elsewhere=True)
        if area_id is not None:
            candidates = [c for c in candidates if c.area_id == area_id]
        scored = matching.score_candidates(person, candidates)
        hits = [Hit(c.area_id, c.pk, result.score) for c, result in scored]
    return hits


def details_digest(referral) -> str:
    """What the remembered search depends on: the person's identifying details as matching
    reads them (names, aliases, date of birth, postcode), their record and their area. A
    change to any of them makes the remembered result out of date."""
    person = referral.person
    facts = matching.PersonFacts.of(person)
    dob = facts.date_of_birth.isoformat() if facts.date_of_birth else ""
    named = [person.area_id, person.pk, [list(n) for n in facts.names], dob, facts.postcode]
    return hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()


def known_elsewhere(request, referral) -> list[KnownElsewhere]:
    """The other areas where the referral's person is known, each with the band of its best
    match, by area name. The search (``hits_elsewhere``) runs once per referral and again only
    when the person's identifying details change (``details_digest``); its result is
    remembered in ``AreaMatchCheck``, so opening the page again neither searches nor logs.
    Each search logs each hit on the record it matched (module docstring)."""
    from referrals.models import AreaMatchCheck, Referral

    _require_coordinator(referral, request.user)
    digest = details_digest(referral)
    check = AreaMatchCheck.objects.filter(referral=referral).first()
    if check is None or check.details_digest != digest:
        with transaction.atomic():
            # Two Coordinators opening the page at once: the second waits here, then reads
            # the first's result rather than searching (and logging) again.
            Referral.objects.select_for_update().filter(pk=referral.pk).first()
            check = AreaMatchCheck.objects.filter(referral=referral).first()
            if check is None or check.details_digest != digest:
                check = _search_and_remember(request, referral, digest, check)
    return _shown(check.found)


def _search_and_remember(request, referral, digest: str, check):
    """Search the other areas, log each hit, and remember what the page may show."""
    from referrals.models import AreaMatchCheck

    hits = hits_elsewhere(referral, acting_user=request.user)
    _log_hits(request, referral, hits)
    best: dict[int, int] = {}
    for hit in hits:
        best[hit.area_id] = max(best.get(hit.area_id, 0), hit.score)
    check = check or AreaMatchCheck(referral=referral)
    check.area_id = referral.area_id
    check.details_digest = digest
    check.found = sorted(([pk, score] for pk, score in best.items()), key=lambda f: -f[1])
    check.checked_at = timezone.now()
    check.checked_by = request.user
    check.save()
    return check


def _shown(found: list[list[int]]) -> list[KnownElsewhere]:
    if not found:
        return []
    areas = Area.objects.in_bulk([pk for pk, _ in found])
    shown = [KnownElsewhere(areas[pk], score_band(score)) for pk, score in found if pk in areas]
    return sorted(shown, key=lambda k: k.area.name)


def _log_hits(request, referral, hits: list[Hit]) -> None:
    """One access entry per matched person of another area, written as the searching user:
    the holding area can see who matched its record, when, and for which area's referral."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from prevent_portal.core.client_ip import client_ip
    from referrals.models import Person

    user = request.user
    content_type = ContentType.objects.get_for_model(Person)
    now = timezone.now()
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(hit.person_id),
                object_id=hit.person_id,
                object_repr=f"Person {hit.person_id}",
                action=LogEntry.Action.ACCESS,
                changes={},
                actor=user,
                actor_email=user.email,
                remote_addr=client_ip(request),
                timestamp=now,
                additional_data={
                    "view": VIEW,
                    "matched_for_referral": referral.pk,
                    "searching_area": referral.area_id,
                    "holding_area": hit.area_id,
                    "shown": "area and score band only",
                },
            )
            for hit in hits
        ]
    )
