"""The step every training form page shares once its form is valid."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import StaleEdit


def area_choice(request, area_ids) -> tuple[Area | None, list[Area]]:
    """The council area a training page shows (issue 18: figures are per area) among
    ``area_ids``, the areas the user may see there: the one named by ``?area=``, else the
    first by name. The list of areas to choose from is empty when there is only one, so a
    single-council deployment shows no area selector."""
    areas = list(Area.objects.filter(pk__in=sorted(area_ids)).order_by("name"))
    wanted = request.GET.get("area")
    chosen = next((a for a in areas if str(a.pk) == wanted), areas[0] if areas else None)
    return chosen, (areas if len(areas) > 1 else [])


def save_form(request, form, save: Callable[[dict], object], *, success, to: str):
    """For a valid POST, call ``save(cleaned_data)`` (a service), say ``success`` (text, or
    a function of what ``save`` returned) and redirect to the url name ``to``. A stale edit
    or a refused rule becomes an error on the form, which keeps what was typed; None means
    "show the form again"."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except (StaleEdit, ValueError) as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, success(saved) if callable(success) else success)
    return redirect(to)
