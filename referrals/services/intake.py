"""Referral intake: a referrer's draft, answered one question page at a time, and its
submission as a referral."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.access import agency_ids_for, has_role
from prevent_portal.accounts.addressees import holders
from prevent_portal.accounts.models import Agency, Role, User
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue
from referrals.forms.intake import (
    STEPS_BY_SLUG,
    AreaForm,
    SourceForm,
    alias_names,
    draft_validate,
)
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import ConcernType, NeedsFlag, Person, PersonAlias, Referral, ReferralDraft
from referrals.services.matching import repeat_matches_refresh
from referrals.services.records import referral_record

# Who may make a referral: the owning agency is the one where they hold one of these roles.
INTAKE_ROLES = (Role.REFERRER, Role.SPOC, Role.COORDINATOR)


class IntakeIncomplete(Exception):
    """The draft cannot be submitted: ``problems`` says which pages to fix and why."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("The referral is not complete")
        self.problems = problems


def may_record_for_others(user: User) -> bool:
    """The Prevent Coordinator types in referrals made by phone, e-mail or letter, and so
    records who made them and when they arrived; anyone else refers for their own agency,
    today."""
    return has_role(user, Role.COORDINATOR)


def _source(draft: ReferralDraft, acting_user: User, date_of_birth) -> dict:
    """Who referred and when: the Coordinator's answers on the "referred by" page, checked
    again with that page's rules, or else the draft's agency (and its sector), today."""
    raw = draft.data.get(SourceForm.SLUG)
    if not isinstance(raw, dict):
        return {
            "referring_agency": draft.agency,
            "referring_organisation": "",
            "referring_sector": draft.agency.sector,
            "received_on": timezone.localdate(),
        }
    if not may_record_for_others(acting_user):
        raise IntakeIncomplete(
            [(SourceForm.SLUG, "Only the Prevent Coordinator records who made a referral")]
        )
    form = SourceForm(data=raw, date_of_birth=date_of_birth)
    if not form.is_valid():
        raise IntakeIncomplete(
            [
                (SourceForm.SLUG, f"Referred by: {e}")
                for errors in form.errors.values()
                for e in errors
            ]
        )
    data = form.cleaned_data
    agency = data["referring_agency"]
    return {
        "referring_agency": agency,
        "referring_organisation": data["referring_organisation"],
        "referring_sector": data["referring_sector"] or agency.sector,
        "received_on": data["received_on"],
    }


