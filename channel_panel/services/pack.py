"""Time-limited panel-pack access: the invitees of a meeting may open the cases on its
agenda from PANEL_PACK_OPENS_DAYS_BEFORE days before it until PANEL_PACK_CLOSES_DAYS_AFTER
days after it, and not otherwise.

Access is an ordinary guardian grant (to a named user, with a start and an expiry), so the
one access module decides sight. Guardian keeps one grant row per user, permission and
record, so when several meetings want the same user to see the same record the grant
carries the earliest window that has not yet closed (overlapping windows merged); once it
expires, the expiry sweep deletes it and the next sync grants the next window. PackGrant
rows say which meetings and items a grant serves; a grant whose reason no longer starts
with PACK_REASON was taken over by an explicit share and is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    ChannelCaseUserGrant,
    PackGrant,
    PanelMeeting,
)
from prevent_portal.accounts.grants import ShareRefused, object_share
from prevent_portal.accounts.models import User
from referrals.models import Referral, ReferralUserGrant

PACK_REASON = "Channel Panel pack"


def pack_window_bounds(meeting: PanelMeeting) -> tuple[datetime, datetime]:
    """When the meeting's pack access opens and closes: from the start of its first day to
    the end of its last day, local time."""
    first, last = meeting.pack_window()
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), tz)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz)
    return start, end


def pack_is_open(meeting: PanelMeeting, now: datetime | None = None) -> bool:
    start, end = pack_window_bounds(meeting)
    return start <= (now or timezone.now()) < end


def _item_target(item: AgendaItem) -> Referral | ChannelCase | None:
    """What an agenda item lets its invitees see: a new referral, or the case under review;
    nothing for other business, or for a case that has left the panel's hands (exited or
    closed, and not up for its post-exit review)."""
    if item.kind == AgendaItem.Kind.NEW:
        return item.referral
    if item.kind == AgendaItem.Kind.REVIEW:
        return item.case if item.case and item.case.is_open() else None
    if item.kind == AgendaItem.Kind.POST_EXIT:
        return item.case
    return None


def _wanted(now: datetime) -> dict[tuple[type, int, int], list[tuple[datetime, datetime, int]]]:
    """(target model, target pk, user pk) -> [(window start, window end, item pk)] for every
    meeting whose window has not closed."""
    from django.conf import settings

    earliest = timezone.localdate(now) - timedelta(days=settings.PANEL_PACK_CLOSES_DAYS_AFTER)
    # Locking the meetings makes concurrent syncs take turns.
    meetings = list(
        PanelMeeting.objects.select_for_update(of=("self",))
        .filter(meets_on__gte=earliest)
        .order_by("pk")
        .prefetch_related("invitees", "items__case", "items__referral")
    )
    wanted: dict = defaultdict(list)
    for meeting in meetings:
        start, end = pack_window_bounds(meeting)
        if end <= now:
            continue
        invitees = list(meeting.invitees.all())
        for item in meeting.items.all():
            target = _item_target(item)
            if target is None:
                continue
            for invitee in invitees:
                if invitee.for_item_id not in (None, item.pk):
                    continue
                wanted[(type(target), target.pk, invitee.user_id)].append((start, end, item.pk))
    return wanted


def _first_window(windows: list[tuple[datetime, datetime, int]]):
    """The earliest window, merged with every window that overlaps or touches it."""
    windows = sorted(windows)
    start, end, _ = windows[0]
    items = []
    for w_start, w_end, item_pk in windows:
        if w_start > end:
            break
        end = max(end, w_end)
        items.append(item_pk)
    return start, end, items


def _grant_model(model: type):
    return ReferralUserGrant if model is Referral else ChannelCaseUserGrant


def _current_view_grants(wanted) -> dict[tuple[type, int, int], object]:
    """(grant model, target pk, user pk) -> the first view grant that user already holds on
    that record, pack or explicit: one query per grant model, whatever the agenda size."""
    found: dict[tuple[type, int, int], object] = {}
    for model in (Referral, ChannelCase):
        keys = [(pk, user_pk) for (m, pk, user_pk) in wanted if m is model]
        if not keys:
            continue
        grant_model = _grant_model(model)
        grants = grant_model.objects.filter(
            user_id__in={user_pk for _, user_pk in keys},
            content_object_id__in={pk for pk, _ in keys},
            permission__codename__startswith="view_",
        ).order_by("pk")
        for grant in grants:
            found.setdefault((grant_model, grant.content_object_id, grant.user_id), grant)
    return found


@transaction.atomic
def pack_grants_sync(*, acting_user: User | None = None, now: datetime | None = None) -> int:
    """Make the pack grants match every open or future meeting's agenda and invitees:
    grant what is missing, move windows that changed, and delete pack grants nobody needs
    any more. Idempotent; runs after each agenda or invitee change and every 15 minutes.
    Returns the number of grants created, changed or deleted."""
    now = now or timezone.now()
    wanted = _wanted(now)
    changes = 0
    existing = list(PackGrant.objects.select_related("referral_grant", "case_grant"))
    by_grant: dict = defaultdict(list)
    for link in existing:
        grant = link.referral_grant or link.case_grant
        by_grant[(type(grant), grant.pk)].append(link)

    kept: set = set()
    targets = {Referral: {}, ChannelCase: {}}
    for model in targets:
        pks = {pk for (m, pk, _) in wanted if m is model}
        targets[model] = model.objects.in_bulk(pks)
    users = User.objects.in_bulk({user_pk for (_, _, user_pk) in wanted})
    meeting_of = dict(
        AgendaItem.objects.filter(
            pk__in={item_pk for windows in wanted.values() for *_, item_pk in windows}
        ).values_list("pk", "meeting_id")
    )
    current = _current_view_grants(wanted)
    for (model, target_pk, user_pk), windows in wanted.items():
        start, end, item_pks = _first_window(windows)
        grant_model = _grant_model(model)
        target = targets[model][target_pk]
        grant = current.get((grant_model, target_pk, user_pk))
        if grant is not None and not grant.reason.startswith(PACK_REASON):
            continue  # an explicit share already covers it
        if grant is None or (grant.starts_at, grant.expires_at) != (start, end):
            try:
                grant = object_share(
                    obj=target,
                    to_user=users[user_pk],
                    reason=f"{PACK_REASON}: on a meeting's agenda",
                    starts_at=start,
                    expires_at=end,
                    acting_user=acting_user,
                )
            except ShareRefused:
                # No longer works in the record's area (grants.works_in_area): no pack
                # access, and any pack grant they held ends below.
                continue
            changes += 1
        kept.add((grant_model, grant.pk))
        links = by_grant.get((grant_model, grant.pk), [])
        have = {link.item_id for link in links}
        field = "referral_grant" if grant_model is ReferralUserGrant else "case_grant"
        for item_pk in set(item_pks) - have:
            PackGrant.objects.create(
                meeting_id=meeting_of[item_pk], item_id=item_pk, **{field: grant}
            )
        for link in links:
            if link.item_id not in item_pks:
                link.delete()
    for key, links in by_grant.items():
        if key in kept:
            continue
        grant = links[0].referral_grant or links[0].case_grant
        if grant.reason.startswith(PACK_REASON):
            grant.delete()  # its PackGrant rows go with it
            changes += 1
        else:
            for link in links:
                link.delete()
    return changes


@transaction.atomic
def pack_grants_revoke(*, case: ChannelCase, acting_user: User | None = None) -> int:
    """End at once every pack grant on a case and on its referral (ownership has returned to
    an agency). Returns how many grants were removed."""
    links = PackGrant.objects.filter(case_grant__content_object=case) | PackGrant.objects.filter(
        referral_grant__content_object_id=case.referral_id
    )
    grants = {}
    for link in links.select_related("referral_grant", "case_grant"):
        grant = link.referral_grant or link.case_grant
        if grant.reason.startswith(PACK_REASON):
            grants[(type(grant), grant.pk)] = grant
    for grant in grants.values():
        grant.delete()
    return len(grants)


__all__ = [
    "PACK_REASON",
    "pack_grants_revoke",
    "pack_grants_sync",
    "pack_is_open",
    "pack_window_bounds",
]
