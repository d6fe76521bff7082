"""A person's page: everything about one person that the reader may see, and the
Coordinator's change of their details after intake. Thin: access -> form -> service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import has_global_perm, require_role
from prevent_portal.accounts.models import AGENCY_CASE_ROLES
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from referrals import person_page, services
from referrals.forms.persons import DateOfBirthForm, PersonDetailsForm
from referrals.models import ChronologyEntry, case_work_referrals, get_person_for_user

VIEW = "referrals:person"
CHANGE_PERSON = "referrals.change_person"


@require_GET
def person_detail(request, pk):
    """One person as the reader may see them: details, other names, the referrals they may
    see (with triage outcomes and needs flags), what other apps add (Channel cases, their
    needs flags over time: ``referrals.person_page``) and the chronology of those
    referrals merged, newest first. A referral the reader may not see is not listed, nor
    hinted at; with none visible for case work, the person is not found (404). Case roles
    only: a referrer is told the status of what they referred, not a person's history."""
    require_role(request.user, *AGENCY_CASE_ROLES)
    person = get_person_for_user(request.user, pk)
    referrals = list(
        case_work_referrals(request.user)
        .filter(person=person)
        .select_related("owning_agency", "outcome", "signposted_to")
        .prefetch_related("needs_flags")
        .order_by("-received_on", "-pk")
    )
    if not referrals:
        raise Http404("No such record")
    chronology = (
        ChronologyEntry.objects.filter(referral__in=[r.pk for r in referrals])
        .select_related("author", "referral", "corrects")
        .order_by("-created_at", "-pk")
    )
    sections = person_page.sections_for(request.user, person)
    shown = [person, *referrals]
    for section in sections:
        shown += section.records
    log_access(request, shown, view=VIEW)
    return render(
        request,
        "referrals/person_detail.html",
        {
            "person": person,
            "aliases": person.aliases.all(),
            "referrals": referrals,
            "flagged_referrals": [r for r in referrals if r.needs_flags.all()],
            "sections": sections,
            "chronology": chronology,
            "can_change": has_global_perm(request.user, CHANGE_PERSON),
        },
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    """The Coordinator changes a person's details after intake, with a reason; a stale or
    refused change is a GOV.UK error and saves nothing."""
    person = get_person_for_user(request.user, pk, perm="change")
    initial = PersonDetailsForm.initial_for(person)
    data = request.POST if request.method == "POST" else None
    form = PersonDetailsForm(data, initial=initial)
    born = DateOfBirthForm(data, initial=initial)
    if request.method == "POST" and all([form.is_valid(), born.is_valid()]):
        details = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_DETAILS
            if name in form.cleaned_data
        }
        details["date_of_birth"] = born.cleaned_data["date_of_birth"]
        try:
            services.person_details_change(
                person=person,
                details=details,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The person's details have been changed")
            return redirect(VIEW, pk=person.pk)
    log_access(request, [person], view="referrals:person_edit")
    return render(
        request, "referrals/person_edit.html", {"person": person, "form": form, "born": born}
    )


urlpatterns = [
    path("people/<int:pk>/", person_detail, name="person"),
    path("people/<int:pk>/change/", person_edit, name="person_edit"),
]
