"""Training registers: types and quarters (configuration), agencies' quarterly compliance
returns, the log of sessions delivered, and department coverage.

Who sees what, in one place (the querysets and ``get_<noun>_for_user`` below are the only
way in):

- Compliance returns. The Coordinator sees and changes every agency's (model-wide
  ``view``/``change`` permissions through the role group). Managers and the Channel Panel
  chair see every agency's figures, read-only (model-wide ``view``): they are organisational
  figures with no personal data, reported to boards. An agency's SPOC sees and changes the
  returns of the agencies where they hold the SPOC role, and no other. Nobody else sees any.
  Another agency's return is "not found" (404), never "forbidden".
- Sessions and department coverage: the Coordinator keeps them; managers and the chair read
  them.
- Training types and reporting periods are configuration: anyone signed in may read them,
  the Coordinator (pages) and the system administrator (admin) change them.

Council areas (issue 18, access rule 7): returns, sessions and coverage each belong to one
area (``area_field()``). An agency serving several areas makes a return per area that asks
for it (every area it serves). Model-wide sight (the Coordinator's, the read-only roles') is
held only in the areas where the role giving it is held; a SPOC sees their agencies' returns
in every area the agency serves. Reporting periods (the financial-year quarters) and training
types are shared by every area: a "training quarter" of an area is that area's returns for
the quarter.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from prevent_portal.accounts.access import (
    agency_ids_for,
    area_ids_for,
    global_perm_area_ids,
    has_global_perm,
    in_areas_of,
    the_one,
    through_agencies_q,
)
from prevent_portal.accounts.models import Agency, Role
from prevent_portal.areas.models import area_field
from prevent_portal.core.numbers import percent_half_up

# Roles that read every agency's training figures without changing them.
READ_ONLY_ROLES = (Role.MANAGER, Role.PANEL_CHAIR)
# Model-wide permissions the app gives to role groups (registered in apps.py).
COORDINATOR_PERMISSIONS = [
    f"training.{action}_{model}"
    for model in (
        "trainingtype",
        "reportingperiod",
        "compliancereturn",
        "trainingsession",
        "departmentcoverage",
    )
    for action in ("view", "add", "change")
]
READ_ONLY_PERMISSIONS = [
    "training.view_compliancereturn",
    "training.view_trainingsession",
    "training.view_departmentcoverage",
]
MAX_STAFF = 1_000_000  # more staff than any partner agency has: a typing slip


# --- Configuration ------------------------------------------------------------------------------
class TrainingTypeQuerySet(models.QuerySet):
    def active(self):
        """Types agencies are asked for and that may be chosen for new returns and sessions:
        in use, and not withdrawn by the body that published them."""
        today = timezone.localdate()
        return self.filter(is_active=True).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=today)
        )

    def with_naming(self):
        """Each type with ``names_agencies``: whether it names an active agency, the fact
        that decides who owes it (training.expected.owing_agency_ids, which then does not
        read it again)."""
        named = TrainingType.agencies.through.objects.filter(
            trainingtype_id=OuterRef("pk"), agency__is_active=True
        )
        return self.annotate(names_agencies=Exists(named))


class TrainingType(models.Model):
    """A kind of Prevent training with its own compliance target (NHS England: 85% for WRAP)."""

    name = models.CharField(max_length=100, unique=True)
    target_percent = models.PositiveSmallIntegerField(
        "Target (% of eligible staff compliant)",
        default=85,
        validators=[MaxValueValidator(100)],
    )
    is_active = models.BooleanField(
        "In use",
        default=True,
        help_text="Retired types keep their past returns but are not asked for any more.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    # A course its publisher has withdrawn (the Home Office's WRAP) is historical: its
    # returns and sessions stay and are reported, but nothing new can be recorded for a
    # quarter or a day after it (require_offered), and forms no longer offer it.
    withdrawn_on = models.DateField(
        "Withdrawn on",
        null=True,
        blank=True,
        help_text="The last day the course was offered. Leave empty for a current course.",
    )
    description = models.CharField(max_length=300, blank=True)
    agencies = models.ManyToManyField(
        Agency,
        blank=True,
        related_name="+",
        verbose_name="Agencies that return figures for it",
        help_text="Leave empty to ask every agency that has a single point of contact.",
    )
    version = models.PositiveIntegerField(default=1)

    objects = TrainingTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="training_type_name_unique_any_case"),
            models.CheckConstraint(
                condition=Q(target_percent__lte=100), name="training_type_target_at_most_100"
            ),
        ]

    def __str__(self):
        return self.name

    def is_withdrawn(self, on=None) -> bool:
        return self.withdrawn_on is not None and self.withdrawn_on < (on or timezone.localdate())

    @property
    def is_historical(self) -> bool:
        """Withdrawn by now: shown in reports, not offered for new returns or sessions."""
        return self.is_withdrawn()

    def require_offered(self, on) -> None:
        """Refuse figures or a session for a day after the course was withdrawn."""
        if self.is_withdrawn(on):
            raise ValueError(
                f"{self.name} was withdrawn on {self.withdrawn_on:%-d %B %Y}: "
                f"it cannot be recorded for {on:%-d %B %Y} or later"
            )


class ReportingPeriod(models.Model):
    """A financial-year quarter for which agencies return their figures by a deadline."""

    start = models.DateField(unique=True)
    end = models.DateField("Last day of the quarter", unique=True)
    label = models.CharField(max_length=20, unique=True)
    submission_deadline = models.DateField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="reporting_period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline__gte=F("start")),
                name="reporting_period_deadline_not_before_start",
            ),
        ]

    def __str__(self):
        return self.label

    def deadline_passed(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.submission_deadline


# --- Compliance returns ---------------------------------------------------------------------------
def return_agency_scope(user, action: str = "view") -> set[int] | None:
    """The agencies whose returns ``user`` may see (``action="view"``) or enter and correct
    (``"change"``): None means every agency of the areas where the user holds the model-wide
    permission (``return_area_ids``); otherwise the agencies where the user is a SPOC (an
    empty set for everyone else)."""
    if has_global_perm(user, f"training.{action}_compliancereturn"):
        return None
    return agency_ids_for(user, [Role.SPOC])


def return_area_ids(user, action: str = "view") -> set[int]:
    """The council areas whose returns ``user`` may see or enter (rule 7): those where they
    hold the model-wide permission, and those where they are a SPOC (their agency's returns
    for each area it serves)."""
    return global_perm_area_ids(user, f"training.{action}_compliancereturn") | area_ids_for(
        user, [Role.SPOC]
    )


def agencies_returning_for(user, area_id: int | None = None) -> models.QuerySet:
    """Active agencies whose returns ``user`` may enter or correct, serving ``area_id`` if
    given (one of ``return_area_ids(user, "change")``)."""
    agencies = Agency.objects.filter(is_active=True)
    scope = return_agency_scope(user, "change")
    if scope is None:
        areas = sorted(global_perm_area_ids(user, "training.change_compliancereturn"))
        agencies = agencies.filter(areas__in=areas)
    else:
        agencies = agencies.filter(pk__in=sorted(scope))
    if area_id is not None:
        agencies = agencies.filter(areas=area_id)
    return agencies.distinct()


class ComplianceReturnQuerySet(models.QuerySet):
    def _scoped(self, user, action: str) -> ComplianceReturnQuerySet:
        """Model-wide sight within its areas (rule 7), or the SPOC's agencies."""
        perm = f"training.{action}_compliancereturn"
        query = Q(area_id__in=sorted(global_perm_area_ids(user, perm)))
        # The SPOC's agencies' returns, each in the areas that agency serves now (rule 8 per
        # agency: a return to an area the agency no longer serves is that area's alone, even
        # for a SPOC who works there through another agency).
        query |= through_agencies_q(user, [Role.SPOC], "agency")
        # Rule 8 of the access module: only the areas the user works in, as the wall limits it.
        return in_areas_of(self.filter(query), user)

    def visible_to(self, user) -> ComplianceReturnQuerySet:
        """Returns ``user`` may see (the rules at the top of this module), and nothing else."""
        return self._scoped(user, "view")

    def editable_by(self, user) -> ComplianceReturnQuerySet:
        """Returns ``user`` may correct: every one of their areas for the Coordinator, their
        own agencies' for a SPOC, none for anybody else (read-only roles included)."""
        return self._scoped(user, "change")


