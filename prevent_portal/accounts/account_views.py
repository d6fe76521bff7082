"""The system administrator's account pages (make an account and invite its holder, roles,
switching on again), SPOCs' requests for colleagues' accounts, and the quarterly access
review. Rules: prevent_portal/accounts/administration.py and approvals.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_portal.accounts import access, administration, approvals, services
from prevent_portal.accounts.forms import (
    AccessReviewAnswerForm,
    AccountCreateForm,
    AccountDetailsForm,
    AccountRequestDecisionForm,
    AccountRequestForm,
    ExternalIdentityForm,
    RoleAddForm,
)
from prevent_portal.accounts.models import (
    AccessReviewAnswer,
    AccountChangeRequest,
    ExternalIdentity,
    Membership,
    Role,
    User,
)
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.accounts.review import get_account_for_review
from prevent_portal.accounts.selfservice import has_authenticator
from prevent_portal.audit.access_log import log_access
from prevent_portal.core.concurrency import StaleEdit


def _errors_from(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


# --- Making an account and its roles ---------------------------------------------------------
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def account_create(request):
    administration.require_sysadmin(request.user)
    form = AccountCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = administration.account_create(
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                agency=data["agency"],
                role=data["role"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _errors_from(form, exc)
        else:
            messages.success(
                request,
                f"Account {user.username} made and invitation sent. The role waits for the "
                "Prevent Coordinator's approval.",
            )
            return redirect("accounts:account_detail", pk=user.pk)
    return render(request, "accounts/account_create.html", {"form": form})


def _account_page(request, account: User, role_form=None):
    memberships = list(
        Membership.objects.filter(user=account, is_active=True).select_related("agency")
    )
    pending = {
        change.membership_id or f"change-{change.pk}": change
        for change in AccountChangeRequest.objects.filter(
            subject=account, status=AccountChangeRequest.Status.PENDING
        )
    }
    is_admin = access.has_role(request.user, Role.SYSADMIN)
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "memberships": [(m, pending.get(m.pk)) for m in memberships],
            # Changes to the account itself (e-mail, authenticator...) waiting for approval.
            "waiting": [c for c in pending.values() if c.membership_id is None],
            "is_admin": is_admin and account.pk != request.user.pk,
            "role_form": role_form or RoleAddForm(),
            "awaiting_invitation": account.is_active and not account.has_usable_password(),
            "reactivation_waiting": any(
                c.kind == AccountChangeRequest.Kind.REACTIVATE for c in pending.values()
            ),
            "has_authenticator": has_authenticator(account),
            "identity": ExternalIdentity.objects.filter(user=account).first(),
            "setup_link_helps": administration.setup_link_blocker(account) is None,
        },
    )


@require_GET
def account_detail(request, pk):
    account = get_account_for_review(request.user, pk)
    log_access(request, [account], view="accounts:account_detail")
    return _account_page(request, account)


def _admin_target(request, pk) -> User:
    """The account a system administrator acts on: seen through the account review (404),
    acted on by the system administrator only, and never their own (403)."""
    account = get_account_for_review(request.user, pk)
    administration.require_sysadmin(request.user)
    if account.pk == request.user.pk:
        raise PermissionDenied("You cannot change your own account here")
    return account


@require_POST
@recent_authentication_required
def account_role_add(request, pk):
    account = _admin_target(request, pk)
    form = RoleAddForm(request.POST)
    if form.is_valid():
        try:
            approvals.membership_request(
                user=account,
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _errors_from(form, exc)
        else:
            messages.success(request, "Role asked for: it waits for approval.")
            return redirect("accounts:account_detail", pk=account.pk)
    return _account_page(request, account, role_form=form)


@require_POST
@recent_authentication_required
def account_role_end(request, pk, membership_pk):
    account = _admin_target(request, pk)
    membership = Membership.objects.filter(pk=membership_pk, user=account, is_active=True).first()
    if membership is None:
        raise Http404
    services.membership_end(membership=membership, acting_user=request.user)
    messages.success(request, f"Role ended: {membership}.")
    return redirect("accounts:account_detail", pk=account.pk)


@require_POST
@recent_authentication_required
def account_reactivate(request, pk):
    account = _admin_target(request, pk)
    if account.is_active:
        messages.success(request, "The account is already switched on.")
    else:
        change = approvals.user_reactivate(user=account, acting_user=request.user)
        messages.success(
            request,
            "Switching the account on waits for approval."
            if change is not None
            else "The account is switched on.",
        )
    return redirect("accounts:account_detail", pk=account.pk)


@require_POST
@recent_authentication_required
def account_invitation_resend(request, pk):
    account = _admin_target(request, pk)
    try:
        administration.invitation_resend(user=account, acting_user=request.user)
    except ValidationError as exc:
        messages.success(request, exc.messages[0])
    else:
        messages.success(request, "A new invitation has been sent; the old link no longer works.")
    return redirect("accounts:account_detail", pk=account.pk)


# --- Details, sign-in links and the authenticator of someone else's account ------------------
WAITS = "It waits for the Prevent Coordinator's approval before it takes effect."


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def account_edit(request, pk):
    """Name, job title and e-mail address; the e-mail address may wait for approval."""
    account = _admin_target(request, pk)
    form = AccountDetailsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.email,
            "job_title": account.job_title,
            "version": account.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            waiting = administration.account_details_change(
                user=account,
                first_name=data["first_name"],
                last_name=data["last_name"],
                job_title=data["job_title"],
                email=data["email"],
                expected_version=data["version"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _errors_from(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            if waiting is not None:
                messages.warning(
                    request, f"Details saved. The new email address is not set yet. {WAITS}"
                )
            else:
                messages.success(request, "Details saved.")
            return redirect("accounts:account_detail", pk=account.pk)
    if request.method == "GET":
        log_access(request, [account], view="accounts:account_edit")
    return render(request, "accounts/account_edit.html", {"form": form, "account": account})


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def account_identity(request, pk):
    """Link a council (Entra ID) sign-in; on a case-role account it waits for approval."""
    account = _admin_target(request, pk)
    current = ExternalIdentity.objects.filter(user=account).first()
    form = ExternalIdentityForm(
        request.POST if request.method == "POST" else None,
        initial={"tenant_id": current.tenant_id, "object_id": current.object_id}
        if current
        else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            waiting = approvals.external_identity_link(
                user=account,
                tenant_id=form.cleaned_data["tenant_id"],
                object_id=form.cleaned_data["object_id"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _errors_from(form, exc)
        else:
            if waiting is not None:
                messages.warning(request, f"The council sign-in is not linked yet. {WAITS}")
            else:
                messages.success(request, "Council sign-in linked.")
            return redirect("accounts:account_detail", pk=account.pk)
    if request.method == "GET":
        log_access(request, [account], view="accounts:account_identity")
    return render(
        request,
        "accounts/account_identity.html",
        {"form": form, "account": account, "current": current},
    )


@require_POST
@recent_authentication_required
def account_identity_unlink(request, pk):
    account = _admin_target(request, pk)
    try:
        administration.external_identity_unlink(user=account, acting_user=request.user)
    except ValidationError as exc:
        messages.warning(request, exc.messages[0])
    else:
        messages.success(
            request, "Council sign-in unlinked: it no longer signs in to this account."
        )
    return redirect("accounts:account_detail", pk=account.pk)


@require_POST
@recent_authentication_required
def account_authenticator_reset(request, pk):
    account = _admin_target(request, pk)
    waiting = approvals.user_authenticator_reset(user=account, acting_user=request.user)
    if waiting is not None:
        messages.warning(request, f"The authenticator app is not reset yet. {WAITS}")
    else:
        messages.success(
            request,
            "Authenticator app reset: they were signed out and sent a link to set up a new one.",
        )
    return redirect("accounts:account_detail", pk=account.pk)


@require_POST
@recent_authentication_required
def account_setup_link_send(request, pk):
    account = _admin_target(request, pk)
    try:
        administration.setup_link_send(user=account, acting_user=request.user)
    except ValidationError as exc:
        messages.warning(request, exc.messages[0])
    else:
        messages.success(
            request, "A link to set up the authenticator app was sent; older links no longer work."
        )
    return redirect("accounts:account_detail", pk=account.pk)


# --- Requests for accounts -------------------------------------------------------------------
@require_GET
def account_request_list(request):
    requests = list(administration.account_requests_for(request.user))
    log_access(request, requests, view="accounts:account_request_list")
    return render(
        request,
        "accounts/account_request_list.html",
        {
            "pending": [r for r in requests if r.status == r.Status.PENDING],
            "decided": [r for r in requests if r.status != r.Status.PENDING][:50],
            "may_request": administration.spoc_agencies(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def account_request_add(request):
    agencies = administration.spoc_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = AccountRequestForm(
        request.POST if request.method == "POST" else None,
        agencies=agencies,
        roles=administration.SPOC_REQUESTABLE_ROLES,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = administration.account_request_create(
            agency=data["agency"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            job_title=data["job_title"],
            role=data["role"],
            reason=data["reason"],
            acting_user=request.user,
        )
        messages.success(
            request, f"Request {made.pk} sent: the system administrator will act on it."
        )
        return redirect("accounts:account_request_detail", pk=made.pk)
    return render(request, "accounts/account_request_add.html", {"form": form})


@require_http_methods(["GET", "POST"])
def account_request_detail(request, pk):
    made = administration.get_account_request_for_user(request.user, pk)
    is_admin = access.has_role(request.user, Role.SYSADMIN)
    form = None
    if is_admin and made.status == made.Status.PENDING:
        form = AccountRequestDecisionForm(
            request.POST if request.method == "POST" else None, initial={"version": made.version}
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    user = administration.account_request_approve(
                        made=made,
                        username=data["username"],
                        expected_version=data["version"],
                        acting_user=request.user,
                    )
                    messages.success(request, f"Account {user.username} made; invitation sent.")
                    return redirect("accounts:account_detail", pk=user.pk)
                administration.account_request_decline(
                    made=made,
                    reason=data["reason"],
                    expected_version=data["version"],
                    acting_user=request.user,
                )
            except (ValidationError, StaleEdit) as exc:
                form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
            else:
                messages.success(request, f"Request {made.pk} declined.")
                return redirect("accounts:account_request_list")
    else:
        log_access(request, [made], view="accounts:account_request_detail")
    return render(request, "accounts/account_request_detail.html", {"made": made, "form": form})


# --- The quarterly access review -------------------------------------------------------------
@require_GET
def access_review(request):
    today = timezone.localdate()
    quarter = administration.quarter_of(today)
    is_spoc = administration.spoc_agencies(request.user).exists()
    is_admin = access.has_role(request.user, Role.SYSADMIN)
    if not (is_spoc or is_admin):
        raise PermissionDenied
    rows = []
    if is_spoc:
        memberships = administration.review_memberships(request.user).prefetch_related(
            Prefetch(
                "review_answers",
                queryset=AccessReviewAnswer.objects.filter(quarter=quarter),
                to_attr="this_quarter",
            )
        )
        rows = [(m, m.this_quarter[0] if m.this_quarter else None) for m in memberships]
        log_access(request, [m.user for m, _ in rows], view="accounts:access_review")
    removals = list(administration.removals_waiting()) if is_admin else []
    return render(
        request,
        "accounts/access_review.html",
        {
            "quarter": quarter,
            "rows": rows,
            "unanswered": sum(1 for _, answer in rows if answer is None),
            "removals": removals,
            "is_spoc": is_spoc,
            "is_admin": is_admin,
        },
    )


@require_http_methods(["GET", "POST"])
def access_review_answer(request, membership_pk):
    membership = administration.review_memberships(request.user).filter(pk=membership_pk).first()
    if membership is None:
        raise Http404
    today = timezone.localdate()
    existing = AccessReviewAnswer.objects.filter(
        membership=membership, quarter=administration.quarter_of(today)
    ).first()
    initial = {"seen": administration.answer_seen(existing)}
    if existing is not None:
        initial.update(answer=existing.answer, note=existing.note)
    form = AccessReviewAnswerForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            administration.access_review_answer(
                membership=membership,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
                today=today,
                seen=form.cleaned_data["seen"],
            )
        except ValidationError as exc:
            _errors_from(form, exc)
        except StaleEdit as exc:
            # Their answer stays in the form; sent again, it replaces the one given meanwhile.
            data = request.POST.copy()
            data["seen"] = administration.answer_seen(
                AccessReviewAnswer.objects.filter(
                    membership=membership, quarter=administration.quarter_of(today)
                ).first()
            )
            form = AccessReviewAnswerForm(data)
            form.is_valid()
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Answer recorded for {membership.user.get_full_name()}.")
            return redirect("accounts:access_review")
    log_access(request, [membership.user], view="accounts:access_review_answer")
    return render(
        request, "accounts/access_review_answer.html", {"form": form, "membership": membership}
    )


@require_POST
@recent_authentication_required
def access_review_act(request, answer_pk):
    administration.require_sysadmin(request.user)
    answer = administration.removals_waiting().filter(pk=answer_pk).first()
    if answer is None:
        raise Http404
    administration.access_review_removal_act(answer=answer, acting_user=request.user)
    messages.success(request, f"Role ended: {answer.membership}.")
    return redirect("accounts:access_review")
