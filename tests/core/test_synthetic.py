"""generate_synthetic: deterministic, consistent with how the application numbers and audits
records, and never in production."""

from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from channel_panel.models import ChannelCase, PackGrant, PanelMeeting
from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.areas.models import Area
from referrals.models import Person, Referral, ReferralGroupGrant, ReferralUserGrant
from referrals.services import referral_record
from tests.conftest import become_wall_role
from training.models import ComplianceReturn

SCALE = "0.02"  # 2,000 referrals, 40 meetings, 1,000 training returns


def generate(*args) -> str:
    out = StringIO()
    call_command("generate_synthetic", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def fingerprint() -> list[tuple]:
    """What was made, without ids (sequences move on even when a transaction rolls back)."""
    people = Person.objects.order_by("pk").values_list(
        "given_name", "family_name", "date_of_birth", "postcode"
    )
    referrals = Referral.objects.order_by("pk").values_list(
        "received_on", "status", "owning_agency__name", "outcome__code"
    )
    return [*people[:300], *referrals[:300], PanelMeeting.objects.count()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_seed_makes_the_same_data_and_another_seed_other_data():
    runs = []
    for seed in ("8", "8", "9"):
        with transaction.atomic():
            generate("--seed", seed)
            runs.append(fingerprint())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.django_db
def test_the_data_is_numbered_shared_and_audited_as_the_application_would():
    output = generate()
    referrals = Referral.objects.filter(reference__startswith="PR-")
    assert referrals.count() >= 2_000
    assert Person.objects.count() >= 1_900
    assert Agency.objects.count() >= 8
    assert PanelMeeting.objects.count() >= 40  # and the demo council's own
    assert ComplianceReturn.objects.count() > 500
    for referral in referrals.order_by("?")[:200]:
        assert referral.reference == f"PR-{referral.received_on.year}-{referral.pk:05d}"
    # The sequence moved past the generated ids: the next referral follows on.
    newest = Referral.objects.order_by("-pk").first()
    made = referral_record(
        person=newest.person,
        owning_agency=newest.owning_agency,
        referring_sector=newest.referring_sector,
        received_on=timezone.localdate(),
        concern_summary="A new one.",
        referrer=None,
        acting_user=None,
    )
    assert made.pk > newest.pk

    # Every synthetic user has their role groups; case roles their agency's group too.
    member = Membership.objects.filter(user__username__startswith="syn-", role="spoc").first()
    groups = set(member.user.groups.values_list("name", flat=True))
    assert {"role:spoc", member.agency.group.name} <= groups

    # Shares: some expired, some live; panel decisions reflected on the referrals.
    now = timezone.now()
    grants = [*ReferralUserGrant.objects.all(), *ReferralGroupGrant.objects.all()]
    assert any(g.expires_at and g.expires_at < now for g in grants)
    assert any(g.is_live for g in grants)
    cases = ChannelCase.objects.select_related("referral")
    assert cases.exists()
    assert all(c.referral.adopted and c.referral.reached_panel for c in cases)
    assert PackGrant.objects.exists()  # meetings to come give their invitees the pack
    # Meetings obey the meeting lifecycle: held only once started, and, without quorum,
    # with the chair's reason.
    for meeting in PanelMeeting.objects.exclude(status=PanelMeeting.Status.PLANNED):
        assert meeting.held_at is None or meeting.held_at >= meeting.starts()
        quorate, _ = meeting.quorum()
        assert quorate or meeting.inquorate_reason, meeting.pk

    # One audit entry per batch, counting exactly the rows written; no names in the log.
    batches = LogEntry.objects.filter(additional_data__has_key="synthetic_batch")
    referral_entries = batches.filter(content_type__model="referral")
    assert sum(e.additional_data["synthetic_batch"]["count"] for e in referral_entries) == 2_000
    for entry in referral_entries:
        batch = entry.additional_data["synthetic_batch"]
        ids = (batch["first_id"], batch["last_id"])
        assert Referral.objects.filter(pk__range=ids).count() == batch["count"]
    assert all(e.actor.username == "system" for e in batches)
    names = set(Person.objects.values_list("family_name", flat=True)[:500])
    assert not any(name in e.object_repr for e in batches for name in names)
    assert "Generated in" in output


@pytest.mark.django_db
def test_records_are_spread_over_areas_each_filed_where_its_people_work():
    """Issue 18: several areas even at a small scale; a referral, its person and its case in
    one area; a meeting in its chair's area; partners serving several areas."""
    generate()
    assert Area.objects.count() >= 4
    referrals = Referral.objects.filter(reference__startswith="PR-")
    by_area = dict(referrals.values_list("area_id").annotate(n=Count("pk")))
    assert len(by_area) >= 4, by_area
    assert not referrals.exclude(area_id=F("person__area_id")).exists()
    assert not ChannelCase.objects.exclude(area_id=F("referral__area_id")).exists()
    assert ChannelCase.objects.exclude(area_id=Area.objects.order_by("pk")[0].pk).exists()
    # A referral's agency serves its area.
    assert not referrals.exclude(owning_agency__areas=F("area_id")).exists()
    for meeting in PanelMeeting.objects.order_by("?")[:20]:
        chair_areas = Membership.objects.filter(
            user=meeting.chair_id, role=Role.PANEL_CHAIR
        ).values_list("agency__areas", flat=True)
        assert meeting.area_id in set(chair_areas), meeting.pk
    serving = Agency.objects.annotate(n=Count("areas")).values_list("n", flat=True)
    assert max(serving) == Area.objects.count()  # the police unit serving every area
    assert any(1 < n < max(serving) for n in serving)  # a trust serving three


@pytest.mark.django_db
def test_a_second_run_at_the_same_scale_and_seed_does_nothing():
    generate()
    before = Referral.objects.count()
    assert "nothing to do" in generate()
    assert Referral.objects.count() == before
    with pytest.raises(CommandError, match="already holds synthetic data"):
        generate("--seed", "99")


@pytest.mark.django_db
def test_scale_10_is_planned_without_writing_anything():
    out = StringIO()
    call_command("generate_synthetic", "--scale", "10", "--plan", stdout=out)
    assert "referrals 1,000,000" in out.getvalue()
    assert "users 50,000" in out.getvalue()
    assert not User.objects.filter(username__startswith="syn-").exists()


@pytest.mark.django_db
def test_it_refuses_to_run_in_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        generate()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_walled_table_is_copied_into_by_its_owner_and_the_wall_stays_forced():
    """COPY is refused behind row-level security; the owner lowers FORCE for the one COPY,
    in its transaction, and the wall is forced again before anything else runs."""
    from django.db import connection

    from prevent_portal.areas import rls
    from prevent_portal.core import synthetic
    from prevent_portal.core.synthetic.bulk import _copy_mode, allocate_ids, copy_rows

    if connection.vendor != "postgresql":
        pytest.skip("COPY and row-level security are PostgreSQL's")
    area = Area.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        # CI connects as the tables' owner, whom FORCE holds to the wall, and may not create
        # roles. A superuser (a developer's machine) passes through any policy: there the
        # test becomes a throw-away owner for its transaction (tests/conftest.py).
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    become_wall_role(owning=("referrals_person",))
    assert _copy_mode(Person._meta.db_table) == (rls.enabled(), rls.enabled())
    ctx = synthetic.SyntheticContext(
        scale=0.01, seed=1, today=timezone.localdate(), actor=User.objects.first()
    )
    rows = [
        {"id": pk, "area_id": area.pk, "given_name": "Ada", "family_name": f"Copy{pk}"}
        for pk in allocate_ids(Person, 50)
    ]
    with rls.acting_for({area.pk}):
        assert copy_rows(ctx, Person, rows) == 50
        assert Person.objects.filter(family_name__startswith="Copy").count() == 50
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'referrals_person'"
        )
        assert cursor.fetchone()[0] is rls.enabled()
