"""Which agencies owe which returns: the rule behind "missing" marks and reminders.

An active training type is asked of the agencies it names; a type that names none is asked
of every active agency with an active single point of contact. A return is missing when an
agency owes it for a quarter and has not made it.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from prevent_portal.accounts.models import Agency, Membership, Role
from training.models import ComplianceReturn, ReportingPeriod, TrainingType


def owed_pairs(
    types: list[TrainingType] | None = None, agency_ids: set[int] | None = None
) -> set[tuple[int, int]]:
    """(agency id, training type id) for every return owed each quarter; three queries
    (four for ``agency_ids``, which reads only those agencies' rows)."""
    if types is None:
        types = list(TrainingType.objects.active())
    types = [t for t in types if t.is_active and not t.is_withdrawn()]
    named = defaultdict(set)
    through = TrainingType.agencies.through
    names = through.objects.filter(trainingtype_id__in=[t.pk for t in types])
    spocs = Membership.objects.active().filter(role=Role.SPOC)
    if agency_ids is not None:
        # Asked about a few agencies (a page of the compliance table): read only theirs.
        names = names.filter(agency_id__in=sorted(agency_ids))
        spocs = spocs.filter(agency_id__in=sorted(agency_ids))
        # Whether a type names agencies at all decides who owes it, whoever is asked about.
        naming = set(
            through.objects.filter(
                trainingtype_id__in=[t.pk for t in types], agency__is_active=True
            )
            .values_list("trainingtype_id", flat=True)
            .distinct()
        )
    else:
        naming = None
    for type_id, agency_id in names.filter(agency__is_active=True).values_list(
        "trainingtype_id", "agency_id"
    ):
        named[type_id].add(agency_id)
    with_spoc = set(spocs.values_list("agency_id", flat=True))
    pairs = set()
    for training_type in types:
        names_some = (
            training_type.pk in naming if naming is not None else named.get(training_type.pk)
        )
        for agency_id in named.get(training_type.pk, set()) if names_some else with_spoc:
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


def owing_agency_ids(types: list[TrainingType]) -> dict[int, QuerySet]:
    """For each active type of ``types``, a query of the ids of the agencies that owe it:
    ``owed_pairs``' rule, kept in the database (a subquery) so a page of agencies can be
    chosen and missing returns counted without reading every agency's id. One query."""
    types = [t for t in types if t.is_active and not t.is_withdrawn()]
    through = TrainingType.agencies.through
    named = through.objects.filter(agency__is_active=True)
    naming = set(
        named.filter(trainingtype_id__in=[t.pk for t in types])
        .values_list("trainingtype_id", flat=True)
        .distinct()
    )
    with_spoc = Membership.objects.active().filter(role=Role.SPOC).values("agency_id")
    return {
        t.pk: named.filter(trainingtype_id=t.pk).values("agency_id")
        if t.pk in naming
        else with_spoc
        for t in types
    }
