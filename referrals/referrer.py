"""When the work on a referral has finished, as its referrer is told.

A referral closed at triage, or not adopted by the panel, has status "closed". An adopted
referral keeps its status "passed to the Channel Panel" for good: its work goes on as a
Channel case, which referrals does not know about. Apps standing on referrals register a
condition (a ``Q`` on Referral, one join at most) that says the work has finished, so the
referrer's pages read "Closed" once the case has ended, in the same query:

    from referrals import referrer
    referrer.register_finished(Q(channel_case__status__in=[...]))
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q

_FINISHED: list[Q] = []


def register_finished(condition: Q) -> None:
    """Add a condition under which a referral's work has finished (AppConfig.ready())."""
    if condition not in _FINISHED:
        _FINISHED.append(condition)


def finished_q() -> Q:
    """The referral's work has finished: closed, or any registered condition holds."""
    condition = Q(status="closed")
    for extra in _FINISHED:
        condition |= extra
    return condition


def with_finished(queryset):
    """``queryset`` with ``work_finished`` on each referral, for the referrer's pages."""
    return queryset.annotate(
        work_finished=ExpressionWrapper(finished_q(), output_field=BooleanField())
    )
