"""Form fields every app shares, so each kind of answer is asked and refused the same way.

``GovUKDateField`` is the GOV.UK date input: three boxes (day, month, year) named
``<name>-day``, ``<name>-month`` and ``<name>-year``, and the Design System's error messages
("Date of the meeting must include a month", "... must be a real date", "Year must include 4
numbers"). Every date in every form is one (``tests/core/test_form_conventions.py`` walks every
form class and fails on a plain ``DateField``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django import forms
from django.template.loader import render_to_string

PARTS = ("day", "month", "year")
# A single value is still read when the three boxes are absent: links built by code and
# bookmarked report URLs carry one ISO date (2026-03-27), older drafts kept "27/3/2026".
SINGLE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_OPTIONAL = re.compile(r"\s*\((optional|if [^)]*)\)\s*$", re.IGNORECASE)


def _parse_single(value: str) -> date | None:
    for fmt in SINGLE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


class GovUKDateInput(forms.Widget):
    """Three text boxes in one ``govuk-date-input``; its value is ``[day, month, year]``."""

    template_name = "components/date_input.html"

    def _render(self, template_name, context, renderer=None):
        # The project's template engine, where templates/components/ lives (the default form
        # renderer sees only Django's and the apps' own template folders).
        return render_to_string(template_name, context)  # already a SafeString

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}-{part}") for part in PARTS]
        if all(p is None for p in parts):
            # Links, bookmarks and drafts: one value, or the three parts kept as a list.
            return data.get(name)
        return [(p or "").strip() for p in parts]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}-{part}" not in data for part in PARTS)

    def format_value(self, value):
        """The three boxes' contents: a date as numbers without leading zeros, or what the
        user typed, unchanged, so a mistake can be corrected rather than retyped."""
        if value is None or value == "":
            return ["", "", ""]
        if isinstance(value, str):
            value = _parse_single(value) or ["", "", ""]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        values = list(value) + ["", "", ""]
        return [str(v or "") for v in values[:3]]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id") or name
        error_parts = set(context["widget"]["attrs"].pop("data-error-parts", "").split())
        context["widget"]["parts"] = [
            {
                "name": f"{name}-{part}",
                "id": f"{base_id}-{part}",
                "label": part.capitalize(),
                "value": part_value,
                "width": 4 if part == "year" else 2,
                "error": part in error_parts,
            }
            for part, part_value in zip(PARTS, context["widget"]["value"], strict=True)
        ]
        context["widget"]["id"] = base_id
        return context

    def id_for_label(self, id_):
        # The error summary and any label link to the first box.
        return f"{id_}-day" if id_ else id_


class GovUKDateField(forms.Field):
    """A date asked as day, month and year, refused with the GOV.UK messages.

    ``name_in_errors`` is how the messages name the date; it defaults to the label without a
    trailing "(optional)". The ``required`` message is the form's own ("Enter the date of the
    meeting"). Errors carry which boxes are wrong (``params["parts"]``) so only those are
    outlined in red.
    """

    widget = GovUKDateInput

    def __init__(self, *, name_in_errors: str = "", **kwargs):
        # Old call sites passed these for the one-box input; the three boxes need neither.
        kwargs.pop("input_formats", None)
        super().__init__(**kwargs)
        self.name_in_errors = name_in_errors

    @property
    def what(self) -> str:
        if self.name_in_errors:
            return self.name_in_errors
        return _OPTIONAL.sub("", str(self.label or "Date")) or "Date"

    def _refuse(self, message: str, code: str, parts) -> None:
        raise forms.ValidationError(message, code=code, params={"parts": " ".join(parts)})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            parsed = _parse_single(value)
            if parsed is None:
                self._refuse(f"{self.what} must be a real date", "invalid", PARTS)
            return parsed
        raw = dict(zip(PARTS, [str(v or "").strip() for v in list(value)[:3]], strict=False))
        raw = {part: raw.get(part, "") for part in PARTS}
        if not any(raw.values()):
            return None
        missing = [part for part in PARTS if not raw[part]]
        if missing:
            self._refuse(
                f"{self.what} must include a {' and '.join(missing)}", "incomplete", missing
            )
        not_numbers = [part for part in PARTS if not raw[part].isdigit()]
        if not_numbers:
            self._refuse(f"{self.what} must be a real date", "invalid", not_numbers)
        if len(raw["year"]) != 4:
            self._refuse("Year must include 4 numbers", "year", ["year"])
        try:
            return date(int(raw["year"]), int(raw["month"]), int(raw["day"]))
        except ValueError:
            self._refuse(f"{self.what} must be a real date", "invalid", PARTS)
        return None  # unreachable: _refuse raises

    def bound_data(self, data, initial):
        return initial if self.disabled else data

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != self.to_python(initial)
        except forms.ValidationError:
            return True


def date_submitted(data, name: str) -> bool:
    """Whether a query string or POST holds the date ``name``: its three boxes, or one value
    (a link). A view asking ``name in request.GET`` misses the boxes a person filled in."""
    return name in data or any(f"{name}-{part}" in data for part in PARTS)


def date_error_parts(bound_field) -> list[str]:
    """Which boxes of a date field to outline: those its first error names, else all."""
    errors = bound_field.errors.as_data() if bound_field.errors else []
    for error in errors:
        parts = (getattr(error, "params", None) or {}).get("parts")
        if parts:
            return parts.split()
    return list(PARTS) if errors else []
