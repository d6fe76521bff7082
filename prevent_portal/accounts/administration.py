"""Running accounts inside the service: the system administrator makes accounts and
invites their holders, acts on SPOCs' requests for colleagues' accounts, and on the
quarterly access review's answers.

Rules this module enforces:
- Only the system administrator makes accounts, acts on account requests and ends roles
  the review says are no longer needed. Every role, for a new account too, is asked for
  through ``approvals.membership_request``: it gives nothing until a Coordinator (and, for
  the Coordinator and administrator roles, a second administrator) approves it. Nobody
  gives themselves anything.
- A SPOC asks for accounts only at agencies where they are SPOC, and only for the roles
  in ``SPOC_REQUESTABLE_ROLES``.
- In the quarterly access review a SPOC answers for the roles held at their agencies,
  never for their own.
- The system administrator changes another person's account details, sign-in links and
  authenticator here, never their own; the e-mail address, council sign-in and
  authenticator change under the approval rules (``approvals``, rule 3). Nobody sets a
  password for someone else: the invitation and "Forgot your password?" links do that.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import access
from prevent_portal.accounts.addressees import EVERY_AREA, holders
from prevent_portal.accounts.approvals import membership_request, user_email_set
from prevent_portal.accounts.enrolment import enrolment_link_send
from prevent_portal.accounts.models import (
    USERNAME_PATTERN,
    AccessReviewAnswer,
    AccountChangeRequest,
    AccountRequest,
    Agency,
    EnrolmentLink,
    ExternalIdentity,
    Membership,
    Role,
    User,
)
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

SPOC_REQUESTABLE_ROLES = (Role.REFERRER, Role.PANEL_MEMBER, Role.SPOC)


def require_sysadmin(user: User) -> None:
    access.require_role(user, Role.SYSADMIN)


def _sysadmins():
    """The system administrators: the deployment's, not an area's (they see no case content,
    and an account request names an account, not a record of any area)."""
    return holders(Role.SYSADMIN, EVERY_AREA)


# --- Making an account ------------------------------------------------------------------
@transaction.atomic
def account_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    agency: Agency,
    role: str,
    acting_user: User,
) -> User:
    """Make an account with no password, ask for its first role (waiting for approval) and
    e-mail its holder a one-time invitation to choose a password and set up the app."""
    require_sysadmin(acting_user)
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationError("Use only letters, numbers and . @ + - _ in the username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("That username is taken: choose another")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
    )
    user.set_unusable_password()
    user.save()
    membership_request(user=user, agency=agency, role=role, acting_user=acting_user)
    enrolment_link_send(user=user, acting_user=acting_user, invitation=True)
    return user


@transaction.atomic
def invitation_resend(*, user: User, acting_user: User) -> None:
    """A new invitation (the old link stops working) for an account whose holder has not
    chosen a password yet."""
    require_sysadmin(acting_user)
    if user.has_usable_password() or not user.is_active:
        raise ValidationError("This person has already set up their account")
    enrolment_link_send(user=user, acting_user=acting_user, invitation=True)


# --- Changing someone else's account ----------------------------------------------------
def require_other_account(user: User, acting_user: User) -> None:
    """The system administrator acts on other people's accounts only: a change to their own
    would need nobody's approval."""
    require_sysadmin(acting_user)
    if user.pk == acting_user.pk:
        raise PermissionDenied("You cannot change your own account here")


@transaction.atomic
def account_details_change(
    *,
    user: User,
    first_name: str,
    last_name: str,
    job_title: str,
    email: str,
    expected_version: int,
    acting_user: User,
) -> AccountChangeRequest | None:
    """Change another person's name and job title at once, and their e-mail address through
    ``approvals.user_email_set`` (on an account with a case or administrator role it waits
    for a Coordinator: set-up links go there). Refused with ``StaleEdit``, changing nothing,
    if the account changed since the form was opened. Returns the request that waits, or
    None."""
    require_other_account(user, acting_user)
    user.first_name, user.last_name, user.job_title = first_name, last_name, job_title
    save_if_unchanged(
        user, expected_version=expected_version, fields=["first_name", "last_name", "job_title"]
    )
    # Compared with the row just locked, not the form's copy.
    current = User.objects.values_list("email", flat=True).get(pk=user.pk)
    if email == current:
        return None
    return user_email_set(user=user, email=email, acting_user=acting_user)


