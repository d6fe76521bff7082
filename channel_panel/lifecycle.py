"""The Channel Panel's lifecycles: every state change of a meeting, an agenda item's decision
and a Channel case, with its preconditions, in one table a reviewer can read in one sitting.

Services call ``<LIFECYCLE>.require(step, record, **context)`` before they write; views call
``<LIFECYCLE>.needed(step, record, **context)`` to tell the user what is still needed. The
framework is ``prevent_portal/core/lifecycle.py``; ``docs/architecture.md`` prints these
tables (a test keeps them the same).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from channel_panel.models import AgendaItem, Decision, PanelMeeting
from prevent_portal.core.lifecycle import ANY_STATE, Lifecycle, Transition, condition

# --- Meetings and decisions -------------------------------------------------------------
# A meeting is planned, then held (not before it starts; without quorum only when the chair
# confirms it and says why), then its minutes are approved (every case item decided, the
# attendance recorded). A decision is recorded once the meeting has started (so an adoption
# or exit dated the meeting's day is never in the future), reworded until the minutes are
# approved, and corrected after: a correction undoes what the decision did and does what
# the corrected one does (channel_panel/services/decisions.py).


def _when(meeting: PanelMeeting) -> str:
    starts = meeting.starts()
    day = f"{starts:%-d %B %Y}"
    return f"at {starts:%H:%M} on {day}" if meeting.starts_at else f"on {day}"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


@condition(
    lambda meeting, **_: (
        f"The meeting starts {_when(meeting)}: it cannot be marked held before then."
    )
)
def meeting_has_started(meeting: PanelMeeting, *, now: datetime | None = None, **_) -> bool:
    return meeting.has_started(_now(now))


def _missing_names(meeting: PanelMeeting) -> str:
    _, missing = meeting.quorum()
    return ", ".join(agency.name for agency in missing)


def _quorum_message(
    meeting: PanelMeeting, *, confirm_inquorate: bool = False, inquorate_reason: str = "", **_
) -> str:
    if confirm_inquorate and not inquorate_reason.strip():
        return "Give the reason for holding the meeting without quorum."
    if not meeting.attendance.exists():
        return (
            "No attendance is recorded, so the meeting is not quorate: record the attendance, "
            "or confirm and give a reason to hold it anyway."
        )
    return (
        f"Not quorate: missing {_missing_names(meeting)}. "
        "Confirm and give a reason to hold it anyway."
    )


@condition(_quorum_message)
def quorate_or_confirmed_with_reason(
    meeting: PanelMeeting,
    *,
    confirm_inquorate: bool = False,
    inquorate_reason: str = "",
    **_,
) -> bool:
    quorate, _missing = meeting.quorum()
    return quorate or (confirm_inquorate and bool(inquorate_reason.strip()))


def _undecided(meeting: PanelMeeting) -> list[AgendaItem]:
    return list(meeting.items.undecided().order_by("position"))


@condition(
    lambda meeting, **_: (
        f"{len(_undecided(meeting))} agenda item(s) have no decision yet (item "
        f"{', '.join(str(item.position) for item in _undecided(meeting))}): record them first."
    )
)
def every_case_item_decided(meeting: PanelMeeting, **_) -> bool:
    return not _undecided(meeting)


@condition("Record the attendance before approving the minutes.")
def attendance_recorded(meeting: PanelMeeting, **_) -> bool:
    return meeting.attendance.exists()


MEETING = Lifecycle(
    name="channel_panel.meeting",
    noun="meeting",
    state="status",
    state_labels=dict(PanelMeeting.Status.choices),
    transitions=[
        Transition(
            name="hold",
            label="Mark as held",
            source=(PanelMeeting.Status.PLANNED,),
            target=PanelMeeting.Status.HELD,
            conditions=(meeting_has_started, quorate_or_confirmed_with_reason),
        ),
        Transition(
            name="approve_minutes",
            label="Approve the minutes",
            source=(PanelMeeting.Status.HELD,),
            target=PanelMeeting.Status.MINUTES_APPROVED,
            conditions=(every_case_item_decided, attendance_recorded),
        ),
    ],
    audited_fields=("status", "held_by", "held_at", "inquorate_reason", "minutes_approved_by"),
)


# A decision's life is read on its agenda item: undecided, decided while the minutes are a
# draft, decided once they are approved.
UNDECIDED, DRAFT, APPROVED = "undecided", "draft", "approved"


def decision_state(item: AgendaItem) -> str:
    if not item.decisions.exists():
        return UNDECIDED
    return APPROVED if item.meeting.minutes_approved else DRAFT


@condition("The minutes are approved: record a correction instead.")
def minutes_not_approved(item: AgendaItem, **_) -> bool:
    return not item.meeting.minutes_approved


@condition(
    lambda item, **_: (
        f"The meeting starts {_when(item.meeting)}: its decisions can be recorded from then."
    )
)
def meeting_started(item: AgendaItem, *, now: datetime | None = None, **_) -> bool:
    return item.meeting.has_started(_now(now))


@condition("That decision cannot be made on this item.")
def outcome_allowed(item: AgendaItem, *, outcome: str = "", **_) -> bool:
    from channel_panel.services.decisions import ALLOWED

    return outcome in ALLOWED[item.kind]


@condition(
    "Adoption and exit are the panel's decisions: mark the meeting held (quorate, or "
    "confirmed with a reason) before recording them."
)
def held_if_adopting_or_exiting(item: AgendaItem, *, outcome: str = "", **_) -> bool:
    # Issue 13, invariant 1: no Channel case without an adoption decision at a held meeting.
    # Other outcomes (not adopted, referred elsewhere, continue) may be noted as the meeting
    # runs; a case is opened or ended only by a meeting whose quorum has been settled.
    return outcome not in (Decision.Outcome.ADOPT, Decision.Outcome.EXIT) or (
        item.meeting.status != PanelMeeting.Status.PLANNED
    )


@condition("A decision needs its rationale.")
def rationale_given(item: AgendaItem, *, rationale: str = "", **_) -> bool:
    return bool(rationale.strip())


@condition("Say where the person is signposted to.")
def signposting_if_not_adopted(item, *, outcome: str = "", signposted_to=None, **_) -> bool:
    return outcome != Decision.Outcome.NOT_ADOPT or signposted_to is not None


@condition("Say where the person is referred to.")
def destination_if_referred_elsewhere(
    item, *, outcome: str = "", referred_to: str = "", **_
) -> bool:
    return outcome != Decision.Outcome.REFER_ELSEWHERE or bool(referred_to.strip())


@condition("Adoption needs a lead agency and a case manager.")
def lead_and_manager_if_adopted(
    item, *, outcome: str = "", lead_agency=None, case_manager=None, **_
) -> bool:
    return outcome != Decision.Outcome.ADOPT or (
        lead_agency is not None and case_manager is not None
    )


@condition("An exit needs its reason.")
def reason_if_exit(item, *, outcome: str = "", exit_reason=None, **_) -> bool:
    return outcome != Decision.Outcome.EXIT or exit_reason is not None


_DETAILS = (
    signposting_if_not_adopted,
    destination_if_referred_elsewhere,
    lead_and_manager_if_adopted,
    reason_if_exit,
)

DECISION = Lifecycle(
    name="channel_panel.decision",
    noun="agenda item",
    state=decision_state,
    state_labels={
        UNDECIDED: "Undecided",
        DRAFT: "Decided (minutes in draft)",
        APPROVED: "Decided (minutes approved)",
    },
    transitions=[
        Transition(
            name="record",
            label="Record the decision",
            source=(UNDECIDED,),
            target=DRAFT,
            conditions=(
                minutes_not_approved,
                meeting_started,
                outcome_allowed,
                held_if_adopting_or_exiting,
                rationale_given,
                *_DETAILS,
            ),
        ),
        Transition(
            name="reword",
            label="Change the decision's wording",
            source=(DRAFT,),
            target=None,
            conditions=(
                rationale_given,
                signposting_if_not_adopted,
                destination_if_referred_elsewhere,
            ),
        ),
        Transition(
            name="correct",
            label="Correct the decision",
            source=(APPROVED,),
            target=None,
            conditions=(outcome_allowed, rationale_given, *_DETAILS),
        ),
    ],
    # The record here is the agenda item; what changes is a Decision entry, created (never
    # edited after approval) and audited as a whole (apps.py registers Decision).
)


# --- Channel cases ----------------------------------------------------------------------
# A case is "proposed" until case_adopt creates it (an unsaved ChannelCase is checked), then
# open; it exits with an authority (the panel's exit decision at a held meeting, or the
# chair's agreement recorded outside a meeting) and closes when its last post-exit review
# is held. Conditions read the case and the keyword context the service passes; a condition
# about a value the caller did not pass (a view asking "what is still needed?" before the
# form is filled) holds, so the page lists only what the case itself still lacks.

CASE_PROPOSED = "proposed"


def _case_state(case) -> str:
    return CASE_PROPOSED if case.pk is None else case.status


def exit_decision_for(case):
    """The panel's current (uncorrected) exit decision on this case at a meeting that was
    held, or None."""
    from channel_panel.models import Decision, PanelMeeting

    return (
        Decision.objects.current()
        .filter(
            item__case_id=case.pk,
            outcome=Decision.Outcome.EXIT,
            item__meeting__status__in=[
                PanelMeeting.Status.HELD,
                PanelMeeting.Status.MINUTES_APPROVED,
            ],
        )
        .select_related("item__meeting")
        .order_by("-recorded_at", "-pk")
        .first()
    )


def works_in_case_role(user, agency) -> bool:
    """An active user with an active membership of ``agency`` in a case role: they see the
    agency's cases, so they can hold one."""
    from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership

    return bool(
        user is not None
        and agency is not None
        and user.is_active
        and Membership.objects.active()
        .filter(user=user, agency=agency, role__in=AGENCY_CASE_ROLES)
        .exists()
    )


