"""Two council areas, for tests of what one area may learn of another's work (issue 18).

``world`` (tests/conftest.py) is one council area, "here": the area the migration made, with
the council, agencies A and B and their staff. ``other_area_build()`` adds a second one,
"elsewhere", with its own council agency and partner, each serving only it, and the council
roles held there. Build it after the world (with two areas, a record made without naming its
area has none), or use the ``two_areas`` fixture, which lets the existing factories and
scenarios go on filing their records in the world's area.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prevent_portal.accounts.models import Agency, Role, User
from prevent_portal.areas.models import Area, AreaQuerySet
from tests import factories


@dataclass
class OtherArea:
    """A second council area: its council agency, a partner serving only it, and one user
    per council role held there (and a SPOC and a panel member of the partner)."""

    area: Area
    council: Agency
    partner: Agency
    coordinator: User
    chair: User
    manager: User
    spoc: User
    panel_member: User

    @property
    def staff(self) -> list[User]:
        return [
            self.coordinator,
            self.chair,
            self.manager,
            self.spoc,
            self.panel_member,
        ]


def other_area_build(name: str = "Westbrook", code: str = "westbrook") -> OtherArea:
    """A second area and its people. Its agencies serve it alone."""
    area = Area.objects.create(name=name, short_code=code)
    council = factories.AgencyFactory(name=f"{name} council", short_code=f"{code}-council")
    partner = factories.AgencyFactory(name=f"{name} partner", short_code=f"{code}-partner")
    for agency in (council, partner):
        agency.areas.set([area])
    return OtherArea(
        area=area,
        council=council,
        partner=partner,
        coordinator=factories.member(Role.COORDINATOR, council, username=f"{code}-coordinator"),
        chair=factories.member(Role.PANEL_CHAIR, council, username=f"{code}-chair"),
        manager=factories.member(Role.MANAGER, council, username=f"{code}-manager"),
        spoc=factories.member(Role.SPOC, partner, username=f"{code}-spoc"),
        panel_member=factories.member(Role.PANEL_MEMBER, partner, username=f"{code}-panel"),
    )


@dataclass
class TwoAreas:
    here: Area  # the world's
    elsewhere: OtherArea


@pytest.fixture
def two_areas(world, monkeypatch) -> TwoAreas:
    """The world's area and a second one. Records the factories make without naming an area
    (and agencies made without naming theirs) go on falling into the world's area, as in a
    single-council deployment, so every existing scenario runs unchanged in area "here"."""
    here = Area.objects.get()
    elsewhere = other_area_build()
    monkeypatch.setattr(AreaQuerySet, "sole", lambda self: here)
    return TwoAreas(here=here, elsewhere=elsewhere)
