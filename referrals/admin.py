"""Configuration only: the taxonomies. Referrals and persons are never in the admin."""

from django.contrib import admin

from referrals.models import (
    ConcernType,
    GatewayResult,
    NeedsFlag,
    Outcome,
    RetentionRule,
    SignpostingService,
)


class LookupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "effective_from", "effective_to"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire an entry with effective_to; old records keep it


class LocalLookupAdmin(LookupAdmin):
    """A lookup of local services (issue 18): an entry with no council area is offered in
    every area; one naming an area is that area's own, offered only there. The national
    taxonomies (the other lookups) have no area: the Home Office statistics count them."""

    list_display = [*LookupAdmin.list_display, "for_area"]
    list_filter = ["for_area"]


for model in (ConcernType, Outcome, NeedsFlag):
    admin.site.register(model, LookupAdmin)
admin.site.register(SignpostingService, LocalLookupAdmin)


@admin.register(GatewayResult)
class GatewayResultAdmin(LookupAdmin):
    """Police gateway results, and which of them allow a Channel Panel discussion."""

    list_display = [*LookupAdmin.list_display, "allows_panel"]


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """The retention schedule (the Coordinator edits the same rows on the retention pages).
    Here the system administrator changes the rules every council area shares (no council
    area) and sees each area's overrides (issue 18)."""

    list_display = ["name", "code", "for_area", "years", "young_person_until_age", "order"]
    list_filter = ["for_area"]
    fields = ["name", "code", "for_area", "years", "young_person_until_age", "order"]

    def has_delete_permission(self, request, obj=None):
        return False  # reviews point at their rule; change the years instead

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1  # a Coordinator's open edit page is then out of date
        super().save_model(request, obj, form, change)
