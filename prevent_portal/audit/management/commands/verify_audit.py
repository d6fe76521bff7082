"""python manage.py verify_audit: recompute the audit log's hash chain and check every link's
signature (ADR 0008, ADR 0010), then compare the chain with the last anchor kept outside the
database.

Exit status 0 when every entry is in the chain, every hash and signature holds and the last
anchor is still in the chain; 1 naming the first broken entry or the anchor that no longer
holds; 2 when there is no chain to check (SQLite, the demo database).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.anchors import chain_check


def _anchor_holds(cursor, expect_head: str) -> bool:
    position, _, expected_hash = expect_head.partition(":")
    if not position.isdigit() or len(expected_hash) != 64:
        raise CommandError("--expect-head takes POSITION:HASH as printed by verify_audit")
    cursor.execute("SELECT hash FROM audit_auditchainlink WHERE seq = %s", [int(position)])
    row = cursor.fetchone()
    return row is not None and row[0] == expected_hash


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Recompute the audit log's hash chain in Python, in batches, check every link's "
        "signature and the last anchor, and name the first entry that was altered, deleted, "
        "reordered, forged or inserted outside the chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--expect-head",
            metavar="POSITION:HASH",
            help="a head printed by an earlier run: fail unless the chain still has that hash "
            "at that position (catches entries removed from the end)",
        )
        parser.add_argument(
            "--anchor-file",
            type=Path,
            help="the anchor file to compare with (default: AUDIT_ANCHOR_FILE)",
        )
        parser.add_argument(
            "--no-anchor",
            action="store_true",
            help="do not compare with an anchor (a restored copy checked away from production)",
        )

    def handle(self, *args, batch_size, expect_head, anchor_file, no_anchor, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Not verified: the audit hash chain exists only on PostgreSQL "
                f"(this database is {connection.vendor}).",
                returncode=2,
            )
        anchor_path = anchor_file or Path(settings.AUDIT_ANCHOR_FILE)
        if not no_anchor and not anchor_path.exists():
            self.stderr.write(
                f"No anchor file at {anchor_path}: entries cut from the end cannot be detected."
            )
        report = chain_check(
            anchor_path=anchor_path,
            use_anchor=not no_anchor,
            batch_size=batch_size,
            progress=lambda n: self.stderr.write(f"... {n} entries verified"),
        )
        if not report.ok:
            raise CommandError(report.problem, returncode=1)
        result = report.result
        if expect_head:
            with connection.cursor() as cursor:
                if not _anchor_holds(cursor, expect_head):
                    raise CommandError(
                        f"Audit chain broken: {result.verified} entries verified, but the "
                        f"expected head {expect_head} is not in the chain (entries removed "
                        "from the end?)",
                        returncode=1,
                    )
        self.stdout.write(
            f"Audit chain verified: {result.verified} entries. "
            f"Head: {result.head_seq}:{result.head_hash}"
        )
