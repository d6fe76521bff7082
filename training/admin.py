"""Configuration only: training types and reporting periods. Returns, sessions and coverage
are kept through the application's pages, where every change goes through a service."""

from django.contrib import admin

from training.models import ReportingPeriod, TrainingType


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # returns point at types and quarters: retire a type instead


@admin.register(TrainingType)
class TrainingTypeAdmin(NoDeleteAdmin):
    list_display = ["name", "target_percent", "is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["agencies"]
    exclude = ["version"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(NoDeleteAdmin):
    list_display = ["label", "start", "end", "submission_deadline"]
    readonly_fields = ["start", "end", "label"]
    exclude = ["version"]

    def has_add_permission(self, request):
        return False  # quarters are added on the Coordinator's page, which checks the dates

    def save_model(self, request, obj, form, change):
        obj.version += 1
        super().save_model(request, obj, form, change)
