"""Recording referrals: references, ages, taxonomies in force, and an append-only chronology."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from referrals.models import (
    ChronologyEntry,
    ConcernType,
    Referral,
    age_band,
    age_group,
    age_on,
)
from referrals.services import chronology_add
from tests import factories


def test_reference_and_age_at_referral_are_set(world):
    person = factories.PersonFactory(date_of_birth=date(2008, 6, 15))
    ref = factories.referral(world.agency_a, person=person, received_on=date(2026, 6, 14))
    assert ref.reference == f"PR-2026-{ref.pk:05d}"
    assert ref.age_at_referral == 17
    assert ref.age_group == "Young person" and ref.age_band == "16-17"
    assert ref.chronology.get().kind == ChronologyEntry.Kind.RECEIVED


@pytest.mark.parametrize(
    ("dob", "on", "age", "band", "group"),
    [
        (date(2016, 1, 1), date(2026, 1, 1), 10, "10 or under", "Young person"),
        (date(2008, 6, 15), date(2026, 6, 15), 18, "18-20", "Adult"),
        (date(1970, 2, 28), date(2026, 2, 27), 55, "51+", "Adult"),
        (None, date(2026, 1, 1), None, "Not known", "Not known"),
    ],
)
def test_age_bands_follow_the_home_office_bands(dob, on, age, band, group):
    assert age_on(dob, on) == age
    assert age_band(age) == band
    assert age_group(age) == group


def test_old_concern_categories_are_not_offered_after_2021_but_old_records_keep_them(world):
    in_2019 = set(ConcernType.objects.current(date(2019, 6, 1)).values_list("name", flat=True))
    in_2026 = set(ConcernType.objects.current(date(2026, 6, 1)).values_list("name", flat=True))
    assert "Mixed, Unclear or Unstable" in in_2019 and "Incel" not in in_2019
    assert "Incel" in in_2026 and "Mixed, Unclear or Unstable" not in in_2026
    old = ConcernType.objects.get(name="Mixed, Unclear or Unstable")
    ref = factories.referral(world.agency_a, received_on=date(2019, 6, 1))
    ref.concern_types.set([old])
    assert list(Referral.objects.get(pk=ref.pk).concern_types.all()) == [old]


def test_a_correction_points_at_the_entry_it_corrects(world):
    ref = factories.referral(world.agency_a)
    note = chronology_add(referral=ref, kind="note", text="Met on Tuesday", acting_user=None)
    fix = chronology_add(
        referral=ref, kind="correction", text="Met on Wednesday", acting_user=None, corrects=note
    )
    assert list(note.corrections.all()) == [fix]
    other = factories.referral(world.agency_a)
    with pytest.raises(ValueError):
        chronology_add(referral=other, kind="correction", text="x", acting_user=None, corrects=note)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE referrals_chronologyentry SET text = 'rewritten'",
        "DELETE FROM referrals_chronologyentry",
    ],
)
def test_chronology_refuses_update_and_delete(world, sql):
    factories.referral(world.agency_a)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert ChronologyEntry.objects.filter(text="rewritten").count() == 0
    assert ChronologyEntry.objects.count() == 1


def test_referrer_sees_status_but_not_the_chronology(client, world):
    from tests.conftest import sign_in

    ref = factories.referral(world.agency_b, referrer=world.referrer_b)
    chronology_add(referral=ref, kind="note", text="Gateway detail", acting_user=None)
    sign_in(client, world.referrer_b)
    # The referrer's own page is the status page, in their words (the detail redirects there).
    page = client.get(f"/referrals/{ref.pk}/", follow=True).content.decode()
    assert "Received" in page and "Gateway detail" not in page
    client.logout()
    sign_in(client, world.spoc_b)
    assert "Gateway detail" in client.get(f"/referrals/{ref.pk}/").content.decode()
