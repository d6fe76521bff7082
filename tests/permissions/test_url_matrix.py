"""The permission matrix: every URL pattern x every persona x GET and POST.

The test fails when a URL pattern is added without an entry in EXPECTED, so no view can
escape review. Not visible gives 404, visible but not allowed gives 403.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import Role
from tests import factories
from tests.conftest import PERSONAS, build_world, sign_in
from tests.permissions import (
    rules_accounts,
    rules_approvals,
    rules_channel_panel,
    rules_documents,
    rules_governance,
    rules_person,
    rules_retention,
    rules_training,
    rules_transfers,
)
from tests.permissions.rules import (  # noqa: F401 - the rules the entries below use
    CASE_LIST_ROLES,
    SCENARIOS,
    SEES,
    _admin,
    _open,
    _referral_share,
    _referral_status,
    _referral_view,
    _referral_withdraw,
    _signed_in_page,
)
from tests.permissions.rules_area_requests import EXPECTED as AREA_REQUESTS
from tests.permissions.rules_imports import EXPECTED as IMPORTS
from tests.permissions.rules_intake import EXPECTED as INTAKE
from tests.permissions.rules_matching import EXPECTED as MATCHING
from tests.permissions.rules_search import EXPECTED as SEARCH
from tests.permissions.rules_session import EXPECTED as SESSION
from tests.permissions.rules_statistics import EXPECTED as STATISTICS
from tests.permissions.rules_triage import EXPECTED as TRIAGE
from tests.permissions.urlwalk import all_routes

# Areas whose URLs take the primary keys of their own records: each rules module names its
# url-name PREFIX, its SCENARIOS, builds its records once (build(world, refs)) and fills
# a route's parameters for a scenario (values(route, scenario, objects)).
AREAS = [
    rules_channel_panel,
    rules_training,
    rules_governance,
    rules_accounts,
    rules_retention,
    rules_approvals,
    rules_documents,
    rules_person,
    rules_transfers,
]

EXPECTED = {
    **{key: rule for area in AREAS for key, rule in area.EXPECTED.items()},
    **INTAKE,
    **TRIAGE,
    **STATISTICS,
    **MATCHING,
    **AREA_REQUESTS,
    **IMPORTS,
    **SEARCH,
    **SESSION,
    "core:home": lambda p, m, s: _signed_in_page(p, m),
    "core:healthz": lambda p, m, s: _open(p, m),
    "core:accessibility": lambda p, m, s: _open(p, m),
    # Everyone signed in sees their own notifications (and only theirs); GET only.
    "outbox:notification_list": lambda p, m, s: _signed_in_page(p, m),
    "accounts:sign_in": lambda p, m, s: {200} if p == "anonymous" else {302},
    # Verified users are sent home; anonymous users to sign in.
    "accounts:second_factor": lambda p, m, s: {302},
    "accounts:set_up_authenticator": lambda p, m, s: {302},
    # One-time set-up link: "1" is no link's token, for anybody; GET only.
    "accounts:enrol": lambda p, m, s: {404} if m == "GET" else {405},
    # Anyone signed in sees their own backup codes and may make a new set.
    "accounts:backup_codes": lambda p, m, s: {302} if p == "anonymous" or m == "POST" else {200},
    "accounts:sign_out": lambda p, m, s: {405} if m == "GET" else {302},
    # "Confirm it's you": any signed-in user (an empty POST shows the errors again).
    "accounts:confirm_identity": lambda p, m, s: {302} if p == "anonymous" else {200},
    # Council single sign-on is off unless settings turn it on: not there for anybody.
    "accounts:sso_start": lambda p, m, s: {404},
    "accounts:sso_callback": lambda p, m, s: {404},
    # require_GET answers 405 before the role check.
    "referrals:list": lambda p, m, s: _signed_in_page(
        p, m, CASE_LIST_ROLES if m == "GET" else None
    ),
    "referrals:detail": _referral_view,
    "referrals:status": _referral_status,
    "referrals:share": _referral_share,
    "referrals:share_revoke": _referral_withdraw,
    # An SPOC reports on their own agency's users, the Coordinator on everyone's.
    "audit:unusual_access": lambda p, m, s: _signed_in_page(
        p, m, {"coordinator", "spoc_a", "spoc_b"} if m == "GET" else None
    ),
}


def expectation(route, persona, method, scenario):
    if route.key in EXPECTED:
        return EXPECTED[route.key](persona, method, scenario)
    if route.key.startswith("admin:") or route.template.startswith("admin/"):
        return _admin(persona, method, scenario)
    raise KeyError(route.key)


def test_every_url_pattern_is_in_the_matrix():
    missing = [
        r.key
        for r in all_routes()
        if r.key not in EXPECTED
        and not (r.key.startswith("admin:") or r.template.startswith("admin/"))
    ]
    assert missing == [], f"URL patterns missing from the permission matrix: {missing}"


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Personas and scenario records built once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        refs, grants = scenario_objects(world)
        areas = {area.PREFIX: area.build(world, refs) for area in AREAS}
        yield world, (refs, grants, areas)
        transaction.set_rollback(True)


def scenario_objects(world):
    now = timezone.now()
    own = factories.referral(world.agency_a, referrer=world.referrer_a)
    refs = {"own": own}
    for name in ["other", "shared_live", "shared_expired", "shared_user"]:
        refs[name] = factories.referral(world.agency_b, referrer=world.referrer_b)
    object_share(
        obj=refs["shared_live"],
        to_agency=world.agency_a,
        reason="joint working",
        acting_user=world.coordinator,
    )
    expired = object_share(
        obj=refs["shared_expired"],
        to_agency=world.agency_a,
        reason="past panel",
        acting_user=world.coordinator,
        expires_at=now + timedelta(days=1),
    )
    type(expired).objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=1))
    # A share to a named referrer, as could be made before only case roles could receive
    # one (security.md F12): written straight into the table, it must still be obeyed.
    legacy = assign_perm("referrals.view_referral", world.referrer_a, refs["shared_user"])
    legacy.reason = "follow-up"
    legacy.save()
    refs.update(rules_channel_panel.pack_referrals(world))
    # Grants for the withdraw route, to someone who is not a persona.
    grantee = factories.member(Role.SPOC, factories.AgencyFactory(), username="grantee")
    grants = {}
    for name, ref in refs.items():
        grants[name] = object_share(
            obj=ref, to_user=grantee, reason="matrix", acting_user=world.coordinator
        )
    return refs, grants


NO_SUCH_REQUEST = 987654
REQUEST_ROUTES = {"referrals:information_request_answer", "referrals:information_request_withdraw"}


def _area(route):
    return next((a for a in AREAS if route.key.startswith(a.PREFIX)), None)


def _values(route, scenario, refs, grants, world, areas):
    area = _area(route)
    if area is not None:
        return area.values(route, scenario, areas[area.PREFIX])
    values = {
        # The information request routes' rules are those of a request that does not exist
        # (rules_triage: 404 to the SPOCs, 403 to the rest): a referral's primary key could
        # be a real request's (rules_documents makes one), so they get one no row has.
        "pk": NO_SUCH_REQUEST if route.key in REQUEST_ROUTES else refs[scenario].pk,
        "kind": "user",
        "grant_pk": grants[scenario].pk,
        "url": "no-such-page/",
    }
    is_admin = route.template.startswith("admin/")
    if is_admin or {"object_id", "id", "content_type_id"} & set(route.params):
        model = None
        name = route.key.split(":")[-1]
        for m in apps.get_models():
            if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_"):
                model = m
        if name.startswith("auth_user_"):
            model = type(world.coordinator)
        model = model or type(world.agency_a)
        obj = model.objects.first() or world.agency_a
        values["object_id"] = values["id"] = obj.pk
        if is_admin:
            values["pk"] = obj.pk
        values["content_type_id"] = ContentType.objects.get_for_model(type(obj)).pk
    return values


ROUTE_SCENARIOS = []
for _route in all_routes():
    _scenarios = SCENARIOS if "pk" in _route.params else ["own"]
    if _area(_route) is not None:
        _scenarios = _area(_route).scenarios(_route)
    for _scenario in _scenarios:
        ROUTE_SCENARIOS.append((_route, _scenario))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("route", "scenario"), ROUTE_SCENARIOS, ids=[f"{r.key}[{s}]" for r, s in ROUTE_SCENARIOS]
)
def test_permission_matrix(client, db, matrix, route, scenario, method):
    world, (refs, grants, areas) = matrix
    path = route.path(_values(route, scenario, refs, grants, world, areas))
    failures = []
    for persona in PERSONAS:
        client.logout()
        user = world.persona(persona)
        if user is not None:
            sign_in(client, user)
        response = client.get(path) if method == "GET" else client.post(path, {})
        expected = expectation(route, persona, method, scenario)
        if response.status_code not in expected:
            failures.append(
                f"{persona} {method} {path}: {response.status_code}, expected {expected}"
            )
    assert failures == []
