"""Council areas: one deployment serves a region, and each council's work is its own.

Every referral, person, Channel case and panel meeting belongs to exactly one area (the
``area`` foreign key that ``area_field()`` makes). A council's own agency serves one area, and
its roles (Coordinator, panel chair, manager) are roles in that area; a partner agency may serve
several (``Agency.areas``). This module names no other app: the ground floor.
"""

from django.db import models


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


def default_area():
    """The primary key of the only area, for a record made without naming one. With several
    areas it is None, so a service that forgot to say which area a record belongs to fails on
    the NOT NULL column instead of filing it in some area."""
    area = Area.objects.sole()
    return area.pk if area is not None else None


def area_field(**kwargs) -> models.ForeignKey:
    """The foreign key every area-owned model declares as ``area`` (PostgreSQL's row-level
    security policies key on its column, ``area_id``: prevent_portal/areas/rls.py)."""
    return models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="+",
        default=default_area,
        **kwargs,
    )
