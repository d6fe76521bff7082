"""Services for referral triage."""

__all__: list[str] = []
