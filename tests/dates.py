"""What a browser sends for a GOV.UK date input (prevent_portal/core/forms.py)."""

from datetime import date


def date_input(name: str, day: date) -> dict[str, str]:
    """The three boxes of the date field ``name``, filled in as a person would."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }
