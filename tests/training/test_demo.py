"""The training part of seed_demo: the board paper's 2018 figures and recent quarters, once."""

from io import StringIO

from django.core.management import call_command

from training.models import ComplianceReturn, DepartmentCoverage, TrainingSession


def test_demo_seeds_returns_sessions_and_coverage_once(db):
    call_command("seed_demo", stdout=StringIO())
    counts = (
        ComplianceReturn.objects.count(),
        TrainingSession.objects.count(),
        DepartmentCoverage.objects.count(),
    )
    assert counts[0] >= 14 + 20 and counts[1] >= 5 and counts[2] == 2
    beh = ComplianceReturn.objects.get(
        agency__short_code="beh-mht", period__end="2018-06-30", training_type__name="WRAP"
    )
    assert (beh.compliant, beh.eligible, beh.percent) == (422, 480, 88)
    call_command("seed_demo", stdout=StringIO())
    assert (
        ComplianceReturn.objects.count(),
        TrainingSession.objects.count(),
        DepartmentCoverage.objects.count(),
    ) == counts
