"""The WSGI entry point gunicorn loads: start-up settles before the first request."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
import prevent_portal.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "views_imported": "referrals.views" in sys.modules and "governance.views" in sys.modules,
}))
"""


def test_start_up_imports_the_views_and_freezes_what_it_made():
    """gc.freeze() keeps the objects start-up made out of every later full collection (a
    60-100 ms pause in a big page otherwise); run in a process of its own."""
    env = {**os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "prevent_portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["views_imported"]
    assert probe["frozen"] > 10_000