def intake_agencies(user: User) -> list[Agency]:
    """Active agencies where ``user`` holds a role that may make a referral."""
    ids = agency_ids_for(user, INTAKE_ROLES)
    return list(Agency.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def agency_areas(agency: Agency) -> list:
    """The council areas ``agency`` serves, by name: where its referrals may go."""
    return list(agency.areas.order_by("name", "pk"))


def draft_area(draft: ReferralDraft):
    """The council area a draft's referral goes to: the one its agency serves. A partner
    serving several areas says which on the draft (``data["area"]``, one of its areas: the
    intake's "council area" page)."""
    served = agency_areas(draft.agency)
    if len(served) == 1:
        return served[0]
    chosen = draft.data.get(AreaForm.SLUG)
    for area in served:
        if str(area.pk) == str(chosen):
            return area
    raise IntakeIncomplete([(AreaForm.SLUG, "Select the council area the person lives in")])


@transaction.atomic
def referral_draft_save(
    *, agency: Agency | None, step: str, answers: dict, acting_user: User
) -> ReferralDraft:
    """Keep one page's valid answers in the user's draft (one draft per user), creating it
    on the first page answered. The agency must be one the user may refer for; ``None``
    keeps the draft's agency. The "area" step keeps the council area chosen
    (``answers["area"]``), which must be one the draft's agency serves."""
    if step not in ("agency", AreaForm.SLUG, SourceForm.SLUG) and step not in STEPS_BY_SLUG:
        raise ValueError(f"Unknown intake step {step!r}")
    if step == SourceForm.SLUG and not may_record_for_others(acting_user):
        raise PermissionError("Only the Prevent Coordinator records who made a referral")
    allowed = {a.pk: a for a in intake_agencies(acting_user)}
    draft = ReferralDraft.objects.select_for_update().filter(author=acting_user).first()
    if agency is None:
        agency = draft.agency if draft else None
        if (agency is None or agency.pk not in allowed) and len(allowed) == 1:
            # No draft yet, or the user no longer refers for the draft's agency: their one
            # agency it is.
            agency = next(iter(allowed.values()))
    if agency is None or agency.pk not in allowed:
        raise PermissionError("This user may not make a referral for that agency")
    if draft is None:
        draft = ReferralDraft(author=acting_user, agency=agency, data={})
    draft.agency = agency
    if step == AreaForm.SLUG:
        chosen = str(answers.get(AreaForm.SLUG, ""))
        if chosen not in {str(a.pk) for a in agency_areas(agency)}:
            raise ValueError("That council area is not one the agency serves")
        draft.data = {**draft.data, AreaForm.SLUG: chosen}
    elif step != "agency":
        draft.data = {**draft.data, step: answers}
    draft.save()
    return draft


@transaction.atomic
def referral_draft_discard(*, acting_user: User) -> bool:
    """Delete the user's draft, if any. Nothing of it is kept."""
    draft = ReferralDraft.objects.filter(author=acting_user).first()
    if draft is None:
        return False
    draft.delete()
    return True


@transaction.atomic
def referral_submit(*, draft: ReferralDraft, acting_user: User) -> Referral:
    """Turn a complete draft into a referral, all or nothing.

    Every answer is validated again with the rules of its page (a lookup retired since it
    was chosen, or an answer kept by an older version of a page, is refused). The person
    and their other names are recorded, the referral is owned by the draft's agency and comes
    from it, received today, unless the Prevent Coordinator recorded who referred (another
    agency or an organisation, its sector) and the date received (lifecycle step
    ``receive``: not in the future, not before the person's birth); the draft is deleted,
    and every active coordinator is told a referral arrived, by reference only: no personal
    data leaves in a notification. Likely earlier referrals of the same person are looked
    for at once.
    """
    if draft.author_id != acting_user.pk:
        raise PermissionError("Only the author of a draft may submit it")
    draft = (
        ReferralDraft.objects.select_for_update().select_related("agency__sector").get(pk=draft.pk)
    )
    if draft.agency_id not in {a.pk for a in intake_agencies(acting_user)}:
        raise IntakeIncomplete(
            [("agency", "You can no longer make referrals for the agency of this draft")]
        )
    check = draft_validate(draft.data)
    if check.problems:
        raise IntakeIncomplete([(step.slug, message) for step, message in check.problems])
    data = check.cleaned
    source = _source(draft, acting_user, data["date_of_birth"])
    refused = REFERRAL_LIFECYCLE.needed(
        "receive", None, received_on=source["received_on"], date_of_birth=data["date_of_birth"]
    )
    if refused:  # before anything is written: the same rules referral_record enforces
        raise IntakeIncomplete([(SourceForm.SLUG, sentence) for sentence in refused])
    area = draft_area(draft)
    person = Person.objects.create(
        area=area,
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
        gender=data["gender"],
        address=data["address"],
        postcode=data["postcode"],
        school_or_employer=data["school_or_employer"],
    )
    for given, family in alias_names(data["aliases"]):
        PersonAlias.objects.create(person=person, given_name=given, family_name=family)
    referral = referral_record(
        person=person,
        owning_agency=draft.agency,
        **source,
        concern_summary=data["concern_summary"],
        concern_types=ConcernType.objects.filter(pk__in=data["concern_types"]),
        needs_flags=NeedsFlag.objects.filter(pk__in=data["needs_flags"]),
        person_awareness=data["person_awareness"],
        referrer=acting_user,
        acting_user=acting_user,
    )
    draft.delete()
    # Look for earlier referrals of the same person now, so the triage queue and page say
    # so before anyone opens the earlier-referrals page.
    repeat_matches_refresh(referral=referral, acting_user=acting_user)
    # The Coordinators of the referral's own area only: another council's must not learn
    # that it exists, nor its reference.
    for coordinator in holders(Role.COORDINATOR, referral.area_id):
        notification_queue(
            dedup_key=f"referral-received:{referral.pk}:{coordinator.pk}",
            kind="referral_received",
            record=referral,
            recipient=coordinator,
            subject=f"New referral {referral.reference} received",
            body=(
                f"A new referral, {referral.reference}, has been received and is waiting "
                f"for triage.\n\nSign in to read it: {site_link('referrals:triage', referral.pk)}\n"
            ),
        )
    return referral


__all__ = [
    "INTAKE_ROLES",
    "IntakeIncomplete",
    "intake_agencies",
    "may_record_for_others",
    "referral_draft_discard",
    "referral_draft_save",
    "referral_submit",
]
