"""What other parts of the service know about a person, shown when a referral is triaged.

Referrals cannot import the apps that stand on it (the Channel Panel app knows that a
person's Channel case closed last year, which makes the new referral a re-referral), so
those apps register a provider in their ``AppConfig.ready()``::

    from referrals import history

    history.register("channel_panel.cases", closed_cases_of)

A provider is ``provider(user, person) -> Iterable[HistoryNote]``. It reads only what
``user`` may see (through its own ``visible_to``), writes nothing, and costs one or two
queries whatever the data: never a query per row, as the triage page keeps a fixed query
count. Notes come back in the order the providers were registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class HistoryNote:
    """One thing to know about the person, e.g. label "Re-referral", text "Channel case
    CC-2025-0004 closed on 3 March 2026", the case's URL, and the tag "Re-referral"."""

    label: str
    text: str
    url: str | None = None
    tag: str | None = None


Provider = Callable[[object, object], Iterable[HistoryNote]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register ``provider`` under a unique name; registering the name again replaces it."""
    _PROVIDERS[name] = provider


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def notes_for(user, person) -> list[HistoryNote]:
    """Every registered provider's notes about ``person`` as ``user`` may see them."""
    notes: list[HistoryNote] = []
    for provider in list(_PROVIDERS.values()):
        notes.extend(provider(user, person))
    return notes
