"""Declared lifecycles: each app states its transitions and their preconditions in one table.

An app that owns a process keeps one ``lifecycle.py`` holding a :class:`Lifecycle`: a list of
:class:`Transition` rows, each with the states it may start from, the state it leads to and
the named, small preconditions (:class:`Condition`) that must hold. Source, target and
conditions are read together, as in django-fsm's ``@transition(source=, target=,
conditions=)``, but the table is plain data, so:

- services call ``LIFECYCLE.require("name", obj, **context)`` before they act; it raises
  :class:`TransitionRefused` (a ``ValueError``) whose message says, in words a user can read,
  everything still needed;
- views call ``LIFECYCLE.needed("name", obj, **context)`` to show the user, before they try,
  what is still needed (an empty list means the step is open);
- ``LIFECYCLE.as_markdown()`` prints the table for ``docs/architecture.md``, and a test keeps
  the document and the code the same.

A condition receives the record and the keyword context the service passes (``today``,
``acting_user``, the form's values...). It returns True when it holds. It must not write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ANY_STATE = "*"


class TransitionRefused(ValueError):
    """A lifecycle step was asked for while its preconditions do not hold.

    ``needed`` lists what is still needed, one sentence each; ``str()`` joins them, so views
    that show a ``ValueError``'s message in a GOV.UK error summary keep working."""

    def __init__(self, transition: Transition, needed: Sequence[str]):
        self.transition = transition
        self.needed = list(needed)
        super().__init__(" ".join(self.needed))


@dataclass(frozen=True)
class Condition:
    """A named precondition. ``message`` says what the user must do first when it fails."""

    name: str
    test: Callable[..., bool]
    message: str | Callable[..., str]

    def holds(self, obj: Any, context: dict[str, Any]) -> bool:
        return bool(self.test(obj, **context))

    def explain(self, obj: Any, context: dict[str, Any]) -> str:
        return self.message(obj, **context) if callable(self.message) else self.message


def condition(message: str | Callable[..., str]) -> Callable[[Callable[..., bool]], Condition]:
    """Decorator: turn a predicate ``def name(obj, **context) -> bool`` into a Condition
    named after the function."""

    def wrap(test: Callable[..., bool]) -> Condition:
        return Condition(name=test.__name__, test=test, message=message)

    return wrap


@dataclass(frozen=True)
class Transition:
    """One row of a lifecycle table."""

    name: str
    label: str
    source: tuple[str, ...]
    target: str | None
    conditions: tuple[Condition, ...] = field(default_factory=tuple)

    def starts_from(self, state: str) -> bool:
        return ANY_STATE in self.source or state in self.source


class Lifecycle:
    """A record's declared transitions. ``state`` reads the record's current state (a field
    name or a function); ``state_labels`` gives the words a user sees for each state."""

    def __init__(
        self,
        *,
        name: str,
        noun: str,
        state: str | Callable[[Any], str],
        state_labels: dict[str, str],
        transitions: Iterable[Transition],
        audited_fields: Iterable[str] = (),
    ):
        self.name = name
        self.noun = noun
        self._state = state
        self.state_labels = dict(state_labels)
        self.transitions = {t.name: t for t in transitions}
        # The fields whose every change must leave an audit entry (tests walk them).
        self.audited_fields = tuple(audited_fields)
        _REGISTRY[name] = self

    def state_of(self, obj: Any) -> str:
        return self._state(obj) if callable(self._state) else getattr(obj, self._state)

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise LookupError(f"{self.name} has no transition {name!r}") from None

    def needed(
        self, name: str, obj: Any, *, leaving: Sequence[Condition] = (), **context: Any
    ) -> list[str]:
        """What is still needed before ``name`` can happen to ``obj``: one sentence each,
        in the table's order; empty when the step is open. ``leaving``: conditions the caller
        asks about itself (a form's fields, before the form is filled), not checked here."""
        transition = self.transition(name)
        state = self.state_of(obj)
        if not transition.starts_from(state):
            allowed = " or ".join(self.label(s).lower() for s in transition.source)
            return [
                f"This {self.noun} is {self.label(state).lower()}: "
                f"{transition.label.lower()} needs it to be {allowed}."
            ]
        return [
            c.explain(obj, context)
            for c in transition.conditions
            if c not in leaving and not c.holds(obj, context)
        ]

    def allows(self, name: str, obj: Any, **context: Any) -> bool:
        return not self.needed(name, obj, **context)

    def require(self, name: str, obj: Any, **context: Any) -> Transition:
        """Raise TransitionRefused unless ``name`` may happen to ``obj`` now. Services call it
        inside their transaction, after locking the row, before they write."""
        needed = self.needed(name, obj, **context)
        if needed:
            raise TransitionRefused(self.transition(name), needed)
        return self.transition(name)

    def as_markdown(self) -> str:
        """The table for docs/architecture.md: one row per transition."""
        rows = [
            f"| {self.noun} step | from | to | needs first |",
            "|---|---|---|---|",
        ]
        for t in self.transitions.values():
            source = ", ".join("any" if s == ANY_STATE else self.label(s) for s in t.source)
            target = self.label(t.target) if t.target else "(same)"
            needs = "; ".join(
                c.message if isinstance(c.message, str) else c.name for c in t.conditions
            )
            rows.append(f"| {t.label} | {source} | {target} | {needs or '-'} |")
        return "\n".join(rows)


_REGISTRY: dict[str, Lifecycle] = {}


def lifecycles() -> dict[str, Lifecycle]:
    """Every declared lifecycle, by name (filled as apps import their lifecycle modules)."""
    return dict(_REGISTRY)
