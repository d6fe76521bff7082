"""Channel cases: the list, one case's page, and the forms that keep a case up to date.
Thin: access -> form -> service -> redirect."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Min, Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from channel_panel import services
from channel_panel.assessments import completed_history, drafts_assessments, history_with_changes
from channel_panel.forms.cases import (
    CaseExitAgreementForm,
    CaseExitForm,
    CaseListFilterForm,
    CaseNoteForm,
    ChronologyFilterForm,
    ConsentForm,
    ConsentWithdrawForm,
    ContactForm,
    NeedsFlagForm,
    NeedsFlagRemoveForm,
    PostExitReviewForm,
    SupportActionForm,
)
from channel_panel.history import later_referrals
from channel_panel.lifecycle import CASE_LIFECYCLE, exit_decision_for
from channel_panel.models import ChannelCase, Consent, SupportAction, get_case_for_user
from prevent_portal.accounts.access import actions_for, require_role
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Role
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from referrals.models import case_work_referrals

PAGE_SIZE = 25


def _get_filters(form) -> dict:
    """A GET filter form: an unknown value is dropped rather than shown as an error."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if k not in form.errors}


@require_GET
def case_list(request):
    """Channel cases the user may see, those with a contact due soonest first; overdue
    contacts are flagged. Each row shown is an access entry."""
    require_role(request.user, *AGENCY_CASE_ROLES)
    form = CaseListFilterForm(request.GET or None)
    filters = _get_filters(form)
    today = timezone.localdate()
    # What waits (the home page's links): each the reminders' own rule, on visible cases.
    waiting = {
        "contact": lambda cases: cases.contact_overdue(today),
        "consent": lambda cases: cases.filter(
            pk__in=[c.pk for c in cases.needing_own_consent(today)]
        ),
        "review": lambda cases: cases.post_exit_review_due(today),
    }.get(filters.get("waiting"))
    # A waiting filter names its own statuses (a review is due on an exited case).
    status = filters.get("status") or ("all" if waiting else "open")
    visible = ChannelCase.objects.visible_to(request.user)
    queryset = (
        (waiting(visible) if waiting else visible)
        .select_related("referral__person", "lead_agency", "case_manager")
        .annotate(
            next_contact_due=Min(
                "actions__next_contact_due",
                filter=Q(actions__status__in=SupportAction.OPEN_STATUSES),
            )
        )
        .order_by(F("next_contact_due").asc(nulls_last=True), "-adopted_on", "-pk")
    )
    if status != "all":
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for case in rows:
        case.overdue = (
            case.is_open() and case.next_contact_due is not None and case.next_contact_due < today
        )
    log_access(request, rows, view="channel_panel:case_list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "channel_panel/case_list.html",
        {"filters": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@require_GET
def case_detail(request, pk):
    """One case: the person, consent (with warnings), needs flags, support plan, post-exit
    reviews, later referrals of the person and the chronology, filterable by kind."""
    case = get_case_for_user(request.user, pk)
    prefetch_related_objects(
        [case], Prefetch("consents", queryset=Consent.objects.select_related("recorded_by"))
    )
    allowed = actions_for(request.user, case)
    today = timezone.localdate()
    filters = ChronologyFilterForm(request.GET or None)
    kind = _get_filters(filters).get("kind")
    chronology = case.referral.chronology.select_related("author", "corrects")
    if kind:
        chronology = chronology.filter(kind=kind)
    support = list(case.actions.select_related("support_type", "owner_agency", "owner_provider"))
    flags = list(case.needs_flags.select_related("flag", "source_agency"))
    for action in support:
        action.overdue = action.is_overdue(today)
    # The vulnerability assessment: the latest completed, and what changed since the one
    # before it (channel_panel/assessments.py).
    history = completed_history([case.referral_id], request.user).get(case.referral_id, [])
    latest = history_with_changes(history[-2:])[-1] if history else None
    log_access(
        request,
        [case, case.referral, case.referral.person, *([latest[0]] if latest else [])],
        view="channel_panel:case",
    )
    return render(
        request,
        "channel_panel/case_detail.html",
        {
            "case": case,
            "person": case.referral.person,
            "age": case.age_today(today),
            "consents": case.consents.all(),
            "warnings": case.consent_warnings(today),
            "flags": [f for f in flags if f.removed_on is None],
            "removed_flags": [f for f in flags if f.removed_on is not None],
            "exit_needed": CASE_LIFECYCLE.needed("exit", case) if case.is_open() else [],
            "support_needed": (
                CASE_LIFECYCLE.needed("add_support", case) if case.is_open() else []
            ),
            "can_agree_exit": (
                "change" in allowed
                and CASE_LIFECYCLE.allows("agree_exit", case, acting_user=request.user)
            ),
            "support": support,
            "reviews": case.reviews.all(),
            "later_referrals": later_referrals(case, request.user),
            # The person's page opens for whoever sees one of their referrals for case work
            # (the lead agency may see the case and not the referral): one query.
            "person_page": case_work_referrals(request.user)
            .filter(person_id=case.referral.person_id)
            .exists(),
            "filters": filters,
            "chronology": chronology,
            "chronology_filtered": bool(kind),
            "can_change": "change" in allowed,
            "can_note": "note" in allowed,
            "assessment": latest,
            "can_draft_assessment": case.is_open() and drafts_assessments(request.user),
        },
    )


def _sub(manager, pk):
    """A record hanging off the case, or 404."""
    found = manager.filter(pk=pk).first()
    if found is None:
        raise Http404("No such record")
    return found


def _case_form(
    request,
    case: ChannelCase,
    *,
    form: object,
    template: str,
    run: Callable[[dict], object],
    success: str,
    context: dict | None = None,
):
    """The shape every case form shares: on a valid POST call the service and go back to
    the case; a stale edit or a rule the service enforces is an error on the form, with
    the user's input kept, and nothing is saved."""
    if request.method == "POST" and form.is_valid():
        try:
            run(dict(form.cleaned_data))
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            if not ChannelCase.objects.visible_to(request.user).filter(pk=case.pk).exists():
                # Ownership returned to another agency: this user no longer holds the case.
                messages.success(request, f"{success}. It is now held by another agency.")
                return redirect("channel_panel:case_list")
            messages.success(request, success)
            return redirect("channel_panel:case_detail", pk=case.pk)
    log_access(request, [case], view=request.resolver_match.view_name)
    return render(request, template, {"case": case, "form": form, **(context or {})})


@require_http_methods(["GET", "POST"])
def case_consent_record(request, pk):
    case = get_case_for_user(request.user, pk, perm="change")
    form = ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_consent.html",
        run=lambda data: services.consent_record(
            case=case,
            answer=data["answer"],
            given_by=data["given_by"],
            given_on=data["given_on"],
            giver_name=data.get("giver_name") or "",
            capacity_notes=data.get("capacity_notes") or "",
            acting_user=request.user,
        ),
        success="Answer about consent recorded",
        context={"age": case.age_today()},
    )


@require_http_methods(["GET", "POST"])
def case_consent_withdraw(request, pk, consent_pk):
    case = get_case_for_user(request.user, pk, perm="change")
    consent = _sub(case.consents, consent_pk)
    form = ConsentWithdrawForm(
        request.POST or None,
        initial={"withdrawn_on": timezone.localdate(), "version": consent.version},
    )
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_consent_withdraw.html",
        run=lambda data: services.consent_withdraw(
            consent=consent,
            withdrawn_on=data["withdrawn_on"],
            withdrawn_by=data["withdrawn_by"],
            withdrawer_name=data.get("withdrawer_name") or "",
            notes=data.get("notes") or "",
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success="Withdrawal of consent recorded",
        context={"consent": consent},
    )


@require_http_methods(["GET", "POST"])
def case_flag_add(request, pk):
    case = get_case_for_user(request.user, pk, perm="change")
    current = case.needs_flags.filter(removed_on__isnull=True).values_list("flag_id", flat=True)
    form = NeedsFlagForm(
        request.POST or None,
        current_flag_ids=current,
        initial={"recorded_on": timezone.localdate()},
    )
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_flag_add.html",
        run=lambda data: services.needs_flag_add(
            case=case,
            flag=data["flag"],
            source_agency=data["source_agency"],
            recorded_on=data["recorded_on"],
            acting_user=request.user,
        ),
        success="Flag added",
    )


