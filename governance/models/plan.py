"""The multi-agency action plan: strategy periods, their priority actions (seed 004), the
action items under each, and dated progress updates with a RAG status (seed 001)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from governance.models.access import (
    EDITOR_ROLES,
    READER_ROLES,
    AreaPathMixin,
    ReadableQuerySet,
    area_id_of,
    default_actions,
    edits_area_of,
    fetch_for_user,
)
from prevent_portal.accounts.access import (
    area_ids_for,
    has_role,
    in_areas_of,
    is_active_user,
    serves_through,
    through_agencies_q,
    wall_area_ids,
)
from prevent_portal.accounts.models import Agency, Role
from prevent_portal.areas.models import area_field


class Rag(models.TextChoices):
    """RAG status in words, so nobody has to read a colour."""

    RED = "red", "Red: off track"
    AMBER = "amber", "Amber: at risk"
    GREEN = "green", "Green: on track"


class StrategyPeriod(models.Model):
    """A strategy and its period, e.g. the Prevent Forward Strategy 2017-2020."""

    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    objective = models.TextField("Overriding objective", blank=True)
    # The council area whose action plan it is (issue 18); its actions and items follow it.
    area = area_field()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReadableQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="strategy_period_order"
            )
        ]

    def __str__(self):
        return self.name


class PriorityActionQuerySet(ReadableQuerySet):
    area_path = "period__area"


class PriorityAction(models.Model):
    """One of a strategy's numbered priority actions, with its title and objective."""

    period = models.ForeignKey(StrategyPeriod, on_delete=models.PROTECT, related_name="actions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    objective = models.TextField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PriorityActionQuerySet.as_manager()

    class Meta:
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "number"], name="one_action_number_per_period"
            )
        ]

    def __str__(self):
        return f"Action {self.number} {self.title}"


class ActionItemQuerySet(AreaPathMixin, models.QuerySet):
    area_path = "action__period__area"

    def visible_to(self, user) -> ActionItemQuerySet:
        """Every item of their areas' plans for readers; for anyone, the items they own:
        those of an agency where they are the single point of contact, and those naming
        them as owner."""
        if not is_active_user(user):
            return self.none()
        # An agency's items in the areas it serves now (access rule 8 per agency), and all of
        # it within the areas the user works in (rule 8).
        owned = through_agencies_q(user, [Role.SPOC], "owner_agency", self.area_path) | Q(
            owner_officer=user
        )
        read_areas = sorted(area_ids_for(user, READER_ROLES))
        if read_areas:
            owned |= Q(action__period__area__in=read_areas)
        return in_areas_of(self.filter(owned), user, self.area_path)

    def review(self, *, start: date, end: date, as_of: date) -> ActionItemQuerySet:
        """Annotate what the quarterly review of ``start``..``end`` needs, in one query:
        ``latest_rag`` (the RAG of the last update on or before ``end``, else the item's
        own), ``last_update_on``, ``updates_in_quarter`` and ``is_overdue`` (due before
        ``as_of`` and not completed by then)."""
        last = ProgressUpdate.objects.filter(item=OuterRef("pk"), on__lte=end).order_by(
            "-on", "-pk"
        )
        return self.annotate(
            latest_rag=Coalesce(Subquery(last.values("rag")[:1]), "rag"),
            last_update_on=Max("updates__on", filter=Q(updates__on__lte=end)),
            updates_in_quarter=Count("updates", filter=Q(updates__on__range=(start, end))),
            is_overdue=models.ExpressionWrapper(
                Q(due_on__lt=as_of) & (Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)),
                output_field=models.BooleanField(),
            ),
        )

    def rag_summary(self) -> dict[str, int]:
        """How many items are red, amber and green now: one grouped query."""
        rows = self.order_by().values("rag").annotate(items=Count("pk"))
        counts = {rag: 0 for rag in Rag.values}
        counts.update({row["rag"]: row["items"] for row in rows})
        return counts


class ActionItem(models.Model):
    """Something to be done under a priority action, owned by an agency and/or an officer."""

    action = models.ForeignKey(PriorityAction, on_delete=models.PROTECT, related_name="items")
    description = models.TextField()
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    owner_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    due_on = models.DateField(null=True, blank=True)
    rag = models.CharField("RAG status", max_length=5, choices=Rag.choices, default=Rag.GREEN)
    completed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["action", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_agency__isnull=False) | Q(owner_officer__isnull=False),
                name="action_item_has_an_owner",
            )
        ]
        indexes = [models.Index(fields=["owner_agency"]), models.Index(fields=["due_on"])]

    def __str__(self):
        return f"Action item {self.pk}"

    def is_owned_by(self, user) -> bool:
        """The officer named as owner, or a single point of contact of the owning agency."""
        if not is_active_user(user):
            return False
        area_id = area_id_of(self)
        if area_id not in wall_area_ids(user):
            return False  # access rule 8: nothing outside the areas the user works in
        if self.owner_officer_id == user.pk:
            return True
        return serves_through(user, [Role.SPOC], self.owner_agency_id, area_id)

    def is_overdue(self, on: date) -> bool:
        return bool(self.due_on and self.due_on < on and not self.completed_on)


class ProgressUpdate(models.Model):
    """A dated statement of progress on an item and its RAG status then. Never edited: a
    later update supersedes it."""

    item = models.ForeignKey(ActionItem, on_delete=models.PROTECT, related_name="updates")
    on = models.DateField("Date of the update")
    text = models.TextField()
    rag = models.CharField("RAG status", max_length=5, choices=Rag.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["item", "-on"])]

    def __str__(self):
        return f"Progress update {self.pk}"


def item_actions(user, item: ActionItem) -> set[str]:
    """What ``user`` may do to a visible item: view; change (the Coordinator);
    add_progress (the Coordinator and the item's owners)."""
    actions = default_actions(user, item)
    if (has_role(user, *EDITOR_ROLES) and edits_area_of(user, item)) or item.is_owned_by(user):
        actions.add("add_progress")
    return actions


def get_period_for_user(user, pk, *, perm: str = "view") -> StrategyPeriod:
    """The only single strategy-period fetch: readers see it, the Coordinator changes it."""
    return fetch_for_user(StrategyPeriod.objects.all(), user, pk, perm=perm)


def get_action_for_user(user, pk, *, perm: str = "view") -> PriorityAction:
    """The only single priority-action fetch: readers see it, the Coordinator changes it."""
    return fetch_for_user(PriorityAction.objects.select_related("period"), user, pk, perm=perm)


def get_action_item_for_user(user, pk, *, perm: str = "view") -> ActionItem:
    """The only single action-item fetch: 404 unless visible (readers and owners), 403
    unless ``perm`` ("view", "change", "add_progress") is allowed (see ``item_actions``)."""
    queryset = ActionItem.objects.select_related("action__period", "owner_agency", "owner_officer")
    return fetch_for_user(queryset, user, pk, perm=perm, actions=item_actions)
