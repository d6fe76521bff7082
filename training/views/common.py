"""The step every training form page shares once its form is valid."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from prevent_portal.core.concurrency import StaleEdit


def save_form(request, form, save: Callable[[dict], object], *, success, to: str):
    """For a valid POST, call ``save(cleaned_data)`` (a service), say ``success`` (text, or
    a function of what ``save`` returned) and redirect to the url name ``to``. A stale edit
    or a refused rule becomes an error on the form, which keeps what was typed; None means
    "show the form again"."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except (StaleEdit, ValueError) as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, success(saved) if callable(success) else success)
    return redirect(to)
