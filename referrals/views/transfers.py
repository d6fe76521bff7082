"""Transfer between council areas: the sending Coordinator proposes, the receiving area's
Coordinators accept or decline, the proposer's side may withdraw. Thin: access -> form ->
service -> redirect; what each step still needs is the lifecycle's to say
(referrals/transfer_lifecycle.py)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_portal.accounts.access import area_ids_for, require_role
from prevent_portal.accounts.models import Role
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit
from referrals import services, transfers
from referrals.forms.transfers import (
    TransferAnswerForm,
    TransferDeclineForm,
    TransferProposeForm,
)
from referrals.models import AreaTransfer, Referral, get_referral_for_user
from referrals.transfer_lifecycle import TRANSFER_LIFECYCLE
from referrals.transfer_models import get_transfer_for_user


def transferred_in(user, referral) -> list[AreaTransfer]:
    """Accepted transfers that brought ``referral`` into its area, as its page shows them
    ("Transferred from <area> on <date>", with the summary): to this area's Coordinators."""
    return list(
        AreaTransfer.objects.visible_to(user)
        .filter(referral=referral, status=AreaTransfer.Status.ACCEPTED, to_area=referral.area_id)
        .select_related("from_area")
        .order_by("decided_at")
    )


def can_propose_transfer(user, referral, actions) -> bool:
    """Whether the page offers "Transfer to another council area": a Coordinator of the
    record's area (triage), with another active area to send it to. The lifecycle decides
    the rest when they propose."""
    from prevent_portal.areas.models import Area

    return (
        "triage" in actions
        and referral.area_id in area_ids_for(user, [Role.COORDINATOR])
        and Area.objects.filter(is_active=True).exclude(pk=referral.area_id).exists()
    )


@require_GET
def transfer_list(request):
    """The Coordinator's transfers: those waiting for their area's answer, then those their
    area proposed. The summary only: nothing of a record not yet theirs."""
    require_role(request.user, Role.COORDINATOR)
    mine = sorted(area_ids_for(request.user, [Role.COORDINATOR]))
    rows = list(
        AreaTransfer.objects.visible_to(request.user).select_related("from_area", "to_area")[:200]
    )
    waiting = [t for t in rows if t.is_pending and t.to_area_id in mine]
    others = [t for t in rows if t not in waiting]
    log_access(request, [*rows, *map(_shown, rows)], view="referrals:transfer_list")
    return render(request, "referrals/transfer_list.html", {"waiting": waiting, "others": others})


@require_http_methods(["GET", "POST"])
def transfer_propose(request, pk):
    """The Coordinator proposes that a referral, or its open Channel case, moves to the area
    the person has moved to."""
    referral = get_referral_for_user(request.user, pk, perm="triage")
    kind = (
        AreaTransfer.Kind.CASE
        if transfers.case_status([referral.pk])
        else AreaTransfer.Kind.REFERRAL
    )
    form = TransferProposeForm(request.POST or None, from_area_id=referral.area_id)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_propose(
                referral=referral,
                kind=kind,
                to_area=form.cleaned_data["to_area"],
                summary=form.cleaned_data["summary"],
                acting_user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Transfer to {transfer.to_area.name} proposed")
            return redirect("referrals:transfer_detail", pk=transfer.pk)
    # What stands in the way, said before the Coordinator writes a summary for nothing.
    needed = services.transfer_propose_needed(
        referral=referral, kind=kind, acting_user=request.user
    )
    log_access(request, [referral], view="referrals:transfer_propose")
    return render(
        request,
        "referrals/transfer_propose.html",
        {
            "referral": referral,
            "form": form,
            "kind_label": AreaTransfer.Kind(kind).label,
            "needed": needed,
        },
    )


def _shown(transfer) -> Referral:
    """The referral whose reference a transfer page shows, for its access entry. Built, not
    read: before acceptance the record is behind the sending area's wall for the receiving
    Coordinator, who sees its reference (kept on the transfer) and nothing else of it."""
    return Referral(pk=transfer.referral_id, reference=transfer.reference or None)


def _detail(request, transfer, *, status=200, decline_form=None, error=None):
    user = request.user
    steps = {
        step: TRANSFER_LIFECYCLE.allows(step, transfer, acting_user=user)
        for step in ("accept", "decline", "withdraw")
    }
    log_access(request, [transfer, _shown(transfer)], view="referrals:transfer_detail")
    return render(
        request,
        "referrals/transfer_detail.html",
        {
            "transfer": transfer,
            "steps": steps,
            "error": error,
            "decline_form": decline_form
            or TransferDeclineForm(initial={"version": transfer.version}),
        },
        status=status,
    )


@require_GET
def transfer_detail(request, pk):
    """One transfer: its summary, where it stands, and the steps open to this user."""
    transfer = get_transfer_for_user(request.user, pk)
    return _detail(request, transfer)


def _answer(request, transfer, step, form, **kwargs):
    """Run ``step``'s service; on refusal, the detail page again with the error."""
    service = {
        "accept": services.transfer_accept,
        "decline": services.transfer_decline,
        "withdraw": services.transfer_withdraw,
    }[step]
    if not form.is_valid():
        return _detail(request, transfer, decline_form=form if step == "decline" else None)
    try:
        service(
            transfer=transfer,
            expected_version=form.cleaned_data["version"],
            acting_user=request.user,
            **kwargs,
        )
    except StaleEdit as exc:
        transfer.refresh_from_db()
        return _detail(request, transfer, status=409, error=str(exc))
    except ValueError as exc:
        return _detail(request, transfer, error=str(exc))
    return None


@require_POST
def transfer_accept(request, pk):
    transfer = get_transfer_for_user(request.user, pk)
    refused = _answer(request, transfer, "accept", TransferAnswerForm(request.POST))
    if refused is not None:
        return refused
    messages.success(request, f"Transfer accepted: the record is now {transfer.to_area.name}'s")
    return redirect("referrals:detail", pk=transfer.referral_id)


@require_POST
def transfer_decline(request, pk):
    transfer = get_transfer_for_user(request.user, pk)
    form = TransferDeclineForm(request.POST)
    reason = form.data.get("reason", "")
    refused = _answer(request, transfer, "decline", form, reason=reason)
    if refused is not None:
        return refused
    messages.success(request, "Transfer declined")
    return redirect("referrals:transfer_list")


@require_POST
def transfer_withdraw(request, pk):
    transfer = get_transfer_for_user(request.user, pk)
    refused = _answer(request, transfer, "withdraw", TransferAnswerForm(request.POST))
    if refused is not None:
        return refused
    messages.success(request, "Transfer proposal withdrawn")
    return redirect("referrals:transfer_list")


urlpatterns: list = [
    path("transfers/", transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/accept/", transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/decline/", transfer_decline, name="transfer_decline"),
    path("transfers/<int:pk>/withdraw/", transfer_withdraw, name="transfer_withdraw"),
    path("<int:pk>/transfer/", transfer_propose, name="transfer_propose"),
]
