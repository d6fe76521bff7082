"""The background-build machinery (ADR 0007): now on the ground floor
(``prevent_portal.core.jobs``), where the Channel Panel's pack builds use it too."""

from prevent_portal.core.jobs import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    build_after_commit,
    job_claim,
    job_progress,
    jobs_requeue_stale,
    jobs_sweep,
)

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_AFTER",
    "build_after_commit",
    "job_claim",
    "job_progress",
    "jobs_requeue_stale",
    "jobs_sweep",
]
