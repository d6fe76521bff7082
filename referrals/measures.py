"""The needs-flag measures every report counts, defined once.

The referral statistics, the Channel Panel report, the dashboard and the board report all
count these, and only these, and only through this registry: no report names a NeedsFlag
code itself (a test walks their source). A measure counts the people (referrals, or the
cases discussed at the panel) carrying ANY of its ``codes``. Its percentage is of everyone
counted, or, with ``share_of``, of those counted by that other measure (the seed papers'
"83% had a mental-health concern; of these 53% were already known to services").
"""

from __future__ import annotations

from dataclasses import dataclass

from referrals.models import NeedsFlag


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    codes: tuple[str, ...]
    share_of: str | None = None


MEASURES: tuple[Measure, ...] = (
    Measure(
        "mental_health_concern",
        "Mental health concern (suspected, diagnosed or known to services)",
        (
            NeedsFlag.MENTAL_HEALTH_CONCERN,
            NeedsFlag.DIAGNOSED_MENTAL_ILLNESS,
            NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES,
        ),
    ),
    Measure(
        "known_to_mental_health_services",
        "Already known to mental health services",
        (NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES,),
        share_of="mental_health_concern",
    ),
    Measure("autism_spectrum_condition", "Autism spectrum condition", (NeedsFlag.AUTISM,)),
    Measure("adhd", "ADHD", (NeedsFlag.ADHD,)),
    Measure("learning_difficulty", "Learning difficulty", (NeedsFlag.LEARNING_DIFFICULTY,)),
    Measure("other_neurodiversity", "Other neurodiversity", (NeedsFlag.OTHER_NEURODIVERSITY,)),
)
MEASURE_KEYS = [m.key for m in MEASURES]
LABELS = {m.key: m.label for m in MEASURES}
BY_KEY = {m.key: m for m in MEASURES}
