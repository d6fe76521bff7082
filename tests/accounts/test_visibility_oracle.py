"""Property test: for every protected model (a default queryset subclassing
ProtectedQuerySet, found by introspection), ``visible_to`` and ``get_<noun>_for_user`` agree
with a plain-Python statement of the access rules (accounts/access.py) over random agencies,
memberships, referrals, Channel cases and grants.

The random world: the user (active or not) holds memberships (approved, ended, waiting for
approval or refused: only approved and not ended ones give sight) in three agencies, the
third of them switched off; referrals owned by any agency, some made by the user (who sees
them only while a referrer there: "left the agency" is an ended membership), some
de-personalised by retention; Channel cases on some referrals, led by any agency, managed by
the user or not, ownership returned or not; grants of view, share or change on either, to
the user or to an agency, live, not yet started (a panel pack before its window opens) or
expired (after it closes); Channel Panel meetings chaired by the user or by someone else,
with some of the referrals on their agendas (rule 6: the chair of a meeting, while a panel
chair, sees the referrals on its agenda and their cases). Each agenda item has discussion
notes and an action owned by an agency; each meeting an action of its own, owned by the user
or by an agency (issue 17: the minutes' notes and actions). Two council areas (issue 18):
agency 0 serves the first, agency 1 both, agency 2 the second; each referral (with its person
and case) and each meeting belongs to one, and model-wide sight and the panel's sight of
meetings reach only the areas where the role giving them is held (rule 7), and nothing at all
is seen outside the areas where the user holds any role (rule 8: a grant, the owning agency or
the referrer's own sight reach no further than the database wall); what a role gives through
an agency (its cases, its group's grants, the referrer's own, the SPOC's actions) or as the
meeting's chair reaches only the areas that agency serves, or where they chair.
"""

from __future__ import annotations

from datetime import timedelta

from auditlog.context import disable_auditlog
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from channel_panel.assessments import Assessment, get_assessment_for_user
from channel_panel.models import (
    PANEL_ROLES,
    AgendaItem,
    ChannelCase,
    ItemNote,
    MeetingAction,
    PanelMeeting,
    get_case_for_user,
    get_meeting_action_for_user,
)
from documents.models import Document, get_document_for_user
from prevent_portal.accounts import services
from prevent_portal.accounts.access import ProtectedQuerySet
from prevent_portal.accounts.grants import object_share, record_area_id, works_in_area
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership, Role
from prevent_portal.areas.models import Area
from referrals.models import Person, Referral, get_person_for_user, get_referral_for_user
from tests import factories

EXAMPLES = 200
INACTIVE_AGENCY = 2
# Agency 1 is of the police sector: its SPOCs and panel members draft vulnerability
# assessments (the police Channel practitioner, channel_panel/assessments.py).
POLICE_AGENCY = 1
TIMINGS = ["live", "not_started", "expired"]
# The council areas each agency serves (rule 7).
AGENCY_AREAS = {0: {0}, 1: {0, 1}, 2: {1}}
# The area of each referral (by index) and of each meeting.
referral_areas = st.lists(st.integers(0, 1), min_size=4, max_size=4)
meeting_areas = st.lists(st.integers(0, 1), min_size=2, max_size=2)

MEMBERSHIP_STATES = {
    # state: (is_active, approval status)
    "live": (True, Membership.Status.APPROVED),
    "ended": (False, Membership.Status.APPROVED),
    "pending": (True, Membership.Status.PENDING),
    "refused": (False, Membership.Status.REFUSED),
}
memberships = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from(Role.values), st.sampled_from(list(MEMBERSHIP_STATES))
    ),
    max_size=4,
)
# (owning agency, made by the user, de-personalised by retention)
referral_rows = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.booleans()), min_size=1, max_size=4
)
# (which referral, lead agency, managed by the user, ownership returned to agency 0)
case_rows = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 2), st.booleans(), st.booleans()), max_size=3
)
# (on a referral or a case, which one, to the user or an agency, which agency, timing, action)
grant_rows = st.lists(
    st.tuples(
        st.sampled_from(["referral", "case"]),
        st.integers(0, 3),
        st.sampled_from(["user", "agency"]),
        st.integers(0, 2),
        st.sampled_from(TIMINGS),
        st.sampled_from(["view", "share", "change"]),
    ),
    max_size=5,
)
# (chaired by the user, the referrals on its agenda)
meeting_rows = st.lists(
    st.tuples(st.booleans(), st.lists(st.integers(0, 3), max_size=3)), max_size=2
)


