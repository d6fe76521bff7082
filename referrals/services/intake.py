"""Services for referral intake."""

__all__: list[str] = []