def _code(reason) -> str | None:
    return getattr(reason, "code", None)


def _consent_reason_for(case) -> str | None:
    """The exit reason a refusal or withdrawal of consent calls for, or None."""
    from channel_panel.models import ExitReason

    ended = case.consent_ended()
    if ended is None:
        return None
    return ExitReason.CONSENT_REFUSED if ended.is_refusal else ExitReason.CONSENT_WITHDRAWN


# Adoption
@condition("The referral must be passed to the Channel Panel before it can be adopted.")
def referral_passed_to_panel(case, **context):
    from referrals.models import Referral

    return case.referral.status == Referral.Status.PASSED_TO_PANEL


@condition("The referral must not already be a Channel case.")
def referral_not_yet_a_case(case, **context):
    from channel_panel.models import ChannelCase

    return not ChannelCase.objects.filter(referral_id=case.referral_id).exists()


@condition("The case manager must work for the lead agency in a case role.")
def manager_works_for_lead_agency(case, **context):
    return works_in_case_role(case.case_manager, case.lead_agency)


def _assessment_message(case, **context) -> str:
    from django.conf import settings

    days = settings.CHANNEL_ASSESSMENT_CURRENT_DAYS
    return (
        f"A vulnerability assessment completed no more than {days} days before the day of "
        "adoption is needed: the Coordinator or the police Channel practitioner records it "
        "from the agenda item."
    )


