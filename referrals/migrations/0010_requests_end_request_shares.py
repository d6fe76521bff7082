"""Security finding F9: an information request used to share the whole referral with the
agency asked. Requests now grant nothing on the referral (the agency sees the request
itself), so the shares the old requests made are ended here: each deletion is written to
the audit log first, as the grant-expiry sweep's deletions are (a migration's historical
models send no auditlog signals, so the entry is written by hand)."""

import re

from django.db import migrations
from django.utils import timezone

LEGACY_REASON = re.compile(r"^Information requested \(request \d+\)$")
DELETE = 2  # auditlog's LogEntry.Action.DELETE


def end_request_shares(apps, schema_editor):
    grant_model = apps.get_model("referrals", "ReferralGroupGrant")
    log_entry = apps.get_model("auditlog", "LogEntry")
    content_type = apps.get_model("contenttypes", "ContentType")
    user = apps.get_model("accounts", "User")
    grant_type, _ = content_type.objects.get_or_create(
        app_label="referrals", model="referralgroupgrant"
    )
    system = user.objects.filter(username="system", is_service_account=True).first()
    now = timezone.now()
    for grant in grant_model.objects.filter(reason__startswith="Information requested (request "):
        if not LEGACY_REASON.match(grant.reason):
            continue
        log_entry.objects.create(
            content_type=grant_type,
            object_pk=str(grant.pk),
            object_id=grant.pk,
            object_repr=f"grant #{grant.pk}",
            action=DELETE,
            changes={
                "content_object": [str(grant.content_object_id), None],
                "group": [str(grant.group_id), None],
                "reason": [grant.reason, None],
            },
            actor=system,
            timestamp=now,
            additional_data={
                "why": "information requests no longer share the referral (security.md F9)"
            },
        )
        grant.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0009_requests_information_request_close"),
        ("auditlog", "0017_add_actor_email"),
        ("audit", "0002_audit_chain"),
        ("accounts", "0003_sign_in_security"),
    ]

    operations = [migrations.RunPython(end_request_shares, migrations.RunPython.noop)]
