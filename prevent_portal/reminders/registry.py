"""Each app registers what falls due on a given day; one sweep turns it into outbox rows.

A provider is a callable ``provider(today: date) -> Iterable[Reminder]``. It describes what
is due, and must not write anything: the sweep decides what is new by each reminder's key.
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
