from django.apps import AppConfig
from django.core.checks import Tags, register


class AreasConfig(AppConfig):
    name = "prevent_portal.areas"
    label = "areas"
    verbose_name = "Council areas"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from prevent_portal.areas import checks, rls
        from prevent_portal.areas.models import Area

        auditlog.register(Area)
        # The row-level security wall (ADR 0011): its wrapper on every PostgreSQL connection,
        # its policies put up after every migrate, and a database check that they are there.
        connection_created.connect(rls.install, dispatch_uid="areas.rls.install")
        post_migrate.connect(rls.apply_policies_after_migrate, dispatch_uid="areas.rls.apply")
        register(checks.wall_check, Tags.database)
