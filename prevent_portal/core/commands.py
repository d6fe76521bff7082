"""What several management commands share."""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone


def iso_date(value: str) -> date:
    """An argparse ``type`` for a day given as YYYY-MM-DD; a bad value becomes the command's
    error message (a CommandError under ``call_command``)."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from exc


def add_today_argument(parser) -> None:
    """``--today YYYY-MM-DD``: the day a sweep runs for; ``today_from(options)`` reads it."""
    parser.add_argument(
        "--today", type=iso_date, help="the day to run for, YYYY-MM-DD (default: today)"
    )


def as_date(value: date | str | None) -> date | None:
    """A date option as the command receives it. ``call_command(..., today="2026-12-08")``
    passes a keyword straight through, without argparse's ``type``, so a string is parsed
    (and refused) here as on the command line."""
    if isinstance(value, str):
        try:
            return iso_date(value)
        except ArgumentTypeError as exc:
            raise CommandError(str(exc)) from exc
    return value


def today_from(today: date | str | None) -> date:
    """The day ``--today`` gave, else today."""
    return as_date(today) or timezone.localdate()