@condition(_assessment_message)
def current_assessment(case, *, on=None, **context):
    """Issue 17: the panel adopts with a current vulnerability assessment before it
    (``CHANNEL_ASSESSMENT_CURRENT_DAYS``, counted back from ``on``, the day of adoption)."""
    from channel_panel.assessments import has_current_assessment

    return has_current_assessment(case.referral_id, on or case.adopted_on or timezone.localdate())


# Consent
@condition("Consent is already given: record its withdrawal instead of a refusal.")
def no_live_consent(case, **context):
    return case.live_consent() is None


@condition("This consent has already been withdrawn, or was a refusal.")
def consent_is_live(case, *, consent=None, **context):
    return consent is None or consent.is_live


# Support
@condition(
    "Consent was refused or withdrawn: Channel is voluntary, so no support can be added. "
    "Record the person's consent if they now give it, or exit the case with signposting."
)
def consent_not_ended(case, **context):
    return case.consent_ended() is None


# The chair's agreement to an exit outside a meeting
@condition("Only a Channel Panel chair can record the chair's agreement to an exit.")
def acting_user_chairs(case, *, acting_user=None, **context):
    from prevent_portal.accounts.access import has_role
    from prevent_portal.accounts.models import Role

    return acting_user is not None and has_role(acting_user, Role.PANEL_CHAIR)


