from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self):
        from auditlog.registry import auditlog

        from documents import retention
        from documents.models import Document
        from referrals import retention as referrals_retention

        # Titles, reasons and file names may name the person: masked in the audit log.
        auditlog.register(
            Document, mask_fields=["title", "reason", "original_name", "deletion_reason"]
        )
        referrals_retention.register("documents", erase=retention.erase)
