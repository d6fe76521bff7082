"""Every state change of the referrals app, one module per part of the job.

Import from here: ``from referrals import services; services.referral_share(...)``.
"""

from referrals.services.area_requests import *  # noqa: F403
from referrals.services.imports import *  # noqa: F403
from referrals.services.information_requests import *  # noqa: F403
from referrals.services.intake import *  # noqa: F403
from referrals.services.matching import *  # noqa: F403
from referrals.services.persons import *  # noqa: F403
from referrals.services.records import *  # noqa: F403
from referrals.services.referrer import *  # noqa: F403
from referrals.services.retention import *  # noqa: F403
from referrals.services.sharing import *  # noqa: F403
from referrals.services.transfers import *  # noqa: F403
from referrals.services.triage import *  # noqa: F403
