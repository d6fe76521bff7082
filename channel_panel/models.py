"""The Channel Panel: meetings, their agendas and decisions, and the Channel cases they adopt.

Protected records (ChannelCase and what hangs off it) are read only through
``visible_to(user)`` and ``get_<noun>_for_user``; see prevent_portal/accounts/access.py.
A case is seen by its lead agency's case-role members (its case manager among them), the Coordinator
(model-wide permission) and live grants: explicit shares, and the time-limited panel-pack
grants each meeting gives its invitees for the cases on its agenda (``channel_panel.pack``).
Meetings hold no personal data beyond staff names; agenda items are shown in full only to
those who may see their referral or case.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from prevent_portal.accounts.access import ProtectedQuerySet, get_object_for_user
from prevent_portal.accounts.models import Agency, GrantFields, LocalLookup, Lookup, Role
from prevent_portal.areas.models import area_field
from referrals.models import ADULT_AGE, NeedsFlag, Referral, SignpostingService, age_on


# --- Lookups (configurable, effective-dated) -------------------------------------------------
class SupportType(Lookup):
    """Type of support-plan action: ideological mentoring, education or training, health or
    mental health, housing, family support ..."""


class InterventionProvider(LocalLookup):
    """A Home Office-approved Intervention Provider (a mentor or their organisation). The
    providers working in one council area may be that area's own (``for_area``)."""


class ExitReason(Lookup):
    """Why a case left Channel (risk reduced, ownership returned, consent withdrawn ...)."""

    # Codes the case lifecycle reads (channel_panel/lifecycle.py): each carries a rule.
    OWNERSHIP_RETURNED = "ownership-returned"
    CONSENT_REFUSED = "consent-refused"
    CONSENT_WITHDRAWN = "consent-withdrawn"


# --- Meetings ---------------------------------------------------------------------------------
class PanelMeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Meetings ``user`` may hear of: every meeting of the areas where they hold one of
        the panel's roles (as ``get_meeting_for_user``), and otherwise only those they are
        invited to (a case manager invited for one item reads its pack). A meeting names no
        one but staff."""
        return self._in_areas_or_invited(user, PANEL_ROLES, Invitee.objects.filter(user=user))

    def heard_of_by(self, user):
        """Meetings whose existence ``user`` may learn (a 403 rather than a 404): those of the
        council areas where they hold any role, and those they are invited to. Another
        area's meeting is not there for them (rule 7)."""
        return self._in_areas_or_invited(user, None, Invitee.objects.filter(user=user))

    def whole_meeting_for(self, user):
        """Meetings ``user`` takes part in as a whole: every one for the panel's roles, and
        otherwise those they are invited to for the whole meeting, not for one item. What
        the meeting as a whole agreed (an action on no item) is for them, never for
        someone invited to speak to one case."""
        return self._in_areas_or_invited(
            user, PANEL_ROLES, Invitee.objects.filter(user=user, for_item=None)
        )

    def _in_areas_or_invited(self, user, roles, invitations):
        """Meetings of the areas where ``user`` holds one of ``roles`` (any role when None: a
        partner's panel member sits on the panel of each area their agency serves), and
        those of ``invitations``."""
        from prevent_portal.accounts.access import area_ids_for, in_areas_of, is_active_user

        if not is_active_user(user):
            return self.none()
        areas = sorted(area_ids_for(user, roles))
        # Access rule 8 over both: an invitation to a meeting of an area the user no longer
        # works in (their agency stopped serving it) opens nothing, as the wall would.
        return in_areas_of(
            self.filter(Q(area__in=areas) | Q(pk__in=invitations.values("meeting_id"))), user
        )


