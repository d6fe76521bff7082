"""Persons referred, their referrals, triage records and the taxonomies they use.

Protected records (Person, Referral and what hangs off a referral) are read only through
``visible_to(user)`` and ``get_<noun>_for_user``; see prevent_portal/accounts/access.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Upper
from django.http import Http404
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from prevent_portal.accounts.access import (
    ProtectedQuerySet,
    agency_ids_for,
    area_ids_for,
    get_object_for_user,
    has_global_perm,
    the_one,
    through_agencies_q,
)
from prevent_portal.accounts.models import Agency, GrantFields, LocalLookup, Lookup, Role, Sector
from prevent_portal.areas.models import area_field
from referrals.indexes import PrefixIndex, UpperPrefixIndex

ADULT_AGE = 18
# Home Office age bands (DOMAIN.md), as (label, lowest age, highest age).
AGE_BANDS = [
    ("10 or under", 0, 10),
    ("11-15", 11, 15),
    ("16-17", 16, 17),
    ("18-20", 18, 20),
    ("21-30", 21, 30),
    ("31-40", 31, 40),
    ("41-50", 41, 50),
    ("51+", 51, 200),
]


def age_on(date_of_birth: date | None, on: date) -> int | None:
    if date_of_birth is None:
        return None
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_band(age: int | None) -> str:
    if age is None:
        return "Not known"
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)


def age_group(age: int | None) -> str:
    if age is None:
        return "Not known"
    return "Adult" if age >= ADULT_AGE else "Young person"


# --- Taxonomies (lookup tables with effective dates, editable in the admin) --------------------
class ConcernType(Lookup):
    """Type of concern, Home Office statistics (2021/22 categories, and the older ones)."""


class Outcome(Lookup):
    """Triage outcome. The codes below drive the process; names and others are data."""

    NO_FURTHER_ACTION = "no-further-action"
    SIGNPOSTED = "signposted"
    POLICE_LED = "police-led"
    PASSED_TO_PANEL = "passed-to-panel"


class SignpostingService(LocalLookup):
    """Where a person is signposted (children's social care, mental health services ...).
    Local services differ by council: an area may add its own (``for_area``)."""


class GatewayResult(Lookup):
    """A result of the police gateway (de-confliction) check. Configuration: whether a
    result lets the referral be discussed by the Channel Panel is ``allows_panel``, which the
    Coordinator and the system administrator edit like the other lookups. The codes below
    are the ones seeded (migration ``0009``); a referral keeps its result's code."""

    PENDING = "pending"
    CLEARED = "cleared"
    POLICE_LED = "police_led"
    NOT_SUITABLE = "not_suitable"

    allows_panel = models.BooleanField(
        "Allows a Channel Panel discussion",
        default=False,
        help_text="A referral can be passed to the Channel Panel only with such a result.",
    )


class NeedsFlag(Lookup):
    """Vulnerability and needs flags: the mental-health flags the panel reports on."""

    MENTAL_HEALTH_CONCERN = "mental-health-concern"
    DIAGNOSED_MENTAL_ILLNESS = "diagnosed-mental-illness"
    KNOWN_TO_MENTAL_HEALTH_SERVICES = "known-to-mental-health-services"
    AUTISM = "autism"
    LEARNING_DIFFICULTY = "learning-difficulty"
    ADHD = "adhd"
    OTHER_NEURODIVERSITY = "other-neurodiversity"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Awareness(models.TextChoices):
    AWARE_CONSENTED = "consented", "Aware and consented to the referral"
    AWARE = "aware", "Aware, consent not given"
    NOT_AWARE = "not_aware", "Not aware"
    NOT_KNOWN = "not_known", "Not known"


# --- The person -------------------------------------------------------------------------------
class PersonQuerySet(ProtectedQuerySet):
    """A person is visible to whoever can see any of their referrals."""

    def visible_to(self, user):
        # Rule 8 on the person's own area too: the wall keys on it.
        return self.in_areas_of(user).filter(
            pk__in=Referral.objects.visible_to(user).values("person_id")
        )


class Person(models.Model):
    """The subject of one or more referrals. Personal data: every field is masked in audit."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.NOT_KNOWN)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    school_or_employer = models.CharField(max_length=200, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    # The council area whose record this is: a person known in two areas has two records,
    # and one area learns of the other's only through a logged request (issue 18).
    area = area_field()
    # Set when a confirmed repeat-referral match folds this record into an earlier one.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when retention deleted the personal data (referrals/services/retention.py): the
    # row stays, with gender only, so past statistics stay true.
    depersonalised_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The names in capitals, kept by the database: the name prefix search compares them with
    # a LEAKPROOF operator (^@), which PostgreSQL may take to an index behind the council-area
    # wall; UPPER(given_name) LIKE 'ABC%' may not (referrals/indexes.py, ADR 0011).
    given_name_upper = models.GeneratedField(
        expression=Upper("given_name"),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )
    family_name_upper = models.GeneratedField(
        expression=Upper("family_name"),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            # Repeat-referral matching's date-of-birth block (referrals/matching.py).
            models.Index(fields=["date_of_birth"], name="person_date_of_birth_idx"),
            # Name prefix search (name_starts_with): see referrals/indexes.py.
            PrefixIndex(fields=["family_name_upper"], name="person_family_upper_idx"),
            PrefixIndex(fields=["given_name_upper"], name="person_given_upper_idx"),
        ]

    def __str__(self):
        # Never a name: str() is stored unmasked as the audit log's object_repr.
        return f"Person {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def get_additional_data(self):
        """auditlog's hook: a change of details after intake says which fields changed and
        which chronology entries hold its reason (set by ``person_details_change``)."""
        return getattr(self, "_change_note", None)


class PersonAlias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "person aliases"
        indexes = [
            UpperPrefixIndex(Upper("family_name"), name="alias_family_upper_idx"),
            UpperPrefixIndex(Upper("given_name"), name="alias_given_upper_idx"),
        ]

    def __str__(self):
        return f"Alias {self.pk} of person {self.person_id}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


# --- The referral -----------------------------------------------------------------------------


def over_triage_target_q(today: date) -> models.Q:
    """Of open referrals, those that have waited more than TRIAGE_TARGET_DAYS on ``today``
    (``over_triage_target``'s rule, as a condition a count can filter by)."""
    return models.Q(received_on__lt=today - timedelta(days=settings.TRIAGE_TARGET_DAYS))


class ReferralQuerySet(ProtectedQuerySet):
    agency_field = "owning_agency"
    # The referrer sees what they referred while they are a referrer at the agency they
    # referred from, not after they leave it (security.md F11).
    owner_fields = {"referrer": (Role.REFERRER, "referring_agency")}

    def gateway_allows_panel(self):
        """Referrals whose police gateway result allows a Channel Panel discussion (the
        configurable ``GatewayResult.allows_panel``): the same rule as
        ``Referral.gateway_allows_panel()``."""
        return self.filter(
            gateway_outcome__in=GatewayResult.objects.filter(allows_panel=True).values("code")
        )

    @staticmethod
    def attach_gateway_results(referrals):
        """Fetch the gateway results of many referrals in one query (for pages and exports
        listing several: ``get_gateway_outcome_display`` then asks nothing more)."""
        referrals = list(referrals)
        results = GatewayResult.objects.in_bulk(
            {r.gateway_outcome for r in referrals}, field_name="code"
        )
        for referral in referrals:
            referral._gateway_result = results.get(referral.gateway_outcome)
        return referrals

    def ready_for_panel(self):
        """Referrals the Channel Panel may be offered: passed to it, not yet a case, and
        with a gateway result that allows a panel discussion (referrals/lifecycle.py)."""
        return self.gateway_allows_panel().filter(
            status=Referral.Status.PASSED_TO_PANEL, channel_case__isnull=True
        )

    def over_triage_target(self, today: date):
        """Open referrals (not yet decided) that have waited more than TRIAGE_TARGET_DAYS
        on ``today``: the triage queue's "Over the target" (``waiting=over``) and the home
        page's count, one rule."""
        return self.filter(status__in=Referral.OPEN_STATUSES).filter(over_triage_target_q(today))

    def visible_to(self, user):
        """Rules 1-5 of the access module, and never a de-personalised referral: once its
        personal data is deleted under the retention schedule it is a statistic only."""
        return super().visible_to(user).filter(depersonalised_at__isnull=True)

    def referred_by(self, user):
        """The referrals ``user`` made, while they are a referrer at the agency they referred
        from (rule 4 alone): what the referrer's own pages show, and only that."""
        from referrals.referrer import with_finished

        return with_finished(
            # Rule 8, per agency: a referral transferred to an area the agency referred from
            # does not serve is no longer theirs to follow (``transferred_away_from`` says
            # where it went), whatever role they hold there through another agency.
            self.in_areas_of(user).filter(
                through_agencies_q(user, [Role.REFERRER], "referring_agency"),
                referrer=user,
                depersonalised_at__isnull=True,
            )
        )


class Referral(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_TRIAGE = "in_triage", "In triage"
        AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
        PASSED_TO_PANEL = "passed_to_panel", "Passed to Channel Panel"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.RECEIVED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION)

    # The gateway results first seeded as ``GatewayResult`` rows (codes and names). The
    # results in force, and which allow a panel discussion, are that table's data.
    class Gateway(models.TextChoices):
        PENDING = "pending", "Not yet checked"
        CLEARED = "cleared", "No live investigation: can proceed"
        POLICE_LED = "police_led", "Live investigation: police-led"
        NOT_SUITABLE = "not_suitable", "Not suitable for Channel"

    # Set from the primary key straight after insert, in the same transaction. Imported
    # historical referrals keep the reference they had.
    reference = models.CharField(max_length=40, unique=True, null=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    # The council area that holds the referral (its Coordinator triages it); the person's.
    area = area_field()
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    referring_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    referring_sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="+")
    # Who referred, when not a registered agency (a member of the public, a GP practice...):
    # recorded by the Coordinator entering a referral made by phone, e-mail or letter.
    referring_organisation = models.CharField(max_length=200, blank=True)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        null=True,
        blank=True,
    )
    received_on = models.DateField()
    # Age at the date received, kept so queues and statistics filter without computing it.
    age_at_referral = models.PositiveSmallIntegerField(null=True, blank=True)
    concern_summary = models.TextField("Description of concern")
    concern_types = models.ManyToManyField(ConcernType, blank=True, related_name="referrals")
    needs_flags = models.ManyToManyField(NeedsFlag, blank=True, related_name="referrals")
    person_awareness = models.CharField(
        max_length=12, choices=Awareness.choices, default=Awareness.NOT_KNOWN
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
        null=True,
        blank=True,
    )
    # A ``GatewayResult`` code (no choices: the results are configuration data).
    gateway_outcome = models.CharField(max_length=60, default=Gateway.PENDING)
    gateway_checked_on = models.DateField(null=True, blank=True)
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    outcome_reason = models.TextField(blank=True)
    signposted_to = models.ForeignKey(
        SignpostingService, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    # Recorded for imported history; the Channel Panel app keeps them true for live cases.
    reached_panel = models.BooleanField(default=False)
    adopted = models.BooleanField(default=False)
    imported = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when retention deleted the personal data: the statistical columns stay.
    depersonalised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReferralQuerySet.as_manager()

    # Beyond sight, what an agency role may do to its own agency's referrals.
    AGENCY_ROLE_ACTIONS = {Role.SPOC: {"add_information"}}

    class Meta:
        ordering = ["-received_on", "-pk"]
        permissions = [
            ("share_referral", "Can share a referral with another agency or person"),
            ("add_information_referral", "Can add information to a referral"),
            ("triage_referral", "Can triage a referral"),
        ]
        indexes = [
            models.Index(fields=["owning_agency", "-received_on"]),
            models.Index(fields=["status", "received_on"]),
            # The triage queue (open referrals, oldest first): a small index of the open
            # ones in queue order. Without it the planner walked received_on through every
            # closed referral (265 ms at a million). The literal is OPEN_STATUSES (a class
            # attribute cannot be named inside Meta); a test checks they agree.
            models.Index(
                fields=["received_on", "id"],
                condition=models.Q(status__in=["received", "in_triage", "awaiting_information"]),
                name="referral_open_queue_idx",
            ),
            models.Index(fields=["referrer", "-received_on"]),
            models.Index(fields=["received_on"]),
            # An area's referrals received in a period, de-personalised ones included: the
            # statistics and the dashboard's period figures. Without it PostgreSQL combined
            # the area index with the region's received_on range (26,882 rows for 345 at
            # scale 1): 3.6-7.4 ms more of each statistics page.
            models.Index(fields=["area", "received_on"], name="referral_area_received_idx"),
            # An agency's referrals in the areas it serves: the first branch of every agency
            # member's scope (access rule 3 within rule 8). Without it PostgreSQL combined the
            # agency index with the area's, reading every referral of the area (33,861 index
            # entries for a SPOC's 546 in the search benchmark's million: 2.9 -> 0.2 ms).
            models.Index(fields=["owning_agency", "area"], name="referral_agency_area_idx"),
            # An area's list in the list's order (a Coordinator's referral list): the first
            # page is the first 25 entries, whatever other areas hold, and the page count an
            # index-only scan. Only the rows a list can show (``visible_to`` never shows a
            # de-personalised referral).
            models.Index(
                fields=["area", "-received_on", "-id"],
                condition=models.Q(depersonalised_at__isnull=True),
                name="referral_area_list_idx",
            ),
        ]

    def __str__(self):
        return self.reference or f"Referral {self.pk}"

    @property
    def age_group(self) -> str:
        return age_group(self.age_at_referral)

    @property
    def age_band(self) -> str:
        return age_band(self.age_at_referral)

    def days_waiting(self, today: date | None = None) -> int:
        end = self.decided_on or today or timezone.localdate()
        return (end - self.received_on).days

    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def gateway_result(self) -> GatewayResult | None:
        cached = getattr(self, "_gateway_result", None)
        if cached is None or cached.code != self.gateway_outcome:
            cached = GatewayResult.objects.filter(code=self.gateway_outcome).first()
            self._gateway_result = cached
        return cached

    def get_gateway_outcome_display(self) -> str:
        result = self.gateway_result
        return result.name if result else self.gateway_outcome

    def gateway_allows_panel(self) -> bool:
        """True when the police gateway result allows a Channel Panel discussion
        (``GatewayResult.allows_panel``, configuration data)."""
        result = self.gateway_result
        return bool(result and result.allows_panel)

    @property
    def referring_name(self) -> str:
        """The referring organisation as a user reads it."""
        if self.referring_organisation:
            return self.referring_organisation
        return self.referring_agency.name if self.referring_agency_id else ""

    def status_for_referrer(self) -> str:
        """The status in the words a referrer is told: received, being looked at or closed;
        never the decision, the gateway or where it went (they are not the referrer's)."""
        if self.status == self.Status.RECEIVED:
            return "Received"
        if self.status == self.Status.CLOSED or self.work_finished:
            return "Closed"
        return "Being looked at"

    @property
    def work_finished(self) -> bool:
        """Closed, or finished as another app registers it (referrals/referrer.py): read
        from the ``referred_by`` annotation, else asked of the database."""
        if "work_finished" not in self.__dict__:
            from referrals.referrer import finished_q

            self.__dict__["work_finished"] = (
                type(self).objects.filter(pk=self.pk).filter(finished_q()).exists()
            )
        return self.__dict__["work_finished"]

    @work_finished.setter
    def work_finished(self, value: bool) -> None:
        self.__dict__["work_finished"] = value


class ReferralUserGrant(GrantFields, UserObjectPermissionBase):
    content_object = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ReferralGroupGrant(GrantFields, GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


# --- What hangs off a referral (visible with it) -------------------------------------------
class OnVisibleReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))


class ChronologyEntry(models.Model):
    """One step in a referral's history. Append-only (a database trigger on PostgreSQL):
    a correction is a new entry pointing at the one it corrects."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Referral received"
        NOTE = "note", "Note"
        ASSIGNED = "assigned", "Officer assigned"
        INFORMATION_REQUESTED = "information_requested", "Information requested"
        INFORMATION_ADDED = "information_added", "Information added"
        GATEWAY = "gateway", "Police gateway check"
        MATCH = "match", "Earlier referral check"
        OUTCOME = "outcome", "Triage outcome"
        SHARED = "shared", "Shared"
        SHARE_WITHDRAWN = "share_withdrawn", "Share withdrawn"
        CORRECTION = "correction", "Correction"
        # Written by the Channel Panel app: a case's chronology is its referral's.
        PANEL_AGENDA = "panel_agenda", "Put on a panel agenda"
        PANEL_DECISION = "panel_decision", "Panel decision"
        CASE_ADOPTED = "case_adopted", "Adopted as a Channel case"
        CONSENT = "consent", "Consent"
        NEEDS_FLAGS = "needs_flags", "Vulnerability and needs flags"
        SUPPORT_PLAN = "support_plan", "Support plan"
        CONTACT = "contact", "Contact"
        CASE_NOTE = "case_note", "Case note"
        EXIT = "exit", "Exit from Channel"
        OWNERSHIP = "ownership", "Ownership returned"
        POST_EXIT_REVIEW = "post_exit_review", "Post-exit review"
        # The person's details changed after intake (referrals/services/persons.py).
        PERSON_DETAILS = "person_details", "Person's details changed"
        # Moved here from another council area (referrals/services/transfers.py).
        TRANSFERRED = "transferred", "Transferred from another area"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="chronology")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = OnVisibleReferralQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "chronology entries"

    def __str__(self):
        return f"Chronology entry {self.pk}"


# How long after its due date an open information request stays open to the agency asked:
# after that it has expired and the agency no longer sees it.
INFORMATION_REQUEST_GRACE_DAYS = 7


class InformationRequestQuerySet(models.QuerySet):
    def asked_of(self, user):
        """Open requests addressed to an agency where ``user`` is an SPOC, from the day they
        are sent until INFORMATION_REQUEST_GRACE_DAYS after they are due: what the agency
        asked sees (security.md F9). The request is the record they see, not the referral:
        asking them grants nothing on the referral. Withdrawing, answering or expiring a
        request ends their sight of it at once."""
        agencies = agency_ids_for(user, [Role.SPOC])
        if not agencies:
            return self.none()
        earliest_due = timezone.localdate() - timedelta(days=INFORMATION_REQUEST_GRACE_DAYS)
        return self.filter(
            # Asked of an agency serving the referral's area now (rule 8 per agency).
            through_agencies_q(user, [Role.SPOC], "agency", "referral__area"),
            status=InformationRequest.Status.OPEN,
            due_on__gte=earliest_due,
            referral__depersonalised_at__isnull=True,
        )

    def overdue(self, today: date):
        """Open requests past their due date and not yet expired on ``today``: the requests
        the reminder ``referrals.information_requests_overdue`` chases (lifecycle step
        "chase": overdue, not expired), and the home page counts."""
        return self.filter(
            status=InformationRequest.Status.OPEN,
            due_on__lt=today,
            due_on__gte=today - timedelta(days=INFORMATION_REQUEST_GRACE_DAYS),
        )

    def visible_to(self, user):
        """Requests on a referral ``user`` sees (the Coordinator, the owning agency), and the
        open requests asked of the user's agency (``asked_of``), and nothing else."""
        on_visible = self.filter(referral__in=Referral.objects.visible_to(user).values("pk"))
        return self.filter(
            models.Q(pk__in=on_visible.values("pk"))
            | models.Q(pk__in=self.asked_of(user).values("pk"))
        )


class InformationRequest(models.Model):
    """The Coordinator asks a partner agency what it knows; its SPOC answers. The partner
    sees the request (its question and enough to find the person), never the referral.
    Its states and steps are in referrals/lifecycle.py."""

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting a response"
        ANSWERED = "answered", "Answered"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired unanswered"

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="information_requests"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by the Coordinator, with why (or closed unanswered by the expiry sweep).
    closed_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = InformationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self):
        return f"Information request {self.pk}"

    @property
    def expires_on(self) -> date:
        """The last day the agency asked can see and answer the request."""
        return self.due_on + timedelta(days=INFORMATION_REQUEST_GRACE_DAYS)


