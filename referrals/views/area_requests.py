"""Known in another area: asking its Coordinator for information, and their reply (issue 18).

The asking Coordinator's pages show the other area's name, the score band, their own reason
and the reply, never the other area's person: the ask page takes only an area, and the
replies are read on the referral's earlier-referrals page (referrals/views/matching.py).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import area_ids_for, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.areas.models import Area
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused
from referrals import area_matching, services
from referrals.forms.area_requests import CrossAreaAskForm, CrossAreaReplyForm
from referrals.models import (
    CrossAreaRequest,
    CrossAreaRequestMatch,
    Person,
    get_referral_for_user,
)


def _asked_area(request, referral, area_pk) -> tuple[Area, str]:
    """The area asked and the band of its best match: 404 unless the referral's search of the
    other areas found the person there (the same answer as for an area that does not exist).
    The search is the remembered one (``known_elsewhere``: run once per referral), so
    opening this page does not search again; the send service does, when the request is
    sent."""
    if referral.area_id not in area_ids_for(request.user, [Role.COORDINATOR]):
        raise PermissionDenied
    known = area_matching.known_elsewhere(request, referral)
    found = next((k for k in known if k.area.pk == area_pk), None)
    if found is None:
        raise Http404("No such area")
    return found.area, found.band


@require_http_methods(["GET", "POST"])
def area_request_new(request, pk, area_pk):
    """Ask the Coordinator of an area where the person is known for information."""
    referral = get_referral_for_user(request.user, pk, perm="triage")
    area, band = _asked_area(request, referral, area_pk)
    form = CrossAreaAskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cross_area_request_send(
                referral=referral,
                holding_area=area,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except TransitionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Request sent to {area.name}'s Coordinator")
            return redirect("referrals:earlier_referrals", pk=referral.pk)
    # No access entry: the page names the other area and a band, not the referral or person.
    return render(
        request,
        "referrals/area_request_new.html",
        {"referral": referral, "area": area, "band": band, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def area_requests(request):
    """A Coordinator's requests from other areas waiting for a reply, then those answered,
    and the requests their area has sent. No person is named: the held requests name their
    matches on the reply page, which logs them."""
    require_role(request.user, Role.COORDINATOR)
    held = list(
        CrossAreaRequest.objects.held_by_areas_of(request.user)
        .select_related("requesting_area", "holding_area")
        .order_by("-status", "-requested_at", "-pk")
    )
    sent = list(
        CrossAreaRequest.objects.sent_by_areas_of(request.user)
        .select_related("holding_area", "referral")
        .order_by("-requested_at", "-pk")
    )
    log_access(request, [r.referral for r in sent], view="referrals:area_requests")
    return render(request, "referrals/area_requests.html", {"held": held, "sent": sent})


def get_held_request_for_user(user, pk) -> CrossAreaRequest:
    """The only fetch of a request by the area asked: 404 unless ``user`` is a Coordinator of
    the area it was asked of."""
    found = (
        CrossAreaRequest.objects.held_by_areas_of(user)
        .select_related("requesting_area", "holding_area", "replied_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such request")
    return found


@require_http_methods(["GET", "POST"])
def area_request_reply(request, request_pk):
    """The area asked reads the request and the persons of its own that matched, and
    declines or shares a summary it writes."""
    held = get_held_request_for_user(request.user, request_pk)
    matched = list(
        CrossAreaRequestMatch.objects.filter(request=held, area_id=held.holding_area_id)
        .select_related("person")
        .order_by("-score", "pk")
    )
    for m in matched:
        m.band = area_matching.score_band(m.score)
    persons = [m.person for m in matched]
    visible = set(Person.objects.visible_to(request.user).filter(pk__in=[p.pk for p in persons]))
    step = request.POST.get("step") if request.method == "POST" else None
    form = CrossAreaReplyForm(request.POST or None, step=step, initial={"version": held.version})
    if request.method == "POST" and form.is_valid():
        try:
            if step == "share":
                services.cross_area_request_share(
                    request=held,
                    summary=form.reply(),
                    expected_version=form.cleaned_data["version"],
                    acting_user=request.user,
                )
            else:
                services.cross_area_request_decline(
                    request=held,
                    reason=form.reply(),
                    expected_version=form.cleaned_data["version"],
                    acting_user=request.user,
                )
        except (TransitionRefused, StaleEdit) as exc:
            form.add_error(None, str(exc))
        else:
            done = "Summary shared" if step == "share" else "Request declined"
            messages.success(request, f"{done}: {held.requesting_area.name}'s Coordinator is told")
            return redirect("referrals:area_request_reply", request_pk=held.pk)
    log_access(request, [p for p in persons if p in visible], view="referrals:area_request_reply")
    return render(
        request,
        "referrals/area_request_reply.html",
        {
            "held": held,
            "matched": [m for m in matched if m.person in visible],
            "form": form,
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path(
        "<int:pk>/earlier-referrals/ask/<int:area_pk>/",
        area_request_new,
        name="area_request_new",
    ),
    path("area-requests/", area_requests, name="area_requests"),
    path("area-requests/<int:request_pk>/", area_request_reply, name="area_request_reply"),
]
