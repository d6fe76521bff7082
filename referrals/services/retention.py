"""Retention: the weekly sweep, the Coordinator's decisions and the deletion itself.

The rules of when a record falls due are in ``referrals/retention.py``; why deletion blanks
rather than removes rows, and how the append-only chronology lets it, in
docs/adr/0009-retention-and-erasure.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from prevent_portal.accounts.models import User
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals import retention
from referrals.models import (
    ChronologyEntry,
    CrossAreaRequest,
    CrossAreaRequestMatch,
    InformationRequest,
    Person,
    Referral,
    ReferralGroupGrant,
    ReferralUserGrant,
    RepeatMatch,
    RetentionReview,
    RetentionRule,
)

# What a chronology entry says once its referral's personal data is deleted. The database
# trigger accepts exactly this text, and only inside a deletion (see ``_blank_chronology``).
ERASED_TEXT = "Deleted under the retention schedule."
NOT_DUE = (
    "These records are no longer due for deletion: a referral is open, or the retention "
    "rules changed since they were queued. Nothing has been deleted."
)
DECIDED = (
    "Another Coordinator has already decided this review while you were looking at it. "
    "Nothing has been changed: reload the page to see their decision."
)


@dataclass(frozen=True)
class SweepResult:
    queued: int
    requeued: int


@transaction.atomic
def retention_sweep(*, today: date, acting_user: User | None) -> SweepResult:
    """Put every person past retention into the review queue: one ``RetentionReview`` per
    person, ever, so a second run adds nothing. A legal hold whose review date has come
    returns to the queue (the same row). Records under legal hold are not queued again."""
    queued = 0
    for due in retention.due_persons(today):
        _, created = RetentionReview.objects.get_or_create(
            person_id=due.person_id,
            defaults={
                "rule": due.rule,
                "closed_on": due.closed_on,
                "due_on": due.due_on,
                "queued_on": today,
            },
        )
        queued += created
    requeued = 0
    for review in RetentionReview.objects.select_for_update().filter(
        status=RetentionReview.Status.HELD, hold_review_on__lte=today
    ):
        review.status = RetentionReview.Status.DUE
        review.queued_on = today
        review.version += 1
        review.save(update_fields=["status", "queued_on", "version"])
        requeued += 1
    return SweepResult(queued=queued, requeued=requeued)


def _decide(review: RetentionReview, expected_version: int) -> RetentionReview:
    """Lock the review and check it is still the one the Coordinator saw, and still due."""
    locked = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if locked.version != expected_version or locked.status != RetentionReview.Status.DUE:
        raise StaleEdit(DECIDED)
    return locked


@transaction.atomic
def retention_hold(
    *,
    review: RetentionReview,
    reason: str,
    review_on: date | None,
    expected_version: int,
    acting_user: User,
) -> RetentionReview:
    """Keep a person's records past retention, with a reason (audited, masked) and an
    optional date on which the sweep puts them back in the queue. A review already decided
    by someone else since the Coordinator opened it raises StaleEdit."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Enter the reason for the legal hold")
    if review_on is not None and review_on <= timezone.localdate():
        raise ValueError("The date to review the hold must be in the future")
    locked = _decide(review, expected_version)
    locked.status = RetentionReview.Status.HELD
    locked.hold_reason = reason
    locked.hold_review_on = review_on
    locked.decided_by = acting_user
    locked.decided_at = timezone.now()
    save_if_unchanged(
        locked,
        expected_version=expected_version,
        fields=["status", "hold_reason", "hold_review_on", "decided_by", "decided_at"],
    )
    return locked


def _persons_of(person: Person) -> list[Person]:
    """The person and every person record folded into them by confirmed repeat matches."""
    found = [person]
    frontier = [person.pk]
    while frontier:
        folded = list(Person.objects.select_for_update().filter(merged_into_id__in=frontier))
        found += folded
        frontier = [p.pk for p in folded]
    return found


def _blank_chronology(referral_ids: list[int]) -> int:
    """Replace the text of each entry with ERASED_TEXT. The append-only trigger allows this
    one change, for rows of the referral named by the transaction-local setting
    ``prevent_portal.erasure``, and nothing else (ADR 0009)."""
    blanked = 0
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for referral_id in referral_ids:
            if postgres:
                cursor.execute(
                    "SELECT set_config('prevent_portal.erasure', %s, true)", [str(referral_id)]
                )
            for entry in ChronologyEntry.objects.filter(referral_id=referral_id).exclude(
                text=ERASED_TEXT
            ):
                entry.text = ERASED_TEXT
                entry.save(update_fields=["text"])
                blanked += 1
        if postgres:
            cursor.execute("SELECT set_config('prevent_portal.erasure', '', true)")
    return blanked


