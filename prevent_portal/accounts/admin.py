"""Configuration lookups only: agencies and sectors (other apps register theirs). Accounts
are not here: the system administrator makes and changes them on the service's own pages
(prevent_portal/accounts/account_views.py), under the approval rules. Case records are never
registered here. Only the system administrator enters (admin_site.py).
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Agency, Sector

admin.site.unregister(Group)  # groups are derived from memberships, never edited by hand
# Authenticator secrets are never shown, even to administrators: a lost phone is handled by
# "Reset the authenticator app" on the account's page. (django-otp's own admin also answers a
# missing device with a server error.)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)  # backup codes: never shown, even to administrators


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "short_code",
        "sector",
        "is_core_panel_member",
        "is_active",
        "ended_on",
        "replaced_by",
    ]
    list_filter = ["sector", "is_core_panel_member", "is_active"]
    list_select_related = ["sector", "replaced_by"]
    search_fields = ["name", "short_code"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.agency_create(
            name=obj.name,
            short_code=obj.short_code,
            sector=obj.sector,
            is_core_panel_member=obj.is_core_panel_member,
        )
        obj.pk, obj.group = created.pk, created.group


@admin.register(Sector)
class SectorAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "code", "order", "effective_from", "effective_to"]
