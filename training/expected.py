"""Which agencies owe which returns: the rule behind "missing" marks and reminders.

An active training type is asked of the agencies it names; a type that names none is asked
of every active agency with an active single point of contact. A return is missing when an
agency owes it for a quarter and has not made it.
"""

from __future__ import annotations

from collections import defaultdict

from prevent_portal.accounts.models import Agency, Membership, Role
from training.models import ComplianceReturn, ReportingPeriod, TrainingType


def owed_pairs(
    types: list[TrainingType] | None = None, agency_ids: set[int] | None = None
) -> set[tuple[int, int]]:
    """(agency id, training type id) for every return owed each quarter; three queries."""
    if types is None:
        types = list(TrainingType.objects.active())
    types = [t for t in types if t.is_active and not t.is_withdrawn()]
    named = defaultdict(set)
    through = TrainingType.agencies.through
    for type_id, agency_id in through.objects.filter(
        trainingtype_id__in=[t.pk for t in types], agency__is_active=True
    ).values_list("trainingtype_id", "agency_id"):
        named[type_id].add(agency_id)
    with_spoc = set(
        Membership.objects.active().filter(role=Role.SPOC).values_list("agency_id", flat=True)
    )
    pairs = set()
    for training_type in types:
        for agency_id in named.get(training_type.pk) or with_spoc:
            if agency_ids is None or agency_id in agency_ids:
                pairs.add((agency_id, training_type.pk))
    return pairs


def missing_returns(period: ReportingPeriod, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The owed (agency id, type id) pairs with no return for ``period``."""
    made = set(
        ComplianceReturn.objects.filter(period=period).values_list("agency_id", "training_type_id")
    )
    return pairs - made


def agencies_by_id(ids) -> dict[int, Agency]:
    return Agency.objects.in_bulk(sorted(ids))
