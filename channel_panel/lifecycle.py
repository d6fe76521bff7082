"""The Channel Panel's lifecycles: every state change of a meeting, an agenda item's decision
and a Channel case, with its preconditions, in one table a reviewer can read in one sitting.

Services call ``<LIFECYCLE>.require(step, record, **context)`` before they write; views call
``<LIFECYCLE>.needed(step, record, **context)`` to tell the user what is still needed. The
framework is ``prevent_portal/core/lifecycle.py``; ``docs/architecture.md`` prints these
tables (a test keeps them the same).
"""

from __future__ import annotations

from prevent_portal.core.lifecycle import ANY_STATE, Lifecycle, Transition, condition

# --- Meetings and decisions -------------------------------------------------------------
# (filled by the meetings work: holding a meeting, quorum, decisions and corrections)

# --- Channel cases ----------------------------------------------------------------------
# A case is "proposed" until case_adopt creates it (an unsaved ChannelCase is checked), then
# open; it exits with an authority (the panel's exit decision at a held meeting, or the
# chair's agreement recorded outside a meeting) and closes when its last post-exit review
# is held. Conditions read the case and the keyword context the service passes; a condition
# about a value the caller did not pass (a view asking "what is still needed?" before the
# form is filled) holds, so the page lists only what the case itself still lacks.

CASE_PROPOSED = "proposed"


def _case_state(case) -> str:
    return CASE_PROPOSED if case.pk is None else case.status


def exit_decision_for(case):
    """The panel's current (uncorrected) exit decision on this case at a meeting that was
    held, or None."""
    from channel_panel.models import Decision, PanelMeeting

    return (
        Decision.objects.current()
        .filter(
            item__case_id=case.pk,
            outcome=Decision.Outcome.EXIT,
            item__meeting__status__in=[
                PanelMeeting.Status.HELD,
                PanelMeeting.Status.MINUTES_APPROVED,
            ],
        )
        .select_related("item__meeting")
        .order_by("-recorded_at", "-pk")
        .first()
    )


def works_in_case_role(user, agency) -> bool:
    """An active user with an active membership of ``agency`` in a case role: they see the
    agency's cases, so they can hold one."""
    from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership

    return bool(
        user is not None
        and agency is not None
        and user.is_active
        and Membership.objects.active()
        .filter(user=user, agency=agency, role__in=AGENCY_CASE_ROLES)
        .exists()
    )


def _code(reason) -> str | None:
    return getattr(reason, "code", None)


def _consent_reason_for(case) -> str | None:
    """The exit reason a refusal or withdrawal of consent calls for, or None."""
    from channel_panel.models import ExitReason

    ended = case.consent_ended()
    if ended is None:
        return None
    return ExitReason.CONSENT_REFUSED if ended.is_refusal else ExitReason.CONSENT_WITHDRAWN


# Adoption
@condition("The referral must be passed to the Channel Panel before it can be adopted.")
def referral_passed_to_panel(case, **context):
    from referrals.models import Referral

    return case.referral.status == Referral.Status.PASSED_TO_PANEL


@condition("The referral must not already be a Channel case.")
def referral_not_yet_a_case(case, **context):
    from channel_panel.models import ChannelCase

    return not ChannelCase.objects.filter(referral_id=case.referral_id).exists()


@condition("The case manager must work for the lead agency in a case role.")
def manager_works_for_lead_agency(case, **context):
    return works_in_case_role(case.case_manager, case.lead_agency)


# Consent
@condition("Consent is already given: record its withdrawal instead of a refusal.")
def no_live_consent(case, **context):
    return case.live_consent() is None


@condition("This consent has already been withdrawn, or was a refusal.")
def consent_is_live(case, *, consent=None, **context):
    return consent is None or consent.is_live


# Support
@condition(
    "Consent was refused or withdrawn: Channel is voluntary, so no support can be added. "
    "Record the person's consent if they now give it, or exit the case with signposting."
)
def consent_not_ended(case, **context):
    return case.consent_ended() is None


# The chair's agreement to an exit outside a meeting
@condition("Only a Channel Panel chair can record the chair's agreement to an exit.")
def acting_user_chairs(case, *, acting_user=None, **context):
    from prevent_portal.accounts.access import has_role
    from prevent_portal.accounts.models import Role

    return acting_user is not None and has_role(acting_user, Role.PANEL_CHAIR)


@condition("The chair's agreement to this exit is already recorded.")
def no_exit_agreement_yet(case, **context):
    return case.exit_agreed_on is None


# Exit
@condition(
    "An exit needs the panel's exit decision at a held meeting, or the chair's agreement "
    "recorded outside a meeting: ask the chair to record it on this case."
)
def exit_authorised(case, **context):
    return case.exit_agreed_on is not None or exit_decision_for(case) is not None


@condition("A case cannot exit before the day it was adopted.")
def exit_not_before_adoption(case, *, exited_on=None, **context):
    return exited_on is None or exited_on >= case.adopted_on


@condition('"Ownership returned" needs the agency that receives the case.')
def ownership_returned_has_agency(case, *, reason=None, return_ownership_to=None, **context):
    from channel_panel.models import ExitReason

    return _code(reason) != ExitReason.OWNERSHIP_RETURNED or return_ownership_to is not None


