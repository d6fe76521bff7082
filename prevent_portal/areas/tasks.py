"""Celery tasks declare the council areas they act for (ADR 0011).

The Celery app's task class (prevent_portal/celery.py). Each task names ``acts_for`` in its
decorator: ``@shared_task(name=..., acts_for=ALL)`` for a sweep over every area. A task that
declares nothing fails when it runs, rather than finding no rows behind the row-level
security wall and reporting nothing to do.
"""

from celery import Task

from prevent_portal.areas import rls


class AreaTask(Task):
    acts_for: str | None = None

    def __call__(self, *args, **kwargs):
        if self.acts_for is None:
            raise RuntimeError(f"Task {self.name} does not declare the areas it acts for")
        with rls.acting_for(self.acts_for):
            return super().__call__(*args, **kwargs)
