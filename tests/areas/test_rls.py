"""The second wall (ADR 0011): PostgreSQL row-level security keeps each council area's rows
from code that acts for another area, even when that code bypasses the access module."""

import importlib
import importlib.util
import json

import pytest
from django.apps import apps
from django.db import ProgrammingError, connection, transaction
from django.urls import reverse

from channel_panel.models import ChannelCase, PanelMeeting
from prevent_portal.accounts.access import ProtectedQuerySet
from prevent_portal.accounts.models import Role
from prevent_portal.accounts.services import agency_create
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.celery import app as celery_app
from referrals.models import Person, Referral
from tests import factories
from tests.conftest import become_wall_role
from tests.plans import plan_nodes

pytestmark = pytest.mark.django_db


def test_area_owned_tables_are_found_from_the_models():
    """Every model with an ``area`` foreign key to Area is walled, without a hand list."""
    found = set(rls.area_owned_models())
    assert {Person, Referral, ChannelCase, PanelMeeting} <= found
    assert Area not in found


@pytest.fixture
def two_areas(world):
    """The world's council area, and a second council with its own Coordinator and case."""
    area_a = Area.objects.get()
    area_b = Area.objects.create(name="Second council", short_code="second")
    council_b = agency_create(
        name="Second council",
        short_code="second-council",
        sector=factories.sector(),
        areas=[area_b],
    )
    coordinator_b = factories.member(Role.COORDINATOR, council_b, username="coordinator-b")
    mine = factories.referral(world.council, person=factories.PersonFactory(area=area_a))
    theirs = factories.referral(council_b, person=factories.PersonFactory(area=area_b))
    return area_a, area_b, coordinator_b, mine, theirs


