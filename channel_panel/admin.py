"""Configuration only: the vulnerability assessment's dimensions and factors (the system
administrator edits them; ``register_configuration_models`` in apps.py). Assessments are
case content and are never in the admin."""

from django.contrib import admin

from channel_panel.models import VafDimension, VafFactor
from referrals.admin import LookupAdmin


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
