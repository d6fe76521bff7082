"""Full redaction for masked audit fields (auditlog's default keeps half the value)."""

REDACTED = "[redacted]"


def redact(value) -> str:
    return REDACTED


def redact_masked_m2m(sender, instance, **kwargs):
    """auditlog writes the names of the related objects added to or removed from a
    many-to-many field unmasked, and ``mask_fields`` does not reach them. A referral's needs
    flags are health data and its concern types political or religious belief, so a
    many-to-many field named in its model's ``mask_fields`` is redacted here: the entry keeps
    the field, the operation and how many, not which."""
    from auditlog.registry import auditlog

    changes = instance.changes
    if not isinstance(changes, dict) or not instance.content_type_id:
        return
    model = instance.content_type.model_class()
    if model is None or not auditlog.contains(model):
        return
    masked = auditlog.get_model_fields(model)["mask_fields"]
    for name, change in changes.items():
        if name in masked and isinstance(change, dict) and change.get("type") == "m2m":
            change["objects"] = [REDACTED] * len(change.get("objects") or [])
