"""What a subject access export holds, and how it is laid out (UK GDPR Article 15).

``collect`` reads everything the portal holds on one person, through what the requesting
Coordinator may see (``visible_to``): the person's record, their aliases and any records
merged into it; every referral (all fields, concern types, needs flags, triage, outcome,
information requests, who it was shared with); every Channel case (the panel's decisions,
consent, needs flags, support plan, exit, post-exit reviews and shares); notes and the
whole chronology; the documents attached to the referrals, cases and information requests
(listed in the page, their files in the zip's documents/ folder); and the access log, who
opened which of those records and when.

What is about other people stays out: the referrer (the referring agency and sector are
given, not the member of staff) and the other people an earlier-referral check compared the
person with. Staff named as acting in their role (the officer assigned, case manager,
authors of entries, viewers in the access log) and the parent or guardian who gave consent
(the consent record and its chronology entry name them) are included; free text can still
mention third parties, so the Coordinator and the Data Protection Officer review the export
before release (docs/data-protection.md).

Every list is fetched with ``select_related``/``prefetch_related``, so the number of
queries does not grow with the number of referrals, cases or entries (tested).
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from channel_panel.models import (
    CaseNeedsFlag,
    ChannelCase,
    Decision,
    ItemNote,
    MeetingAction,
    SupportAction,
)
from documents.models import Document, ascii_filename, document_storage
from governance.models import SubjectAccessExport
from referrals.models import ChronologyEntry, InformationRequest, Person, Referral

Progress = Callable[[int, str], None]

# The build's steps, for the progress page (the PDF and the zip are the last two).
STEPS = ["Records", "Access log", "The HTML and the PDF", "The zip file"]
NOTE_KINDS = {ChronologyEntry.Kind.NOTE, ChronologyEntry.Kind.CASE_NOTE}
NO_ATTACHMENTS = (
    "The portal stores no files (documents) on these referrals, Channel cases or information "
    "requests: everything it holds is in the records above."
)


@dataclass
class ExportData:
    """Everything held on one person, ready to lay out."""

    person: Person
    merged: list[Person]
    referrals: list[Referral]
    cases: list[ChannelCase]
    decisions: dict[int, list[Decision]]  # by referral id
    access_log: list[LogEntry]
    attachments: list[Document] = field(default_factory=list)  # their files go in the zip

    def counts(self) -> dict[str, int]:
        """What the export holds, as counts (no personal data): the export row keeps them."""
        chronology = [e for r in self.referrals for e in r.chronology.all()]
        return {
            "Referrals": len(self.referrals),
            "Channel cases": len(self.cases),
            "Panel decisions": sum(len(d) for d in self.decisions.values()),
            "Panel discussion notes": sum(len(r.panel_notes) for r in self.referrals),
            "Panel actions": sum(len(r.panel_actions) for r in self.referrals),
            "Chronology entries": len(chronology),
            "Notes": sum(1 for e in chronology if e.kind in NOTE_KINDS),
            "Information requests": sum(len(r.information_requests.all()) for r in self.referrals),
            "Attachments": len(self.attachments),
            "Access log entries": len(self.access_log),
        }


def _shares(prefetched_user, prefetched_group) -> list[dict]:
    """Who a record was shared with (live and future grants), one row per share: guardian
    keeps one row per permission, the "view" row stands for the share."""
    rows = []
    for grant in [*prefetched_user, *prefetched_group]:
        if not grant.permission.codename.startswith("view_"):
            continue
        if hasattr(grant, "group"):
            recipient = grant.group.agency.name
        else:
            recipient = grant.user.get_full_name() or grant.user.username
        rows.append(
            {
                "recipient": recipient,
                "reason": grant.reason,
                "granted_at": grant.granted_at,
                "starts_at": grant.starts_at,
                "expires_at": grant.expires_at,
            }
        )
    return sorted(rows, key=lambda row: row["granted_at"])


def collect(export: SubjectAccessExport) -> ExportData:
    """Everything held on the export's person that its requester may see, with the access
    log of those records."""
    data = collect_records(export)
    data.access_log = access_log(records_of(data))
    return data


def collect_records(export: SubjectAccessExport) -> ExportData:
    """The person's records that the export's requester may see (the access log empty)."""
    viewer = export.created_by
    person = Person.objects.prefetch_related("aliases").get(pk=export.person_id)
    merged = list(Person.objects.filter(merged_into=person).prefetch_related("aliases"))
    # One query for every referral's gateway result (its name is configuration data).
    referrals = Referral.objects.attach_gateway_results(
        Referral.objects.visible_to(viewer)
        .filter(person=person)
        .select_related(
            "owning_agency",
            "referring_agency",
            "referring_sector",
            "assigned_officer",
            "outcome",
            "signposted_to",
        )
        .prefetch_related(
            "concern_types",
            "needs_flags",
            Prefetch(
                "chronology",
                queryset=ChronologyEntry.objects.select_related("author").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "information_requests",
                queryset=InformationRequest.objects.select_related(
                    "agency", "requested_by", "responded_by"
                ),
            ),
            *_grant_prefetches_for(Referral),
        )
        .order_by("received_on", "pk")
    )
    cases = list(
        ChannelCase.objects.visible_to(viewer)
        .filter(referral__in=[r.pk for r in referrals])
        .select_related(
            "referral",
            "lead_agency",
            "case_manager",
            "adopted_at_meeting",
            "exit_reason",
            "ownership_returned_to",
        )
        .prefetch_related(
            "consents",
            Prefetch(
                "needs_flags",
                queryset=CaseNeedsFlag.objects.select_related("flag", "source_agency"),
            ),
            Prefetch(
                "actions",
                queryset=SupportAction.objects.select_related(
                    "support_type", "owner_agency", "owner_provider"
                ),
            ),
            "reviews",
            *_grant_prefetches_for(ChannelCase),
        )
        .order_by("adopted_on", "pk")
    )
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in (
        Decision.objects.filter(item__referral__in=[r.pk for r in referrals])
        .select_related("item__meeting", "signposted_to", "recorded_by")
        .order_by("item__meeting__meets_on", "recorded_at", "pk")
    ):
        decisions[decision.item.referral_id].append(decision)
    # The panel's discussion of the person and the actions agreed about them are personal
    # data held on them as much as its decisions are.
    notes: dict[int, list[ItemNote]] = defaultdict(list)
    for note in (
        ItemNote.objects.filter(item__referral__in=[r.pk for r in referrals])
        .select_related("item__meeting", "written_by")
        .order_by("item__meeting__meets_on", "written_at", "pk")
    ):
        notes[note.item.referral_id].append(note)
    actions: dict[int, list[MeetingAction]] = defaultdict(list)
    for action in (
        MeetingAction.objects.filter(item__referral__in=[r.pk for r in referrals])
        .select_related("item__meeting", "owner_agency")
        .order_by("item__meeting__meets_on", "due_on", "pk")
    ):
        actions[action.item.referral_id].append(action)
    for referral in referrals:
        referral.shares = _shares(referral.user_grant_rows, referral.group_grant_rows)
        referral.panel_decisions = decisions.get(referral.pk, [])
        referral.panel_notes = notes.get(referral.pk, [])
        referral.panel_actions = actions.get(referral.pk, [])
    for case in cases:
        case.shares = _shares(case.user_grant_rows, case.group_grant_rows)
    referral_ids = [r.pk for r in referrals]
    documents = list(
        Document.objects.visible_to(viewer)
        .filter(
            Q(referral__in=referral_ids)
            | Q(case__in=[c.pk for c in cases])
            | Q(information_request__referral__in=referral_ids)
        )
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
    for document in documents:
        document.zip_name = document_zip_name(document)
    return ExportData(
        person=person,
        merged=merged,
        referrals=referrals,
        cases=cases,
        decisions=dict(decisions),
        access_log=[],
        attachments=documents,
    )


def document_zip_name(document: Document) -> str:
    """Where a document's file is in the zip: its number keeps names unique."""
    return f"documents/{document.pk}-{ascii_filename(document.original_name)}"