@condition("The chair's agreement to this exit is already recorded.")
def no_exit_agreement_yet(case, **context):
    return case.exit_agreed_on is None


# Exit
@condition(
    "An exit needs the panel's exit decision at a held meeting, or the chair's agreement "
    "recorded outside a meeting: ask the chair to record it on this case."
)
def exit_authorised(case, **context):
    return case.exit_agreed_on is not None or exit_decision_for(case) is not None


@condition("A case cannot exit before the day it was adopted.")
def exit_not_before_adoption(case, *, exited_on=None, **context):
    return exited_on is None or exited_on >= case.adopted_on


@condition('"Ownership returned" needs the agency that receives the case.')
def ownership_returned_has_agency(case, *, reason=None, return_ownership_to=None, **context):
    from channel_panel.models import ExitReason

    return _code(reason) != ExitReason.OWNERSHIP_RETURNED or return_ownership_to is not None


@condition('To return ownership to an agency, choose "ownership returned" as the reason.')
def returned_agency_has_reason(case, *, reason=None, return_ownership_to=None, **context):
    from channel_panel.models import ExitReason

    return (
        reason is None
        or return_ownership_to is None
        or _code(reason) == ExitReason.OWNERSHIP_RETURNED
    )


@condition("Name the case manager in the agency that receives the case.")
def returned_manager_named(case, *, return_ownership_to=None, **context):
    if return_ownership_to is None:
        return True
    return context.get("returned_case_manager") is not None


@condition("The new case manager must be an active member of the receiving agency in a case role.")
def returned_manager_works_there(case, *, return_ownership_to=None, **context):
    manager = context.get("returned_case_manager")
    if return_ownership_to is None or manager is None:
        return True
    return works_in_case_role(manager, return_ownership_to)


@condition(
    'Consent was refused or withdrawn: the reason for exit must be "consent refused" or '
    '"consent withdrawn", as recorded.'
)
def consent_ended_reason_given(case, *, reason=None, **context):
    wanted = _consent_reason_for(case)
    return reason is None or wanted is None or _code(reason) == wanted


@condition(
    'The reason "consent refused" or "consent withdrawn" needs the refusal or '
    "withdrawal recorded under Consent first."
)
def consent_reason_matches_record(case, *, reason=None, **context):
    from channel_panel.models import ExitReason

    consent_codes = {ExitReason.CONSENT_REFUSED, ExitReason.CONSENT_WITHDRAWN}
    return _code(reason) not in consent_codes or _code(reason) == _consent_reason_for(case)


@condition(
    "An exit after consent was refused or withdrawn needs the service the person was signposted to."
)
def consent_exit_signposted(case, *, reason=None, **context):
    if "signposted_to" not in context:
        return True
    return _consent_reason_for(case) is None or context["signposted_to"] is not None


