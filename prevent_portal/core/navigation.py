"""Links each role sees: apps register them, the header, its sections and the home page read
them.

Every link belongs to one of a few fixed sections. The header shows Home and the sections the
user has something in (never more than MAX_HEADER_LINKS, so it stays on one row at 1,024 px);
inside a section, a secondary navigation lists that section's links the user may follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from prevent_portal.accounts.access import roles_of
from prevent_portal.core.links import record_url

# Home plus the sections: GOV.UK service navigation stays readable on one row with six.
MAX_HEADER_LINKS = 6


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    order: int
    # URL namespaces whose pages belong here when no registered link's address is a prefix.
    namespaces: tuple[str, ...] = ()
    # False for the person's own account links: at the header's top right, by "Sign out".
    in_menu: bool = True


REFERRALS = "referrals"
CHANNEL = "channel"
TRAINING = "training"
GOVERNANCE = "governance"
ADMINISTRATION = "administration"
ACCOUNT = "account"

SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(REFERRALS, "Referrals", 10, namespaces=("referrals",)),
        Section(CHANNEL, "Channel", 20, namespaces=("channel_panel",)),
        Section(TRAINING, "Training", 30, namespaces=("training",)),
        Section(GOVERNANCE, "Governance", 40, namespaces=("governance",)),
        Section(ADMINISTRATION, "Administration", 50, namespaces=("audit",)),
        Section(ACCOUNT, "Your account", 90, in_menu=False),
    )
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    description: str = ""
    order: int = 100
    section: str = ""

    @property
    def url(self) -> str:
        return record_url(self.url_name)  # reversed once: the header has ~50 of them


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.section not in SECTIONS:
        # A link outside every section would never be reachable from the header.
        raise ValueError(f"{item.url_name}: unknown navigation section {item.section!r}")
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)


def registered_items() -> list[NavItem]:
    return list(_ITEMS)


def items_for(user) -> list[NavItem]:
    """The registered links whose roles the user holds, in order."""
    return items_for_roles(roles_of(user))


def items_for_roles(roles) -> list[NavItem]:
    """The registered links for a holder of ``roles``, in order."""
    roles = set(roles)
    return sorted((i for i in _ITEMS if i.roles & roles), key=lambda i: (i.order, i.label))


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    # None, "page" (this very page) or "true" (a page inside it), as GOV.UK marks them.
    current: str | None = None


@dataclass(frozen=True)
class SectionNav:
    section: Section
    links: list[Link]
    current: str | None = None

    @property
    def label(self) -> str:
        return self.section.label

    @property
    def url(self) -> str:
        return self.links[0].url


def sections_for(user) -> list[tuple[Section, list[NavItem]]]:
    """The sections the user has at least one link in, each with those links, in order."""
    return sections_for_roles(roles_of(user))


def sections_for_roles(roles) -> list[tuple[Section, list[NavItem]]]:
    """The sections a holder of ``roles`` has at least one link in, with those links."""
    by_section: dict[str, list[NavItem]] = {}
    for item in items_for_roles(roles):
        by_section.setdefault(item.section, []).append(item)
    return [
        (SECTIONS[key], items)
        for key, items in sorted(by_section.items(), key=lambda pair: SECTIONS[pair[0]].order)
    ]


def _best_item(items, path: str) -> NavItem | None:
    """The item whose address is this path, or else the longest one the path lies under
    (a referral's page lies under the referrals list). Home ("/") is a prefix of all."""
    best = None
    for item in items:
        url = item.url
        if url == path:
            return item
        if url != "/" and path.startswith(url) and (best is None or len(url) > len(best.url)):
            best = item
    return best


def _section_of(path: str, namespace: str) -> str | None:
    item = _best_item(_ITEMS, path)
    if item is not None:
        return item.section
    for section in SECTIONS.values():
        if namespace and namespace.split(":")[0] in section.namespaces:
            return section.key
    return None


@dataclass(frozen=True)
class Navigation:
    sections: list[SectionNav]
    home_current: bool
    account_links: list[Link]

    @property
    def current_section(self) -> SectionNav | None:
        return next((s for s in self.sections if s.current), None)


def navigation_for(user, path: str, namespace: str = "") -> Navigation:
    """The header's sections for this user, the one this page belongs to marked current,
    and within it the link for this page (or the page it lies under)."""
    current_key = _section_of(path, namespace)
    sections = []
    account_links = []
    for section, items in sections_for(user):
        if not section.in_menu:
            account_links += [
                Link(item.label, item.url, "page" if item.url == path else None) for item in items
            ]
            continue
        here = section.key == current_key
        best = _best_item(items, path) if here else None
        links = [
            Link(
                label=item.label,
                url=item.url,
                current=(("page" if item.url == path else "true") if item is best else None),
            )
            for item in items
        ]
        current = None
        if here:
            current = "page" if links[0].url == path else "true"
        sections.append(SectionNav(section=section, links=links, current=current))
    return Navigation(
        sections=sections,
        home_current=path == reverse("core:home"),
        account_links=account_links,
    )
