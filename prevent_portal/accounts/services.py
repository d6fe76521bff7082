"""State changes for people, agencies, memberships and role groups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from prevent_portal.accounts import access

# Role and credential changes go through the approval rules; re-exported for callers.
from prevent_portal.accounts.approvals import (  # noqa: F401 - re-exported
    external_identity_link,
    membership_grant,
    membership_request,
    notify_role_ended,
    user_authenticator_reset,
    user_email_set,
    user_password_set,
    user_reactivate,
)
from prevent_portal.accounts.models import (
    AGENCY_CASE_ROLES,
    AccountChangeRequest,
    Agency,
    DisabledReason,
    ExternalIdentity,
    Membership,
    Role,
    Sector,
    User,
)
from prevent_portal.areas.models import Area
from prevent_portal.audit.context import SYSTEM_USERNAME
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

# Model-level permissions of the system administrator: the configuration lookups they edit in
# Django admin, never case records. Accounts, roles and council sign-ins are changed on the
# service's own pages through the services (the rights come from the role), so no model-wide
# right on them is held by anyone.
SYSADMIN_PERMISSIONS = {
    f"accounts.{action}_{model}"
    for model in ("agency", "sector")
    for action in ("view", "add", "change")
}


def register_configuration_models(app_label: str, model_names: list[str]) -> None:
    """Let the system administrator edit an app's lookup tables in the admin."""
    SYSADMIN_PERMISSIONS.update(
        f"{app_label}.{action}_{name}"
        for name in model_names
        for action in ("view", "add", "change")
    )


def role_groups_sync(*, strict: bool = True) -> None:
    """Make each role group hold exactly its registered model-level permissions.

    Runs after every migrate, so a permission added to a role group by hand is removed
    again: only the registry (code, reviewed) decides who holds model-wide rights.
    """
    wanted = access.registered_global_permissions()
    wanted.setdefault(Role.SYSADMIN, set()).update(SYSADMIN_PERMISSIONS)
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=access.role_group_name(role))
        perms = []
        for dotted in sorted(wanted.get(role, set())):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                if not strict:
                    continue
                raise LookupError(f"Unknown permission {dotted} registered for {role}")
            perms.append(perm)
        group.permissions.set(perms)
    if strict:
        # Role groups now match the registry; anything else holding model-wide sight of
        # case records (another group, a user directly) stops the migrate that ran this.
        from prevent_portal.accounts.checks import global_permission_errors

        errors = global_permission_errors()
        if errors:
            raise ImproperlyConfigured("\n".join(f"{e.id} {e.msg}" for e in errors))


@transaction.atomic
def agency_create(
    *,
    name: str,
    short_code: str,
    sector: Sector,
    is_core_panel_member: bool = False,
    areas: Iterable[Area] | None = None,
) -> Agency:
    """Create an agency with the group that receives what is shared with it, serving
    ``areas`` (by default the only area of a single-council deployment)."""
    group, _ = Group.objects.get_or_create(name=f"agency:{short_code}")
    agency = Agency.objects.create(
        name=name,
        short_code=short_code,
        sector=sector,
        is_core_panel_member=is_core_panel_member,
        group=group,
    )
    if areas is None:
        sole = Area.objects.sole()
        areas = [sole] if sole is not None else []
    agency.areas.add(*areas)
    return agency


@transaction.atomic
def agency_end(
    *, agency: Agency, ended_on: date, replaced_by: Agency | None, acting_user: User | None
) -> Agency:
    """Record that a body ended on ``ended_on`` (renamed, merged or abolished), and the body
    that took over its work if any. Its past records stay attributed to it; from the next
    day nothing new can be (Agency.require_open), and it is no longer asked for anything
    (inactive). A body cannot be replaced by itself or by one that has itself ended."""
    if replaced_by is not None:
        if replaced_by.pk == agency.pk:
            raise ValueError("A body cannot be replaced by itself")
        if replaced_by.ended_on is not None:
            raise ValueError(f"{replaced_by.name} has itself ended: name the body that exists")
    agency.ended_on = ended_on
    agency.replaced_by = replaced_by
    agency.is_core_panel_member = False
    agency.is_active = ended_on >= timezone.localdate()
    agency.save(update_fields=["ended_on", "replaced_by", "is_core_panel_member", "is_active"])
    return agency


def user_groups_sync(user: User) -> None:
    """Derive a user's groups and staff flag from their active memberships.

    Role groups carry model-level rights; agency groups carry what is shared with an agency
    and are joined only through a case role (a referrer or manager does not receive shares).
    """
    memberships = list(Membership.objects.active().filter(user=user).select_related("agency"))
    names = {access.role_group_name(m.role) for m in memberships}
    groups = list(Group.objects.filter(name__in=names))
    groups += [m.agency.group for m in memberships if m.role in AGENCY_CASE_ROLES]
    user.groups.set(groups)
    is_staff = any(m.role == Role.SYSADMIN for m in memberships)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    access.forget(user)


