from datetime import datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_portal.accounts.access import (
    actions_for,
    agency_ids_for,
    has_role,
    require_role,
    works_in_several_areas,
)
from prevent_portal.accounts.grants import ShareRefused, live_grants
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Role
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from referrals import services
from referrals.forms import ShareForm
from referrals.models import Referral, get_referral_for_user, get_referred_by_user
from referrals.views.transfers import can_propose_transfer, transferred_in

PAGE_SIZE = 25
# Managers see aggregates only and system administrators no case content: no list for them.
REFERRAL_LIST_ROLES = (
    Role.COORDINATOR,
    Role.PANEL_CHAIR,
    Role.PANEL_MEMBER,
    Role.SPOC,
    Role.REFERRER,
)


@require_GET
def referral_list(request):
    """Referrals the user may see, newest first. Each row shown is an access entry."""
    require_role(request.user, *REFERRAL_LIST_ROLES)
    queryset = Referral.objects.visible_to(request.user).select_related(
        "person", "owning_agency", "area"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access(request, page.object_list, view="referrals:list")
    # Someone who works in several council areas (a partner serving two councils) is told
    # each referral's; a single-council deployment shows no area at all.
    several_areas = works_in_several_areas(request.user)
    return render(
        request,
        "referrals/referral_list.html",
        {"page": page, "several_areas": several_areas},
    )


@require_GET
def referral_detail(request, pk):
    referral = get_referral_for_user(request.user, pk)
    actions = actions_for(request.user, referral)
    # A referrer sees the status of what they referred, not the triage record: the
    # chronology holds police gateway and partner information, the status the decision.
    only_as_referrer = (
        referral.referrer_id == request.user.pk
        and referral.owning_agency_id not in agency_ids_for(request.user)
        and not actions - {"view"}
    )
    if only_as_referrer:
        return redirect("referrals:status", pk=referral.pk)
    log_access(request, [referral, referral.person], view="referrals:detail")
    chronology = (
        [] if only_as_referrer else referral.chronology.select_related("author", "corrects")
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "several_areas": works_in_several_areas(request.user),
            "show_chronology": not only_as_referrer,
            "chronology": chronology,
            "can_share": "share" in actions,
            # Transfer between council areas (referrals/views/transfers.py): where the
            # record came from, and the way to send it on when the person moves again.
            "transferred_in": transferred_in(request.user, referral),
            "can_transfer": can_propose_transfer(request.user, referral, actions),
            "shares": live_grants(referral) if "share" in actions else [],
            # The person's page gathers what a case role sees of them (referrals/views/
            # persons.py); this referral is one of those, so the link always opens.
            "person_page": has_role(request.user, *AGENCY_CASE_ROLES),
        },
    )


@require_GET
def referral_status(request, pk):
    """What the referrer who made a referral is told of it: its reference, the date it was
    sent and its status in plain words. Nobody else, and no referrer who has left the
    agency, finds it (404)."""
    referral = get_referred_by_user(request.user, pk)
    log_access(request, [referral], view="referrals:status")
    return render(request, "referrals/referral_status.html", {"referral": referral})


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def referral_share(request, pk):
    referral = get_referral_for_user(request.user, pk, perm="share")
    form = ShareForm(request.POST or None, area_id=referral.area_id)
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data.get("expires_on")
        expires_at = (
            timezone.make_aware(datetime.combine(expires_on, time.max)) if expires_on else None
        )
        try:
            services.referral_share(
                referral=referral,
                to_user=form.cleaned_data.get("user")
                if form.cleaned_data["share_with"] == "user"
                else None,
                to_agency=form.cleaned_data.get("agency")
                if form.cleaned_data["share_with"] == "agency"
                else None,
                reason=form.cleaned_data["reason"],
                expires_at=expires_at,
                acting_user=request.user,
            )
        except ShareRefused as exc:
            field = "username" if form.cleaned_data["share_with"] == "user" else "agency"
            form.add_error(field, str(exc))
        else:
            messages.success(request, f"Referral {referral.reference} shared")
            return redirect("referrals:detail", pk=referral.pk)
    log_access(request, [referral], view="referrals:share")
    return render(request, "referrals/referral_share.html", {"referral": referral, "form": form})


@require_POST
@recent_authentication_required
def referral_share_revoke(request, pk, kind, grant_pk):
    referral = get_referral_for_user(request.user, pk, perm="share")
    manager = referral.user_grants if kind == "user" else referral.group_grants
    if kind not in {"user", "agency"}:
        raise Http404
    grant = manager.filter(pk=grant_pk).first()
    if grant is None:
        raise Http404
    services.referral_share_revoke(referral=referral, grant=grant, acting_user=request.user)
    messages.success(request, "Share withdrawn")
    return redirect("referrals:detail", pk=referral.pk)
