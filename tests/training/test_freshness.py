"""Every service that writes what the dashboard's training figures are counted from (a
compliance return, a training type, a reporting period) marks them changed
(``training.freshness``), so the figures counted in the background are counted again at the
next sweep. A new service that forgets fails here."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import re
from datetime import date, timedelta

import pytest

from training import services

# What the figures are counted from, as a service's source names it.
FIGURES = re.compile(r"\b(ComplianceReturn|TrainingType|ReportingPeriod)\b")
# The ways a service writes a record.
WRITES = re.compile(
    r"\.(create|save|delete|update|set|bulk_create|bulk_update)\(|save_if_unchanged\("
)


def service_functions():
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"{services.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", inspect.getsource(inspect.unwrap(function))


def test_every_service_writing_compliance_figures_marks_them_changed():
    writing = {
        name: source
        for name, source in service_functions()
        if FIGURES.search(source) and WRITES.search(source)
    }
    assert "training.services.returns.compliance_return_correct" in writing
    assert "training.services.imports.compliance_returns_import" in writing
    forgot = [
        name for name, source in writing.items() if "compliance_figures_changed(" not in source
    ]
    assert not forgot, f"these write compliance figures without marking them: {forgot}"


# --- Any other write: the receivers (training.freshness.connect) ----------------------------
@pytest.fixture
def marked(db, django_capture_on_commit_callbacks):
    """What a block of writes marked, once it committed: the areas' marks, and every area's."""
    from django.core.cache import cache

    from training.freshness import EVERY_AREA, mark_key

    cache.clear()

    @contextlib.contextmanager
    def writing(area_ids=()):
        found: dict = {}
        with django_capture_on_commit_callbacks(execute=True):
            yield found
        keys = {mark_key(a): a for a in [*area_ids, EVERY_AREA]}
        found.update({keys[k]: v for k, v in cache.get_many(list(keys)).items()})
        cache.clear()

    return writing


def test_a_write_outside_the_services_marks_the_figures_too(world, marked):
    """The admin saves a type or a quarter itself; an agency's name, end and areas, and who
    its SPOCs are, change what the figures say. Each write marks every area."""
    from prevent_portal.accounts.models import Membership
    from training.freshness import EVERY_AREA
    from training.models import ReportingPeriod, TrainingType

    wrap = TrainingType.objects.get(name="WRAP")
    quarter = ReportingPeriod.objects.create(
        start=date(2020, 4, 1), end=date(2020, 6, 30), label="Q1 2020/21",
        submission_deadline=date(2020, 7, 31),
    )  # fmt: skip
    writes = {
        "a type's target, as the admin saves it": lambda: (
            setattr(wrap, "target_percent", 70) or wrap.save()
        ),
        "a type's agencies": lambda: wrap.agencies.add(world.agency_b),
        "a quarter's deadline": lambda: (
            setattr(quarter, "submission_deadline", date(2020, 8, 31)) or quarter.save()
        ),
        "an agency's name": lambda: (
            setattr(world.agency_b, "name", "Agency Bee") or world.agency_b.save()
        ),
        "the areas an agency serves": lambda: world.agency_b.areas.clear(),
        "a membership": lambda: Membership.objects.filter(user=world.spoc_b).delete(),
    }
    for what, write in writes.items():
        with marked() as found:
            write()
        assert EVERY_AREA in found, what


def test_a_return_saved_anywhere_marks_its_area(world, marked):
    from training.models import ComplianceReturn, ReportingPeriod, TrainingType

    area = world.agency_b.areas.get()
    quarter = ReportingPeriod.objects.create(
        start=date(2020, 4, 1), end=date(2020, 6, 30), label="Q1 2020/21",
        submission_deadline=date(2020, 7, 31),
    )  # fmt: skip
    with marked([area.pk]) as found:
        ComplianceReturn.objects.create(
            agency=world.agency_b, training_type=TrainingType.objects.get(name="WRAP"),
            period=quarter, area=area, eligible=10, compliant=9, target_percent=85,
        )  # fmt: skip
    assert area.pk in found


def test_a_count_started_a_little_after_the_mark_by_another_clock_is_counted_again():
    """The mark is the web process's clock and the count's start the worker's."""
    from django.utils import timezone

    from training.freshness import CLOCK_SLACK, changed_since

    started = timezone.now()
    assert changed_since(started + timedelta(seconds=1), started)
    assert changed_since(started - CLOCK_SLACK / 2, started)
    assert not changed_since(started - 2 * CLOCK_SLACK, started)
    assert not changed_since(None, started)
