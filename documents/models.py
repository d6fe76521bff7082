"""Documents attached to a referral, a Channel case, a panel meeting or an information
request's answer: scanned referral forms, police information, consent forms, minutes.

A document is seen by exactly those who see its record (``visible_to``): the record's own
rules (agencies, shares, panel-pack windows, the chair's reach) give the same sight of its
documents, and nothing else does. Only a document scanned clean is ever listed or sent.
The bytes live in the "documents" storage under a random name; the name the file had is
kept as data, never used as a path and never rendered unescaped.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from channel_panel.models import ChannelCase, PanelMeeting
from prevent_portal.accounts.access import area_ids_for, has_role, the_one
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Role
from referrals.models import InformationRequest, Referral

PARENT_FIELDS = ("referral", "case", "meeting", "information_request")


def document_storage():
    return storages["documents"]


def new_storage_name() -> str:
    """A random name: nothing of the uploaded file's name reaches the storage."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def ascii_filename(name: str) -> str:
    """A name safe in any header and any file system: ASCII letters, digits, ``.-_``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("._") or "document"
    return safe[-120:]


def _meetings_whose_papers_user_sees(user):
    """Meetings whose papers ``user`` may open: every one for the Coordinator; those they
    chair, while a chair; those they are invited to, during the pack window (review 4: any
    panel member could read every meeting's uploaded minutes, whatever they discussed)."""
    if has_role(user, Role.COORDINATOR):
        # Every meeting of the Coordinator's council areas (rule 7).
        return PanelMeeting.objects.filter(
            area__in=sorted(area_ids_for(user, [Role.COORDINATOR]))
        ).values("pk")
    mine = Q(pk__in=[])
    if has_role(user, Role.PANEL_CHAIR):
        mine |= Q(chair=user)
    mine |= Q(PanelMeeting.pack_open_q(), invitees__user=user)
    return PanelMeeting.objects.filter(mine).values("pk")


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user) -> DocumentQuerySet:
        """Clean documents on a record ``user`` sees: a referral, a case or an information
        request in that model's ``visible_to``; a meeting's papers (minutes and papers name
        the people on its agenda) for the Coordinator, the meeting's chair, and its invitees
        while its pack window is open, as the pack itself. Only holders of a case role
        (AGENCY_CASE_ROLES): a referrer sees the status of what they referred, never its
        evidence. Quarantined, refused and deleted documents: nobody."""
        return self._seen_by(user, _PARENTS)

    def visible_on(self, user, record) -> DocumentQuerySet:
        """The documents ``record``'s page lists for ``user``: those of ``visible_to`` on
        the record, and for a referral also on its information requests. A document has
        exactly one record (``document_has_exactly_one_record``), so only the rule of that
        kind of record is checked: building the other kinds' ``visible_to`` too cost more
        than the page's SQL (docs/performance.md, "Per-request cost")."""
        if isinstance(record, Referral):
            on = Q(referral=record) | Q(information_request__referral=record)
            return self._seen_by(user, ("referral", "information_request")).filter(on)
        field = _PARENT_FIELDS[type(record)]
        return self._seen_by(user, (field,)).filter(**{field: record})

    def _seen_by(self, user, parents) -> DocumentQuerySet:
        """``visible_to``'s rule for documents whose record is one of ``parents`` (field
        names): the others are left out."""
        if not has_role(user, *AGENCY_CASE_ROLES):
            return self.none()
        rules = {
            "referral": lambda: Referral.objects.visible_to(user),
            "case": lambda: ChannelCase.objects.visible_to(user),
            "information_request": lambda: InformationRequest.objects.visible_to(user),
        }
        seen = Q(pk__in=[])
        for parent in parents:
            if parent == "meeting":
                seen |= Q(meeting__in=_meetings_whose_papers_user_sees(user))
            else:
                seen |= Q(**{f"{parent}__in": rules[parent]().values("pk")})
        return self.filter(seen, status=Document.Status.CLEAN)

    def on(self, record) -> DocumentQuerySet:
        """The documents attached to ``record`` (any of the four kinds of parent)."""
        return self.filter(**{_PARENT_FIELDS[type(record)]: record})


# The four kinds of record a document is on, and the field naming each.
_PARENT_FIELDS = {
    Referral: "referral",
    ChannelCase: "case",
    PanelMeeting: "meeting",
    InformationRequest: "information_request",
}
_PARENTS = tuple(_PARENT_FIELDS.values())


class Document(models.Model):
    class Status(models.TextChoices):
        QUARANTINED = "quarantined", "Waiting for its virus scan"
        CLEAN = "clean", "Scanned clean"
        INFECTED = "infected", "Refused: contains a virus"
        SCAN_FAILED = "scan_failed", "Refused: could not be scanned"
        WRONG_TYPE = "wrong_type", "Refused: not an allowed kind of file"
        DELETED = "deleted", "Deleted"

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    case = models.ForeignKey(
        ChannelCase, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    meeting = models.ForeignKey(
        PanelMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    information_request = models.ForeignKey(
        InformationRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(max_length=200)
    reason = models.TextField()
    original_name = models.CharField(max_length=255)
    # Judged from the content once the scan passed (documents/filetypes.py).
    kind = models.CharField(max_length=10, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUARANTINED)
    # The virus ClamAV named, for a refused file.
    signature = models.CharField(max_length=200, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    # The random name in the "documents" storage; blank once the bytes are removed.
    storage_name = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deletion_reason = models.TextField(blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="document_has_exactly_one_record",
                condition=(
                    Q(
                        referral__isnull=False,
                        case__isnull=True,
                        meeting__isnull=True,
                        information_request__isnull=True,
                    )
                    | Q(
                        referral__isnull=True,
                        case__isnull=False,
                        meeting__isnull=True,
                        information_request__isnull=True,
                    )
                    | Q(
                        referral__isnull=True,
                        case__isnull=True,
                        meeting__isnull=False,
                        information_request__isnull=True,
                    )
                    | Q(
                        referral__isnull=True,
                        case__isnull=True,
                        meeting__isnull=True,
                        information_request__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self):
        # No title or file name: they may name the person (auditlog's object_repr).
        return f"Document {self.pk}"

    @property
    def parent(self):
        for field in PARENT_FIELDS:
            record = getattr(self, field)
            if record is not None:
                return record
        return None


def get_document_for_user(user, pk) -> Document:
    """The only single-document fetch: 404 unless ``user`` sees the document's record and
    the document is scanned clean (``visible_to``)."""
    document = the_one(Document.objects.visible_to(user).filter(pk=pk))
    if document is None:
        raise Http404("No such document")
    return document
