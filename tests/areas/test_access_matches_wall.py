"""The access module and the area wall agree, by construction (issue 18, branch `wall18`).

The database wall (ADR 0011) lets a request read the rows of the council areas its user works
in (``area_ids_for(user)``: every area where they hold a role). SQLite and ``AREA_RLS=false``
run without it, and then the access module alone must keep areas apart
(docs/security.md). So every way in to an area-owned record (``visible_to`` of every
area-owned model, found from the models, and the referrer's and case-work lists) must give,
with the wall off, only rows of the user's areas, and the same rows as with the wall on. And
the object-permission check (``actions_for``) gives nothing on a record of another area.

The world: the personas' area ("here") and a second one ("elsewhere"), with
- a referral of ``referrer_b``'s transferred to the other area (rule 4's owner branch);
- agency A serving both areas (its SPOC and panel member work in both);
- agency B, which served the other area and no longer does, owning a referral and a training
  return there (rule 3's own-agency branch, the SPOC's returns);
- grants on another area's referral to a user and to an agency's group whose agencies do not
  serve it (rule 5), and one to a user whose agency does; an invitation to the other area's
  meeting made while agency B served it;
- and, for every area-owned model, rows in both areas (made by the services where the world
  needs them, otherwise filled in generically, so that a new area-owned model is walked too).

It failed before the fix: with the wall off, ``referrer_b`` saw the transferred referral and its
person, ``spoc_b`` agency B's referral and return of the area it no longer serves and the
referral granted to them, and ``actions_for`` gave them "view" on those records.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import models, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from channel_panel.models import PanelMeeting
from channel_panel.services import invitee_add
from prevent_portal.accounts.access import ProtectedQuerySet, actions_for, area_ids_for
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from referrals.models import Referral, case_work_referrals
from referrals.services import referral_record, transfer_accept, transfer_propose
from tests import factories
from tests.areas.conftest import other_area_build
from tests.conftest import PERSONAS, become_wall_role, build_world, on_postgres
from tests.training.helpers import make_return

pytestmark = pytest.mark.django_db

# Area-owned models with no ``visible_to``: no page lists or opens them for a user. Each is
# read only by the code that owns it: a register deletion by the register's pages through its
# entry, a cross-area match by the request's pages of the area asked (inside one logged
# crossing), a transfer trace by the statistics (and its referrer's list, bounded by rule 8),
# a remembered cross-area search by the matching code of the referral's own area.
NOT_OPENED_BY_USERS = {
    "governance.registerdeletion",
    "referrals.areamatchcheck",
    "referrals.crossarearequestmatch",
    "referrals.transfertrace",
}

# Ways in to area-owned records other than ``visible_to``: (label, model, queryset for user).
OTHER_WAYS_IN = [
    ("Referral.referred_by", Referral, lambda user: Referral.objects.referred_by(user)),
    ("case_work_referrals", Referral, case_work_referrals),
    ("PanelMeeting.heard_of_by", PanelMeeting, lambda u: PanelMeeting.objects.heard_of_by(u)),
    (
        "PanelMeeting.whole_meeting_for",
        PanelMeeting,
        lambda u: PanelMeeting.objects.whole_meeting_for(u),
    ),
]


def _walked_models() -> list[type[models.Model]]:
    return [
        m
        for m in rls.area_owned_models()
        if hasattr(m._default_manager.get_queryset(), "visible_to")
    ]


def _filler_value(field, area):
    """A plausible value for a required field of a row filed in ``area``."""
    if field.is_relation:
        related = field.related_model
        if related is Area:
            return area
        rows = related._base_manager.order_by("pk")
        if "area" in {f.name for f in related._meta.concrete_fields}:
            rows = rows.filter(area=area)
        return rows.first()
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date(2026, 4, 1)
    if isinstance(field, models.EmailField):
        return "someone@example.org"
    if isinstance(field, models.CharField | models.TextField):
        return "Fictional"[: field.max_length or 9]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    raise AssertionError(f"No filler for {field!r}: add one to the walk of every model")


def _fill(model, area):
    """One row of ``model`` in ``area``, its required fields filled in generically (a row of
    the same area for an area-owned foreign key). Only what a test of sight needs."""
    values = {}
    for field in model._meta.concrete_fields:
        if (
            field.primary_key
            or field.null
            or field.has_default()
            or field.blank
            or isinstance(field, models.GeneratedField)
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            if field.many_to_one and field.related_model is Area:
                values[field.name] = area
            continue
        values[field.name] = _filler_value(field, area)
    return model._base_manager.create(**values)


@pytest.fixture(scope="module")
def region(django_db_setup, django_db_blocker):
    """The two-area world described at the top, built once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        here = Area.objects.get()
        # Referred by agency B's referrer; agency B serves only this area in the end.
        moving = referral_record(
            person=factories.PersonFactory(),
            owning_agency=world.council,
            referring_agency=world.agency_b,
            referring_sector=world.agency_b.sector,
            received_on=date(2026, 11, 1),
            concern_summary="A fictional concern",
            referrer=world.referrer_b,
            acting_user=None,
        )
        factories.referral(world.agency_a, referrer=world.referrer_a)
        factories.referral(world.agency_b, referrer=world.referrer_b)
        factories.channel_case(world.council, world.coordinator)
        factories.meeting(world.chair)
        factories.board(world.coordinator)
        make_return(world.agency_a, date(2018, 6, 30), 10, 9, area=here)

        there = other_area_build()
        elsewhere = there.area
        world.agency_a.areas.add(elsewhere)  # a partner serving both areas
        world.agency_b.areas.add(elsewhere)  # until it stops, below
        theirs = factories.referral(there.council, person=factories.PersonFactory(area=elsewhere))
        factories.referral(world.agency_a, person=factories.PersonFactory(area=elsewhere))
        factories.referral(world.agency_b, person=factories.PersonFactory(area=elsewhere))
        make_return(world.agency_b, date(2018, 6, 30), 10, 9, area=elsewhere)
        their_meeting = factories.meeting(there.chair)
        # Agency B's SPOC invited to the other area's meeting while agency B served it.
        invitee_add(
            meeting=their_meeting,
            user=world.spoc_b,
            agency=world.agency_b,
            acting_user=there.chair,
        )
        factories.board(there.coordinator, area=elsewhere)
        world.agency_b.areas.remove(elsewhere)  # agency B no longer serves it
        # Grants on the other area's referral, written straight into the tables as a grant
        # made before an agency stopped serving an area would be.
        assign_perm("referrals.view_referral", world.spoc_b, theirs)
        assign_perm("referrals.view_referral", world.agency_b.group, theirs)
        assign_perm("referrals.view_referral", world.panel_a, theirs)  # agency A serves it

        transfer = transfer_propose(
            referral=moving,
            kind="referral",
            to_area=elsewhere,
            summary="Moved to a new tenancy.",
            acting_user=world.coordinator,
        )
        transfer_accept(
            transfer=transfer, expected_version=transfer.version, acting_user=there.coordinator
        )

        for model in _walked_models():
            for area in (here, elsewhere):
                if not _rows_in(model, area):
                    _fill(model, area)

        people = {name: world.persona(name) for name in PERSONAS if name != "anonymous"}
        people.update({f"elsewhere_{u.username}": u for u in there.staff})
        yield here, elsewhere, people, moving
        transaction.set_rollback(True)