class RepeatMatch(models.Model):
    """A possible earlier referral of the same person, found at triage, with its score and
    reasons, until the Coordinator confirms or rejects it."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not yet decided"
        CONFIRMED = "confirmed", "Same person"
        REJECTED = "rejected", "Not the same person"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="matches")
    candidate = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = OnVisibleReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "candidate"], name="one_match_per_pair")
        ]

    def __str__(self):
        return f"Repeat match {self.pk}"


# --- Known in another area: the request-and-share flow (issue 18) --------------------------
class CrossAreaRequestQuerySet(models.QuerySet):
    """A request from one council area's Coordinators to another's. Rule: it is seen by the
    Coordinators of the area that sent it and of the area asked, and by nobody else. What
    each side sees of it is narrower still (referrals/services/area_requests.py)."""

    def sent_by_areas_of(self, user):
        """Requests sent from an area where ``user`` is a Coordinator."""
        areas = area_ids_for(user, [Role.COORDINATOR])
        return self.filter(requesting_area__in=sorted(areas)) if areas else self.none()

    def held_by_areas_of(self, user):
        """Requests asked of an area where ``user`` is a Coordinator."""
        areas = area_ids_for(user, [Role.COORDINATOR])
        return self.filter(holding_area__in=sorted(areas)) if areas else self.none()

    def visible_to(self, user):
        return self.filter(
            models.Q(pk__in=self.sent_by_areas_of(user).values("pk"))
            | models.Q(pk__in=self.held_by_areas_of(user).values("pk"))
        )


class CrossAreaRequest(models.Model):
    """The receiving area's Coordinator asks the Coordinators of an area where the person on a
    referral is known for information. The area asked replies by declining (with a reason) or
    by sharing a summary it writes; it never opens its record. Its states and steps are in
    referrals/lifecycle.py (``CROSS_AREA_REQUEST_LIFECYCLE``).

    A record two areas share: the row-level security wall lets it through to either of
    ``AREA_FIELDS`` (prevent_portal/areas/rls.py). Which persons of the area asked matched is
    kept apart, in ``CrossAreaRequestMatch``, a record of that area alone."""

    AREA_FIELDS = ("requesting_area", "holding_area")

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting a reply"
        SHARED = "shared", "Summary shared"
        DECLINED = "declined", "Declined"

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="cross_area_requests"
    )
    requesting_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    holding_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # The summary shared, or why the request was declined: what the area asked chose to write.
    reply = models.TextField(blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CrossAreaRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["holding_area", "status"]),
            models.Index(fields=["requesting_area", "status"]),
        ]

    def __str__(self):
        return f"Cross-area request {self.pk}"


class CrossAreaRequestMatch(models.Model):
    """One person of the area asked whom the request's person matched, and how well: what
    that area's Coordinators look at to reply. A record of the area asked alone (its
    ``area``), so the wall keeps it from the area that asked."""

    request = models.ForeignKey(CrossAreaRequest, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    area = area_field()

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="one_area_match_per_person")
        ]

    def __str__(self):
        return f"Cross-area request match {self.pk}"


class AreaMatchCheck(models.Model):
    """The remembered result of a referral's search of the other council areas
    (referrals/area_matching.py): the search runs once per referral, and again only when the
    person's identifying details (``details_digest``) change, so the access entries it
    writes on the matched records say that a search happened, not that a page was opened.

    Holds what the page may show and nothing more: for each area where the person is known,
    its id and the best score (shown as a band); never the other area's person. A record of
    the referral's area, behind its wall."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="area_match_check"
    )
    area = area_field()
    # SHA-256 of what matching looks at (the names, aliases, date of birth, postcode) and of
    # the person's area: another value means the search is out of date.
    details_digest = models.CharField(max_length=64)
    # [[area id, best score], ...], best area first.
    found = models.JSONField(default=list)
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self):
        return f"Other areas checked for referral {self.referral_id}"


