"""python manage.py generate_synthetic --scale N [--seed S] [--plan]: see core/synthetic."""

from __future__ import annotations

import json
import resource
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.core import synthetic
from prevent_portal.core.demo import DemoContext, seeders

MARKER_TABLE = "synthetic_dataset"


def marker() -> dict | None:
    """What ``generate_synthetic`` last made in this database (scale, seed, counts), if any.
    Kept in a table of its own, outside the application's models and migrations."""
    with connection.cursor() as cursor:
        if MARKER_TABLE not in connection.introspection.table_names(cursor):
            return None
        cursor.execute(f"SELECT details FROM {MARKER_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _write_marker(details: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
            "(id integer PRIMARY KEY, details text NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, details) VALUES (1, %s)",  # noqa: S608
            [json.dumps(details)],
        )


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Fill an empty, migrated, non-production database with deterministic, fictional data "
        "at scale N (1 = ten years of a national deployment: 100,000 referrals)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, required=True)
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument(
            "--plan", action="store_true", help="print the sizes at this scale and stop"
        )

    def handle(self, *args, scale, seed, batch_size, plan, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("generate_synthetic never runs with DJANGO_ENV=production")
        if not 0 < scale <= 100:
            raise CommandError("--scale must be more than 0 and at most 100")
        sizes = {name: max(1, round(n * scale)) for name, n in synthetic.SIZES.items()}
        self.stdout.write(
            f"Sizes at scale {scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        )
        if plan:
            return
        existing = marker()
        if existing:
            if existing.get("scale") == scale and existing.get("seed") == seed:
                self.stdout.write("Already generated at this scale and seed: nothing to do.")
                return
            raise CommandError(
                f"This database already holds synthetic data at scale {existing.get('scale')}, "
                f"seed {existing.get('seed')}: use an empty database"
            )
        synthetic.discover()
        started = time.perf_counter()
        with acting_as() as actor:
            with transaction.atomic():
                demo = DemoContext(accounts=[], objects={})
                for _, seeder in seeders():
                    seeder(demo)
            ctx = synthetic.SyntheticContext(
                scale=scale,
                seed=seed,
                today=timezone.localdate(),
                actor=actor,
                batch_size=batch_size,
                say=self.stdout.write,
            )
            for name, generator in synthetic.generators():
                step = time.perf_counter()
                with transaction.atomic():
                    generator(ctx)
                self.stdout.write(f"{name}: {time.perf_counter() - step:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.perf_counter() - started
        details = {
            "scale": scale,
            "seed": seed,
            "generated_on": ctx.today.isoformat(),
            "seconds": round(seconds, 1),
            "peak_memory_mib": round(peak_memory_mib(), 1),
            "counts": ctx.counts,
        }
        _write_marker(details)
        for name, count in sorted(ctx.counts.items()):
            self.stdout.write(f"  {name:45} {count:>10,}")
        self.stdout.write(
            f"Generated in {seconds:.1f} s; peak memory {details['peak_memory_mib']:.0f} MiB"
        )
