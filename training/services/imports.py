"""Importing compliance returns from a file (the upload page and import_training_returns)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for, global_perm_area_ids
from prevent_portal.accounts.models import Role, User
from prevent_portal.areas.models import Area
from prevent_portal.core.tabular import ImportReport
from training.freshness import compliance_figures_changed
from training.imports import check_rows
from training.models import ComplianceReturn, ReportingPeriod
from training.services.returns import reporting_period_for_end


@dataclass
class ReturnsImportResult(ImportReport):
    """What an import did: nothing at all when there are problems."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    periods_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.rows} rows read: {self.created} returns added, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )
        if self.periods_created:
            text += f" Quarters added: {', '.join(self.periods_created)}."
        return text

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "periods_created": self.periods_created,
        }


@transaction.atomic
def compliance_returns_import(
    *,
    rows: list[tuple[int, dict[str, str]]],
    acting_user: User | None,
    restrict_to_agencies: Iterable[int] | None = None,
    area: Area | None = None,
) -> ReturnsImportResult:
    """Import compliance returns, all or nothing.

    Every row is checked first (``training.imports``); if any is bad nothing is written and
    every bad row is reported with its line number. A row for an agency, type and quarter
    that already has a return updates that return (audited, its version goes up, so a
    correction being typed on the web page at the same time is refused as stale) rather
    than adding a second; a row with the same figures leaves it alone. Quarters not yet
    recorded are created with the default deadline. ``restrict_to_agencies`` (agency ids)
    limits an upload to those agencies: a SPOC's upload.

    Every return of a file belongs to one council area (issue 18): ``area`` (the upload
    page's choice, the command's ``--area``), else the one area where the importing user
    returns figures, else a single-council deployment's only area; a row for an agency that
    does not serve it is refused with its line number.
    """
    result = ReturnsImportResult(rows=len(rows))
    if not rows:
        result.file_error = "The file has no returns in it"
        return result
    area = area or _import_area(acting_user)
    if area is None:
        result.file_error = "Say which council area the returns are for"
        return result
    checked = check_rows(rows, restrict_to_agencies=restrict_to_agencies, area=area)
    if not checked.ok:
        result.problems = checked.problems
        return result
    ends = sorted({row.period_end for row in checked.rows})
    known = {p.end: p for p in ReportingPeriod.objects.filter(end__in=ends)}
    periods = {}
    for end in ends:
        periods[end] = known.get(end) or reporting_period_for_end(end=end, acting_user=acting_user)
        if end not in known:
            result.periods_created.append(periods[end].label)
    existing = {
        (r.agency_id, r.training_type_id, r.period.end): r
        for r in ComplianceReturn.objects.select_for_update(of=("self",))
        .select_related("period")
        .filter(
            agency__in={row.agency.pk for row in checked.rows},
            training_type__in={row.training_type.pk for row in checked.rows},
            period__in=[p.pk for p in periods.values()],
            area=area,
        )
    }
    now = timezone.now()
    for row in checked.rows:
        current = existing.get(row.key)
        if current is None:
            ComplianceReturn.objects.create(
                agency=row.agency,
                training_type=row.training_type,
                period=periods[row.period_end],
                area=area,
                eligible=row.eligible,
                compliant=row.compliant,
                target_percent=row.training_type.target_percent,
                submitted_by=acting_user,
                submitted_at=now,
                updated_by=acting_user,
                updated_at=now,
            )
            result.created += 1
        elif (current.eligible, current.compliant) == (row.eligible, row.compliant):
            result.unchanged += 1
        else:
            # Names for the audit log's object_repr, without a query per row.
            current.agency, current.training_type = row.agency, row.training_type
            current.eligible, current.compliant = row.eligible, row.compliant
            current.updated_by, current.updated_at = acting_user, now
            current.version += 1
            current.save(
                update_fields=["eligible", "compliant", "updated_by", "updated_at", "version"]
            )
            result.updated += 1
    if result.created or result.updated:
        compliance_figures_changed([area.pk])
    return result


def _import_area(acting_user: User | None) -> Area | None:
    """The one area where ``acting_user`` returns figures, or a single-council deployment's
    only area: never a guess among several."""
    if acting_user is not None:
        held = global_perm_area_ids(acting_user, "training.change_compliancereturn")
        held |= area_ids_for(acting_user, [Role.SPOC])
        if len(held) == 1:
            return Area.objects.get(pk=held.pop())
        if held:
            return None
    return Area.objects.sole()


__all__ = ["ReturnsImportResult", "compliance_returns_import"]
