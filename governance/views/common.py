"""What the governance views share: the shape of a form page that saves through a service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from prevent_portal.core.concurrency import StaleEdit


def posted(request, what: str = "POST"):
    """What a form is bound to: the request's POST data (or files) on a POST, even an empty
    one, so that an empty submission shows its errors; nothing on a GET."""
    return getattr(request, what) if request.method == "POST" else None


def form_page(
    request,
    form,
    *,
    template: str,
    save: Callable[[dict], object],
    success: str,
    next_url: Callable[[object], str],
    context: dict | None = None,
):
    """Show ``form``; on a valid POST call ``save(cleaned_data)`` and go to
    ``next_url(result)``. A stale edit or a rule the model enforces is shown as an error
    on the form, with the user's input kept and nothing saved."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, success)
            return redirect(next_url(result))
    return render(request, template, {**(context or {}), "form": form})


def job_steps(job, steps: list[str]) -> list[tuple[str, str]]:
    """(step, "done" / "running" / "waiting") for a background build's progress page (a
    board report, a subject access export): the row's ``stage`` names the running step."""
    if job.status == job.Status.DONE:
        return [(label, "done") for label in steps]
    current = steps.index(job.stage) if job.stage in steps else -1
    if job.status != job.Status.RUNNING:
        current = -1
    return [
        (label, "done" if i < current else "running" if i == current else "waiting")
        for i, label in enumerate(steps)
    ]
