"""Entries of the registers (CTLP briefings, venue reviews, education settings, funded
projects): one pair of services for all four, driven by the register's definition."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from governance.models import RegisterDeletion
from governance.models.access import REGISTER_ROLES
from governance.registers import RegisterDefinition
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import User
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged


def _fields(register: RegisterDefinition) -> list[str]:
    return list(register.form_class._meta.fields)


@transaction.atomic
def register_entry_create(
    *,
    register: RegisterDefinition,
    data: dict,
    acting_user: User | None,
    area: Area | None = None,
) -> models.Model:
    """Add an entry to a council area's register (``area``: the Coordinator's; a
    single-council deployment's only area when not given), validated by the model,
    recording who added it."""
    entry = register.model(**{f: data[f] for f in _fields(register) if f in data})
    if area is not None:
        entry.area = area
    entry.recorded_by = acting_user if acting_user and acting_user.pk else None
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def register_entry_edit(
    *,
    register: RegisterDefinition,
    entry: models.Model,
    data: dict,
    expected_version: int,
    acting_user: User,
) -> models.Model:
    """Change a register entry. Refused with StaleEdit when someone else changed it since
    the form was opened; nothing is saved then."""
    changed = [f for f in _fields(register) if f in data]
    for field in changed:
        setattr(entry, field, data[field])
    entry.full_clean()
    save_if_unchanged(entry, expected_version=expected_version, fields=[*changed, "updated_at"])
    return entry


GONE = "This entry has already been deleted"
NO_REASON = "Enter why you are deleting this entry"


@transaction.atomic
def register_entry_delete(
    *,
    register: RegisterDefinition,
    entry: models.Model,
    reason: str,
    expected_version: int,
    acting_user: User,
) -> RegisterDeletion:
    """Delete a register entry: only whoever keeps the registers (the Coordinator), and
    only with a reason. The entry goes from every list, search, export and report; a
    ``RegisterDeletion`` row keeps which entry it was, why, who and when, and the audit
    log's DELETE entry points at that row. Refused with StaleEdit when the entry changed
    since the confirmation page was opened (the user must see what they delete), with
    ValueError when there is no reason or the entry is already gone; nothing changes then."""
    if not has_role(acting_user, *REGISTER_ROLES):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValueError(NO_REASON)
    locked = register.model.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None:
        raise ValueError(GONE)
    if locked.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    deletion = RegisterDeletion.objects.create(
        register=register.slug,
        entry_id=locked.pk,
        entry_label=str(locked)[:200],
        area_id=locked.area_id,
        reason=reason,
        deleted_by=acting_user,
    )
    locked._deletion_note = {"register": register.slug, "deletion_record": deletion.pk}
    locked.delete()
    return deletion
