"""Configuration only: accounts, agencies, sectors. Case records are never registered here."""

import functools

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.shortcuts import redirect
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Agency, ExternalIdentity, Membership, Sector, User
from prevent_portal.accounts.reauth import authentication_is_recent, confirm_url

admin.site.site_header = "Prevent Portal configuration"
admin.site.site_title = "Prevent Portal configuration"
admin.site.unregister(Group)  # groups are derived from memberships, never edited by hand
# Authenticator secrets are never shown, even to administrators: a lost phone is handled by
# the "reset authenticator" action on the user. (django-otp's own admin also answers a
# missing device with a server error.)
admin.site.unregister(TOTPDevice)


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(NoDeleteMixin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["agency", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]


class ExternalIdentityInline(admin.TabularInline):
    """The council (Entra ID) identity single sign-on matches: tenant id and object id, both
    from the user's page in Entra ID. Never an e-mail address."""

    model = ExternalIdentity
    extra = 0
    max_num = 1
    fields = ["tenant_id", "object_id"]
    verbose_name = "council sign-in (Microsoft Entra ID)"


def _fresh_authentication_to_change(view):
    """Changing an account (its password, status, roles, second factor) needs a recent
    sign-in or "Confirm it's you", as other account-security changes do."""

    @functools.wraps(view)
    def wrapped(self, request, *args, **kwargs):
        if request.method == "POST" and not authentication_is_recent(request):
            return redirect(confirm_url(request))
        return view(self, request, *args, **kwargs)

    return wrapped


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    inlines = [MembershipInline, ExternalIdentityInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["is_active", "memberships__role", "memberships__agency"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal details", {"fields": ["first_name", "last_name", "email", "job_title"]}),
        (
            "Status",
            {
                "fields": [
                    "is_active",
                    "disabled_reason",
                    "status_changed_at",
                    "last_login",
                    "date_joined",
                ]
            },
        ),
    ]
    readonly_fields = ["disabled_reason", "status_changed_at", "last_login", "date_joined"]
    actions = ["deactivate", "reset_authenticator"]

    @_fresh_authentication_to_change
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    @_fresh_authentication_to_change
    def changelist_view(self, request, *args, **kwargs):
        return super().changelist_view(request, *args, **kwargs)

    @_fresh_authentication_to_change
    def user_change_password(self, request, *args, **kwargs):
        return super().user_change_password(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.changed_data:
            services.user_status_changed(user=obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_groups_sync(form.instance)
        if not form.instance.is_active:
            services.user_sessions_end(user=form.instance)

    @admin.action(description="Reset the authenticator app of the selected accounts")
    def reset_authenticator(self, request, queryset):
        for user in queryset:
            services.user_authenticator_reset(user=user, acting_user=request.user)
        self.message_user(
            request, "They will set up a new authenticator app when they next sign in."
        )

    @admin.action(description="Deactivate and sign out the selected accounts")
    def deactivate(self, request, queryset):
        for user in queryset:
            services.user_deactivate(user=user, acting_user=request.user)


@admin.register(Agency)
class AgencyAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "short_code", "sector", "is_core_panel_member", "is_active"]
    list_filter = ["sector", "is_core_panel_member", "is_active"]
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
