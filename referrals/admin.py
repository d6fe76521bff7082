"""Configuration only: the taxonomies. Referrals and persons are never in the admin."""

from django.contrib import admin

from referrals.models import ConcernType, NeedsFlag, Outcome, SignpostingService


class LookupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "effective_from", "effective_to"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire an entry with effective_to; old records keep it


for model in (ConcernType, Outcome, SignpostingService, NeedsFlag):
    admin.site.register(model, LookupAdmin)
