"""Django admin's own gate: the system administrator role, nothing else.

Django's default ``AdminSite.has_permission`` lets in any active account with ``is_staff``,
and a superuser passes every check inside. ``is_staff`` follows the administrator role
(``services.user_groups_sync``), but a flag set in a shell, or left on an account whose role
ended, must not open the admin: the site asks for the role itself, and a verified second
factor. (``RequireVerifiedUserMiddleware`` also answers 404 under /admin/ to anyone without
the role; this is the second lock, on the admin's own door.)
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SysadminAdminSite(admin.AdminSite):
    site_header = "Prevent Portal configuration"
    site_title = "Prevent Portal configuration"

    def has_permission(self, request) -> bool:
        # Imported here: this module is loaded with the settings, before the models.
        from prevent_portal.accounts.access import has_role
        from prevent_portal.accounts.models import Role
        from prevent_portal.accounts.two_factor import second_factor_verified

        user = request.user
        return second_factor_verified(user) and has_role(user, Role.SYSADMIN)


class SysadminAdminConfig(AdminConfig):
    default_site = "prevent_portal.accounts.admin_site.SysadminAdminSite"
