"""Configuration only: the vulnerability assessment's dimensions and factors, the
Intervention Providers, the types of support-plan action and the exit reasons (the system
administrator edits them; ``register_configuration_models`` in apps.py). Assessments are case
content and are never in the admin."""

from django.contrib import admin

from channel_panel.models import (
    ExitReason,
    InterventionProvider,
    SupportType,
    VafDimension,
    VafFactor,
)
from referrals.admin import LocalLookupAdmin, LookupAdmin

# Shared providers, and a council area's own (offered only for that area's cases).
admin.site.register(InterventionProvider, LocalLookupAdmin)
# A national taxonomy, shared by every council area (ADR 0012, "Lookups").
admin.site.register(SupportType, LookupAdmin)


@admin.register(ExitReason)
class ExitReasonAdmin(LookupAdmin):
    """Why a case left Channel. Some codes carry a rule of the case lifecycle (ownership
    returned, consent refused or withdrawn: ``ExitReason.OWNERSHIP_RETURNED`` ...), so a
    saved entry's code cannot be changed here: renamed, the rule would silently stop
    applying. Changes are in the audit log (channel_panel/apps.py), as for the gateway
    results, whose flag also decides what a case may do."""

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []


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
