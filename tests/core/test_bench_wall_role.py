"""The bench measures its pages behind the area wall (scripts/bench/wall_role.py, issue 18).

Connected as a role the wall applies to (CI's table owner, with the wall FORCEd), the bench
has nothing to switch and says its pages are behind the wall; as a superuser it switches to
``bench_wall``, which must then be a role the wall applies to; with the wall off it says there
is none to measure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import on_postgres

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))
import wall_role  # noqa: E402

pytestmark = pytest.mark.django_db


def _bypasses() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


@pytest.mark.skipif(not on_postgres(), reason="row-level security exists on PostgreSQL only")
def test_the_bench_measures_its_pages_as_a_role_the_wall_applies_to():
    decision = wall_role.prepare(True)
    assert decision["behind_wall"], decision
    assert decision["switch"] == _bypasses()
    with wall_role.measured(decision):
        assert not _bypasses()
        with connection.cursor() as cursor:
            cursor.execute("SELECT row_security_active('referrals_referral')")
            assert cursor.fetchone()[0]


@pytest.mark.skipif(not on_postgres(), reason="row-level security exists on PostgreSQL only")
def test_with_the_wall_off_the_bench_says_there_is_none_to_measure(settings):
    settings.AREA_RLS = False
    decision = wall_role.prepare(True)
    assert decision == {
        "behind_wall": False,
        "switch": False,
        "role": None,
        "why": "AREA_RLS is off: no wall",
    }