# --- The rules, in plain Python ----------------------------------------------------------------
class Rules:
    """What the user may see and do, by the rules of accounts/access.py."""

    def __init__(
        self, user_active, members, referrals, cases, grants, meetings=(), areas=((0,) * 4, (0, 0))
    ):
        self.active = user_active
        on = [(a, r) for a, r, state in members if state == "live" and a != INACTIVE_AGENCY]
        self.roles = {r for _, r in on}
        # Rule 7: the areas where each role is held (those its agencies serve).
        self.areas_of = {
            role: set().union(*(AGENCY_AREAS[a] for a, r in on if r == role)) for role in Role
        }
        self.referral_area, self.meeting_area = areas
        # Rule 8: nothing outside the areas where the user holds any role (the wall's key).
        self.works_in = set().union(*self.areas_of.values())
        self.case_agencies = {a for a, r in on if r in AGENCY_CASE_ROLES}
        self.roles_at = {a: {r for b, r in on if b == a} for a in range(3)}
        self.referrals, self.cases = referrals, cases
        # The meetings' papers: the Coordinator's, and the chair's of the meetings they chair
        # (the oracle's meetings have no invitees).
        self.meetings_chaired = [by_user for by_user, _on in meetings]
        # Rule 6: the referrals on the agenda of a meeting the user chairs, while they hold
        # the panel chair role (anywhere).
        self.chaired = (
            {i % len(referrals) for by_user, on in meetings if by_user for i in on}
            if Role.PANEL_CHAIR in self.roles
            else set()
        )
        # Only live grants count; an agency grant reaches the agency's case-role members,
        # on records of the areas that agency serves (rule 8 per agency: ``_granted``).
        self.granted_rows = {
            (kind, i % len(self._rows(kind)), action, None if to == "user" else agency)
            for kind, i, to, agency, timing, action in grants
            if self._rows(kind)
            and timing == "live"
            and (to == "user" or agency in self.case_agencies)
        }

    def _rows(self, kind):
        return self.referrals if kind == "referral" else self.cases

    def _granted(self, kind, i, action) -> bool:
        """A live grant to the user, or to an agency of theirs serving the record's area."""
        ref = i if kind == "referral" else self.cases[i][0]
        area = self.referral_area[ref]
        return any(
            (k, n, a) == (kind, i, action) and (agency is None or self.serves(agency, area))
            for k, n, a, agency in self.granted_rows
        )

    @staticmethod
    def serves(agency, area) -> bool:
        """Rule 8 per agency: an agency's roles reach the records of the areas it serves."""
        return area in AGENCY_AREAS[agency]

    def case_agency_in(self, agency, area) -> bool:
        """Rule 3: a case role at ``agency``, which serves ``area``."""
        return agency in self.case_agencies and self.serves(agency, area)

    def chairs_in(self, i) -> bool:
        """Rule 6: on the agenda of a meeting the user chairs, in an area where they chair."""
        return i in self.chaired and self.referral_area[i] in self.areas_of[Role.PANEL_CHAIR]

    @property
    def coordinator(self):
        return self.active and Role.COORDINATOR in self.roles

    def coordinator_in(self, area) -> bool:
        """Model-wide sight and actions, within the Coordinator's areas (rule 7)."""
        return self.coordinator and area in self.areas_of[Role.COORDINATOR]

    def sees_referral(self, i) -> bool:
        agency, by_user, depersonalised = self.referrals[i]
        if not self.active or depersonalised or self.referral_area[i] not in self.works_in:
            return False
        # The referrer sees what they referred only while a referrer at the agency they
        # referred from (security.md F11): an ended membership, a switched-off agency or a
        # referrer role elsewhere is "left the agency".
        area = self.referral_area[i]
        still_referrer = Role.REFERRER in self.roles_at.get(agency, set())
        return (
            self.coordinator_in(area)
            or self.case_agency_in(agency, area)
            or (by_user and still_referrer and self.serves(agency, area))
            or self.chairs_in(i)
            or self._granted("referral", i, "view")
        )

    def referral_may(self, i, action) -> bool:
        agency = self.referrals[i][0]
        if not self.sees_referral(i):
            return False
        if self.coordinator_in(self.referral_area[i]) and action in {
            "share",
            "change",
            "add_information",
        }:
            return True
        if (
            action == "add_information"
            and Role.SPOC in self.roles_at.get(agency, set())
            and self.serves(agency, self.referral_area[i])
        ):
            return True
        return self._granted("referral", i, action)

    def sees_case(self, j) -> bool:
        # The case manager sees the case only through the lead agency, never by name; a
        # case whose referral retention de-personalised is a statistic only.
        ref, lead = self.cases[j][:2]
        if (
            not self.active
            or self.referrals[ref][2]
            or self.referral_area[ref] not in self.works_in
        ):
            return False
        return (
            self.coordinator_in(self.referral_area[ref])
            or self.case_agency_in(lead, self.referral_area[ref])
            or self.chairs_in(ref)
            or self._granted("case", j, "view")
        )

    def case_work(self, i) -> bool:
        """The referral seen for case work (``case_work_referrals``): not only because the
        user referred it, unless the Coordinator."""
        agency, by_user, _ = self.referrals[i]
        return self.sees_referral(i) and (
            self.coordinator or not by_user or agency in self.case_agencies
        )

    def drafts_assessments(self) -> bool:
        """The Coordinator, or the police Channel practitioner: SPOC or panel member at the
        police agency (POLICE_AGENCY)."""
        police_roles = self.roles_at.get(POLICE_AGENCY, set()) if self.active else set()
        return self.coordinator or bool(police_roles & {Role.SPOC, Role.PANEL_MEMBER})

    def sees_assessment(self, i, draft, by_user) -> bool:
        """Issue 17: with its referral (for case work) or the referral's case; a draft only
        by its author."""
        on_record = self.case_work(i) or any(
            self.sees_case(j) for j, row in enumerate(self.cases) if row[0] == i
        )
        return on_record and (not draft or by_user)

    def assessment_may_change(self, i, draft, by_user) -> bool:
        return (
            self.sees_assessment(i, draft, by_user)
            and draft
            and by_user
            and (self.drafts_assessments())
        )

    def sees_document(self, kind, k) -> bool:
        """A document is seen with its record, by case-role holders only (a referrer sees
        the status of what they referred, never its evidence); a meeting's papers by the
        Coordinator and the meeting's chair (and its invitees while its pack is open)."""
        if not (self.active and self.roles & AGENCY_CASE_ROLES):
            return False
        if kind == "referral":
            return self.sees_referral(k)
        if kind == "case":
            return self.sees_case(k)
        return self.coordinator_in(self.meeting_area[k]) or (
            Role.PANEL_CHAIR in self.roles and self.meetings_chaired[k]
        )

    # --- The minutes (issue 17) ---
    def sees_meeting(self, m) -> bool:
        """Meetings are heard of by the panel of their area (the oracle's meetings have no
        invitees)."""
        return self.active and any(self.meeting_area[m] in self.areas_of[r] for r in PANEL_ROLES)

    def spoc_of(self, agency) -> bool:
        return self.active and Role.SPOC in self.roles_at.get(agency, set())

    def sees_note(self, ref, m) -> bool:
        """The discussion of an item: for who hears of the meeting and reads the item's
        referral for case work (a referrer who only referred it is told its status, never
        what the panel said)."""
        return self.sees_meeting(m) and self.case_work(ref)

    def sees_action(self, action) -> bool:
        """(an agenda item's referral or None, owned by the user, owning agency or None):
        seen by those who hear of its meeting or own it, and, when it is about an item,
        only by those who read the item's referral for case work."""
        ref, by_user, agency, m = action
        return (self.sees_meeting(m) or self.owns(action)) and (ref is None or self.case_work(ref))

    def owns(self, action) -> bool:
        """Named as owner, or a SPOC of the owning agency serving the meeting's area; only
        in the areas the user works in (rule 8)."""
        _ref, by_user, agency, m = action
        area = self.meeting_area[m]
        if area not in self.works_in:
            return False
        return (by_user and self.active) or (
            agency is not None and self.spoc_of(agency) and self.serves(agency, area)
        )

    def action_may(self, action, perm) -> bool:
        writes = self.active and bool(self.roles & {Role.COORDINATOR, Role.PANEL_CHAIR})
        return self.sees_action(action) and (self.owns(action) or writes)

    def case_may(self, j, action) -> bool:
        _, lead, managed, returned = self.cases[j]
        if not self.sees_case(j):
            return False
        lead_roles = self.roles_at.get(lead, set())
        area = self.referral_area[self.cases[j][0]]
        if action == "change":
            return (
                self.coordinator_in(area)
                or (
                    bool(lead_roles & {Role.SPOC, Role.PANEL_MEMBER, Role.PANEL_CHAIR})
                    and self.serves(lead, area)
                )
                or (managed and not returned)
                or Role.PANEL_CHAIR in self.roles
                or self._granted("case", j, "change")
            )
        if action == "share":
            return self.coordinator_in(area) or self._granted("case", j, "share")
        raise ValueError(action)


