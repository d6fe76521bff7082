"""Transfer between council areas when a person moves (issue 18; ADR 0012, "Transfer").

The sending area's Coordinator proposes (``transfer_propose``) and may withdraw while the
proposal waits (``transfer_withdraw``); the receiving area's Coordinators are told, and one
of them declines with a reason (``transfer_decline``) or accepts (``transfer_accept``). Every
step is a row of ``TRANSFER_LIFECYCLE`` (referrals/transfer_lifecycle.py), required here
before anything is written.

What moves is the person: every referral of theirs (and of a person record folded into
theirs), and what hangs off them, which the apps standing on referrals contribute
(referrals/transfers.py: the Channel Panel moves the cases). Meetings stay where they were
held; a record on the agenda of a meeting not yet held cannot move (the sending Coordinator
takes it off first). The record is behind the sending area's row-level security wall, and
the accepting request acts for the receiving area only: the service alone acts for both,
in ``_both_areas``, the narrowest block that reads and moves the records, and says so in the
log and in the audit entry of the acceptance.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from prevent_portal.accounts import grants
from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import save_if_unchanged
from prevent_portal.core.lifecycle import TransitionRefused
from prevent_portal.outbox.links import site_link
from referrals import transfers
from referrals.models import (
    AreaMatchCheck,
    AreaTransfer,
    ChronologyEntry,
    CrossAreaRequest,
    CrossAreaRequestMatch,
    InformationRequest,
    Person,
    Referral,
    TransferTrace,
)
from referrals.services.area_notices import area_coordinators_tell
from referrals.services.records import chronology_add
from referrals.transfer_lifecycle import ASKED_BY_THE_PROPOSAL_FORM, Moving
from referrals.transfer_lifecycle import TRANSFER_LIFECYCLE as LIFECYCLE

logger = logging.getLogger("prevent_portal.areas.transfer")


@contextlib.contextmanager
def _both_areas(transfer: AreaTransfer, acting_user: User, step: str) -> Iterator[None]:
    """Act for the sending and the receiving area, for this block only, and log it: the one
    place a request reaches past its own areas' wall."""
    areas = {transfer.from_area_id, transfer.to_area_id}
    logger.info(
        "transfer %s (%s): user %s acts for areas %s",
        transfer.pk or "new",
        step,
        acting_user.pk,
        sorted(areas),
    )
    with rls.acting_for(areas):
        yield


def _gather(transfer: AreaTransfer, step: str, *, lock: bool = True) -> Moving:
    """What would move with ``transfer``'s referral, read and locked (inside
    ``_both_areas``): the person, any person record folded into them, all their referrals in
    the sending area, each one's case status, other pending transfers, and refusals.

    The person is locked first, then the referral: two proposals for two referrals of one
    person wait for each other here, so the second sees the first's pending transfer (each
    locked only its own referral before, both found none waiting, and both went on). A
    referral no longer in the sending area (moved since it was proposed) is refused, never
    gathered: its person alone would have moved, and the receiving area read them.
    ``lock=False``: read only, for a page that asks what stands in the way."""
    person_id = (
        Referral.objects.filter(pk=transfer.referral_id).values_list("person_id", flat=True).first()
    )
    person = Person.objects.filter(pk=person_id).first()
    root_id = person and (person.merged_into_id or person.pk)
    persons, referrals = Person.objects.all(), Referral.objects.all()
    if lock:
        persons, referrals = persons.select_for_update(), referrals.select_for_update()
        persons.filter(pk=root_id).first()
    referral = referrals.filter(pk=transfer.referral_id, area_id=transfer.from_area_id).first()
    if referral is None or person is None:
        raise TransitionRefused(
            LIFECYCLE.transition(step),
            [
                "This record is no longer in the sending council area: it has moved since "
                "the transfer was proposed. Withdraw or decline this transfer."
            ],
        )
    person_ids = sorted(
        Person.objects.filter(Q(pk=root_id) | Q(merged_into_id=root_id)).values_list(
            "pk", flat=True
        )
    )
    referral_ids = sorted(
        Referral.objects.filter(
            person_id__in=person_ids, area_id=transfer.from_area_id
        ).values_list("pk", flat=True)
    )
    refusals = []
    open_requests = InformationRequest.objects.filter(
        referral_id__in=referral_ids, status=InformationRequest.Status.OPEN
    ).count()
    if open_requests:
        refusals.append(
            "Withdraw the open information requests about this person first: the agencies "
            "asked may not serve the receiving area."
        )
    refusals.extend(transfers.refusals(referral_ids))
    other_pending = (
        AreaTransfer.objects.pending()
        .filter(referral_id__in=referral_ids)
        .exclude(pk=transfer.pk)
        .count()
    )
    open_status = CrossAreaRequest.Status.OPEN
    # Sent from the sending area about these referrals, or asked of it about these persons
    # (its own record of whom the request matched): both are rows the sending area sees.
    area_requests_sent = CrossAreaRequest.objects.filter(
        referral_id__in=referral_ids, requesting_area_id=transfer.from_area_id, status=open_status
    ).count()
    area_requests_held = CrossAreaRequestMatch.objects.filter(
        person_id__in=person_ids,
        area_id=transfer.from_area_id,
        request__holding_area_id=transfer.from_area_id,
        request__status=open_status,
    ).count()
    return Moving(
        referral=referral,
        referral_ids=referral_ids,
        person_ids=person_ids,
        case_status=transfers.case_status(referral_ids),
        other_pending=other_pending,
        refusals=refusals,
        area_requests_sent=area_requests_sent,
        area_requests_held=area_requests_held,
    )


