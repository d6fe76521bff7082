"""System check: nobody but the coordinator role holds model-wide sight of case records.

Record-level access (accounts/access.py) lets a model-level ``view_<model>`` permission
open every record of a protected model, so a permission slipped into the wrong group or
onto a user in the admin or a shell would silently widen sight across agencies. This check
reads the database and reports an Error for each such holder.

It needs the database, so Django runs it only when asked for database checks:
``manage.py check --database default`` (in CI and in the Docker ``migrate`` service, whose
failure stops web, worker and beat from starting) and ``manage.py migrate`` (which runs
database checks before migrating). ``role_groups_sync`` also runs it after every migrate,
once the role groups have been reset to the registry. A plain ``runserver`` or gunicorn
start does not run it: "fails start-up" means the deployment's migrate step fails.
"""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Error
from django.db import DatabaseError, connections, models
from django.db.models import Q

from prevent_portal.accounts.models import Role

CHECK_ID = "accounts.E001"
SEPARATION_CHECK_ID = "accounts.E002"
SUPERUSER_CHECK_ID = "accounts.E003"
# Model-level actions that widen sight or change rights across agencies.
WIDENING_ACTIONS = ("view", "change")


def protected_models() -> list[type[models.Model]]:
    """Models that hold case content, found by introspection.

    A protected model is one whose default queryset subclasses ProtectedQuerySet (a person,
    a referral, a Channel case), or any model with a foreign key, directly or through
    another protected model, to one: the chronology, notes, consents, grants, agenda items
    and whatever a later app hangs off a case. Configuration tables (concern types,
    outcomes) are what protected models point to, not the reverse, and stay outside; so
    do training's organisational figures, which managers and the panel chair are allowed to
    read model-wide (they name no person).
    """
    from prevent_portal.accounts.access import ProtectedQuerySet

    every = apps.get_models()
    protected = {
        m for m in every if isinstance(m._default_manager.get_queryset(), ProtectedQuerySet)
    }
    grew = True
    while grew:
        grew = False
        for model in every:
            if model in protected:
                continue
            for field in model._meta.get_fields():
                if (
                    field.is_relation
                    and field.concrete
                    and (field.many_to_one or field.one_to_one)
                    and field.related_model in protected
                ):
                    protected.add(model)
                    grew = True
                    break
    return sorted(protected, key=lambda m: m._meta.label)


