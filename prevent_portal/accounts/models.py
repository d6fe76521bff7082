"""People and agencies: the user model, partner agencies, sectors and role memberships."""

import re
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_otp.models import Device

from prevent_portal.areas.models import Area


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Prevent Coordinator"
    PANEL_CHAIR = "panel_chair", "Channel Panel chair"
    PANEL_MEMBER = "panel_member", "Panel member"
    SPOC = "spoc", "Agency single point of contact"
    REFERRER = "referrer", "Referrer"
    MANAGER = "manager", "Manager (aggregates only)"
    # Issue 18: a regional lead (Counter Terrorism Policing's, say) sees suppressed aggregates
    # of every area their agency serves, side by side, and no record of anyone.
    REGIONAL_LEAD = "regional_lead", "Regional lead (aggregates across areas only)"
    SYSADMIN = "sysadmin", "System administrator"


# Roles whose holders see every case owned by their agency. A referrer sees only what they
# referred; a manager sees aggregates only; a system administrator sees no case content.
AGENCY_CASE_ROLES = frozenset({Role.COORDINATOR, Role.PANEL_CHAIR, Role.PANEL_MEMBER, Role.SPOC})
# Roles that open case records at all (a referrer sees what they referred). The system
# administrator may hold none of them (separation of duties: accounts.E002), and their
# credentials are changed only with a Coordinator's approval.
CASE_ROLES = AGENCY_CASE_ROLES | {Role.REFERRER}
# Roles given only with a second system administrator's approval as well as a Coordinator's:
# the Coordinator's and the administrator's (neither may make one alone), and the regional
# lead's, whose figures reach beyond the area of any one Coordinator who approves it.
SECOND_ADMINISTRATOR_ROLES = frozenset({Role.COORDINATOR, Role.SYSADMIN, Role.REGIONAL_LEAD})


class LookupQuerySet(models.QuerySet):
    def current(self, on=None):
        """Entries in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(effective_from__lte=on) | Q(effective_from__isnull=True)).filter(
            Q(effective_to__gte=on) | Q(effective_to__isnull=True)
        )


class Lookup(models.Model):
    """A taxonomy entry with effective dates, so old records keep their old category."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)

    objects = LookupQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class LocalLookupQuerySet(LookupQuerySet):
    def offered_in(self, area_id: int | None, on=None):
        """Entries offered for a record of council area ``area_id``: those in force (``current``)
        that every area shares, and the area's own. Another area's own entries are never
        offered (issue 18: lookups are shared by default and can be added to per area)."""
        return self.current(on).filter(Q(for_area__isnull=True) | Q(for_area_id=area_id))


class LocalLookup(Lookup):
    """A lookup of local services, which differ from council to council (where people are
    signposted, the Intervention Providers): besides the shared entries, an area may have
    its own, offered only for that area's records. The national taxonomies the Home Office
    statistics count stay plain ``Lookup``s, the same in every area (ADR 0012)."""

    # Not named ``area``: a shared entry has none, and it is configuration every area reads,
    # not an area's record behind the row-level security wall (ADR 0011), as with
    # ``RetentionRule.for_area``.
    for_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Council area",
        help_text="Empty: offered in every area. An area's own entry is offered only there.",
    )

    objects = LocalLookupQuerySet.as_manager()

    class Meta(Lookup.Meta):
        abstract = True

    def is_offered_in(self, area_id: int | None) -> bool:
        """Whether a record of council area ``area_id`` may name this entry (shared, or the
        area's own); the services check it again behind the forms."""
        return self.for_area_id is None or self.for_area_id == area_id


def require_offered_in(entry: LocalLookup | None, area_id: int | None) -> None:
    """Refuse (ValueError, shown as a GOV.UK error) a record of council area ``area_id`` naming
    another area's own entry: the forms offer only ``offered_in``, and every service that
    stores a local lookup on a record checks again here, whatever posted it."""
    if entry is not None and not entry.is_offered_in(area_id):
        raise ValueError(f"{entry.name} is not offered in this council area: choose from the list")


