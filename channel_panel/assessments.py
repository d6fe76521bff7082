"""The vulnerability assessment (the Home Office's Channel vulnerability assessment framework):
its dimensions and factors as configurable lookups, and the assessments of a referral or
Channel case. Imported by ``channel_panel.models`` (one block there), so Django finds the
models in the app.

Rules, in one place:
- an assessment belongs to a referral, and to its Channel case once there is one; it rates
  every factor in force on its date as not present, present or unknown, with evidence, the
  agency the evidence came from and its date, and ends with a summary conclusion and a
  management plan;
- append-only: each review adds a new assessment. A draft is edited by its author only, and
  a completed assessment is never edited (``channel_panel/services/assessments.py``);
- who drafts: the Coordinator, and the police Channel practitioner. There is no role of that
  name (``Role``): it is anyone holding a case-working role (SPOC or panel member) at an
  agency of the police sector (``drafts_assessments``). They must also see the referral or
  case (the police practitioner sees a referral in the panel's pack window);
- who reads: whoever sees the referral for case work (``case_work_referrals``: never a
  referrer only because they referred it) or its Channel case, completed assessments only;
  a draft only its author (``Assessment.objects.visible_to``). Not visible is a 404.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Lookup, Membership, Role
from referrals.models import Referral

POLICE_SECTOR = "police"
# The roles in which a police agency's staff work cases (the police Channel practitioner).
PRACTITIONER_ROLES = (Role.SPOC, Role.PANEL_MEMBER)


class VafDimension(Lookup):
    """A dimension of the framework: engagement with a group, cause or ideology; intent to
    cause harm; capability to cause harm."""

    help_text = models.TextField(blank=True)

    class Meta(Lookup.Meta):
        verbose_name = "vulnerability assessment dimension"


class VafFactor(Lookup):
    """One of the framework's factors, under its dimension."""

    dimension = models.ForeignKey(VafDimension, on_delete=models.PROTECT, related_name="factors")
    help_text = models.TextField(blank=True)

    class Meta(Lookup.Meta):
        verbose_name = "vulnerability assessment factor"
        ordering = ["dimension__order", "order", "name"]


def factors_in_force(on: date | None = None):
    """The factors in force on ``on`` (dimension and factor both), in the form's order."""
    on = on or timezone.localdate()
    dimensions = VafDimension.objects.current(on).values("pk")
    return (
        VafFactor.objects.current(on)
        .filter(dimension__in=dimensions)
        .select_related("dimension")
        .order_by("dimension__order", "dimension__name", "order", "name")
    )


def drafts_assessments(user) -> bool:
    """The Coordinator, or the police Channel practitioner: a case-working role (SPOC or panel
    member) at an agency of the police sector."""
    from prevent_portal.accounts.access import has_role, is_active_user

    if not is_active_user(user):
        return False
    if has_role(user, Role.COORDINATOR):
        return True
    return (
        Membership.objects.active()
        .filter(user=user, role__in=PRACTITIONER_ROLES, agency__sector__code=POLICE_SECTOR)
        .exists()
    )


