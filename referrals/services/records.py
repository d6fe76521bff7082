"""Recording referrals and their chronology."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from prevent_portal.accounts.models import Agency, Sector, User
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import (
    Awareness,
    ChronologyEntry,
    ConcernType,
    NeedsFlag,
    Person,
    Referral,
    age_on,
)


def chronology_add(
    *,
    referral: Referral,
    kind: str,
    text: str,
    acting_user: User | None,
    corrects: ChronologyEntry | None = None,
) -> ChronologyEntry:
    """Append one entry to a referral's chronology. Entries are never edited: a correction is
    a new entry that points at the one it corrects."""
    if corrects is not None and corrects.referral_id != referral.pk:
        raise ValueError("A correction must belong to the same referral")
    return ChronologyEntry.objects.create(
        referral=referral, kind=kind, text=text, author=acting_user, corrects=corrects
    )


# No savepoint when called inside another service's transaction: a bulk import records
# thousands of referrals in one transaction, and thousands of savepoints slow PostgreSQL.
@transaction.atomic(savepoint=False)
def referral_record(
    *,
    person: Person,
    owning_agency: Agency,
    referring_sector: Sector,
    received_on: date,
    concern_summary: str,
    referrer: User | None,
    acting_user: User | None,
    referring_agency: Agency | None = None,
    concern_types: Iterable[ConcernType] = (),
    needs_flags: Iterable[NeedsFlag] = (),
    person_awareness: str = Awareness.NOT_KNOWN,
    reference: str | None = None,
    imported: bool = False,
    referring_organisation: str = "",
) -> Referral:
    """Record a received referral (lifecycle step ``receive``: a date received between
    records beginning and today, and not before the person's birth), give it its reference
    (PR-<year>-<number>, unless an imported one keeps its own) and open its chronology.
    It comes from ``referring_agency``, or from ``referring_organisation`` (free text) when
    the referrer is not a registered agency, or else from the owning agency."""
    REFERRAL_LIFECYCLE.require(
        "receive", None, received_on=received_on, date_of_birth=person.date_of_birth
    )
    owning_agency.require_open(received_on, what="referral")
    if referring_agency is not None:
        referring_agency.require_open(received_on, what="referral")
    referring_organisation = referring_organisation.strip()
    if referring_agency is None and not referring_organisation:
        referring_agency = owning_agency
    referral = Referral.objects.create(
        person=person,
        # A referral belongs to its person's council area (the person record is per area).
        area_id=person.area_id,
        owning_agency=owning_agency,
        referring_agency=referring_agency,
        referring_organisation=referring_organisation,
        referring_sector=referring_sector,
        received_on=received_on,
        age_at_referral=age_on(person.date_of_birth, received_on),
        concern_summary=concern_summary,
        person_awareness=person_awareness,
        referrer=referrer,
        reference=reference,
        imported=imported,
    )
    if reference is None:
        referral.reference = f"PR-{received_on.year}-{referral.pk:05d}"
        referral.save(update_fields=["reference"])
    # A new referral has no links yet: add() what there is (audited alike) rather than set(),
    # which first reads the current links, a query each that a bulk import pays per row.
    if concern_types := list(concern_types):
        referral.concern_types.add(*concern_types)
    if needs_flags := list(needs_flags):
        referral.needs_flags.add(*needs_flags)
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.RECEIVED,
        text=f"Referral received from {referral.referring_name}.",
        acting_user=acting_user,
    )
    return referral


__all__ = ["chronology_add", "referral_record"]