@require_http_methods(["GET", "POST"])
def case_flag_remove(request, pk, flag_pk):
    case = get_case_for_user(request.user, pk, perm="change")
    held = _sub(case.needs_flags.select_related("flag", "source_agency"), flag_pk)
    form = NeedsFlagRemoveForm(request.POST or None, initial={"removed_on": timezone.localdate()})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_flag_remove.html",
        run=lambda data: services.needs_flag_remove(
            held=held, removed_on=data["removed_on"], acting_user=request.user
        ),
        success=f"{held.flag.name} removed from the current flags",
        context={"held": held},
    )


def _action_fields(data: dict) -> dict:
    return {
        "support_type": data["support_type"],
        "description": data["description"],
        "owner_agency": data.get("owner_agency"),
        "owner_provider": data.get("owner_provider"),
        "status": data["status"],
        "next_contact_due": data.get("next_contact_due"),
    }


@require_http_methods(["GET", "POST"])
def case_action_add(request, pk):
    case = get_case_for_user(request.user, pk, perm="change")
    form = SupportActionForm(request.POST or None, case=case, initial={"status": "planned"})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_action_form.html",
        run=lambda data: services.support_action_add(
            case=case, **_action_fields(data), acting_user=request.user
        ),
        success="Support action added",
        context={"action": None},
    )