class AssessmentQuerySet(models.QuerySet):
    def completed(self):
        return self.filter(status=Assessment.Status.COMPLETED)

    def in_order(self):
        """Oldest first: by the day assessed, then the moment completed."""
        return self.order_by("assessed_on", "completed_at", "pk")

    def visible_to(self, user):
        """Assessments ``user`` may read (the rules at the top of this module)."""
        from channel_panel.models import ChannelCase
        from prevent_portal.accounts.access import is_active_user
        from referrals.models import case_work_referrals

        if not is_active_user(user):
            return self.none()
        on_record = Q(referral__in=case_work_referrals(user).values("pk")) | Q(
            referral__channel_case__in=ChannelCase.objects.visible_to(user).values("pk")
        )
        return self.filter(on_record).filter(Q(status=Assessment.Status.COMPLETED) | Q(author=user))


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="vaf_assessments")
    # Set when the referral was a Channel case when the assessment was started: a review.
    case = models.ForeignKey(
        "channel_panel.ChannelCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assessed_on = models.DateField()
    summary = models.TextField("Summary conclusion", blank=True)
    management_plan = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-completed_at", "-pk"]
        indexes = [models.Index(fields=["referral", "status", "assessed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "author"],
                condition=Q(status="draft"),
                name="vaf_one_draft_per_author",
            )
        ]

    def __str__(self):
        # Never a name: assessments appear in the audit log.
        return f"Vulnerability assessment {self.pk} of referral {self.referral_id}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def previous(self) -> Assessment | None:
        """The completed assessment of the same referral before this one, or None."""
        earlier = Assessment.objects.completed().filter(referral_id=self.referral_id)
        if self.is_draft:
            return earlier.in_order().last()
        before = Q(assessed_on__lt=self.assessed_on) | Q(
            assessed_on=self.assessed_on, completed_at__lt=self.completed_at
        )
        return earlier.filter(before).in_order().last()


def latest_assessment(referral_id: int, on: date | None = None) -> Assessment | None:
    """The latest completed assessment of the referral (assessed on or before ``on``)."""
    found = Assessment.objects.completed().filter(referral_id=referral_id)
    if on is not None:
        found = found.filter(assessed_on__lte=on)
    return found.in_order().last()


def has_current_assessment(referral_id: int, on: date) -> bool:
    """A completed assessment assessed no more than CHANNEL_ASSESSMENT_CURRENT_DAYS days
    before ``on`` (or later: the one reviewed at the meeting itself counts)."""
    since = on - timedelta(days=settings.CHANNEL_ASSESSMENT_CURRENT_DAYS)
    return (
        Assessment.objects.completed()
        .filter(referral_id=referral_id, assessed_on__gte=since)
        .exists()
    )


class AssessmentRating(models.Model):
    """One factor of one assessment."""

    class Rating(models.TextChoices):
        NOT_PRESENT = "not_present", "Not present"
        PRESENT = "present", "Present"
        UNKNOWN = "unknown", "Unknown"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    factor = models.ForeignKey(VafFactor, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=12, choices=Rating.choices, default=Rating.UNKNOWN)
    evidence = models.TextField(blank=True)
    source_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence_on = models.DateField("Date of the evidence", null=True, blank=True)

    class Meta:
        ordering = ["factor__dimension__order", "factor__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "factor"], name="vaf_one_rating_per_factor"
            )
        ]

    def __str__(self):
        return f"Rating {self.pk} of assessment {self.assessment_id}"

    def as_value(self):
        """The rating as plain values, for ``assessment_changes.changes_between``."""
        from channel_panel.assessment_changes import FactorRating

        return FactorRating(
            code=self.factor.code,
            name=self.factor.name,
            dimension=self.factor.dimension.name,
            rating=self.rating,
            evidence=self.evidence,
            source=self.source_agency.name if self.source_agency_id else "",
            evidence_on=self.evidence_on,
        )


def get_assessment_for_user(user, pk, *, perm: str = "view", referral_id=None) -> Assessment:
    """The only single-assessment fetch: 404 unless ``user`` may read it (and, if given, it
    belongs to ``referral_id``); for ``perm="change"``, 403 unless it is their own draft and
    they still draft assessments. A completed assessment is never changed."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    found = Assessment.objects.visible_to(user).filter(pk=pk)
    if referral_id is not None:
        found = found.filter(referral_id=referral_id)
    assessment = found.select_related("author", "referral", "case").first()
    if assessment is None:
        raise Http404("No such assessment")
    if perm == "change" and not (
        assessment.is_draft and assessment.author_id == user.pk and drafts_assessments(user)
    ):
        raise PermissionDenied
    return assessment


def rating_rows(assessment: Assessment) -> list[AssessmentRating]:
    """The assessment's ratings in the framework's order, with what the pages show."""
    return list(
        assessment.ratings.select_related("factor__dimension", "source_agency").order_by(
            "factor__dimension__order", "factor__order", "factor__name"
        )
    )


def history_with_changes(assessments: list[Assessment]) -> list[tuple]:
    """Completed assessments of one referral, oldest first, each as (assessment, the one
    before it or None, the factor changes since that one). Reads ``ratings`` prefetched
    with ``factor__dimension`` and ``source_agency``."""
    from channel_panel.assessment_changes import changes_between

    out = []
    previous, before = None, None
    for assessment in assessments:
        now = [row.as_value() for row in assessment.ratings.all()]
        changes = changes_between(before, now) if before is not None else []
        out.append((assessment, previous, changes))
        previous, before = assessment, now
    return out


def completed_history(referral_ids, reader) -> dict[int, list[Assessment]]:
    """The completed assessments ``reader`` may read of each referral, oldest first, ratings
    prefetched: one query for the assessments and one for their ratings."""
    from django.db.models import Prefetch

    found = (
        Assessment.objects.visible_to(reader)
        .completed()
        .filter(referral_id__in=list(referral_ids))
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=AssessmentRating.objects.select_related(
                    "factor__dimension", "source_agency"
                ).order_by("factor__dimension__order", "factor__order", "factor__name"),
            )
        )
        .in_order()
    )
    by_referral: dict[int, list[Assessment]] = {}
    for assessment in found:
        by_referral.setdefault(assessment.referral_id, []).append(assessment)
    return by_referral