class PanelMeeting(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        MINUTES_APPROVED = "minutes_approved", "Minutes approved"

    # The council area whose Channel Panel meets: its cases and referrals are that area's.
    area = area_field()
    meets_on = models.DateField()
    starts_at = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_chaired"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    # The core member agencies when the meeting was set up: quorum is judged against them,
    # so changing the configuration later does not rewrite past meetings.
    core_agencies = models.ManyToManyField(Agency, related_name="+", blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    # Set only when the chair confirmed holding a meeting that was not quorate: why it went
    # ahead. The minutes show it.
    inquorate_reason = models.TextField(blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # The calendar invitation's SEQUENCE (RFC 5545): one more each time the date, time or
    # place changes, so calendars replace the old entry (channel_panel/invitations.py).
    invitation_sequence = models.PositiveIntegerField(default=0)

    objects = PanelMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-meets_on", "-pk"]
        indexes = [models.Index(fields=["meets_on"])]
        permissions = [
            ("manage_panelmeeting", "Can schedule meetings and build their agendas"),
            ("chair_panelmeeting", "Can record attendance, decisions and approve minutes"),
        ]

    def __str__(self):
        return f"Channel Panel, {self.meets_on:%-d %B %Y}"

    @property
    def minutes_approved(self) -> bool:
        return self.status == self.Status.MINUTES_APPROVED

    def starts(self) -> datetime:
        """When the meeting starts, in the council's time zone (TIME_ZONE): its date and
        start time, or the start of its day when no time is set."""
        council = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return datetime.combine(self.meets_on, self.starts_at or time(0, 0), tzinfo=council)

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts()

    @classmethod
    def upcoming_q(cls, today: date | None = None) -> Q:
        """Listed under "Upcoming": planned (not yet held) and not on a past day. A held
        meeting is past whatever its date; a planned one whose day has gone is listed with
        the past ones, still to be marked held."""
        return Q(status=cls.Status.PLANNED, meets_on__gte=today or timezone.localdate())

    @classmethod
    def pack_open_q(cls, today: date | None = None) -> Q:
        """Meetings whose pack window (``pack_window``) includes ``today``."""
        from datetime import timedelta

        today = today or timezone.localdate()
        return Q(
            meets_on__gte=today - timedelta(days=settings.PANEL_PACK_CLOSES_DAYS_AFTER),
            meets_on__lte=today + timedelta(days=settings.PANEL_PACK_OPENS_DAYS_BEFORE),
        )

    def quorum(
        self, attendance: Iterable[tuple[int, str]] | None = None, core_agencies=None
    ) -> tuple[bool, list[Agency]]:
        """Whether every core agency had someone present, and which did not. ``attendance``
        (the meeting's ``(agency_id, status)`` pairs) and ``core_agencies`` (its core
        agencies in order): what the caller has read already, not read again."""
        if attendance is None:
            present = set(
                self.attendance.filter(status=Attendance.Status.PRESENT).values_list(
                    "agency_id", flat=True
                )
            )
        else:
            present = {a for a, status in attendance if status == Attendance.Status.PRESENT}
        if core_agencies is None:
            core_agencies = self.core_agencies.all()
        missing = [agency for agency in core_agencies if agency.pk not in present]
        return not missing, missing

    def pack_window(self) -> tuple[date, date]:
        """The first and last day on which invitees may open the cases on the agenda."""
        from datetime import timedelta

        return (
            self.meets_on - timedelta(days=settings.PANEL_PACK_OPENS_DAYS_BEFORE),
            self.meets_on + timedelta(days=settings.PANEL_PACK_CLOSES_DAYS_AFTER),
        )


class Invitee(models.Model):
    """Someone invited to a meeting: a core member, or a case manager for one item only.
    Invitees receive the meeting's time-limited access to its agenda."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="invitees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # Set for a case manager invited for a single item: their access covers that item only.
    for_item = models.ForeignKey(
        "AgendaItem", on_delete=models.CASCADE, null=True, blank=True, related_name="invitees"
    )

    class Meta:
        ordering = ["agency__name", "user__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(for_item__isnull=True),
                name="invitee_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user", "for_item"], name="invitee_once_per_item"
            ),
        ]

    def __str__(self):
        return f"Invitee {self.pk} of meeting {self.meeting_id}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    # A user of the portal, or (for someone without an account) a name.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    # A case manager invited for a single agenda item.
    for_item = models.ForeignKey(
        "AgendaItem", on_delete=models.CASCADE, null=True, blank=True, related_name="attendance"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "pk"]
        indexes = [models.Index(fields=["meeting", "agency"])]

    def __str__(self):
        return f"Attendance {self.pk} at meeting {self.meeting_id}"

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.name


class AgendaItemQuerySet(models.QuerySet):
    def undecided(self):
        """Case items (not "other business") with no decision recorded: what stops the
        minutes being approved (``channel_panel.lifecycle``) and what the home page counts."""
        return self.exclude(kind=AgendaItem.Kind.OTHER).filter(decisions__isnull=True)

    def visible_to(self, user):
        """Items ``user`` may open (``agenda_item_visible_to`` as a filter): the case an item
        reviews, or else the referral it discusses, is in their ``visible_to``; other
        business holds no personal data."""
        return self._with_referrals(user, Referral.objects.visible_to(user))

    def case_work_for(self, user):
        """Items whose discussion ``user`` may read: ``visible_to`` without the referrals they
        see only because they referred them (``case_work_referrals``). A referrer is told
        the status of what they referred, never what the panel said or agreed about it."""
        from referrals.models import case_work_referrals

        return self._with_referrals(user, case_work_referrals(user))

    def _with_referrals(self, user, referrals):
        """Other business, items whose case ``user`` sees, and items on no case whose
        referral is in ``referrals``."""
        return self.filter(
            Q(case__isnull=True, referral__isnull=True)
            | Q(case__in=ChannelCase.objects.visible_to(user).values("pk"))
            | Q(case__isnull=True, referral__in=referrals.values("pk"))
        )


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "New case"
        REVIEW = "review", "Case review"
        POST_EXIT = "post_exit", "Post-exit review"
        OTHER = "other", "Other business"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Every case item has its referral; reviews also have the case; post-exit reviews also
    # their scheduled review. "Other business" has a title only.
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    case = models.ForeignKey(
        "ChannelCase", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    post_exit_review = models.ForeignKey(
        "PostExitReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    title = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "referral"],
                condition=Q(referral__isnull=False),
                name="agenda_item_once_per_referral",
            ),
        ]

    def __str__(self):
        # Never a name: agenda items appear in the audit log.
        return f"Agenda item {self.pk} of meeting {self.meeting_id}"


class DecisionQuerySet(models.QuerySet):
    def current(self):
        """The decision in force for each item: the latest entry that nothing corrects."""
        return self.filter(corrections__isnull=True)


class Decision(models.Model):
    """The panel's decision on one agenda item. Editable (under optimistic locking) until the
    minutes are approved; after that a correction is a new entry pointing at the old one."""

    class Outcome(models.TextChoices):
        ADOPT = "adopt", "Adopt as a Channel case"
        NOT_ADOPT = "not_adopt", "Not adopted (signposted)"
        CONTINUE = "continue", "Continue support"
        REVIEW = "review", "Review"
        EXIT = "exit", "Exit Channel"
        REFER_ELSEWHERE = "refer_elsewhere", "Refer elsewhere"

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rationale = models.TextField()
    signposted_to = models.ForeignKey(
        SignpostingService, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referred_to = models.CharField(max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["item", "recorded_at", "pk"]
        constraints = [
            # One decision per item: at most one entry that corrects nothing.
            models.UniqueConstraint(
                fields=["item"], condition=Q(corrects__isnull=True), name="one_decision_per_item"
            ),
        ]

    def __str__(self):
        return f"Decision {self.pk} on agenda item {self.item_id}"


# --- Cases ------------------------------------------------------------------------------------
class ChannelCaseQuerySet(ProtectedQuerySet):
    # The case manager sees the case because they work for the lead agency (case_adopt
    # requires it), not as a named owner: when ownership returns to another agency, or the
    # manager leaves the agency, their sight ends with it.
    agency_field = "lead_agency"

    def visible_to(self, user):
        """As the access module's rules, and never the case of a de-personalised referral
        (records retention: it is a statistic only)."""
        return super().visible_to(user).filter(referral__depersonalised_at__isnull=True)

    def open(self):
        return self.filter(status=ChannelCase.Status.OPEN)

    def needing_own_consent(self, today: date) -> list[ChannelCase]:
        """Open cases whose live consent came from a parent and whose person has turned 18
        by ``today`` (``ChannelCase.needs_own_consent``, the one rule): the reminder
        ``channel_panel.consent_at_18``, the case list's ``waiting=consent`` and the home
        page. Two queries: a loose database bound, then the model's rule."""
        candidates = (
            self.open()
            .filter(
                consents__given_by=Consent.GivenBy.PARENT,
                consents__withdrawn_on__isnull=True,
                # A loose bound (born in the year that turns 18 or earlier); the model decides.
                referral__person__date_of_birth__year__lte=today.year - ADULT_AGE,
            )
            .distinct()
            .select_related("referral__person", "case_manager")
            .prefetch_related(models.Prefetch("consents", queryset=Consent.objects.all()))
            .order_by("pk")
        )
        return [case for case in candidates if case.needs_own_consent(today)]

    def contact_overdue(self, today: date):
        """Cases with a support contact overdue on ``today`` (``SupportAction.objects
        .contact_overdue``)."""
        return self.filter(pk__in=SupportAction.objects.contact_overdue(today).values("case_id"))

    def post_exit_review_due(self, today: date):
        """Cases with a post-exit review due (``PostExitReview.objects.due``)."""
        return self.filter(pk__in=PostExitReview.objects.due(today).values("case_id"))


class ChannelCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        EXITED = "exited", "Exited: post-exit reviews due"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=40, unique=True, null=True, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="channel_case")
    # The area of the panel that adopted the case: its referral's.
    area = area_field()
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="channel_cases_led"
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="channel_cases_managed"
    )
    adopted_on = models.DateField()
    adopted_at_meeting = models.ForeignKey(
        PanelMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    exit_reason = models.ForeignKey(
        ExitReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exit_notes = models.TextField(blank=True)
    exited_on = models.DateField(null=True, blank=True)
    # Barnet's rule: low radicalisation risk but other safeguarding concerns remaining, so
    # ownership returns to a named agency (often the referrer), which then holds the case.
    ownership_returned_to = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where the person was signposted on leaving Channel (needed when they refused or
    # withdrew consent: Channel is voluntary, but their needs remain).
    exit_signposted_to = models.ForeignKey(
        SignpostingService, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The authority for the exit: the panel's exit decision at a held meeting, or the
    # chair's agreement recorded outside a meeting (who, when, why).
    exit_decision = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exit_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exit_agreed_on = models.DateField(null=True, blank=True)
    exit_agreement_reason = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ChannelCaseQuerySet.as_manager()

    # Beyond sight: the lead agency's case roles keep the case up to date.
    AGENCY_ROLE_ACTIONS = {
        Role.SPOC: {"change", "note"},
        Role.PANEL_MEMBER: {"change", "note"},
        Role.PANEL_CHAIR: {"change", "note"},
    }

    class Meta:
        ordering = ["-adopted_on", "-pk"]
        permissions = [("share_channelcase", "Can share a Channel case")]
        indexes = [
            models.Index(fields=["lead_agency", "status"]),
            models.Index(fields=["status", "adopted_on"]),
        ]

    def __str__(self):
        return self.reference or f"Channel case {self.pk}"

    @property
    def person(self):
        return self.referral.person

    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def extra_actions_for(self, user) -> set[str]:
        """Actions beyond the agency rules, for a user who already sees the case: its case
        manager keeps it up to date, the panel chair approves plans and closure, and anyone
        who sees it (a panel member in the pack window included) may add a note."""
        from prevent_portal.accounts.access import has_role

        actions = {"note"}
        managing = self.case_manager_id == user.pk and self.ownership_returned_to_id is None
        if managing or has_role(user, Role.PANEL_CHAIR):
            actions.add("change")
        return actions

    def age_today(self, today: date | None = None) -> int | None:
        return age_on(self.referral.person.date_of_birth, today or timezone.localdate())

    def turns_18_on(self) -> date | None:
        """The person's 18th birthday (1 March for someone born on 29 February, as
        ``age_on`` counts it), or None if the date of birth is not known."""
        born = self.referral.person.date_of_birth
        if born is None:
            return None
        try:
            return born.replace(year=born.year + ADULT_AGE)
        except ValueError:
            return date(born.year + ADULT_AGE, 3, 1)

    def live_consent(self) -> Consent | None:
        """The latest consent not withdrawn (reads prefetched ``consents`` if there)."""
        live = [c for c in self.consents.all() if c.is_live]
        return max(live, key=lambda c: (c.given_on, c.pk), default=None)

    def consent_ended(self) -> Consent | None:
        """When there is no live consent, the refusal or withdrawal that ended the person's
        part in Channel (the latest), else None. Channel is voluntary: such a case exits."""
        consents = list(self.consents.all())
        if any(c.is_live for c in consents):
            return None
        ended = [c for c in consents if c.ended_on is not None]
        return max(ended, key=lambda c: (c.ended_on, c.pk), default=None)

    def needs_own_consent(self, today: date | None = None) -> bool:
        """An open case whose live consent came from a parent, and the person is now 18:
        they must be asked for their own consent."""
        consent = self.live_consent()
        turned = self.turns_18_on()
        return (
            self.is_open()
            and consent is not None
            and consent.given_by == Consent.GivenBy.PARENT
            and turned is not None
            and turned <= (today or timezone.localdate())
        )

    def consent_warnings(self, today: date | None = None) -> list[str]:
        """What the case worker must act on about consent, for an open case: Channel is
        voluntary, and an under-18 needs a parent's or guardian's consent."""
        if not self.is_open():
            return []
        today = today or timezone.localdate()
        consents = list(self.consents.all())
        live = self.live_consent()
        under_18 = is_under_18(self, today)
        ended = self.consent_ended()
        if ended is not None:
            what = "refused" if ended.is_refusal else "withdrawn"
            return [
                f"Consent {what} on {ended.ended_on:%-d %B %Y}: Channel is voluntary, so no "
                "support can be added; the case must exit, with signposting"
            ]
        if under_18 and not any(
            c.is_live and c.given_by == Consent.GivenBy.PARENT for c in consents
        ):
            return ["Under 18 and no parental consent recorded"]
        if live is None:
            return ["No consent recorded"]
        if self.needs_own_consent(today):
            return [f"Turned 18 on {self.turns_18_on():%-d %B %Y}: ask for their own consent"]
        if live.given_by == Consent.GivenBy.PERSON and self.age_today(today) is None:
            return [
                "Date of birth not recorded: check they are 18 or over, or record a parent's "
                "or guardian's consent"
            ]
        return []


class ChannelCaseUserGrant(GrantFields, UserObjectPermissionBase):
    content_object = models.ForeignKey(
        ChannelCase, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ChannelCaseGroupGrant(GrantFields, GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        ChannelCase, on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class PackGrant(models.Model):
    """One time-limited grant a meeting made to an invitee for an agenda item (on the
    referral, or on the case), so that a change of agenda, an ownership return or the sweep
    can revoke exactly the grants the meeting made. Deleting the grant deletes this row."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    # One grant row per user and record (guardian's rule), so one grant may serve items of
    # several meetings whose windows overlap.
    referral_grant = models.ForeignKey(
        "referrals.ReferralUserGrant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    case_grant = models.ForeignKey(
        ChannelCaseUserGrant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(referral_grant__isnull=False) | Q(case_grant__isnull=False),
                name="pack_grant_has_a_grant",
            )
        ]

    def __str__(self):
        return f"Pack grant {self.pk}"


class OnVisibleCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=ChannelCase.objects.visible_to(user).values("pk"))


class Consent(models.Model):
    """Channel is voluntary: adults answer for themselves; under-18s through a parent or
    guardian. The answer may be consent or a refusal; consent may later be withdrawn."""

    class GivenBy(models.TextChoices):
        PERSON = "person", "The person"
        PARENT = "parent", "A parent or guardian"

    class Answer(models.TextChoices):
        GIVEN = "given", "Consent given"
        REFUSED = "refused", "Consent refused"

    case = models.ForeignKey(ChannelCase, on_delete=models.PROTECT, related_name="consents")
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.GIVEN)
    # Who answered (gave or refused) and when.
    given_by = models.CharField(max_length=10, choices=GivenBy.choices)
    giver_name = models.CharField(max_length=200, blank=True)
    given_on = models.DateField()
    capacity_notes = models.TextField(blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=10, choices=GivenBy.choices, blank=True)
    withdrawer_name = models.CharField(max_length=200, blank=True)
    withdrawal_notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = OnVisibleCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-pk"]

    def __str__(self):
        return f"Consent {self.pk} on case {self.case_id}"

    @property
    def is_live(self) -> bool:
        """Consent given and not withdrawn: the person takes part in Channel."""
        return self.answer == self.Answer.GIVEN and self.withdrawn_on is None

    @property
    def is_refusal(self) -> bool:
        return self.answer == self.Answer.REFUSED

    @property
    def ended_on(self) -> date | None:
        """The day this answer stopped the person taking part: a refusal's date, or the day
        consent was withdrawn."""
        return self.given_on if self.is_refusal else self.withdrawn_on


class CaseNeedsFlag(models.Model):
    """A needs flag held on the case, with who told the panel and when; removed, not deleted."""

    case = models.ForeignKey(ChannelCase, on_delete=models.PROTECT, related_name="needs_flags")
    flag = models.ForeignKey(NeedsFlag, on_delete=models.PROTECT, related_name="+")
    source_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField()
    removed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = OnVisibleCaseQuerySet.as_manager()

    class Meta:
        ordering = ["flag__order", "flag__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "flag"],
                condition=Q(removed_on__isnull=True),
                name="one_current_flag_per_case",
            )
        ]

    def __str__(self):
        return f"Needs flag {self.pk} on case {self.case_id}"


class SupportActionQuerySet(OnVisibleCaseQuerySet):
    def contact_overdue(self, today: date):
        """Open actions of open cases whose next contact was due before ``today``
        (``SupportAction.is_overdue``): the reminder ``channel_panel.contact_overdue``, the
        case list's ``waiting=contact`` and the home page."""
        return self.filter(
            status__in=SupportAction.OPEN_STATUSES,
            next_contact_due__lt=today,
            case__status=ChannelCase.Status.OPEN,
        )


class SupportAction(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    OPEN_STATUSES = (Status.PLANNED, Status.ACTIVE)

    case = models.ForeignKey(ChannelCase, on_delete=models.PROTECT, related_name="actions")
    support_type = models.ForeignKey(SupportType, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_provider = models.ForeignKey(
        InterventionProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    last_contact_on = models.DateField(null=True, blank=True)
    next_contact_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = SupportActionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "pk"]
        indexes = [models.Index(fields=["status", "next_contact_due"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_agency__isnull=False) | Q(owner_provider__isnull=False),
                name="support_action_has_an_owner",
            )
        ]

    def __str__(self):
        return f"Support action {self.pk} on case {self.case_id}"

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status in self.OPEN_STATUSES
            and self.next_contact_due is not None
            and self.next_contact_due < today
        )

    @property
    def owner_name(self) -> str:
        return str(self.owner_provider or self.owner_agency)


class PostExitReviewQuerySet(OnVisibleCaseQuerySet):
    def due(self, today: date):
        """Reviews not yet held of exited cases, due within CHANNEL_REVIEW_REMINDER_DAYS of
        ``today`` or already past: the reminder ``channel_panel.post_exit_review``, the case
        list's ``waiting=review`` and the home page."""
        from datetime import timedelta

        horizon = today + timedelta(days=settings.CHANNEL_REVIEW_REMINDER_DAYS)
        return self.filter(
            held_on__isnull=True, due_on__lte=horizon, case__status=ChannelCase.Status.EXITED
        )


class PostExitReview(models.Model):
    """A review of an exited case, due some months after exit; it comes up on an agenda."""

    case = models.ForeignKey(ChannelCase, on_delete=models.PROTECT, related_name="reviews")
    months_after_exit = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)

    objects = PostExitReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["held_on", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "months_after_exit"], name="one_review_per_interval"
            )
        ]

    def __str__(self):
        return f"Post-exit review {self.pk} of case {self.case_id}"


def is_under_18(case: ChannelCase, on: date | None = None) -> bool:
    age = case.age_today(on)
    return age is not None and age < ADULT_AGE


# What an exited case's page shows of its exit (its reason, who it went back to or was
# signposted to, who agreed it, the panel decision behind it): empty on an open case.
EXIT_RELATIONS = (
    "exit_reason",
    "ownership_returned_to",
    "exit_signposted_to",
    "exit_agreed_by",
    "exit_decision__item__meeting",
)
EXIT_FIELDS = tuple(name.split("__")[0] for name in EXIT_RELATIONS)


def get_case_for_user(user, pk, *, perm: str = "view") -> ChannelCase:
    """The only single-case fetch: 404 unless visible, 403 unless ``perm`` is allowed.

    The exit's relations are read with the case only when it has an exit to show: joined for
    every case, the five of them (seven tables, most behind the wall) took PostgreSQL longer
    to plan than the whole statement took to run (2.6 against 0.2 ms; 1.0 ms to plan
    without them, at scale 1)."""
    queryset = ChannelCase.objects.select_related(
        "referral__person", "referral__owning_agency", "lead_agency", "case_manager"
    )
    case = get_object_for_user(queryset, user, pk, perm=perm)
    if any(getattr(case, f"{name}_id") is not None for name in EXIT_FIELDS):
        # The case just fetched for ``user``, read again by its key for its exit's relations.
        exited = ChannelCase._base_manager.select_related(*EXIT_RELATIONS).get(pk=case.pk)
        for name in EXIT_FIELDS:
            setattr(case, name, getattr(exited, name))
    return case


# The roles that open meeting pages at all, and the model-wide rights on meetings.
PANEL_ROLES = (Role.COORDINATOR, Role.PANEL_CHAIR, Role.PANEL_MEMBER)
MANAGE_MEETINGS = "channel_panel.manage_panelmeeting"
CHAIR_MEETINGS = "channel_panel.chair_panelmeeting"


def get_meeting_for_user(user, pk, *, perm: str | None = None) -> PanelMeeting:
    """A meeting for a member of the panel: 403 to anyone outside it (or without the
    model-wide ``perm``, MANAGE_MEETINGS or CHAIR_MEETINGS), 404 if there is no such
    meeting. Meetings name no one but staff; their items are protected by
    ``get_agenda_item_for_user``."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from prevent_portal.accounts.access import global_perm_area_ids, require_role, the_one

    require_role(user, *PANEL_ROLES)
    # Another area's meeting is not there for them (rule 7): 404 before any 403.
    meeting = the_one(PanelMeeting.objects.visible_to(user).select_related("chair").filter(pk=pk))
    if meeting is None:
        raise Http404("No such meeting")
    if perm is not None and meeting.area_id not in global_perm_area_ids(user, perm):
        raise PermissionDenied
    return meeting


def agenda_item_visible_to(item: AgendaItem, user) -> bool:
    """An item's personal data is the case it reviews, or else the referral it discusses:
    ``user`` may open the item only if that record is in their ``visible_to``. Other
    business holds none."""
    if item.case_id:
        return ChannelCase.objects.visible_to(user).filter(pk=item.case_id).exists()
    if item.referral_id:
        return Referral.objects.visible_to(user).filter(pk=item.referral_id).exists()
    return True


def get_agenda_item_for_user(user, meeting_pk, item_pk, *, perm: str | None = None) -> AgendaItem:
    """The only way to one agenda item, for every route that takes an item (or one of its
    decisions): the meeting as ``get_meeting_for_user`` gives it (403 without ``perm``),
    then 404 unless the item is on that meeting and ``user`` may see its case or referral.
    Seeing the meeting is not seeing its items."""
    from django.http import Http404

    meeting = get_meeting_for_user(user, meeting_pk, perm=perm)
    item = (
        AgendaItem.objects.select_related("meeting__chair", "referral", "case")
        .filter(pk=item_pk, meeting=meeting)
        .first()
    )
    if item is None or not agenda_item_visible_to(item, user):
        raise Http404("No such agenda item")
    return item


# --- Minutes: discussion notes, the minute-taker, the action log (issue 17) -----------------
# Kept in one block: the minutes of a meeting are its decisions (above) plus these.
class MinuteTaker(models.Model):
    """The delegate the chair names to write a meeting's discussion notes and actions with
    them (one per meeting; naming another replaces them, and the audit log keeps who was
    named by whom). Chairs and the Coordinator write notes without being named."""

    # A foreign key held unique rather than a one-to-one: a reverse one-to-one on the
    # audited PanelMeeting would be an attribute auditlog cannot track (tests/audit).
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    named_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting"], name="one_minute_taker_per_meeting")
        ]

    def __str__(self):
        return f"Minute-taker of meeting {self.meeting_id}"


class ItemNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Notes on items ``user`` may open (``AgendaItem.visible_to``) of meetings they may
        hear of: the notes hold the discussion of the item's case."""
        return self.filter(
            item__in=AgendaItem.objects.case_work_for(user).values("pk"),
            item__meeting__in=PanelMeeting.objects.visible_to(user).values("pk"),
        )


class ItemNote(models.Model):
    """The discussion notes on one agenda item. Editable (under optimistic locking) until the
    minutes are approved; after that a correction is a new entry pointing at the one it
    corrects, as for decisions (``channel_panel.lifecycle.NOTES``)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ItemNoteQuerySet.as_manager()

    class Meta:
        ordering = ["item", "written_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(corrects__isnull=True), name="one_note_per_item"
            ),
        ]

    def __str__(self):
        return f"Notes {self.pk} on agenda item {self.item_id}"


class MeetingActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Actions ``user`` may see: those of meetings they may hear of, or that they own
        (themselves, or as a SPOC of the owning agency); and an action on an agenda item
        only if they may open that item (its case or referral): owning an action about a
        case is never a way to see the case."""
        from prevent_portal.accounts.access import in_areas_of, is_active_user

        if not is_active_user(user):
            return self.none()
        owned = self._owned_q(user)
        # Access rule 8: only the meetings of the areas the user works in.
        return in_areas_of(self, user, "meeting__area").filter(
            # The meeting as a whole's actions: for who takes part in it as a whole (not
            # someone invited for one item) and their owners.
            Q(item__isnull=True)
            & (Q(meeting__in=PanelMeeting.objects.whole_meeting_for(user).values("pk")) | owned)
            # An item's: for who may read the item's discussion, at a meeting they may hear
            # of or as owner (owning an action never opens the case).
            | Q(item__in=AgendaItem.objects.case_work_for(user).values("pk"))
            & (Q(meeting__in=PanelMeeting.objects.visible_to(user).values("pk")) | owned)
        )

    def open(self):
        return self.filter(status=MeetingAction.Status.OPEN)

    @staticmethod
    def _owned_q(user) -> Q:
        """Named as owner, or a SPOC of the owning agency in an area it serves now (access
        rule 8 per agency: an agency that stopped serving an area owns nothing there)."""
        from prevent_portal.accounts.access import through_agencies_q

        return Q(owner_user=user) | through_agencies_q(
            user, [Role.SPOC], "owner_agency", "meeting__area"
        )

    def owned_by(self, user):
        """Actions ``user`` owns: named, or through an agency they are a SPOC of."""
        return self.filter(self._owned_q(user))

    def carried_to(self, meeting: PanelMeeting):
        """What ``meeting`` carries forward: actions of earlier meetings of its panel (its
        council area's) still open when it met (open now, or closed on or after its day),
        so a past meeting's record keeps what it carried. Another area's panel's actions
        are not this panel's business (and naming the area first lets PostgreSQL check
        what a reader may see on those actions only: issue 18)."""
        earlier = PanelMeeting.objects.filter(
            area_id=meeting.area_id, meets_on__lt=meeting.meets_on
        )
        return self.filter(meeting__in=earlier.values("pk")).filter(
            Q(status=MeetingAction.Status.OPEN) | Q(closed_on__gte=meeting.meets_on)
        )


class MeetingAction(models.Model):
    """An action agreed at a meeting, owned by a person or an agency (whose SPOCs answer
    for it), due on a date; open until done or cancelled (with a reason). Open actions are
    carried to each later meeting's agenda (``carried_to``)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="actions")
    # Set for an action about one item (and so its case or referral).
    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    description = models.TextField()
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = MeetingActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_agency__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_agency__isnull=False)),
                name="meeting_action_has_one_owner",
            )
        ]

    def __str__(self):
        return f"Meeting action {self.pk} of meeting {self.meeting_id}"

    @property
    def owner_name(self) -> str:
        if self.owner_user_id:
            return self.owner_user.get_full_name() or self.owner_user.username
        return self.owner_agency.name

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())

    def is_owned_by(self, user) -> bool:
        from prevent_portal.accounts.access import serves_through, wall_area_ids

        area_id = self.meeting.area_id
        if area_id not in wall_area_ids(user):
            return False  # access rule 8
        if self.owner_user_id:
            return self.owner_user_id == user.pk
        return serves_through(user, [Role.SPOC], self.owner_agency_id, area_id)


# Who may own an action: the panel and the agencies' SPOCs, whose home pages list them.
ACTION_OWNER_ROLES = (*PANEL_ROLES, Role.SPOC)


def writes_minutes(user, meeting: PanelMeeting) -> bool:
    """The chair's side of the minutes (CHAIR_MEETINGS: panel chairs and the Coordinator),
    or the minute-taker the chair named for this meeting."""
    from prevent_portal.accounts.access import has_global_perm, is_active_user

    if has_global_perm(user, CHAIR_MEETINGS):
        return True
    return is_active_user(user) and MinuteTaker.objects.filter(meeting=meeting, user=user).exists()


def get_meeting_action_for_user(user, pk, *, perm: str = "view") -> MeetingAction:
    """The only single-action fetch: 404 unless ``MeetingAction.visible_to`` lets ``user``
    see it; ``perm="change"`` (mark done, cancel) then needs its owner, the minutes' writers
    of its meeting (``writes_minutes``) or 403."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    action = (
        MeetingAction.objects.visible_to(user)
        .select_related("meeting__chair", "item", "owner_user", "owner_agency")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such action")
    if perm == "change" and not (action.is_owned_by(user) or writes_minutes(user, action.meeting)):
        raise PermissionDenied
    return action


# --- The vulnerability assessment (issue 17, branch `vaf`) -----------------------------------
# The models live in channel_panel/assessments.py; imported here so Django finds them.
from channel_panel.assessments import (  # noqa: E402, F401
    Assessment,
    AssessmentRating,
    VafDimension,
    VafFactor,
)

# --- The panel pack's PDF, built in the background (issue 18, branch `perf18`) -----------------
# The model lives in channel_panel/pack_builds.py; imported here so Django finds it.
from channel_panel.pack_builds import PackBuild  # noqa: E402, F401
