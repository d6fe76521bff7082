"""Links each role sees: apps register them, the header and home page read them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from prevent_portal.accounts.access import roles_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    description: str = ""
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)


def items_for(user) -> list[NavItem]:
    """The registered links whose roles the user holds, in order."""
    roles = roles_of(user)
    return sorted((i for i in _ITEMS if i.roles & roles), key=lambda i: (i.order, i.label))
