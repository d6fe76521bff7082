"""Earlier referrals of the same person: the Coordinator's repeat-referral check at triage."""

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from referrals import area_matching, services
from referrals.forms.matching import MatchConfirmForm
from referrals.models import CrossAreaRequest, Referral, RepeatMatch, get_referral_for_user

VIEW = "referrals:earlier_referrals"


def _confirm_form(referral: Referral, match: RepeatMatch, data=None) -> MatchConfirmForm:
    """The confirm form of one match card; ids carry the match, as a page has several."""
    form = MatchConfirmForm(
        data, subject=referral.person, candidate=match.candidate, auto_id=f"match-{match.pk}-%s"
    )
    form.match_pk = match.pk
    return form


def _page(request, referral: Referral, form: MatchConfirmForm | None = None, status=200):
    """Refresh the suggestions, then show them with each candidate's referrals and the
    form confirming each. ``form`` is a confirmation posted with an error: it is shown
    with the Coordinator's choices in the card of its match."""
    user = request.user
    services.repeat_matches_refresh(referral=referral, acting_user=user)
    person = referral.person
    # Once for the page and the other areas' remembered search (its details digest).
    prefetch_related_objects([person], "aliases")
    visible_referrals = Referral.objects.visible_to(user).select_related("outcome")
    person_referrals = list(
        visible_referrals.filter(person=person).exclude(pk=referral.pk).order_by("-received_on")
    )
    aliases = list(person.aliases.all())
    matches = list(
        RepeatMatch.objects.visible_to(user)
        .filter(referral=referral, decision=RepeatMatch.Decision.PENDING)
        .select_related("candidate")
        .prefetch_related(
            "candidate__aliases",
            Prefetch(
                "candidate__referrals",
                queryset=visible_referrals.order_by("-received_on", "-pk"),
                to_attr="shown_referrals",
            ),
        )
        .order_by("-score", "pk")
    )
    decided = list(
        RepeatMatch.objects.visible_to(user)
        .filter(referral=referral)
        .exclude(decision=RepeatMatch.Decision.PENDING)
        .select_related("candidate", "decided_by")
        .order_by("-decided_at", "-pk")
    )
    shown = [referral, person, *person_referrals]
    for match in matches:
        shown += [match.candidate, *match.candidate.shown_referrals]
        posted = form is not None and form.match_pk == match.pk
        match.form = form if posted else _confirm_form(referral, match)
    shown += [m.candidate for m in decided]
    log_access(request, shown, view=VIEW)
    # Other areas: only "known in <area>" and a band, and the requests sent and their
    # replies; never the other area's record (referrals/area_matching.py).
    coordinator_here = referral.area_id in area_ids_for(user, [Role.COORDINATOR])
    known = area_matching.known_elsewhere(request, referral) if coordinator_here else []
    sent = list(
        CrossAreaRequest.objects.sent_by_areas_of(user)
        .filter(referral=referral)
        .select_related("holding_area")
        .order_by("-requested_at", "-pk")
    )
    return render(
        request,
        "referrals/earlier_referrals.html",
        {
            "referral": referral,
            "person": person,
            "aliases": aliases,
            "person_referrals": person_referrals,
            "matches": matches,
            "decided": decided,
            "known_elsewhere": known,
            "sent_requests": sent,
            "form": form,
        },
        status=status,
    )


@require_GET
def earlier_referrals(request, pk):
    """Likely earlier referrals of the same person, checked afresh each time it opens."""
    referral = get_referral_for_user(request.user, pk, perm="triage")
    return _page(request, referral)


@require_POST
def earlier_referrals_refresh(request, pk):
    referral = get_referral_for_user(request.user, pk, perm="triage")
    services.repeat_matches_refresh(referral=referral, acting_user=request.user)
    messages.success(request, "Checked again for earlier referrals")
    return redirect(VIEW, pk=referral.pk)


def _pending_match(request, pk, match_pk):
    referral = get_referral_for_user(request.user, pk, perm="triage")
    match = get_object_or_404(
        RepeatMatch.objects.visible_to(request.user)
        .filter(referral=referral)
        .select_related("candidate"),
        pk=match_pk,
    )
    return referral, match


@require_POST
def repeat_match_confirm(request, pk, match_pk):
    referral, match = _pending_match(request, pk, match_pk)
    form = _confirm_form(referral, match, data=request.POST)
    if form.is_valid():
        try:
            services.repeat_match_decide(
                match=match,
                decision=RepeatMatch.Decision.CONFIRMED,
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                expected_candidate_version=form.cleaned_data["candidate_version"],
                keep=form.keep(),
            )
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Match confirmed: the person records have been merged")
            return redirect(VIEW, pk=referral.pk)
    referral = get_referral_for_user(request.user, pk, perm="triage")
    return _page(request, referral, form=form)


@require_POST
def repeat_match_reject(request, pk, match_pk):
    referral, match = _pending_match(request, pk, match_pk)
    try:
        services.repeat_match_decide(
            match=match, decision=RepeatMatch.Decision.REJECTED, acting_user=request.user
        )
    except StaleEdit as exc:
        seen = {"version": referral.person.version, "candidate_version": match.candidate.version}
        form = _confirm_form(referral, match, data=seen)
        form.is_valid()
        form.add_error(None, str(exc))
        return _page(request, referral, form=form)
    messages.success(request, "Match rejected: it will not be suggested again")
    return redirect(VIEW, pk=referral.pk)


urlpatterns = [
    path("<int:pk>/earlier-referrals/", earlier_referrals, name="earlier_referrals"),
    path(
        "<int:pk>/earlier-referrals/check-again/",
        earlier_referrals_refresh,
        name="earlier_referrals_refresh",
    ),
    path(
        "<int:pk>/earlier-referrals/<int:match_pk>/confirm/",
        repeat_match_confirm,
        name="repeat_match_confirm",
    ),
    path(
        "<int:pk>/earlier-referrals/<int:match_pk>/reject/",
        repeat_match_reject,
        name="repeat_match_reject",
    ),
]