def _area_filter(model, areas) -> models.Q:
    """The wall's test (prevent_portal/areas/rls.py): any of the row's area columns names one
    of ``areas``."""
    condition = models.Q(pk__in=[])
    for column in rls.area_columns(model):
        condition |= models.Q(**{f"{column}__in": sorted(areas)})
    return condition


def _rows_in(model, area) -> bool:
    return model._base_manager.filter(_area_filter(model, {area.pk})).exists()


def _pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def _ways_in():
    for model in _walked_models():
        label = f"{model.__name__}.visible_to"
        yield label, model, (lambda m: lambda user: m._default_manager.visible_to(user))(model)
    yield from OTHER_WAYS_IN


def test_every_area_owned_model_is_walked_or_named():
    """A new area-owned model is walked (it has ``visible_to``) or named as opened by nobody."""
    not_walked = {m._meta.label_lower for m in rls.area_owned_models()} - {
        m._meta.label_lower for m in _walked_models()
    }
    assert not_walked <= NOT_OPENED_BY_USERS


def test_with_the_wall_off_every_way_in_gives_the_users_areas_only_and_what_the_wall_gives(
    region,
):
    here, elsewhere, people, moving = region
    for model in _walked_models():
        assert _rows_in(model, here) and _rows_in(model, elsewhere), model
    wall_up = on_postgres() and rls.enabled()
    if wall_up:
        become_wall_role()
    failures = []
    for name, user in people.items():
        areas = area_ids_for(user)
        for label, model, way_in in _ways_in():
            # Wall off: the test acts for every area (tests/conftest.py).
            seen = _pks(way_in(user))
            outside = seen - _pks(model._base_manager.filter(_area_filter(model, areas)))
            if outside:
                failures.append(f"{name}: {label} gives {len(outside)} rows of other areas")
            if wall_up:
                with rls.acting_for(areas):
                    walled = _pks(way_in(user))
                if walled != seen:
                    failures.append(f"{name}: {label} wall on {walled}, off {seen}")
    assert failures == [], "\n".join(failures)
    # The world holds what the walk is about: the referrer's transferred referral is there.
    assert Referral.objects.get(pk=moving.pk).area_id == elsewhere.pk


