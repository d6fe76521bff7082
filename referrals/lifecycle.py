"""The referral's lifecycle: every change of a referral's status, gateway, outcome and
classification, with its preconditions, in one table a reviewer can read in one sitting.

Services call ``REFERRAL_LIFECYCLE.require(step, referral, **context)`` inside their
transaction, after locking the row and before they write; views call
``REFERRAL_LIFECYCLE.needed(step, referral, **context)`` to tell the user, before they try,
what is still needed. The framework is ``prevent_portal/core/lifecycle.py``;
``docs/architecture.md`` prints the table (a test keeps them the same).

Context the conditions read (each service passes what its step needs):
``today``, ``received_on``, ``date_of_birth`` (receive); ``result`` (a GatewayResult) and
``checked_on`` (record the gateway); ``outcome``, ``reason``, ``signposted_to``,
``decided_on`` (the outcome steps); ``reason``, ``concern_types``, ``changed`` (reclassify).

``INFORMATION_REQUEST_LIFECYCLE``, below, is the information request's table.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from prevent_portal.core.lifecycle import ANY_STATE, Lifecycle, Transition, condition
from referrals.models import (
    CrossAreaRequest,
    GatewayResult,
    InformationRequest,
    Outcome,
    Referral,
)

S = Referral.Status
# A referral not yet saved: the state ``receive`` starts from.
NEW = "new"
OPEN = (S.RECEIVED, S.IN_TRIAGE, S.AWAITING_INFORMATION)
# Nothing in this service is older: a date received before it is a typing mistake.
EARLIEST_RECEIVED = date(2000, 1, 1)


def _state(referral) -> str:
    if referral is None or getattr(referral, "pk", None) is None:
        return NEW
    return referral.status


def _today(context) -> date:
    return context.get("today") or timezone.localdate()


# A condition about something the user types holds while it is not in the context: a view
# asking "what is still needed?" before the form is filled passes only the record, and so
# hears only about the record. Services always pass every input, even an empty one.


# --- Receiving a referral ------------------------------------------------------------------
@condition("Enter a date received that is today or in the past.")
def received_not_in_future(referral, **context) -> bool:
    if "received_on" not in context:
        return True
    return context["received_on"] is not None and context["received_on"] <= _today(context)


@condition(f"Enter a date received on or after {EARLIEST_RECEIVED:%-d %B %Y}.")
def received_in_living_memory(referral, **context) -> bool:
    received_on = context.get("received_on")
    return received_on is None or received_on >= EARLIEST_RECEIVED


@condition("Enter a date received that is on or after the person's date of birth.")
def received_after_birth(referral, **context) -> bool:
    received_on, born = context.get("received_on"), context.get("date_of_birth")
    return received_on is None or born is None or received_on >= born


# --- The police gateway --------------------------------------------------------------------
@condition("Choose a police gateway result in use today.")
def gateway_result_in_use(referral, **context) -> bool:
    if "result" not in context:
        return True
    result = context["result"]
    return (
        result is not None
        and result.code != GatewayResult.PENDING
        and GatewayResult.objects.current(_today(context)).filter(pk=result.pk).exists()
    )


@condition("Enter a date of the check that is today or in the past.")
def checked_not_in_future(referral, **context) -> bool:
    if "checked_on" not in context:
        return True
    return context["checked_on"] is not None and context["checked_on"] <= _today(context)


@condition("Enter a date of the check on or after the date the referral was received.")
def checked_after_received(referral, **context) -> bool:
    checked_on = context.get("checked_on")
    return checked_on is None or checked_on >= referral.received_on


# --- The triage outcome --------------------------------------------------------------------
@condition("Enter the reason for the outcome.")
def reason_given(referral, **context) -> bool:
    return "reason" not in context or bool((context["reason"] or "").strip())


@condition("Choose the service the person is signposted to.")
def signposting_has_service(referral, **context) -> bool:
    outcome = context.get("outcome")
    if outcome is None or outcome.code != Outcome.SIGNPOSTED:
        return True
    return context.get("signposted_to") is not None


@condition("Enter a decision date between the date the referral was received and today.")
def decided_in_range(referral, **context) -> bool:
    decided_on = context.get("decided_on")
    return decided_on is None or referral.received_on <= decided_on <= _today(context)


@condition(
    "Record a police gateway result that allows a panel discussion "
    "(a police-led case, or one not yet checked, cannot go to the Channel Panel)."
)
def gateway_allows_panel(referral, **context) -> bool:
    return referral.gateway_allows_panel()


@condition("This referral is already a Channel case: add the case for review instead.")
def not_yet_a_case(referral, **context) -> bool:
    return not hasattr(referral, "channel_case")


# --- Reclassifying -------------------------------------------------------------------------
@condition("Enter the reason for the change.")
def change_reason_given(referral, **context) -> bool:
    return "reason" not in context or bool((context["reason"] or "").strip())


@condition("Select at least one type of concern.")
def has_a_concern_type(referral, **context) -> bool:
    return "concern_types" not in context or len(list(context["concern_types"])) > 0


@condition("Change at least one type of concern or need: nothing was changed.")
def something_changed(referral, **context) -> bool:
    return context.get("changed", True)


REFERRAL_LIFECYCLE = Lifecycle(
    name="referrals.referral",
    noun="referral",
    state=_state,
    state_labels={NEW: "Not yet recorded", **dict(S.choices)},
    transitions=[
        Transition(
            "receive",
            "Record a referral",
            (NEW,),
            S.RECEIVED,
            (received_not_in_future, received_in_living_memory, received_after_birth),
        ),
        Transition("start_triage", "Start triage", (S.RECEIVED,), S.IN_TRIAGE),
        Transition("assign", "Assign an officer", OPEN, None),
        Transition(
            "record_gateway",
            "Record the police gateway result",
            OPEN,
            None,
            (gateway_result_in_use, checked_not_in_future, checked_after_received),
        ),
        Transition(
            "await_information",
            "Request information",
            (S.RECEIVED, S.IN_TRIAGE),
            S.AWAITING_INFORMATION,
        ),
        Transition(
            "information_received",
            "Receive the last answer requested",
            (S.AWAITING_INFORMATION,),
            S.IN_TRIAGE,
        ),
        Transition(
            "pass_to_panel",
            "Pass to the Channel Panel",
            OPEN,
            S.PASSED_TO_PANEL,
            (gateway_allows_panel, reason_given, decided_in_range),
        ),
        Transition(
            "close",
            "Close at triage (no further action, signposted, police-led)",
            OPEN,
            S.CLOSED,
            (reason_given, signposting_has_service, decided_in_range),
        ),
        Transition(
            "offer_for_agenda",
            "Offer for a Channel Panel agenda",
            (S.PASSED_TO_PANEL,),
            None,
            (gateway_allows_panel, not_yet_a_case),
        ),
        Transition(
            "reclassify",
            "Reclassify concern types and needs",
            (ANY_STATE,),
            None,
            (change_reason_given, has_a_concern_type, something_changed),
        ),
    ],
    # Every change of one of these leaves an audit entry naming it, and bumps ``version``
    # (tests/referrals/test_lifecycle_audit.py walks every referral service with them).
    audited_fields=(
        "status",
        "assigned_officer",
        "gateway_outcome",
        "gateway_checked_on",
        "outcome",
        "outcome_reason",
        "signposted_to",
        "decided_on",
        "reached_panel",
        "concern_types",
        "needs_flags",
    ),
)

# Outcome code -> the referral step it is.
OUTCOME_STEP = {
    Outcome.NO_FURTHER_ACTION: "close",
    Outcome.SIGNPOSTED: "close",
    Outcome.POLICE_LED: "close",
    Outcome.PASSED_TO_PANEL: "pass_to_panel",
}

# How the pages say "before <doing this step>": the heading over what is still needed.
BEFORE = {
    "receive": "Before recording this referral",
    "assign": "Before assigning an officer",
    "record_gateway": "Before recording the police gateway result",
    "pass_to_panel": "Before passing this referral to the Channel Panel",
    "close": "Before closing this referral",
    "offer_for_agenda": "Before offering this referral for a Channel Panel agenda",
    "reclassify": "Before reclassifying this referral",
}


def before(step: str, sentence: str) -> str:
    """One needed sentence as a user reads it on its own: "Before passing this referral to
    the Channel Panel: record a police gateway result ..."."""
    heading = BEFORE.get(step)
    # "This referral is closed: ..." (the wrong state) reads best on its own.
    if not heading or not sentence or sentence.startswith("This referral "):
        return sentence
    return f"{heading}: {sentence[0].lower()}{sentence[1:]}"


