"""Subject access requests (UK GDPR Article 15): the Coordinator finds the person, asks for
an export of everything held on them, watches it being built, and downloads it once. The
Coordinator's alone: anyone else gets 403 on the pages and 404 on an export; only the
Coordinator who asked for an export downloads it (403 for another), and a second download
answers 410 Gone, saying when and by whom it was downloaded. Asking for an export and
downloading it are exports of personal data: both need a recent sign-in ("Confirm it's
you")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance import services
from governance.forms.subject_access import ExportRequestForm, PersonSearchForm
from governance.models import SubjectAccessExport, get_export_for_user
from governance.models.subject_access import SUBJECT_ACCESS_ROLES
from governance.services.subject_access import AlreadyDownloaded
from governance.subject_access import STEPS
from governance.views.common import form_page, job_steps, posted
from prevent_portal.accounts.access import require_role
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.encrypted_download import password_page, password_take
from referrals.indexes import NameStartsWith
from referrals.models import Person, PersonAlias, Referral, get_person_for_user

REFRESH_SECONDS = 3
MAX_RESULTS = 50
SEARCH_VIEW = "governance:subject_access_search"


@require_GET
def subject_access_list(request):
    """Every export asked for, newest first, with its status. No personal data: an export
    is shown by its reference and the person's record number."""
    require_role(request.user, *SUBJECT_ACCESS_ROLES)
    exports = SubjectAccessExport.objects.visible_to(request.user).select_related(
        "created_by", "downloaded_by"
    )
    # ``?waiting=deadline``: those the home page counts as near their one-month deadline.
    waiting = request.GET.get("waiting") == "deadline"
    if waiting:
        exports = exports.near_deadline(timezone.localdate())
    return render(
        request,
        "governance/subject_access_list.html",
        {"exports": list(exports[:100]), "waiting": waiting},
    )


def named_starting(word: str):
    """Ids of persons a name or other name of whom starts with ``word`` (case ignored): a
    UNION with one branch per column, so that on PostgreSQL each branch is a range scan of
    that column's ``UPPER(...)`` index (referrals/indexes.py); an OR across the alias join
    reads every person."""
    # Persons behind the council-area wall: the capitalised names and the LEAKPROOF ^@, so
    # the index serves it with the wall up (referrals/indexes.py). Aliases are not walled.
    branches = [
        Person.objects.filter(NameStartsWith(F(column), word)).order_by().values("pk")
        for column in ("given_name_upper", "family_name_upper")
    ] + [
        PersonAlias.objects.filter(**{f"{column}__istartswith": word})
        .order_by()
        .values("person_id")
        for column in ("given_name", "family_name")
    ]
    return branches[0].union(*branches[1:])


def people_matching(user, data: dict) -> list[Person]:
    """Live (not merged) persons ``user`` may see matching the search, at most MAX_RESULTS,
    their referrals counted. A name with a digit in it is a referral reference; otherwise
    every word must start one of the person's names or other names. Date of birth and
    postcode (spaces and case ignored) narrow it."""
    people = Person.objects.visible_to(user).filter(merged_into__isnull=True)
    name = (data.get("name") or "").strip()
    if any(ch.isdigit() for ch in name):
        people = people.filter(
            pk__in=Referral.objects.visible_to(user)
            .filter(reference__iexact=name)
            .values("person_id")
        )
    else:
        for word in name.split():
            people = people.filter(pk__in=named_starting(word))
    if data.get("date_of_birth"):
        people = people.filter(date_of_birth=data["date_of_birth"])
    if data.get("postcode"):
        compact = data["postcode"].replace(" ", "").upper()
        people = people.annotate(
            postcode_compact=Upper(Replace("postcode", Value(" "), Value("")))
        ).filter(postcode_compact=compact)
    return list(
        people.annotate(referral_count=Count("referrals", distinct=True))
        .prefetch_related("aliases")
        .order_by("family_name", "given_name", "pk")[:MAX_RESULTS]
    )