class Sector(Lookup):
    """Referral sector (Home Office statistics): Education, Police, Health ..."""


class AgencyEnded(ValueError):
    """New work was attributed to a body after the day it ended."""


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_code = models.SlugField(max_length=30, unique=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="agencies")
    is_core_panel_member = models.BooleanField("Core Channel Panel member", default=False)
    is_active = models.BooleanField(default=True)
    # The council areas the agency serves. A council's own agency serves its one area, and
    # the council roles held there (Coordinator, chair, manager) are roles in that area; a
    # partner (a mental health trust, the police) may serve several, and its SPOCs see its
    # cases in each (prevent_portal/areas/models.py).
    areas = models.ManyToManyField(Area, related_name="agencies", blank=True)
    # Members of this group receive what is shared with the agency (guardian group grants).
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="agency", editable=False
    )
    # Bodies are renamed, merged and abolished (CCGs became ICBs on 1 July 2022). The old
    # body stays, so its past figures and cases stay attributed to it; from the day after
    # ``ended_on`` no new work can be attributed to it (accounts.services.agency_require_open).
    ended_on = models.DateField(
        "Last day it existed",
        null=True,
        blank=True,
        help_text="Leave empty while the body exists. Its past records keep its name.",
    )
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        help_text="The body that took over its work, if any; empty means it was abolished.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(ended_on__isnull=False),
                name="agency_replaced_only_once_ended",
            ),
            models.CheckConstraint(
                condition=~Q(replaced_by=models.F("pk")), name="agency_not_replaced_by_itself"
            ),
        ]

    def __str__(self):
        return self.name

    def has_ended(self, on=None) -> bool:
        """True once the body no longer exists on ``on`` (today by default)."""
        return self.ended_on is not None and self.ended_on < (on or timezone.localdate())

    @property
    def ended_note(self) -> str:
        """What became of an ended body, as lists print it after its name: "became X in
        July 2022" or "abolished"; empty while it exists. Reads ``replaced_by``: select it
        with the agency where many are listed."""
        if not self.has_ended():
            return ""
        if self.replaced_by_id is None:
            return "abolished"
        successor_from = self.ended_on + timedelta(days=1)
        return f"became {self.replaced_by.name} in {successor_from:%B %Y}"

    def require_open(self, on=None, *, what: str = "work") -> None:
        """Refuse new ``what`` attributed to the body on a day after it ended, naming the
        body that took over (services call this before they record anything)."""
        on = on or timezone.localdate()
        if not self.has_ended(on):
            return
        instead = (
            f"; record it under {self.replaced_by.name}" if self.replaced_by_id is not None else ""
        )
        raise AgencyEnded(
            f"{self.name} no longer existed on {on:%-d %B %Y} ({self.ended_note}): "
            f"no new {what} can be recorded for it{instead}"
        )

    @property
    def label(self) -> str:
        """The name, with what became of the body once it has ended."""
        note = self.ended_note
        return f"{self.name} ({note})" if note else self.name


class DisabledReason(models.TextChoices):
    DEACTIVATED = "deactivated", "Deactivated"
    INACTIVITY = "inactivity", "Disabled for inactivity"


# Plain ASCII only: a Coordinator approves a role for the account the username names, so no
# username may look like another's (a Cyrillic "а", full-width letters, a Unicode hyphen).
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9.@+_-]+")


