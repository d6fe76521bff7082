"""Every declared lifecycle is printed in docs/architecture.md as the code declares it, so a
new table, or a changed precondition, cannot leave the document behind."""

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps

from prevent_portal.core.lifecycle import lifecycles

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def declared():
    for config in apps.get_app_configs():
        if find_spec(f"{config.name}.lifecycle"):
            import_module(f"{config.name}.lifecycle")
    return {name: lc for name, lc in lifecycles().items() if not name.startswith("test.")}


def test_every_app_lifecycle_is_found():
    # Named "<app label>.<record>", so a table is found through its app.
    assert set(declared()) >= {
        "referrals.referral",
        "referrals.information_request",
        "channel_panel.meeting",
        "channel_panel.decision",
        "channel_panel.case",
    }


def test_docs_print_every_lifecycle_table_as_declared():
    text = ARCHITECTURE.read_text()
    missing = [
        name for name, lifecycle in declared().items() if lifecycle.as_markdown() not in text
    ]
    assert not missing, f"docs/architecture.md does not print these tables as declared: {missing}"
