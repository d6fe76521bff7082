"""Importing historical referrals from a CSV or XLSX file."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from prevent_portal.accounts.models import User
from referrals.imports import (
    CheckedFile,
    ImportFileError,
    Lookups,
    RowProblem,
    check_rows,
    read_rows,
)
from referrals.models import Person, Referral
from referrals.services.records import referral_record

IMPORTED_SUMMARY = "Imported from historical records."


@dataclass
class ImportResult:
    """What an import did: nothing at all when there are problems."""

    rows: int = 0
    created: int = 0
    skipped: list[str] = field(default_factory=list)  # references already present
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error

    def messages(self) -> list[str]:
        if self.file_error:
            return [self.file_error]
        return [str(p) for p in self.problems]

    def summary(self) -> str:
        return (
            f"{self.rows} rows read: {self.created} referrals imported, "
            f"{len(self.skipped)} already present and skipped."
        )

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "skipped": len(self.skipped)}


@transaction.atomic
def referrals_import(*, name: str, content: bytes, acting_user: User | None) -> ImportResult:
    """Import historical referrals, all or nothing.

    Every row is checked first; if any row is bad nothing is saved and every bad row is
    reported with its line number. ``reference`` is the key: a referral whose reference is
    already recorded is skipped, never changed (the record may have moved on since), so
    importing the same file twice creates no duplicates. Each new referral is recorded
    through ``referral_record`` one by one (so the audit log sees every insert), owned by
    its referring agency and marked as imported. Rows of one file with the same names,
    date of birth and postcode are one person; matching with earlier records is left to
    triage's repeat-referral check.
    """
    result = ImportResult()
    try:
        rows = read_rows(name, content)
        checked: CheckedFile = check_rows(rows, Lookups())
    except ImportFileError as exc:
        result.file_error = str(exc)
        return result
    result.rows = len(rows)
    if not checked.ok:
        result.problems = checked.problems
        return result
    references = [row.reference for row in checked.rows]
    existing = set(
        Referral.objects.filter(reference__in=references).values_list("reference", flat=True)
    )
    persons: dict[tuple, Person] = {}
    for row in checked.rows:
        if row.reference in existing:
            result.skipped.append(row.reference)
            continue
        key = (row.first_name.lower(), row.last_name.lower(), row.date_of_birth, row.postcode)
        person = persons.get(key)
        if person is None:
            person = persons[key] = Person.objects.create(
                given_name=row.first_name,
                family_name=row.last_name,
                date_of_birth=row.date_of_birth,
                gender=row.gender,
                postcode=row.postcode,
            )
        referral = referral_record(
            person=person,
            owning_agency=row.referring_agency,
            referring_agency=row.referring_agency,
            referring_sector=row.sector,
            received_on=row.received_on,
            concern_summary=IMPORTED_SUMMARY,
            referrer=None,
            acting_user=acting_user,
            concern_types=row.concern_types,
            needs_flags=row.needs_flags,
            reference=row.reference,
            imported=True,
        )
        if row.outcome or row.reached_panel or row.adopted:
            # A recorded outcome closes the historical referral; without one it waits in
            # the triage queue like any other received referral.
            referral.outcome = row.outcome
            referral.status = Referral.Status.CLOSED if row.outcome else referral.status
            referral.reached_panel = row.reached_panel
            referral.adopted = row.adopted
            referral.save(update_fields=["outcome", "status", "reached_panel", "adopted"])
        result.created += 1
    return result


__all__ = ["ImportResult", "referrals_import"]
