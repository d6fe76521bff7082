"""The action plan: strategy periods, priority actions, items and their progress. Thin:
access -> form -> service -> redirect. Readers see the plan, the Coordinator changes it,
and an item's owners add progress to it."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from governance import services
from governance.forms.common import STAFF_ROLES
from governance.forms.plan import ActionForm, ItemForm, PeriodForm, ProgressForm
from governance.models import (
    ActionItem,
    Rag,
    StrategyPeriod,
    get_action_for_user,
    get_action_item_for_user,
    get_period_for_user,
    item_actions,
)
from governance.models.access import EDITOR_ROLES, READER_ROLES, can_edit, can_read
from governance.views.common import form_page, posted
from prevent_portal.accounts.access import acting_area, agency_ids_for, require_role
from prevent_portal.accounts.models import Role


def _period_url(period) -> str:
    return reverse("governance:period_detail", args=[period.pk])


def _item_url(item) -> str:
    return reverse("governance:item_detail", args=[item.pk])


def _items():
    return ActionItem.objects.select_related("owner_agency", "owner_officer").annotate(
        last_update_on=Max("updates__on")
    )


# --- Strategy periods -----------------------------------------------------------------------
@require_GET
def period_list(request):
    """Every strategy period with its RAG summary, counted in the database."""
    require_role(request.user, *READER_ROLES)
    rag = "actions__items__rag"
    periods = StrategyPeriod.objects.visible_to(request.user).annotate(
        items=Count("actions__items"),
        **{value: Count("actions__items", filter=Q(**{rag: value})) for value in Rag.values},
    )
    return render(
        request,
        "governance/period_list.html",
        {"periods": periods, "can_edit": can_edit(request.user), "rags": Rag},
    )


@require_http_methods(["GET", "POST"])
def period_add(request):
    require_role(request.user, *EDITOR_ROLES)
    # A plan belongs to the council area of the Coordinator who starts it (issue 18).
    area = acting_area(request.user, EDITOR_ROLES)
    form = PeriodForm(posted(request))
    return form_page(
        request,
        form,
        template="governance/period_form.html",
        save=lambda data: services.strategy_period_create(
            data=data, acting_user=request.user, area=area
        ),
        success="Strategy period added",
        next_url=_period_url,
        context={"period": None},
    )


@require_http_methods(["GET", "POST"])
def period_edit(request, pk):
    period = get_period_for_user(request.user, pk, perm="change")
    initial = {f: getattr(period, f) for f in services.plan.PERIOD_FIELDS}
    form = PeriodForm(
        posted(request), initial={**initial, "version": period.version}, period=period
    )
    return form_page(
        request,
        form,
        template="governance/period_form.html",
        save=lambda data: services.strategy_period_edit(
            period=period, data=data, expected_version=data["version"], acting_user=request.user
        ),
        success="Strategy period changed",
        next_url=_period_url,
        context={"period": period},
    )


@require_GET
def period_detail(request, pk):
    """A strategy's priority actions and every item under them: three queries."""
    period = get_period_for_user(request.user, pk)
    actions = period.actions.order_by("number").prefetch_related(
        Prefetch("items", queryset=_items().order_by("pk"))
    )
    return render(
        request,
        "governance/period_detail.html",
        {
            "period": period,
            "actions": actions,
            "can_edit": can_edit(request.user),
            "today": timezone.localdate(),
        },
    )