@condition('To return ownership to an agency, choose "ownership returned" as the reason.')
def returned_agency_has_reason(case, *, reason=None, return_ownership_to=None, **context):
    from channel_panel.models import ExitReason

    return (
        reason is None
        or return_ownership_to is None
        or _code(reason) == ExitReason.OWNERSHIP_RETURNED
    )


@condition("Name the case manager in the agency that receives the case.")
def returned_manager_named(case, *, return_ownership_to=None, **context):
    if return_ownership_to is None:
        return True
    return context.get("returned_case_manager") is not None


@condition("The new case manager must be an active member of the receiving agency in a case role.")
def returned_manager_works_there(case, *, return_ownership_to=None, **context):
    manager = context.get("returned_case_manager")
    if return_ownership_to is None or manager is None:
        return True
    return works_in_case_role(manager, return_ownership_to)


@condition(
    'Consent was refused or withdrawn: the reason for exit must be "consent refused" or '
    '"consent withdrawn", as recorded.'
)
def consent_ended_reason_given(case, *, reason=None, **context):
    wanted = _consent_reason_for(case)
    return reason is None or wanted is None or _code(reason) == wanted


@condition(
    'The reason "consent refused" or "consent withdrawn" needs the refusal or '
    "withdrawal recorded under Consent first."
)
def consent_reason_matches_record(case, *, reason=None, **context):
    from channel_panel.models import ExitReason

    consent_codes = {ExitReason.CONSENT_REFUSED, ExitReason.CONSENT_WITHDRAWN}
    return _code(reason) not in consent_codes or _code(reason) == _consent_reason_for(case)


@condition(
    "An exit after consent was refused or withdrawn needs the service the person was signposted to."
)
def consent_exit_signposted(case, *, reason=None, **context):
    if "signposted_to" not in context:
        return True
    return _consent_reason_for(case) is None or context["signposted_to"] is not None


# Post-exit reviews and closure
@condition("This review has already been recorded.")
def review_not_held(case, *, review=None, **context):
    return review is None or review.held_on is None


@condition("A post-exit review cannot be held before the exit.")
def review_not_before_exit(case, *, held_on=None, **context):
    return held_on is None or case.exited_on is None or held_on >= case.exited_on


@condition("Every post-exit review must be held before the case closes.")
def all_reviews_held(case, **context):
    return not case.reviews.filter(held_on__isnull=True).exists()


OPEN, EXITED, CLOSED = "open", "exited", "closed"

CASE_LIFECYCLE = Lifecycle(
    name="channel_panel.case",
    noun="Channel case",
    state=_case_state,
    state_labels={
        CASE_PROPOSED: "Not yet a case",
        OPEN: "Open",
        EXITED: "Exited",
        CLOSED: "Closed",
    },
    transitions=[
        Transition(
            "adopt",
            "Adopt as a Channel case",
            source=(CASE_PROPOSED,),
            target=OPEN,
            conditions=(
                referral_passed_to_panel,
                referral_not_yet_a_case,
                manager_works_for_lead_agency,
            ),
        ),
        Transition("record_consent", "Record consent given", source=(OPEN,), target=None),
        Transition(
            "refuse_consent",
            "Record consent refused",
            source=(OPEN,),
            target=None,
            conditions=(no_live_consent,),
        ),
        Transition(
            "withdraw_consent",
            "Record consent withdrawn",
            source=(OPEN,),
            target=None,
            conditions=(consent_is_live,),
        ),
        Transition(
            "change_needs_flags",
            "Add or remove a needs flag",
            source=(OPEN, EXITED),
            target=None,
        ),
        Transition(
            "add_support",
            "Add a support action",
            source=(OPEN,),
            target=None,
            conditions=(consent_not_ended,),
        ),
        Transition(
            "change_support",
            "Change a support action or record a contact",
            source=(OPEN, EXITED),
            target=None,
        ),
        Transition("add_note", "Add a note", source=(ANY_STATE,), target=None),
        Transition(
            "agree_exit",
            "Record the chair's agreement to exit",
            source=(OPEN,),
            target=None,
            conditions=(acting_user_chairs, no_exit_agreement_yet),
        ),
        Transition(
            "exit",
            "Exit Channel",
            source=(OPEN,),
            target=EXITED,
            conditions=(
                exit_authorised,
                exit_not_before_adoption,
                ownership_returned_has_agency,
                returned_agency_has_reason,
                returned_manager_named,
                returned_manager_works_there,
                consent_ended_reason_given,
                consent_reason_matches_record,
                consent_exit_signposted,
            ),
        ),
        Transition(
            "record_review",
            "Record a post-exit review",
            source=(EXITED,),
            target=None,
            conditions=(review_not_held, review_not_before_exit),
        ),
        Transition(
            "close",
            "Close the case",
            source=(EXITED,),
            target=CLOSED,
            conditions=(all_reviews_held,),
        ),
    ],
    audited_fields=(
        "status",
        "exit_reason",
        "exited_on",
        "ownership_returned_to",
        "lead_agency",
        "case_manager",
        "exit_decision",
        "exit_agreed_on",
        "closed_on",
    ),
)