def _grant_prefetches_for(model) -> list[Prefetch]:
    user_model = model.user_grants.rel.related_model
    group_model = model.group_grants.rel.related_model
    return [
        Prefetch(
            "user_grants",
            queryset=user_model.objects.select_related("user", "permission"),
            to_attr="user_grant_rows",
        ),
        Prefetch(
            "group_grants",
            queryset=group_model.objects.select_related("group__agency", "permission"),
            to_attr="group_grant_rows",
        ),
    ]


def records_of(data: ExportData) -> list:
    """Every record in the export, for the access log."""
    records: list = [data.person, *data.person.aliases.all(), *data.merged]
    for referral in data.referrals:
        records += [referral, *referral.chronology.all(), *referral.information_requests.all()]
    for case in data.cases:
        records += [
            case,
            *case.consents.all(),
            *case.needs_flags.all(),
            *case.actions.all(),
            *case.reviews.all(),
        ]
    for decisions in data.decisions.values():
        records += decisions
    return records + list(data.attachments)


def access_log(records: list) -> list[LogEntry]:
    """Who opened which of ``records`` and when: the audit log's ACCESS entries on them,
    oldest first, in one query whatever the number of records."""
    by_model: dict[type, set[int]] = defaultdict(set)
    for record in records:
        by_model[type(record)].add(record.pk)
    if not by_model:
        return []
    types = ContentType.objects.get_for_models(*by_model)
    condition = Q(pk__in=[])
    for model, ids in by_model.items():
        condition |= Q(content_type=types[model], object_id__in=sorted(ids))
    return list(
        LogEntry.objects.filter(condition, action=LogEntry.Action.ACCESS)
        .select_related("actor", "content_type")
        .order_by("timestamp", "pk")
    )