# --- Priority actions -----------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def action_add(request, pk):
    period = get_period_for_user(request.user, pk, perm="change")
    form = ActionForm(posted(request), period=period)
    return form_page(
        request,
        form,
        template="governance/action_form.html",
        save=lambda data: services.priority_action_create(
            period=period, data=data, acting_user=request.user
        ),
        success="Priority action added",
        next_url=lambda action: _period_url(period),
        context={"period": period, "action": None},
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = get_action_for_user(request.user, pk, perm="change")
    initial = {f: getattr(action, f) for f in services.plan.ACTION_FIELDS}
    form = ActionForm(
        posted(request),
        initial={**initial, "version": action.version},
        period=action.period,
        action=action,
    )
    return form_page(
        request,
        form,
        template="governance/action_form.html",
        save=lambda data: services.priority_action_edit(
            action=action, data=data, expected_version=data["version"], acting_user=request.user
        ),
        success="Priority action changed",
        next_url=lambda a: _period_url(action.period),
        context={"period": action.period, "action": action},
    )


# --- Action items -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def item_add(request, pk):
    action = get_action_for_user(request.user, pk, perm="change")
    form = ItemForm(posted(request), area_id=action.period.area_id)
    return form_page(
        request,
        form,
        template="governance/item_form.html",
        save=lambda data: services.action_item_create(
            action=action, data=data, acting_user=request.user
        ),
        success="Action item added",
        next_url=_item_url,
        context={"action": action, "item": None},
    )


@require_http_methods(["GET", "POST"])
def item_edit(request, pk):
    item = get_action_item_for_user(request.user, pk, perm="change")
    initial = {f: getattr(item, f) for f in services.plan.ITEM_FIELDS}
    form = ItemForm(posted(request), initial={**initial, "version": item.version}, item=item)
    return form_page(
        request,
        form,
        template="governance/item_form.html",
        save=lambda data: services.action_item_edit(
            item=item, data=data, expected_version=data["version"], acting_user=request.user
        ),
        success="Action item changed",
        next_url=_item_url,
        context={"action": item.action, "item": item},
    )


def _back_to(user, item) -> dict:
    """Readers go back to the plan; an owner who is not a reader, to their own items."""
    if can_read(user):
        return {"back_url": _period_url(item.action.period), "back_label": "Back to the plan"}
    return {"back_url": reverse("governance:my_items"), "back_label": "Back to your actions"}


@require_GET
def item_detail(request, pk):
    """One item: its owners, due date, RAG status and every progress update."""
    item = get_action_item_for_user(request.user, pk)
    actions = item_actions(request.user, item)
    return render(
        request,
        "governance/item_detail.html",
        {
            "item": item,
            "updates": list(item.updates.select_related("author")),
            "can_edit": "change" in actions,
            "can_add_progress": "add_progress" in actions,
            "is_overdue": item.is_overdue(timezone.localdate()),
            **_back_to(request.user, item),
        },
    )


@require_http_methods(["GET", "POST"])
def progress_add(request, pk):
    """Add a dated progress update with the RAG status now: the Coordinator or an owner."""
    item = get_action_item_for_user(request.user, pk, perm="add_progress")
    form = ProgressForm(
        posted(request),
        initial={"on": timezone.localdate(), "rag": item.rag, "version": item.version},
    )
    return form_page(
        request,
        form,
        template="governance/progress_add.html",
        save=lambda data: services.progress_update_add(
            item=item,
            on=data["on"],
            text=data["text"],
            rag=data["rag"],
            completed=data["completed"],
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success="Progress update added",
        next_url=lambda update: _item_url(item),
        context={"item": item},
    )


@require_GET
def my_items(request):
    """The items the user owns, or their agency owns where they are its single point of
    contact."""
    require_role(request.user, *STAFF_ROLES)
    owned = Q(owner_officer=request.user) | Q(
        owner_agency_id__in=sorted(agency_ids_for(request.user, [Role.SPOC]))
    )
    items = (
        _items()
        .visible_to(request.user)
        .filter(owned)
        .select_related("action__period")
        .order_by("-action__period__starts_on", "action__number", "pk")
    )
    return render(request, "governance/my_items.html", {"items": items})


urlpatterns = [
    path("plan/", period_list, name="period_list"),
    path("plan/add/", period_add, name="period_add"),
    path("plan/<int:pk>/", period_detail, name="period_detail"),
    path("plan/<int:pk>/edit/", period_edit, name="period_edit"),
    path("plan/<int:pk>/actions/add/", action_add, name="action_add"),
    path("plan/actions/<int:pk>/edit/", action_edit, name="action_edit"),
    path("plan/actions/<int:pk>/items/add/", item_add, name="item_add"),
    path("plan/items/<int:pk>/", item_detail, name="item_detail"),
    path("plan/items/<int:pk>/edit/", item_edit, name="item_edit"),
    path("plan/items/<int:pk>/progress/add/", progress_add, name="progress_add"),
    path("plan/mine/", my_items, name="my_items"),
]
