"""A guard for every lifecycle: a change to an audited field that leaves no audit entry
naming it, or no new version, fails the test that made it.

``with lifecycle_changes_audited(Referral, REFERRAL_LIFECYCLE.audited_fields): ...``
snapshots the fields of every row before and after the block. Each row changed must have an
auditlog ``LogEntry`` written in the block whose ``changes`` name every field that changed,
and a higher ``version``; each row created must have its creation logged. QuerySet.update(),
bulk_update() and raw SQL write no audit entry, so any service that uses them for a state
change fails here.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType


def _snapshot(model, fields: list[str], m2m: list[str]) -> dict:
    attnames = {f: model._meta.get_field(f).attname for f in fields}
    rows = {}
    for obj in model._default_manager.all().prefetch_related(*m2m):
        values = {f: getattr(obj, attnames[f]) for f in fields}
        values.update({f: frozenset(o.pk for o in getattr(obj, f).all()) for f in m2m})
        rows[obj.pk] = (values, getattr(obj, "version", None))
    return rows


def audit_snapshot(model, audited_fields: Iterable[str]) -> dict:
    """The audited fields and version of every row of ``model``, by primary key."""
    audited_fields = list(audited_fields)
    m2m = [f for f in audited_fields if model._meta.get_field(f).many_to_many]
    plain = [f for f in audited_fields if f not in m2m]
    return _snapshot(model, plain, m2m)


def audit_problems(model, audited_fields: Iterable[str], before: dict, after: dict, last: int):
    """What changed between two snapshots with no audit entry (written after LogEntry
    ``last``) naming it, or no new version: one sentence each."""
    audited_fields = list(audited_fields)
    entries = LogEntry.objects.filter(
        pk__gt=last, content_type=ContentType.objects.get_for_model(model)
    )
    problems = []
    for pk, (values, version) in after.items():
        logged = [e for e in entries if e.object_pk == str(pk)]
        if pk not in before:
            if not any(e.action == LogEntry.Action.CREATE for e in logged):
                problems.append(f"{model.__name__} {pk} was created with no audit entry")
            continue
        old_values, old_version = before[pk]
        changed = {f for f in audited_fields if old_values[f] != values[f]}
        if not changed:
            continue
        named = {name for e in logged for name in (e.changes_dict or {})}
        missing = changed - named
        if missing:
            problems.append(
                f"{model.__name__} {pk}: {sorted(missing)} changed with no audit entry naming it"
            )
        if old_version is not None and not (version or 0) > old_version:
            problems.append(f"{model.__name__} {pk}: {sorted(changed)} changed, version did not")
    return problems


def last_log_entry() -> int:
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@contextmanager
def lifecycle_changes_audited(model, audited_fields: Iterable[str]):
    audited_fields = list(audited_fields)
    before = audit_snapshot(model, audited_fields)
    last = last_log_entry()
    yield
    after = audit_snapshot(model, audited_fields)
    problems = audit_problems(model, audited_fields, before, after, last)
    assert not problems, "\n".join(problems)
