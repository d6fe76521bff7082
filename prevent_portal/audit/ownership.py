"""Which agency owns a record, for reports built from the audit log.

An access entry names a record by content type and primary key; the unusual-access report
needs the agency that owns it. Apps register their protected models in
``AppConfig.ready()`` with the lookup of the owning agency, so this ground-floor module
imports no app::

    ownership.register(Referral, "owning_agency")
    ownership.register(ChannelCase, "lead_agency")

A model whose records belong to no single agency (a person, who may have been referred by
several) is not registered: the pages that show a person also log the referral or case they
show it through.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

_OWNERS: dict[type[models.Model], str] = {}


@dataclass(frozen=True)
class Owned:
    model: type[models.Model]
    agency_field: str  # a lookup ending at the owning Agency, e.g. "referral__owning_agency"

    @property
    def area_field(self) -> str:
        """The lookup of the record's council area: the ``area`` of the record that holds
        the owning agency ("referral__owning_agency" -> "referral__area")."""
        return "__".join([*self.agency_field.split("__")[:-1], "area"])


def register(model: type[models.Model], agency_field: str) -> None:
    """Say which agency owns each record of ``model`` (a lookup to an Agency foreign key)."""
    _OWNERS[model] = agency_field


def unregister(model: type[models.Model]) -> None:
    _OWNERS.pop(model, None)


def registered() -> list[Owned]:
    return [Owned(model, field) for model, field in _OWNERS.items()]