class ComplianceReturn(models.Model):
    """An agency's figures for one training type in one quarter: eligible staff and the
    number of them who are compliant (trained and in date). Organisational figures, no
    personal data; every change is audited."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    training_type = models.ForeignKey(TrainingType, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="returns")
    # The council area the figures are returned to: a partner serving several areas makes
    # one return per area (issue 18).
    area = area_field()
    eligible = models.PositiveIntegerField("Eligible staff")
    compliant = models.PositiveIntegerField("Compliant staff")
    # The type's target when the return was first made, so a later change of target does
    # not rewrite how past quarters are reported.
    target_percent = models.PositiveSmallIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ComplianceReturnQuerySet.as_manager()

    class Meta:
        ordering = ["period__end", "agency__name", "training_type__order", "training_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "training_type", "period", "area"],
                name="compliance_return_one_per_agency_type_period_area",
            ),
            models.CheckConstraint(
                condition=Q(eligible__gte=0), name="compliance_return_eligible_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(compliant__gte=0), name="compliance_return_compliant_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(compliant__lte=F("eligible")),
                name="compliance_return_compliant_not_above_eligible",
            ),
        ]
        indexes = [models.Index(fields=["period", "training_type"])]

    def __str__(self):
        # Organisation, type and quarter only: no person is named in a return.
        return f"{self.training_type.name} return of {self.agency.name} for {self.period.label}"

    @property
    def percent(self) -> int | None:
        """compliant / eligible x 100, rounded half up to a whole number (None if nobody
        is eligible), as the board papers print it."""
        return percent_half_up(self.compliant, self.eligible)

    @property
    def meets_target(self) -> bool | None:
        """Whether the percentage as printed reaches the target (None if nobody is
        eligible): a paper that prints 85% against a target of 85% says it is met."""
        percent = self.percent
        return None if percent is None else percent >= self.target_percent


def get_return_for_user(user, pk, *, perm: str = "view") -> ComplianceReturn:
    """The only single-return fetch: 404 unless ``user`` may see it, 403 if they may see it
    but ``perm`` is "change" and they may not correct it."""
    queryset = ComplianceReturn.objects.select_related(
        "agency", "training_type", "period", "submitted_by", "updated_by"
    )
    if perm not in {"view", "change"}:
        raise ValueError(f"Unknown permission {perm!r}")
    obj = the_one(queryset.visible_to(user).filter(pk=pk))
    if obj is None:
        raise Http404("No such return")
    if perm == "change" and not ComplianceReturn.objects.editable_by(user).filter(pk=pk).exists():
        raise PermissionDenied
    return obj


# --- Council-wide registers: sessions and department coverage -----------------------------------
class RegisterQuerySet(models.QuerySet):
    """An area's records: seen by whoever holds the model-wide ``view`` permission in that
    area (rule 7)."""

    def visible_to(self, user):
        perm = f"training.view_{self.model._meta.model_name}"
        return self.filter(area_id__in=sorted(global_perm_area_ids(user, perm)))


def _get_register_entry(model, user, pk, perm: str, related: tuple[str, ...]):
    obj = the_one(model.objects.visible_to(user).select_related(*related).filter(pk=pk))
    if obj is None:
        raise Http404("No such record")
    if perm != "view" and obj.area_id not in global_perm_area_ids(
        user, f"training.{perm}_{model._meta.model_name}"
    ):
        raise PermissionDenied
    return obj


class DeliveryMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"


class TrainingSession(models.Model):
    """A session delivered: when, what, by whom, to whom, how many came, and how it went."""

    delivered_on = models.DateField("Date delivered")
    training_type = models.ForeignKey(TrainingType, on_delete=models.PROTECT, related_name="+")
    trainers = models.CharField("Trainer or trainers", max_length=300)
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", verbose_name="Partner agencies trained"
    )
    other_organisations = models.CharField(
        "Other organisations trained", max_length=300, blank=True
    )
    audience = models.CharField("Audience or department", max_length=300)
    attendees = models.PositiveIntegerField("Number of attendees")
    mode = models.CharField("How it was delivered", max_length=12, choices=DeliveryMode.choices)
    feedback = models.TextField(blank=True)
    area = area_field()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        indexes = [models.Index(fields=["delivered_on"])]

    def __str__(self):
        # No trainer or feedback: those name people and are masked in the audit log.
        return f"Training session {self.pk} on {self.delivered_on:%Y-%m-%d}"


def get_session_for_user(user, pk, *, perm: str = "view") -> TrainingSession:
    """One session: 404 unless ``user`` may see sessions, 403 unless ``perm`` is theirs."""
    return _get_register_entry(TrainingSession, user, pk, perm, ("training_type",))


class DepartmentCoverage(models.Model):
    """How far a department has got with a training type (seed 002 Table 5): staff who need
    it, staff trained and sessions delivered, as at a date."""

    department = models.CharField("Department or organisation", max_length=200)
    training_type = models.ForeignKey(TrainingType, on_delete=models.PROTECT, related_name="+")
    covers_from = models.DateField("Counted from", null=True, blank=True)
    as_at = models.DateField("As at")
    staff_requiring_training = models.PositiveIntegerField("Staff requiring training")
    staff_trained = models.PositiveIntegerField("Staff trained")
    sessions_delivered = models.PositiveIntegerField("Sessions delivered")
    area = area_field()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        ordering = ["-as_at", "department"]
        verbose_name_plural = "department coverage"
        constraints = [
            models.UniqueConstraint(
                Lower("department"),
                "training_type",
                "as_at",
                "area",
                name="department_coverage_one_per_department_type_date_area",
            ),
            models.CheckConstraint(
                condition=Q(staff_trained__lte=F("staff_requiring_training")),
                name="department_coverage_trained_not_above_requiring",
            ),
            models.CheckConstraint(
                condition=Q(covers_from__isnull=True) | Q(covers_from__lte=F("as_at")),
                name="department_coverage_counted_from_not_after_as_at",
            ),
        ]

    def __str__(self):
        return f"{self.training_type.name} coverage of {self.department} as at {self.as_at}"

    @property
    def percent(self) -> int | None:
        return percent_half_up(self.staff_trained, self.staff_requiring_training)


def get_coverage_for_user(user, pk, *, perm: str = "view") -> DepartmentCoverage:
    """One coverage entry: 404 unless ``user`` may see coverage, 403 unless ``perm`` is
    theirs."""
    return _get_register_entry(DepartmentCoverage, user, pk, perm, ("training_type",))
