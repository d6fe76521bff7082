"""Entries of the registers (CTLP briefings, venue reviews, education settings, funded
projects): one pair of services for all four, driven by the register's definition."""

from __future__ import annotations

from django.db import models, transaction

from governance.registers import RegisterDefinition
from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import save_if_unchanged


def _fields(register: RegisterDefinition) -> list[str]:
    return list(register.form_class._meta.fields)


@transaction.atomic
def register_entry_create(
    *, register: RegisterDefinition, data: dict, acting_user: User | None
) -> models.Model:
    """Add an entry to a register, validated by the model, recording who added it."""
    entry = register.model(**{f: data[f] for f in _fields(register) if f in data})
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
