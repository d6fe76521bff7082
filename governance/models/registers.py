"""The registers the papers name (DOMAIN.md "Governance"): CTLP briefings given, venue-booking
due-diligence reviews (action 5), supplementary education settings (action 6) and Home
Office-funded projects (seed 003 §5.2). Each is a plain list the Coordinator keeps; the
pages for all four are one set of views driven by ``governance.registers``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from governance.models.access import REGISTER_ROLES, ReadableQuerySet, fetch_for_user
from prevent_portal.areas.models import area_field


class RegisterQuerySet(ReadableQuerySet):
    reader_roles = REGISTER_ROLES


class RegisterEntry(models.Model):
    """What every register entry carries: its council area (issue 18: each area keeps its
    own registers), optimistic locking and who recorded it."""

    area = area_field()
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{capfirst(self._meta.verbose_name)} {self.pk}"

    def get_additional_data(self):
        """auditlog's hook: a deletion's log entry names its ``RegisterDeletion`` record
        (set by ``register_entry_delete``), never the reason itself (it may name people,
        and additional_data is not masked)."""
        return getattr(self, "_deletion_note", None)


class CtlpBriefing(RegisterEntry):
    """A briefing on the Counter Terrorism Local Profile (action 2): to whom, when, by whom."""

    audience = models.CharField(max_length=300)
    briefed_on = models.DateField("Date of the briefing")
    briefed_by = models.CharField("Who briefed", max_length=200)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-briefed_on", "-pk"]
        verbose_name = "CTLP briefing"


class VenueReview(RegisterEntry):
    """Due diligence on a booking of a council venue (action 5)."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Booking approved"
        CONDITIONS = "conditions", "Approved with conditions"
        REFUSED = "refused", "Booking refused"
        WITHDRAWN = "withdrawn", "Booking withdrawn by the hirer"
        PENDING = "pending", "Review not finished"

    venue = models.CharField(max_length=200)
    hirer_organisation = models.CharField("Hirer (organisation)", max_length=200)
    reviewed_on = models.DateField("Date of the review")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reviewer = models.CharField(max_length=200)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        verbose_name = "venue-booking review"


class EducationSetting(RegisterEntry):
    """A supplementary education setting outside the local authority's schools (action 6):
    youth clubs, scout halls, after-school clubs, supplementary schools."""

    class Kind(models.TextChoices):
        SUPPLEMENTARY_SCHOOL = "supplementary_school", "Supplementary school"
        FAITH = "faith", "Faith-based education"
        TUITION = "tuition", "Tuition centre"
        AFTER_SCHOOL = "after_school", "After-school club"
        YOUTH = "youth", "Youth club or uniformed group"
        SPORTS = "sports", "Sports club"
        OTHER = "other", "Other"

    class Safeguarding(models.TextChoices):
        CHECKED = "checked", "Safeguarding policy seen and checked"
        POLICY = "policy", "Safeguarding policy in place, not yet checked"
        NONE = "none", "No safeguarding policy"
        UNKNOWN = "unknown", "Not known"

    name = models.CharField(max_length=200)
    kind = models.CharField("Type of setting", max_length=25, choices=Kind.choices)
    address = models.TextField()
    last_contact_on = models.DateField("Last contact or visit", null=True, blank=True)
    safeguarding_status = models.CharField(
        max_length=10, choices=Safeguarding.choices, default=Safeguarding.UNKNOWN
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "supplementary education setting"


funding_year_validator = RegexValidator(
    r"^\d{4}-\d{4}$", "Enter the funding year as two years, like 2021-2022"
)


class FundedProject(RegisterEntry):
    """A project commissioned with Home Office Prevent funding (seed 003 §5.2)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved"
        COMMISSIONED = "commissioned", "Commissioned"
        DELIVERING = "delivering", "Being delivered"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    provider = models.CharField(max_length=200)
    purpose = models.TextField()
    funding_year = models.CharField(
        max_length=9, validators=[funding_year_validator], db_index=True
    )
    amount = models.DecimalField(
        "Amount (£)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-funding_year", "provider", "pk"]
        verbose_name = "Home Office-funded project"


class RegisterDeletion(models.Model):
    """The record of one register entry deleted: which entry, why, by whom and when. The
    entry itself is gone (from every list, export and report); this row, and the audit log's
    DELETE entry that points at it, say it existed and why it went."""

    register = models.CharField(max_length=40)  # the register's slug (governance.registers)
    entry_id = models.PositiveIntegerField()
    entry_label = models.CharField(max_length=200)  # str(entry): its kind and number only
    reason = models.TextField()
    area = area_field()  # the deleted entry's
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deleted_at", "-pk"]
        verbose_name = "register entry deletion"

    def __str__(self):
        return f"Deletion of {self.entry_label}"


def get_register_entry_for_user(user, model: type[RegisterEntry], pk, *, perm: str = "view"):
    """The only single register-entry fetch: 404 unless the user keeps the registers, 403
    unless ``perm`` ("view" or "change") is theirs."""
    return fetch_for_user(model.objects.all(), user, pk, perm=perm)
