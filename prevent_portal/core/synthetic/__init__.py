"""Synthetic data at national scale, for the performance benchmark (issue 8).

``python manage.py generate_synthetic --scale N [--seed S]`` runs every registered generator
in order. Each app contributes its own part in ``<app>/synthetic.py``, which registers itself
when imported; the command imports those modules with Django's ``autodiscover_modules``, so
the ground floor names no app.

At scale 1 (the sizes in ``SIZES``) a national deployment's ten years of records. The data is
deterministic (every generator draws from a ``random.Random`` seeded from the run's seed and
its own name) and fictional (names are made from syllables in ``names.py``).

Rows are written with ``bulk_create`` in batches (``bulk.insert``), which bypasses
django-auditlog's signals. To keep the audit log consistent, every batch of a registered model
writes ONE audit entry (action create, actor the system account) naming the model, the number
of rows and their first and last id; see ``bulk.insert``.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

# Rows at scale 1 (issue 8): ten years of referrals at about 7,000 to 10,000 a year.
SIZES = {
    "agencies": 400,
    "users": 5_000,
    "persons": 95_000,  # about one in twenty referrals is a re-referral
    "referrals": 100_000,
    "panel_meetings": 2_000,
    "training_returns": 50_000,
}
YEARS = 10


@dataclass
class SyntheticContext:
    """Passed from generator to generator: the scale, the seed and what earlier ones made."""

    scale: float
    seed: int
    today: date
    actor: object  # the system account: the actor of every audit entry written
    batch_size: int = 5_000
    objects: dict[str, object] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    say: Callable[[str], None] = print

    def size(self, name: str) -> int:
        """How many of ``name`` to make at this scale (at least one)."""
        return max(1, round(SIZES[name] * self.scale))

    def rng(self, name: str) -> random.Random:
        """A random generator of its own for each generator, so adding draws to one does not
        change what another makes."""
        return random.Random(zlib.crc32(f"{self.seed}:{name}".encode()))  # noqa: S311 - test data

    def add_count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


Generator = Callable[[SyntheticContext], None]
_GENERATORS: list[tuple[int, str, Generator]] = []


def register(name: str, generator: Generator, *, order: int) -> None:
    if all(existing != name for _, existing, _ in _GENERATORS):
        _GENERATORS.append((order, name, generator))


def generators() -> list[tuple[str, Generator]]:
    return [(name, fn) for _, name, fn in sorted(_GENERATORS, key=lambda g: (g[0], g[1]))]


def discover() -> None:
    """Import every installed app's ``synthetic`` module (each registers its generator)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("synthetic")
