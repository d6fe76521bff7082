"""What waits on the home page from the Channel Panel (prevent_portal/core/work_waiting.py):
agenda items without a decision, consents due at 18, overdue support contacts, post-exit
reviews due, the chair's next meeting and minutes to approve, the packs open to an invitee.
Cases and items are counted through ``visible_to``; meetings name staff only."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from channel_panel.models import AgendaItem, ChannelCase, Decision, PanelMeeting
from prevent_portal.core.work_waiting import DUE, INFO, OVERDUE, Item, Provider, plural


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


# --- The rules the meeting list's ``waiting`` filter shares with the home page -------------
def decisions_waiting_q(today: date) -> Q:
    """Meetings where decisions should have been recorded: held (minutes not yet approved),
    or planned on a day that has passed."""
    return Q(status=PanelMeeting.Status.HELD) | Q(
        status=PanelMeeting.Status.PLANNED, meets_on__lt=today
    )


def undecided_items(user, today: date):
    """Case items ``user`` may open, with no decision, on meetings that have taken place.

    The items waiting are chosen first and only they are checked against ``visible_to``:
    written the other way round, PostgreSQL checked every agenda item of the instance
    against the user's visible cases and referrals before finding the few undecided ones
    (110 ms of the Coordinator's home page at scale 1, issue 18; now under 1 ms when
    nothing waits)."""
    started = PanelMeeting.objects.filter(decisions_waiting_q(today)).values("pk")
    waiting = AgendaItem.objects.undecided().filter(meeting__in=started)
    return AgendaItem.objects.visible_to(user).filter(pk__in=waiting.values("pk"))


def packs_open(user, today: date):
    """Meetings that invited ``user`` (for the whole meeting or one item) whose pack window
    includes ``today``."""
    return PanelMeeting.objects.filter(
        PanelMeeting.pack_open_q(today), pk__in=_invited_to(user)
    ).order_by("meets_on", "pk")


def _invited_to(user):
    from channel_panel.models import Invitee

    return Invitee.objects.filter(user=user).values("meeting_id")


def minutes_to_approve(user):
    """Held meetings ``user`` chairs whose minutes wait for their approval."""
    return PanelMeeting.objects.filter(chair=user, status=PanelMeeting.Status.HELD).order_by(
        "meets_on", "pk"
    )


def _one_or_list(meetings: list[tuple[int, date]], waiting: str, single: str) -> str:
    """The one meeting's page, or the meeting list filtered to them."""
    if len(meetings) == 1:
        return reverse(single, args=[meetings[0][0]])
    return _url("channel_panel:meetings", waiting=waiting)


# --- Providers ------------------------------------------------------------------------------
def agenda_undecided(user, today: date):
    rows = list(
        undecided_items(user, today)
        .order_by()
        .values("meeting_id")
        .annotate(n=Count("pk"))
        .values_list("meeting_id", "n")
    )
    count = sum(n for _, n in rows)
    if not count:
        yield Item(key="agenda_undecided", label="", url="", count=0)
        return
    url = (
        _url("channel_panel:meeting_detail", rows[0][0]) + "#agenda"
        if len(rows) == 1
        else _url("channel_panel:meetings", waiting="undecided")
    )
    yield Item(
        key="agenda_undecided",
        label=plural(count, "agenda item with no decision", "agenda items with no decision"),
        url=url,
        count=count,
        urgency=OVERDUE,
        detail=plural(len(rows), "meeting already held or past", "meetings already held or past"),
    )


def _case_item(key, count, one, many, waiting, urgency):
    return Item(
        key=key,
        label=plural(count, one, many),
        # "Any status" named, so the list's filter form shows what it applied.
        url=_url("channel_panel:case_list", status="all", waiting=waiting),
        count=count,
        urgency=urgency,
    )


def consent_due(user, today: date):
    count = len(ChannelCase.objects.visible_to(user).needing_own_consent(today))
    yield _case_item(
        "consent_due",
        count,
        "case where the person has turned 18: ask for their own consent",
        "cases where the person has turned 18: ask for their own consent",
        "consent",
        DUE,
    )


def contacts_overdue(user, today: date):
    count = ChannelCase.objects.visible_to(user).contact_overdue(today).count()
    yield _case_item(
        "contacts_overdue",
        count,
        "case with a support contact overdue",
        "cases with a support contact overdue",
        "contact",
        OVERDUE,
    )


def reviews_due(user, today: date):
    count = ChannelCase.objects.visible_to(user).post_exit_review_due(today).count()
    yield _case_item(
        "reviews_due",
        count,
        "case with a post-exit review due",
        "cases with a post-exit review due",
        "review",
        DUE,
    )


