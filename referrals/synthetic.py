"""Synthetic persons and referrals (issue 8): ten years of them at a national scale.

Distributions follow DOMAIN.md and the Home Office statistics: referral sectors (education and
police the largest), age bands (11-15 the largest), mostly male, the concern types in force on
the date received (the older "mixed, unclear or unstable" before April 2021), about a third
with a needs flag, and outcomes (about one in five passed to the Channel Panel, whose decision
the Channel Panel generator records). References are ``PR-<year>-<id>`` with the id taken from
the table's sequence, as ``referral_record`` makes them. About three in a hundred referrals
are shared with another agency or person (guardian grants), a third of those expired.

Council areas (issue 18): each referral is filed in an area its agency serves (a partner
serving several picks one), its person in the same area (a re-referral is of someone known
in that area), its triage officer is that area's Coordinator, and it is shared only with
agencies serving that area.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.contrib.auth.models import Permission
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Role
from prevent_portal.core import synthetic
from prevent_portal.core.synthetic import YEARS, names
from prevent_portal.core.synthetic.bulk import allocate_ids, batched, copy_rows, insert
from referrals.models import (
    Awareness,
    ChronologyEntry,
    ConcernType,
    Gender,
    NeedsFlag,
    Outcome,
    Person,
    PersonAlias,
    Referral,
    ReferralGroupGrant,
    ReferralUserGrant,
    SignpostingService,
    age_on,
)

SECTORS = {
    "education": 34,
    "police": 29,
    "local-authority": 12,
    "health": 10,
    "community": 6,
    "probation": 3,
    "prisons": 2,
    "other": 4,
}
# Home Office age bands: (lowest, highest, weight).
AGES = [(7, 10, 3), (11, 15, 33), (16, 17, 14), (18, 20, 9), (21, 30, 15), (31, 40, 11)]
AGES += [(41, 50, 7), (51, 75, 8)]
GENDERS = [(Gender.MALE, 87), (Gender.FEMALE, 11), (Gender.OTHER, 1), (Gender.NOT_KNOWN, 1)]
NEW_CATEGORIES = date(2021, 4, 1)
CONCERNS_BEFORE = {"islamist": 25, "extreme-right-wing": 25, "mixed-unclear-unstable": 45}
CONCERNS_BEFORE |= {"left-wing": 1, "other": 4}
CONCERNS_SINCE = {"islamist": 16, "extreme-right-wing": 20, "vulnerability-no-ideology": 23}
CONCERNS_SINCE |= {"conflicted": 12, "no-risk": 12, "school-massacre": 5, "incel": 3}
CONCERNS_SINCE |= {"left-wing-anarchist-single-issue": 2, "other-unclear": 7}
FLAGS = {"mental-health-concern": 40, "diagnosed-mental-illness": 15}
FLAGS |= {"known-to-mental-health-services": 20, "autism": 12, "learning-difficulty": 6}
FLAGS |= {"adhd": 5, "other-neurodiversity": 2}
OUTCOMES = {
    Outcome.NO_FURTHER_ACTION: 42,
    Outcome.SIGNPOSTED: 30,
    Outcome.POLICE_LED: 8,
    Outcome.PASSED_TO_PANEL: 20,
}
SUMMARIES = [
    "Sharing extremist material online with peers.",
    "Expressed support for a proscribed organisation.",
    "Searching for information about past attacks.",
    "Concerning drawings and writing in school work.",
    "Family worried about a change in behaviour and new online contacts.",
    "Made threats linked to an ideology during an appointment.",
    "Displaying extremist symbols at home and in public.",
    "Isolated and spending long periods on extremist forums.",
]
SHARE_SHARE = 0.03
REPEAT_SHARE = 0.05


def _weighted(rng, table: dict):
    keys = list(table)
    return keys, list(accumulate(table[k] for k in keys))


def _received_dates(ctx, rng, n: int) -> list[date]:
    """``n`` dates over the last ten years, each year about 5% busier than the one before,
    sorted (ids follow the order referrals arrive, as in the application)."""
    start = ctx.today - timedelta(days=365 * YEARS)
    years = list(range(YEARS))
    cum = list(accumulate(1.05**y for y in years))
    dates = []
    for _ in range(n):
        year = rng.choices(years, cum_weights=cum)[0]
        dates.append(start + timedelta(days=year * 365 + rng.randrange(365)))
    return sorted(min(d, ctx.today) for d in dates)


def _agency_picker(ctx, rng):
    """Per sector, its agencies with skewed weights (a few refer a great deal)."""
    by_sector = ctx.objects["agencies_by_sector"]
    pickers = {}
    for sector, ids in by_sector.items():
        cum = list(accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(ids))))
        pickers[sector] = (ids, cum)
    sectors = [s for s in SECTORS if s in pickers]
    cum_sectors = list(accumulate(SECTORS[s] for s in sectors))

    def pick():
        sector = rng.choices(sectors, cum_weights=cum_sectors)[0]
        ids, cum = pickers[sector]
        return rng.choices(ids, cum_weights=cum)[0]

    return pick


def generate(ctx) -> None:
    if Referral.objects.filter(reference__startswith="PR-").count() >= ctx.size("referrals"):
        return
    rng = ctx.rng("referrals")
    n_referrals, n_persons = ctx.size("referrals"), ctx.size("persons")
    concern_ids = dict(ConcernType.objects.values_list("code", "pk"))
    flag_ids = dict(NeedsFlag.objects.values_list("code", "pk"))
    outcomes = dict(Outcome.objects.values_list("code", "pk"))
    # Shared services only: an area's own is never named on another area's referral.
    signposts = list(
        SignpostingService.objects.filter(for_area__isnull=True).values_list("pk", flat=True)
    )
    sector_ids = ctx.objects["agency_sector"]
    agency_names = dict(Agency.objects.values_list("pk", "name"))
    by_agency_role = ctx.objects["users_by_agency_role"]
    coordinators = ctx.objects["users_by_role"].get(Role.COORDINATOR, [None])
    areas = ctx.objects["areas"]
    agency_areas = ctx.objects["agency_areas"]
    area_agencies = ctx.objects["area_agencies"]
    area_users = ctx.objects["area_users_by_role"]
    pick_agency = _agency_picker(ctx, rng)
    ages_cum = list(accumulate(w for _, _, w in AGES))
    genders, genders_cum = zip(*GENDERS, strict=True)
    genders_cum = list(accumulate(genders_cum))
    before = _weighted(rng, {k: v for k, v in CONCERNS_BEFORE.items() if k in concern_ids})
    since = _weighted(rng, {k: v for k, v in CONCERNS_SINCE.items() if k in concern_ids})
    flags = _weighted(rng, {k: v for k, v in FLAGS.items() if k in flag_ids})
    outcome_codes, outcome_cum = _weighted(rng, OUTCOMES)

    dates = _received_dates(ctx, rng, n_referrals)
    person_ids = iter(allocate_ids(Person, n_persons))
    referral_ids = allocate_ids(Referral, n_referrals)
    # Which referrals are of someone referred before: the first ones never are.
    repeats_left = max(0, n_referrals - n_persons)
    # (person id, date of birth) per area: a re-referral is of someone known in its area.
    made_persons: dict[int, list[tuple[int, date | None]]] = {}
    share_perm = Permission.objects.get(
        codename="view_referral", content_type__app_label="referrals"
    )
    agency_groups = dict(Agency.objects.values_list("pk", "group_id"))
    agencies = list(agency_groups)

    for chunk in batched(range(n_referrals), ctx.batch_size):
        persons, aliases, referrals, types, needs, entries = [], [], [], [], [], []
        user_grants, group_grants = [], []
        for i in chunk:
            received = dates[i]
            ref_id = referral_ids[i]
            remaining = n_referrals - i
            agency = pick_agency()
            area = rng.choice(agency_areas.get(agency) or areas)
            known_here = made_persons.setdefault(area, [])
            repeat = known_here and rng.random() < repeats_left / remaining
            if repeat:
                repeats_left -= 1
                person_id, born = rng.choice(known_here)
            else:
                person_id = next(person_ids)
                low, high, _ = rng.choices(AGES, cum_weights=ages_cum)[0]
                age = rng.randint(low, high)
                born = received - timedelta(days=age * 365 + rng.randrange(365))
                known = rng.random() > 0.03
                born = born if known else None
                persons.append(
                    {
                        "id": person_id,
                        "area_id": area,
                        "given_name": names.given_name(rng),
                        "family_name": names.family_name(rng),
                        "date_of_birth": born,
                        "gender": rng.choices(genders, cum_weights=genders_cum)[0],
                        "address": names.address(rng),
                        "postcode": names.postcode(rng),
                        "school_or_employer": (
                            f"{names.place_name(rng)} Academy" if age < 18 else ""
                        ),
                    }
                )
                if rng.random() < 0.05:
                    aliases.append(
                        {
                            "person_id": person_id,
                            "given_name": names.given_name(rng),
                            "family_name": names.family_name(rng),
                        }
                    )
                known_here.append((person_id, born))

            referrers = by_agency_role.get((agency, Role.REFERRER)) or [None]
            waited = (ctx.today - received).days
            referral = {
                "id": ref_id,
                "area_id": area,
                "reference": f"PR-{received.year}-{ref_id:05d}",
                "person_id": person_id,
                "owning_agency_id": agency,
                "referring_agency_id": agency,
                "referring_sector_id": sector_ids[agency],
                "referrer_id": rng.choice(referrers),
                "received_on": received,
                "age_at_referral": age_on(born, received),
                "concern_summary": rng.choice(SUMMARIES),
                "person_awareness": rng.choice(Awareness.values),
                "status": Referral.Status.RECEIVED,
                "assigned_officer_id": None,
                "outcome_id": None,
                "decided_on": None,
                "gateway_checked_on": None,
                "gateway_outcome": Referral.Gateway.PENDING,
                "outcome_reason": "",
                "signposted_to_id": None,
            }
            _triage(ctx, rng, referral, waited, outcomes, outcome_codes, outcome_cum, signposts)
            if referral["status"] != Referral.Status.RECEIVED:
                referral["assigned_officer_id"] = rng.choice(
                    area_users.get((area, Role.COORDINATOR)) or coordinators
                )
            referrals.append(referral)

            codes, cum = before if received < NEW_CATEGORIES else since
            chosen = set(rng.choices(codes, cum_weights=cum, k=1 + (rng.random() < 0.1)))
            types += [(ref_id, concern_ids[c]) for c in chosen]
            if rng.random() < 0.35:
                codes, cum = flags
                chosen = set(rng.choices(codes, cum_weights=cum, k=rng.randint(1, 2)))
                needs += [(ref_id, flag_ids[c]) for c in chosen]

            at = timezone.make_aware(datetime.combine(received, time(9)))
            entries.append(
                {
                    "referral_id": ref_id,
                    "kind": ChronologyEntry.Kind.RECEIVED,
                    "text": f"Referral received from {agency_names[agency]}.",
                    "author_id": None,
                    "created_at": at,
                }
            )
            if referral["decided_on"]:
                entries.append(
                    {
                        "referral_id": ref_id,
                        "kind": ChronologyEntry.Kind.OUTCOME,
                        "text": "Triage outcome recorded.",
                        "author_id": referral["assigned_officer_id"],
                        "created_at": timezone.make_aware(
                            datetime.combine(referral["decided_on"], time(15))
                        ),
                    }
                )
            if rng.random() < SHARE_SHARE:
                _share(
                    ctx,
                    rng,
                    referral,
                    share_perm,
                    area_agencies.get(area) or agencies,
                    agency_groups,
                    by_agency_role,
                    user_grants,
                    group_grants,
                )

        copy_rows(ctx, Person, persons)
        for alias, alias_id in zip(aliases, allocate_ids(PersonAlias, len(aliases)), strict=True):
            alias["id"] = alias_id
        copy_rows(ctx, PersonAlias, aliases)
        copy_rows(ctx, Referral, referrals)
        copy_rows(
            ctx,
            Referral.concern_types.through,
            ({"referral_id": r, "concerntype_id": c} for r, c in types),
            label="referrals.Referral_concern_types",
        )
        copy_rows(
            ctx,
            Referral.needs_flags.through,
            ({"referral_id": r, "needsflag_id": f} for r, f in needs),
            label="referrals.Referral_needs_flags",
        )
        for entry, entry_id in zip(
            entries, allocate_ids(ChronologyEntry, len(entries)), strict=True
        ):
            entry["id"] = entry_id
        copy_rows(ctx, ChronologyEntry, entries)
        insert(ctx, ReferralUserGrant, user_grants)
        insert(ctx, ReferralGroupGrant, group_grants)
        ctx.say(f"  referrals: {chunk[-1] + 1} of {n_referrals}")


def _triage(ctx, rng, referral, waited, outcomes, codes, cum, signposts) -> None:
    """Where triage has got to: the newest are waiting, the rest decided."""
    if waited < 3 or (waited < 40 and rng.random() < 0.05):
        return  # received, not yet triaged (a few past the triage target)
    if waited < 21 and rng.random() < 0.6:
        referral["status"] = rng.choice(
            [Referral.Status.IN_TRIAGE, Referral.Status.AWAITING_INFORMATION]
        )
        return
    code = rng.choices(codes, cum_weights=cum)[0]
    decided = referral["received_on"] + timedelta(days=rng.randint(2, min(35, waited)))
    referral["outcome_id"] = outcomes[code]
    referral["decided_on"] = min(decided, ctx.today)
    referral["gateway_checked_on"] = referral["decided_on"]
    referral["gateway_outcome"] = (
        Referral.Gateway.POLICE_LED if code == Outcome.POLICE_LED else Referral.Gateway.CLEARED
    )
    referral["outcome_reason"] = "Recorded at triage."
    if code == Outcome.PASSED_TO_PANEL:
        # The Channel Panel generator records the panel's decision and closes or adopts it.
        referral["status"] = Referral.Status.PASSED_TO_PANEL
    else:
        referral["status"] = Referral.Status.CLOSED
    if code == Outcome.SIGNPOSTED:
        referral["signposted_to_id"] = rng.choice(signposts)


def _share(ctx, rng, referral, perm, agencies, agency_groups, by_agency_role, users, groups):
    """An explicit share: with another agency (two in three) or with a named SPOC there.
    A third of them have expired; the rest run out within the year or never."""
    granted = referral["received_on"] + timedelta(days=rng.randint(1, 20))
    granted_at = timezone.make_aware(datetime.combine(min(granted, ctx.today), time(11)))
    if rng.random() < 1 / 3:
        expires = granted_at + timedelta(days=rng.randint(7, 60))
        expires = min(expires, timezone.now() - timedelta(days=1))
    elif rng.random() < 0.5:
        expires = timezone.now() + timedelta(days=rng.randint(7, 365))
    else:
        expires = None
    other = rng.choice(agencies)
    fields = {
        "content_object_id": referral["id"],
        "permission": perm,
        "reason": "Shared for information sharing under the Channel duty.",
        "granted_by_id": referral["assigned_officer_id"],
        "granted_at": granted_at,
        "expires_at": expires,
    }
    spocs = by_agency_role.get((other, Role.SPOC))
    if spocs and rng.random() < 1 / 3:
        users.append(ReferralUserGrant(user_id=rng.choice(spocs), **fields))
    elif other != referral["owning_agency_id"]:
        groups.append(ReferralGroupGrant(group_id=agency_groups[other], **fields))


synthetic.register("referrals", generate, order=20)
