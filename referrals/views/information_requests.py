"""Information requests: the agency asked reads and answers a request (and nothing of the
referral), and the Coordinator withdraws one. Thin: access -> form -> service -> redirect.
Asking is a triage step (referrals/views/triage.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import has_global_perm, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from referrals import services
from referrals.forms.triage import InformationAnswerForm, InformationWithdrawForm
from referrals.models import InformationRequest, get_asked_request_for_user

TRIAGE_PERM = "referrals.triage_referral"


@require_GET
def information_request_list(request):
    """Open requests to the SPOC's agencies, soonest due first: the reference and the dates,
    nothing of the referral."""
    require_role(request.user, Role.SPOC)
    rows = list(
        InformationRequest.objects.asked_of(request.user)
        .select_related("referral", "agency")
        .order_by("due_on", "pk")[:200]
    )
    log_access(request, [r.referral for r in rows], view="referrals:information_requests")
    return render(
        request,
        "referrals/triage_information_requests.html",
        {"rows": rows, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def information_request_answer(request, pk):
    """An SPOC reads one open request to their agency (the question and enough to find the
    person: names, other names, date of birth, address) and answers it. Any other request is
    not found; the referral itself stays out of their reach (security.md F9)."""
    require_role(request.user, Role.SPOC)
    info = get_asked_request_for_user(request.user, pk)
    person = info.referral.person
    form = InformationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_request_answer(
                request=info, response=form.cleaned_data["response"], acting_user=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Answer sent for referral {info.referral.reference}")
            return redirect("referrals:information_requests")
    log_access(request, [info.referral, person], view="referrals:information_request_answer")
    return render(
        request,
        "referrals/triage_information_answer.html",
        {"info": info, "person": person, "aliases": list(person.aliases.all()), "form": form},
    )


@require_http_methods(["GET", "POST"])
def information_request_withdraw(request, pk):
    """The Coordinator withdraws an open request, giving why; the agency asked loses sight
    of it at once."""
    if not has_global_perm(request.user, TRIAGE_PERM):
        raise PermissionDenied
    info = (
        InformationRequest.objects.visible_to(request.user)
        .select_related("referral", "agency")
        .filter(pk=pk)
        .first()
    )
    if info is None:
        raise Http404("No such request")
    form = InformationWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_request_withdraw(
                request=info, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Information request to {info.agency.name} withdrawn")
            return redirect("referrals:triage", pk=info.referral_id)
    log_access(request, [info.referral], view="referrals:information_request_withdraw")
    return render(
        request, "referrals/information_request_withdraw.html", {"info": info, "form": form}
    )


urlpatterns: list = [
    path("information-requests/", information_request_list, name="information_requests"),
    path(
        "information-requests/<int:pk>/",
        information_request_answer,
        name="information_request_answer",
    ),
    path(
        "information-requests/<int:pk>/withdraw/",
        information_request_withdraw,
        name="information_request_withdraw",
    ),
]
