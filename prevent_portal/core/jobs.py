"""Records built in the background (ADR 0007): the row is its own queue entry.

A board report, a subject access export and a panel pack's PDF are each asked for in a
request that writes a queued row and contacts nothing else; a worker (the beat sweep, or the
request itself after commit in the demo) claims the row with a conditional UPDATE (queued ->
running), so two sweeps at once build it once, and records its progress as it goes. Progress
is a plain UPDATE committed as it goes, for the self-refreshing progress page; a row left
running for ``STALE_AFTER`` (its worker died) is queued again, up to ``MAX_ATTEMPTS`` builds,
then failed. In the demo, where ``CELERY_TASK_ALWAYS_EAGER`` is on and no worker runs, the
request builds its row in-process once its transaction has committed (``Task.apply``, never
``.delay``). On the ground floor, so that every app can build in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class BackgroundJob(models.Model):
    """The fields the sweep reads and writes: status, progress, attempts and times."""

    Status = JobStatus

    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("Per cent done", default=0)
    stage = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}


STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3


def build_after_commit(task, pk: int) -> None:
    """In the demo (eager Celery, no worker): run ``task`` for ``pk`` in this process once
    the caller's transaction commits. Elsewhere nothing: the beat sweep picks the row up."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.apply(args=[pk]))


def job_claim(model: type[BackgroundJob], pk: int) -> bool:
    """Move one row from queued to running; only one worker can win it."""
    return (
        model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress=0,
            stage="Starting",
        )
        == 1
    )


def job_progress(model: type[BackgroundJob], pk: int, percent: int, stage: str) -> None:
    # Progress is machinery, not a change anybody makes: a plain UPDATE, not audited.
    model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
        progress=percent, stage=stage[:100]
    )


@transaction.atomic
def jobs_requeue_stale(model: type[BackgroundJob], *, now, failed_message: str) -> None:
    """Queue again the rows whose worker died mid-build, or fail them after MAX_ATTEMPTS.
    Saved through the model, so the audit log records it."""
    stale = model.objects.select_for_update(skip_locked=True).filter(
        status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.error = JobStatus.FAILED, failed_message
            job.finished_at = now
        else:
            job.status = JobStatus.QUEUED
        job.stage = JobStatus(job.status).label
        job.version += 1
        job.save()


def jobs_sweep(
    model: type[BackgroundJob],
    build: Callable[[int], object | None],
    *,
    now=None,
    limit: int = 10,
    failed_message: str,
) -> int:
    """What beat runs: requeue lost builds, then ``build(pk)`` up to ``limit`` queued rows,
    oldest first (``build`` returns None when another worker claimed the row first).
    Returns how many this sweep built."""
    jobs_requeue_stale(model, now=now or timezone.now(), failed_message=failed_message)
    waiting = model.objects.filter(status=JobStatus.QUEUED).order_by("created_at", "pk")
    built = 0
    for pk in list(waiting.values_list("pk", flat=True)[:limit]):
        if build(pk) is not None:
            built += 1
    return built
