"""What a record built in the background carries (ADR 0007): the row is its own queue entry.

A board report and a subject access export are each asked for in a request that writes a
queued row and contacts nothing else; a worker (the beat sweep, or the request itself after
commit in the demo) claims the row with a conditional UPDATE and builds it, recording its
progress as it goes. ``governance.services.jobs`` holds the machinery both use.
"""

from __future__ import annotations

from django.db import models


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
