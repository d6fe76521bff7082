"""Referral intake: a GOV.UK question-page flow from a start page to a reference number, and
a referrer's list of their own referrals.

Each question page keeps its valid answers in the user's draft (``ReferralDraft``), so a
draft survives sign-out; check your answers submits it through ``referral_submit``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import require_role, the_one
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from referrals import services
from referrals.forms.intake import (
    STEPS,
    AgencyForm,
    AreaForm,
    SourceForm,
    Step,
    alias_names,
    draft_validate,
    raw_answers,
)
from referrals.models import (
    Awareness,
    ConcernType,
    Gender,
    NeedsFlag,
    Referral,
    ReferralDraft,
    TransferTrace,
)
from referrals.services.intake import (
    INTAKE_ROLES,
    IntakeIncomplete,
    agency_areas,
    intake_agencies,
)

PAGE_SIZE = 25


def _url_name(step: Step) -> str:
    return "intake_" + step.slug.replace("-", "_")


def _step_url(step: Step, *, change: bool = False) -> str:
    url = reverse(f"referrals:{_url_name(step)}")
    return f"{url}?change=1" if change else url


def _draft(user) -> ReferralDraft | None:
    return ReferralDraft.objects.filter(author=user).select_related("agency").first()


def _draft_agency(user, draft: ReferralDraft | None):
    """The agency a referral is being made for: the draft's, or the user's only one."""
    if draft is not None:
        return draft.agency
    agencies = intake_agencies(user)
    return agencies[0] if len(agencies) == 1 else None


def _asks_area(agency) -> bool:
    """The council area is asked only of an agency serving several (issue 18)."""
    return agency is not None and len(agency_areas(agency)) > 1


def _first_page(user) -> str:
    if len(intake_agencies(user)) > 1:
        return reverse("referrals:intake_agency")
    if _asks_area(_draft_agency(user, None)):
        return reverse("referrals:intake_area")
    return _step_url(STEPS[0])


@require_GET
def intake_start(request):
    require_role(request.user, *INTAKE_ROLES)
    return render(
        request,
        "referrals/intake_start.html",
        {"draft": _draft(request.user), "first_page": _first_page(request.user)},
    )


@require_http_methods(["GET", "POST"])
def intake_agency(request):
    """Which agency the referral is made for, asked of users who hold a referring role at
    more than one."""
    require_role(request.user, *INTAKE_ROLES)
    agencies = intake_agencies(request.user)
    draft = _draft(request.user)
    initial = {"agency": str(draft.agency_id)} if draft else None
    data = request.POST if request.method == "POST" else None
    form = AgencyForm(data, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if str(a.pk) == form.cleaned_data["agency"])
        services.referral_draft_save(
            agency=agency, step="agency", answers={}, acting_user=request.user
        )
        change = "?change=1" if request.GET.get("change") else ""
        if _asks_area(agency):
            return redirect(reverse("referrals:intake_area") + change)
        if change:
            return redirect("referrals:intake_check")
        return redirect(_step_url(STEPS[0]))
    return render(
        request,
        "referrals/intake_agency.html",
        {"form": form, "back_url": reverse("referrals:intake_start")},
    )


@require_http_methods(["GET", "POST"])
def intake_area(request):
    """Which council area the referral goes to, asked only when the agency referring serves
    several areas (a partner such as a mental health trust); anyone else goes straight on to
    the first question."""
    require_role(request.user, *INTAKE_ROLES)
    draft = _draft(request.user)
    agency = _draft_agency(request.user, draft)
    if agency is None:
        return redirect("referrals:intake_agency")
    change = bool(request.GET.get("change"))
    if not _asks_area(agency):
        return redirect("referrals:intake_check" if change else _step_url(STEPS[0]))
    areas = agency_areas(agency)
    chosen = draft.data.get(AreaForm.SLUG) if draft else None
    data = request.POST if request.method == "POST" else None
    form = AreaForm(data, areas=areas, initial={"area": chosen} if chosen else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_draft_save(
                agency=agency,
                step=AreaForm.SLUG,
                answers={"area": form.cleaned_data["area"]},
                acting_user=request.user,
            )
        except PermissionError:
            # The draft's agency is no longer one they refer for: ask again.
            return redirect("referrals:intake_agency")
        return redirect("referrals:intake_check" if change else _step_url(STEPS[0]))
    if change:
        back_url = reverse("referrals:intake_check")
    elif len(intake_agencies(request.user)) > 1:
        back_url = reverse("referrals:intake_agency")
    else:
        back_url = reverse("referrals:intake_start")
    return render(request, "referrals/intake_area.html", {"form": form, "back_url": back_url})


def _step_view(step: Step, index: int):
    template = {
        "date-of-birth": "referrals/intake_date_of_birth.html",
        "needs": "referrals/intake_needs.html",
    }.get(step.slug, "referrals/intake_step.html")

    @require_http_methods(["GET", "POST"])
    def view(request):
        require_role(request.user, *INTAKE_ROLES)
        draft = _draft(request.user)
        if draft is None and len(intake_agencies(request.user)) > 1:
            return redirect("referrals:intake_agency")
        change = bool(request.GET.get("change"))
        if request.method == "POST":
            form = step.form_class(request.POST)
            if form.is_valid():
                try:
                    services.referral_draft_save(
                        agency=None,
                        step=step.slug,
                        answers=raw_answers(form),
                        acting_user=request.user,
                    )
                except PermissionError:
                    # The draft's agency is no longer one they refer for: ask again.
                    return redirect("referrals:intake_agency")
                if change or index + 1 == len(STEPS):
                    return redirect("referrals:intake_check")
                return redirect(_step_url(STEPS[index + 1]))
        else:
            saved = draft.data.get(step.slug) if draft else None
            form = step.form_class(data=saved) if isinstance(saved, dict) else step.form_class()
        if change:
            back_url = reverse("referrals:intake_check")
        elif index:
            back_url = _step_url(STEPS[index - 1])
        elif draft is not None and _asks_area(draft.agency):
            back_url = reverse("referrals:intake_area")
        else:
            back_url = reverse("referrals:intake_start")
        return render(
            request,
            template,
            {"form": form, "step": step, "back_url": back_url, "single": len(form.fields) == 1},
        )

    view.__name__ = _url_name(step)
    view.__doc__ = f"Intake question page: {step.title}"
    return view


@require_http_methods(["GET", "POST"])
def intake_source(request):
    """Who made the referral and when it arrived: the Prevent Coordinator recording a
    referral made by phone, e-mail or letter on the referrer's behalf."""
    require_role(request.user, Role.COORDINATOR)
    draft = _draft(request.user)
    if draft is None and len(intake_agencies(request.user)) > 1:
        return redirect("referrals:intake_agency")
    dob = draft_validate(draft.data).cleaned.get("date_of_birth") if draft else None
    if request.method == "POST":
        form = SourceForm(request.POST, date_of_birth=dob)
        if form.is_valid():
            try:
                services.referral_draft_save(
                    agency=None,
                    step=SourceForm.SLUG,
                    answers=raw_answers(form),
                    acting_user=request.user,
                )
            except PermissionError:
                # The draft's agency is no longer one they refer for: ask again.
                return redirect("referrals:intake_agency")
            return redirect("referrals:intake_check")
    else:
        saved = draft.data.get(SourceForm.SLUG) if draft else None
        if isinstance(saved, dict):
            form = SourceForm(data=saved, date_of_birth=dob)
        else:
            form = SourceForm(
                initial={
                    "referring_agency": draft.agency_id if draft else None,
                    "received_on": timezone.localdate().strftime("%d/%m/%Y"),
                },
                date_of_birth=dob,
            )
    return render(
        request,
        "referrals/intake_source.html",
        {"form": form, "back_url": reverse("referrals:intake_check")},
    )


