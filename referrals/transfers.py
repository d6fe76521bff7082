"""What moves together when a record is transferred to another council area, and what stands
in the way: the parts other apps contribute.

Referrals cannot import the apps that stand on it, and a person's Channel case, its support
plan and its agenda items are the Channel Panel app's. So each app that holds records hanging
off a referral registers a ``Part`` in its ``AppConfig.ready()``::

    from referrals import transfers

    transfers.register(transfers.Part("channel_panel.cases", refusals=..., move=..., ...))

The unit that moves is the **person** (with any person record folded into them): every
referral of theirs, and everything that hangs off those referrals, so that no record is
split across two areas. A part says:

- ``refusals(referral_ids)``: why these referrals cannot move yet (a sentence each, e.g. a
  case on the agenda of a panel meeting not yet held); empty when nothing stands in the way;
- ``move(referral_ids=, transfer=, to_area=, receiving_agency=, acting_user=)``: change the
  area of its own area-owned records and clear what belonged to the sending area (an
  officer assigned there, shares given there), saving each record so the audit log has it;
- ``case_status(referral_ids)``: for the Channel Panel, each referral's case status, which
  a transfer of a case needs (only one part answers it).

Every part runs inside the accepting service's transaction, in its narrow block acting for
both areas (referrals/services/transfers.py): it must not open work of its own elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    name: str
    refusals: Callable[[Sequence[int]], list[str]] | None = None
    move: Callable[..., None] | None = None
    case_status: Callable[[Sequence[int]], dict[int, str]] | None = None


_PARTS: dict[str, Part] = {}


def register(part: Part) -> None:
    """Register ``part`` under its unique name; registering the name again replaces it."""
    _PARTS[part.name] = part


def parts() -> list[Part]:
    return list(_PARTS.values())


def refusals(referral_ids: Sequence[int]) -> list[str]:
    found: list[str] = []
    for part in parts():
        if part.refusals is not None:
            found.extend(part.refusals(referral_ids))
    return found


def case_status(referral_ids: Sequence[int]) -> dict[int, str]:
    """Each referral's Channel case status (referrals without a case are absent)."""
    out: dict[int, str] = {}
    for part in parts():
        if part.case_status is not None:
            out.update(part.case_status(referral_ids))
    return out