def _document(status="clean", **record):
    """A document row straight into the table (its file is never read here)."""
    return Document.objects.create(
        **record,
        title="Oracle",
        reason="property test",
        original_name="oracle.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        status=status,
        storage_name="oracle/none",
        uploaded_by=_uploader(),
    )


def _uploader():
    from prevent_portal.accounts.models import User

    return User.objects.order_by("pk").first()


def _outcome(fetch, user, pk, perm):
    try:
        fetch(user, pk, perm=perm)
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


def _expected(sees, may):
    return 200 if may else (403 if sees else 404)


# Each protected model: how the test checks it. A new protected model fails the test below
# until it is given a rule here.
CHECKED = {Referral, Person, ChannelCase}


def test_every_protected_model_has_an_oracle_rule():
    protected = {
        m
        for m in apps.get_models()
        if isinstance(m._default_manager.get_queryset(), ProtectedQuerySet)
    }
    assert protected == CHECKED


def _dedupe_grants(grants, n_referrals, n_cases):
    """A grant replaces an earlier one to the same target for the same action on the same
    record (guardian keeps one row): the last one decides its timing."""
    last = {}
    for row in grants:
        kind, i, to, agency, timing, action = row
        n = n_referrals if kind == "referral" else n_cases
        if n == 0:
            continue
        target = ("user",) if to == "user" else ("agency", agency)
        last[(kind, i % n, target, action)] = row
    return list(last.values())


