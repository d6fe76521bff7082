"""Governance in Chromium, with axe on every page and error state: the Coordinator adds an
action-plan update and reviews the quarter; an agency's SPOC adds progress to their own
item; a second editor is refused with their input kept; a board update with its paper; and
the pages of all four registers.

The ``*_kwargs`` helpers also serve the page walk (test_pages.PAGES): each finds the record
it made on an earlier call, so a page and its checks see the same one.
"""

from datetime import date

import pytest

from governance import services
from governance.models import ActionItem, Board, BoardUpdate, FundedProject
from governance.registers import REGISTERS
from tests import factories
from tests.governance.records import board_with_paper

pytestmark = pytest.mark.browser


# --- Records for the page walk --------------------------------------------------------------
def board_kwargs(scene) -> dict:
    board = Board.objects.filter(name="Health and Wellbeing Board").first()
    if board is None:
        board = factories.board(scene.world.coordinator, name="Health and Wellbeing Board")
    return {"pk": board.pk}


def board_update_kwargs(scene) -> dict:
    board = Board.objects.get(pk=board_kwargs(scene)["pk"])
    update = BoardUpdate.objects.filter(board=board).first() or board_with_paper(board)
    return {"pk": update.pk}


def item_kwargs(scene) -> dict:
    """An item agency A owns, so its SPOC sees it and may add progress."""
    item = ActionItem.objects.filter(owner_agency=scene.world.agency_a).first()
    if item is None:
        item = factories.action_item(owner_agency=scene.world.agency_a, due_on=date(2026, 3, 31))
    return {"pk": item.pk}


def action_kwargs(scene) -> dict:
    return {"pk": ActionItem.objects.get(**item_kwargs(scene)).action_id}


def period_kwargs(scene) -> dict:
    return {
        "pk": ActionItem.objects.select_related("action").get(**item_kwargs(scene)).action.period_id
    }


def register_kwargs(scene) -> dict:
    return {"register": "funded-projects"}


def register_entry_kwargs(scene) -> dict:
    entry = FundedProject.objects.first() or services.register_entry_create(
        register=REGISTERS["funded-projects"],
        data={
            "provider": "Shared Futures Schools Trust",
            "purpose": "Sessions in schools",
            "funding_year": "2025-2026",
            "status": "commissioned",
        },
        acting_user=None,
    )
    return {"register": "funded-projects", "pk": entry.pk}
