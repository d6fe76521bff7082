"""Demo data: each app registers a seeder; ``seed_demo`` runs them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DEMO_PASSWORD = "demo-portal-password"  # noqa: S105 - fictional demo accounts only


@dataclass
class DemoAccount:
    username: str
    role: str
    agency: str
    totp_secret: str


@dataclass
class DemoContext:
    """Passed from seeder to seeder: what earlier seeders made."""

    accounts: list[DemoAccount]
    objects: dict[str, object]


_SEEDERS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def register(name: str, seeder: Callable[[DemoContext], None], *, order: int) -> None:
    if all(existing != name for _, existing, _ in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def seeders() -> list[tuple[str, Callable[[DemoContext], None]]]:
    return [(name, fn) for _, name, fn in sorted(_SEEDERS, key=lambda s: (s[0], s[1]))]
