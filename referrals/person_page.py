"""What apps standing on ``referrals`` add to a person's page (``referrals:person``).

Referrals cannot import the apps that stand on it, so the Channel Panel app registers a
provider in its ``AppConfig.ready()``::

    from referrals import person_page

    person_page.register("channel_panel.cases", cases_section)

A provider is ``provider(user, person) -> PersonSection | None``. Like the triage page's
history providers (``referrals.history``) it reads only what ``user`` may see, through its
own ``visible_to`` (a record the user cannot open is not mentioned at all), writes nothing,
and costs a fixed number of queries whatever the person's history: the person page's
query count is tested to stay constant. ``records`` are the records the section shows:
the page writes an access entry for each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PersonSection:
    """One part of the page: a heading, the template that renders it with ``context``,
    and the protected records it shows (for the access log)."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    records: list = field(default_factory=list)


Provider = Callable[[object, object], "PersonSection | None"]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register ``provider`` under a unique name; registering the name again replaces it."""
    _PROVIDERS[name] = provider


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


def sections_for(user, person) -> list[PersonSection]:
    """Every registered provider's section about ``person`` as ``user`` may see it."""
    sections = []
    for provider in list(_PROVIDERS.values()):
        section = provider(user, person)
        if section is not None:
            sections.append(section)
    return sections