def build(export: SubjectAccessExport, *, progress: Progress) -> tuple[bytes, dict]:
    """The export as a zip (``export.html`` and ``export.pdf``) and its counts, calling
    ``progress(percent, stage)`` before each step."""
    progress(0, STEPS[0])
    data = collect_records(export)
    progress(25, STEPS[1])
    data.access_log = access_log(records_of(data))
    progress(50, STEPS[2])
    html = render_html(export, data)
    pdf = render_pdf(html)
    progress(90, STEPS[3])
    return zip_archive(export, html, pdf, data.attachments), data.counts()


def render_html(export: SubjectAccessExport, data: ExportData) -> str:
    """One self-contained page (its style inline, nothing fetched): the HTML in the zip and
    the source of the PDF, so both say the same."""
    return render_to_string(
        "governance/subject_access_export.html",
        {
            "export": export,
            "data": data,
            "counts": data.counts(),
            "no_attachments": NO_ATTACHMENTS,
            "generated_at": timezone.localtime(),
            "COUNCIL_NAME": settings.COUNCIL_NAME,
        },
    )


def render_pdf(html: str) -> bytes:
    """The same page as an A4 PDF: OFFICIAL-SENSITIVE and page numbers on every page."""
    from weasyprint import HTML  # a heavy import, needed only here

    return HTML(string=html).write_pdf()  # self-contained: no URL to fetch


def zip_archive(
    export: SubjectAccessExport, html: str, pdf: bytes, documents: list[Document] = ()
) -> bytes:
    buffer = io.BytesIO()
    stem = f"subject-access-export-{export.pk}"
    storage = document_storage()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.html", html.encode("utf-8"))
        archive.writestr(f"{stem}.pdf", pdf)
        for document in documents:
            with storage.open(document.storage_name, "rb") as handle:
                archive.writestr(document_zip_name(document), handle.read())
    return buffer.getvalue()