def setup_link_blocker(user: User) -> str | None:
    """Why a link to set up an authenticator would not help ``user``, or None. It helps an
    active account that can sign in (a password, or a council sign-in) and has no
    authenticator app: after a reset, or when the last link expired. Someone with an app has
    it reset instead (which waits for approval on a case-role account); someone who never
    chose a password gets a new invitation."""
    if not user.is_active:
        return "The account is switched off"
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "This person already has an authenticator app: reset it instead"
    if not user.has_usable_password() and not ExternalIdentity.objects.filter(user=user).exists():
        return "This person has not accepted their invitation: send a new invitation instead"
    return None


@transaction.atomic
def setup_link_send(*, user: User, acting_user: User) -> EnrolmentLink:
    """E-mail another person a one-time link to set up their authenticator app (cancelling
    older links), when ``setup_link_blocker`` says it would help. The link goes only to the
    address on the account, whose changes wait for approval on guarded accounts."""
    require_other_account(user, acting_user)
    blocker = setup_link_blocker(user)
    if blocker:
        raise ValidationError(blocker)
    return enrolment_link_send(user=user, acting_user=acting_user)


@transaction.atomic
def external_identity_unlink(*, user: User, acting_user: User) -> None:
    """Remove another person's council sign-in link. Taking a way in away needs nobody's
    approval (as ending a role does not); each removal is in the audit log with who did it."""
    require_other_account(user, acting_user)
    identities = list(ExternalIdentity.objects.select_for_update().filter(user=user))
    if not identities:
        raise ValidationError("This account has no council sign-in to unlink")
    for identity in identities:
        identity.delete()  # one by one: auditlog records each deletion


# --- A SPOC asks for an account for a colleague -----------------------------------------
def spoc_agencies(user: User):
    return Agency.objects.filter(pk__in=access.agency_ids_for(user, [Role.SPOC]), is_active=True)


@transaction.atomic
def account_request_create(
    *,
    agency: Agency,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    role: str,
    reason: str,
    acting_user: User,
) -> AccountRequest:
    """A SPOC asks the system administrator for an account for someone at their agency."""
    if not spoc_agencies(acting_user).filter(pk=agency.pk).exists():
        raise PermissionDenied("You can ask for accounts at your own agency only")
    if role not in SPOC_REQUESTABLE_ROLES:
        raise ValidationError("You cannot ask for that role")
    made = AccountRequest.objects.create(
        agency=agency,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        role=role,
        reason=reason,
        requested_by=acting_user,
    )
    link = site_link("accounts:account_request_list")
    for admin in _sysadmins():
        notification_queue(
            dedup_key=f"accounts:account-request:{made.pk}:{admin.pk}",
            kind="accounts.account_request",
            recipient=admin,
            subject=f"{settings.SERVICE_NAME}: an account request is waiting",
            body=(
                f"Account request {made.pk} from a single point of contact is waiting for "
                f"you.\n\nSee the requests: {link}"
            ),
        )
    return made


def account_requests_for(user: User):
    """The requests ``user`` may see: every one for the system administrator; a SPOC's
    agencies' for a SPOC; none for anyone else (403)."""
    if access.has_role(user, Role.SYSADMIN):
        qs = AccountRequest.objects.all()
    elif access.has_role(user, Role.SPOC):
        qs = AccountRequest.objects.filter(agency__in=spoc_agencies(user))
    else:
        raise PermissionDenied
    return qs.select_related("agency", "requested_by", "decided_by", "account")


def get_account_request_for_user(user: User, pk: int) -> AccountRequest:
    found = account_requests_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _tell_requester(made: AccountRequest, outcome: str) -> None:
    notification_queue(
        dedup_key=f"accounts:account-request-decided:{made.pk}",
        kind="accounts.account_request_decided",
        recipient=made.requested_by,
        subject=f"{settings.SERVICE_NAME}: your account request {made.pk}",
        body=(
            f"Your account request {made.pk} was {outcome}.\n\n"
            f"See it: {site_link('accounts:account_request_detail', made.pk)}"
        ),
    )


@transaction.atomic
def account_request_approve(
    *, made: AccountRequest, username: str, expected_version: int, acting_user: User
) -> User:
    """Make the account asked for (its role then waits for approval as any other)."""
    require_sysadmin(acting_user)
    made = AccountRequest.objects.select_for_update().get(pk=made.pk)
    if made.status != AccountRequest.Status.PENDING:
        raise ValidationError("This request has already been dealt with")
    user = account_create(
        username=username,
        first_name=made.first_name,
        last_name=made.last_name,
        email=made.email,
        job_title=made.job_title,
        agency=made.agency,
        role=made.role,
        acting_user=acting_user,
    )
    made.status = AccountRequest.Status.MADE
    made.account = user
    made.decided_by, made.decided_at = acting_user, timezone.now()
    save_if_unchanged(
        made,
        expected_version=expected_version,
        fields=["status", "account", "decided_by", "decided_at"],
    )
    _tell_requester(made, "made: the person has been e-mailed an invitation")
    return user


