"""Importing historical referrals from a CSV or XLSX file."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.accounts.models import Role, User
from prevent_portal.areas.models import Area
from prevent_portal.audit.masking import mask_m2m_changes
from prevent_portal.core.tabular import ImportReport
from referrals.imports import (
    CheckedFile,
    ImportFileError,
    ImportRow,
    Lookups,
    check_rows,
    read_rows,
)
from referrals.models import Person, Referral
from referrals.services.records import referral_record

IMPORTED_SUMMARY = "Imported from historical records."
HISTORY_FIELDS = ["outcome", "status", "reached_panel", "adopted"]
BATCH = 2000


@dataclass
class ImportResult(ImportReport):
    """What an import did: nothing at all when there are problems."""

    rows: int = 0
    created: int = 0
    skipped: list[str] = field(default_factory=list)  # references already present

    def summary(self) -> str:
        return (
            f"{self.rows} rows read: {self.created} referrals imported, "
            f"{len(self.skipped)} already present and skipped."
        )

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "skipped": len(self.skipped)}


@transaction.atomic
def referrals_import(
    *,
    name: str,
    content: bytes,
    acting_user: User | None,
    max_rows: int | None = None,
    area: Area | None = None,
) -> ImportResult:
    """Import historical referrals, all or nothing.

    Every row is checked first; if any row is bad nothing is saved and every bad row is
    reported with its line number. ``reference`` is the key: a referral whose reference is
    already recorded is skipped, never changed (the record may have moved on since), so
    importing the same file twice creates no duplicates. Each new person and referral is
    recorded one by one through ``referral_record`` (the audit log sees every insert),
    owned by its referring agency and marked as imported. Types of concern, needs flags and
    the historical outcome are then written in bulk, with the audit entries auditlog would
    have written (it does not see bulk writes), so 10,000 rows import in reasonable time.
    Rows of one file with the same names, date of birth and postcode are one person;
    matching with earlier records is left to triage's repeat-referral check. A file of more
    than ``max_rows`` rows (IMPORT_MAX_ROWS, the web upload's cap, by default) is refused.
    """
    result = ImportResult()
    # Every imported record belongs to one council area: the importing Coordinator's, or
    # the one the command names; a single-council deployment's only area otherwise.
    if area is None:
        held = area_ids_for(acting_user, [Role.COORDINATOR]) if acting_user else set()
        if len(held) == 1:
            area = Area.objects.get(pk=held.pop())
        elif not held:
            area = Area.objects.sole()
    if area is None:
        result.file_error = "Say which council area the referrals belong to"
        return result
    try:
        rows = read_rows(name, content, max_rows=max_rows)
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
    created: list[tuple[ImportRow, Referral]] = []
    for row in checked.rows:
        if row.reference in existing:
            result.skipped.append(row.reference)
            continue
        key = (row.first_name.lower(), row.last_name.lower(), row.date_of_birth, row.postcode)
        person = persons.get(key)
        if person is None:
            person = persons[key] = Person.objects.create(
                area=area,
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
            reference=row.reference,
            imported=True,
        )
        created.append((row, referral))
    _record_history(created, acting_user)
    result.created = len(created)
    return result


def _record_history(created: list[tuple[ImportRow, Referral]], acting_user: User | None) -> None:
    """Types of concern, needs flags and outcomes of the new referrals, written in bulk,
    each change with the audit entry auditlog writes for the same change made one by one."""
    entries: list[LogEntry] = []
    content_type = ContentType.objects.get_for_model(Referral)
    cid = get_cid()
    now = timezone.now()

    def entry(referral: Referral, action: int, changes: dict) -> LogEntry:
        return LogEntry(
            content_type=content_type,
            object_pk=str(referral.pk),
            object_id=referral.pk,
            object_repr=str(referral),
            action=action,
            changes=changes,
            actor=acting_user,
            actor_email=getattr(acting_user, "email", None),
            cid=cid,
            timestamp=now,
        )

    concern_links, flag_links = [], []
    updates: dict[tuple, list[int]] = defaultdict(list)
    for row, referral in created:
        for field_name, links, values, column in [
            ("concern_types", concern_links, row.concern_types, "concerntype_id"),
            ("needs_flags", flag_links, row.needs_flags, "needsflag_id"),
        ]:
            if not values:
                continue
            through = getattr(Referral, field_name).through
            links += [through(referral_id=referral.pk, **{column: v.pk}) for v in values]
            changes = {
                field_name: {
                    "type": "m2m",
                    "operation": "add",
                    "objects": [str(v) for v in values],
                }
            }
            mask_m2m_changes(Referral, changes)  # health data and beliefs: redacted
            entries.append(entry(referral, LogEntry.Action.UPDATE, changes))
        if row.outcome or row.reached_panel or row.adopted:
            # A recorded outcome closes the historical referral; without one it waits in
            # the triage queue like any other received referral.
            before = copy.copy(referral)
            referral.outcome = row.outcome
            referral.status = Referral.Status.CLOSED if row.outcome else referral.status
            referral.reached_panel = row.reached_panel
            referral.adopted = row.adopted
            changes = model_instance_diff(
                before,
                referral,
                fields_to_check=HISTORY_FIELDS,
                use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
            )
            key = (row.outcome.pk if row.outcome else None, referral.status)
            updates[key + (row.reached_panel, row.adopted)].append(referral.pk)
            if changes:
                entries.append(entry(referral, LogEntry.Action.UPDATE, changes))
    Referral.concern_types.through.objects.bulk_create(concern_links, batch_size=BATCH)
    Referral.needs_flags.through.objects.bulk_create(flag_links, batch_size=BATCH)
    for (outcome_id, status, reached_panel, adopted), pks in updates.items():
        for start in range(0, len(pks), BATCH):
            Referral.objects.filter(pk__in=pks[start : start + BATCH]).update(
                outcome_id=outcome_id,
                status=status,
                reached_panel=reached_panel,
                adopted=adopted,
                updated_at=now,
            )
    LogEntry.objects.bulk_create(entries, batch_size=BATCH)


__all__ = ["ImportResult", "referrals_import"]