@require_GET
def subject_access_search(request):
    """Find the person: a GET form, so a search is a link. Each person shown is an access
    entry, since names and dates of birth are on the page."""
    require_role(request.user, *SUBJECT_ACCESS_ROLES)
    form = PersonSearchForm(request.GET or None)
    people = None
    if form.is_valid():
        people = people_matching(request.user, form.cleaned_data)
        log_access(request, people, view=SEARCH_VIEW)
    return render(
        request,
        "governance/subject_access_search.html",
        {"form": form, "people": people, "max_results": MAX_RESULTS},
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def subject_access_request(request, pk):
    """Ask for an export of everything held on one person: when the request arrived and
    its reference. The export is queued and built in the background."""
    require_role(request.user, *SUBJECT_ACCESS_ROLES)
    person = get_person_for_user(request.user, pk)
    log_access(request, [person], view="governance:subject_access_request")
    form = ExportRequestForm(posted(request))

    def save(data):
        return services.subject_access_request(
            person=person,
            received_on=data["received_on"],
            request_reference=data["request_reference"],
            acting_user=request.user,
        )

    return form_page(
        request,
        form,
        template="governance/subject_access_request.html",
        save=save,
        success="Export asked for: it is being built",
        next_url=lambda export: reverse("governance:subject_access_detail", args=[export.pk]),
        context={"person": person, "aliases": list(person.aliases.all())},
    )


@require_GET
def subject_access_detail(request, pk):
    """While the export is built: its progress, refreshed every few seconds. Then: what it
    holds (counts only) and, for the Coordinator who asked for it, the one download."""
    export = get_export_for_user(request.user, pk)
    response = render(
        request,
        "governance/subject_access_detail.html",
        {
            "export": export,
            "steps": job_steps(export, STEPS),
            "refresh_seconds": REFRESH_SECONDS,
            "may_download": export.created_by_id == request.user.pk,
            "expiry_days": settings.SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS,
        },
    )
    if not export.is_finished:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_POST
@recent_authentication_required
def subject_access_download(request, pk):
    """The export's zip, once, to the Coordinator who asked for it, encrypted; the file is
    deleted as it is handed over. A POST, because it changes what is held. The first POST
    shows a fresh password (once: it is kept only in the session); the second, from that
    page, takes it and downloads the zip locked with it. A second download, or one after
    the export expired: 410 Gone, saying what happened."""
    export = get_export_for_user(request.user, pk)
    if export.created_by_id != request.user.pk:
        raise PermissionDenied
    key = f"subject-access:{export.pk}"
    password = password_take(request, key) if request.POST.get("step") == "download" else None
    if password is None:
        if export.is_downloaded or export.is_expired:
            return render(
                request, "governance/subject_access_gone.html", {"export": export}, status=410
            )
        return password_page(
            request,
            key=key,
            title=f"Download export {export.request_reference}",
            what="The export",
            download={
                "method": "post",
                "url": reverse("governance:subject_access_download", args=[export.pk]),
                "label": "Download the export (encrypted zip file)",
            },
            back_url=reverse("governance:subject_access_detail", args=[export.pk]),
        )
    try:
        content = services.subject_access_download(
            export=export, acting_user=request.user, password=password
        )
    except AlreadyDownloaded as gone:
        return render(
            request,
            "governance/subject_access_gone.html",
            {"export": gone.export},
            status=410,
        )
    except FileNotFoundError:
        raise Http404("This export is not ready") from None
    if export.person is not None:  # everything held on them has just been handed over
        log_access(request, [export.person], view="governance:subject_access_download")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("subject-access/", subject_access_list, name="subject_access_list"),
    path("subject-access/find/", subject_access_search, name="subject_access_search"),
    path(
        "subject-access/person/<int:pk>/request/",
        subject_access_request,
        name="subject_access_request",
    ),
    path("subject-access/<int:pk>/", subject_access_detail, name="subject_access_detail"),
    path(
        "subject-access/<int:pk>/download/",
        subject_access_download,
        name="subject_access_download",
    ),
]
