"""Synthetic Channel Panel meetings, agendas, decisions and cases (issue 8).

A national deployment has many panels: one per 120 meetings (ten years of monthly meetings),
each with a chair, core agencies and the agencies it serves. Every referral the referrals
generator passed to panel goes on the next meeting of its agency's panel; a meeting already
held decides it (about 45% adopted, the rest signposted), adopted cases are reviewed at each
later meeting until they exit (three to nine reviews), post-exit reviews fall 6 and 12 months
after exit. Meetings still to come carry their agendas, undecided, and their invitees hold
the time-limited panel-pack grants on the items, as ``pack_sync`` would give them.

Council areas (issue 18): each area has its own panel, chaired by the area's chair and sitting
with core agencies serving the area; a meeting belongs to its chair's area, a referral goes
on its own area's panel, and the case it becomes belongs to the referral's area.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Role
from prevent_portal.core import synthetic
from prevent_portal.core.synthetic import YEARS
from prevent_portal.core.synthetic.bulk import allocate_ids, copy_rows
from referrals.models import ADULT_AGE, ChronologyEntry, Referral, ReferralUserGrant
from referrals.models import SignpostingService as Signposting

from .models import (
    AgendaItem,
    Attendance,
    ChannelCase,
    ChannelCaseUserGrant,
    Consent,
    Decision,
    ExitReason,
    Invitee,
    PackGrant,
    PanelMeeting,
    PostExitReview,
    SupportAction,
    SupportType,
)

MEETINGS_PER_PANEL = 12 * YEARS
ADOPTION_RATE = 0.45
PACK_REASON = "Panel pack: on a meeting's agenda"


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _with_ids(model, rows: list[dict]) -> list[dict]:
    for row, pk in zip(rows, allocate_ids(model, len(rows)), strict=True):
        row["id"] = pk
    return rows


def generate(ctx) -> None:
    if PanelMeeting.objects.count() >= ctx.size("panel_meetings"):
        return
    rng = ctx.rng("channel_panel")
    today = ctx.today
    n_meetings = ctx.size("panel_meetings")
    users_by_role = ctx.objects["users_by_role"]
    by_agency_role = ctx.objects["users_by_agency_role"]
    # One panel per council area: panel p sits in areas[p].
    areas = ctx.objects["areas"]
    n_panels = len(areas)
    area_users = ctx.objects["area_users_by_role"]
    agency_areas = ctx.objects["agency_areas"]
    first_coordinator = users_by_role[Role.COORDINATOR][0]
    council = Agency.objects.get(short_code="council").pk
    coordinators = [area_users.get((a, Role.COORDINATOR), [first_coordinator])[0] for a in areas]
    chairs = [
        area_users.get((a, Role.PANEL_CHAIR), [coordinators[p]])[0] for p, a in enumerate(areas)
    ]
    # The agency each chair holds their role at: the meeting's council seat.
    chair_agency = {
        user: agency
        for (agency, role), users in by_agency_role.items()
        if role in (Role.PANEL_CHAIR, Role.COORDINATOR)
        for user in users
    }
    panel_of_area = {area: p for p, area in enumerate(areas)}
    core = defaultdict(list)
    for agency in ctx.objects["core_agencies"]:
        for area in agency_areas.get(agency, []):
            core[panel_of_area[area]].append(agency)

    # Meetings: each panel monthly over ten years, the last ones still to come.
    per_panel = math.ceil(n_meetings / n_panels)
    meetings = []
    for k in range(per_panel):
        for p in range(n_panels):
            if len(meetings) == n_meetings:
                break
            # Each panel's last meeting falls in the four weeks ahead.
            back = round((per_panel - 1 - k) * 30.4 + p * 30.4 / n_panels)
            day = today + timedelta(days=28 - back)
            meetings.append((day, p))
    meetings.sort()
    meeting_rows = _with_ids(
        PanelMeeting,
        [
            {
                "area_id": areas[p],
                "meets_on": day,
                "starts_at": time(10),
                "location": "Council offices, committee room 2",
                "mode": PanelMeeting.Mode.IN_PERSON if k % 3 else PanelMeeting.Mode.ONLINE,
                "chair_id": chairs[p],
                "status": (
                    PanelMeeting.Status.MINUTES_APPROVED
                    if day < today - timedelta(days=14)
                    else PanelMeeting.Status.HELD
                    if day < today
                    else PanelMeeting.Status.PLANNED
                ),
                # Held (by the chair, the afternoon of the day) once it had started.
                "held_by_id": chairs[p] if day < today else None,
                "held_at": _at(day, 13) if day < today else None,
                "inquorate_reason": "",
                "minutes_approved_by_id": (chairs[p] if day < today - timedelta(days=14) else None),
                "minutes_approved_at": _at(day + timedelta(days=10))
                if day < today - timedelta(days=14)
                else None,
                "created_by_id": coordinators[p],
                "created_at": _at(day - timedelta(days=30)),
                "version": 1,
            }
            for k, (day, p) in enumerate(meetings)
        ],
    )
    copy_rows(ctx, PanelMeeting, meeting_rows)
    panel_of = {row["id"]: p for row, (_, p) in zip(meeting_rows, meetings, strict=True)}
    copy_rows(
        ctx,
        PanelMeeting.core_agencies.through,
        (
            {"panelmeeting_id": row["id"], "agency_id": agency}
            for row in meeting_rows
            for agency in core[panel_of[row["id"]]][:6]
        ),
        label="channel_panel.PanelMeeting_core_agencies",
    )

    # Invitees (the chair and the core agencies' panel members) and, once held, attendance.
    invitees, attendance = [], []
    invited: dict[int, list[int]] = {}
    for row in meeting_rows:
        people = [(row["chair_id"], chair_agency.get(row["chair_id"], council))]
        for agency in core[panel_of[row["id"]]][:6]:
            people += [(u, agency) for u in by_agency_role.get((agency, Role.PANEL_MEMBER), [])]
        invited[row["id"]] = [u for u, _ in people]
        for user, agency in people:
            invitees.append({"meeting_id": row["id"], "user_id": user, "agency_id": agency})
            if row["meets_on"] < today:
                present = rng.random() < 0.85
                attendance.append(
                    {
                        "meeting_id": row["id"],
                        "user_id": user,
                        "name": "",
                        "agency_id": agency,
                        "status": Attendance.Status.PRESENT
                        if present
                        else Attendance.Status.APOLOGIES,
                        "recorded_by_id": row["chair_id"],
                    }
                )
    copy_rows(ctx, Invitee, _with_ids(Invitee, invitees))
    copy_rows(ctx, Attendance, _with_ids(Attendance, attendance))
    _held_as_the_lifecycle_requires(meeting_rows, attendance, core, panel_of)

    # Referrals passed to panel, by the panel of their area, in order of decision.
    waiting = defaultdict(list)
    for pk, decided, agency, age, area in (
        Referral.objects.filter(
            status=Referral.Status.PASSED_TO_PANEL, agenda_items=None, channel_case=None
        )
        .order_by("decided_on", "pk")
        .values_list("pk", "decided_on", "owning_agency_id", "age_at_referral", "area_id")
    ):
        waiting[panel_of_area[area]].append((pk, decided, agency, age))

    _agendas(ctx, rng, meeting_rows, panel_of, waiting, invited, coordinators)


def _held_as_the_lifecycle_requires(meeting_rows, attendance, core, panel_of) -> None:
    """Held meetings obey the meeting lifecycle (channel_panel/lifecycle.py): where a core
    agency was missing, the chair gave a reason for holding it without quorum. Straight
    into the table, like the rest of this generator (no audit, no chronology)."""
    present = defaultdict(set)
    for row in attendance:
        if row["status"] == Attendance.Status.PRESENT:
            present[row["meeting_id"]].add(row["agency_id"])
    inquorate = [
        row["id"]
        for row in meeting_rows
        if row["status"] != PanelMeeting.Status.PLANNED
        and set(core[panel_of[row["id"]]][:6]) - present[row["id"]]
    ]
    PanelMeeting.objects.filter(pk__in=inquorate).update(
        inquorate_reason=(
            "Apologies from a core agency, with a written update; the cases could not wait."
        )
    )


def _agendas(ctx, rng, meeting_rows, panel_of, waiting, invited, coordinators) -> None:
    today = ctx.today
    by_agency_role = ctx.objects["users_by_agency_role"]
    # Shared services only: an area's own is never named on another area's case.
    signposts = list(Signposting.objects.filter(for_area__isnull=True).values_list("pk", flat=True))
    # The case lifecycle's rules, kept as the services would keep them: "ownership returned"
    # needs a receiving case manager (not generated), and a consent reason needs the
    # refusal or withdrawal recorded and signposting (done in _exit for a withdrawal).
    exit_reasons = list(
        ExitReason.objects.exclude(
            code__in=[ExitReason.OWNERSHIP_RETURNED, ExitReason.CONSENT_REFUSED]
        ).values_list("pk", "code")
    )
    support_types = list(SupportType.objects.values_list("pk", flat=True))
    months = (6, 12)
    items, decisions, cases, consents, actions, reviews, entries = [], [], [], [], [], [], []
    adopted, not_adopted, still_open = [], [], []
    open_cases: dict[int, list[dict]] = defaultdict(list)  # panel -> cases under review
    queue = {p: list(rows) for p, rows in waiting.items()}
    case_ids = iter(allocate_ids(ChannelCase, sum(len(r) for r in waiting.values())))
    pack: list[tuple[int, dict, int]] = []  # (meeting, item, user) for meetings to come

    for meeting in meeting_rows:
        day, p, mid = meeting["meets_on"], panel_of[meeting["id"]], meeting["id"]
        coordinator = coordinators[p]
        held = day < today
        chair = meeting["chair_id"]
        position = 0
        new = []
        while queue.get(p) and queue[p][0][1] + timedelta(days=2) <= day:
            new.append(queue[p].pop(0))
        for pk, _, agency, age in new:
            position += 1
            item = {"meeting_id": mid, "position": position, "kind": AgendaItem.Kind.NEW}
            item |= {"referral_id": pk, "case_id": None, "added_by_id": coordinator}
            items.append(item)
            if not held:
                still_open.append(pk)
                continue
            adopt = rng.random() < ADOPTION_RATE
            decisions.append(
                {
                    "item": item,
                    "outcome": Decision.Outcome.ADOPT if adopt else Decision.Outcome.NOT_ADOPT,
                    "rationale": "Agreed by the panel after hearing the partners.",
                    "signposted_to_id": None if adopt else rng.choice(signposts),
                    "recorded_by_id": chair,
                    "recorded_at": _at(day, 12),
                }
            )
            if not adopt:
                not_adopted.append(pk)
                continue
            case_id = next(case_ids)
            manager = (by_agency_role.get((agency, Role.SPOC)) or [coordinator])[0]
            case = {
                "id": case_id,
                "area_id": meeting["area_id"],
                "reference": f"CC-{day.year}-{case_id:05d}",
                "referral_id": pk,
                "lead_agency_id": agency,
                "case_manager_id": manager,
                "adopted_on": day,
                "adopted_at_meeting_id": mid,
                "status": ChannelCase.Status.OPEN,
                "exit_reason_id": None,
                "exit_signposted_to_id": None,
                "exited_on": None,
                "closed_on": None,
                "created_at": _at(day, 13),
                "version": 1,
                "_reviews_left": rng.randint(3, 9),
            }
            cases.append(case)
            adopted.append(pk)
            open_cases[p].append(case)
            case["_consent"] = consent = {
                "case_id": case_id,
                "given_by": Consent.GivenBy.PARENT
                if age is not None and age < ADULT_AGE
                else Consent.GivenBy.PERSON,
                "given_on": day + timedelta(days=rng.randint(1, 14)),
                "recorded_by_id": manager,
                "recorded_at": _at(day + timedelta(days=14)),
                "withdrawn_on": None,
                "withdrawn_by": "",
                "version": 1,
            }
            consents.append(consent)
            for _ in range(rng.randint(1, 2)):
                actions.append(
                    {
                        "case_id": case_id,
                        "support_type_id": rng.choice(support_types),
                        "description": "Regular sessions agreed with the person.",
                        "owner_agency_id": agency,
                        "status": SupportAction.Status.ACTIVE,
                        "last_contact_on": day + timedelta(days=7),
                        "next_contact_due": day + timedelta(days=rng.randint(20, 60)),
                        "created_by_id": manager,
                        "created_at": _at(day, 14),
                        "version": 1,
                        "_case": case,
                    }
                )
            entries.append(
                (pk, ChronologyEntry.Kind.CASE_ADOPTED, "Adopted as a Channel case.", day)
            )

        for case in list(open_cases[p]):
            if case["adopted_on"] >= day:
                continue
            position += 1
            item = {"meeting_id": mid, "position": position, "kind": AgendaItem.Kind.REVIEW}
            item |= {"referral_id": case["referral_id"], "case_id": case["id"]}
            item |= {"added_by_id": coordinator}
            items.append(item)
            if not held:
                continue
            case["_reviews_left"] -= 1
            leaving = case["_reviews_left"] <= 0
            decisions.append(
                {
                    "item": item,
                    "outcome": Decision.Outcome.EXIT if leaving else Decision.Outcome.CONTINUE,
                    "rationale": "Progress reviewed with the case manager.",
                    "signposted_to_id": None,
                    "recorded_by_id": meeting["chair_id"],
                    "recorded_at": _at(day, 12),
                }
            )
            if leaving:
                open_cases[p].remove(case)
                reason, code = rng.choice(exit_reasons)
                if code == ExitReason.CONSENT_WITHDRAWN:
                    consent = case["_consent"]
                    consent["withdrawn_on"] = max(consent["given_on"], day - timedelta(days=7))
                    consent["withdrawn_by"] = consent["given_by"]
                    case["exit_signposted_to_id"] = rng.choice(signposts)
                _exit(case, day, reason, months, reviews, today)
        if not held:
            pack += [
                (mid, item, user)
                for item in items
                if item["meeting_id"] == mid
                for user in invited[mid]
            ]

    # The agenda items of one meeting share a referral at most once (a constraint).
    _write(ctx, items, decisions, cases, consents, actions, reviews, entries)
    _pack_grants(ctx, pack, meeting_rows)
    _referrals(adopted, not_adopted, cases)


def _exit(case, day, reason, months, reviews, today) -> None:
    case["status"] = ChannelCase.Status.EXITED
    case["exited_on"] = day
    case["exit_reason_id"] = reason
    held_all = True
    for m in months:
        due = day + timedelta(days=round(m * 30.4))
        held = due if due < today else None
        held_all = held_all and held is not None
        reviews.append(
            {"case_id": case["id"], "months_after_exit": m, "due_on": due, "held_on": held}
        )
    if held_all:
        case["status"] = ChannelCase.Status.CLOSED
        case["closed_on"] = reviews[-1]["held_on"]


def _write(ctx, items, decisions, cases, consents, actions, reviews, entries) -> None:
    # Cases before the agenda items that name them: a walled table's COPY as its owner runs
    # the deferred foreign-key checks first (bulk._owner_bypass), so every row must find the
    # rows it points to already written, not at commit.
    for case in cases:
        case.pop("_reviews_left")
        case.pop("_consent")
    copy_rows(ctx, ChannelCase, cases)
    _with_ids(AgendaItem, items)
    copy_rows(ctx, AgendaItem, items)
    for decision in decisions:
        decision["item_id"] = decision.pop("item")["id"]
        decision["version"] = 1
    copy_rows(ctx, Decision, _with_ids(Decision, decisions))
    copy_rows(ctx, Consent, _with_ids(Consent, consents))
    for action in actions:
        case = action.pop("_case")
        if case["status"] != ChannelCase.Status.OPEN:
            action["status"] = SupportAction.Status.COMPLETED
            action["next_contact_due"] = None
    copy_rows(ctx, SupportAction, _with_ids(SupportAction, actions))
    copy_rows(ctx, PostExitReview, _with_ids(PostExitReview, reviews))
    copy_rows(
        ctx,
        ChronologyEntry,
        _with_ids(
            ChronologyEntry,
            [
                {"referral_id": pk, "kind": kind, "text": text, "created_at": _at(day, 13)}
                for pk, kind, text, day in entries
            ],
        ),
    )


def _pack_grants(ctx, pack, meeting_rows) -> None:
    """The time-limited grants a meeting still to come gives its invitees, as pack_sync does:
    one grant per user and record (on the case for a review, on the referral otherwise),
    from days before the meeting to days after it."""
    days = {row["id"]: row["meets_on"] for row in meeting_rows}
    view_referral = Permission.objects.get(codename="view_referral").pk
    view_case = Permission.objects.get(codename="view_channelcase").pk
    referral_grants, case_grants, links = {}, {}, []
    for mid, item, user in pack:
        day = days[mid]
        fields = {
            "permission_id": view_case if item["case_id"] else view_referral,
            "user_id": user,
            "reason": PACK_REASON,
            "granted_at": timezone.now(),
            "starts_at": _at(day - timedelta(days=settings.PANEL_PACK_OPENS_DAYS_BEFORE), 0),
            "expires_at": _at(day + timedelta(days=settings.PANEL_PACK_CLOSES_DAYS_AFTER), 23),
        }
        if item["case_id"]:
            key = (user, item["case_id"])
            grant = case_grants.setdefault(key, fields | {"content_object_id": item["case_id"]})
        else:
            key = (user, item["referral_id"])
            grant = referral_grants.setdefault(
                key, fields | {"content_object_id": item["referral_id"]}
            )
        links.append((mid, item, grant))
    copy_rows(ctx, ReferralUserGrant, _with_ids(ReferralUserGrant, list(referral_grants.values())))
    copy_rows(
        ctx, ChannelCaseUserGrant, _with_ids(ChannelCaseUserGrant, list(case_grants.values()))
    )
    copy_rows(
        ctx,
        PackGrant,
        _with_ids(
            PackGrant,
            [
                {
                    "meeting_id": mid,
                    "item_id": item["id"],
                    "referral_grant_id": None if item["case_id"] else grant["id"],
                    "case_grant_id": grant["id"] if item["case_id"] else None,
                }
                for mid, item, grant in links
            ],
        ),
    )


def _referrals(adopted, not_adopted, cases) -> None:
    """What the panel's decisions did to the referrals: not adopted closes one; an adopted
    one records it, and closes once its case has exited."""
    ended = {c["referral_id"] for c in cases if c["status"] != ChannelCase.Status.OPEN}
    chunks = [
        (not_adopted, {"reached_panel": True, "status": Referral.Status.CLOSED}),
        (
            [r for r in adopted if r in ended],
            {"reached_panel": True, "adopted": True, "status": Referral.Status.CLOSED},
        ),
        ([r for r in adopted if r not in ended], {"reached_panel": True, "adopted": True}),
    ]
    for ids, values in chunks:
        for start in range(0, len(ids), 5_000):
            Referral.objects.filter(pk__in=ids[start : start + 5_000]).update(**values)


synthetic.register("channel_panel", generate, order=40)
