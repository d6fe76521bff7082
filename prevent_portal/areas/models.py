"""Council areas: one deployment serves a region, and each council's work is its own.

Every referral, person, Channel case and panel meeting belongs to exactly one area (the
``area`` foreign key that ``area_field()`` makes). A council's own agency serves one area, and
its roles (Coordinator, panel chair, manager) are roles in that area; a partner agency may serve
several (``Agency.areas``). This module names no other app: the ground floor.
"""

import threading
import time

from django.db import models, transaction


class AreaQuerySet(models.QuerySet):
    def sole(self):
        """The only area of a single-council deployment, or None when there are several (or
        none): what a record made without naming its area falls into."""
        areas = list(self.order_by("pk")[:2])
        return areas[0] if len(areas) == 1 else None


class Area(models.Model):
    """A council area: the unit of ownership and of isolation."""

    name = models.CharField(max_length=200, unique=True)
    short_code = models.SlugField(max_length=30, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# --- The sole area, remembered per process ------------------------------------------------
# A record saved without naming its area falls into the only area of a single-council
# deployment. Looking that up on every save (it was looked up on every instantiation, as the
# field's default) cost a query per new record; the answer changes only when an area is added
# or removed, so each process remembers it for SOLE_AREA_TTL seconds at most and forgets it
# at once when this process saves or deletes an area (and again when that commits). The
# bound covers another process adding the second area: until it passes, this process may
# still file a forgotten area in the first one instead of failing.
SOLE_AREA_TTL = 60.0
_UNKNOWN = object()
_sole_lock = threading.Lock()
_sole: dict[str, object] = {"pk": _UNKNOWN, "at": 0.0}


def forget_sole_area(**kwargs) -> None:
    """Forget the remembered sole area (an area was saved or deleted, or a test starts)."""
    with _sole_lock:
        _sole["pk"], _sole["at"] = _UNKNOWN, 0.0


def _area_changed(sender, **kwargs) -> None:
    forget_sole_area()
    # Again once the change is visible to every new transaction (or never, if rolled back:
    # then the immediate forget already made the next save look again).
    transaction.on_commit(forget_sole_area)


def sole_area_pk() -> int | None:
    """The primary key of the only area, or None when there are several (or none)."""
    now = time.monotonic()
    with _sole_lock:
        if _sole["pk"] is not _UNKNOWN and now - _sole["at"] < SOLE_AREA_TTL:
            return _sole["pk"]
    area = Area.objects.sole()
    pk = area.pk if area is not None else None
    with _sole_lock:
        _sole["pk"], _sole["at"] = pk, now
    return pk


def default_area():
    """Kept for the migrations that named it as the field's default (referrals 0014,
    channel_panel 0008): the field now fills its area when the record is saved
    (``AreaForeignKey.pre_save``), not when it is made."""
    return sole_area_pk()


class AreaForeignKey(models.ForeignKey):
    """The ``area`` foreign key. Unset at save, it becomes the sole area of a single-council
    deployment; with several areas it stays unset, so a service that forgot to say which area
    a record belongs to fails on the NOT NULL column instead of filing it in some area. Making
    an instance costs no query (a field default did: one per ``Model(...)``)."""

    def pre_save(self, model_instance, add):
        if add and getattr(model_instance, self.attname) is None:
            setattr(model_instance, self.attname, sole_area_pk())
        return super().pre_save(model_instance, add)

    def clean(self, value, model_instance):
        # full_clean() before the first save (a service validating a new record) runs before
        # pre_save: fill the sole area here too, so validation sees what the save would store.
        # With several areas it stays unset and fails validation ("cannot be null").
        if value is None and model_instance is not None and model_instance._state.adding:
            value = sole_area_pk()
        return super().clean(value, model_instance)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # Migrations see a plain foreign key: the filling is Python behaviour, not schema.
        return name, "django.db.models.ForeignKey", args, kwargs


def area_field(**kwargs) -> models.ForeignKey:
    """The foreign key every area-owned model declares as ``area`` (PostgreSQL's row-level
    security policies key on its column, ``area_id``: prevent_portal/areas/rls.py)."""
    return AreaForeignKey(Area, on_delete=models.PROTECT, related_name="+", **kwargs)