def _area_rows(draft: ReferralDraft | None) -> list[dict]:
    """Check your answers' "council area" row, for an agency serving several areas."""
    if draft is None or not _asks_area(draft.agency):
        return []
    chosen = str(draft.data.get(AreaForm.SLUG, ""))
    area = next((a for a in agency_areas(draft.agency) if str(a.pk) == chosen), None)
    return [
        {
            "label": "Council area",
            "value": area.name if area else "",
            "answered": area is not None,
            "change_url": reverse("referrals:intake_area") + "?change=1",
        }
    ]


def _source_rows(draft: ReferralDraft | None, user) -> list[dict]:
    """Check your answers' "referred by" and "date received" rows, for the Coordinator."""
    if draft is None or not services.may_record_for_others(user):
        return []
    raw = draft.data.get(SourceForm.SLUG)
    change_url = reverse("referrals:intake_source")
    if not isinstance(raw, dict):
        by, received = draft.agency.name, "Today"
    else:
        dob = draft_validate(draft.data).cleaned.get("date_of_birth")
        form = SourceForm(data=raw, date_of_birth=dob)
        if not form.is_valid():
            return [
                {"label": "Referred by", "value": "", "answered": False, "change_url": change_url}
            ]
        data = form.cleaned_data
        by = data["referring_organisation"] or data["referring_agency"].name
        sector = data["referring_sector"] or data["referring_agency"].sector
        by = f"{by} ({sector.name})"
        received = data["received_on"].strftime("%-d %B %Y")
    return [
        {"label": "Referred by", "value": by, "answered": True, "change_url": change_url},
        {"label": "Date received", "value": received, "answered": True, "change_url": change_url},
    ]


