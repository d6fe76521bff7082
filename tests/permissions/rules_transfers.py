"""Permission-matrix entries for the transfer between council areas (referrals/views/
transfers.py).

An area module of test_url_matrix.py (see rules_training.py for the shape). One pending
transfer of the "own" referral (its two areas the world's: a row made for the matrix, as
only the access checks are walked here). A transfer is between Coordinators: the list is
403 to every other role, one transfer 404 to them (``AreaTransfer.objects.visible_to``).
The answers are POST only; the Coordinator's empty POST shows the transfer again with the
problem (200). Proposing is a triage step on a referral: 404 unless it is visible, 403
unless the Coordinator, and an empty POST shows the form's errors.
"""

from django.utils import timezone

from tests.permissions.rules import SCENARIOS, SEES

PREFIX = "referrals:transfer"


def build(world, refs) -> dict:
    from referrals.models import AreaTransfer

    referral = refs["own"]
    transfer = AreaTransfer.objects.create(
        kind=AreaTransfer.Kind.REFERRAL,
        referral=referral,
        reference=referral.reference,
        from_area_id=referral.area_id,
        to_area_id=referral.area_id,
        summary="Moved house.",
        proposed_by=world.coordinator,
        proposed_at=timezone.now(),
    )
    return {"transfer": transfer, "refs": refs}


def scenarios(route) -> list[str]:
    return SCENARIOS if route.key == "referrals:transfer_propose" else ["own"]


def values(route, scenario, objects) -> dict:
    if route.key == "referrals:transfer_propose":
        return {"pk": objects["refs"][scenario].pk}
    return {"pk": objects["transfer"].pk}


def _list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == "coordinator" else {403}


def _detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona == "coordinator" else {404}


def _answer(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "GET":
        return {405}
    return {200} if persona == "coordinator" else {404}


def _propose(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


EXPECTED: dict = {
    "referrals:transfer_list": _list,
    "referrals:transfer_detail": _detail,
    "referrals:transfer_accept": _answer,
    "referrals:transfer_decline": _answer,
    "referrals:transfer_withdraw": _answer,
    "referrals:transfer_propose": _propose,
}
