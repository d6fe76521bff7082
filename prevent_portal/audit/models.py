"""The hash chain over the audit log (PostgreSQL only; see ADR 0008).

One link per ``auditlog_logentry`` row, written by a database trigger when the inserting
transaction commits, never by the application. ``seq`` is the chain order (commit order),
gapless from 1; ``hash`` covers ``prev_hash`` and the entry's columns, so altering, deleting
or reordering any entry or link breaks every later hash. ``mac`` signs each link with a key
the database never stores (ADR 0010), so a rewritten or forged link shows. ``verify_audit``
recomputes both.
"""

from django.db import models


class AuditChainLink(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    # No database foreign key: a deleted entry must leave its link behind to be reported,
    # and the links are append-only like the log itself.
    entry = models.OneToOneField(
        "auditlog.LogEntry",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="chain_link",
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # HMAC of "seq:hash" under AUDIT_CHAIN_KEY, and which key (ADR 0010). Empty only on links
    # written before the chain was keyed.
    key_id = models.CharField(max_length=16, null=True)
    mac = models.CharField(max_length=64, null=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self):
        return f"Audit chain link {self.seq}"
