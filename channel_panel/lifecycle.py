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
from prevent_portal.core.lifecycle import Lifecycle, Transition, condition

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
    return list(
        meeting.items.exclude(kind=AgendaItem.Kind.OTHER)
        .filter(decisions__isnull=True)
        .order_by("position")
    )


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
    name="panel_meeting",
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
    name="panel_decision",
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
    audited_fields=("outcome", "rationale", "signposted_to", "referred_to", "corrects"),
)


# --- Channel cases ----------------------------------------------------------------------
# (filled by the cases work: consent, support, exit with its check-your-answers, reviews)
