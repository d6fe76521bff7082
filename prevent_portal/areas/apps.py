from django.apps import AppConfig
from django.core.checks import Tags, register


class AreasConfig(AppConfig):
    name = "prevent_portal.areas"
    label = "areas"
    verbose_name = "Council areas"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_migrate, post_save

        from prevent_portal.areas import checks, rls
        from prevent_portal.areas.models import Area, _area_changed

        auditlog.register(Area)
        # The sole area each process remembers (areas.models.sole_area_pk) is forgotten when
        # an area is added or removed.
        post_save.connect(_area_changed, sender=Area, dispatch_uid="areas.sole.saved")
        post_delete.connect(_area_changed, sender=Area, dispatch_uid="areas.sole.deleted")
        # The row-level security wall (ADR 0011): its wrapper on every PostgreSQL connection,
        # its policies put up after every migrate, and a database check that they are there.
        connection_created.connect(rls.install, dispatch_uid="areas.rls.install")
        post_migrate.connect(rls.apply_policies_after_migrate, dispatch_uid="areas.rls.apply")
        register(checks.wall_check, Tags.database)
