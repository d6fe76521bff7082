"""seed_demo: idempotent, every role present, and no real names from the seed papers."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from prevent_portal.accounts.models import Agency, Membership, Role, User
from referrals.models import Person
from tests.core.paper_words import in_papers, paper_words


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_prints_accounts(db):
    first = seed()
    counts = (User.objects.count(), Agency.objects.count(), Person.objects.count())
    second = seed()
    assert (User.objects.count(), Agency.objects.count(), Person.objects.count()) == counts
    assert "coordinator" in second and "TOTP secret" in second and "password" in second
    # The printed TOTP secrets stay the same, so authenticator apps keep working.
    assert re.findall(r"[A-Z2-7]{32}", first) == re.findall(r"[A-Z2-7]{32}", second)


def test_every_role_has_a_demo_account(db):
    seed()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)


def test_the_paper_words_are_the_papers():
    # The hashes stand for the papers' words: ones the papers use are found, others are not.
    assert len(paper_words()) > 2000
    assert in_papers("Prevent") and in_papers("Channel Panel") and in_papers("WRAP")
    assert not in_papers("Zorblax") and not in_papers("Channel Zorblax")


def test_demo_people_are_not_named_in_the_seed_papers(db):
    seed()
    names = [(u.first_name, u.last_name) for u in User.objects.filter(is_service_account=False)]
    names += [(p.given_name, p.family_name) for p in Person.objects.all()]
    assert names
    for first, last in names:
        for word in last.split():
            assert not in_papers(word), last
        assert not in_papers(f"{first} {last}"), (first, last)


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    """The demo accounts' password is published: in production they would be a way in."""
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Membership.objects.filter(role=Role.COORDINATOR).exists()
    assert not User.objects.filter(username="coordinator").exists()


def test_the_demo_has_a_second_council_that_shares_two_partners(db):
    """Issue 18: Eastfield's Coordinator sees Eastfield's referrals only; the mental health
    trust serves both councils and its SPOC sees its referrals in both."""
    from prevent_portal.areas.models import Area
    from referrals.models import Referral

    seed()
    first, second = Area.objects.order_by("pk")
    assert second.short_code == "eastfield"
    theirs = Referral.objects.filter(area=second)
    assert theirs.count() == 3
    eastfield = User.objects.get(username="eastfield-coordinator")
    assert set(Referral.objects.visible_to(eastfield)) == set(theirs)
    # One of them moved from the first area: known there, and only as known there.
    from referrals.area_matching import hits_elsewhere

    moved = theirs.get(person__given_name="Orrin")
    assert {h.area_id for h in hits_elsewhere(moved, acting_user=eastfield)} == {first.pk}
    northmere = User.objects.get(username="coordinator")
    assert set(Referral.objects.visible_to(northmere)) == set(Referral.objects.filter(area=first))
    trust_spoc = User.objects.get(username="beh-mht-spoc")
    areas_seen = set(Referral.objects.visible_to(trust_spoc).values_list("area", flat=True))
    assert areas_seen == {first.pk, second.pk}
    # The police team's regional lead: both areas' figures, and no record of anyone.
    lead = User.objects.get(username="regional-lead")
    from governance.services.regional import regional_areas

    assert {a.pk for a in regional_areas(lead)} == {first.pk, second.pk}
    assert not Referral.objects.visible_to(lead).exists()


def test_the_demo_has_an_accepted_transfer_between_the_councils(db):
    """Eastfield's Coordinator proposed, and the first council's accepted, the transfer of a
    referral of someone who moved: made through the services, the history says so in the
    receiving area, the sending area keeps its de-personalised trace, and seeding again adds
    no second transfer."""
    from prevent_portal.areas.models import Area
    from referrals.models import AreaTransfer, ChronologyEntry, Referral, TransferTrace

    seed()
    first, second = Area.objects.order_by("pk")
    transfer = AreaTransfer.objects.get()
    assert (transfer.from_area, transfer.to_area) == (second, first)
    assert transfer.status == AreaTransfer.Status.ACCEPTED
    assert transfer.proposed_by.username == "eastfield-coordinator"
    assert transfer.decided_by.username == "coordinator"
    moved = Referral.objects.get(pk=transfer.referral_id)
    assert moved.area == first and moved.person.area == first
    northmere = User.objects.get(username="coordinator")
    assert Referral.objects.visible_to(northmere).filter(pk=moved.pk).exists()
    history = ChronologyEntry.objects.filter(referral=moved, kind=ChronologyEntry.Kind.TRANSFERRED)
    assert history.get().text.startswith(f"Transferred from {second.name} on ")
    assert TransferTrace.objects.filter(area=second, transfer=transfer).count() == 1
    seed()
    assert (AreaTransfer.objects.count(), TransferTrace.objects.count()) == (1, 1)
