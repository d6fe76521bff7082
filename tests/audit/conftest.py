import pytest


@pytest.fixture(autouse=True)
def _anchor_file(settings, tmp_path):
    """Each test has its own anchor file (ADR 0010), never the checkout's var/."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.log"