# Post-exit reviews and closure
@condition("This review has already been recorded.")
def review_not_held(case, *, review=None, **context):
    return review is None or review.held_on is None


@condition("A post-exit review cannot be held before the exit.")
def review_not_before_exit(case, *, held_on=None, **context):
    return held_on is None or case.exited_on is None or held_on >= case.exited_on


@condition("Every post-exit review must be held before the case closes.")
def all_reviews_held(case, **context):
    return not case.reviews.filter(held_on__isnull=True).exists()


OPEN, EXITED, CLOSED = "open", "exited", "closed"

CASE_LIFECYCLE = Lifecycle(
    name="channel_panel.case",
    noun="Channel case",
    state=_case_state,
    state_labels={
        CASE_PROPOSED: "Not yet a case",
        OPEN: "Open",
        EXITED: "Exited",
        CLOSED: "Closed",
    },
    transitions=[
        Transition(
            "adopt",
            "Adopt as a Channel case",
            source=(CASE_PROPOSED,),
            target=OPEN,
            conditions=(
                referral_passed_to_panel,
                referral_not_yet_a_case,
                manager_works_for_lead_agency,
                current_assessment,
            ),
        ),
        Transition("record_consent", "Record consent given", source=(OPEN,), target=None),
        Transition(
            "refuse_consent",
            "Record consent refused",
            source=(OPEN,),
            target=None,
            conditions=(no_live_consent,),
        ),
        Transition(
            "withdraw_consent",
            "Record consent withdrawn",
            source=(OPEN,),
            target=None,
            conditions=(consent_is_live,),
        ),
        Transition(
            "change_needs_flags",
            "Add or remove a needs flag",
            source=(OPEN, EXITED),
            target=None,
        ),
        Transition(
            "add_support",
            "Add a support action",
            source=(OPEN,),
            target=None,
            conditions=(consent_not_ended,),
        ),
        Transition(
            "change_support",
            "Change a support action or record a contact",
            source=(OPEN, EXITED),
            target=None,
        ),
        Transition("add_note", "Add a note", source=(ANY_STATE,), target=None),
        Transition(
            "agree_exit",
            "Record the chair's agreement to exit",
            source=(OPEN,),
            target=None,
            conditions=(acting_user_chairs, no_exit_agreement_yet),
        ),
        Transition(
            "exit",
            "Exit Channel",
            source=(OPEN,),
            target=EXITED,
            conditions=(
                exit_authorised,
                exit_not_before_adoption,
                ownership_returned_has_agency,
                returned_agency_has_reason,
                returned_manager_named,
                returned_manager_works_there,
                consent_ended_reason_given,
                consent_reason_matches_record,
                consent_exit_signposted,
            ),
        ),
        Transition(
            "record_review",
            "Record a post-exit review",
            source=(EXITED,),
            target=None,
            conditions=(review_not_held, review_not_before_exit),
        ),
        Transition(
            "close",
            "Close the case",
            source=(EXITED,),
            target=CLOSED,
            conditions=(all_reviews_held,),
        ),
    ],
    audited_fields=(
        "status",
        "exit_reason",
        "exited_on",
        "ownership_returned_to",
        "lead_agency",
        "case_manager",
        "exit_decision",
        "exit_agreed_on",
        "closed_on",
    ),
)


# --- Minutes: discussion notes and actions (issue 17) ----------------------------------
# An item's notes are written once the meeting has started, rewritten (under optimistic
# locking) until the minutes are approved, and corrected after: a correction is a new entry
# pointing at the one it corrects, and the minutes print both, as for decisions. An action
# is added while the minutes are a draft, and is open until marked done or cancelled with a
# reason (its owner's progress, so also after approval).
NO_NOTES = "none"


def notes_state(item: AgendaItem) -> str:
    if not item.notes.exists():
        return NO_NOTES
    return APPROVED if item.meeting.minutes_approved else DRAFT


