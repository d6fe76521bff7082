"""The needs-flag measures are defined once (referrals.measures) and every report counts them
the same way (issue 13 point 8): "mental-health concern" was one flag in the statistics and
three in the Channel report, and autism, ADHD and learning difficulty were never reported."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from channel_panel.reports import CASE_KEYS, channel_report
from governance import board_report
from governance.dashboard import dashboard_figures
from referrals.measures import LABELS, MEASURE_KEYS, MEASURES
from referrals.models import NeedsFlag
from referrals.statistics import FLAGS, referral_statistics
from tests import factories
from tests.channel_panel.test_report import meeting

ROOT = Path(__file__).resolve().parents[2]
# Every module that counts or shows a needs-flag figure.
REPORTING_MODULES = [
    "referrals/statistics.py",
    "referrals/views/statistics.py",
    "channel_panel/reports.py",
    "channel_panel/views/reports.py",
    "governance/dashboard.py",
    "governance/views/dashboard.py",
    "governance/board_report.py",
    "governance/views/reports.py",
]
CODES = {
    value for name, value in vars(NeedsFlag).items() if name.isupper() and isinstance(value, str)
}
NEURODIVERSITY = {
    "autism_spectrum_condition": NeedsFlag.AUTISM,
    "adhd": NeedsFlag.ADHD,
    "learning_difficulty": NeedsFlag.LEARNING_DIFFICULTY,
    "other_neurodiversity": NeedsFlag.OTHER_NEURODIVERSITY,
}


@pytest.mark.parametrize("module", REPORTING_MODULES)
def test_no_report_names_a_needs_flag_code_itself(module):
    """A report that picks its own flag codes would count a measure differently from the
    others: only referrals.measures may name them."""
    tree = ast.parse((ROOT / module).read_text())
    named = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "NeedsFlag"
            and node.attr.isupper()
        ):
            named.append(f"NeedsFlag.{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Constant) and node.value in CODES:
            named.append(f"{node.value!r} (line {node.lineno})")
    assert not named, f"{module} names needs-flag codes: {named}"


def test_the_registry_covers_every_flag_the_domain_reports():
    counted = {code for m in MEASURES for code in m.codes}
    assert counted == CODES
    assert set(NEURODIVERSITY) <= set(MEASURE_KEYS)


def test_every_report_lists_the_registrys_measures_in_its_order():
    assert [k for k in FLAGS if k in MEASURE_KEYS] == MEASURE_KEYS
    assert [k for k in CASE_KEYS if k in MEASURE_KEYS] == MEASURE_KEYS


@pytest.fixture
def discussed(world):
    """Five referrals discussed at a held meeting in May 2025: one with only a diagnosed
    mental illness, one for each neurodiversity flag."""
    referrals = [factories.panel_referral(world.agency_b) for _ in range(5)]
    codes = [NeedsFlag.DIAGNOSED_MENTAL_ILLNESS, *NEURODIVERSITY.values()]
    for referral, code in zip(referrals, codes, strict=True):
        referral.needs_flags.add(NeedsFlag.objects.get(code=code))
    meeting(world, date(2025, 5, 1), referrals=referrals)
    return referrals


def test_statistics_and_channel_report_count_each_measure_the_same_way(world, discussed):
    received = sorted(r.received_on for r in discussed)
    statistics = referral_statistics(date_from=received[0], date_to=received[-1])
    channel = channel_report(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    assert statistics["referrals"] == 5 and channel["cases_discussed"] == 5
    for key in MEASURE_KEYS:
        assert statistics[key] == channel[key], key
    # A diagnosed mental illness is a mental-health concern in both.
    assert statistics["mental_health_concern"] == channel["mental_health_concern"] == 1
    for key in NEURODIVERSITY:
        assert statistics[key] == channel[key] == 1, key
        assert channel["percent"][key] == 20  # of the cases discussed


def test_dashboard_and_board_report_show_every_measure(world, discussed):
    made = dashboard_figures(
        user=world.coordinator,
        date_from=date(2000, 1, 1),
        date_to=date(2030, 3, 31),
        today=date(2026, 1, 1),
        suppress=0,
    )
    assert [r.label for r in made.mental_health.rows] == [m.label for m in MEASURES]
    report = SimpleNamespace(
        board=SimpleNamespace(area_id=world.council.areas.get().pk),
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        suppress_below=0,
    )  # the sections read only these (the board for its council area)
    channel = board_report.channel_section(report)
    assert [label for label, *_ in channel["measures"]] == [m.label for m in MEASURES]
    referrals = board_report.referral_section(report)
    flag_labels = [label for label, *_ in referrals["tables"][0]["rows"]]
    assert flag_labels[: len(MEASURES)] == [LABELS[k] for k in MEASURE_KEYS]