@require_http_methods(["GET", "POST"])
def case_action_edit(request, pk, action_pk):
    case = get_case_for_user(request.user, pk, perm="change")
    action = _sub(case.actions.select_related("case__referral"), action_pk)
    form = SupportActionForm(
        request.POST or None,
        case=case,
        editing=True,
        initial={
            "support_type": action.support_type_id,
            "description": action.description,
            "owner_agency": action.owner_agency_id,
            "owner_provider": action.owner_provider_id,
            "status": action.status,
            "next_contact_due": action.next_contact_due,
            "version": action.version,
        },
    )
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_action_form.html",
        run=lambda data: services.support_action_update(
            action=action,
            **_action_fields(data),
            expected_version=data["version"],
            acting_user=request.user,
        ),
        success="Support action changed",
        context={"action": action},
    )


@require_http_methods(["GET", "POST"])
def case_contact_record(request, pk, action_pk):
    case = get_case_for_user(request.user, pk, perm="change")
    action = _sub(
        case.actions.select_related("support_type", "owner_agency", "owner_provider"), action_pk
    )
    form = ContactForm(request.POST or None, initial={"contact_on": timezone.localdate()})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_contact.html",
        run=lambda data: services.support_contact_record(
            action=action,
            contact_on=data["contact_on"],
            notes=data["notes"],
            next_contact_due=data.get("next_contact_due"),
            acting_user=request.user,
        ),
        success="Contact recorded",
        context={"action": action},
    )


@require_http_methods(["GET", "POST"])
def case_note_add(request, pk):
    case = get_case_for_user(request.user, pk, perm="note")
    return _case_form(
        request,
        case,
        form=CaseNoteForm(request.POST or None),
        template="channel_panel/case_note.html",
        run=lambda data: services.case_note_add(
            case=case, text=data["text"], acting_user=request.user
        ),
        success="Note added",
    )


# --- Exit: form -> check your answers -> confirm -------------------------------------------
def _exit_draft_key(case: ChannelCase) -> str:
    return f"channel_panel:case_exit:{case.pk}"


def _exit_values(data: dict) -> dict:
    """The service's (and the lifecycle's) keyword arguments from the form's answers."""
    return {
        "reason": data["reason"],
        "exited_on": data["exited_on"],
        "return_ownership_to": data.get("return_ownership_to"),
        "returned_case_manager": data.get("returned_case_manager"),
        "signposted_to": data.get("signposted_to"),
    }


def _exit_form_page(request, case: ChannelCase, form: CaseExitForm):
    log_access(request, [case], view=request.resolver_match.view_name)
    return render(
        request,
        "channel_panel/case_exit.html",
        {"case": case, "form": form, "needed": _exit_needed(case)},
    )


def _exit_needed(case: ChannelCase) -> list[str]:
    """What the case itself still lacks before it can exit (not the form's answers)."""
    return CASE_LIFECYCLE.needed("exit", case)


@require_http_methods(["GET", "POST"])
def case_exit(request, pk):
    """Exit, step 1: the answers. A valid answer that a lifecycle rule refuses is an error
    here; otherwise the answers are kept in the session and the user checks them."""
    case = get_case_for_user(request.user, pk, perm="change")
    prefetch_related_objects([case], "consents")
    draft = request.session.get(_exit_draft_key(case))
    if request.method == "POST":
        form = CaseExitForm(request.POST, case=case)
        if form.is_valid():
            data = form.cleaned_data
            if data["version"] != case.version:
                form.add_error(None, StaleEdit.message)
            else:
                for message in CASE_LIFECYCLE.needed(
                    "exit", case, **_exit_values(data), acting_user=request.user
                ):
                    form.add_error(None, message)
            if form.is_valid():
                # The raw answers (strings; a date's three boxes as a list), so a change
                # link shows them as typed.
                request.session[_exit_draft_key(case)] = {
                    name: field.widget.value_from_datadict(request.POST, {}, name) or ""
                    for name, field in form.fields.items()
                }
                return redirect("channel_panel:case_exit_check", pk=case.pk)
    elif draft:
        # Back from "Check your answers" through a change link: the answers stay.
        form = CaseExitForm(draft, case=case)
        form.is_valid()
        form.errors.clear()
    else:
        form = CaseExitForm(
            initial={"exited_on": timezone.localdate(), "version": case.version}, case=case
        )
    return _exit_form_page(request, case, form)


