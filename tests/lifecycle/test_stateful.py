"""The whole lifecycle, driven at random through the services (issue 13's acceptance).

A hypothesis state machine makes referrals (a referrer's intake, the Coordinator recording
one on someone's behalf, a re-referral of the same person), triages them (officer, police
gateway results that do and do not allow a panel, every triage outcome, information
requests), schedules meetings, builds agendas, marks meetings held (refused before they
start, and without quorum unless the chair gives a reason), records decisions (adopt, not
adopt, exit, review), consent, support, exits (with and without authority, ownership
returned), post-exit reviews and corrections after the minutes are approved, while the
clock moves on.

A step the lifecycle refuses must raise (TransitionRefused, a ValueError, or another refusal
the service documents) and leave nothing changed. After every step the invariants below
hold; the ones about a step (audit, sight of cases) compare the state before and after it.

Each example runs in its own savepoint, rolled back at the end, so the examples share
one database set-up (the function-scoped ``world``) and stay fast.
"""

from __future__ import annotations

import os
import sys
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from channel_panel.assessments import has_current_assessment
from channel_panel.models import (
    AgendaItem,
    Attendance,
    ChannelCase,
    ChannelCaseGroupGrant,
    ChannelCaseUserGrant,
    Consent,
    Decision,
    ExitReason,
    PanelMeeting,
    PostExitReview,
    SupportAction,
    SupportType,
)
from channel_panel.services import (
    AttendanceEntry,
    agenda_build,
    agenda_item_add,
    assessment_complete,
    assessment_draft_save,
    attendance_record,
    case_exit,
    case_exit_agree,
    consent_record,
    consent_withdraw,
    decision_correct,
    decision_record,
    meeting_mark_held,
    meeting_schedule,
    minutes_approve,
    post_exit_review_record,
    support_action_add,
)
from channel_panel.services.decisions import ALLOWED
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused, lifecycles
from referrals.models import (
    ChronologyEntry,
    ConcernType,
    GatewayResult,
    InformationRequest,
    NeedsFlag,
    Outcome,
    Referral,
    ReferralDraft,
    ReferralGroupGrant,
    ReferralUserGrant,
    SignpostingService,
)
from referrals.services import (
    IntakeIncomplete,
    information_request_answer,
    information_request_create,
    information_request_withdraw,
    intake_agencies,
    referral_assign,
    referral_draft_discard,
    referral_gateway_record,
    referral_outcome_record,
    referral_record,
    referral_submit,
)
from referrals.statistics import referral_statistics
from tests.lifecycle_audit import audit_problems, audit_snapshot, last_log_entry

pytestmark = pytest.mark.django_db

COUNCIL_TZ = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
# After the world's memberships start (they start on the real today), a Monday morning.
START = datetime(2027, 1, 4, 9, 0, tzinfo=COUNCIL_TZ)
# What a service says when it refuses a step; anything else is a crash.
REFUSALS = (ValueError, PermissionError, PermissionDenied, StaleEdit, IntakeIncomplete)
# The models whose lifecycle fields must be audited, by lifecycle name.
AUDITED = {
    "referrals.referral": Referral,
    "referrals.information_request": InformationRequest,
    "channel_panel.meeting": PanelMeeting,
    "channel_panel.case": ChannelCase,
}
FIELDS = {name: lifecycles()[name].audited_fields for name in AUDITED}
# The coordinator sees everything (model-wide permission) and the manager no case: the
# personas whose sight hangs on agency, referrer, chair and grants are watched.
PERSONAS = [
    "chair",
    "spoc_a",
    "spoc_b",
    "panel_a",
    "referrer_a",
    "referrer_b",
]
# Who may be named case manager (some of them do not work in a case role where named).
MANAGERS = ["spoc_a", "spoc_b", "coordinator", "panel_a", "referrer_a", "manager"]
AGENCIES = ["agency_a", "agency_b", "council"]
HELD_STATES = (PanelMeeting.Status.HELD, PanelMeeting.Status.MINUTES_APPROVED)
BORN = {"day": "4", "month": "7", "year": "2009"}
pick = st.integers(min_value=0, max_value=30)


def _nth(rows, i):
    rows = list(rows)
    return rows[i % len(rows)] if rows else None


COUNTED = [
    LogEntry,
    ChronologyEntry,
    Decision,
    AgendaItem,
    Attendance,
    Consent,
    SupportAction,
    ReferralUserGrant,
    ReferralGroupGrant,
    ChannelCaseUserGrant,
    ChannelCaseGroupGrant,
    ReferralDraft,
]


