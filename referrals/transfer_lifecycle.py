"""The transfer's lifecycle: proposing a move of a referral or an open Channel case to another
council area, and the receiving area's answer, in one table (the framework is
prevent_portal/core/lifecycle.py; docs/architecture.md prints the table).

Context the conditions read: ``acting_user`` (every step); ``summary`` (propose); ``reason``
(decline); ``moving`` (propose and accept), what the service found would move (and the
requests to or from other areas still open about it), read inside
its narrow block acting for both areas (referrals/services/transfers.py). Only the service
can read the record behind the sending area's wall, so a view asking "what is still
needed?" passes no ``moving`` and hears about the people and the transfer only; the
conditions on the record hold while it is not in the context, as a condition on something
typed holds until the form is filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prevent_portal.core.lifecycle import Lifecycle, Transition, condition
from referrals.models import Referral
from referrals.transfer_models import AreaTransfer

S = AreaTransfer.Status
NEW = "new"


def _state(transfer) -> str:
    if transfer is None or getattr(transfer, "pk", None) is None:
        return NEW
    return transfer.status


@dataclass
class Moving:
    """What a transfer would move, as the service read it: the transferred referral, every
    referral of the same person (they move together), each one's Channel case status, the
    other pending transfers of them, and what stands in the way."""

    referral: Referral
    referral_ids: list[int]
    person_ids: list[int]
    case_status: dict[int, str] = field(default_factory=dict)
    other_pending: int = 0
    refusals: list[str] = field(default_factory=list)
    # Requests between council areas still waiting for a reply: those the sending area sent
    # about these referrals, and those another area sent it about these persons.
    area_requests_sent: int = 0
    area_requests_held: int = 0


def _coordinator_in(user, area_id) -> bool:
    from prevent_portal.accounts.access import area_ids_for
    from prevent_portal.accounts.models import Role

    return user is not None and area_id in area_ids_for(user, [Role.COORDINATOR])


# --- Who ---------------------------------------------------------------------------------------
@condition("Only a Prevent Coordinator of the sending area can do this.")
def by_sending_coordinator(transfer, **context) -> bool:
    return _coordinator_in(context.get("acting_user"), transfer.from_area_id)


@condition("Only a Prevent Coordinator of the receiving area can answer a transfer.")
def by_receiving_coordinator(transfer, **context) -> bool:
    return _coordinator_in(context.get("acting_user"), transfer.to_area_id)


# --- Where -------------------------------------------------------------------------------------
@condition("Choose another council area: the record is already in this one.")
def to_another_area(transfer, **context) -> bool:
    return transfer.to_area_id is not None and transfer.to_area_id != transfer.from_area_id


@condition("Choose a council area that is in use: that one is no longer active.")
def to_active_area(transfer, **context) -> bool:
    return transfer.to_area_id is None or transfer.to_area.is_active


# --- What --------------------------------------------------------------------------------------
@condition("Enter a summary for the receiving area's Coordinator.")
def summary_given(transfer, **context) -> bool:
    return "summary" not in context or bool((context["summary"] or "").strip())


@condition("Enter why you are declining the transfer.")
def reason_given(transfer, **context) -> bool:
    return "reason" not in context or bool((context["reason"] or "").strip())


def _open_message(transfer, **context) -> str:
    if transfer.kind == AreaTransfer.Kind.CASE:
        return "Only an open Channel case can be transferred: this case has exited or closed."
    return (
        "Only an open referral can be transferred: this one is closed, or it is a Channel "
        "case (transfer the case)."
    )


@condition(_open_message)
def record_open(transfer, **context) -> bool:
    moving = context.get("moving")
    if moving is None:
        return True
    status = moving.case_status.get(moving.referral.pk)
    if transfer.kind == AreaTransfer.Kind.CASE:
        return status == "open"
    return status is None and moving.referral.status != Referral.Status.CLOSED


@condition("This person's records already have a transfer waiting for an answer.")
def no_other_pending(transfer, **context) -> bool:
    moving = context.get("moving")
    return moving is None or moving.other_pending == 0


# A request between areas is answered by the area asked and read by the area that asked, each
# where the record is: once the record moves, neither end is there (referrals/services/
# area_requests.py). The messages name no area: the receiving Coordinator reads them too.
@condition(
    "The sending area has asked another council area's Coordinator about this person and "
    "waits for their reply: ask them to reply (share a summary or decline) before the transfer."
)
def no_area_request_sent_open(transfer, **context) -> bool:
    moving = context.get("moving")
    return moving is None or moving.area_requests_sent == 0


@condition(
    "Another council area's Coordinator has asked the sending area about this person: reply "
    "to their request (share a summary or decline it) before the transfer."
)
def no_area_request_held_open(transfer, **context) -> bool:
    moving = context.get("moving")
    return moving is None or moving.area_requests_held == 0


def _refusals(transfer, **context) -> str:
    return " ".join(context["moving"].refusals)


@condition(_refusals)
def nothing_in_the_way(transfer, **context) -> bool:
    moving = context.get("moving")
    return moving is None or not moving.refusals


# What the proposal form asks for (the area, the summary): the proposal page, before the form
# is filled, asks the lifecycle about the rest (``needed(..., leaving=...)``).
ASKED_BY_THE_PROPOSAL_FORM = (to_another_area, to_active_area, summary_given)

TRANSFER_LIFECYCLE = Lifecycle(
    name="referrals.transfer",
    noun="transfer",
    state=_state,
    state_labels={NEW: "Not yet proposed", **dict(S.choices)},
    transitions=[
        Transition(
            "propose",
            "Propose a transfer",
            (NEW,),
            S.PENDING,
            (
                by_sending_coordinator,
                to_another_area,
                to_active_area,
                summary_given,
                record_open,
                no_other_pending,
                no_area_request_sent_open,
                no_area_request_held_open,
                nothing_in_the_way,
            ),
        ),
        Transition(
            "withdraw",
            "Withdraw the proposal",
            (S.PENDING,),
            S.WITHDRAWN,
            (by_sending_coordinator,),
        ),
        Transition(
            "decline",
            "Decline the transfer",
            (S.PENDING,),
            S.DECLINED,
            (by_receiving_coordinator, reason_given),
        ),
        Transition(
            "accept",
            "Accept the transfer",
            (S.PENDING,),
            S.ACCEPTED,
            (
                by_receiving_coordinator,
                to_active_area,
                record_open,
                no_area_request_sent_open,
                no_area_request_held_open,
                nothing_in_the_way,
            ),
        ),
    ],
    audited_fields=("status", "decided_by", "decline_reason"),
)
