"""What a record built in the background carries (ADR 0007): now on the ground floor
(``prevent_portal.core.jobs``), where the Channel Panel's pack builds use it too."""

from prevent_portal.core.jobs import BackgroundJob, JobStatus

__all__ = ["BackgroundJob", "JobStatus"]
