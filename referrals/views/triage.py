"""Views for referral triage: the Coordinator's queue and steps. Thin: access -> form ->
service -> redirect. Partners' answers to information requests, and withdrawing a request,
are in referrals/views/information_requests.py."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DateField, DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import has_global_perm
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused
from referrals import history, services
from referrals.forms.triage import (
    AssignForm,
    CorrectionForm,
    GatewayForm,
    InformationRequestForm,
    NoteForm,
    OutcomeForm,
    ReclassifyForm,
    TriageQueueFilterForm,
)
from referrals.lifecycle import REFERRAL_LIFECYCLE, before
from referrals.models import InformationRequest, Referral, RepeatMatch, get_referral_for_user

PAGE_SIZE = 25
TRIAGE_PERM = "referrals.triage_referral"

SORTS = {
    "received": ["received_on", "pk"],
    "-received": ["-received_on", "-pk"],
    "waiting": ["waiting", "-received_on", "pk"],
    "-waiting": ["-waiting", "received_on", "pk"],
    "reference": ["reference", "pk"],
}


def _require_triage(user) -> None:
    if not has_global_perm(user, TRIAGE_PERM):
        raise PermissionDenied


def _filtered_queue(user, data: dict, today):
    queryset = (
        Referral.objects.visible_to(user)
        .select_related("person", "referring_sector", "assigned_officer", "owning_agency")
        .prefetch_related("concern_types")
        .annotate(
            waiting=ExpressionWrapper(
                Coalesce(F("decided_on"), Value(today, output_field=DateField()))
                - F("received_on"),
                output_field=DurationField(),
            )
        )
    )
    status = data.get("status") or "open"
    if status == "open":
        queryset = queryset.filter(status__in=Referral.OPEN_STATUSES)
    elif status != "all":
        queryset = queryset.filter(status=status)
    age = data.get("age_group")
    if age == "adult":
        queryset = queryset.filter(age_at_referral__gte=18)
    elif age == "young":
        queryset = queryset.filter(age_at_referral__lt=18)
    elif age == "unknown":
        queryset = queryset.filter(age_at_referral__isnull=True)
    if data.get("sector"):
        queryset = queryset.filter(referring_sector=data["sector"])
    if data.get("concern_type"):
        queryset = queryset.filter(concern_types=data["concern_type"])
    officer = data.get("officer")
    if officer == "none":
        queryset = queryset.filter(assigned_officer__isnull=True)
    elif officer:
        queryset = queryset.filter(assigned_officer_id=officer)
    if data.get("information") == "overdue":
        # The chasing reminder's rule (and the home page's count).
        overdue = InformationRequest.objects.overdue(today).values("referral_id")
        queryset = queryset.filter(pk__in=overdue)
    target = timedelta(days=settings.TRIAGE_TARGET_DAYS)
    if data.get("waiting") == "over":
        queryset = queryset.filter(waiting__gt=target)
    elif data.get("waiting") == "within":
        queryset = queryset.filter(waiting__lte=target)
    return queryset.order_by(*SORTS.get(data.get("sort") or "received", SORTS["received"]))


@require_GET
def triage_queue(request):
    """The Coordinator's queue of referrals, filtered, sorted and paged. Each row shown is
    an access entry."""
    _require_triage(request.user)
    form = TriageQueueFilterForm(request.GET or None, user=request.user)
    # A GET filter form: an unknown value is dropped rather than shown as an error.
    data = {}
    if form.is_bound:
        form.is_valid()
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    today = timezone.localdate()
    page = Paginator(_filtered_queue(request.user, data, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    log_access(request, rows, view="referrals:triage_queue")
    for referral in rows:
        referral.days = referral.waiting.days
        referral.over_target = referral.days > settings.TRIAGE_TARGET_DAYS
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/triage_queue.html",
        {
            "filters": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "target_days": settings.TRIAGE_TARGET_DAYS,
        },
    )


def _earlier_referrals_url(referral) -> str | None:
    try:
        return reverse("referrals:earlier_referrals", args=[referral.pk])
    except NoReverseMatch:
        return None


@require_GET
def triage_detail(request, pk):
    """One referral as the Coordinator triages it: details, person, waiting time, earlier
    referrals (confirmed, and likely ones still to check), what other apps know of the
    person (``referrals.history``), information requests and chronology."""
    referral = get_referral_for_user(request.user, pk, perm="triage")
    # Look for likely earlier referrals now, as the earlier-referrals page does: a referral
    # recorded other than through intake (the demo, an import) was never checked, and the
    # page must not say "Not referred before" of someone who likely was. Unchanged
    # matches are not written again.
    services.repeat_matches_refresh(referral=referral, acting_user=request.user)
    log_access(request, [referral, referral.person], view="referrals:triage")
    days = referral.days_waiting()
    return render(
        request,
        "referrals/triage_detail.html",
        {
            "referral": referral,
            "days_waiting": days,
            "over_target": referral.is_open() and days > settings.TRIAGE_TARGET_DAYS,
            "target_days": settings.TRIAGE_TARGET_DAYS,
            "earlier_count": Referral.objects.filter(person=referral.person_id)
            .exclude(pk=referral.pk)
            .count(),
            # Likely matches found but not yet confirmed or rejected: one count query.
            "pending_count": RepeatMatch.objects.visible_to(request.user)
            .filter(referral=referral, decision=RepeatMatch.Decision.PENDING)
            .count(),
            "earlier_url": _earlier_referrals_url(referral),
            "history_notes": history.notes_for(request.user, referral.person),
            "requests": referral.information_requests.select_related("agency").all(),
            "chronology": referral.chronology.select_related("author", "corrects").all(),
            "can_correct": True,
            "still_needed": _still_needed(referral, ("pass_to_panel",))
            if referral.is_open()
            else [],
        },
    )


def _step(
    request,
    pk,
    *,
    form_class,
    template,
    service,
    success,
    versioned=True,
    initial=lambda referral: {},
    form_kwargs=lambda referral: {},
    steps=(),
):
    """The shape every triage step shares: a form on its own page, a service call, back to
    the triage page. A stale edit is an error on the form and saves nothing. ``steps`` are
    the lifecycle steps the page may take: the page says what each still needs before the
    user tries, and a refused step is a GOV.UK error saying what is needed first."""
    referral = get_referral_for_user(request.user, pk, perm="triage")
    start = {"version": referral.version} if versioned else {}
    start.update(initial(referral))
    form = form_class(request.POST or None, initial=start, **form_kwargs(referral))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            service(referral=referral, data=data, acting_user=request.user)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        except TransitionRefused as exc:
            for sentence in exc.needed:
                form.add_error(None, before(exc.transition.name, sentence))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return redirect("referrals:triage", pk=referral.pk)
    log_access(request, [referral], view=request.resolver_match.view_name)
    return render(
        request,
        template,
        {"referral": referral, "form": form, "still_needed": _still_needed(referral, steps)},
    )


def _still_needed(referral, steps) -> list[str]:
    """What each lifecycle step the page may take still needs, as the user reads it
    ("Before passing this referral to the Channel Panel: record ...")."""
    return [
        before(step, sentence)
        for step in steps
        for sentence in REFERRAL_LIFECYCLE.needed(step, referral)
    ]


@require_http_methods(["GET", "POST"])
def triage_assign(request, pk):
    def service(*, referral, data, acting_user):
        services.referral_assign(
            referral=referral,
            officer=data["officer"],
            expected_version=data["version"],
            acting_user=acting_user,
        )

    return _step(
        request,
        pk,
        form_class=AssignForm,
        template="referrals/triage_assign.html",
        service=service,
        success="Officer assigned",
        steps=("assign",),
        initial=lambda referral: {"officer": referral.assigned_officer_id},
        form_kwargs=lambda referral: {"referral": referral},
    )


@require_http_methods(["GET", "POST"])
def triage_information_request(request, pk):
    def service(*, referral, data, acting_user):
        services.information_request_create(
            referral=referral,
            agency=data["agency"],
            question=data["question"],
            due_on=data["due_on"],
            acting_user=acting_user,
        )

    return _step(
        request,
        pk,
        form_class=InformationRequestForm,
        template="referrals/triage_information_request.html",
        service=service,
        versioned=False,
        form_kwargs=lambda referral: {"referral": referral},
        success="Information requested",
    )


@require_http_methods(["GET", "POST"])
def triage_gateway(request, pk):
    def service(*, referral, data, acting_user):
        services.referral_gateway_record(
            referral=referral,
            gateway_outcome=data["gateway_outcome"],
            checked_on=data["checked_on"],
            note=data.get("note") or "",
            expected_version=data["version"],
            acting_user=acting_user,
        )

    return _step(
        request,
        pk,
        form_class=GatewayForm,
        template="referrals/triage_gateway.html",
        service=service,
        success="Police gateway outcome recorded",
        steps=("record_gateway",),
    )


@require_http_methods(["GET", "POST"])
def triage_outcome(request, pk):
    def service(*, referral, data, acting_user):
        services.referral_outcome_record(
            referral=referral,
            outcome=data["outcome"],
            reason=data["reason"],
            signposted_to=data.get("signposted_to"),
            expected_version=data["version"],
            acting_user=acting_user,
        )

    return _step(
        request,
        pk,
        form_class=OutcomeForm,
        template="referrals/triage_outcome.html",
        form_kwargs=lambda referral: {"area_id": referral.area_id},
        service=service,
        success="Triage outcome recorded",
        steps=("pass_to_panel",),
    )


@require_http_methods(["GET", "POST"])
def triage_reclassify(request, pk):
    """Correct the types of concern and needs flags recorded at intake, with a reason."""

    def service(*, referral, data, acting_user):
        services.referral_reclassify(
            referral=referral,
            concern_types=data["concern_types"],
            needs_flags=data["needs_flags"],
            reason=data["reason"],
            expected_version=data["version"],
            acting_user=acting_user,
        )

    return _step(
        request,
        pk,
        form_class=ReclassifyForm,
        template="referrals/triage_reclassify.html",
        service=service,
        success="Types of concern and needs changed",
        initial=lambda referral: {
            "concern_types": list(referral.concern_types.values_list("pk", flat=True)),
            "needs_flags": list(referral.needs_flags.values_list("pk", flat=True)),
        },
        form_kwargs=lambda referral: {"referral": referral},
        steps=("reclassify",),
    )


@require_http_methods(["GET", "POST"])
def chronology_note(request, pk):
    def service(*, referral, data, acting_user):
        services.referral_note_add(referral=referral, text=data["text"], acting_user=acting_user)

    return _step(
        request,
        pk,
        form_class=NoteForm,
        template="referrals/chronology_note.html",
        service=service,
        versioned=False,
        success="Note added",
    )


@require_http_methods(["GET", "POST"])
def chronology_correction(request, pk):
    def service(*, referral, data, acting_user):
        services.chronology_correct(entry=data["entry"], text=data["text"], acting_user=acting_user)

    entry = request.GET.get("entry", "")
    return _step(
        request,
        pk,
        form_class=CorrectionForm,
        template="referrals/chronology_correction.html",
        service=service,
        versioned=False,
        success="Correction added",
        initial=lambda referral: {"entry": entry} if entry.isdigit() else {},
        form_kwargs=lambda referral: {"referral": referral},
    )


urlpatterns: list = [
    path("triage/", triage_queue, name="triage_queue"),
    path("<int:pk>/triage/", triage_detail, name="triage"),
    path("<int:pk>/triage/assign/", triage_assign, name="triage_assign"),
    path(
        "<int:pk>/triage/information-request/",
        triage_information_request,
        name="triage_information_request",
    ),
    path("<int:pk>/triage/gateway/", triage_gateway, name="triage_gateway"),
    path("<int:pk>/triage/outcome/", triage_outcome, name="triage_outcome"),
    path("<int:pk>/triage/reclassify/", triage_reclassify, name="triage_reclassify"),
    path("<int:pk>/chronology/note/", chronology_note, name="chronology_note"),
    path("<int:pk>/chronology/correction/", chronology_correction, name="chronology_correction"),
]
