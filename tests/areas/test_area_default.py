"""A record saved without naming its area (issue 18, scale): in a single-council deployment it
falls into the only area; with several it fails on NOT NULL instead of landing in some area.
Making a record reads nothing: the area is looked up when it is saved, and remembered."""

import pytest
from django.db import IntegrityError, transaction

from prevent_portal.areas.models import Area
from referrals.models import Person

pytestmark = pytest.mark.django_db


def _person(**kwargs) -> Person:
    return Person(given_name="Ada", family_name="Fenwick", postcode="ZZ9 9ZZ", **kwargs)


def test_making_a_record_reads_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        people = [_person() for _ in range(5)]
    assert all(p.area_id is None for p in people)


def test_saved_without_an_area_it_falls_into_the_sole_area():
    sole = Area.objects.get()
    person = _person()
    person.save()
    person.refresh_from_db()
    assert person.area_id == sole.pk


def test_the_sole_area_is_looked_up_once_per_process(django_assert_num_queries):
    _person().save()  # looks the area up, and remembers it
    with django_assert_num_queries(2):  # the INSERT and its audit entry: no area lookup
        _person().save()


def test_with_several_areas_a_forgotten_area_fails_instead_of_landing_in_one():
    _person().save()  # the sole area is remembered...
    second = Area.objects.create(name="Second council", short_code="second")
    # ...and forgotten once there are two.
    with pytest.raises(IntegrityError, match="area_id"), transaction.atomic():
        _person().save()
    named = _person(area=second)
    named.save()
    assert Person.objects.get(pk=named.pk).area_id == second.pk


def test_validated_before_its_first_save_it_takes_the_sole_area():
    """A service that runs full_clean() on a new record before saving it (the board service
    does) sees the area the save would store: with one area, the only one."""
    from governance.models import Board

    board = Board(name="Prevent partnership board")
    board.full_clean(exclude=[f.name for f in Board._meta.fields if f.name != "area"])
    assert board.area_id == Area.objects.get().pk


def test_validated_with_several_areas_a_forgotten_area_is_refused():
    from django.core.exceptions import ValidationError

    from governance.models import Board

    Area.objects.create(name="Second council", short_code="second")
    board = Board(name="Prevent partnership board")
    with pytest.raises(ValidationError) as refused:
        board.full_clean(exclude=[f.name for f in Board._meta.fields if f.name != "area"])
    assert "area" in refused.value.message_dict