def _dedupe_cases(cases, n_referrals):
    """One case per referral: the first row for a referral wins."""
    seen, kept = set(), []
    for ref, lead, managed, returned in cases:
        if ref % n_referrals not in seen:
            seen.add(ref % n_referrals)
            kept.append((ref % n_referrals, lead, managed, returned))
    return kept


class VisibilityOracleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agencies = [factories.AgencyFactory() for _ in range(3)]
        cls.agencies[INACTIVE_AGENCY].is_active = False
        cls.agencies[INACTIVE_AGENCY].save()
        cls.agencies[POLICE_AGENCY].sector = factories.sector("police")
        cls.agencies[POLICE_AGENCY].save()
        cls.areas = [Area.objects.get(), Area.objects.create(name="Oracle", short_code="oracle")]
        for k, agency in enumerate(cls.agencies):
            agency.areas.set([cls.areas[a] for a in AGENCY_AREAS[k]])
        cls.granter = factories.UserFactory()
        cls.someone_else = factories.UserFactory()

    def _build(self, user_active, members, referrals, cases, grants, meetings=(), areas=None):
        areas = areas or ((0,) * 4, (0, 0))
        with disable_auditlog():
            return self._build_rows(user_active, members, referrals, cases, grants, meetings, areas)

    def _build_rows(self, user_active, members, referrals, cases, grants, meetings, areas):
        referral_area, meeting_area = ([self.areas[a] for a in row] for row in areas)
        user = factories.UserFactory(is_active=user_active)
        # Rows straight into the table: the random roles may break separation of duties
        # (system administrator with a case role), which the services refuse to create but
        # the access module must still get right.
        for agency, role, state in members:
            is_active, status = MEMBERSHIP_STATES[state]
            Membership.objects.create(
                user=user,
                agency=self.agencies[agency],
                role=role,
                is_active=is_active,
                status=status,
            )
        services.user_groups_sync(user)
        now = timezone.now()
        # Rows straight into the tables (no audit, no chronology): the queries under test
        # read only these columns, and 200 examples stay within a minute or two.
        refs = [
            Referral.objects.create(
                area=referral_area[k],
                person=Person.objects.create(
                    given_name="Oracle", family_name="Person", area=referral_area[k]
                ),
                owning_agency=self.agencies[agency],
                referring_agency=self.agencies[agency],
                referring_sector=self.agencies[agency].sector,
                referrer=user if by_user else None,
                received_on=now.date(),
                concern_summary="A fictional concern",
                depersonalised_at=now if depersonalised else None,
            )
            for k, (agency, by_user, depersonalised) in enumerate(referrals)
        ]
        case_objs = [
            ChannelCase.objects.create(
                referral=refs[ref],
                area=refs[ref].area,
                lead_agency=self.agencies[lead],
                case_manager=user if managed else self.someone_else,
                ownership_returned_to=self.agencies[0] if returned else None,
                adopted_on=refs[ref].received_on,
            )
            for ref, lead, managed, returned in cases
        ]
        for kind, i, to, agency, timing, action in grants:
            records = refs if kind == "referral" else case_objs
            record = records[i % len(records)]
            if to == "user":
                # Straight into the table: object_share now refuses a user outside a case
                # role (F12), but a grant made before that must still obey the rules.
                grant = assign_perm(
                    f"{record._meta.app_label}.{action}_{record._meta.model_name}", user, record
                )
                grant.reason = "property test"
                grant.save()
            elif works_in_area(record_area_id(record), agency=self.agencies[agency]):
                grant = object_share(
                    obj=record,
                    action=action,
                    to_agency=self.agencies[agency],
                    reason="property test",
                    acting_user=self.granter,
                )
            else:
                # Straight into the table as well: object_share now refuses an agency that
                # does not serve the record's area (issue 18), but a grant made before that
                # must still obey the rules.
                grant = assign_perm(
                    f"{record._meta.app_label}.{action}_{record._meta.model_name}",
                    self.agencies[agency].group,
                    record,
                )
                grant.reason = "property test"
                grant.save()
            type(grant).objects.filter(pk=grant.pk).update(
                starts_at=now + timedelta(hours=1) if timing == "not_started" else None,
                expires_at=now - timedelta(hours=1) if timing == "expired" else None,
            )
        # Each referral's vulnerability assessments: one completed (by someone else), the
        # user's draft and someone else's draft.
        self.assessments = []
        for k, ref in enumerate(refs):
            for draft, by_user in ((False, False), (True, True), (True, False)):
                made = Assessment.objects.create(
                    referral=ref,
                    assessed_on=now.date(),
                    status=Assessment.Status.DRAFT if draft else Assessment.Status.COMPLETED,
                    author=user if by_user else self.someone_else,
                )
                self.assessments.append((k, draft, by_user, made))
        self.documents = []
        self.notes, self.actions = [], []
        for m, (by_user, on) in enumerate(meetings):
            meeting = PanelMeeting.objects.create(
                area=meeting_area[m],
                meets_on=now.date(),
                chair=user if by_user else self.someone_else,
            )
            self.documents.append(("meeting", len(self.documents), _document(meeting=meeting)))
            owner_agency = len(self.actions) % 3
            self.actions.append(
                (
                    (None, by_user, None if by_user else owner_agency, m),
                    MeetingAction.objects.create(
                        meeting=meeting,
                        description="Oracle",
                        due_on=now.date(),
                        owner_user=user if by_user else None,
                        owner_agency=None if by_user else self.agencies[owner_agency],
                        created_by=self.someone_else,
                    ),
                )
            )
            for position, i in enumerate(sorted({i % len(refs) for i in on}), start=1):
                item = AgendaItem.objects.create(
                    meeting=meeting, position=position, kind=AgendaItem.Kind.NEW, referral=refs[i]
                )
                note = ItemNote.objects.create(item=item, text="Oracle", written_by=self.granter)
                self.notes.append((i, m, note))
                agency = (i + position) % 3
                self.actions.append(
                    (
                        (i, False, agency, m),
                        MeetingAction.objects.create(
                            meeting=meeting,
                            item=item,
                            description="Oracle",
                            due_on=now.date(),
                            owner_agency=self.agencies[agency],
                            created_by=self.someone_else,
                        ),
                    )
                )
        for k, ref in enumerate(refs):
            self.documents.append(("referral", k, _document(referral=ref)))
            # Still in quarantine: seen by nobody.
            _document(referral=ref, status=Document.Status.QUARANTINED)
        for k, case in enumerate(case_objs):
            self.documents.append(("case", k, _document(case=case)))
        user.refresh_from_db()
        return user, refs, case_objs

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        user_active=st.booleans(),
        members=memberships,
        referrals=referral_rows,
        cases=case_rows,
        grants=grant_rows,
        meetings=meeting_rows,
        areas=st.tuples(referral_areas, meeting_areas),
    )
    def test_visible_to_and_get_for_user_match_the_rules(
        self, user_active, members, referrals, cases, grants, meetings, areas
    ):
        # A later membership row for the same (agency, role) wins, as in the database.
        members = [(a, r, st) for (a, r), st in {(a, r): st for a, r, st in members}.items()]
        cases = _dedupe_cases(cases, len(referrals))
        grants = _dedupe_grants(grants, len(referrals), len(cases))
        user, refs, case_objs = self._build(
            user_active, members, referrals, cases, grants, meetings, areas
        )
        rules = Rules(user_active, members, referrals, cases, grants, meetings, areas)

        # Referral: visible_to, and get_referral_for_user for sight and two actions.
        self._agree(
            Referral,
            get_referral_for_user,
            user,
            [r.pk for r in refs],
            rules.sees_referral,
            rules.referral_may,
            ("share", "add_information"),
        )
        # Person: follows their referrals (one person per referral here).
        self._agree(
            Person,
            get_person_for_user,
            user,
            [r.person_id for r in refs],
            rules.sees_referral,
            None,
            (),
        )
        # Channel case: visible_to, and get_case_for_user for sight, change and share.
        self._agree(
            ChannelCase,
            get_case_for_user,
            user,
            [c.pk for c in case_objs],
            rules.sees_case,
            rules.case_may,
            ("change", "share"),
        )
        # The minutes: notes with their item and meeting; actions as MeetingAction.visible_to
        # says, and get_meeting_action_for_user for sight and for closing one.
        notes = {note.pk for ref, m, note in self.notes if rules.sees_note(ref, m)}
        assert set(ItemNote.objects.visible_to(user).values_list("pk", flat=True)) == notes
        self._agree(
            MeetingAction,
            get_meeting_action_for_user,
            user,
            [action.pk for _, action in self.actions],
            lambda k: rules.sees_action(self.actions[k][0]),
            lambda k, perm: rules.action_may(self.actions[k][0], perm),
            ("change",),
        )
        # Vulnerability assessments: visible_to, and the one fetch for sight and change.
        expected = {
            a.pk
            for k, draft, by_user, a in self.assessments
            if rules.sees_assessment(k, draft, by_user)
        }
        got = set(Assessment.objects.visible_to(user).values_list("pk", flat=True))
        assert got == expected, "Assessment"
        for k, draft, by_user, assessment in self.assessments:
            seen = rules.sees_assessment(k, draft, by_user)
            may = rules.assessment_may_change(k, draft, by_user)
            assert _outcome(get_assessment_for_user, user, assessment.pk, "view") == _expected(
                seen, seen
            ), "Assessment"
            assert _outcome(get_assessment_for_user, user, assessment.pk, "change") == _expected(
                seen, may
            ), ("Assessment", "change")
        # Documents: with their record (referral, case, meeting), clean ones only.
        expected = {d.pk for kind, k, d in self.documents if rules.sees_document(kind, k)}
        got = set(Document.objects.visible_to(user).values_list("pk", flat=True))
        assert got == expected, "Document"
        for kind, _k, document in self.documents:
            outcome = _outcome(
                lambda u, pk, perm: get_document_for_user(u, pk), user, document.pk, ""
            )
            assert outcome == (200 if document.pk in expected else 404), ("Document", kind)

    @staticmethod
    def _agree(model, fetch, user, pks, sees, may, actions):
        """visible_to is exactly the records the rules let the user see; the fetch gives 404
        for the rest, and for each action 403 unless the rules allow it."""
        got = set(model.objects.visible_to(user).values_list("pk", flat=True))
        assert got == {pk for k, pk in enumerate(pks) if sees(k)}, model.__name__
        if hasattr(model.objects, "among"):
            # Half the records named first (as a page names its rows): the scope read for
            # them alone lets through exactly what the whole scope lets through of them.
            wanted = pks[::2]
            narrowed = model.objects.among(wanted).visible_to(user).values_list("pk", flat=True)
            assert set(narrowed) == got & set(wanted), (model.__name__, "among")
        for k, pk in enumerate(pks):
            seen = sees(k)
            assert _outcome(fetch, user, pk, "view") == _expected(seen, seen), model.__name__
            for action in actions:
                assert _outcome(fetch, user, pk, action) == _expected(seen, may(k, action)), (
                    model.__name__,
                    action,
                )