def global_permission_errors(using: str = "default") -> list[Error]:
    """One Error per group or user holding view_/change_ on a protected model, apart from
    the coordinator role group."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from prevent_portal.accounts.access import role_group_name

    allowed_group = role_group_name(Role.COORDINATOR)
    # Read, never create, content types: a check must not write.
    wanted = Q(pk__in=[])
    for model in protected_models():
        wanted |= Q(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            codename__in=[f"{a}_{model._meta.model_name}" for a in WIDENING_ACTIONS],
        )
    widening = Permission.objects.using(using).filter(wanted)
    errors = []
    groups = (
        Group.objects.using(using)
        .filter(permissions__in=widening)
        .exclude(name=allowed_group)
        .values_list("name", "permissions__content_type__app_label", "permissions__codename")
        .order_by("name", "permissions__codename")
    )
    for name, app_label, codename in groups:
        errors.append(
            Error(
                f"Group {name!r} holds the model-wide permission {app_label}.{codename}.",
                hint=(
                    "Only the coordinator role group may see or change every record of a "
                    "protected model. Remove the permission; a role group is reset to the "
                    "registry by `manage.py migrate --skip-checks`."
                ),
                obj=f"group:{name}",
                id=CHECK_ID,
            )
        )
    users = (
        get_user_model()
        .objects.db_manager(using)
        .filter(user_permissions__in=widening)
        .values_list(
            "pk", "user_permissions__content_type__app_label", "user_permissions__codename"
        )
        .order_by("pk", "user_permissions__codename")
    )
    for pk, app_label, codename in users:
        errors.append(
            Error(
                f"User {pk} holds the model-wide permission {app_label}.{codename} directly.",
                hint=(
                    "Model-wide rights come only through the coordinator role group. "
                    "Remove the user's direct permission."
                ),
                obj=f"user:{pk}",
                id=CHECK_ID,
            )
        )
    return errors


def separation_of_duties_errors(using: str = "default") -> list[Error]:
    """One Error per account holding (or waiting for) the system administrator role and a
    role that opens case records: whoever configures accounts must not also see cases, or
    they could give themselves sight (issue 14, F1)."""
    from prevent_portal.accounts.models import CASE_ROLES, Membership

    held = Membership.objects.using(using).held()
    admins = held.filter(role=Role.SYSADMIN).values("user_id")
    both = (
        held.filter(user_id__in=admins, role__in=CASE_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    return [
        Error(
            f"User {pk} holds the system administrator role and a case role.",
            hint=(
                "Separation of duties: end one of the two roles on the account page. A system "
                "administrator configures accounts and sees no case."
            ),
            obj=f"user:{pk}",
            id=SEPARATION_CHECK_ID,
        )
        for pk in both
    ]


def superuser_errors(using: str = "default") -> list[Error]:
    """One Error per account with Django's superuser status. It passes every permission
    check the admin makes, so it would open pages no role opens (the audit log's entries,
    which record case content) and bypass the approval rules' role model; no part of the
    service needs it (the administrator's rights come from the role group)."""
    from django.contrib.auth import get_user_model

    holders = (
        get_user_model()
        .objects.db_manager(using)
        .filter(is_superuser=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    return [
        Error(
            f"User {pk} has Django superuser status.",
            hint=(
                "Nothing in the service needs it: give the system administrator role through "
                "the approval rules instead, and clear is_superuser in a server shell."
            ),
            obj=f"user:{pk}",
            id=SUPERUSER_CHECK_ID,
        )
        for pk in holders
    ]


def check_global_permissions(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """Registered in AccountsConfig.ready(). Django passes ``databases`` only when database
    checks are asked for (``check --database``, ``migrate``); otherwise nothing to do."""
    if not databases:
        return []
    errors = []
    for alias in databases:
        try:
            errors += global_permission_errors(alias)
            errors += separation_of_duties_errors(alias)
            errors += superuser_errors(alias)
        except DatabaseError:
            # Before the first migrate the tables are not there: nobody holds anything.
            connection = connections[alias]
            if connection.in_atomic_block:
                raise
            continue
    return errors


AREA_CHECK_ID = "areas.E001"


def area_scope_errors() -> list[Error]:
    """Rule 7 of the access module: model-wide sight reaches only the user's council areas,
    through the queryset's ``area_field``. A protected model (a ProtectedQuerySet) on which
    any role holds a model-wide permission must name a field path that ends at an Area, or
    the Coordinator of one council would see another's records."""
    from prevent_portal.accounts.access import ProtectedQuerySet, registered_global_permissions
    from prevent_portal.areas.models import Area

    errors = []
    labels = {
        p.split(".")[0] + "." + p.rsplit("_", 1)[-1]
        for perms in registered_global_permissions().values()
        for p in perms
    }
    for model in apps.get_models():
        queryset = model._default_manager.get_queryset()
        if not isinstance(queryset, ProtectedQuerySet):
            continue
        if f"{model._meta.app_label}.{model._meta.model_name}" not in labels:
            continue
        target = model
        try:
            for part in type(queryset).area_field.split("__"):
                target = target._meta.get_field(part).related_model
        except Exception:  # noqa: BLE001 - any broken path is the error reported
            target = None
        if target is not Area:
            errors.append(
                Error(
                    f"{model._meta.label}: a role holds a model-wide permission on it, but "
                    f"its queryset's area_field {type(queryset).area_field!r} does not lead "
                    "to a council area, so that sight would cross areas",
                    hint="Give the model area = area_field(), or set area_field to the path "
                    "of its area (prevent_portal/accounts/access.py, rule 7).",
                    obj=model,
                    id=AREA_CHECK_ID,
                )
            )
    return errors


def check_area_scope(app_configs=None, **kwargs) -> list[Error]:
    """Registered in AccountsConfig.ready()."""
    return area_scope_errors()