@condition("Write the notes: they cannot be empty.")
def notes_given(item: AgendaItem, *, text: str = "", **_) -> bool:
    return bool(text.strip())


@condition("Until the minutes are approved, change the notes themselves.")
def minutes_approved(item: AgendaItem, **_) -> bool:
    return item.meeting.minutes_approved


NOTES = Lifecycle(
    name="channel_panel.notes",
    noun="agenda item's notes",
    state=notes_state,
    state_labels={
        NO_NOTES: "Not written",
        DRAFT: "Written (minutes in draft)",
        APPROVED: "Written (minutes approved)",
    },
    transitions=[
        Transition(
            name="write",
            label="Write the discussion notes",
            source=(NO_NOTES,),
            target=DRAFT,
            conditions=(minutes_not_approved, meeting_started, notes_given),
        ),
        Transition(
            name="rewrite",
            label="Change the notes",
            source=(DRAFT,),
            target=None,
            conditions=(minutes_not_approved, notes_given),
        ),
        Transition(
            name="correct",
            label="Correct the notes",
            source=(APPROVED,),
            target=None,
            conditions=(minutes_approved, notes_given),
        ),
    ],
    # The record is the agenda item; ItemNote entries are created, or edited before approval,
    # and audited as a whole (apps.py registers ItemNote).
)


@condition("The minutes are approved: actions can no longer be added to them.")
def meeting_minutes_in_draft(action, **_) -> bool:
    return not action.meeting.minutes_approved


@condition("Actions are agreed at the meeting: they can be added once it has started.")
def action_meeting_started(action, *, now: datetime | None = None, **_) -> bool:
    return action.meeting.has_started(_now(now))


@condition("Say what the action is.")
def action_described(action, **_) -> bool:
    return bool(action.description.strip())


@condition("Name one owner: a person or an agency.")
def action_has_one_owner(action, **_) -> bool:
    return (action.owner_user_id is None) != (action.owner_agency_id is None)


@condition("The owner must be a member of the panel or an agency's single point of contact.")
def owner_may_own(action, **_) -> bool:
    from channel_panel.models import ACTION_OWNER_ROLES
    from prevent_portal.accounts.access import has_role

    return action.owner_user_id is None or has_role(action.owner_user, *ACTION_OWNER_ROLES)


@condition(
    "The owner cannot see this item's case: choose someone who can, or leave the action "
    "off the item."
)
def owner_sees_item(action, **_) -> bool:
    if action.item_id is None or action.owner_user_id is None:
        return True
    return AgendaItem.objects.visible_to(action.owner_user).filter(pk=action.item_id).exists()


@condition("Give the reason for cancelling the action.")
def cancel_reason_given(action, *, reason: str = "", **_) -> bool:
    return bool(reason.strip())


ACTION_PROPOSED = "proposed"


def _action_state(action) -> str:
    return ACTION_PROPOSED if action.pk is None else action.status


MEETING_ACTION = Lifecycle(
    name="channel_panel.meeting_action",
    noun="action",
    state=_action_state,
    state_labels={
        ACTION_PROPOSED: "Not yet recorded",
        "open": "Open",
        "done": "Done",
        "cancelled": "Cancelled",
    },
    transitions=[
        Transition(
            name="add",
            label="Add an action",
            source=(ACTION_PROPOSED,),
            target="open",
            conditions=(
                meeting_minutes_in_draft,
                action_meeting_started,
                action_described,
                action_has_one_owner,
                owner_may_own,
                owner_sees_item,
            ),
        ),
        Transition(name="done", label="Mark as done", source=("open",), target="done"),
        Transition(
            name="cancel",
            label="Cancel",
            source=("open",),
            target="cancelled",
            conditions=(cancel_reason_given,),
        ),
    ],
    audited_fields=("status", "closed_on", "closed_by", "cancelled_reason"),
)
