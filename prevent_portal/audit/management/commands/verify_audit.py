"""python manage.py verify_audit: recompute the audit log's hash chain (ADR 0008).

Exit status 0 when every entry is in the chain and every hash holds; 1 naming the first
broken entry; 2 when there is no chain to check (SQLite, the demo database).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from prevent_portal.audit.chain import verify


def _anchor_holds(cursor, expect_head: str) -> bool:
    position, _, expected_hash = expect_head.partition(":")
    if not position.isdigit() or len(expected_hash) != 64:
        raise CommandError("--expect-head takes POSITION:HASH as printed by verify_audit")
    cursor.execute("SELECT hash FROM audit_auditchainlink WHERE seq = %s", [int(position)])
    row = cursor.fetchone()
    return row is not None and row[0] == expected_hash


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain in Python, in batches, and name the first "
        "entry that was altered, deleted, reordered or inserted outside the chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--expect-head",
            metavar="POSITION:HASH",
            help="a head printed by an earlier run: fail unless the chain still has that hash "
            "at that position (catches entries removed from the end)",
        )

    def handle(self, *args, batch_size, expect_head, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Not verified: the audit hash chain exists only on PostgreSQL "
                f"(this database is {connection.vendor}).",
                returncode=2,
            )
        outermost = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if outermost:
                # One snapshot for the whole walk while the application keeps writing.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            result = verify(
                cursor,
                batch_size=batch_size,
                progress=lambda n: self.stderr.write(f"... {n} entries verified"),
            )
            anchor_ok = _anchor_holds(cursor, expect_head) if expect_head else None
        if result.broken:
            raise CommandError(
                f"Audit chain broken after {result.verified} verified entries. "
                f"First broken: {result.broken}",
                returncode=1,
            )
        if anchor_ok is False:
            raise CommandError(
                f"Audit chain broken: {result.verified} entries verified, but the expected head "
                f"{expect_head} is not in the chain (entries removed from the end?)",
                returncode=1,
            )
        self.stdout.write(
            f"Audit chain verified: {result.verified} entries. "
            f"Head: {result.head_seq}:{result.head_hash}"
        )