def test_a_referrer_who_left_the_agency_no_longer_sees_what_they_referred(db):
    """The oracle's "left the agency" state, spelt out (security.md F11): the same referral,
    seen while the referrer membership is active, not after it ends, and not through a
    referrer membership at another agency."""
    agency, elsewhere = factories.AgencyFactory(), factories.AgencyFactory()
    user = factories.member(Role.REFERRER, agency)
    referral = factories.referral(agency, referrer=user)
    rules = Rules(True, [(0, Role.REFERRER, "live")], [(0, True, False)], [], [])
    assert rules.sees_referral(0)
    assert list(Referral.objects.visible_to(user)) == [referral]
    assert _outcome(get_referral_for_user, user, referral.pk, "view") == 200

    services.membership_end(membership=Membership.objects.get(user=user), acting_user=None)
    services.membership_grant(user=user, agency=elsewhere, role=Role.REFERRER, acting_user=None)
    user.refresh_from_db()
    rules = Rules(
        True, [(0, Role.REFERRER, "ended"), (1, Role.REFERRER, "live")], [(0, True, False)], [], []
    )
    assert not rules.sees_referral(0)
    assert not Referral.objects.visible_to(user).exists()
    assert _outcome(get_referral_for_user, user, referral.pk, "view") == 404
    assert _outcome(get_person_for_user, user, referral.person_id, "view") == 404
