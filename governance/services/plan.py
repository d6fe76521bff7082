"""The action plan: strategy periods, priority actions, action items and progress updates.

Edits of shared records go through ``save_if_unchanged``: a second editor working from an
old version is refused with StaleEdit and nothing of theirs is saved.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction

from governance.models import (
    ActionItem,
    PriorityAction,
    ProgressUpdate,
    StrategyPeriod,
    item_actions,
)
from prevent_portal.accounts.models import User
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import save_if_unchanged

PERIOD_FIELDS = ["name", "starts_on", "ends_on", "objective"]
ACTION_FIELDS = ["number", "title", "objective"]
ITEM_FIELDS = ["description", "owner_agency", "owner_officer", "due_on", "rag", "completed_on"]


def _create(model, data: dict, fields: list[str], **extra):
    obj = model(**{f: data[f] for f in fields if f in data}, **extra)
    obj.full_clean()
    obj.save()
    return obj


def _edit(obj, data: dict, fields: list[str], expected_version: int):
    changed = [f for f in fields if f in data]
    for field in changed:
        setattr(obj, field, data[field])
    obj.full_clean()
    save_if_unchanged(obj, expected_version=expected_version, fields=[*changed, "updated_at"])
    return obj


@transaction.atomic
def strategy_period_create(
    *, data: dict, acting_user: User | None, area: Area | None = None
) -> StrategyPeriod:
    """Start a strategy period (name, first and last day, overriding objective) of a council
    area's action plan (``area``: the Coordinator's; a single-council deployment's only area
    when not given). Its actions and items belong to the same area."""
    extra = {"area": area} if area is not None else {}
    return _create(StrategyPeriod, data, PERIOD_FIELDS, **extra)


@transaction.atomic
def strategy_period_edit(
    *, period: StrategyPeriod, data: dict, expected_version: int, acting_user: User
) -> StrategyPeriod:
    """Change a strategy period; refused with StaleEdit if someone changed it meanwhile."""
    return _edit(period, data, PERIOD_FIELDS, expected_version)


@transaction.atomic
def priority_action_create(
    *, period: StrategyPeriod, data: dict, acting_user: User | None
) -> PriorityAction:
    """Add a numbered priority action to a period; numbers are unique within a period."""
    return _create(PriorityAction, data, ACTION_FIELDS, period=period)


@transaction.atomic
def priority_action_edit(
    *, action: PriorityAction, data: dict, expected_version: int, acting_user: User
) -> PriorityAction:
    """Change a priority action; refused with StaleEdit if someone changed it meanwhile."""
    return _edit(action, data, ACTION_FIELDS, expected_version)


@transaction.atomic
def action_item_create(
    *, action: PriorityAction, data: dict, acting_user: User | None
) -> ActionItem:
    """Add an item to a priority action. It needs an owning agency, an owning officer, or
    both (a database constraint holds the same rule)."""
    return _create(ActionItem, data, ITEM_FIELDS, action=action)


@transaction.atomic
def action_item_edit(
    *, item: ActionItem, data: dict, expected_version: int, acting_user: User
) -> ActionItem:
    """Change an item's description, owners, due date, RAG status or completion date;
    refused with StaleEdit if someone changed it (or added progress) meanwhile."""
    return _edit(item, data, ITEM_FIELDS, expected_version)


@transaction.atomic
def progress_update_add(
    *,
    item: ActionItem,
    on: date,
    text: str,
    rag: str,
    expected_version: int,
    acting_user: User | None,
    completed: bool = False,
) -> ProgressUpdate:
    """Add a dated progress update to an item; the item takes the update's RAG status (and
    is marked completed on the update's date if ``completed``). Only the Coordinator and
    the item's owners may do this. Refused with StaleEdit when the item changed since the
    form was opened (for example another update was added), so nobody sets a RAG status
    without having seen the latest one."""
    signed_in = acting_user is not None and acting_user.pk
    if signed_in and "add_progress" not in item_actions(acting_user, item):
        raise PermissionDenied
    update = ProgressUpdate(item=item, on=on, text=text, rag=rag)
    update.author = acting_user if acting_user and acting_user.pk else None
    update.full_clean()
    update.save()
    item.rag = rag
    fields = ["rag", "updated_at"]
    if completed and not item.completed_on:
        item.completed_on = on
        fields.append("completed_on")
    save_if_unchanged(item, expected_version=expected_version, fields=fields)
    return update