def fingerprint() -> tuple:
    """Everything a refused step must leave as it was (the row counts in one query)."""
    counts = ", ".join(
        # Table names from the models' own metadata, never from input.
        f"(SELECT count(*) FROM {connection.ops.quote_name(m._meta.db_table)})"  # noqa: S608
        for m in COUNTED
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        rows = cursor.fetchone()
    return (
        rows,
        tuple(Referral.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(ChannelCase.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(PanelMeeting.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(InformationRequest.objects.order_by("pk").values_list("pk", "status")),
        tuple(PostExitReview.objects.order_by("pk").values_list("pk", "held_on")),
    )


def _live(grant, now) -> bool:
    return (grant.starts_at is None or grant.starts_at <= now) and (
        grant.expires_at is None or grant.expires_at > now
    )


def access_facts() -> dict:
    """Per record, what gives anyone sight of it: its agency, its referrer, the chairs of
    meetings with it on the agenda, and its grants (and whether each is live now)."""
    now = timezone.now()
    facts: dict = {}
    chairs: dict = {}
    for referral_id, chair_id in AgendaItem.objects.exclude(referral=None).values_list(
        "referral_id", "meeting__chair_id"
    ):
        chairs.setdefault(referral_id, set()).add(chair_id)
    for pk, agency, referrer in Referral.objects.values_list(
        "pk", "owning_agency_id", "referrer_id"
    ):
        facts[("referral", pk)] = {"agency": agency, "referrer": referrer, "grants": set()}
        facts[("referral", pk)]["chairs"] = frozenset(chairs.get(pk, ()))
    for pk, agency, referral_id in ChannelCase.objects.values_list(
        "pk", "lead_agency_id", "referral_id"
    ):
        facts[("case", pk)] = {"agency": agency, "referrer": None, "grants": set()}
        facts[("case", pk)]["chairs"] = frozenset(chairs.get(referral_id, ()))
    for kind, model, holder in [
        ("referral", ReferralUserGrant, "user_id"),
        ("referral", ReferralGroupGrant, "group_id"),
        ("case", ChannelCaseUserGrant, "user_id"),
        ("case", ChannelCaseGroupGrant, "group_id"),
    ]:
        for grant in model.objects.all():
            key = (kind, grant.content_object_id)
            if key in facts:
                facts[key]["grants"].add(
                    (holder, getattr(grant, holder), grant.pk, _live(grant, now))
                )
    return facts


class LifecycleMachine(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._travel = time_machine.travel(START, tick=False)
        self._clock = self._travel.start()
        w = self.world
        self.users = {name: w.persona(name) for name in {*PERSONAS, *MANAGERS, "coordinator"}}
        self.agencies = {"agency_a": w.agency_a, "agency_b": w.agency_b, "council": w.council}
        # Core panel agencies are those configured when a meeting is scheduled.
        self.case_agencies = {
            name: {
                (m.agency_id, m.agency.group_id)
                for m in Membership.objects.active()
                .filter(user=user, role__in=AGENCY_CASE_ROLES)
                .select_related("agency")
            }
            for name, user in self.users.items()
        }
        self.exit_reasons = list(ExitReason.objects.order_by("pk"))
        self.support_type = SupportType.objects.first()
        self.signposting = SignpostingService.objects.first()
        self.concern = ConcernType.objects.current().first()
        self.flag = NeedsFlag.objects.current().first()
        self.people = 0
        self.stats_seen = None
        self.before = None

    def teardown(self):
        try:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        finally:
            self._travel.stop()

    # --- helpers ------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return timezone.localdate()

    def sight(self) -> dict:
        out = {}
        for name in PERSONAS:
            user = self.users[name]
            out[name] = (
                set(Referral.objects.visible_to(user).values_list("pk", flat=True)),
                set(ChannelCase.objects.visible_to(user).values_list("pk", flat=True)),
            )
        return out

    def _reasons(self, name: str, facts: dict | None, kind: str):
        """Why persona ``name`` sees one record, from its facts (None: it did not exist)."""
        if facts is None:
            return None
        user = self.users[name]
        agencies = {a for a, _ in self.case_agencies[name]}
        groups = {g for _, g in self.case_agencies[name]}
        return (
            facts["agency"] in agencies,
            facts["referrer"] == user.pk,
            user.pk in facts["chairs"],
            frozenset(
                (pk, live)
                for holder, who, pk, live in facts["grants"]
                if (holder == "user_id" and who == user.pk)
                or (holder == "group_id" and who in groups)
            ),
        )

    def state(self) -> dict:
        """What the checks around a step compare. Invariants write nothing, so the state
        after one step is the state before the next: it is read once per step."""
        return {
            "print": fingerprint(),
            "sight": self.sight(),
            "facts": access_facts(),
            "audit": {name: audit_snapshot(model, FIELDS[name]) for name, model in AUDITED.items()},
            "log": last_log_entry(),
        }

    def step(self, action, *, must_refuse: bool = False, clock_only: bool = False):
        """Run one step: audited, and if refused, with nothing changed. The change of sight
        of every persona is explained by a change in why they see the record."""
        before = self.before or self.state()
        self.before = None
        refused = None
        try:
            result = action()
        except (TransitionRefused, *REFUSALS) as error:
            refused = error
            result = None
        after = self.state()
        # --hypothesis-show-statistics lists how often each step was done or refused.
        event(f"{sys._getframe(1).f_code.co_name}: {'refused' if refused else 'done'}")
        if refused is not None:
            assert after["print"] == before["print"], f"refused ({refused}) but something changed"
        assert not must_refuse or refused is not None, "the lifecycle should have refused this"
        problems = [
            problem
            for name, model in AUDITED.items()
            for problem in audit_problems(
                model, FIELDS[name], before["audit"][name], after["audit"][name], before["log"]
            )
        ]
        assert not problems, "\n".join(problems)
        logged = after["log"] > before["log"]
        for name in PERSONAS:
            for index, kind in enumerate(("referral", "case")):
                changed = before["sight"][name][index] ^ after["sight"][name][index]
                for pk in changed:
                    was = self._reasons(name, before["facts"].get((kind, pk)), kind)
                    now = self._reasons(name, after["facts"].get((kind, pk)), kind)
                    assert was != now, (
                        f"{name} {'gained' if pk in after['sight'][name][index] else 'lost'} "
                        f"sight of {kind} {pk} with nothing recorded to say why"
                    )
                    assert logged or clock_only, (
                        f"{name}'s sight of {kind} {pk} changed and no audit entry was written"
                    )
        self.before = after
        return result

    def open_referrals(self):
        return Referral.objects.filter(status__in=Referral.OPEN_STATUSES).order_by("pk")

    # --- intake ---------------------------------------------------------------------------
    def _draft(self, user, agency, extra=()):
        self.people += 1
        answers = [
            ("name", {"given_name": f"Testy{self.people}", "family_name": "Examplesson"}),
            (
                "date-of-birth",
                {
                    "date_of_birth_day": "4",
                    "date_of_birth_month": "7",
                    "date_of_birth_year": "2009",
                },
            ),
            ("gender", {"gender": "other"}),
            ("address", {"address": "1 Fiction Lane", "postcode": "zz99zz"}),
            ("school", {"school_or_employer": "Imaginary Academy"}),
            ("aliases", {"aliases": ""}),
            ("concern", {"concern_summary": "Fictional worrying material."}),
            ("concern-types", {"concern_types": [str(self.concern.pk)]}),
            ("needs", {"needs_flags": [str(self.flag.pk)]}),
            ("awareness", {"person_awareness": "aware"}),
            *extra,
        ]
        # The draft's pages are test set-up (their forms have their own tests): written at
        # once, and still checked page by page again when it is submitted.
        draft, _ = ReferralDraft.objects.update_or_create(
            author=user,
            defaults={"agency": agency or intake_agencies(user)[0], "data": dict(answers)},
        )
        return draft

    @rule(
        who=st.sampled_from(["referrer_a", "referrer_b", "spoc_b", "coordinator"]),
        agency=st.sampled_from(AGENCIES),
        days_ago=st.integers(min_value=-3, max_value=400),
    )
    def intake(self, who, agency, days_ago):
        """A referrer's own referral, received today; or one the Coordinator records on
        someone's behalf, from an agency, on a day received (refused in the future)."""
        user = self.users[who]
        extra = []
        if who == "coordinator":
            received = self.today - timedelta(days=days_ago)
            source = {
                "referring_agency": str(self.agencies[agency].pk),
                "received_on": received.isoformat(),
            }
            extra = [("source", source)]
        draft = self._draft(user, None, extra)
        # The draft is the user's own work before the step: read the state again after it, so
        # a refused submit is compared with the draft already there (it stays, as it should).
        self.before = None
        self.step(
            lambda: referral_submit(draft=draft, acting_user=user),
            must_refuse=who == "coordinator" and days_ago < 0,
        )
        referral_draft_discard(acting_user=user)
        self.before = None  # the discard happened outside a step

    @precondition(lambda self: Referral.objects.exists())
    @rule(i=pick, agency=st.sampled_from(AGENCIES))
    def same_person_referred_again(self, i, agency):
        earlier = _nth(Referral.objects.order_by("pk"), i)
        owner = self.agencies[agency]
        self.step(
            lambda: referral_record(
                person=earlier.person,
                owning_agency=owner,
                referring_sector=owner.sector,
                received_on=self.today,
                concern_summary="Referred again",
                referrer=None,
                acting_user=self.users["coordinator"],
            )
        )

    # --- triage ---------------------------------------------------------------------------
    @precondition(lambda self: Referral.objects.exists())
    @rule(i=pick, officer=st.sampled_from(["coordinator", None]))
    def assign(self, i, officer):
        referral = _nth(Referral.objects.order_by("pk"), i)
        self.step(
            lambda: referral_assign(
                referral=referral,
                officer=officer and self.users[officer],
                expected_version=referral.version,
                acting_user=self.users["coordinator"],
            )
        )

    @precondition(lambda self: Referral.objects.exists())
    @rule(
        i=pick,
        code=st.sampled_from(["cleared", "police_led", "not_suitable", "pending"]),
        days_after=st.integers(min_value=0, max_value=10),
    )
    def gateway(self, i, code, days_after):
        referral = _nth(self.open_referrals(), i) or _nth(Referral.objects.order_by("pk"), i)
        checked_on = referral.received_on + timedelta(days=days_after)
        self.step(
            lambda: referral_gateway_record(
                referral=referral,
                gateway_outcome=code,
                checked_on=checked_on,
                expected_version=referral.version,
                acting_user=self.users["coordinator"],
            ),
            must_refuse=code == "pending" or checked_on > self.today,
        )

    @precondition(lambda self: Referral.objects.exists())
    @rule(
        i=pick,
        code=st.sampled_from(
            [Outcome.PASSED_TO_PANEL, Outcome.NO_FURTHER_ACTION, Outcome.SIGNPOSTED]
            + [Outcome.POLICE_LED, Outcome.PASSED_TO_PANEL]
        ),
        reason=st.sampled_from(["A reason", " "]),
        signposted=st.booleans(),
    )
    def outcome(self, i, code, reason, signposted):
        referral = _nth(self.open_referrals(), i) or _nth(Referral.objects.order_by("pk"), i)
        outcome = Outcome.objects.get(code=code)
        blocked = code == Outcome.PASSED_TO_PANEL and not referral.gateway_allows_panel()
        self.step(
            lambda: referral_outcome_record(
                referral=referral,
                outcome=outcome,
                reason=reason,
                signposted_to=self.signposting if signposted else None,
                expected_version=referral.version,
                acting_user=self.users["coordinator"],
            ),
            must_refuse=blocked or not reason.strip(),
        )

    @precondition(lambda self: Referral.objects.exists())
    @rule(i=pick, agency=st.sampled_from(["agency_a", "agency_b"]))
    def ask_for_information(self, i, agency):
        referral = _nth(Referral.objects.order_by("pk"), i)
        self.step(
            lambda: information_request_create(
                referral=referral,
                agency=self.agencies[agency],
                question="Known to you?",
                due_on=self.today + timedelta(days=14),
                acting_user=self.users["coordinator"],
            )
        )

    @precondition(lambda self: InformationRequest.objects.exists())
    @rule(i=pick, answer=st.booleans())
    def answer_or_withdraw_request(self, i, answer):
        request = _nth(InformationRequest.objects.order_by("pk"), i)
        spoc = self.users["spoc_a" if request.agency_id == self.world.agency_a.pk else "spoc_b"]
        if answer:
            self.step(
                lambda: information_request_answer(
                    request=request, response="Not known to us.", acting_user=spoc
                )
            )
        else:
            self.step(
                lambda: information_request_withdraw(
                    request=request,
                    reason="No longer needed",
                    acting_user=self.users["coordinator"],
                )
            )

    # --- meetings -------------------------------------------------------------------------
    @rule(days_ahead=st.integers(min_value=0, max_value=20), hour=st.sampled_from([None, 10, 14]))
    def schedule_meeting(self, days_ahead, hour):
        from datetime import time

        self.step(
            lambda: meeting_schedule(
                meets_on=self.today + timedelta(days=days_ahead),
                starts_at=time(hour) if hour is not None else None,
                chair=self.users["chair"],
                acting_user=self.users["coordinator"],
            )
        )

    @precondition(lambda self: PanelMeeting.objects.exists())
    @rule(m=pick)
    def build_agenda(self, m):
        meeting = _nth(PanelMeeting.objects.order_by("pk"), m)
        self.step(lambda: agenda_build(meeting=meeting, acting_user=self.users["chair"]))

    @precondition(lambda self: PanelMeeting.objects.exists() and Referral.objects.exists())
    @rule(m=pick, i=pick, as_case=st.booleans())
    def add_item(self, m, i, as_case):
        meeting = _nth(PanelMeeting.objects.order_by("pk"), m)
        referral = _nth(Referral.objects.order_by("pk"), i)
        case = ChannelCase.objects.filter(referral=referral).first() if as_case else None
        blocked = case is None and not referral.gateway_allows_panel()
        self.step(
            lambda: agenda_item_add(
                meeting=meeting,
                referral=None if case else referral,
                case=case,
                acting_user=self.users["chair"],
            ),
            must_refuse=blocked,
        )

    @precondition(lambda self: PanelMeeting.objects.exists())
    @rule(m=pick, quorate=st.booleans())
    def record_attendance(self, m, quorate, meeting=None):
        meeting = meeting or _nth(PanelMeeting.objects.order_by("pk"), m)
        core = list(meeting.core_agencies.order_by("pk"))
        if not quorate:
            core = core[:-1]
        entries = [
            AttendanceEntry(agency=a, status=Attendance.Status.PRESENT, name=f"Member of {a}")
            for a in core
        ] or [
            AttendanceEntry(
                agency=self.world.council, status=Attendance.Status.ABSENT, name="Someone"
            )
        ]
        self.step(
            lambda: attendance_record(
                meeting=meeting,
                entries=entries,
                expected_version=meeting.version,
                acting_user=self.users["chair"],
            )
        )

    @precondition(lambda self: PanelMeeting.objects.exists())
    @rule(m=pick, confirm=st.booleans(), reason=st.sampled_from(["", "Urgent cases"]))
    def mark_held(self, m, confirm, reason, meeting=None):
        meeting = meeting or _nth(PanelMeeting.objects.order_by("pk"), m)
        quorate, _ = meeting.quorum()
        refuse = meeting.status == PanelMeeting.Status.PLANNED and (
            not meeting.has_started() or not (quorate or (confirm and reason))
        )
        self.step(
            lambda: meeting_mark_held(
                meeting=meeting,
                expected_version=meeting.version,
                confirm_inquorate=confirm,
                inquorate_reason=reason,
                acting_user=self.users["chair"],
            ),
            must_refuse=refuse,
        )

    @precondition(lambda self: PanelMeeting.objects.exists())
    @rule(m=pick)
    def approve_minutes(self, m, meeting=None):
        meeting = meeting or _nth(PanelMeeting.objects.order_by("pk"), m)
        self.step(
            lambda: minutes_approve(
                meeting=meeting,
                expected_version=meeting.version,
                acting_user=self.users["chair"],
            )
        )

    def _details(self, outcome, lead, manager, reason, returned):
        exit_reason = _nth(self.exit_reasons, reason)
        return {
            "signposted_to": self.signposting,
            "referred_to": "Children's services" if outcome == "refer_elsewhere" else "",
            "lead_agency": self.agencies[lead],
            "case_manager": self.users[manager],
            "exit_reason": exit_reason,
            "return_ownership_to": (
                self.agencies[lead]
                if returned or exit_reason.code == ExitReason.OWNERSHIP_RETURNED
                else None
            ),
        }

    @precondition(lambda self: AgendaItem.objects.exclude(kind=AgendaItem.Kind.OTHER).exists())
    @rule(
        i=pick,
        choice=pick,
        lead=st.sampled_from(AGENCIES),
        manager=st.sampled_from(MANAGERS),
        reason=pick,
        returned=st.booleans(),
    )
    def decide(self, i, choice, lead, manager, reason, returned):
        items = AgendaItem.objects.exclude(kind=AgendaItem.Kind.OTHER).order_by("pk")
        item = _nth(items.filter(decisions=None), i) or _nth(items, i)
        outcome = _nth(ALLOWED[item.kind], choice)
        details = self._details(outcome, lead, manager, reason, returned)
        self.step(
            lambda: decision_record(
                item=item,
                outcome=outcome,
                rationale="Discussed",
                acting_user=self.users["chair"],
                **details,
            )
        )

    @precondition(
        lambda self: Decision.objects.filter(
            item__meeting__status=PanelMeeting.Status.MINUTES_APPROVED
        ).exists()
    )
    @rule(
        i=pick,
        choice=pick,
        lead=st.sampled_from(AGENCIES),
        manager=st.sampled_from(MANAGERS),
        reason=pick,
        returned=st.booleans(),
    )
    def correct_decision(self, i, choice, lead, manager, reason, returned):
        decision = _nth(
            Decision.objects.current()
            .filter(item__meeting__status=PanelMeeting.Status.MINUTES_APPROVED)
            .order_by("pk"),
            i,
        )
        if decision is None:
            return
        outcome = _nth(ALLOWED[decision.item.kind], choice)
        details = self._details(outcome, lead, manager, reason, returned)
        self.step(
            lambda: decision_correct(
                decision=decision,
                outcome=outcome,
                rationale="Corrected",
                acting_user=self.users["chair"],
                **details,
            )
        )

    # --- cases ----------------------------------------------------------------------------
    @precondition(lambda self: ChannelCase.objects.exists())
    @rule(i=pick, kind=st.sampled_from(["given", "refused", "withdrawn"]))
    def consent(self, i, kind):
        case = _nth(ChannelCase.objects.order_by("pk"), i)
        user = self.users["coordinator"]
        if kind == "withdrawn":
            consent = case.consents.filter(answer=Consent.Answer.GIVEN).last()
            if consent is None:
                return
            self.step(
                lambda: consent_withdraw(
                    consent=consent,
                    withdrawn_on=self.today,
                    withdrawn_by="parent",
                    withdrawer_name="A parent",
                    expected_version=consent.version,
                    acting_user=user,
                )
            )
        else:
            self.step(
                lambda: consent_record(
                    case=case,
                    given_by="parent",
                    giver_name="A parent",
                    given_on=self.today,
                    answer=kind,
                    acting_user=user,
                )
            )

    @precondition(lambda self: ChannelCase.objects.exists())
    @rule(i=pick)
    def add_support(self, i):
        case = _nth(ChannelCase.objects.order_by("pk"), i)
        self.step(
            lambda: support_action_add(
                case=case,
                support_type=self.support_type,
                description="Mentoring",
                owner_agency=case.lead_agency,
                acting_user=self.users["coordinator"],
            )
        )

    @precondition(lambda self: ChannelCase.objects.exists())
    @rule(i=pick, by=st.sampled_from(["chair", "coordinator"]))
    def chair_agrees_exit(self, i, by):
        case = _nth(ChannelCase.objects.order_by("pk"), i)
        self.step(
            lambda: case_exit_agree(
                case=case, agreed_on=self.today, reason="By e-mail", acting_user=self.users[by]
            ),
            must_refuse=by != "chair",
        )

    @precondition(lambda self: ChannelCase.objects.exists())
    @rule(
        i=pick,
        reason=pick,
        returned=st.booleans(),
        lead=st.sampled_from(AGENCIES),
        manager=st.sampled_from(MANAGERS),
        signposted=st.booleans(),
    )
    def exit_case(self, i, reason, returned, lead, manager, signposted):
        case = _nth(ChannelCase.objects.open(), i) or _nth(ChannelCase.objects.order_by("pk"), i)
        exit_reason = _nth(self.exit_reasons, reason)
        unauthorised = (
            case.status == ChannelCase.Status.OPEN
            and case.exit_agreed_on is None
            and not Decision.objects.current()
            .filter(item__case=case, outcome=Decision.Outcome.EXIT)
            .filter(item__meeting__status__in=HELD_STATES)
            .exists()
        )
        self.step(
            lambda: case_exit(
                case=case,
                reason=exit_reason,
                exited_on=self.today,
                return_ownership_to=self.agencies[lead] if returned else None,
                returned_case_manager=self.users[manager] if returned else None,
                signposted_to=self.signposting if signposted else None,
                expected_version=case.version,
                acting_user=self.users["coordinator"],
            ),
            must_refuse=unauthorised,
        )

    @precondition(lambda self: PostExitReview.objects.exists())
    @rule(i=pick)
    def post_exit_review(self, i):
        reviews = PostExitReview.objects.order_by("pk")
        review = _nth(reviews.filter(held_on=None), i) or _nth(reviews, i)
        self.step(
            lambda: post_exit_review_record(
                review=review,
                held_on=self.today,
                notes="Doing well",
                acting_user=self.users["coordinator"],
            )
        )

    # --- the way forward -------------------------------------------------------------------
    @initialize(who=st.sampled_from(["referrer_a", "coordinator"]), steps=st.integers(0, 16))
    def a_referral_part_way_along(self, who, steps):
        """Every sequence starts with a referral taken a random way along the usual path
        (from just received to exited with its reviews held), so the random rules after it
        meet every state, not only the first few."""
        self.intake(who=who, agency="agency_b", days_ago=3)
        referral = Referral.objects.order_by("pk").last()
        for _ in range(steps):
            self._advance_once(Referral.objects.get(pk=referral.pk))

    @precondition(lambda self: Referral.objects.exists())
    @rule(i=pick, steps=st.integers(min_value=1, max_value=8))
    def advance(self, i, steps):
        """Take one referral up to ``steps`` steps along the usual path (each step checked
        as any other)."""
        referral = _nth(Referral.objects.order_by("pk"), i)
        for _ in range(steps):
            self._advance_once(Referral.objects.get(pk=referral.pk))

    def _advance_once(self, referral):
        """Take one referral a step along the usual path (gateway cleared, passed to panel,
        on an agenda, the meeting held, adopted, minutes approved, the chair's agreement,
        exit, post-exit reviews), so that random sequences reach deep states; the other rules
        push them off it."""
        chair, coordinator = self.users["chair"], self.users["coordinator"]
        case = ChannelCase.objects.filter(referral=referral).first()
        if referral.status in Referral.OPEN_STATUSES:
            if not referral.gateway_allows_panel():
                self.step(
                    lambda: referral_gateway_record(
                        referral=referral,
                        gateway_outcome="cleared",
                        checked_on=referral.received_on,
                        expected_version=referral.version,
                        acting_user=coordinator,
                    )
                )
                return
            self.step(
                lambda: referral_outcome_record(
                    referral=referral,
                    outcome=Outcome.objects.get(code=Outcome.PASSED_TO_PANEL),
                    reason="Vulnerable",
                    expected_version=referral.version,
                    acting_user=coordinator,
                )
            )
            return
        item = (
            AgendaItem.objects.filter(referral=referral)
            .exclude(meeting__status=PanelMeeting.Status.MINUTES_APPROVED)
            .order_by("-pk")
            .first()
        )
        if item is not None:
            meeting = item.meeting
            if meeting.status == PanelMeeting.Status.PLANNED:
                if not meeting.attendance.exists():
                    self.record_attendance(m=0, quorate=True, meeting=meeting)
                else:
                    self.mark_held(m=0, confirm=True, reason="Urgent cases", meeting=meeting)
                return
            if (
                not item.decisions.exists()
                and item.kind == AgendaItem.Kind.NEW
                and not has_current_assessment(referral.pk, meeting.meets_on)
            ):
                # The panel adopts only with a current vulnerability assessment (issue 17).
                self.assess(i=0, referral=referral)
                return
            if not item.decisions.exists():
                outcome = {
                    AgendaItem.Kind.NEW: Decision.Outcome.ADOPT,
                    AgendaItem.Kind.REVIEW: Decision.Outcome.CONTINUE,
                    AgendaItem.Kind.POST_EXIT: Decision.Outcome.REVIEW,
                }[item.kind]
                details = self._details(outcome, "agency_a", "spoc_a", 0, False)
                self.step(
                    lambda: decision_record(
                        item=item, outcome=outcome, rationale="Agreed", acting_user=chair, **details
                    )
                )
                return
            self.approve_minutes(m=0, meeting=meeting)
            return
        if case is None or case.status == ChannelCase.Status.OPEN and case.exit_agreed_on:
            if case is not None:
                reason = ExitReason.objects.exclude(
                    code__in=[
                        ExitReason.OWNERSHIP_RETURNED,
                        ExitReason.CONSENT_REFUSED,
                        ExitReason.CONSENT_WITHDRAWN,
                    ]
                ).first()
                self.step(
                    lambda: case_exit(
                        case=case,
                        reason=reason,
                        exited_on=max(self.today, case.adopted_on),
                        signposted_to=self.signposting,
                        expected_version=case.version,
                        acting_user=coordinator,
                    )
                )
                return
            meeting = PanelMeeting.objects.filter(
                status=PanelMeeting.Status.PLANNED, meets_on__gte=self.today
            ).first()
            if meeting is None:
                self.schedule_meeting(days_ahead=0, hour=None)
                return
            self.step(
                lambda: agenda_item_add(meeting=meeting, referral=referral, acting_user=chair)
            )
            return
        if case.status == ChannelCase.Status.OPEN:
            self.step(
                lambda: case_exit_agree(
                    case=case,
                    agreed_on=max(self.today, case.adopted_on),
                    reason="By e-mail",
                    acting_user=chair,
                )
            )
            return
        review = case.reviews.filter(held_on=None).order_by("due_on").first()
        if review is not None:
            self.step(
                lambda: post_exit_review_record(
                    review=review, held_on=self.today, notes="Well", acting_user=coordinator
                )
            )

    # --- the vulnerability assessment (issue 17) -------------------------------------------
    @precondition(lambda self: Referral.objects.exists())
    @rule(i=pick)
    def assess(self, i, referral=None):
        """The Coordinator completes a vulnerability assessment of a referral, dated today
        (refused unless it is passed to panel or its case is open)."""
        referral = referral or _nth(Referral.objects.order_by("pk"), i)
        coordinator = self.users["coordinator"]

        @transaction.atomic
        def record():
            on = max(self.today, referral.received_on)
            draft = assessment_draft_save(
                referral=referral,
                assessed_on=on,
                ratings={},
                summary="Some vulnerability",
                management_plan="Mentoring",
                acting_user=coordinator,
            )
            return assessment_complete(
                assessment=draft, expected_version=draft.version, acting_user=coordinator
            )

        self.step(record)

    # --- time -----------------------------------------------------------------------------
    @rule(days=st.integers(min_value=1, max_value=60), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.step(lambda: self._clock.shift(timedelta(days=days, hours=hours)), clock_only=True)

    # --- invariants -----------------------------------------------------------------------
    @invariant()
    def every_case_was_adopted_at_a_held_meeting(self):
        adoptions = Decision.objects.filter(
            item__referral_id=OuterRef("referral_id"),
            item__kind=AgendaItem.Kind.NEW,
            outcome=Decision.Outcome.ADOPT,
            item__meeting__status__in=HELD_STATES,
        )
        # A case whose adoption was corrected away stays, closed and never exited, with its
        # history: its adoption is no longer in force. Every other case's is.
        withdrawn = Q(status=ChannelCase.Status.CLOSED, exited_on=None)
        bad = list(
            ChannelCase.objects.filter(
                (withdrawn & ~Exists(adoptions)) | (~withdrawn & ~Exists(adoptions.current()))
            ).values_list("pk", "status")
        )
        assert not bad, f"Channel cases with no adoption decision at a held meeting: {bad}"

    @invariant()
    def nothing_reaches_the_panel_without_a_gateway_result_that_allows_it(self):
        allowing = GatewayResult.objects.filter(allows_panel=True).values("code")
        bad = list(
            AgendaItem.objects.exclude(referral=None)
            .exclude(referral__gateway_outcome__in=allowing)
            .values_list("referral_id", "referral__gateway_outcome")
        )
        assert not bad, f"on a panel agenda without a gateway result that allows it: {bad}"

    @invariant()
    def every_open_case_has_a_lead_agency_and_a_manager_working_there(self):
        works_there = Membership.objects.active().filter(
            user_id=OuterRef("case_manager_id"),
            agency_id=OuterRef("lead_agency_id"),
            role__in=AGENCY_CASE_ROLES,
            user__is_active=True,
        )
        bad = list(
            ChannelCase.objects.open()
            .filter(Q(lead_agency=None) | ~Exists(works_there))
            .values_list("pk", "lead_agency_id", "case_manager_id")
        )
        assert not bad, f"open cases whose manager does not work at the lead agency: {bad}"

    @invariant()
    def statistics_count_each_referral_once(self):
        received = tuple(Referral.objects.order_by("pk").values_list("pk", "received_on"))
        if received == self.stats_seen:
            return  # nothing they count has changed since they were last checked
        self.stats_seen = received
        today = self.today
        year_start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
        quarters = [
            (year_start, date(year_start.year, 6, 30)),
            (date(year_start.year, 7, 1), date(year_start.year, 9, 30)),
            (date(year_start.year, 10, 1), date(year_start.year, 12, 31)),
            (date(year_start.year + 1, 1, 1), date(year_start.year + 1, 3, 31)),
        ]
        year = referral_statistics(date_from=year_start, date_to=quarters[-1][1])["referrals"]
        in_year = sum(1 for _, on in received if year_start <= on <= quarters[-1][1])
        assert year == in_year, f"the year counts {year} referrals; {in_year} were received"
        by_quarter = [
            referral_statistics(date_from=start, date_to=end)["referrals"]
            for start, end in quarters
        ]
        assert sum(by_quarter) == year, f"quarters {by_quarter} do not add up to the year {year}"


SETTINGS = settings(
    # 100 sequences of up to 15 steps in CI (halved from 200 to keep CI within its time: each
    # step checked against every persona's sight and the audit trail); LIFECYCLE_EXAMPLES
    # raises it for a deeper run, or lowers it for a quick local loop.
    max_examples=int(os.environ.get("LIFECYCLE_EXAMPLES", "100")),
    stateful_step_count=15,
    deadline=None,
    # The same sequences on every run, so CI cannot pass or fail by the draw; a local run
    # with HYPOTHESIS_RANDOM=1 explores new ones.
    derandomize=os.environ.get("HYPOTHESIS_RANDOM") != "1",
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def test_the_lifecycle_holds_through_random_sequences(world):
    from hypothesis.stateful import run_state_machine_as_test

    LifecycleMachine.world = world
    assert set(AUDITED) <= set(lifecycles()), "a lifecycle this test audits is not registered"
    run_state_machine_as_test(LifecycleMachine, settings=SETTINGS)
