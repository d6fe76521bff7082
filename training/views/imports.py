"""Uploading compliance returns (the browser side of import_training_returns).

The Coordinator may upload any agency's rows; a SPOC only their own agencies' rows: the
service is told which agencies, and refuses every row for another one.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from prevent_portal.core.tabular import ImportFileError
from training.forms.returns import ReturnsUploadForm
from training.imports import COLUMNS, read_returns_file
from training.services import compliance_returns_import
from training.views.returns import require_returning

SESSION_KEY = "training_last_upload"


@require_http_methods(["GET", "POST"])
def returns_upload(request):
    """Upload a CSV or XLSX file of returns; every bad row goes in the error summary with its
    line number, and nothing is saved unless every row is good."""
    scope = require_returning(request.user)
    form = (
        ReturnsUploadForm(request.POST, request.FILES, user=request.user)
        if request.method == "POST"
        else ReturnsUploadForm(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_returns_file(upload.name, upload.read())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            result = compliance_returns_import(
                rows=rows,
                acting_user=request.user,
                restrict_to_agencies=scope,
                area=form.cleaned_data["area"],
            )
            if result.ok:
                request.session[SESSION_KEY] = result.as_dict()
                return redirect("training:upload_result")
            for message in result.messages():
                form.add_error("file", message)
    return render(
        request,
        "training/returns_upload.html",
        {"form": form, "columns": ", ".join(COLUMNS), "is_coordinator": scope is None},
    )


@require_GET
def returns_upload_result(request):
    require_returning(request.user)
    return render(
        request, "training/returns_upload_result.html", {"result": request.session.get(SESSION_KEY)}
    )


urlpatterns = [
    path("returns/upload/", returns_upload, name="upload"),
    path("returns/upload/done/", returns_upload_result, name="upload_result"),
]
