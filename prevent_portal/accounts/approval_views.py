"""Account changes waiting for approval: the Coordinator's (and, for the Coordinator role, a
second system administrator's) page to approve or refuse them (prevent_portal/accounts/
approvals.py holds the rules)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts import approvals
from prevent_portal.accounts.forms import ApprovalDecisionForm
from prevent_portal.accounts.reauth import recent_authentication_required
from prevent_portal.audit.access_log import log_access


@require_GET
def approval_list(request):
    """Role requests and credential changes waiting for the signed-in person's approval."""
    changes = list(approvals.change_requests_for(request.user))
    log_access(request, [c.subject for c in changes], view="accounts:approval_list")
    rows = [{"change": c, "blocker": approvals.decision_blocker(request.user, c)} for c in changes]
    return render(request, "accounts/approval_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def approval_decide(request, pk):
    """Approve or refuse one request (with a reason); never the asker's or the holder's."""
    change = approvals.get_change_request_for_user(request.user, pk, perm="decide")
    form = ApprovalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                done = approvals.change_request_approve(change=change, acting_user=request.user)
                messages.success(
                    request,
                    "The change has been made."
                    if done
                    else "Your approval is recorded. It also needs another person's approval.",
                )
            else:
                approvals.change_request_refuse(
                    change=change, reason=form.cleaned_data["reason"], acting_user=request.user
                )
                messages.success(request, "The change has been refused.")
            return redirect("accounts:approval_list")
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        except PermissionDenied as error:
            form.add_error(None, str(error) or "You cannot decide this request")
    log_access(request, [change.subject], view="accounts:approval_decide")
    return render(request, "accounts/approval_decide.html", {"change": change, "form": form})