class User(AbstractUser):
    """A person who signs in. Deactivated, never deleted: the audit log points at them."""

    job_title = models.CharField(max_length=200, blank=True)
    is_service_account = models.BooleanField(
        default=False, help_text="Records the actor of commands and background tasks."
    )
    # Why the account was switched off, and when it was last switched off or on: switching
    # it on again restarts the inactivity clock (the history is in the audit log).
    disabled_reason = models.CharField(
        max_length=20, choices=DisabledReason.choices, blank=True, editable=False
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic locking for the administrator's "Change details" form
    # (prevent_portal/core/concurrency.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.username

    def clean(self):
        # Every form that makes or renames an account (and any full_clean in a shell) runs
        # this: a Coordinator approves roles for the account a username names, so none may
        # look like another's (review 3).
        super().clean()
        if not USERNAME_PATTERN.fullmatch(self.username or ""):
            raise ValidationError(
                {"username": "Use only letters, numbers and . @ + - _ in the username"}
            )

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Users are deactivated, never deleted.")

    @property
    def status(self) -> str:
        """Active, deactivated, or disabled for inactivity (as the account review shows it)."""
        if self.is_active:
            return "Active"
        return DisabledReason(self.disabled_reason or DisabledReason.DEACTIVATED).label

    @property
    def last_used(self):
        """The last sign-in, or when the account was made or last switched on if later."""
        return max(t for t in (self.last_login, self.date_joined, self.status_changed_at) if t)


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Memberships that give their role now: not ended, approved, at an active agency. A
        membership waiting for approval gives nothing."""
        return self.filter(
            is_active=True, status=Membership.Status.APPROVED, agency__is_active=True
        )

    def held(self):
        """Memberships given or waiting for approval (for separation-of-duties rules)."""
        return self.filter(is_active=True).exclude(status=Membership.Status.REFUSED)

    def in_areas(self, area_ids):
        """Memberships at an agency serving any of the council areas ``area_ids``: a role is
        held in the areas its agency serves (access rule 7). Whoever is addressed about an
        area's record is chosen through this (prevent_portal/accounts/addressees.py)."""
        return self.filter(agency__areas__in=sorted(set(area_ids)))


class Membership(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Pending by default: a membership made anywhere but through the approval services
    # (the admin, a shell) gives no sight until a second person approves it.
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_per_agency"
            )
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self):
        return f"{self.get_role_display()} at {self.agency}"

    @property
    def is_live(self) -> bool:
        return self.is_active and self.status == self.Status.APPROVED


class AccountChangeRequest(models.Model):
    """A change to who someone is or what they may see, waiting for a second person.

    A role takes effect, and a case-role account's password, authenticator or council sign-in
    changes, only once the people ``roles_needed`` names have approved it: never the person
    who asked, never the account's holder (prevent_portal/accounts/approvals.py).
    """

    class Kind(models.TextChoices):
        ROLE = "role", "Give a role"
        PASSWORD = "password", "Set a new password"
        AUTHENTICATOR = "authenticator", "Reset the authenticator app"
        IDENTITY = "identity", "Link a council sign-in"
        EMAIL = "email", "Change the e-mail address"
        REACTIVATE = "reactivate", "Switch the account on again"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved and done"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    subject = models.ForeignKey(User, on_delete=models.PROTECT, related_name="change_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    tenant_id = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The new e-mail address: where set-up links go, so it is a sign-in detail too.
    email = models.EmailField(blank=True)
    # The new password, hashed as the account would keep it (never written to the audit log).
    password_hash = models.CharField(max_length=128, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self):
        return f"account change request #{self.pk}"

    @property
    def description(self) -> str:
        if self.kind == self.Kind.ROLE and self.membership_id:
            return f"Give the role {self.membership}"
        return self.get_kind_display()

    def roles_needed(self) -> set[str]:
        """Every change needs a Coordinator; the Coordinator, system administrator and
        regional lead roles also need a second system administrator, so neither can make a
        Coordinator alone, no administrator can make another administrator of their own to
        be that second one, and no one council's Coordinator alone opens the figures of the
        other areas a regional lead sees."""
        needed = {Role.COORDINATOR}
        if self.kind == self.Kind.ROLE and self.membership.role in SECOND_ADMINISTRATOR_ROLES:
            needed.add(Role.SYSADMIN)
        return needed

    def roles_missing(self) -> set[str]:
        done = {a.as_role for a in self.approvals.all()}
        return self.roles_needed() - done


