"""Every state change of the Channel Panel app, one module per part of the job.

Import from here: ``from channel_panel import services; services.case_adopt(...)``.
"""

from channel_panel.services.assessments import *  # noqa: F403
from channel_panel.services.cases import *  # noqa: F403
from channel_panel.services.decisions import *  # noqa: F403
from channel_panel.services.lifecycle import *  # noqa: F403
from channel_panel.services.meetings import *  # noqa: F403
from channel_panel.services.minutes import *  # noqa: F403
from channel_panel.services.pack import *  # noqa: F403
from channel_panel.services.pack_pdf import *  # noqa: F403