@transaction.atomic
def account_request_decline(
    *, made: AccountRequest, reason: str, expected_version: int, acting_user: User
) -> None:
    require_sysadmin(acting_user)
    made = AccountRequest.objects.select_for_update().get(pk=made.pk)
    if made.status != AccountRequest.Status.PENDING:
        raise ValidationError("This request has already been dealt with")
    if not reason.strip():
        raise ValidationError("Enter why you are declining the request")
    made.status = AccountRequest.Status.DECLINED
    made.decline_reason = reason.strip()
    made.decided_by, made.decided_at = acting_user, timezone.now()
    save_if_unchanged(
        made,
        expected_version=expected_version,
        fields=["status", "decline_reason", "decided_by", "decided_at"],
    )
    _tell_requester(made, "declined")


# --- The quarterly access review ----------------------------------------------------------
def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def review_memberships(reviewer: User):
    """The live roles a SPOC answers for this quarter: those held at their agencies, not
    their own."""
    return (
        Membership.objects.active()
        .filter(agency__in=spoc_agencies(reviewer), user__is_service_account=False)
        .exclude(user=reviewer)
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__first_name", "role")
    )


def answer_seen(existing: AccessReviewAnswer | None) -> str:
    """What a SPOC saw of this quarter's answer when they opened the form: its time, or ""
    for none. Handed back with their answer, it tells a concurrent answer from theirs."""
    return existing.answered_at.isoformat() if existing is not None else ""


@transaction.atomic
def access_review_answer(
    *,
    membership: Membership,
    answer: str,
    note: str,
    acting_user: User,
    today: date,
    seen: str | None = None,
) -> AccessReviewAnswer:
    """Record (or change, until acted on) a SPOC's answer for one role this quarter. Two
    SPOCs of the agency may answer at once: the role's row is locked, so the second waits,
    and with ``seen`` (``answer_seen`` when their form opened) an answer given meanwhile by
    someone else is never silently replaced: StaleEdit, and they see it first."""
    if not review_memberships(acting_user).filter(pk=membership.pk).exists():
        raise PermissionDenied
    if answer not in AccessReviewAnswer.Answer.values:
        raise ValidationError("Choose whether they still need this role")
    quarter = quarter_of(today)
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    existing = AccessReviewAnswer.objects.filter(membership=membership, quarter=quarter).first()
    if seen is not None and answer_seen(existing) != seen:
        given = existing.get_answer_display() if existing is not None else "nothing"
        raise StaleEdit(
            f"Someone else answered “{given}” for this role while you had the page open. "
            "Save again to replace their answer with yours."
        )
    if existing is not None:
        if existing.acted_at is not None:
            raise ValidationError("The system administrator has already acted on this answer")
        existing.answer, existing.note = answer, note
        existing.answered_by, existing.answered_at = acting_user, timezone.now()
        existing.save(update_fields=["answer", "note", "answered_by", "answered_at"])
        return existing
    return AccessReviewAnswer.objects.create(
        membership=membership,
        quarter=quarter,
        answer=answer,
        note=note,
        answered_by=acting_user,
    )


def removals_waiting():
    """Answers saying a role is no longer needed, not yet acted on (system administrator)."""
    return AccessReviewAnswer.objects.filter(
        answer=AccessReviewAnswer.Answer.REMOVE, acted_at__isnull=True
    ).select_related("membership__user", "membership__agency", "answered_by")


@transaction.atomic
def access_review_removal_act(*, answer: AccessReviewAnswer, acting_user: User) -> None:
    """End the role the SPOC said is no longer needed, and record that it was done."""
    from prevent_portal.accounts.services import membership_end

    require_sysadmin(acting_user)
    answer = AccessReviewAnswer.objects.select_for_update().get(pk=answer.pk)
    if answer.acted_at is not None or answer.answer != AccessReviewAnswer.Answer.REMOVE:
        raise ValidationError("There is nothing to do for this answer")
    if answer.membership.is_active:
        membership_end(membership=answer.membership, acting_user=acting_user)
    answer.acted_by, answer.acted_at = acting_user, timezone.now()
    answer.save(update_fields=["acted_by", "acted_at"])


def unanswered_count(reviewer: User, today: date) -> int:
    quarter = quarter_of(today)
    return review_memberships(reviewer).exclude(Q(review_answers__quarter=quarter)).count()