# --- Information requests ----------------------------------------------------------------
# The agency asked sees a request only while it is open and not past its expiry
# (``InformationRequest.objects.asked_of``), so every step out of "open" ends their sight of it
# at once. Chasing leaves the state as it is: the reminder's outbox key makes it happen once.

UNSENT = "unsent"
Status = InformationRequest.Status


def _request_state(request: InformationRequest) -> str:
    return request.status if request.pk else UNSENT


@condition("Enter what you need to know.")
def has_question(request, **context) -> bool:
    return bool(request.question.strip())


@condition("The date the answer is needed by must be today or later.")
def due_today_or_later(request, *, today: date, **context) -> bool:
    return request.due_on >= today


@condition("Enter your answer.")
def has_answer(request, *, response: str, **context) -> bool:
    return bool(response.strip())


@condition(
    lambda request, **c: (
        f"This request expired on {request.expires_on:%d %B %Y}: it can no longer be answered."
    )
)
def not_expired(request, *, today: date, **context) -> bool:
    return today <= request.expires_on


@condition(lambda request, **c: f"This request is not overdue until {request.due_on:%d %B %Y}.")
def overdue(request, *, today: date, **context) -> bool:
    return today > request.due_on


@condition("Enter why you are withdrawing the request.")
def has_reason(request, *, reason: str, **context) -> bool:
    return bool(reason.strip())


@condition(
    lambda request, **c: (
        f"This request stays open to the agency until {request.expires_on:%d %B %Y}."
    )
)
def past_expiry(request, *, today: date, **context) -> bool:
    return today > request.expires_on


INFORMATION_REQUEST_LIFECYCLE = Lifecycle(
    name="referrals.information_request",
    noun="information request",
    state=_request_state,
    state_labels={
        UNSENT: "Not sent",
        Status.OPEN: "Open",
        Status.ANSWERED: "Answered",
        Status.WITHDRAWN: "Withdrawn",
        Status.EXPIRED: "Expired",
    },
    transitions=[
        Transition(
            "send",
            "Send the request",
            source=(UNSENT,),
            target=Status.OPEN,
            conditions=(has_question, due_today_or_later),
        ),
        Transition(
            "answer",
            "Answer the request",
            source=(Status.OPEN,),
            target=Status.ANSWERED,
            conditions=(not_expired, has_answer),
        ),
        Transition(
            "chase",
            "Chase the agency once",
            source=(Status.OPEN,),
            target=None,
            conditions=(overdue, not_expired),
        ),
        Transition(
            "withdraw",
            "Withdraw the request",
            source=(Status.OPEN,),
            target=Status.WITHDRAWN,
            conditions=(has_reason,),
        ),
        Transition(
            "expire",
            "Close the request unanswered",
            source=(Status.OPEN,),
            target=Status.EXPIRED,
            conditions=(past_expiry,),
        ),
    ],
    audited_fields=("status", "response", "closed_reason"),
)

# The transfer between council areas has its own module; imported here so that it is found
# with the app's other tables.
from referrals.transfer_lifecycle import TRANSFER_LIFECYCLE  # noqa: E402, F401

# --- Known in another area: the request-and-share flow ------------------------------------
# The receiving area's Coordinator asks the Coordinators of an area where the person is known;
# they decline (with a reason) or share a summary they write. Neither reply opens their record.

CrossArea = CrossAreaRequest.Status


def _cross_area_state(request: CrossAreaRequest) -> str:
    return request.status if request.pk else UNSENT


@condition("Enter why you need to know what the other area knows.")
def has_request_reason(request, **context) -> bool:
    return bool(request.reason.strip())


@condition("A request goes to another council area, not your own.")
def to_another_area(request, **context) -> bool:
    return request.holding_area_id != request.requesting_area_id


@condition("The person on this referral is no longer known in that area: there is no one to ask.")
def known_in_that_area(request, *, matches, **context) -> bool:
    return bool(matches)


@condition("You have already asked that area about this referral: wait for their reply.")
def not_already_asked(request, *, already_open: bool, **context) -> bool:
    return not already_open


@condition("Enter the summary you are sharing.")
def has_summary(request, *, reply: str, **context) -> bool:
    return bool(reply.strip())


@condition("Enter why you are declining the request.")
def has_decline_reason(request, *, reply: str, **context) -> bool:
    return bool(reply.strip())


# The reply goes onto the asking referral's history and to its area's Coordinators: once the
# referral has left that area (transfers wait for open requests; this is the guard for any
# other way out), neither is there. The service reads it behind the asking area's wall; a
# page that cannot read it passes nothing, and the condition holds.
@condition(
    "This request can no longer be answered: the referral it was about is no longer held by "
    "the area that asked. Nothing has been sent."
)
def asking_referral_in_place(request, **context) -> bool:
    return context.get("referral_in_place", True)


# The request is filed as the area that holds the referral, read when the page was opened: a
# transfer accepted meanwhile leaves it asking for an area no longer holding it (the service
# locks the referral and reads its area again; a page passes nothing, and it holds).
@condition(
    "This referral is no longer held by your area: it has been transferred to another council "
    "area. Nothing has been sent."
)
def asked_about_a_referral_in_place(request, **context) -> bool:
    return context.get("referral_in_place", True)


CROSS_AREA_REQUEST_LIFECYCLE = Lifecycle(
    name="referrals.cross_area_request",
    noun="request to another area",
    state=_cross_area_state,
    state_labels={
        UNSENT: "Not sent",
        CrossArea.OPEN: "Awaiting a reply",
        CrossArea.SHARED: "Summary shared",
        CrossArea.DECLINED: "Declined",
    },
    transitions=[
        Transition(
            "send",
            "Ask the other area's Coordinator for information",
            source=(UNSENT,),
            target=CrossArea.OPEN,
            conditions=(
                has_request_reason,
                to_another_area,
                asked_about_a_referral_in_place,
                known_in_that_area,
                not_already_asked,
            ),
        ),
        Transition(
            "share",
            "Share a written summary",
            source=(CrossArea.OPEN,),
            target=CrossArea.SHARED,
            conditions=(has_summary, asking_referral_in_place),
        ),
        Transition(
            "decline",
            "Decline the request",
            source=(CrossArea.OPEN,),
            target=CrossArea.DECLINED,
            conditions=(has_decline_reason, asking_referral_in_place),
        ),
    ],
    audited_fields=("status", "reply"),
)
