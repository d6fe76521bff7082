"""The registers: one list, add and edit page for all four, driven by each register's
definition (``governance.registers``). The Coordinator's alone."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from governance import services
from governance.models import get_register_entry_for_user
from governance.models.access import REGISTER_ROLES
from governance.registers import REGISTERS, get_register
from governance.views.common import form_page, posted
from prevent_portal.accounts.access import require_role


@require_GET
def register_index(request):
    require_role(request.user, *REGISTER_ROLES)
    registers = [(r, r.model.objects.visible_to(request.user).count()) for r in REGISTERS.values()]
    return render(request, "governance/register_index.html", {"registers": registers})


@require_GET
def register_list(request, register):
    definition = get_register(register)
    require_role(request.user, *REGISTER_ROLES)
    entries = definition.model.objects.visible_to(request.user)
    return render(
        request,
        "governance/register_list.html",
        {
            "register": definition,
            "headings": [definition.label(f) for f in definition.columns],
            "rows": [(entry, definition.cells(entry)) for entry in entries],
        },
    )


def _list_url(definition) -> str:
    return reverse("governance:register_list", args=[definition.slug])


@require_http_methods(["GET", "POST"])
def register_add(request, register):
    definition = get_register(register)
    require_role(request.user, *REGISTER_ROLES)
    form = definition.form_class(posted(request))
    return form_page(
        request,
        form,
        template="governance/register_form.html",
        save=lambda data: services.register_entry_create(
            register=definition, data=data, acting_user=request.user
        ),
        success=f"{definition.singular[:1].upper()}{definition.singular[1:]} added",
        next_url=lambda entry: _list_url(definition),
        context={"register": definition, "entry": None},
    )


@require_http_methods(["GET", "POST"])
def register_edit(request, register, pk):
    definition = get_register(register)
    entry = get_register_entry_for_user(request.user, definition.model, pk, perm="change")
    form = definition.form_class(
        posted(request),
        instance=entry,
        initial={"version": entry.version},
        editing=True,
    )
    return form_page(
        request,
        form,
        template="governance/register_form.html",
        save=lambda data: services.register_entry_edit(
            register=definition,
            entry=entry,
            data=data,
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success=f"{definition.singular[:1].upper()}{definition.singular[1:]} changed",
        next_url=lambda e: _list_url(definition),
        context={"register": definition, "entry": entry},
    )


urlpatterns = [
    path("registers/", register_index, name="register_index"),
    path("registers/<slug:register>/", register_list, name="register_list"),
    path("registers/<slug:register>/add/", register_add, name="register_add"),
    path("registers/<slug:register>/<int:pk>/edit/", register_edit, name="register_edit"),
]
