"""Notices between council areas (a transfer proposed, a request for information, its reply)
are queued by one helper, ``referrals.services.area_notices.area_coordinators_tell``, which
keeps their rules: the Coordinators of that area only, those who may see the record, naming
no one. The services that send them must not write the loop out again (they did: three near
copies in referrals/services/transfers.py and area_requests.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

SENDERS = ["referrals/services/transfers.py", "referrals/services/area_requests.py"]
WRITTEN_OUT = {"notification_queue", "holders"}


def _called_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_notices_between_areas_go_through_the_one_helper():
    root = Path(settings.BASE_DIR)
    written_out = {
        path: sorted(_called_names(root / path) & WRITTEN_OUT)
        for path in SENDERS
        if _called_names(root / path) & WRITTEN_OUT
    }
    assert written_out == {}, (
        "Tell another area's Coordinators through area_notices.area_coordinators_tell, not "
        f"by addressing and queueing in the service: {written_out}"
    )
    for path in SENDERS:
        assert "area_coordinators_tell" in _called_names(root / path), path