@require_http_methods(["GET", "POST"])
def case_exit_check(request, pk):
    """Exit, step 2: "Check your answers before exiting this case", with change links; the
    confirming POST calls the service, which checks everything again (and the version)."""
    case = get_case_for_user(request.user, pk, perm="change")
    prefetch_related_objects([case], "consents")
    draft = request.session.get(_exit_draft_key(case))
    if not draft:
        if request.method == "POST":
            return redirect("channel_panel:case_exit", pk=case.pk)
        # Nothing answered yet (a bookmark, or the session ended): the page says so and
        # links to the questions, as GOV.UK's pattern does for missing answers.
        log_access(request, [case], view="channel_panel:case_exit_check")
        return render(request, "channel_panel/case_exit_check.html", {"case": case})
    form = CaseExitForm(draft, case=case)
    if not form.is_valid():
        return _exit_form_page(request, case, form)
    data = form.cleaned_data
    if request.method == "POST":
        try:
            services.case_exit(
                case=case,
                **_exit_values(data),
                notes=data.get("notes") or "",
                expected_version=data["version"],
                acting_user=request.user,
            )
        except (StaleEdit, ValueError) as exc:
            form.add_error(None, str(exc))
            return _exit_form_page(request, case, form)
        request.session.pop(_exit_draft_key(case), None)
        success = f"Case {case.reference} exited Channel"
        if not ChannelCase.objects.visible_to(request.user).filter(pk=case.pk).exists():
            messages.success(request, f"{success}. It is now held by another agency.")
            return redirect("channel_panel:case_list")
        messages.success(request, success)
        return redirect("channel_panel:case_detail", pk=case.pk)
    decision = exit_decision_for(case)
    log_access(request, [case], view="channel_panel:case_exit_check")
    return render(
        request,
        "channel_panel/case_exit_check.html",
        {
            "case": case,
            "answers": data,
            "manager_label": form.manager_label(),
            "decision": decision,
        },
    )


@require_http_methods(["GET", "POST"])
def case_exit_agree(request, pk):
    """The chair's agreement to an exit outside a meeting: a Channel Panel chair only."""
    case = get_case_for_user(request.user, pk, perm="change")
    require_role(request.user, Role.PANEL_CHAIR)
    form = CaseExitAgreementForm(request.POST or None, initial={"agreed_on": timezone.localdate()})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_exit_agree.html",
        run=lambda data: services.case_exit_agree(
            case=case,
            agreed_on=data["agreed_on"],
            reason=data["reason"],
            acting_user=request.user,
        ),
        success="The chair's agreement to exit is recorded",
    )


@require_http_methods(["GET", "POST"])
def case_review_record(request, pk, review_pk):
    case = get_case_for_user(request.user, pk, perm="change")
    review = _sub(case.reviews, review_pk)
    form = PostExitReviewForm(request.POST or None, initial={"held_on": timezone.localdate()})
    return _case_form(
        request,
        case,
        form=form,
        template="channel_panel/case_review.html",
        run=lambda data: services.post_exit_review_record(
            review=review,
            held_on=data["held_on"],
            notes=data.get("notes") or "",
            acting_user=request.user,
        ),
        success="Post-exit review recorded",
        context={"review": review},
    )


urlpatterns: list = [
    path("cases/", case_list, name="case_list"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/consent/", case_consent_record, name="case_consent_record"),
    path(
        "cases/<int:pk>/consent/<int:consent_pk>/withdraw/",
        case_consent_withdraw,
        name="case_consent_withdraw",
    ),
    path("cases/<int:pk>/needs-flags/", case_flag_add, name="case_flag_add"),
    path(
        "cases/<int:pk>/needs-flags/<int:flag_pk>/remove/",
        case_flag_remove,
        name="case_flag_remove",
    ),
    path("cases/<int:pk>/support-plan/", case_action_add, name="case_action_add"),
    path(
        "cases/<int:pk>/support-plan/<int:action_pk>/",
        case_action_edit,
        name="case_action_edit",
    ),
    path(
        "cases/<int:pk>/support-plan/<int:action_pk>/contact/",
        case_contact_record,
        name="case_contact_record",
    ),
    path("cases/<int:pk>/notes/", case_note_add, name="case_note_add"),
    path("cases/<int:pk>/exit/", case_exit, name="case_exit"),
    path("cases/<int:pk>/exit/check/", case_exit_check, name="case_exit_check"),
    path("cases/<int:pk>/exit/agreement/", case_exit_agree, name="case_exit_agree"),
    path(
        "cases/<int:pk>/reviews/<int:review_pk>/",
        case_review_record,
        name="case_review_record",
    ),
]