class ReferralDraft(models.Model):
    """A referral being written: one per referrer at a time, kept across sign-out, seen by
    nobody but its author."""

    author = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_draft"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"Referral draft {self.pk}"


def get_referral_for_user(user, pk, *, perm: str = "view") -> Referral:
    """The only single-referral fetch: 404 unless visible, 403 unless ``perm`` is allowed."""
    queryset = Referral.objects.select_related(
        "person",
        "owning_agency",
        "referring_agency",
        "referring_sector",
        "outcome",
        "signposted_to",
        "assigned_officer",
        "referrer",
    )
    return get_object_for_user(queryset, user, pk, perm=perm)


def get_referred_by_user(user, pk) -> Referral:
    """The referrer's fetch of a referral they made (``referred_by``): 404 for anyone else,
    the Coordinator included, and for a referrer who has left the agency."""
    referral = Referral.objects.referred_by(user).filter(pk=pk).first()
    if referral is None:
        raise Http404("No such referral")
    return referral


def get_asked_request_for_user(user, pk) -> InformationRequest:
    """The only fetch of a request by the agency asked: 404 unless it is open and asked of
    an agency where ``user`` is an SPOC (``asked_of``)."""
    request = (
        InformationRequest.objects.asked_of(user)
        .select_related("agency", "referral__person")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such request")
    return request


def get_person_for_user(user, pk, *, perm: str = "view") -> Person:
    """The only single-person fetch: 404 unless one of their referrals is visible to
    ``user``; for any ``perm`` but "view", 403 unless ``user`` holds it model-wide (a person
    has no owning agency and no grants of their own: only the Coordinator changes one)."""
    person = the_one(Person.objects.visible_to(user).filter(pk=pk))
    if person is None:
        raise Http404("No such record")
    if perm != "view" and not has_global_perm(user, f"referrals.{perm}_person"):
        raise PermissionDenied
    return person


def case_work_referrals(user) -> ReferralQuerySet:
    """The referrals ``user`` sees for case work: ``visible_to(user)`` without those they
    see only because they referred them. A referrer is told the status of what they
    referred (``referred_by``), never its chronology or decisions, so a person's page
    must not gather those referrals either. Model-wide sight (the Coordinator) keeps all."""
    visible = Referral.objects.visible_to(user)
    if has_global_perm(user, "referrals.view_referral"):
        return visible
    case_agencies = sorted(agency_ids_for(user))
    return visible.exclude(models.Q(referrer=user) & ~models.Q(owning_agency__in=case_agencies))


# --- Retention (UK GDPR Art. 5(1)(e)); the rules of it are in referrals/retention.py ---------
class RetentionRuleQuerySet(models.QuerySet):
    def in_force(self, area_id: int | None) -> list[RetentionRule]:
        """The rules in force in council area ``area_id``: every shared rule, replaced by the
        area's own override of it where the area has one (issue 18: shared by default,
        overridden per area). One query, in display order."""
        rules: dict[str, RetentionRule] = {}
        shared_or_own = models.Q(for_area__isnull=True) | models.Q(for_area_id=area_id)
        for rule in self.filter(shared_or_own):
            if rule.code not in rules or rule.for_area_id is not None:
                rules[rule.code] = rule
        return sorted(rules.values(), key=lambda r: (r.order, r.name, r.code))

    def by_area(self) -> tuple[dict[str, RetentionRule], dict[int, dict[str, RetentionRule]]]:
        """Every rule at once: the shared rules by code, and each area's overrides by area and
        code (the retention sweep, over every area, in one query)."""
        shared: dict[str, RetentionRule] = {}
        overrides: dict[int, dict[str, RetentionRule]] = {}
        for rule in self.all():
            if rule.for_area_id is None:
                shared[rule.code] = rule
            else:
                overrides.setdefault(rule.for_area_id, {})[rule.code] = rule
        return shared, overrides


class RetentionRule(models.Model):
    """How long a closed record is kept, by how it closed: ``code`` is a triage outcome's code
    (no further action, signposted, police-led …) or one of the closures the apps standing on
    referrals register ("not-adopted", "channel-case-closed"); "other" is the fallback.
    Configuration: the Coordinator edits it on a page, the system administrator in the admin.

    Council areas (issue 18): a rule with no ``for_area`` is shared by every area; a row for
    the same code naming an area overrides it there (``in_force``). In a deployment of
    several areas a Coordinator's change makes or changes their area's override; the shared
    rule is the system administrator's to change, in the admin. A single-council deployment
    has only shared rules, and its Coordinator changes them as before."""

    OTHER = "other"

    code = models.SlugField(max_length=60)
    # Not named ``area``: a shared rule has none, and it is configuration every area reads,
    # not an area's record behind the row-level security wall (ADR 0011).
    for_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Council area",
        help_text="Empty: the rule every area shares. An area's own rule overrides it there.",
    )
    name = models.CharField(max_length=200)
    years = models.PositiveSmallIntegerField(
        "Years kept after closure",
        help_text="Counted from the day the record closed.",
    )
    young_person_until_age = models.PositiveSmallIntegerField(
        "Young people: keep until at least this birthday",
        null=True,
        blank=True,
        help_text="For someone under 18 when referred. Leave empty for no minimum age.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    objects = RetentionRuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(for_area__isnull=True),
                name="retention_rule_one_shared_per_code",
            ),
            models.UniqueConstraint(
                fields=["code", "for_area"],
                condition=models.Q(for_area__isnull=False),
                name="retention_rule_one_override_per_area_and_code",
            ),
        ]

    def __str__(self):
        return self.name


class RetentionReview(models.Model):
    """One person's records past their retention date, waiting for the Coordinator: approve
    deletion or apply a legal hold. One row per person, ever (the sweep is idempotent)."""

    class Status(models.TextChoices):
        DUE = "due", "Due for review"
        HELD = "held", "Legal hold"
        DELETED = "deleted", "Personal data deleted"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="retention_review")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    # The rule that gives the latest retention date among the person's records.
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField()
    due_on = models.DateField()
    queued_on = models.DateField()
    hold_reason = models.TextField(blank=True)
    hold_review_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        # Never a name: the review is in the audit log, and outlives the person's data.
        return f"Retention review {self.pk}"

    def get_additional_data(self):
        """auditlog's hook: the deletion certificate rides on the entry that records the
        status becoming "deleted" (set by ``retention_delete`` just before that save)."""
        certificate = getattr(self, "_certificate", None)
        return {"deletion_certificate": certificate} if certificate else None


# Transfer between council areas (issue 18): the models live in their own module.
from referrals.transfer_models import AreaTransfer, TransferTrace  # noqa: E402, F401
