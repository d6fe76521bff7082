"""Every service that writes what the dashboard's training figures are counted from (a
compliance return, a training type, a reporting period) marks them changed
(``training.freshness``), so the figures counted in the background are counted again at the
next sweep. A new service that forgets fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

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
