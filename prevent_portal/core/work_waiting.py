"""Work waiting for the signed-in user, by role: apps register providers, the home page asks.

The home page shows a panel for each role the user holds ("As Prevent Coordinator", "As
Channel Panel chair" ...), each listing what waits for them, most urgent first, with a count
and a link straight to the list (filtered to just those records) or the one record. Like
``navigation`` and ``reminders``, the ground floor names no app: each app declares its
providers in its own ``work_waiting.py`` and registers them in ``AppConfig.ready()``.

Rules every provider keeps (tests/core/test_work_waiting.py checks them):
- every count is taken through the access module (``Model.objects.visible_to(user)``,
  ``asked_of``, ``return_agency_scope`` ...), so a count never says that something the
  user may not see exists;
- where a reminder provider already decides what is "overdue" or "due", the provider uses
  the same queryset rule (one definition), and its link shows exactly the records counted;
- a fixed number of queries, whatever the number of records;
- labels name no person: counts, references, dates and organisations only.

Not to be confused with ``prevent_portal/accounts/waiting.py`` (how long a locked-out
person must wait before signing in again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from prevent_portal.accounts.access import roles_of
from prevent_portal.accounts.models import Role

# Most urgent first: the order panels sort their items in.
OVERDUE = 0  # past a deadline or target
DUE = 1  # falls due soon, or is waiting for this user to act
INFO = 2  # where things stand (the next meeting, latest figures)

URGENCY_TAGS = {OVERDUE: ("Overdue", "govuk-tag--red"), DUE: ("Due", "govuk-tag--yellow")}


@dataclass(frozen=True)
class Panel:
    """A group of waiting work, shown to holders of any of ``roles``."""

    key: str
    title: str
    roles: frozenset[str]
    order: int


# One panel per kind of person the issue names. A user with several roles sees each panel.
# "everyone" is for what any signed-in user may have waiting (their own notifications).
PANELS = [
    Panel("everyone", "For you", frozenset(Role.values), 0),
    Panel("coordinator", "As Prevent Coordinator", frozenset({Role.COORDINATOR}), 10),
    Panel("chair", "As Channel Panel chair", frozenset({Role.PANEL_CHAIR}), 20),
    Panel(
        "partner",
        "As panel member or agency single point of contact",
        frozenset({Role.PANEL_MEMBER, Role.SPOC}),
        30,
    ),
    Panel("referrer", "As referrer", frozenset({Role.REFERRER}), 40),
    Panel("manager", "As manager", frozenset({Role.MANAGER}), 50),
    Panel("sysadmin", "As system administrator", frozenset({Role.SYSADMIN}), 60),
]
PANEL_KEYS = {panel.key for panel in PANELS}


@dataclass(frozen=True)
class Item:
    """One line of a panel. ``label`` is the whole link text, count included ("3 referrals
    over the triage target"), so it reads alone to a screen reader."""

    label: str
    url: str
    count: int | None = None  # None: a statement, not a count (the next meeting)
    urgency: int = DUE
    detail: str = ""
    key: str = ""  # stable id for tests and the page (``data-waiting``)

    @property
    def tag(self) -> tuple[str, str] | None:
        return URGENCY_TAGS.get(self.urgency)


@dataclass(frozen=True)
class Provider:
    """``items(user, today)`` yields the items waiting for ``user``; ``checks`` names, in a
    few words, what it looks at, for the line saying what was checked and found empty."""

    key: str
    panel: str
    items: Callable[[object, date], Iterable[Item]]
    checks: str
    roles: frozenset[str] | None = None  # default: the panel's roles
    order: int = 100


@dataclass
class PanelView:
    panel: Panel
    items: list[Item] = field(default_factory=list)
    nothing_in: list[str] = field(default_factory=list)


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Register a provider under its unique key (apps call this in AppConfig.ready())."""
    if provider.panel not in PANEL_KEYS:
        raise ValueError(f"Unknown work-waiting panel {provider.panel!r}")
    _PROVIDERS[provider.key] = provider


def register_all(module: str) -> None:
    """Register the ``PROVIDERS`` of an app's ``work_waiting`` module (its dotted path)."""
    from importlib import import_module

    for provider in import_module(module).PROVIDERS:
        register(provider)


def unregister(key: str) -> None:
    _PROVIDERS.pop(key, None)


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.key))


def panels_for(user, today: date) -> list[PanelView]:
    """The panels of the roles ``user`` holds, each with its items, most urgent first (then
    in the providers' order). A count of 0 is not listed: the panel names what it checked
    and found nothing in."""
    roles = roles_of(user)
    by_key = {panel.key: panel for panel in PANELS}
    views: dict[str, PanelView] = {}
    for provider in providers():
        panel = by_key[provider.panel]
        if not (roles & (provider.roles or panel.roles)) or not (roles & panel.roles):
            continue
        view = views.setdefault(panel.key, PanelView(panel))
        found = [item for item in provider.items(user, today) if item.count != 0]
        if found:
            view.items.extend(found)
        else:
            view.nothing_in.append(provider.checks)
    for view in views.values():
        view.items.sort(key=lambda item: item.urgency)  # stable: providers' order kept
    return sorted(
        (v for v in views.values() if v.items or v.nothing_in), key=lambda v: v.panel.order
    )


def plural(count: int, one: str, many: str) -> str:
    """'1 referral waiting', '3 referrals waiting'."""
    return f"{count} {one if count == 1 else many}"
