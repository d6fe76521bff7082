"""Every state change of the training app, one module per part of the job.

Import from here: ``from training import services; services.compliance_return_submit(...)``.
"""

from training.services.configuration import *  # noqa: F403
from training.services.imports import *  # noqa: F403
from training.services.registers import *  # noqa: F403
from training.services.returns import *  # noqa: F403
