"""Keeping an open case up to date: consent, needs flags, support plan, contacts, notes."""

__all__: list[str] = []
