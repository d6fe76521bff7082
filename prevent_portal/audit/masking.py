"""Full redaction for masked audit fields (auditlog's default keeps half the value)."""

REDACTED = "[redacted]"


def redact(value) -> str:
    return REDACTED


def mask_m2m_changes(model, changes: dict) -> dict:
    """auditlog writes the names of the related objects added to or removed from a
    many-to-many field unmasked, and ``mask_fields`` does not reach them. A referral's needs
    flags are health data and its concern types political or religious belief, so a
    many-to-many field named in its model's ``mask_fields`` is redacted here: the entry keeps
    the field, the operation and how many, not which. Services writing such entries in bulk
    call this themselves (no signal reaches a bulk insert)."""
    from auditlog.registry import auditlog

    if model is None or not auditlog.contains(model):
        return changes
    masked = auditlog.get_model_fields(model)["mask_fields"]
    for name, change in changes.items():
        if name in masked and isinstance(change, dict) and change.get("type") == "m2m":
            change["objects"] = [REDACTED] * len(change.get("objects") or [])
    return changes


def redact_masked_m2m(sender, instance, **kwargs):
    """pre_save of auditlog's LogEntry: ``mask_m2m_changes`` for every entry auditlog writes."""
    if isinstance(instance.changes, dict) and instance.content_type_id:
        mask_m2m_changes(instance.content_type.model_class(), instance.changes)
