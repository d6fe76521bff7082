"""factory_boy factories. Every name is invented."""

import itertools
from datetime import date

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Agency, Membership, Role, Sector, User
from prevent_portal.areas.models import Area
from referrals.models import Person, Referral

TEST_PASSWORD = "correct horse battery staple 42"


def sector(code: str = "health") -> Sector:
    return Sector.objects.get(code=code)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Test agency {n}")
    short_code = factory.Sequence(lambda n: f"agency-{n}")
    sector = factory.LazyFunction(sector)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.agency_create(
            name=kwargs["name"],
            short_code=kwargs["short_code"],
            sector=kwargs["sector"],
            is_core_panel_member=kwargs.get("is_core_panel_member", False),
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


def member(role: str, agency: Agency, **user_kwargs) -> User:
    """A user holding ``role`` at ``agency``, with a confirmed TOTP device."""
    user = UserFactory(**user_kwargs)
    services.membership_grant(user=user, agency=agency, role=role, acting_user=None)
    TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = date(2000, 1, 1)
    postcode = "ZZ9 9ZZ"
    # The first council area (the one migrations make, the world's) unless a test names
    # another: with two areas the model's own default is none, on purpose.
    area = factory.LazyFunction(lambda: Area.objects.order_by("pk").first())


def referral(agency: Agency, *, referrer: User | None = None, **kwargs) -> Referral:
    from referrals.services import referral_record

    return referral_record(
        person=kwargs.pop("person", None) or PersonFactory(),
        owning_agency=agency,
        referring_sector=agency.sector,
        received_on=kwargs.pop("received_on", date(2026, 11, 1)),
        concern_summary=kwargs.pop("concern_summary", "A fictional concern"),
        referrer=referrer,
        acting_user=None,
    )


def closed_referral(
    agency: Agency,
    *,
    closed_on: date = date(2015, 6, 1),
    outcome: str = "no-further-action",
    person: Person | None = None,
    acting_user: User | None = None,
    **kwargs,
) -> Referral:
    """A referral of ``agency`` received and closed at triage on ``closed_on`` (by default in
    2015, so past retention): an adult's, unless ``person`` says otherwise."""
    from referrals.models import Outcome, SignpostingService
    from referrals.services import referral_outcome_record

    person = person or PersonFactory(date_of_birth=date(1980, 5, 5))
    made = referral(agency, person=person, received_on=closed_on, **kwargs)
    signposted = SignpostingService.objects.first() if outcome == Outcome.SIGNPOSTED else None
    return referral_outcome_record(
        referral=made,
        outcome=Outcome.objects.get(code=outcome),
        reason="A fictional reason",
        signposted_to=signposted,
        decided_on=closed_on,
        expected_version=made.version,
        acting_user=acting_user,
    )


# --- Channel Panel ------------------------------------------------------------------------
def panel_referral(agency: Agency, *, assessed: bool = False, **kwargs) -> Referral:
    """A referral of ``agency`` passed to the Channel Panel at triage, its police gateway
    cleared first (the lifecycle allows nothing else), with a completed vulnerability
    assessment if ``assessed`` is True. The panel adopts only with a current assessment
    (issue 17): a test that adopts the referral asks for one (``channel_case`` does); the
    others go without, as the assessment is some 70 audited queries (~0.15 s) a referral."""
    from referrals.models import GatewayResult, Outcome
    from referrals.services import referral_gateway_record, referral_outcome_record

    made = referral(agency, **kwargs)
    made = referral_gateway_record(
        referral=made,
        gateway_outcome=GatewayResult.CLEARED,
        checked_on=made.received_on,
        expected_version=made.version,
        acting_user=None,
    )
    passed = referral_outcome_record(
        referral=made,
        outcome=Outcome.objects.get(code=Outcome.PASSED_TO_PANEL),
        reason="Vulnerable to radicalisation; consent likely",
        expected_version=made.version,
        acting_user=None,
    )
    if assessed:
        assessment(passed)
    return passed


def assessment(referral: Referral, *, author: User | None = None, on: date | None = None, **kw):
    """A completed vulnerability assessment of ``referral`` through the services, by the
    Coordinator unless ``author`` is given, dated today (or the day the referral was
    received, if later) unless ``on`` is given. ``present`` names factor codes rated
    present (with evidence); the rest are not present. ``evidence`` maps a code to its
    evidence text."""
    from django.utils import timezone

    from channel_panel.assessments import factors_in_force
    from channel_panel.services import assessment_complete, assessment_draft_save

    if author is None:
        author = User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(role=Role.COORDINATOR),
        ).first() or member(Role.COORDINATOR, referral.owning_agency)
    on = on or max(timezone.localdate(), referral.received_on)
    present = set(kw.pop("present", ()))
    evidence = kw.pop("evidence", {})
    ratings = {
        factor.pk: {
            "rating": "present" if factor.code in present else "not_present",
            "evidence": evidence.get(factor.code)
            or ("Seen in the referral" if factor.code in present else ""),
        }
        for factor in factors_in_force(on)
    }
    draft = assessment_draft_save(
        referral=referral,
        assessed_on=on,
        ratings=ratings,
        summary=kw.pop("summary", "A fictional summary conclusion"),
        management_plan=kw.pop("management_plan", "A fictional management plan"),
        acting_user=author,
    )
    return assessment_complete(assessment=draft, expected_version=draft.version, acting_user=author)


