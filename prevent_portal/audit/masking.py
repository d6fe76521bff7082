"""Full redaction for masked audit fields (auditlog's default keeps half the value)."""

REDACTED = "[redacted]"


def redact(value) -> str:
    return REDACTED
