"""The vulnerability assessment: drafting and completing (channel_panel/assessments.py has the
rules of who drafts and who reads)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from channel_panel.assessments import (
    Assessment,
    AssessmentRating,
    drafts_assessments,
    factors_in_force,
)
from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import lock_in_place, save_if_unchanged
from referrals.models import Referral, case_work_referrals

RATING_FIELDS = ("rating", "evidence", "source_agency", "evidence_on")


def _require_drafter(referral: Referral, acting_user: User) -> None:
    """The Coordinator or the police Channel practitioner, who sees the referral or its
    case."""
    from channel_panel.models import ChannelCase

    if not drafts_assessments(acting_user):
        raise PermissionDenied("Only the Coordinator or the police Channel practitioner drafts it")
    sees = (
        case_work_referrals(acting_user).filter(pk=referral.pk).exists()
        or ChannelCase.objects.visible_to(acting_user).filter(referral_id=referral.pk).exists()
    )
    if not sees:
        raise PermissionDenied("No such referral")


def _require_assessable(referral: Referral) -> None:
    """Before the panel (passed to it, not yet a case) or while the case is open."""
    from channel_panel.models import ChannelCase

    case = ChannelCase.objects.filter(referral_id=referral.pk).first()
    if case is not None:
        if not case.is_open():
            raise ValueError("The Channel case is no longer open: no new assessment is recorded.")
    elif referral.status != Referral.Status.PASSED_TO_PANEL:
        raise ValueError(
            "Only a referral passed to the Channel Panel, or an open case, is assessed."
        )


def _check_date(referral: Referral, assessed_on: date) -> None:
    if assessed_on > timezone.localdate():
        raise ValueError("The date of the assessment cannot be in the future.")
    if assessed_on < referral.received_on:
        raise ValueError("The date of the assessment cannot be before the referral was received.")


@transaction.atomic
def assessment_draft_save(
    *,
    referral: Referral,
    assessed_on: date,
    ratings: dict[int, dict],
    summary: str,
    management_plan: str,
    acting_user: User,
    assessment: Assessment | None = None,
    expected_version: int | None = None,
) -> Assessment:
    """Start a draft assessment of ``referral`` (``assessment`` None) or save the author's own
    draft. Only the Coordinator or the police Channel practitioner who sees the referral or
    its case drafts; only before the panel or while the case is open; dated today or
    earlier, not before the referral. ``ratings`` maps a factor's id to its rating,
    evidence, source agency and evidence date; every factor in force on ``assessed_on`` gets
    a row (unknown unless given). A completed assessment is never changed: a review is a new
    assessment. Each rating is saved on its own, so the audit log records each change."""
    _require_drafter(referral, acting_user)
    locked = lock_in_place(referral)
    _require_assessable(locked)
    _check_date(locked, assessed_on)
    factors = list(factors_in_force(assessed_on))
    unknown = set(ratings) - {factor.pk for factor in factors}
    if unknown:
        raise ValueError("A factor rated is not in force on the date of the assessment.")
    if assessment is None:
        from channel_panel.models import ChannelCase

        if Assessment.objects.filter(
            referral=locked, author=acting_user, status=Assessment.Status.DRAFT
        ).exists():
            raise ValueError("You already have a draft assessment of this referral: continue it.")
        assessment = Assessment.objects.create(
            referral=locked,
            case=ChannelCase.objects.filter(referral_id=locked.pk).first(),
            assessed_on=assessed_on,
            summary=summary,
            management_plan=management_plan,
            author=acting_user,
        )
    else:
        if assessment.referral_id != locked.pk:
            raise ValueError("That assessment is of another referral.")
        if not assessment.is_draft or assessment.author_id != acting_user.pk:
            raise PermissionDenied("Only its author edits a draft; a completed one is locked")
        assessment.assessed_on = assessed_on
        assessment.summary = summary
        assessment.management_plan = management_plan
        save_if_unchanged(
            assessment,
            expected_version=expected_version,
            fields=["assessed_on", "summary", "management_plan"],
        )
    existing = {row.factor_id: row for row in assessment.ratings.all()}
    for factor in factors:
        given = ratings.get(factor.pk, {})
        values = {
            "rating": given.get("rating") or AssessmentRating.Rating.UNKNOWN,
            "evidence": (given.get("evidence") or "").strip(),
            "source_agency": given.get("source_agency"),
            "evidence_on": given.get("evidence_on"),
        }
        row = existing.pop(factor.pk, None)
        if row is None:
            AssessmentRating.objects.create(assessment=assessment, factor=factor, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    for stale in existing.values():
        # A factor no longer in force on the (changed) date of the draft.
        stale.delete()
    return assessment


def completion_problems(assessment: Assessment) -> list[str]:
    """What stops a draft being completed, as messages a user can act on."""
    problems = []
    if not assessment.summary.strip():
        problems.append("Write the summary conclusion.")
    if not assessment.management_plan.strip():
        problems.append("Write the management plan.")
    without_evidence = [
        row.factor.name
        for row in assessment.ratings.select_related("factor")
        if row.rating == AssessmentRating.Rating.PRESENT and not row.evidence.strip()
    ]
    if without_evidence:
        problems.append("Give the evidence for each factor present: " + ", ".join(without_evidence))
    return problems


@transaction.atomic
def assessment_complete(
    *, assessment: Assessment, expected_version: int, acting_user: User
) -> Assessment:
    """Complete the author's draft: with a summary conclusion, a management plan and evidence
    for every factor rated present. Once completed it is locked (append-only: a review adds
    a new assessment) and the panel sees it in the pack."""
    _require_drafter(assessment.referral, acting_user)
    if not assessment.is_draft or assessment.author_id != acting_user.pk:
        raise PermissionDenied("Only its author completes a draft; a completed one is locked")
    # The case may have closed since the draft was saved.
    _require_assessable(Referral.objects.select_for_update().get(pk=assessment.referral_id))
    problems = completion_problems(assessment)
    if problems:
        raise ValueError(" ".join(problems))
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    save_if_unchanged(
        assessment, expected_version=expected_version, fields=["status", "completed_at"]
    )
    return assessment


__all__ = ["assessment_complete", "assessment_draft_save", "completion_problems"]
