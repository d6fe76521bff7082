"""Configuration only: accounts, agencies, sectors. Case records are never registered here.

Roles and credentials go through the approval services (prevent_portal/accounts/
approvals.py), exactly as elsewhere: a membership added here is a request that gives
nothing until approved, and a password, authenticator reset or council sign-in link on an
account that works on cases waits for a Coordinator.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import enrolment, services
from prevent_portal.accounts.models import Agency, ExternalIdentity, Membership, Sector, User
from prevent_portal.accounts.reauth import authentication_is_recent, confirm_url

admin.site.site_header = "Prevent Portal configuration"
admin.site.site_title = "Prevent Portal configuration"
admin.site.unregister(Group)  # groups are derived from memberships, never edited by hand
# Authenticator secrets are never shown, even to administrators: a lost phone is handled by
# the "reset authenticator" action on the user. (django-otp's own admin also answers a
# missing device with a server error.)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)  # backup codes: never shown, even to administrators

WAITING = "A Coordinator must approve this before it takes effect."


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


class MembershipForm(forms.ModelForm):
    """An existing membership can only be ended here; a new one is a request."""

    acting_user = None  # set by MembershipInline.get_formset

    class Meta:
        model = Membership
        fields = ["agency", "role", "is_active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            if {"agency", "role"} & set(self.changed_data):
                raise ValidationError("End this membership and add a new one instead.")
            if "is_active" in self.changed_data and data.get("is_active"):
                raise ValidationError("Add the role again: it needs approval before it works.")
        elif self.acting_user is not None and self.instance.user_id == self.acting_user.pk:
            raise ValidationError("You cannot give yourself a role.")
        return data


class MembershipInline(NoDeleteMixin, admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    fields = ["agency", "role", "is_active", "status", "created_at"]
    readonly_fields = ["status", "created_at"]
    verbose_name = "role (a new one waits for approval)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.acting_user = request.user
        return formset


class ExternalIdentityInline(admin.TabularInline):
    """The council (Entra ID) identity single sign-on matches: tenant id and object id, both
    from the user's page in Entra ID. Never an e-mail address. A new or changed link goes
    through ``external_identity_link`` (a Coordinator approves it on a case-role account)."""

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
    actions = ["deactivate", "reset_authenticator", "send_set_up_link"]

    @_fresh_authentication_to_change
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    @_fresh_authentication_to_change
    def changelist_view(self, request, *args, **kwargs):
        return super().changelist_view(request, *args, **kwargs)

    @_fresh_authentication_to_change
    def user_change_password(self, request, id, form_url=""):
        """Setting a password goes through ``user_password_set``: on an account that works
        on cases it waits for a Coordinator's approval."""
        user = self.get_object(request, unquote(id))
        if request.method != "POST" or user is None:
            return super().user_change_password(request, id, form_url)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)
        usable = form.cleaned_data.get("usable_password", "true") != "false"
        waiting = services.user_password_set(
            user=user,
            raw_password=form.cleaned_data["password1"] if usable else None,
            acting_user=request.user,
        )
        if waiting is not None:
            messages.warning(request, f"The new password is not set yet. {WAITING}")
        else:
            messages.success(request, "The password was changed.")
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))

    def save_model(self, request, obj, form, change):
        # Switching an account on again gives back its kept roles: through
        # ``user_reactivate``, which waits for a Coordinator on a case-role account.
        reactivate = change and "is_active" in form.changed_data and obj.is_active
        if reactivate:
            obj.is_active = False
        elif change and "is_active" in form.changed_data:
            services.user_status_changed(user=obj)
        new_email = None
        if change and "email" in form.changed_data:
            # The address is a sign-in detail (set-up links go there): it changes through
            # ``user_email_set``, which waits for a Coordinator on a case-role account.
            new_email, obj.email = obj.email, form.initial.get("email", "")
        super().save_model(request, obj, form, change)
        if new_email is not None:
            waiting = services.user_email_set(user=obj, email=new_email, acting_user=request.user)
            if waiting is not None:
                messages.warning(request, f"The new e-mail address is not set yet. {WAITING}")
        if reactivate:
            waiting = services.user_reactivate(user=obj, acting_user=request.user)
            if waiting is not None:
                messages.warning(request, f"The account is not switched on yet. {WAITING}")
        if not change:
            # A new account sets up its authenticator only through this one-time link.
            enrolment.enrolment_link_send(user=obj, acting_user=request.user)

    def save_formset(self, request, form, formset, change):
        # The services write what happened to the audit log; the admin's own history
        # message would list these as saved when they are only requested.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is Membership:
            self._save_memberships(request, form.instance, formset)
        elif formset.model is ExternalIdentity:
            self._save_identities(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_memberships(self, request, user, formset):
        """A new row asks for the role (pending until approved); unticking "active" ends a
        membership at once (taking rights away needs nobody's approval)."""
        for row in formset.forms:
            if not row.has_changed() or not row.cleaned_data:
                continue
            if row.instance.pk is None:
                try:
                    services.membership_request(
                        user=user,
                        agency=row.cleaned_data["agency"],
                        role=row.cleaned_data["role"],
                        acting_user=request.user,
                    )
                except (PermissionDenied, ValidationError) as error:
                    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
                    continue
                messages.warning(request, f"The role is not given yet. {WAITING}")
            elif "is_active" in row.changed_data and not row.cleaned_data["is_active"]:
                membership = Membership.objects.get(pk=row.instance.pk)
                services.membership_end(membership=membership, acting_user=request.user)

    def _save_identities(self, request, user, formset):
        for row in formset.forms:
            if not row.cleaned_data:
                continue
            if row.cleaned_data.get("DELETE") and row.instance.pk is not None:
                ExternalIdentity.objects.filter(pk=row.instance.pk).delete()
            elif row.has_changed():
                waiting = services.external_identity_link(
                    user=user,
                    tenant_id=row.cleaned_data["tenant_id"],
                    object_id=row.cleaned_data["object_id"],
                    acting_user=request.user,
                )
                if waiting is not None:
                    messages.warning(request, f"The council sign-in is not linked yet. {WAITING}")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_groups_sync(form.instance)
        if not form.instance.is_active:
            services.user_sessions_end(user=form.instance)

    @admin.action(description="Reset the authenticator app of the selected accounts")
    def reset_authenticator(self, request, queryset):
        waiting = done = 0
        for user in queryset:
            try:
                change = services.user_authenticator_reset(user=user, acting_user=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            waiting += change is not None
            done += change is None
        if done:
            self.message_user(
                request,
                f"{done} reset: they were sent a link to set up a new authenticator app.",
            )
        if waiting:
            self.message_user(request, f"{waiting} waiting: {WAITING}", messages.WARNING)

    @admin.action(description="Send a link to set up an authenticator app")
    def send_set_up_link(self, request, queryset):
        for user in queryset:
            enrolment.enrolment_link_send(user=user, acting_user=request.user)
        self.message_user(request, "A one-time set-up link was sent to their e-mail address.")

    @admin.action(description="Deactivate and sign out the selected accounts")
    def deactivate(self, request, queryset):
        for user in queryset:
            services.user_deactivate(user=user, acting_user=request.user)


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
