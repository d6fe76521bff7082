"""The information request's lifecycle: every state change of a request, with its
preconditions, in one table (the framework is prevent_portal/core/lifecycle.py).

Kept apart from the referral's lifecycle (referrals/lifecycle.py) only while both were written
at once; they belong in one module.

The agency asked sees a request only while it is open and not past its expiry
(``InformationRequest.objects.asked_of``), so every step out of "open" ends their sight of it
at once. Chasing leaves the state as it is: the reminder's outbox key makes it happen once.
"""

from __future__ import annotations

from datetime import date

from prevent_portal.core.lifecycle import Lifecycle, Transition, condition
from referrals.models import InformationRequest

UNSENT = "unsent"
Status = InformationRequest.Status


def _state(request: InformationRequest) -> str:
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
    state=_state,
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