class AccountChangeApproval(models.Model):
    """One person's approval of an account change, in one of the roles it needs."""

    request = models.ForeignKey(
        AccountChangeRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    as_role = models.CharField(max_length=20, choices=Role.choices)
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "approver"], name="approval_one_per_person"),
            models.UniqueConstraint(fields=["request", "as_role"], name="approval_one_per_role"),
        ]

    def __str__(self):
        return f"approval #{self.pk}"


class GrantFields(models.Model):
    """What every explicit share records beside guardian's user/group, permission and object."""

    reason = models.TextField()
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    granted_at = models.DateTimeField(default=timezone.now)
    # A grant may open later than it is made (a panel pack opens days before its meeting).
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"grant #{self.pk}"

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        started = self.starts_at is None or self.starts_at <= now
        return started and (self.expires_at is None or self.expires_at > now)


class ExternalIdentity(Device):
    """A council account in Microsoft Entra ID linked to a user: tenant id (``tid``) and object
    id (``oid``) from the signed ID token. Single sign-on matches on these two claims only,
    never on e-mail. Set by the system administrator (admin or ``link_sso_identity``).

    It is a django-otp device so that a single sign-on, where Entra has already asked for the
    second factor, marks the session verified the same way an authenticator code does; it
    never accepts a typed code.
    """

    name = models.CharField(max_length=64, default="Council account", editable=False)
    tenant_id = models.CharField("Tenant ID (tid)", max_length=64)
    object_id = models.CharField("Object ID (oid)", max_length=64)

    class Meta:
        verbose_name = "council sign-in identity"
        verbose_name_plural = "council sign-in identities"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "object_id"], name="external_identity_unique_tid_oid"
            )
        ]

    def __str__(self):
        return f"council sign-in identity #{self.pk}"

    def verify_token(self, token):
        return False


class EnrolmentLink(models.Model):
    """A one-time link that lets its user set up an authenticator app (ENROLMENT_LINK_HOURS).

    Without one, a password alone cannot enrol a new device: whoever learnt the password of an
    account with no authenticator would otherwise choose its second factor. Only the hash of
    the token is kept; the token itself goes to the user's e-mail address once.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"authenticator set-up link #{self.pk}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class SignInEvent(models.Model):
    """A completed sign-in (both factors, or council single sign-on): what "your recent
    sign-ins" lists, so a person can spot one that was not them."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="sign_ins")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=30)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"sign-in #{self.pk}"


class UserSession(models.Model):
    """The server-side sessions a person has open, so they (and deactivation) can end them
    without decoding every session in the database."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"session #{self.pk}"


class AccountRequest(models.Model):
    """A SPOC's request for an account for a colleague in their own agency. The system
    administrator makes the account (roles then wait for approval as any other) or declines
    it with a reason; the SPOC sees the outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the system administrator"
        MADE = "made", "Account made"
        DECLINED = "declined", "Declined"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField()
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    account = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "agency"])]

    def __str__(self):
        return f"account request #{self.pk}"


class AccessReviewAnswer(models.Model):
    """The quarterly access review: an agency's SPOC answers, for one role held at their
    agency in one quarter, whether the person still needs it. A "no" waits for the system
    administrator to end the role; the answer and the action are both recorded."""

    class Answer(models.TextChoices):
        KEEP = "keep", "Still needs this role"
        REMOVE = "remove", "No longer needs this role"

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="review_answers"
    )
    quarter = models.CharField(max_length=7)  # "2026-Q4"
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.TextField(max_length=2000, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)
    acted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "quarter"], name="access_review_one_answer_per_quarter"
            )
        ]

    def __str__(self):
        return f"access review answer #{self.pk}"


class PasswordResetAttempt(models.Model):
    """A "forgot your password?" request, kept (as hashes) to limit them per address and per
    e-mail across every web process; pruned after a day."""

    email_hash = models.CharField(max_length=64, db_index=True)
    ip_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"password reset attempt #{self.pk}"
