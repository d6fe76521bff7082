"""The lifecycle table: what a refused step says, and what the docs print."""

from datetime import date
from types import SimpleNamespace

import pytest

from prevent_portal.core.lifecycle import Lifecycle, Transition, TransitionRefused, condition


@condition("Record the police gateway result first.")
def gateway_checked(obj, **context):
    return obj.gateway != "pending"


@condition(lambda obj, **c: f"Wait until {c['starts']:%d %B}.")
def started(obj, *, today, starts, **context):
    return today >= starts


DOOR = Lifecycle(
    name="test.door",
    noun="door",
    state="state",
    state_labels={"shut": "Shut", "open": "Open"},
    transitions=[
        Transition(
            "open",
            "Open the door",
            source=("shut",),
            target="open",
            conditions=(gateway_checked, started),
        ),
    ],
)


def test_needed_lists_every_unmet_condition_in_order():
    door = SimpleNamespace(state="shut", gateway="pending")
    needed = DOOR.needed("open", door, today=date(2026, 12, 6), starts=date(2026, 12, 11))
    assert needed == ["Record the police gateway result first.", "Wait until 11 December."]


def test_require_raises_a_value_error_a_view_can_show():
    door = SimpleNamespace(state="open", gateway="cleared")
    with pytest.raises(TransitionRefused) as refused:
        DOOR.require("open", door, today=None, starts=None)
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == "This door is open: open the door needs it to be shut."


def test_an_open_step_is_allowed_and_the_table_prints():
    door = SimpleNamespace(state="shut", gateway="cleared")
    assert DOOR.allows("open", door, today=date(2026, 12, 11), starts=date(2026, 12, 11))
    assert "| Open the door | Shut | Open | Record the police gateway result first.; started |" in (
        DOOR.as_markdown()
    )
