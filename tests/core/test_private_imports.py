"""A module's ``_name`` is its own: another module that imports it couples itself to what its
owner may change without notice (governance/services/regional.py imported the dashboard's
``_cache_get``/``_cache_set``; the shared cache now has a public API,
governance/services/figures_cache.py). Found in a re-read of issue 18's work.

The scan walks every project module; the imports listed below were there before it and may
only go (give each a public name in its module, then remove its line)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

APPS = ["prevent_portal", "referrals", "channel_panel", "governance", "training", "documents"]
KNOWN = {
    ("referrals/search.py", "referrals.matching", "_pair_similarity"),
    ("referrals/forms/transfers.py", "referrals.forms.triage", "_text"),
    ("referrals/forms/retention.py", "referrals.forms.triage", "_date"),
    ("referrals/forms/retention.py", "referrals.forms.triage", "_text"),
    ("channel_panel/forms/assessments.py", "channel_panel.forms.cases", "_agencies"),
    ("channel_panel/forms/assessments.py", "channel_panel.forms.cases", "_choice"),
    ("channel_panel/forms/assessments.py", "channel_panel.forms.cases", "_optional_text"),
    ("channel_panel/forms/assessments.py", "channel_panel.forms.cases", "_past_date"),
    ("channel_panel/forms/assessments.py", "referrals.forms.triage", "_date"),
    ("channel_panel/forms/cases.py", "referrals.forms.triage", "_date"),
    ("channel_panel/forms/cases.py", "referrals.forms.triage", "_text"),
    ("channel_panel/services/decisions.py", "channel_panel.services.lifecycle", "_can_hold_case"),
    ("prevent_portal/areas/apps.py", "prevent_portal.areas.models", "_area_changed"),
}


def private_imports() -> set[tuple[str, str, str]]:
    root = Path(settings.BASE_DIR)
    found = set()
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module.split(".")[0] not in APPS:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.add((str(relative), node.module, alias.name))
    return found


def test_no_module_imports_another_modules_private_names():
    new = sorted(private_imports() - KNOWN)
    assert new == [], f"Give these a public name in their module before importing them: {new}"


def test_the_known_list_only_shrinks():
    gone = sorted(KNOWN - private_imports())
    assert gone == [], f"Fixed: remove these lines from KNOWN: {gone}"
