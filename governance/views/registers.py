"""The registers: one list (paged, searchable, downloadable as CSV or XLSX), add, edit and
delete page for all four, driven by each register's definition (``governance.registers``).
The Coordinator's alone."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from governance import services
from governance.forms.registers import RegisterDeleteForm, RegisterSearchForm
from governance.models import get_register_entry_for_user
from governance.models.access import REGISTER_ROLES
from governance.registers import REGISTERS, display, get_register
from governance.views.common import form_page, posted
from prevent_portal.accounts.access import acting_area, require_role
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.exports import SPREADSHEET_FORMATS, spreadsheet_response

PAGE_SIZE = 25


@require_GET
def register_index(request):
    require_role(request.user, *REGISTER_ROLES)
    registers = [(r, r.model.objects.visible_to(request.user).count()) for r in REGISTERS.values()]
    return render(request, "governance/register_index.html", {"registers": registers})


@require_GET
def register_list(request, register):
    """A register's entries, 25 a page, narrowed by the search box; with ``format=csv`` or
    ``format=xlsx``, every entry the search finds (all pages) as a spreadsheet, each one
    written to the access log as exported."""
    definition = get_register(register)
    require_role(request.user, *REGISTER_ROLES)
    form = RegisterSearchForm(request.GET)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    entries = definition.search(definition.model.objects.visible_to(request.user), text)
    fmt = request.GET.get("format")
    if fmt in SPREADSHEET_FORMATS:
        return _export(request, definition, list(entries), fmt)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"q": text}) if text else ""
    return render(
        request,
        "governance/register_list.html",
        {
            "register": definition,
            "form": form,
            "searched": text,
            "page": page,
            "query": query,
            "download_query": f"{query}&" if query else "",
            "headings": [definition.label(f) for f in definition.columns],
            "rows": [(entry, definition.cells(entry)) for entry in page.object_list],
        },
    )


def _export(request, definition, entries, fmt: str):
    log_access(request, entries, view=f"governance:register_list ({fmt})")
    return spreadsheet_response(
        [definition.label(f) for f in definition.fields],
        (definition.export_row(entry) for entry in entries),
        fmt=fmt,
        title=definition.title,
        filename=f"{definition.slug}-{timezone.localdate().isoformat()}",
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
            register=definition,
            data=data,
            acting_user=request.user,
            area=acting_area(request.user, REGISTER_ROLES),
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


@require_http_methods(["GET", "POST"])
def register_delete(request, register, pk):
    """Confirm and delete one entry, with a reason (``register_entry_delete``)."""
    definition = get_register(register)
    entry = get_register_entry_for_user(request.user, definition.model, pk, perm="change")
    form = RegisterDeleteForm(posted(request), initial={"version": entry.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.register_entry_delete(
                register=definition,
                entry=entry,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{definition.singular[:1].upper()}{definition.singular[1:]} deleted"
            )
            return redirect(_list_url(definition))
    return render(
        request,
        "governance/register_delete.html",
        {
            "register": definition,
            "entry": entry,
            "form": form,
            "details": [(definition.label(f), display(entry, f)) for f in definition.fields],
        },
    )


urlpatterns = [
    path("registers/", register_index, name="register_index"),
    path("registers/<slug:register>/", register_list, name="register_list"),
    path("registers/<slug:register>/add/", register_add, name="register_add"),
    path("registers/<slug:register>/<int:pk>/edit/", register_edit, name="register_edit"),
    path("registers/<slug:register>/<int:pk>/delete/", register_delete, name="register_delete"),
]
