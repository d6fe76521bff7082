"""Changing a person's details after intake, and what a change of name or date of birth
brings with it (shared with the confirmation of a repeat-referral match)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.formats import date_format

from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals import matching
from referrals.models import ChronologyEntry, Gender, Person, PersonAlias, Referral, age_on
from referrals.services.records import chronology_add

# The details the Coordinator may change after intake, in the order the page shows them.
EDITABLE_DETAILS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
    "school_or_employer",
)
DETAIL_LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    **matching.DETAIL_LABELS,
}
NOTHING_CHANGED = "Change at least one detail: nothing was changed."
NO_REASON = "Enter the reason for the change."
DEPERSONALISED = (
    "This person's personal data has been deleted under the retention schedule: "
    "their details cannot be changed."
)
MERGED = "This record was merged into another person's record: change the details there."


def keep_name_as_alias(*, kept: Person, given: str, family: str) -> PersonAlias | None:
    """Keep a name the person was known by as an alias, unless it is their name or one of
    their aliases already (compared as matching compares names)."""
    given, family = given.strip(), family.strip()
    if not (given or family):
        return None
    key = (matching.normalise_name(given), matching.normalise_name(family))
    known = {(matching.normalise_name(kept.given_name), matching.normalise_name(kept.family_name))}
    known |= {
        (matching.normalise_name(a.given_name), matching.normalise_name(a.family_name))
        for a in kept.aliases.all()
    }
    if key in known:
        return None
    return PersonAlias.objects.create(person=kept, given_name=given, family_name=family)


def ages_follow(*, person: Person, referrals: Iterable[Referral]) -> None:
    """A date of birth newly kept changes the age at referral of the person's referrals
    (one save each, so each is audited and versioned)."""
    for ref in referrals:
        age = age_on(person.date_of_birth, ref.received_on)
        if ref.age_at_referral != age:
            ref.age_at_referral = age
            ref.version += 1
            ref.save(update_fields=["age_at_referral", "version", "updated_at"])


def _shown(name: str, value) -> str:
    if not value:
        return "not known"
    if name == "gender":
        return Gender(value).label
    if name == "date_of_birth":
        return date_format(value, "j F Y")
    return ", ".join(line.strip() for line in str(value).splitlines() if line.strip())


@transaction.atomic
def person_details_change(
    *,
    person: Person,
    details: Mapping[str, object],
    reason: str,
    expected_version: int,
    acting_user: User,
) -> list[str]:
    """Change a person's details after intake (name, date of birth, gender, address,
    postcode, school or employer), with a reason. Returns the fields changed.

    Rules: a reason is required and at least one detail must change; a de-personalised or
    merged record is never changed; the change is saved only if the person is still at
    ``expected_version`` (else StaleEdit, nothing saved). Every field change is in the audit
    log (masked) with the changed fields and the chronology entries in its
    ``additional_data``; the reason and the earlier and new values go on the chronology of
    each of the person's referrals, so whoever reads any of them learns of it. A changed
    name keeps the earlier one as an alias; a changed date of birth changes the age at
    referral of each referral. ValueError (nothing saved) for a refused change."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(NO_REASON)
    unknown = set(details) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValueError(f"Not a detail that can be changed: {', '.join(sorted(unknown))}")
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.depersonalised_at is not None:
        raise ValueError(DEPERSONALISED)
    if current.merged_into_id is not None:
        raise ValueError(MERGED)
    if current.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    changed = [
        name
        for name in EDITABLE_DETAILS
        if name in details and (details[name] or None) != (getattr(current, name) or None)
    ]
    if not changed:
        raise ValueError(NOTHING_CHANGED)
    earlier = {name: getattr(current, name) for name in changed}
    lines = [
        f"{DETAIL_LABELS[name]} changed from {_shown(name, earlier[name])} to "
        f"{_shown(name, details[name])}."
        for name in changed
    ]
    old_name = (current.given_name, current.family_name)
    for name in changed:
        # An emptied text detail is "" (the columns are not nullable); a date is None.
        empty = None if name == "date_of_birth" else ""
        setattr(current, name, details[name] or empty)
    renamed = {"given_name", "family_name"} & set(changed)
    if renamed and keep_name_as_alias(kept=current, given=old_name[0], family=old_name[1]):
        lines.append("The earlier name is kept as another name the person is known by.")
    referrals = list(
        Referral.objects.filter(person=current, depersonalised_at__isnull=True).order_by(
            "received_on", "pk"
        )
    )
    text = "Person's details changed after intake.\n" + "\n".join(lines) + f"\nReason: {reason}"
    kind = ChronologyEntry.Kind.PERSON_DETAILS
    entries = [
        chronology_add(referral=ref, kind=kind, text=text, acting_user=acting_user)
        for ref in referrals
    ]
    # auditlog's hook (Person.get_additional_data): which fields and where the reason is,
    # never the reason itself (it may name people, and additional_data is not masked).
    current._change_note = {
        "change": "details changed after intake",
        "fields": changed,
        "reason_in_chronology_entries": [e.pk for e in entries],
    }
    save_if_unchanged(current, expected_version=expected_version, fields=changed)
    if "date_of_birth" in changed:
        ages_follow(person=current, referrals=referrals)
    person.refresh_from_db()
    return changed


__all__ = ["EDITABLE_DETAILS", "person_details_change"]
