"""Telling a council area's Coordinators about business between two areas: a transfer
proposed to them, a request for information asked of them, the reply to their request.

One helper, so the rules are kept in one place (issue 18):
- the people told are the Coordinators of that area only (``addressees.holders``), and of
  them only those who may see the record the notice is about (``notification_queue`` sends
  nothing to anyone who may not);
- the notice names no one: its text names the areas and carries a link to sign in, never
  the person, nor the referral's reference (the receiving area may not read the record);
- one notice per Coordinator, de-duplicated by ``key`` and the recipient.
"""

from __future__ import annotations

from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.services import notification_queue


def area_coordinators_tell(*, area, record, kind: str, key: str, subject: str, body: str) -> int:
    """Queue ``subject`` and ``body`` about ``record`` for each Coordinator of ``area`` (an
    Area or its pk) who may see ``record``. The callers' texts name areas and a link, never
    the person or the referral's reference (tests/areas/test_area_notices.py reads every
    notice these services queue). Returns how many were queued."""
    queued = 0
    for coordinator in holders(Role.COORDINATOR, area):
        row, _ = notification_queue(
            dedup_key=f"{key}:user:{coordinator.pk}",
            kind=kind,
            record=record,
            recipient=coordinator,
            subject=subject,
            body=body,
        )
        queued += row is not None
    return queued


__all__ = ["area_coordinators_tell"]
