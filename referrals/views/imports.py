"""The Coordinator's upload of historical referrals (the browser side of import_referrals)."""

from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.accounts.access import require_role
from prevent_portal.accounts.models import Role
from referrals.forms.imports import ImportForm
from referrals.services.imports import referrals_import

SESSION_KEY = "referrals_last_import"


@require_http_methods(["GET", "POST"])
def referral_import(request):
    """Upload a CSV or XLSX file; every bad row goes in the error summary, nothing half-saved.
    The import runs inline: a page script shows an "Importing" state while it does."""
    require_role(request.user, Role.COORDINATOR)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = referrals_import(name=upload.name, content=upload.read(), acting_user=request.user)
        if result.ok:
            # Counts only: the result page shows no reference, name or other personal data.
            request.session[SESSION_KEY] = result.as_dict()
            return redirect("referrals:import_result")
        for message in result.messages():
            form.add_error("file", message)
    return render(request, "referrals/import_form.html", {"form": form})


@require_GET
def referral_import_result(request):
    require_role(request.user, Role.COORDINATOR)
    return render(
        request, "referrals/import_result.html", {"result": request.session.get(SESSION_KEY)}
    )


urlpatterns = [
    path("import/", referral_import, name="import"),
    path("import/result/", referral_import_result, name="import_result"),
]
