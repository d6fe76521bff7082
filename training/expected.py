"""Which agencies owe which returns: the rule behind "missing" marks and reminders.

An active training type is asked of the agencies it names; a type that names none is asked
of every active agency with an active single point of contact. A return is missing when an
agency owes it for a quarter and has not made it.

Council areas (issue 18): each area asks for the returns of the agencies that serve it, so a
partner serving several areas owes a return to each (``area_id`` narrows the rule to one
area's agencies, ``missing_returns(..., area_id=...)`` counts that area's returns only).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from prevent_portal.accounts.models import Agency, Membership, Role
from training.models import ComplianceReturn, ReportingPeriod, TrainingType


def owed_pairs(
    types: list[TrainingType] | None = None,
    agency_ids: set[int] | None = None,
    area_id: int | None = None,
) -> set[tuple[int, int]]:
    """(agency id, training type id) for every return owed each quarter (to ``area_id``: by
    the agencies serving it); three queries (four for ``agency_ids``, which reads only those
    agencies' rows)."""
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
    if agency_ids is not None or area_id is not None:
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
    if area_id is not None:
        names = names.filter(agency__areas=area_id)
        spocs = spocs.filter(agency__areas=area_id)
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


def missing_returns(
    period: ReportingPeriod, pairs: set[tuple[int, int]], area_id: int | None = None
) -> set[tuple[int, int]]:
    """The owed (agency id, type id) pairs with no return for ``period`` (in ``area_id``)."""
    made = ComplianceReturn.objects.filter(period=period)
    if area_id is not None:
        made = made.filter(area_id=area_id)
    return pairs - set(made.values_list("agency_id", "training_type_id"))


def owed_by_area(
    types: list[TrainingType] | None = None, agency_ids: set[int] | None = None
) -> dict[int, set[tuple[int, int]]]:
    """``owed_pairs`` for each council area its agencies serve: {area id: pairs}, in one
    more query however many areas."""
    pairs = owed_pairs(types, agency_ids)
    served: dict[int, set[int]] = defaultdict(set)
    through = Agency.areas.through.objects.filter(agency_id__in=sorted({a for a, _ in pairs}))
    for agency_id, area_id in through.values_list("agency_id", "area_id"):
        served[agency_id].add(area_id)
    by_area: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for agency_id, type_id in pairs:
        for area_id in served.get(agency_id, ()):
            by_area[area_id].add((agency_id, type_id))
    return dict(by_area)


def missing_by_area(
    period: ReportingPeriod, owed: dict[int, set[tuple[int, int]]]
) -> dict[int, set[tuple[int, int]]]:
    """For each area of ``owed`` (``owed_by_area``), the owed pairs with no return made to
    that area for ``period``: one query."""
    made = set(
        ComplianceReturn.objects.filter(period=period, area_id__in=sorted(owed)).values_list(
            "area_id", "agency_id", "training_type_id"
        )
    )
    return {
        area_id: {(a, t) for a, t in pairs if (area_id, a, t) not in made}
        for area_id, pairs in owed.items()
    }


def agencies_by_id(ids) -> dict[int, Agency]:
    return Agency.objects.in_bulk(sorted(ids))


def owing_agency_ids(types: list[TrainingType], area_id: int | None = None) -> dict[int, QuerySet]:
    """For each active type of ``types``, a query of the ids of the agencies that owe it
    (to ``area_id``: the agencies serving it): ``owed_pairs``' rule, kept in the database (a
    subquery) so a page of agencies can be chosen and missing returns counted without
    reading every agency's id. One query, none for types read ``with_naming()``. The types
    asked of every agency with a SPOC share one query object, so a caller can write that rule
    once for all of them."""
    types = [t for t in types if t.is_active and not t.is_withdrawn()]
    through = TrainingType.agencies.through
    named = through.objects.filter(agency__is_active=True)
    if not all(hasattr(t, "names_agencies") for t in types):
        # The rule is with_naming()'s, read here for types read without it.
        read = TrainingType.objects.filter(pk__in=[t.pk for t in types]).with_naming()
        by_pk = {t.pk: t for t in read}
        types = [by_pk[t.pk] for t in types]
    naming = {t.pk for t in types if t.names_agencies}
    with_spoc = Membership.objects.active().filter(role=Role.SPOC)
    if area_id is not None:
        named = named.filter(agency__areas=area_id)
        with_spoc = with_spoc.filter(agency__areas=area_id)
    with_spoc = with_spoc.values("agency_id")
    return {
        t.pk: named.filter(trainingtype_id=t.pk).values("agency_id")
        if t.pk in naming
        else with_spoc
        for t in types
    }