def next_meeting(user, today: date):
    """The next meeting the user chairs: its day, its agenda, and who is not yet invited
    from the core agencies (quorum needs someone from each)."""
    meeting = (
        PanelMeeting.objects.visible_to(user)
        .filter(PanelMeeting.upcoming_q(today), chair=user)
        .order_by("meets_on", "pk")
        .first()
    )
    if meeting is None:
        return
    # Counted through the access module like every other count here: the chair sees the
    # items of a meeting they chair, and a count never covers more than that. The undecided
    # are counted on the same rows (``undecided()``'s rule: no decision; "other business"
    # is already left out): as ``pk IN`` a second visible_to of the items, the statement
    # worked out the chair's visible cases twice (36 ms of the chair's home page at scale 1).
    items = AgendaItem.objects.visible_to(user).filter(meeting=meeting)
    counts = items.exclude(kind=AgendaItem.Kind.OTHER).aggregate(
        total=Count("pk"),
        undecided=Count("pk", filter=~Exists(Decision.objects.filter(item=OuterRef("pk")))),
    )
    meeting.items_total, undecided = counts["total"], counts["undecided"]
    invited = meeting.invitees.filter(for_item=None).values("agency_id")
    missing = list(meeting.core_agencies.exclude(pk__in=invited).values_list("name", flat=True))
    quorum = (
        "Quorum: someone is invited from every core agency."
        if not missing
        else f"Quorum: no one invited yet from {', '.join(sorted(missing))}."
    )
    yield Item(
        key="next_meeting",
        label=f"Next meeting: {_day(meeting.meets_on)}",
        url=_url("channel_panel:meeting_detail", meeting.pk),
        urgency=INFO,
        detail=(
            f"{plural(meeting.items_total, 'case item', 'case items')} on the agenda, "
            f"{undecided} without a decision. {quorum}"
        ),
    )


def minutes_waiting(user, today: date):
    meetings = list(minutes_to_approve(user).values_list("pk", "meets_on"))
    if not meetings:
        yield Item(key="minutes_waiting", label="", url="", count=0)
        return
    yield Item(
        key="minutes_waiting",
        label=plural(
            len(meetings),
            "meeting's minutes waiting for your approval",
            "meetings' minutes waiting for your approval",
        ),
        url=_one_or_list(meetings, "minutes", "channel_panel:meeting_detail"),
        count=len(meetings),
        urgency=DUE,
        detail=", ".join(_day(day) for _, day in meetings[:3]),
    )


def packs(user, today: date):
    meetings = list(packs_open(user, today).values_list("pk", "meets_on"))
    if not meetings:
        yield Item(key="packs_open", label="", url="", count=0)
        return
    label = (
        f"Panel pack open for the meeting on {_day(meetings[0][1])}"
        if len(meetings) == 1
        else f"{len(meetings)} panel packs open to you"
    )
    yield Item(
        key="packs_open",
        label=label,
        url=_one_or_list(meetings, "packs", "channel_panel:pack"),
        count=len(meetings),
        urgency=DUE,
    )


def meeting_actions(user, today: date):
    """Open actions from panel meetings that ``user`` owns (or their agency owns, as its
    SPOC) and may see: overdue ones first (the reminder ``channel_panel.meeting_action_due``
    reads the same ``open()`` rule)."""
    from channel_panel.models import MeetingAction

    # Whether the user owns any open action is asked first, of the owner fields alone (a
    # yes or no that is never shown): most users own none, and building the actions' sight
    # rules (each item's case and referral, each meeting's panel) for nothing cost 3.5 ms of
    # the Coordinator's home page and 10 ms of the chair's at scale 1. What is counted is
    # still only what visible_to lets through.
    if not MeetingAction.objects.owned_by(user).open().exists():
        yield Item(key="meeting_actions", label="", url="", count=0)
        return
    mine = MeetingAction.objects.visible_to(user).owned_by(user).open()
    counts = mine.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    total, overdue = counts["total"], counts["overdue"]
    if not total:
        yield Item(key="meeting_actions", label="", url="", count=0)
        return
    yield Item(
        key="meeting_actions",
        label=plural(total, "open action from panel meetings", "open actions from panel meetings"),
        url=_url("channel_panel:meeting_actions"),
        count=total,
        urgency=OVERDUE if overdue else DUE,
        detail=f"{overdue} overdue" if overdue else "",
    )


PROVIDERS = [
    Provider("channel_panel.agenda_undecided", "coordinator", agenda_undecided,
             "agenda items without a decision", order=30),
    Provider("channel_panel.consent_due", "coordinator", consent_due,
             "consents due at 18", order=40),
    Provider("channel_panel.contacts_overdue", "coordinator", contacts_overdue,
             "support contacts overdue", order=50),
    Provider("channel_panel.reviews_due", "coordinator", reviews_due,
             "post-exit reviews due", order=60),
    Provider("channel_panel.next_meeting", "chair", next_meeting, "your next meeting", order=10),
    Provider("channel_panel.minutes", "chair", minutes_waiting, "minutes to approve", order=20),
    Provider("channel_panel.packs", "partner", packs, "panel packs open to you", order=10),
    # Action owners are the panel and the agencies' SPOCs (ACTION_OWNER_ROLES): each of
    # their panels lists the actions they own.
    Provider("channel_panel.meeting_actions", "partner", meeting_actions,
             "your actions from panel meetings", order=20),
    Provider("channel_panel.chair_meeting_actions", "chair", meeting_actions,
             "your actions from panel meetings", order=30),
    Provider("channel_panel.coordinator_meeting_actions", "coordinator", meeting_actions,
             "your actions from panel meetings", order=90),
    Provider("channel_panel.partner_contacts_overdue", "partner", contacts_overdue,
             "your cases' support contacts", order=30),
]  # fmt: skip