def _erase_referrals(persons: list[Person], referral_ids: list[int], now) -> dict[str, int]:
    """referrals' own part: blank what identifies or describes the person, delete what
    exists only for them, keep the statistical columns (ADR 0009)."""
    counts = {"chronology entries blanked": _blank_chronology(referral_ids)}
    requests = 0
    for request in InformationRequest.objects.filter(referral_id__in=referral_ids):
        request.question = ""
        request.response = ""
        request.closed_reason = ""  # why a request was withdrawn may describe the person
        request.save(update_fields=["question", "response", "closed_reason"])
        requests += 1
    counts["information requests blanked"] = requests
    # Requests to another area about these referrals: the reason and the reply describe the
    # person. Which of this area's persons matched another area's request exists only for
    # them. (Each area's own rows: the wall lets the erasing area reach exactly these.)
    asked = 0
    for request in CrossAreaRequest.objects.filter(referral_id__in=referral_ids):
        request.reason = request.reply = ""
        request.save(update_fields=["reason", "reply"])
        asked += 1
    counts["requests to other areas blanked"] = asked
    person_ids = [p.pk for p in persons]
    matches = RepeatMatch.objects.filter(referral_id__in=referral_ids) | RepeatMatch.objects.filter(
        candidate_id__in=person_ids
    )
    counts["repeat matches deleted"] = matches.delete()[0]
    counts["other areas' matches deleted"] = CrossAreaRequestMatch.objects.filter(
        person_id__in=person_ids
    ).delete()[0]
    grants = ReferralUserGrant.objects.filter(content_object_id__in=referral_ids).delete()[0]
    grants += ReferralGroupGrant.objects.filter(content_object_id__in=referral_ids).delete()[0]
    counts["referral shares deleted"] = grants
    aliases = 0
    referrals = Referral.objects.select_for_update().filter(pk__in=referral_ids).order_by("pk")
    for referral in referrals:
        referral.concern_summary = ""
        referral.outcome_reason = ""
        referral.depersonalised_at = now
        referral.version += 1
        referral.save(
            update_fields=[
                "concern_summary",
                "outcome_reason",
                "depersonalised_at",
                "version",
                "updated_at",
            ]
        )
    for person in persons:
        aliases += person.aliases.all().delete()[0]
        # Gender stays: the board figures count it. Age stays on each referral.
        person.given_name = person.family_name = ""
        person.date_of_birth = None
        person.address = person.postcode = ""
        person.school_or_employer = person.ethnicity = ""
        person.depersonalised_at = now
        person.version += 1
        person.save(
            update_fields=[
                "given_name",
                "family_name",
                "date_of_birth",
                "address",
                "postcode",
                "school_or_employer",
                "ethnicity",
                "depersonalised_at",
                "version",
            ]
        )
    counts["aliases deleted"] = aliases
    counts["person records de-personalised"] = len(persons)
    counts["referrals de-personalised"] = len(referral_ids)
    return counts


@transaction.atomic
def retention_delete(
    *, review: RetentionReview, acting_user: User, expected_version: int | None = None
) -> RetentionReview:
    """Delete the personal data of a person past retention and of all their referrals (and,
    through the registered erasers, of their Channel case), leaving de-personalised rows so
    past figures stay true. All or nothing. The review records the deletion, and its audit
    entry carries the deletion certificate: record references, counts, the rule, the
    approver and the time, and no personal data.

    Refused (StaleEdit) if the review was decided by someone else meanwhile; refused
    (ValueError) if the person is no longer due (a new referral, or longer rules)."""
    locked = _decide(review, review.version if expected_version is None else expected_version)
    person = Person.objects.select_for_update().get(pk=locked.person_id)
    persons = _persons_of(person)
    referrals = Referral.objects.filter(person__in=persons)
    today = timezone.localdate()
    if not [due for due in retention.due_persons(today, referrals) if due.person_id == person.pk]:
        raise ValueError(NOT_DUE)
    records = list(referrals.order_by("pk").values_list("pk", "reference"))
    referral_ids = [pk for pk, _ in records]
    now = timezone.now()
    counts: dict[str, int] = {}
    for eraser in retention.erasers().values():
        counts.update(eraser(referral_ids))
    counts.update(_erase_referrals(persons, referral_ids, now))
    rule: RetentionRule = locked.rule
    locked._certificate = {
        "person_record": person.pk,
        "referrals": [reference or f"Referral {pk}" for pk, reference in records],
        "counts": counts,
        "rule": {"code": rule.code, "name": rule.name, "years": rule.years},
        "closed_on": locked.closed_on.isoformat(),
        "due_on": locked.due_on.isoformat(),
        "approved_by": acting_user.pk,
        "approved_by_username": acting_user.get_username(),
        "deleted_at": now.isoformat(),
    }
    locked.status = RetentionReview.Status.DELETED
    locked.decided_by = acting_user
    locked.decided_at = now
    save_if_unchanged(
        locked,
        expected_version=locked.version,
        fields=["status", "decided_by", "decided_at"],
    )
    return locked


@transaction.atomic
def retention_rule_edit(
    *,
    rule: RetentionRule,
    years: int,
    young_person_until_age: int | None,
    expected_version: int,
    acting_user: User,
    area: Area | None = None,
) -> RetentionRule:
    """Change how long records closed under ``rule`` are kept (audited). Reviews already
    queued keep their dates; a deletion re-checks the person is still due under the rules
    in force then. StaleEdit if someone changed the rule since it was opened.

    ``area`` is the council area of the Coordinator making the change (issue 18): in a
    deployment of several areas the change is that area's alone, so a shared rule is not
    changed but overridden there (the override is made on the first change, and changed
    after); another area's override is refused. Without ``area`` (a single-council
    deployment, the admin) the rule itself is changed."""
    if years < 1:
        raise ValueError("The number of years must be 1 or more")
    if area is not None and rule.for_area_id not in (None, area.pk):
        raise PermissionDenied
    if area is not None and rule.for_area_id is None:
        own = RetentionRule.objects.filter(code=rule.code, for_area=area).first()
        if own is None:
            if rule.version != expected_version:
                raise StaleEdit(StaleEdit.message)
            override = RetentionRule(
                code=rule.code,
                name=rule.name,
                order=rule.order,
                for_area=area,
                years=years,
                young_person_until_age=young_person_until_age,
            )
            override.save()
            return override
        rule, expected_version = own, own.version
    rule.years = years
    rule.young_person_until_age = young_person_until_age
    save_if_unchanged(
        rule, expected_version=expected_version, fields=["years", "young_person_until_age"]
    )
    return rule


__all__ = [
    "ERASED_TEXT",
    "SweepResult",
    "retention_delete",
    "retention_hold",
    "retention_rule_edit",
    "retention_sweep",
]