@transaction.atomic
def membership_end(*, membership: Membership, acting_user: User | None) -> None:
    """End a membership; its rights go at once, and the Coordinators are told if it was
    in force."""
    was_live = membership.is_live
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    if was_live:
        notify_role_ended(membership=membership, acting_user=acting_user)
    user_groups_sync(membership.user)
    # A pending request for an ended membership can no longer be approved into sight.
    for change in membership.requests.filter(status=AccountChangeRequest.Status.PENDING):
        change.status = AccountChangeRequest.Status.REFUSED
        change.refused_by = acting_user
        change.refusal_reason = "The membership was ended before it was approved"
        change.decided_at = timezone.now()
        change.save(update_fields=["status", "refused_by", "refusal_reason", "decided_at"])


@transaction.atomic
def user_deactivate(
    *, user: User, acting_user: User | None, reason: str = DisabledReason.DEACTIVATED
) -> None:
    """Deactivate an account (recording why) and end every session it has, at once.
    Deactivating an account that is already off only ends its sessions again."""
    if user.is_active:
        user.is_active = False
        user.disabled_reason = reason
        user.status_changed_at = timezone.now()
        user.save(update_fields=["is_active", "disabled_reason", "status_changed_at"])
    user_sessions_end(user=user)


def user_status_changed(*, user: User) -> None:
    """Record on an account whose is_active was just changed why and when:
    switched off by hand is "deactivated"; switched on clears the reason and restarts the
    inactivity clock. The caller saves the user."""
    user.status_changed_at = timezone.now()
    user.disabled_reason = "" if user.is_active else DisabledReason.DEACTIVATED


def inactive_users(*, today: date):
    """Active people (never the system or another service account) whose last sign-in, or
    creation or reactivation if later, is ACCOUNT_INACTIVITY_DISABLE_DAYS or more before
    ``today``."""
    cutoff = timezone.make_aware(
        datetime.combine(today - timedelta(days=settings.ACCOUNT_INACTIVITY_DISABLE_DAYS), time())
    )
    used_since = Q(last_login__gte=cutoff) | Q(date_joined__gte=cutoff)
    used_since |= Q(status_changed_at__gte=cutoff)
    return (
        User.objects.filter(is_active=True, is_service_account=False)
        .exclude(username=SYSTEM_USERNAME)
        .exclude(used_since)
    )


@transaction.atomic
def users_disable_inactive(*, today: date, acting_user: User | None) -> list[User]:
    """Disable every account unused for ACCOUNT_INACTIVITY_DISABLE_DAYS (reason recorded,
    audited, sessions ended) and tell the SPOCs of the person's agencies through the outbox.
    Running it again the same day changes and sends nothing."""
    disabled = list(inactive_users(today=today).select_for_update())
    for user in disabled:
        last = timezone.localdate(user.last_used)
        user_deactivate(user=user, acting_user=acting_user, reason=DisabledReason.INACTIVITY)
        _tell_spocs_account_disabled(user=user, last_used=last, today=today)
    return disabled


def _tell_spocs_account_disabled(*, user: User, last_used: date, today: date) -> None:
    agencies = Membership.objects.active().filter(user=user).values("agency")
    spocs = (
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(role=Role.SPOC, agency__in=agencies),
        )
        .exclude(pk=user.pk)
        .distinct()
    )
    days = settings.ACCOUNT_INACTIVITY_DISABLE_DAYS
    for spoc in spocs:
        notification_queue(
            dedup_key=f"accounts:disabled-inactive:{user.pk}:{today.isoformat()}:{spoc.pk}",
            kind="accounts.disabled_inactive",
            recipient=spoc,
            subject=f"{settings.SERVICE_NAME}: an account at your agency was disabled",
            body=(
                f"The {settings.SERVICE_NAME} account {user.username} was disabled on "
                f"{today:%d %B %Y} because it had not been used for {days} days (last used "
                f"{last_used:%d %B %Y}).\n\nIf they still need it, ask the system "
                "administrator to switch it on again. If they have left, there is nothing to "
                f"do.\n\nSee your agency's accounts: {site_link('accounts:account_list')}"
            ),
        )


def external_identity_replace(*, user: User, tenant_id: str, object_id: str) -> ExternalIdentity:
    """Make (``tenant_id``, ``object_id``) the account's only council identity. Called by
    ``approvals.external_identity_link`` once the change is allowed, never directly."""
    ExternalIdentity.objects.filter(user=user).delete()
    return ExternalIdentity.objects.create(
        user=user, tenant_id=tenant_id.strip().lower(), object_id=object_id.strip().lower()
    )


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """Delete every server-side session that belongs to ``user`` (but ``keep_session_key``,
    the one they are using, for "sign out everywhere else")."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep_session_key:
            continue
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended
