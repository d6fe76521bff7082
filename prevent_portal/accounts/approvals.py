"""Separation of duties for roles and credentials (issue 14, F1).

Rules, enforced here and nowhere else:

1. Nobody gives themselves a role, and nobody holds the system administrator role together
   with a case role (coordinator, panel chair, panel member, SPOC, referrer).
2. A role asked for by a person takes effect only once a second person approves it: a
   Coordinator for every role, and also another system administrator for the Coordinator,
   the system administrator and the regional lead roles (``AccountChangeRequest.roles_needed``),
   so that one administrator cannot make an administrator of their own to be the "other" one,
   and one council's Coordinator alone does not open other areas' figures. Until then
   the membership is pending and gives no sight (``Membership.objects.active()`` leaves it
   out).
3. A person's authenticator, council sign-in link or e-mail address (where the
   one-time set-up links go) on an account holding a case
   role or the system administrator role (``GUARDED_ROLES``), and switching such an account
   on again (its roles come back with it), happen only once a Coordinator
   approves it: otherwise one administrator could sign in as another and approve for them.
   On other accounts the administrator's change applies at once. Nobody sets another
   person's password at all (``user_password_set``): invitations and "Forgot your
   password?" links let the person choose it.
4. The approver is never the person who asked nor the account's holder, and one person
   approves in one role only.
5. Every request, approval, refusal and applied change is queued to the Coordinators through
   the outbox and is in the audit log (the request and approval rows are audited models).

The trusted path is ``acting_user=None`` or the system service account: commands run by the
operators on the server and the demo seeding (``membership_grant``), never a web request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from prevent_portal.accounts import access
from prevent_portal.accounts.addressees import EVERY_AREA, holders
from prevent_portal.accounts.models import (
    CASE_ROLES,
    SECOND_ADMINISTRATOR_ROLES,
    AccountChangeApproval,
    AccountChangeRequest,
    Agency,
    ExternalIdentity,
    Membership,
    Role,
    User,
)
from prevent_portal.audit.context import SYSTEM_USERNAME
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

Kind = AccountChangeRequest.Kind
# Who may ask for a change to another account.
REQUESTER_ROLES = (Role.SYSADMIN, Role.COORDINATOR)
# Who may approve one (each request says which of them it needs).
APPROVER_ROLES = (Role.COORDINATOR, Role.SYSADMIN)
# Roles whose accounts' credentials change only with a Coordinator's approval (rule 3): those
# that open case records, and the administrator's, whose holder approves other changes.
GUARDED_ROLES = CASE_ROLES | {Role.SYSADMIN}
# Roles that need a second system administrator's approval as well as a Coordinator's (the
# regional lead's too: AccountChangeRequest.roles_needed).
ADMINISTRATOR_APPROVED_ROLES = SECOND_ADMINISTRATOR_ROLES


def is_system(acting_user: User | None) -> bool:
    """The trusted path: a server command or the seeding, not a person in a browser."""
    return acting_user is None or (
        acting_user.is_service_account and acting_user.username == SYSTEM_USERNAME
    )


def holds_case_role(user: User) -> bool:
    """True if ``user`` holds, or is waiting to be given, a role that opens case records."""
    return Membership.objects.held().filter(user=user, role__in=CASE_ROLES).exists()


def holds_guarded_role(user: User) -> bool:
    """True if ``user`` holds, or is waiting for, a role in GUARDED_ROLES (rule 3)."""
    return Membership.objects.held().filter(user=user, role__in=GUARDED_ROLES).exists()


def role_conflict(user: User, role: str, *, excluding: Membership | None = None) -> str | None:
    """Why ``user`` may not hold ``role`` beside their other roles (rule 1), or None."""
    others = Membership.objects.held().filter(user=user)
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    held = set(others.values_list("role", flat=True))
    if (role == Role.SYSADMIN and held & CASE_ROLES) or (
        role in CASE_ROLES and Role.SYSADMIN in held
    ):
        return "A system administrator cannot also hold a role that opens case records"
    return None


def change_area_ids(change: AccountChangeRequest) -> set[int]:
    """The council areas an account change concerns (issue 18): for a role, the areas its
    agency serves; for a sign-in detail, those of every agency where the account holds or
    waits for a role. The Coordinators who approve it, and are told of it, are those areas'
    own: a council's Coordinator vouches for the people who will see that council's records,
    and another council's neither approves nor hears of them. An account whose agencies serve
    no area reaches no area's records (access rule 7): any Coordinator may approve it."""
    if change.kind == Kind.ROLE:
        agencies = [change.membership.agency_id]
    else:
        agencies = Membership.objects.held().filter(user=change.subject_id).values("agency")
    through = Agency.areas.through.objects.filter(agency_id__in=agencies)
    return set(through.values_list("area_id", flat=True))


def _coordinators(area_ids: set[int]):
    """The Coordinators of ``area_ids``; of every area when a change concerns none."""
    return holders(Role.COORDINATOR, area_ids or EVERY_AREA)


def _changes_concerning(area_ids: set[int]) -> Q:
    """The account changes that concern one of ``area_ids``, or no area at all
    (``change_area_ids`` as a query)."""
    held = Membership.objects.held()
    areas_of_subject = held.filter(user=OuterRef("subject_id"), agency__areas__isnull=False)
    role_change = Q(kind=Kind.ROLE)
    role_in_mine = Q(membership__agency__areas__in=sorted(area_ids)) | Q(
        membership__agency__areas__isnull=True
    )
    account_in_mine = Q(subject__in=held.in_areas(area_ids).values("user")) | ~Exists(
        areas_of_subject
    )
    return (role_change & role_in_mine) | (~role_change & account_in_mine)


def notify_role_ended(*, membership: Membership, acting_user: User | None) -> None:
    """Tell the Coordinators of the areas the membership's agency serves that a role was
    taken away (rule 5; nobody approves that)."""
    by = acting_user.username if acting_user is not None else SYSTEM_USERNAME
    stamp = timezone.now().isoformat()
    areas = set(membership.agency.areas.values_list("pk", flat=True))
    for coordinator in _coordinators(areas):
        notification_queue(
            dedup_key=f"accounts:role-ended:{membership.pk}:{stamp}:{coordinator.pk}",
            kind="accounts.role_ended",
            recipient=coordinator,
            subject=f"{settings.SERVICE_NAME}: a role was ended",
            body=(
                f"A role was ended.\n\nRole: {membership}\n"
                f"Account: {membership.user.username}\nEnded by: {by}\n"
            ),
        )


def _notify_coordinators(change: AccountChangeRequest, event: str, text: str) -> None:
    """Tell the Coordinators of the areas the change concerns (``change_area_ids``). The
    message names the account by username only, which is what a Coordinator needs to
    recognise it; no other personal data."""
    link = site_link("accounts:approval_list")
    for coordinator in _coordinators(change_area_ids(change)):
        notification_queue(
            dedup_key=f"accounts:change:{change.pk}:{event}:{coordinator.pk}",
            # One registered kind per event; "approved-<role>" is one approval of several.
            kind=f"accounts.change_{event.split('-')[0]}",
            recipient=coordinator,
            subject=f"{settings.SERVICE_NAME}: {text}",
            body=(
                f"{text}.\n\nChange: {change.description}\nAccount: {change.subject.username}\n"
                f"Asked for by: {change.requested_by.username}\n\n"
                f"See the account changes waiting for approval: {link}\n"
            ),
        )


def _request(*, kind: str, subject: User, acting_user: User, **fields) -> AccountChangeRequest:
    if subject.pk == acting_user.pk:
        raise PermissionDenied("You cannot change your own roles or sign-in details this way")
    if not access.has_role(acting_user, *REQUESTER_ROLES):
        raise PermissionDenied
    change = AccountChangeRequest.objects.create(
        kind=kind, subject=subject, requested_by=acting_user, **fields
    )
    _notify_coordinators(change, "requested", "An account change is waiting for approval")
    return change


@transaction.atomic
def membership_request(
    *, user: User, agency: Agency, role: str, acting_user: User
) -> AccountChangeRequest:
    """Ask for ``user`` to hold ``role`` at ``agency`` (rules 1, 2): the membership is pending,
    and gives nothing, until the people the role needs approve it."""
    if user.pk == acting_user.pk:
        raise PermissionDenied("You cannot give yourself a role")
    conflict = role_conflict(user, role)
    if conflict:
        raise ValidationError(conflict)
    membership, _ = Membership.objects.select_for_update().get_or_create(
        user=user, agency=agency, role=role
    )
    if membership.is_live:
        raise ValidationError(f"{user.username} already holds this role")
    waiting = membership.requests.filter(status=AccountChangeRequest.Status.PENDING).first()
    if waiting is not None and membership.is_active:
        return waiting
    membership.is_active = True
    membership.status = Membership.Status.PENDING
    membership.save(update_fields=["is_active", "status"])
    return _request(kind=Kind.ROLE, subject=user, acting_user=acting_user, membership=membership)


@transaction.atomic
def membership_grant(
    *, user: User, agency: Agency, role: str, acting_user: User | None = None
) -> Membership:
    """Give a role at once, approved by the system: for server commands and seeding only
    (rule 1 still holds). A person asks with ``membership_request``."""
    from prevent_portal.accounts.services import user_groups_sync

    if not is_system(acting_user):
        raise PermissionDenied("A role given by a person needs a second person's approval")
    conflict = role_conflict(user, role)
    if conflict:
        raise ValidationError(conflict)
    membership, _ = Membership.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"status": Membership.Status.APPROVED}
    )
    if not membership.is_live:
        membership.is_active = True
        membership.status = Membership.Status.APPROVED
        membership.save(update_fields=["is_active", "status"])
    user_groups_sync(user)
    return membership


def _credential_change(*, kind: str, user: User, acting_user: User | None, apply, **fields):
    """Apply a credential change now, or, on a case-role account changed by a person, record
    it for a Coordinator's approval (rule 3). Returns the request, or None if applied."""
    if is_system(acting_user):
        apply()
        return None
    if user.pk != acting_user.pk and holds_guarded_role(user):
        return _request(kind=kind, subject=user, acting_user=acting_user, **fields)
    if user.pk != acting_user.pk and not access.has_role(acting_user, *REQUESTER_ROLES):
        raise PermissionDenied
    apply()
    change = AccountChangeRequest.objects.create(
        kind=kind,
        subject=user,
        requested_by=acting_user,
        status=AccountChangeRequest.Status.APPROVED,
        decided_at=timezone.now(),
        **{k: v for k, v in fields.items() if k != "password_hash"},
    )
    _notify_coordinators(change, "done", "An account's sign-in details were changed")
    return None


@transaction.atomic
def user_password_set(
    *, user: User, raw_password: str | None, acting_user: User | None
) -> AccountChangeRequest | None:
    """Set (or, with None, switch off) an account's password: the person's own, or the
    trusted path's (a server command). Nobody sets another person's password: they choose
    it themselves from an invitation or a "Forgot your password?" link, so no administrator
    ever knows it (issue 16)."""
    from prevent_portal.accounts.services import user_sessions_end

    if not is_system(acting_user) and acting_user.pk != user.pk:
        raise PermissionDenied(
            "Nobody sets another person's password: send them a new invitation, or they use "
            "Forgot your password? on the sign-in page"
        )

    password_hash = make_password(raw_password)  # None makes an unusable password

    def apply():
        user.password = password_hash
        user.save(update_fields=["password"])
        user_sessions_end(user=user)

    return _credential_change(
        kind=Kind.PASSWORD,
        user=user,
        acting_user=acting_user,
        apply=apply,
        password_hash=password_hash,
    )


@transaction.atomic
def user_authenticator_reset(*, user: User, acting_user: User | None):
    """Remove an account's second factor (a lost phone), under rule 3. Once done, the person
    is signed out everywhere and sent a one-time link to set up a new authenticator."""
    from prevent_portal.accounts.enrolment import authenticator_remove

    return _credential_change(
        kind=Kind.AUTHENTICATOR,
        user=user,
        acting_user=acting_user,
        apply=lambda: authenticator_remove(user=user, acting_user=acting_user),
    )


@transaction.atomic
def external_identity_link(*, user: User, tenant_id: str, object_id: str, acting_user: User | None):
    """Link a council (Entra ID) identity to an account, under rule 3: single sign-on then
    finds the account by this tenant id and object id only. Replaces an earlier link."""
    from prevent_portal.accounts.services import external_identity_replace

    tenant_id, object_id = tenant_id.strip().lower(), object_id.strip().lower()
    # One council identity opens one account (a unique constraint too; this says it clearly).
    if (
        ExternalIdentity.objects.filter(tenant_id=tenant_id, object_id=object_id)
        .exclude(user=user)
        .exists()
    ):
        raise ValidationError("This council sign-in is already linked to another account")
    return _credential_change(
        kind=Kind.IDENTITY,
        user=user,
        acting_user=acting_user,
        apply=lambda: external_identity_replace(
            user=user, tenant_id=tenant_id, object_id=object_id
        ),
        tenant_id=tenant_id,
        object_id=object_id,
    )


@transaction.atomic
def user_email_set(*, user: User, email: str, acting_user: User | None):
    """Change an account's e-mail address, under rule 3: set-up links after an authenticator
    reset go there, so pointing it elsewhere is as good as choosing the second factor."""

    def apply():
        user.email = email
        user.save(update_fields=["email"])

    return _credential_change(
        kind=Kind.EMAIL, user=user, acting_user=acting_user, apply=apply, email=email
    )


@transaction.atomic
def user_reactivate(*, user: User, acting_user: User | None):
    """Switch a switched-off account on again, under rule 3: its approved roles were kept, so
    this gives back what they see (a SPOC may have switched off a leaver on purpose)."""
    from prevent_portal.accounts.services import user_status_changed

    def apply():
        user.is_active = True
        user_status_changed(user=user)
        user.save(update_fields=["is_active", "disabled_reason", "status_changed_at"])

    return _credential_change(kind=Kind.REACTIVATE, user=user, acting_user=acting_user, apply=apply)


def decision_blocker(user: User, change: AccountChangeRequest) -> str | None:
    """Why ``user`` may not approve or refuse ``change`` (rule 4), or None if they may."""
    if change.status != AccountChangeRequest.Status.PENDING:
        return "This request has already been decided"
    if user.pk in (change.requested_by_id, change.subject_id):
        return "Someone other than the person who asked, and the account's holder, must decide"
    if user.pk in {a.approver_id for a in change.approvals.all()}:
        return "You have already approved this request"
    if not approver_roles(user, change):
        return "This request is waiting for someone in another role"
    return None


def approver_roles(user: User, change: AccountChangeRequest) -> set[str]:
    """The roles ``change`` still needs that ``user`` may approve it in: a Coordinator's
    approval counts only from a Coordinator of an area the change concerns (issue 18)."""
    roles = change.roles_missing() & access.roles_of(user)
    areas = change_area_ids(change)
    if areas and not areas & access.area_ids_for(user, [Role.COORDINATOR]):
        roles.discard(Role.COORDINATOR)
    return roles


def _apply(change: AccountChangeRequest, acting_user: User) -> None:
    from prevent_portal.accounts.enrolment import authenticator_remove
    from prevent_portal.accounts.services import (
        external_identity_replace,
        user_groups_sync,
        user_sessions_end,
    )

    user = change.subject
    if change.kind == Kind.ROLE:
        membership = change.membership
        conflict = role_conflict(user, membership.role, excluding=membership)
        if conflict:
            raise ValidationError(conflict)
        membership.status = Membership.Status.APPROVED
        membership.save(update_fields=["status"])
        user_groups_sync(user)
    elif change.kind == Kind.PASSWORD:
        user.password = change.password_hash
        user.save(update_fields=["password"])
        user_sessions_end(user=user)
    elif change.kind == Kind.AUTHENTICATOR:
        authenticator_remove(user=user, acting_user=acting_user)
    elif change.kind == Kind.IDENTITY:
        external_identity_replace(user=user, tenant_id=change.tenant_id, object_id=change.object_id)
    elif change.kind == Kind.EMAIL:
        user.email = change.email
        user.save(update_fields=["email"])
    elif change.kind == Kind.REACTIVATE:
        from prevent_portal.accounts.services import user_status_changed

        user.is_active = True
        user_status_changed(user=user)
        user.save(update_fields=["is_active", "disabled_reason", "status_changed_at"])
    change.password_hash = ""  # done: nothing secret stays in the request
    change.status = AccountChangeRequest.Status.APPROVED
    change.decided_at = timezone.now()
    change.save(update_fields=["password_hash", "status", "decided_at"])


@transaction.atomic
def change_request_approve(*, change: AccountChangeRequest, acting_user: User) -> bool:
    """Approve ``change`` in the role of ``acting_user`` that it still needs (rules 2-4).
    Returns True once every needed role has approved and the change has been made."""
    change = AccountChangeRequest.objects.select_for_update().get(pk=change.pk)
    blocker = decision_blocker(acting_user, change)
    if blocker:
        raise PermissionDenied(blocker)
    as_role = sorted(approver_roles(acting_user, change))[0]
    AccountChangeApproval.objects.create(request=change, approver=acting_user, as_role=as_role)
    if change.roles_missing():
        _notify_coordinators(change, f"approved-{as_role}", "An account change has one approval")
        return False
    _apply(change, acting_user)
    _notify_coordinators(change, "done", "An account change was approved and made")
    return True


@transaction.atomic
def change_request_refuse(*, change: AccountChangeRequest, reason: str, acting_user: User) -> None:
    """Refuse ``change`` with a reason; a refused role's membership gives nothing, ever, unless
    asked for and approved again."""
    change = AccountChangeRequest.objects.select_for_update().get(pk=change.pk)
    blocker = decision_blocker(acting_user, change)
    if blocker:
        raise PermissionDenied(blocker)
    if not reason.strip():
        raise ValidationError("Enter why you are refusing this request")
    if change.kind == Kind.ROLE:
        membership = change.membership
        membership.status = Membership.Status.REFUSED
        membership.is_active = False
        membership.save(update_fields=["status", "is_active"])
    change.status = AccountChangeRequest.Status.REFUSED
    change.refused_by = acting_user
    change.refusal_reason = reason.strip()
    change.password_hash = ""
    change.decided_at = timezone.now()
    change.save()
    _notify_coordinators(change, "refused", "An account change was refused")


def change_requests_for(user: User):
    """The pending requests ``user`` is asked to decide: a Coordinator those that concern
    their council area (``change_area_ids``), a system administrator those that still need an
    administrator. 403 for other roles."""
    access.require_role(user, *APPROVER_ROLES)
    pending = AccountChangeRequest.objects.filter(status=AccountChangeRequest.Status.PENDING)
    admin_needed = Q(kind=Kind.ROLE, membership__role__in=ADMINISTRATOR_APPROVED_ROLES) & ~Q(
        approvals__as_role=Role.SYSADMIN
    )
    mine = Q(pk__in=[])
    if access.has_role(user, Role.SYSADMIN):
        mine |= Q(pk__in=pending.filter(admin_needed).values("pk"))
    if access.has_role(user, Role.COORDINATOR):
        areas = access.area_ids_for(user, [Role.COORDINATOR])
        mine |= Q(pk__in=pending.filter(_changes_concerning(areas)).values("pk"))
    pending = pending.filter(mine)
    return pending.select_related("subject", "requested_by", "membership__agency").prefetch_related(
        "approvals__approver"
    )


def get_change_request_for_user(user: User, pk: int, *, perm: str = "view"):
    """One pending request: 404 unless ``user`` is asked to decide such requests; with
    perm="decide", 403 if rule 4 keeps them from deciding this one."""
    from django.http import Http404

    change = change_requests_for(user).filter(pk=pk).first()
    if change is None:
        raise Http404
    if perm == "decide" and decision_blocker(user, change):
        raise PermissionDenied(decision_blocker(user, change))
    return change