def _receiving_agency(user: User, area: Area) -> Agency:
    """The council agency through which ``user`` is a Coordinator in ``area``: the record's
    owner there when its owner does not serve the area."""
    membership = (
        Membership.objects.active()
        .filter(user=user, role=Role.COORDINATOR)
        .in_areas([area.pk])
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    return membership.agency


def transfer_propose_needed(*, referral: Referral, kind: str, acting_user: User) -> list[str]:
    """What stands in the way of proposing a transfer of ``referral`` now, to whichever area:
    the lifecycle's own sentences, from the record read as the proposal will read it (not
    locked). The area and the summary are the form's to ask. The proposal checks again."""
    transfer = AreaTransfer(
        kind=kind, referral=referral, from_area_id=referral.area_id, proposed_by=acting_user
    )
    try:
        moving = _gather(transfer, "propose", lock=False)
    except TransitionRefused as refused:
        return list(refused.needed)
    return LIFECYCLE.needed(
        "propose",
        transfer,
        leaving=ASKED_BY_THE_PROPOSAL_FORM,
        acting_user=acting_user,
        moving=moving,
    )


@transaction.atomic
def transfer_propose(
    *, referral: Referral, kind: str, to_area: Area, summary: str, acting_user: User
) -> AreaTransfer:
    """The sending area's Coordinator proposes that ``referral`` (``kind`` "referral") or its
    open Channel case (``kind`` "case") moves to ``to_area``, with a summary for that area's
    Coordinators, who are told (no name in the notice). Refused: another area's record, the
    same or an inactive area, a closed record, a second pending transfer of the person, a
    record with open information requests or on the agenda of a meeting not yet held, a
    person about whom a request between council areas (sent or received) waits for a reply."""
    transfer = AreaTransfer(
        kind=kind,
        referral=referral,
        reference=referral.reference or "",
        from_area_id=referral.area_id,
        to_area=to_area,
        summary=(summary or "").strip(),
        proposed_by=acting_user,
        proposed_at=timezone.now(),
    )
    # The proposer acts for their own area; the receiving area's wall is not needed to read
    # the record, only to check nothing of it already waits.
    moving = _gather(transfer, "propose")
    LIFECYCLE.require("propose", transfer, acting_user=acting_user, summary=summary, moving=moving)
    transfer.save()
    what = "Channel case" if kind == AreaTransfer.Kind.CASE else "referral"
    chronology_add(
        referral=referral,
        kind=ChronologyEntry.Kind.NOTE,
        text=f"Transfer of this {what} to {to_area.name} proposed. Summary: {transfer.summary}",
        acting_user=acting_user,
    )
    link = site_link("referrals:transfer_detail", transfer.pk)
    area_coordinators_tell(
        area=to_area,
        record=transfer,
        kind="area_transfer_proposed",
        key=f"area-transfer-proposed:{transfer.pk}",
        subject="A transfer from another council area waits for your answer",
        body=(
            f"{transfer.from_area.name} proposes to transfer a {what} to {to_area.name}. "
            f"Read the summary and accept or decline it: {link}\n"
        ),
    )
    return transfer


def _decide(transfer: AreaTransfer, *, expected_version: int, status: str, user: User, **extra):
    transfer.status = status
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    for name, value in extra.items():
        setattr(transfer, name, value)
    save_if_unchanged(
        transfer,
        expected_version=expected_version,
        fields=["status", "decided_by", "decided_at", *extra],
    )


@transaction.atomic
def transfer_withdraw(
    *, transfer: AreaTransfer, expected_version: int, acting_user: User
) -> AreaTransfer:
    """A Coordinator of the sending area withdraws a proposal that still waits."""
    LIFECYCLE.require("withdraw", transfer, acting_user=acting_user)
    _decide(
        transfer,
        expected_version=expected_version,
        status=AreaTransfer.Status.WITHDRAWN,
        user=acting_user,
    )
    return transfer


@transaction.atomic
def transfer_decline(
    *, transfer: AreaTransfer, reason: str, expected_version: int, acting_user: User
) -> AreaTransfer:
    """A Coordinator of the receiving area declines, saying why; the record stays where it
    is, and the sending side reads the reason on the transfer."""
    LIFECYCLE.require("decline", transfer, acting_user=acting_user, reason=reason)
    _decide(
        transfer,
        expected_version=expected_version,
        status=AreaTransfer.Status.DECLINED,
        user=acting_user,
        decline_reason=reason.strip(),
    )
    return transfer


@transaction.atomic
def transfer_accept(
    *, transfer: AreaTransfer, expected_version: int, acting_user: User
) -> AreaTransfer:
    """A Coordinator of the receiving area accepts: in one transaction the person, all their
    referrals and what hangs off them (cases, assessments, support plans: the registered
    parts) move to the receiving area; officers assigned in the sending area are cleared and
    shares given there revoked; each referral leaves a de-personalised ``TransferTrace`` in
    the sending area; the history says "Transferred from <area> on <date>" with the summary.
    Every record is saved one by one, so the audit log has each change."""
    to_area = transfer.to_area
    from_area = transfer.from_area
    LIFECYCLE.require("accept", transfer, acting_user=acting_user)
    receiving_agency = _receiving_agency(acting_user, to_area)
    today = timezone.localdate()
    with _both_areas(transfer, acting_user, "accept"):
        moving = _gather(transfer, "accept")
        LIFECYCLE.require("accept", transfer, acting_user=acting_user, moving=moving)
        transfer._acted_for_areas = sorted({from_area.pk, to_area.pk})
        _decide(
            transfer,
            expected_version=expected_version,
            status=AreaTransfer.Status.ACCEPTED,
            user=acting_user,
        )
        for person in Person.objects.filter(pk__in=moving.person_ids).select_for_update():
            person.area = to_area
            person.version += 1
            person.save(update_fields=["area", "version"])
        served = set(to_area_agencies(to_area))
        referrals = list(
            Referral.objects.filter(pk__in=moving.referral_ids)
            .select_for_update()
            .select_related("person")
        )
        for referral in referrals:
            _trace(referral, transfer=transfer, today=today)
            referral.area = to_area
            referral.assigned_officer = None
            if referral.owning_agency_id not in served:
                referral.owning_agency = receiving_agency
            referral.version += 1
            referral.save(
                update_fields=["area", "assigned_officer", "owning_agency", "version", "updated_at"]
            )
            _revoke_shares(referral, acting_user)
            # The remembered search of the other areas was made from the sending area (which
            # the receiving area now is one of): the receiving Coordinator's page searches anew.
            AreaMatchCheck.objects.filter(referral=referral).delete()
            if referral.pk == transfer.referral_id:
                text = (
                    f"Transferred from {from_area.name} on {today:%-d %B %Y}. "
                    f"Summary: {transfer.summary}"
                )
            else:
                text = (
                    f"Transferred from {from_area.name} on {today:%-d %B %Y}, with "
                    f"{transfer.reference or 'another referral'} of the same person."
                )
            chronology_add(
                referral=referral,
                kind=ChronologyEntry.Kind.TRANSFERRED,
                text=text,
                acting_user=acting_user,
            )
        for part in transfers.parts():
            if part.move is not None:
                part.move(
                    referral_ids=moving.referral_ids,
                    transfer=transfer,
                    to_area=to_area,
                    receiving_agency=receiving_agency,
                    served_agency_ids=served,
                    acting_user=acting_user,
                )
    return transfer


def to_area_agencies(area: Area) -> list[int]:
    """The agencies serving ``area``: an owner among them keeps the record."""
    return list(Agency.objects.filter(areas=area).values_list("pk", flat=True))


def _revoke_shares(referral: Referral, acting_user: User) -> None:
    """Shares given in the sending area end with the move (audited deletions)."""
    for grant in [*referral.user_grants.all(), *referral.group_grants.all()]:
        grants.grant_revoke(grant=grant, acting_user=acting_user)


def _trace(referral: Referral, *, transfer: AreaTransfer, today) -> TransferTrace:
    """The sending area's statistic of a referral that left: its counted columns only."""
    trace = TransferTrace.objects.create(
        area_id=transfer.from_area_id,
        transfer=transfer,
        received_on=referral.received_on,
        transferred_on=today,
        age_at_referral=referral.age_at_referral,
        gender=referral.person.gender,
        referring_sector_id=referral.referring_sector_id,
        outcome_id=referral.outcome_id,
        reached_panel=referral.reached_panel,
        adopted=referral.adopted,
        # So that its referrer, who no longer sees the referral (access rule 8), is told
        # on "Your referrals" that it was passed to another council area.
        reference=referral.reference or "",
        referrer_id=referral.referrer_id,
        referring_agency_id=referral.referring_agency_id,
    )
    trace.concern_types.set(referral.concern_types.all())
    trace.needs_flags.set(referral.needs_flags.all())
    return trace


__all__ = [
    "transfer_accept",
    "transfer_decline",
    "transfer_propose",
    "transfer_propose_needed",
    "transfer_withdraw",
]