def test_plain_orm_query_sees_only_the_permitted_area(wall_role, two_areas):
    area_a, area_b, _, mine, theirs = two_areas
    assert set(Referral.objects.values_list("pk", flat=True)) == {mine.pk, theirs.pk}
    with rls.acting_for({area_a.pk}):
        # No access module: the plain manager, as a careless view or report would use it.
        assert list(Referral.objects.values_list("pk", flat=True)) == [mine.pk]
        assert list(Person.objects.values_list("pk", flat=True)) == [mine.person_id]
    with rls.acting_for({area_b.pk}):
        assert list(Referral.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_raw_sql_sees_only_the_permitted_area(wall_role, two_areas):
    area_a, _, _, mine, _ = two_areas
    with rls.acting_for({area_a.pk}), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM referrals_referral")
        assert [row[0] for row in cursor.fetchall()] == [mine.pk]


def test_nothing_declared_sees_nothing(wall_role, two_areas):
    with rls.acting_for(()):
        assert Referral.objects.count() == 0
        assert Person.objects.count() == 0


def test_writing_another_areas_row_is_refused(wall_role, two_areas):
    area_a, area_b, _, mine, theirs = two_areas
    with rls.acting_for({area_a.pk}):
        # Moving a row into an area the code does not act for: WITH CHECK refuses it.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Person.objects.filter(pk=mine.person_id).update(area=area_b)
        # Creating one there too.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            factories.PersonFactory(area=area_b)
        # Another area's row cannot even be found to change.
        assert Person.objects.filter(pk=theirs.person_id).update(postcode="AA1 1AA") == 0
    theirs.person.refresh_from_db()
    assert theirs.person.postcode == "ZZ9 9ZZ"


def test_other_area_coordinator_gets_404(wall_role, two_areas, signed_in_client):
    _, _, coordinator_b, mine, theirs = two_areas
    client = signed_in_client(coordinator_b)
    assert client.get(reverse("referrals:detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("referrals:detail", args=[mine.pk])).status_code == 404
    # The request acted for its user's area only, and the test's declaration came back.
    assert Referral.objects.count() == 2


def test_other_area_coordinator_gets_404_with_only_the_wall(
    wall_role, two_areas, signed_in_client, monkeypatch
):
    """A broken access module that shows everyone everything: the database still refuses."""
    _, _, coordinator_b, mine, theirs = two_areas
    monkeypatch.setattr(ProtectedQuerySet, "visible_to", lambda self, user: self.all())
    client = signed_in_client(coordinator_b)
    assert client.get(reverse("referrals:detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("referrals:detail", args=[mine.pk])).status_code == 404


def test_an_anonymous_request_acts_for_no_area(wall_role, two_areas, client):
    from prevent_portal.areas.middleware import AreaWallMiddleware

    seen = []

    def view(request):
        seen.append(Referral.objects.count())
        from django.http import HttpResponse

        return HttpResponse()

    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    AreaWallMiddleware(view)(request)
    assert seen == [0]


def test_the_database_check_fails_when_a_table_lacks_its_wall(wall_role, two_areas):
    from prevent_portal.areas.checks import wall_check

    assert [e.id for e in wall_check(databases=["default"]) if e.id == "areas.E002"] == []
    with connection.cursor() as cursor:
        if wall_role:
            # Connected as a superuser, the test runs as a probe role that owns nothing: the
            # table's owner drops the policy.
            cursor.execute("RESET ROLE")
        cursor.execute(f'DROP POLICY {rls.POLICY} ON "{Referral._meta.db_table}"')
    errors = [e for e in wall_check(databases=["default"]) if e.id == "areas.E002"]
    assert [Referral._meta.db_table in e.msg for e in errors] == [True]


def test_the_planner_counts_the_area_once(wall_role, two_areas):
    """The wall and the access module filter the same column by the same areas (rule 8 and the
    policy). The planner must estimate the pair as one filter, not multiply them as if
    independent: written plainly, one area's share of one area's rows (177 rows expected for
    3,917) sized the plans for the wrong count, a sort chosen over an index walk and a user's
    scope run once per agenda row (ADR 0011)."""
    area_a, area_b, *_ = two_areas
    factories.PersonFactory.create_batch(40, area=area_a)
    factories.PersonFactory.create_batch(40, area=area_b)
    with connection.cursor() as cursor:
        if wall_role:
            # ANALYZE is the table owner's; the probe role owns nothing.
            cursor.execute("RESET ROLE")
        cursor.execute(f'ANALYZE "{Person._meta.db_table}"')
    become_wall_role()
    # The access module's own area filter, behind the wall acting for that area.
    query = Person.objects.filter(area=area_b)
    sql, params = query.query.sql_with_params()
    with rls.acting_for({area_b.pk}), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()[0]
        rows = query.count()
    if isinstance(plan, str):
        plan = json.loads(plan)
    assert rows == 41
    assert plan["Plan"]["Plan Rows"] >= 0.8 * rows


def test_the_wall_reads_its_setting_once_per_statement(wall_role, two_areas):
    """The policy's test of each row uses the setting read once for the statement (an
    InitPlan), not ``current_setting`` read, split and cast again for every row: on a
    whole-table count that per-row work was most of the statement (ADR 0011)."""
    area_a, area_b, *_ = two_areas
    factories.PersonFactory.create_batch(3, area=area_a)
    factories.PersonFactory.create_batch(2, area=area_b)
    with rls.acting_for({area_b.pk}):
        plan = json.loads(Person.objects.order_by().explain(format="json", verbose=True))[0]
        counted = Person.objects.count()
    assert counted == Person.objects.filter(area=area_b).count() >= 2
    scans = [n for n in plan_nodes(plan["Plan"]) if n.get("Relation Name") == "referrals_person"]
    assert scans, plan
    for scan in scans:
        # The row test names the InitPlans' results ($0, $1), never current_setting itself.
        assert "current_setting" not in scan.get("Filter", ""), scan["Filter"]
        assert "$" in scan.get("Filter", ""), scan


def test_every_task_and_command_declares_its_areas():
    """A task or command that declares nothing would meet the wall with no areas (no rows)."""
    from django.core.management import get_commands, load_command_class

    from prevent_portal.areas.commands import AreaCommand

    project = (
        "prevent_portal.",
        "referrals",
        "channel_panel",
        "training",
        "governance",
        "documents",
    )
    for app_config in apps.get_app_configs():
        if importlib.util.find_spec(f"{app_config.name}.tasks") is not None:
            importlib.import_module(f"{app_config.name}.tasks")
    tasks = [t for name, t in celery_app.tasks.items() if t.__module__.startswith(project)]
    assert tasks
    assert [t.name for t in tasks if getattr(t, "acts_for", None) is None] == []
    commands = [
        load_command_class(app, name)
        for name, app in get_commands().items()
        if app.startswith(project) and name != "migrate"
    ]
    assert commands
    undeclared = [
        type(c).__module__ for c in commands if not isinstance(c, AreaCommand) or c.acts_for is None
    ]
    assert undeclared == []


def test_an_undeclared_command_refuses_to_run():
    from django.core.management.base import CommandError

    from prevent_portal.areas.commands import AreaCommand

    class Undeclared(AreaCommand):
        def handle(self, *args, **options):
            return "ran"

    with pytest.raises(CommandError, match="does not declare"):
        Undeclared().execute(no_color=True, force_color=False, skip_checks=True)


def test_an_undeclared_task_refuses_to_run():
    from prevent_portal.areas.tasks import AreaTask

    class Undeclared(AreaTask):
        name = "tests.areas.undeclared"

        def run(self):
            return "ran"

    with pytest.raises(RuntimeError, match="does not declare"):
        Undeclared()()