def meeting(chair: User, meets_on: date | None = None, **kwargs):
    """A planned panel meeting, with the core agencies' panel members invited."""
    from channel_panel.services import meeting_schedule

    return meeting_schedule(
        meets_on=meets_on or date(2026, 12, 3), chair=chair, acting_user=chair, **kwargs
    )


def held(meeting):
    """``meeting`` marked held by its chair (without quorum, confirmed with a reason): the
    state in which adoption and exit decisions may be recorded."""
    from channel_panel.services import meeting_mark_held

    meeting.refresh_from_db()
    return meeting_mark_held(
        meeting=meeting,
        expected_version=meeting.version,
        acting_user=meeting.chair,
        confirm_inquorate=True,
        inquorate_reason="Test meeting",
    )


def channel_case(lead_agency: Agency, case_manager: User, *, referral_agency=None, **kwargs):
    """An open Channel case led by ``lead_agency`` (its referral owned by
    ``referral_agency``, the lead agency by default), adopted without a meeting."""
    from channel_panel.services import case_adopt

    made = panel_referral(referral_agency or lead_agency, assessed=True, **kwargs)
    return case_adopt(
        referral=made,
        lead_agency=lead_agency,
        case_manager=case_manager,
        adopted_on=made.received_on,
        acting_user=None,
    )


# --- Governance ---------------------------------------------------------------------------
_BOARD_NUMBERS = itertools.count(1)


def board(lead_officer: User, **kwargs):
    """A board on the update schedule (annual unless said), through the service."""
    from governance.models import Frequency
    from governance.services import board_create

    return board_create(
        name=kwargs.pop("name", None) or f"Test board {next(_BOARD_NUMBERS)}",
        frequency=kwargs.pop("frequency", Frequency.ANNUAL),
        lead_officer=lead_officer,
        acting_user=None,
        **kwargs,
    )


def action_item(*, owner_agency: Agency | None = None, owner_officer: User | None = None, **kw):
    """An item under action 1 of a strategy period (made if not given), through services."""
    from governance.models import PriorityAction, Rag
    from governance.services import (
        action_item_create,
        priority_action_create,
        strategy_period_create,
    )

    action = kw.pop("action", None)
    if action is None:
        period = kw.pop("period", None) or strategy_period_create(
            data={
                "name": "Test strategy",
                "starts_on": date(2026, 1, 1),
                "ends_on": date(2028, 12, 31),
            },
            acting_user=None,
        )
        action = PriorityAction.objects.filter(period=period, number=1).first() or (
            priority_action_create(
                period=period,
                data={"number": 1, "title": "Partnerships", "objective": "Work together."},
                acting_user=None,
            )
        )
    data = {
        "description": kw.pop("description", "A fictional action"),
        "owner_agency": owner_agency,
        "owner_officer": owner_officer,
        "due_on": kw.pop("due_on", None),
        "rag": kw.pop("rag", Rag.GREEN),
    }
    return action_item_create(action=action, data=data, acting_user=None)


# --- Channel case exits -------------------------------------------------------------------
def exit_agreed(case, chair: User | None = None):
    """The chair's agreement to ``case``'s exit, recorded outside a meeting: an exit needs it
    or the panel's exit decision at a held meeting. Any active panel chair agrees unless
    ``chair`` is given. Returns the case, its version moved on."""
    from channel_panel.services import case_exit_agree

    if chair is None:
        chair = User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.active().filter(role=Role.PANEL_CHAIR),
        ).first() or member(Role.PANEL_CHAIR, case.lead_agency)
    case_exit_agree(
        case=case, agreed_on=case.adopted_on, reason="Agreed by e-mail.", acting_user=chair
    )
    return case


def case_manager_at(agency: Agency) -> User:
    """An active member of ``agency`` in a case role, to receive a case whose ownership is
    returned there (one is made, a SPOC, if the agency has none)."""
    from prevent_portal.accounts.models import AGENCY_CASE_ROLES

    found = User.objects.filter(
        is_active=True,
        memberships__in=Membership.objects.active().filter(
            agency=agency, role__in=AGENCY_CASE_ROLES
        ),
    ).first()
    return found or member(Role.SPOC, agency)


def consent_ended(case, on: date, *, refused: bool = False):
    """The person refused Channel on ``on``, or gave consent on adoption and withdrew it on
    ``on`` (an adult answering for themselves)."""
    from channel_panel.services import consent_record, consent_withdraw

    manager = case.case_manager
    if refused:
        return consent_record(
            case=case, given_by="person", given_on=on, answer="refused", acting_user=manager
        )
    consent = consent_record(
        case=case, given_by="person", given_on=case.adopted_on, acting_user=manager
    )
    return consent_withdraw(
        consent=consent,
        withdrawn_on=on,
        withdrawn_by="person",
        expected_version=consent.version,
        acting_user=manager,
    )
