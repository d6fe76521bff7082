"""Services for imports."""

__all__: list[str] = []
