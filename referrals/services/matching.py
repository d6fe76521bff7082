"""Repeat-referral matching: finding likely earlier referrals of the same person, and the
Coordinator's decision on each."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals import matching
from referrals.models import (
    ChronologyEntry,
    Person,
    Referral,
    RepeatMatch,
    age_on,
)
from referrals.services.persons import ages_follow, keep_name_as_alias
from referrals.services.records import chronology_add

ALREADY_DECIDED = (
    "Someone else has already decided on this match. Nothing has been changed: "
    "check the page again."
)


def _decided_candidate_ids(person: Person) -> set[int]:
    return set(
        RepeatMatch.objects.filter(referral__person=person)
        .exclude(decision=RepeatMatch.Decision.PENDING)
        .values_list("candidate_id", flat=True)
    )


@transaction.atomic
def repeat_matches_refresh(*, referral: Referral, acting_user: User | None) -> list[RepeatMatch]:
    """Find the persons who are likely the subject of ``referral`` under another record and
    keep one pending RepeatMatch per candidate scoring at least ``matching.THRESHOLD``.

    A pair the Coordinator has already decided on (for any referral of this person) is never
    offered again. Pending matches that no longer score are removed; unchanged ones are not
    written again, so opening the page twice costs no writes. Returns the pending matches,
    best first."""
    person = referral.person
    decided = _decided_candidate_ids(person)
    candidates = matching.find_candidates(person, exclude_ids=decided)
    scored = matching.score_candidates(person, candidates)
    pending = {
        m.candidate_id: m
        for m in RepeatMatch.objects.filter(
            referral=referral, decision=RepeatMatch.Decision.PENDING
        )
    }
    kept = []
    for candidate, result in scored:
        match = pending.pop(candidate.pk, None)
        if match is None:
            match = RepeatMatch.objects.create(
                referral=referral, candidate=candidate, score=result.score, reasons=result.reasons
            )
        elif match.score != result.score or match.reasons != result.reasons:
            match.score, match.reasons = result.score, result.reasons
            match.save(update_fields=["score", "reasons"])
        kept.append(match)
    for stale in pending.values():
        stale.delete()
    return kept


def _references(referrals) -> str:
    return ", ".join(r.reference for r in referrals) or "none"


def _check_keep(keep: Mapping[str, str]) -> None:
    for name, choice in keep.items():
        if name not in matching.MERGE_FIELDS:
            raise ValueError(f"Not a detail a merge can keep: {name}")
        if choice not in (matching.EARLIER, matching.NEWER):
            raise ValueError(f"Keep the earlier or the newer {name}, not: {choice}")


def _keep_details(
    *, kept: Person, folded: Person, keep: Mapping[str, str], expected_version: int
) -> list[str]:
    """Copy onto ``kept`` each differing detail for which the newer value is chosen (or is
    the default); saved under optimistic locking. Returns the fields taken."""
    taken = []
    for diff in matching.detail_differences(kept, folded):
        if keep.get(diff.field, diff.default) == matching.NEWER:
            setattr(kept, diff.field, diff.newer)
            taken.append(diff.field)
    if taken:
        save_if_unchanged(kept, expected_version=expected_version, fields=taken)
    return taken


def _merge(*, folded: Person, kept: Person, expected_version: int, acting_user) -> list:
    """Fold ``folded`` into ``kept``: its referrals move, its names become aliases. The
    moved referrals' ages follow the kept record's date of birth."""
    keep_name_as_alias(kept=kept, given=folded.given_name, family=folded.family_name)
    for alias in folded.aliases.all():
        keep_name_as_alias(kept=kept, given=alias.given_name, family=alias.family_name)
    moved = list(folded.referrals.order_by("received_on", "pk"))
    for ref in moved:
        ref.person = kept
        ref.version += 1
        fields = ["person", "version", "updated_at"]
        if kept.date_of_birth is not None:
            ref.age_at_referral = age_on(kept.date_of_birth, ref.received_on)
            fields.append("age_at_referral")
        ref.save(update_fields=fields)
    folded.merged_into = kept
    save_if_unchanged(folded, expected_version=expected_version, fields=["merged_into"])
    # Suggestions about the folded record are out of date: the next refresh makes new ones.
    RepeatMatch.objects.filter(candidate=folded, decision=RepeatMatch.Decision.PENDING).delete()
    RepeatMatch.objects.filter(
        referral__in=moved, candidate=kept, decision=RepeatMatch.Decision.PENDING
    ).delete()
    return moved


@transaction.atomic
def repeat_match_decide(
    *,
    match: RepeatMatch,
    decision: str,
    acting_user: User,
    expected_version: int | None = None,
    expected_candidate_version: int | None = None,
    keep: Mapping[str, str] | None = None,
) -> RepeatMatch:
    """Record the Coordinator's decision on a suggested earlier referral.

    Confirmed: the two person records are the same person, so the newer record (the one
    created later) is folded into the earlier one: its referrals move to the earlier
    person, its name and aliases are kept as aliases there, and it points at the earlier
    record (``merged_into``). Of the details the two records disagree on
    (``matching.detail_differences``), the earlier record takes the newer value where
    ``keep`` says ``"newer"`` for that field, or by default when ``keep`` does not name it;
    the ages on the person's referrals follow the date of birth kept. Rejected: the pair is
    remembered and not offered again. Either way the referral's chronology says so; on a
    confirmation each earlier referral of the kept record also gets an entry naming the
    referrals that joined it.

    ``expected_version`` and ``expected_candidate_version`` are the versions of the
    referral's person and of the candidate the Coordinator saw; if either changed since,
    or the match was decided meanwhile, nothing is saved (StaleEdit). A ``keep`` naming
    another field or choice raises ValueError and saves nothing."""
    if decision not in (RepeatMatch.Decision.CONFIRMED, RepeatMatch.Decision.REJECTED):
        raise ValueError(f"Not a decision: {decision}")
    keep = dict(keep or {})
    _check_keep(keep)
    match = RepeatMatch.objects.select_for_update().select_related("referral").get(pk=match.pk)
    if match.decision != RepeatMatch.Decision.PENDING:
        raise StaleEdit(ALREADY_DECIDED)
    referral = match.referral
    persons = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(
            pk__in=[referral.person_id, match.candidate_id]
        )
    }
    subject, candidate = persons[referral.person_id], persons[match.candidate_id]
    if subject.merged_into_id or candidate.merged_into_id:
        raise StaleEdit(StaleEdit.message)
    if expected_version is not None and subject.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    if expected_candidate_version is not None and candidate.version != expected_candidate_version:
        raise StaleEdit(StaleEdit.message)
    earlier_refs = list(candidate.referrals.order_by("received_on", "pk"))

    match.decision = decision
    match.decided_by = acting_user
    match.decided_at = timezone.now()
    match.save(update_fields=["decision", "decided_by", "decided_at"])

    if decision == RepeatMatch.Decision.REJECTED:
        chronology_add(
            referral=referral,
            kind=ChronologyEntry.Kind.MATCH,
            text=(
                f"Not the same person as in earlier referrals {_references(earlier_refs)} "
                f"(match score {match.score}). This match will not be suggested again."
            ),
            acting_user=acting_user,
        )
        return match

    kept, folded = matching.earlier_and_newer(subject, candidate)
    kept_refs = (
        earlier_refs if kept is candidate else list(kept.referrals.order_by("received_on", "pk"))
    )
    taken = _keep_details(kept=kept, folded=folded, keep=keep, expected_version=kept.version)
    moved = _merge(
        folded=folded, kept=kept, expected_version=folded.version, acting_user=acting_user
    )
    if "date_of_birth" in taken and kept.date_of_birth is not None:
        ages_follow(person=kept, referrals=kept_refs)
    text = (
        f"Confirmed as the same person as in earlier referrals {_references(earlier_refs)} "
        f"(match score {match.score}). The person records were merged: referrals "
        f"{_references(moved)} moved to the earlier record."
    )
    if taken:
        labels = ", ".join(matching.DETAIL_LABELS[name].lower() for name in taken)
        text += f" Details taken from the newer record: {labels}."
    for ref in {referral.pk: referral, **{r.pk: r for r in moved}}.values():
        chronology_add(
            referral=ref, kind=ChronologyEntry.Kind.MATCH, text=text, acting_user=acting_user
        )
    # Whoever reads an earlier referral learns the person came back, and under which one.
    again = (
        f"Referred again: referrals {_references(moved)} were confirmed as being about the "
        f"same person (match score {match.score}) and are now on this person's record."
    )
    for ref in kept_refs:
        if ref.pk != referral.pk:
            chronology_add(
                referral=ref, kind=ChronologyEntry.Kind.MATCH, text=again, acting_user=acting_user
            )
    return match


__all__ = ["repeat_match_decide", "repeat_matches_refresh"]