def _answer_rows(draft: ReferralDraft | None) -> list[dict]:
    """One row per question page for check your answers, from the draft's valid answers."""
    data = draft.data if draft else {}
    cleaned = draft_validate(data).cleaned
    answered = {step.slug for step in STEPS if isinstance(data.get(step.slug), dict)}

    def text(step: Step) -> str:
        c = cleaned
        match step.slug:
            case "name":
                return f"{c['given_name']} {c['family_name']}"
            case "date-of-birth":
                dob = c["date_of_birth"]
                return dob.strftime("%-d %B %Y") if dob else "Not known"
            case "gender":
                return Gender(c["gender"]).label
            case "address":
                return "\n".join(x for x in [c["address"], c["postcode"]] if x) or "Not given"
            case "school":
                return c["school_or_employer"] or "Not given"
            case "aliases":
                return "\n".join(" ".join(n).strip() for n in alias_names(c["aliases"])) or "None"
            case "concern":
                return c["concern_summary"]
            case "concern-types":
                names = ConcernType.objects.filter(pk__in=c["concern_types"])
                return "\n".join(n.name for n in names)
            case "needs":
                flags = NeedsFlag.objects.filter(pk__in=c["needs_flags"])
                return "\n".join(f.name for f in flags) or "None or not known"
            case "awareness":
                return Awareness(c["person_awareness"]).label
        return ""

    fields_of = {step.slug: list(step.form_class.base_fields) for step in STEPS}
    fields_of["date-of-birth"] = ["date_of_birth"]
    fields_of["concern-types"] = ["concern_types"]
    fields_of["needs"] = ["needs_flags"]
    rows = []
    for step in STEPS:
        valid = step.slug in answered and all(f in cleaned for f in fields_of[step.slug])
        rows.append(
            {
                "label": step.answer_label,
                "value": text(step) if valid else "",
                "answered": valid,
                "change_url": _step_url(step, change=True),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def intake_check(request):
    """Check your answers; posting it submits the referral."""
    require_role(request.user, *INTAKE_ROLES)
    draft = _draft(request.user)
    problems = []
    if request.method == "POST":
        if draft is None:
            problems = [
                {
                    "message": "Answer the questions before you send the referral",
                    "href": _first_page(request.user),
                }
            ]
        else:
            try:
                referral = services.referral_submit(draft=draft, acting_user=request.user)
            except IntakeIncomplete as incomplete:
                slugs = {step.slug: step for step in STEPS}
                other_pages = {
                    SourceForm.SLUG: reverse("referrals:intake_source"),
                    AreaForm.SLUG: reverse("referrals:intake_area") + "?change=1",
                }
                problems = [
                    {
                        "message": message,
                        "href": _step_url(slugs[slug], change=True)
                        if slug in slugs
                        else other_pages.get(slug, reverse("referrals:intake_agency")),
                    }
                    for slug, message in incomplete.problems
                ]
            else:
                return redirect("referrals:intake_confirmation", pk=referral.pk)
    agencies = intake_agencies(request.user)
    return render(
        request,
        "referrals/intake_check.html",
        {
            "draft": draft,
            "rows": [
                *_area_rows(draft),
                *_source_rows(draft, request.user),
                *_answer_rows(draft),
            ],
            "problems": problems,
            "show_agency": len(agencies) > 1,
            "back_url": _step_url(STEPS[-1]),
        },
    )


@require_http_methods(["GET", "POST"])
def intake_discard(request):
    """Delete the user's draft after they confirm it."""
    require_role(request.user, *INTAKE_ROLES)
    if request.method == "POST":
        if services.referral_draft_discard(acting_user=request.user):
            messages.success(request, "Your draft referral has been deleted")
        return redirect("referrals:intake_start")
    return render(request, "referrals/intake_discard.html", {"draft": _draft(request.user)})


@require_GET
def intake_confirmation(request, pk):
    """The reference of a referral the user has just made; nobody else's."""
    referral = the_one(
        Referral.objects.visible_to(request.user).filter(referrer=request.user, pk=pk)
    )
    if referral is None:
        raise Http404("No such referral")
    log_access(request, [referral], view="referrals:intake_confirmation")
    return render(request, "referrals/intake_confirmation.html", {"referral": referral})


@require_GET
def referrals_mine(request):
    """The referrals the user made, with their status only: triage details are not theirs."""
    require_role(request.user, *INTAKE_ROLES)
    queryset = (
        Referral.objects.referred_by(request.user)
        .select_related("person")
        .order_by("-received_on", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    log_access(
        request,
        [*shown, *{r.person for r in shown}],
        view="referrals:mine",
    )
    # Referrals that left with their person for another council area: the reference and
    # dates only (the referral is no longer the referrer's to see: access rule 8).
    passed_on = list(
        TransferTrace.objects.told_to_referrer(request.user).order_by("-transferred_on", "-pk")[
            :PAGE_SIZE
        ]
    )
    return render(
        request,
        "referrals/intake_mine.html",
        {
            "page": page,
            "referrals": shown,
            "passed_on": passed_on,
            "has_draft": _draft(request.user) is not None,
        },
    )


urlpatterns = [
    path("new/", intake_start, name="intake_start"),
    path("new/agency/", intake_agency, name="intake_agency"),
    path("new/area/", intake_area, name="intake_area"),
    *[
        path(f"new/{step.slug}/", _step_view(step, i), name=_url_name(step))
        for i, step in enumerate(STEPS)
    ],
    path("new/referred-by/", intake_source, name="intake_source"),
    path("new/check-your-answers/", intake_check, name="intake_check"),
    path("new/discard/", intake_discard, name="intake_discard"),
    path("new/sent/<int:pk>/", intake_confirmation, name="intake_confirmation"),
    path("mine/", referrals_mine, name="mine"),
]