def test_no_action_on_a_record_of_an_area_the_user_does_not_work_in(region):
    _, _, people, _ = region
    protected = [
        m
        for m in _walked_models()
        if isinstance(m._default_manager.get_queryset(), ProtectedQuerySet)
        and hasattr(m, "user_grants")  # a person's actions are their referrals' (no grants)
    ]
    failures = []
    for name, user in people.items():
        areas = area_ids_for(user)
        for model in protected:
            for obj in model._base_manager.exclude(_area_filter(model, areas)):
                if actions := actions_for(user, obj):
                    failures.append(f"{name}: {sorted(actions)} on {model.__name__} {obj.pk}")
    assert failures == [], "\n".join(failures)


def test_the_world_has_what_the_walk_needs(region):
    """The personas the brief names are in the world: a partner's SPOC working in both areas,
    a referrer whose referral was transferred, grant holders, another area's staff."""
    here, elsewhere, people, moving = region
    assert area_ids_for(people["spoc_a"]) == {here.pk, elsewhere.pk}
    assert area_ids_for(people["spoc_b"]) == {here.pk}
    assert Referral.objects.get(pk=moving.pk).referrer == people["referrer_b"]
    assert area_ids_for(people["referrer_b"]) == {here.pk}
    assert area_ids_for(people["elsewhere_westbrook-coordinator"]) == {elsewhere.pk}


@pytest.mark.parametrize("wall", ["wall on", "wall off"])
def test_the_referrer_is_told_their_referral_went_to_another_area(
    client, region, wall, monkeypatch
):
    """Rule 8 takes the transferred referral from its referrer, wall on or off; "Your
    referrals" still opens and says it was passed to another council area, with its
    reference and dates and nothing of the person."""
    from django.urls import reverse

    from prevent_portal.areas import middleware as area_middleware
    from tests.conftest import sign_in

    _, _, people, moving = region
    if wall == "wall off":
        monkeypatch.setattr(area_middleware.rls, "enabled", lambda using="default": False)
    elif on_postgres():
        become_wall_role()
    sign_in(client, people["referrer_b"])
    response = client.get(reverse("referrals:mine"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Passed to another council area" in body
    assert moving.reference in body
    assert moving.person.family_name not in body and moving.person.given_name not in body
    assert client.get(reverse("referrals:status", args=[moving.pk])).status_code == 404
