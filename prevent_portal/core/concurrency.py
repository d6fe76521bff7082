"""Optimistic locking: an edit based on an old version of a record is refused, never saved
over someone else's change.

A model taking part has a ``version`` integer field. Its edit form carries the version the
user saw (``VersionField``); the service saves through ``save_if_unchanged``, inside its
transaction, and the view turns ``StaleEdit`` into a GOV.UK error asking the user to reload.
"""

from __future__ import annotations

from django import forms
from django.db import models, transaction


class StaleEdit(Exception):
    """Somebody else changed the record after this user opened it."""

    message = (
        "Someone else changed this record while you were editing it. "
        "Your changes have not been saved: reload the page to see theirs, then try again."
    )


class RecordMoved(StaleEdit, ValueError):
    """The record was transferred to another council area after this user opened it (a
    transfer's acceptance held its lock first). A StaleEdit and a ValueError, so a view shows
    it whichever it catches; nothing is saved."""

    message = (
        "This record has been transferred to another council area since you opened it. "
        "Nothing has been saved."
    )


def lock_in_place(obj: models.Model, *, area_field: str = "area_id") -> models.Model:
    """``obj``'s row, locked for the rest of the transaction and read afresh, **in the council
    area where the caller read it**: a service's preconditions are checked against what is
    stored, and nothing is written about a record that has left the area meanwhile (refused
    with RecordMoved, wall on or off; with the wall on the row is not even visible there).
    Every service that locks a referral to write about it goes through here
    (tests/areas/test_record_moved.py walks the sources)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_in_place must run inside a transaction")
    locked = (
        type(obj)
        ._default_manager.select_for_update()
        .filter(pk=obj.pk, **{area_field: getattr(obj, area_field)})
        .first()
    )
    if locked is None:
        raise RecordMoved(RecordMoved.message)
    return locked


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


def save_if_unchanged(obj: models.Model, *, expected_version: int, fields: list[str]) -> None:
    """Save ``fields`` of ``obj`` only if its row still has ``expected_version``; the row is
    locked for the rest of the transaction and its version goes up by one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("save_if_unchanged must run inside a transaction")
    current = (
        type(obj)
        ._default_manager.select_for_update()
        .filter(pk=obj.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise StaleEdit(StaleEdit.message)
    obj.version = expected_version + 1
    obj.save(update_fields=[*fields, "version"])
