"""Anchors: the signed head of the audit chain, kept outside PostgreSQL (ADR 0010).

Every ten minutes the worker appends the chain's head (position, hash, the link's signature,
the number of entries, the time) to AUDIT_ANCHOR_FILE, one JSON line, itself signed with
AUDIT_CHAIN_KEY, and writes the same line to the ``prevent_portal.audit.anchor`` logger. The
chain alone cannot show entries cut from its end (what is left is a shorter, valid chain); an
anchor can: the anchored link must still be there, unchanged.

Before writing, the previous anchor is checked against the chain (one indexed lookup): if it
no longer holds, no new anchor is written, so the tampered chain is never blessed, and the
Coordinators are told. Each night ``chain_check`` recomputes the whole chain and compares it
with the last anchor (the ``verify_audit`` command does the same on demand).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from prevent_portal.accounts.addressees import EVERY_AREA, holders
from prevent_portal.accounts.models import Role
from prevent_portal.audit.chain import LINK_TABLE, Result, chain_keys, key_id, verify
from prevent_portal.outbox.services import notification_queue

logger = logging.getLogger("prevent_portal.audit.anchor")
ANCHOR_FORMAT = "prevent-portal-audit-anchor/1"
# The last anchor is read from the file's end; a line is far shorter than this.
TAIL_BYTES = 8192


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    link_mac: str | None
    count: int
    at: str
    key_id: str
    signature: str = ""

    def message(self) -> str:
        return "|".join(
            [ANCHOR_FORMAT, str(self.seq), self.hash, self.link_mac or "-", str(self.count)]
            + [self.at, self.key_id]
        )

    def signed(self, key: str) -> Anchor:
        digest = hmac.new(key.encode(), self.message().encode(), hashlib.sha256).hexdigest()
        return Anchor(**{**asdict(self), "signature": digest})

    def to_line(self) -> str:
        return json.dumps({"format": ANCHOR_FORMAT, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_line(cls, line: str) -> Anchor:
        data = json.loads(line)
        if data.pop("format", None) != ANCHOR_FORMAT:
            raise ValueError("not an audit anchor")
        return cls(**data)


def _keys() -> dict[str, str]:
    return chain_keys(settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_PREVIOUS_KEYS)


def anchor_last(path: Path | None = None) -> Anchor | None:
    """The last anchor in the file, or None when there is none yet. A last line that is not
    an anchor raises ValueError: the file was tampered with or is not ours."""
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    return Anchor.from_line(lines[-1]) if lines else None


def anchor_problem(cursor, anchor: Anchor) -> str:
    """Why the chain no longer matches ``anchor`` (empty when it does)."""
    key = _keys().get(anchor.key_id)
    if key is None:
        return f"the last anchor is signed with a key this check was not given ({anchor.key_id})"
    if not hmac.compare_digest(anchor.signed(key).signature, anchor.signature):
        return "the last anchor's signature does not match (the anchor file was altered)"
    cursor.execute(f"SELECT hash, mac FROM {LINK_TABLE} WHERE seq = %s", [anchor.seq])  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        return (
            f"the chain no longer reaches position {anchor.seq}, anchored at {anchor.at} "
            "(entries removed from the end)"
        )
    if row[0] != anchor.hash or row[1] != anchor.link_mac:
        return (
            f"the chain at position {anchor.seq} differs from the anchor of {anchor.at} "
            "(history rewritten)"
        )
    return ""


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: a write can only add to the end, never overwrite what is there.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def anchor_write(*, path: Path | None = None, now: dt.datetime | None = None) -> Anchor | None:
    """Append the chain's signed head to the anchor file and log it. Refuses (alerting the
    Coordinators, writing nothing) when the previous anchor no longer holds, so that a cut or
    rewritten chain is never anchored. Returns the anchor written, or None."""
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            previous = anchor_last(path)
        except ValueError:
            problem = "the last line of the anchor file is not an anchor (file altered)"
        else:
            problem = anchor_problem(cursor, previous) if previous else ""
        if problem:
            _alert(problem)
            return None
        cursor.execute(f"SELECT seq, hash, mac FROM {LINK_TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        head = cursor.fetchone()
    if head is None or (previous and previous.seq == head[0]):
        return None  # nothing new to anchor
    seq, hash_, mac = head
    at = (now or timezone.now()).astimezone(dt.UTC).isoformat()
    key = settings.AUDIT_CHAIN_KEY
    anchor = Anchor(seq, hash_, mac, seq, at, key_id(key)).signed(key)
    line = anchor.to_line()
    _append(path, line)
    logger.info("audit anchor %s", line)
    return anchor


@dataclass
class Report:
    result: Result | None
    problem: str

    @property
    def ok(self) -> bool:
        return not self.problem


def chain_check(
    *,
    anchor_path: Path | None = None,
    use_anchor: bool = True,
    batch_size: int = 5000,
    progress=None,
) -> Report:
    """Recompute the whole chain (every hash and signature) and compare it with the last
    anchor. Reads one snapshot (REPEATABLE READ) while the application keeps writing."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        result = verify(cursor, keys=_keys(), batch_size=batch_size, progress=progress)
        if result.broken:
            return Report(
                result,
                f"Audit chain broken after {result.verified} verified entries. "
                f"First broken: {result.broken}",
            )
        if not use_anchor:
            return Report(result, "")
        try:
            anchor = anchor_last(anchor_path)
        except ValueError:
            return Report(
                result, "Audit chain broken: the anchor file's last line is not an anchor"
            )
        problem = anchor_problem(cursor, anchor) if anchor else ""
    if problem:
        return Report(
            result, f"Audit chain broken: {result.verified} entries verified, but {problem}"
        )
    return Report(result, "")


def chain_check_and_alert(*, today: dt.date) -> Report:
    """The nightly check: ``chain_check``, and on failure an alert to every Coordinator."""
    if connection.vendor != "postgresql":
        return Report(None, "")  # the demo's SQLite has no chain (ADR 0008)
    report = chain_check()
    if not report.ok:
        _alert(report.problem, today=today)
    return report


def _alert(problem: str, *, today: dt.date | None = None) -> None:
    """Tell every active Coordinator, once a day, that the audit trail check failed. The
    message names no person and no record: the details are in the worker's log."""
    logger.error("audit trail check failed: %s", problem)
    today = today or timezone.localdate()
    # The audit trail is the instance's, shared by every council area, and the message
    # names no record: every area's Coordinators have a stake in it.
    for coordinator in holders(Role.COORDINATOR, EVERY_AREA):
        notification_queue(
            dedup_key=f"audit:chain-check-failed:{today.isoformat()}:{coordinator.pk}",
            kind="audit.chain_check_failed",
            recipient=coordinator,
            subject=f"{settings.SERVICE_NAME}: the audit trail check failed",
            body=(
                f"The check of the {settings.SERVICE_NAME} audit trail on {today:%d %B %Y} "
                "found that the audit log no longer matches what was recorded: entries may "
                "have been removed or changed.\n\nAsk the system administrator to run "
                '`manage.py verify_audit` and follow "The audit trail check failed" in the '
                "operations guide. The details are in the worker's log."
            ),
        )
