"""Configuration only: the vulnerability assessment's dimensions and factors and the
Intervention Providers (the system administrator edits them; ``register_configuration_models``
in apps.py). Assessments are case content and are never in the admin."""

from django.contrib import admin

from channel_panel.models import InterventionProvider, VafDimension, VafFactor
from referrals.admin import LocalLookupAdmin, LookupAdmin

# Shared providers, and a council area's own (offered only for that area's cases).
admin.site.register(InterventionProvider, LocalLookupAdmin)


@admin.register(VafDimension)
class VafDimensionAdmin(LookupAdmin):
    fields = ["code", "name", "order", "help_text", "effective_from", "effective_to"]


@admin.register(VafFactor)
class VafFactorAdmin(LookupAdmin):
    list_display = [*LookupAdmin.list_display, "dimension"]
    list_filter = ["dimension"]
    fields = [
        "code",
        "name",
        "dimension",
        "order",
        "help_text",
        "effective_from",
        "effective_to",
    ]
