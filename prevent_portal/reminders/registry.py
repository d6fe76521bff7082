"""Each app registers what falls due on a given day; one sweep turns it into outbox rows.

A provider is a callable ``provider(today: date) -> Iterable[Reminder]``. It describes what
is due, and must not write anything: the sweep decides what is new by each reminder's key.

Rules every provider keeps (security finding F7), checked by
``tests/reminders/test_providers.py`` for every registered provider:
- a reminder about a protected record (a referral, a Channel case ...) names it in
  ``record``; the sweep sends it only to a recipient who may see that record at that moment
  (``visible_to``, checked for many recipients in one statement, never per record), so a
  case manager who has left the lead agency, or a chair of another area, hears nothing;
- the title and body name no personal data: no names, no dates of birth (nor the date a
  person turns 18), only a reference and an absolute link (``prevent_portal.outbox.links``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Reminder:
    kind: str  # e.g. "board_update", "training_return", "triage_overdue"
    key: str  # stable identity of the thing and occasion, e.g. "board:4:2026-12-01:28d"
    subject: str  # what the reminder is about, e.g. a board's name; never personal data
    due: date
    recipient: object  # a User
    title: str
    body: str
    record: object = None  # the protected record the reminder is about, if any

    @property
    def dedup_key(self) -> str:
        return f"reminder:{self.kind}:{self.key}:user:{self.recipient.pk}"


Provider = Callable[[date], Iterable[Reminder]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register a provider under a unique name (apps call this in AppConfig.ready())."""
    _PROVIDERS[name] = provider


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)
