"""The vulnerability assessment: drafting it (before the panel, from the agenda item; for a
review, from the case), the case's assessments with what changed between them, and one
assessment in full. Thin: access -> form -> service -> redirect. Every page that shows an
assessment writes an access entry for it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from channel_panel import services
from channel_panel.assessments import (
    Assessment,
    completed_history,
    drafts_assessments,
    factors_in_force,
    get_assessment_for_user,
    history_with_changes,
    rating_rows,
)
from channel_panel.forms.assessments import AssessmentForm, initial_from
from channel_panel.models import AgendaItem, get_agenda_item_for_user, get_case_for_user
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit


def _assessment_page(request, *, referral, case, back_url: str, caption: str):
    """Start or continue the reader's own draft assessment of ``referral`` (a review starts
    from the last completed assessment); "Save draft" keeps it, "Complete" locks it. The
    reader already sees the referral or case; 403 unless they draft assessments."""
    if not drafts_assessments(request.user):
        raise PermissionDenied
    draft = (
        Assessment.objects.filter(
            referral=referral, author=request.user, status=Assessment.Status.DRAFT
        )
        .prefetch_related("ratings")
        .first()
    )
    history = completed_history([referral.pk], request.user).get(referral.pk, [])
    previous = history[-1] if history else None
    factors = list(factors_in_force())
    initial = initial_from(draft or previous, factors)
    initial["assessed_on"] = draft.assessed_on if draft else timezone.localdate()
    if draft is not None:
        initial["version"] = draft.version
    form = AssessmentForm(request.POST or None, factors=factors, initial=initial)
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST
        try:
            with transaction.atomic():
                saved = services.assessment_draft_save(
                    referral=referral,
                    assessment=draft,
                    expected_version=form.cleaned_data.get("version"),
                    assessed_on=form.cleaned_data["assessed_on"],
                    ratings=form.ratings(),
                    summary=form.cleaned_data["summary"],
                    management_plan=form.cleaned_data["management_plan"],
                    acting_user=request.user,
                )
                if complete:
                    services.assessment_complete(
                        assessment=saved, expected_version=saved.version, acting_user=request.user
                    )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            if complete:
                messages.success(request, "Vulnerability assessment completed")
                return redirect(back_url)
            messages.success(request, "Draft assessment saved: only you can see it")
            return redirect(request.path)
    log_access(
        request,
        [r for r in (referral, case, draft, previous) if r is not None],
        view=request.resolver_match.view_name,
    )
    return render(
        request,
        "channel_panel/assessment_form.html",
        {
            "form": form,
            "draft": draft,
            "previous": previous,
            "back_url": back_url,
            "caption": caption,
        },
    )


@require_http_methods(["GET", "POST"])
def case_assessment_new(request, pk):
    """A review of an open case's assessment (a new assessment, never an edit)."""
    case = get_case_for_user(request.user, pk)
    if not case.is_open():
        raise PermissionDenied
    return _assessment_page(
        request,
        referral=case.referral,
        case=case,
        back_url=reverse("channel_panel:case_assessments", args=[case.pk]),
        caption=f"Channel case {case.reference}",
    )


@require_http_methods(["GET", "POST"])
def meeting_item_assessment(request, pk, item_pk):
    """The assessment of a new referral on an agenda, drafted before the panel: the item as
    ``get_agenda_item_for_user`` gives it (404 unless the reader sees its referral)."""
    item = get_agenda_item_for_user(request.user, pk, item_pk)
    if item.kind != AgendaItem.Kind.NEW or item.referral_id is None:
        raise Http404("Only a new referral on the agenda is assessed here")
    if item.case_id is not None:
        return redirect("channel_panel:case_assessment_new", pk=item.case_id)
    return _assessment_page(
        request,
        referral=item.referral,
        case=None,
        back_url=reverse("channel_panel:pack", args=[item.meeting_id]),
        caption=f"Referral {item.referral.reference}",
    )


@require_GET
def case_assessments(request, pk):
    """The case's completed assessments, newest first, each with what changed since the
    one before it, factor by factor."""
    case = get_case_for_user(request.user, pk)
    history = completed_history([case.referral_id], request.user).get(case.referral_id, [])
    entries = list(reversed(history_with_changes(history)))
    draft = Assessment.objects.filter(
        referral_id=case.referral_id, author=request.user, status=Assessment.Status.DRAFT
    ).first()
    log_access(request, [case, *history], view="channel_panel:case_assessments")
    return render(
        request,
        "channel_panel/assessment_list.html",
        {
            "case": case,
            "entries": entries,
            "draft": draft,
            "can_draft": case.is_open() and drafts_assessments(request.user),
        },
    )


@require_GET
def case_assessment_detail(request, pk, assessment_pk):
    """One assessment of the case in full, with what changed since the one before it."""
    case = get_case_for_user(request.user, pk)
    assessment = get_assessment_for_user(request.user, assessment_pk, referral_id=case.referral_id)
    rows = rating_rows(assessment)
    previous = assessment.previous()
    changes = []
    if previous is not None and not assessment.is_draft:
        from channel_panel.assessment_changes import changes_between

        changes = changes_between(
            [row.as_value() for row in rating_rows(previous)], [row.as_value() for row in rows]
        )
    # The page prints the previous assessment's ratings and evidence beside these.
    shown = [case, assessment] + ([previous] if previous is not None else [])
    log_access(request, shown, view="channel_panel:case_assessment_detail")
    return render(
        request,
        "channel_panel/assessment_detail.html",
        {
            "case": case,
            "assessment": assessment,
            "rows": rows,
            "previous": previous,
            "changes": changes,
        },
    )


urlpatterns: list = [
    path("cases/<int:pk>/assessments/", case_assessments, name="case_assessments"),
    path("cases/<int:pk>/assessments/new/", case_assessment_new, name="case_assessment_new"),
    path(
        "cases/<int:pk>/assessments/<int:assessment_pk>/",
        case_assessment_detail,
        name="case_assessment_detail",
    ),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/assessment/",
        meeting_item_assessment,
        name="meeting_item_assessment",
    ),
]
