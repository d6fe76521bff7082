"""Services for matching."""

__all__: list[str] = []
