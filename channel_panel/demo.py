"""A fictional Channel Panel for the demo, made through the real services. Every person and
Intervention Provider here is invented.

Three monthly meetings in the past (held, attendance taken, decisions recorded; the first
two with minutes approved, the last one's minutes waiting for the chair), one in five days'
time with its agenda built, so its panel pack is open now, and the one after, a month on.
Six cases: one open with a support plan and an overdue contact, one of a 16-year-old with a
parent's consent, one of a young woman who turned 18 last week on her parent's consent (to
be asked for her own), one exited with ownership returned to the school and its six-month
post-exit review due within the fortnight, one closed (whose person has just been referred
again), and one that exited at the last meeting. The upcoming meeting also takes the mental
health trust's referral from the referrals demo, passed to panel at triage. Every date
counts from the day the demo is seeded; people keep their ages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from channel_panel import services
from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    Consent,
    Decision,
    ExitReason,
    InterventionProvider,
    MeetingAction,
    PanelMeeting,
    SupportAction,
    SupportType,
)
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.demo import DemoContext, born
from referrals.models import (
    ConcernType,
    NeedsFlag,
    Outcome,
    Person,
    Referral,
    SignpostingService,
)
from referrals.services import (
    referral_gateway_record,
    referral_outcome_record,
    referral_record,
)

add_months = services.add_months
PRESENT, APOLOGIES, ABSENT = "present", "apologies", "absent"

PROVIDERS = [
    ("northway-mentoring", "Northway Mentoring Partnership"),
    ("bridgeford-family", "Bridgeford Family Support CIC"),
    ("clearpath-skills", "Clearpath Skills and Employment Trust"),
]


@dataclass
class Demo:
    """What the seeder has made so far, and who does what."""

    today: date
    agencies: dict[str, Agency]
    users: dict[str, User]
    providers: dict[str, InterventionProvider] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    meetings: list[PanelMeeting] = field(default_factory=list)

    @property
    def coordinator(self) -> User:
        return self.users["coordinator"]

    @property
    def chair(self) -> User:
        return self.users["chair"]

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def case(self, key: str) -> ChannelCase:
        """The case adopted from a referral (fetched: the referral may have cached none)."""
        return ChannelCase.objects.get(referral=self.referrals[key])


def _providers() -> dict[str, InterventionProvider]:
    # Lookups are configuration (edited in the admin); the demo adds a few fictional ones.
    return {
        code: InterventionProvider.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in PROVIDERS
    }


def _passed_to_panel(demo: Demo, referral: Referral, decided_on: date) -> Referral:
    """Triage as the Coordinator would: gateway cleared, then passed to the panel."""
    referral = referral_gateway_record(
        referral=referral,
        gateway_outcome=Referral.Gateway.CLEARED,
        checked_on=decided_on - timedelta(days=2),
        note="No live investigation.",
        expected_version=referral.version,
        acting_user=demo.coordinator,
    )
    return referral_outcome_record(
        referral=referral,
        outcome=Outcome.objects.get(code=Outcome.PASSED_TO_PANEL),
        reason="Vulnerable to radicalisation; a multi-agency support plan may help.",
        decided_on=decided_on,
        expected_version=referral.version,
        acting_user=demo.coordinator,
    )


# key -> (given name, family name, age today (years, months, days), gender, postcode,
# referring agency, received (days from today), type of concern, the concern, needs flags at
# referral)
REFERRALS = {
    "closed": (
        ("Silas", "Wendover", (30, 9, 24), "male", "ZZ7 2QA"),
        ("so15", -735, "extreme-right-wing"),
        "Sharing extreme right-wing propaganda in online gaming groups.",
        (),
    ),
    "exited_to_school": (
        ("Rory", "Quenby", (15, 2, 10), "male", "ZZ6 8RB"),
        ("hollins-academy", -330, "school-massacre"),
        "Researching past school attacks and drawing weapons in lessons.",
        ("adhd",),
    ),
    "open_overdue": (
        ("Caspian", "Merrow", (27, 3, 3), "male", "ZZ2 7MC"),
        ("beh-mht", -110, "islamist"),
        "Patient expressing support for a proscribed group and isolating from family.",
        ("mental-health-concern",),
    ),
    "exited_at_panel": (
        ("Tobiah", "Fennick", (34, 11, 17), "male", "ZZ4 1TF"),
        ("barnet-homes", -100, "incel"),
        "Tenant posting misogynistic threats online; neighbours concerned.",
        ("diagnosed-mental-illness",),
    ),
    "under_18": (
        ("Ellis", "Tranmere", (16, 4, 12), "female", "ZZ3 5ET"),
        ("mash-children", -75, "extreme-right-wing"),
        "Sharing racist memes at school and in contact with an older adult online.",
        ("autism",),
    ),
    # Adopted at 17 on her mother's consent; she turned 18 six days ago.
    "turned_18": (
        ("Ilsa", "Marchbank", (18, 0, 6), "female", "ZZ3 8IM"),
        ("mash-children", -95, "extreme-right-wing"),
        "Sharing extreme right-wing material in a college group chat.",
        (),
    ),
    # The closed case's person, referred again.
    "re_referral": (
        None,
        ("nps", -12, "extreme-right-wing"),
        "Probation officer concerned by renewed contact with an extremist group.",
        (),
    ),
    "not_adopted": (
        ("Linnea", "Hartwell", (43, 5, 9), "female", "ZZ5 3LH"),
        ("mash-adults", -70, "vulnerability-no-ideology"),
        "Vulnerable adult repeating conspiracy theories; no clear ideology.",
        (),
    ),
}


def _refer(demo: Demo, key: str, *, person: Person | None = None) -> Referral:
    """REFERRALS[key]'s person (or ``person``) referred on its day, and passed to panel a
    week later."""
    about, (agency, received, concern), text, flags = REFERRALS[key]
    if person is None:
        given, family, age, gender, postcode = about
        person = Person.objects.create(
            given_name=given,
            family_name=family,
            date_of_birth=born(demo.today, *age),
            gender=gender,
            postcode=postcode,
        )
    owning = demo.agencies[agency]
    referral = referral_record(
        person=person,
        owning_agency=owning,
        referring_sector=owning.sector,
        received_on=demo.day(received),
        concern_summary=text,
        referrer=demo.users.get(f"{agency}-referrer"),
        concern_types=[ConcernType.objects.get(code=concern)],
        needs_flags=list(NeedsFlag.objects.filter(code__in=flags)),
        acting_user=None,
    )
    demo.referrals[key] = _passed_to_panel(demo, referral, demo.day(received + 7))
    return demo.referrals[key]


def _meeting(demo: Demo, offset: int, *, mode: str = PanelMeeting.Mode.IN_PERSON) -> PanelMeeting:
    """A meeting ``offset`` days from today with its agenda built from what is due."""
    meeting = services.meeting_schedule(
        meets_on=demo.day(offset),
        chair=demo.chair,
        mode=mode,
        starts_at=time(10, 0),
        location="" if mode == PanelMeeting.Mode.ONLINE else "Council offices, Committee Room 2",
        acting_user=demo.coordinator,
    )
    services.agenda_build(meeting=meeting, acting_user=demo.coordinator)
    demo.meetings.append(meeting)
    return meeting


def _hold(
    demo: Demo, meeting: PanelMeeting, absent: dict[str, str], decide, *, approve: bool = True
) -> None:
    """Attendance (every invitee present unless ``absent`` says otherwise, plus the
    Coordinator), held, a decision on every item (``decide(item)`` records it), and the
    minutes approved unless ``approve`` is False (they wait for the chair)."""
    entries = [
        services.AttendanceEntry(
            agency=invitee.agency,
            user=invitee.user,
            status=absent.get(invitee.agency.short_code, PRESENT),
        )
        for invitee in meeting.invitees.select_related("agency", "user")
    ]
    entries.append(
        services.AttendanceEntry(
            agency=demo.agencies["council"], user=demo.coordinator, status=PRESENT
        )
    )
    services.attendance_record(
        meeting=meeting, entries=entries, expected_version=meeting.version, acting_user=demo.chair
    )
    meeting.refresh_from_db()
    quorate, missing = meeting.quorum()
    services.meeting_mark_held(
        meeting=meeting,
        expected_version=meeting.version,
        acting_user=demo.chair,
        # Held without a core agency: the chair confirms it and says why, as the panel must.
        confirm_inquorate=not quorate,
        inquorate_reason=""
        if quorate
        else (
            f"{', '.join(agency.name for agency in missing)} sent apologies and written "
            "updates; the cases on the agenda could not wait a month."
        ),
    )
    for item in meeting.items.select_related("referral", "case"):
        decide(item)
    _minute(demo, meeting)
    if not approve:
        return
    meeting.refresh_from_db()
    services.minutes_approve(
        meeting=meeting, expected_version=meeting.version, acting_user=demo.chair
    )


# Discussion notes by kind of item (fictional, naming no one), and each past meeting's
# actions by its offset from today: (what, owner user or agency key, due offset, about the
# first case item, done). One is overdue (-56), one done (-84).
NOTES = {
    AgendaItem.Kind.NEW: "The referring agency summarised the concern and what is known. "
    "Members shared what their agencies hold; consent was discussed.",
    AgendaItem.Kind.REVIEW: "The case manager reported on the support plan since the last "
    "panel. Members agreed the next steps recorded below.",
    AgendaItem.Kind.POST_EXIT: "The case manager reported how the person is doing since exit.",
    AgendaItem.Kind.OTHER: "Discussed and noted.",
}
MEETING_ACTIONS = {
    -84: [("Send the consent forms to the new case managers", "coordinator", -77, False, True)],
    -56: [
        ("Ask the school for an attendance update", "mash-children", -42, True, False),
        ("Circulate the revised information-sharing agreement", "chair", 10, False, False),
    ],
    -28: [("Confirm the housing referral has been picked up", "mash-children", 6, True, False)],
}


def _minute(demo: Demo, meeting: PanelMeeting) -> None:
    """Discussion notes on every item and the meeting's actions (issue 17), through the
    same services the chair uses."""
    for item in meeting.items.order_by("position"):
        services.item_notes_write(item=item, text=NOTES[item.kind], acting_user=demo.chair)
    offset = (meeting.meets_on - demo.today).days
    # An action about a case goes to an agency whose SPOC sees it (as the service requires
    # of a person): the first such item of the children's MASH.
    first_case = (
        AgendaItem.objects.visible_to(demo.users["mash-children-spoc"])
        .filter(meeting=meeting)
        .exclude(kind=AgendaItem.Kind.OTHER)
        .order_by("position")
        .first()
    )
    for what, owner, due, about, done in MEETING_ACTIONS.get(offset, []):
        user = demo.users.get(owner) if owner in ("coordinator", "chair") else None
        action = services.meeting_action_add(
            meeting=meeting,
            item=first_case if about else None,
            description=what,
            due_on=demo.day(due),
            owner_user=user,
            owner_agency=None if user else demo.agencies[owner],
            acting_user=demo.chair,
        )
        if done:
            services.meeting_action_close(
                action=action,
                status=MeetingAction.Status.DONE,
                expected_version=action.version,
                acting_user=user or demo.chair,
            )


# --- The vulnerability assessment (issue 17) ----------------------------------------------------
# Factors present at the first assessment, and at each review after it: a review newly finds
# one factor, no longer finds another, and records new evidence for a third, so the case
# page shows what changed.
FIRST_PRESENT = {
    "grievance-injustice": "Says the council ignored the family's housing complaint.",
    "identity-meaning-belonging": "Spends evenings in one online forum; few friends offline.",
    "them-and-us": "Describes neighbours as 'them' in messages shared by the school.",
}
REVIEW_PRESENT = {
    "grievance-injustice": "Says the council ignored the family's housing complaint.",
    "them-and-us": "Uses 'them' less often; mentor notes more balanced talk.",
    "transitional-time": "Left college this term; looking for work.",
}


def _assess(demo: Demo, referral: Referral, on: date, present: dict[str, str]) -> None:
    """A completed assessment by the Coordinator (who drafts it with the police Channel
    practitioner's information), dated ``on``, through the services."""
    from channel_panel.assessments import factors_in_force

    on = max(on, referral.received_on)
    ratings = {
        factor.pk: {
            "rating": "present" if factor.code in present else "not_present",
            "evidence": present.get(factor.code, ""),
            "source_agency": demo.agencies["so15"] if factor.code in present else None,
            "evidence_on": on if factor.code in present else None,
        }
        for factor in factors_in_force(on)
    }
    draft = services.assessment_draft_save(
        referral=referral,
        assessed_on=on,
        ratings=ratings,
        summary="Some vulnerability to being drawn in; support through Channel is proportionate.",
        management_plan="Mentoring and a review at each panel meeting while the case is open.",
        acting_user=demo.coordinator,
    )
    services.assessment_complete(
        assessment=draft, expected_version=draft.version, acting_user=demo.coordinator
    )


def _decide(demo: Demo, item: AgendaItem, outcome: str, rationale: str, **kwargs) -> None:
    meets_on = item.meeting.meets_on
    if outcome == Decision.Outcome.ADOPT:
        # The panel adopts only with a current assessment, drafted before the meeting.
        _assess(demo, item.referral, meets_on - timedelta(days=3), FIRST_PRESENT)
    elif item.case_id and outcome in (Decision.Outcome.CONTINUE, Decision.Outcome.EXIT):
        # Each review at a meeting adds a new assessment.
        _assess(demo, item.referral, meets_on, REVIEW_PRESENT)
    services.decision_record(
        item=item, outcome=outcome, rationale=rationale, acting_user=demo.chair, **kwargs
    )


def _complete(action, *, acting_user: User) -> None:
    """The action is done: nothing more is due under it."""
    services.support_action_update(
        action=action,
        support_type=action.support_type,
        description=action.description,
        owner_agency=action.owner_agency,
        owner_provider=action.owner_provider,
        status=SupportAction.Status.COMPLETED,
        next_contact_due=None,
        expected_version=action.version,
        acting_user=acting_user,
    )


# --- Before the three meetings: a closed case and an exited one --------------------------------
def _adopted_earlier(demo: Demo, key: str, lead: str, adopted: int) -> ChannelCase:
    """REFERRALS[key] adopted ``adopted`` days from today, before the demo's meetings, led by
    ``lead`` with its SPOC as case manager."""
    referral = _refer(demo, key)
    _assess(demo, referral, demo.day(adopted - 3), FIRST_PRESENT)
    return services.case_adopt(
        referral=referral,
        lead_agency=demo.agencies[lead],
        case_manager=demo.users[f"{lead}-spoc"],
        adopted_on=demo.day(adopted),
        acting_user=demo.chair,
    )


def _closed_case(demo: Demo) -> None:
    """Adopted two years ago, exited with the risk reduced, both post-exit reviews held, so
    closed (the same person is referred again before the next meeting)."""
    case = _adopted_earlier(demo, "closed", "so15", -720)
    manager = case.case_manager
    services.consent_record(
        case=case, given_by=Consent.GivenBy.PERSON, given_on=demo.day(-715), acting_user=manager
    )
    # Exited between meetings: the chair agreed it first (an exit needs the panel's decision
    # or the chair's agreement).
    services.case_exit_agree(
        case=case,
        agreed_on=demo.day(-601),
        reason="Mentor's final report; the panel's next meeting was a month away.",
        acting_user=demo.chair,
    )
    services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        notes="Engaged fully with mentoring; views moderated.",
        exited_on=demo.day(-600),
        expected_version=case.version,
        acting_user=demo.chair,
    )
    for review in case.reviews.order_by("due_on"):
        services.post_exit_review_record(
            review=review,
            held_on=review.due_on,
            notes="No new concerns reported by partners.",
            acting_user=demo.chair,
        )


def _exited_to_school(demo: Demo) -> None:
    """A 14-year-old referred by the school, supported for five months, exited with low
    radicalisation risk but other safeguarding concerns: ownership returned to the school.
    The six-month post-exit review falls due in ten days (within the reminder window)."""
    case = _adopted_earlier(demo, "exited_to_school", "mash-children", -300)
    manager = case.case_manager
    services.consent_record(
        case=case,
        given_by=Consent.GivenBy.PARENT,
        giver_name="Maris Quenby",
        given_on=demo.day(-296),
        acting_user=manager,
    )
    action = _action(
        demo,
        case,
        (
            "ideological-mentoring",
            "Weekly mentoring sessions on violence and online content.",
            "northway-mentoring",
            (-281, -250),
            "First session; engaged.",
        ),
    )
    _complete(action, acting_user=manager)
    case.refresh_from_db()
    exited_on = add_months(demo.day(10), -6)
    services.case_exit_agree(
        case=case,
        agreed_on=exited_on,
        reason="Agreed with the school's safeguarding lead at the end of the mentoring.",
        acting_user=demo.chair,
    )
    services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="ownership-returned"),
        notes="Radicalisation risk now low; school to continue pastoral support.",
        exited_on=exited_on,
        return_ownership_to=demo.agencies["hollins-academy"],
        returned_case_manager=demo.users["hollins-academy-spoc"],
        expected_version=case.version,
        acting_user=demo.chair,
    )


# --- Three monthly meetings -------------------------------------------------------------------
def _first_meeting(demo: Demo) -> None:
    """Twelve weeks ago: three new referrals, all adopted."""
    _refer(demo, "open_overdue")
    _refer(demo, "exited_at_panel")
    _refer(demo, "turned_18")
    meeting = _meeting(demo, -84)
    leads = {
        demo.referrals["open_overdue"].pk: ("mash-adults", "mash-adults-spoc"),
        demo.referrals["exited_at_panel"].pk: ("so15", "so15-spoc"),
        demo.referrals["turned_18"].pk: ("mash-children", "mash-children-spoc"),
    }

    def decide(item):
        lead, manager = leads[item.referral_id]
        _decide(
            demo,
            item,
            Decision.Outcome.ADOPT,
            "Vulnerable to radicalisation and consents to support.",
            lead_agency=demo.agencies[lead],
            case_manager=demo.users[manager],
        )

    _hold(demo, meeting, {"icb": APOLOGIES}, decide)


def _second_meeting(demo: Demo) -> None:
    """Eight weeks ago, online: a 16-year-old adopted, one referral signposted, and the two
    cases from last month reviewed."""
    _refer(demo, "under_18")
    _refer(demo, "not_adopted")
    meeting = _meeting(demo, -56, mode=PanelMeeting.Mode.ONLINE)

    def decide(item):
        if item.referral_id == demo.referrals["under_18"].pk:
            _decide(
                demo,
                item,
                Decision.Outcome.ADOPT,
                "Susceptible to grooming online; parents support a Channel plan.",
                lead_agency=demo.agencies["mash-children"],
                case_manager=demo.users["mash-children-spoc"],
            )
        elif item.kind == AgendaItem.Kind.NEW:
            _decide(
                demo,
                item,
                Decision.Outcome.NOT_ADOPT,
                "No radicalisation risk; needs are best met by adult social care.",
                signposted_to=SignpostingService.objects.get(code="adult-social-care"),
            )
        else:
            _decide(demo, item, Decision.Outcome.CONTINUE, "Support plan under way.")

    _hold(demo, meeting, {"mash-adults": ABSENT}, decide)
    _open_case_plans(demo)


# (case, who consented, parent's name, days from today, capacity notes)
CONSENTS = [
    (
        "open_overdue",
        Consent.GivenBy.PERSON,
        "",
        -80,
        "Has capacity; understood what Channel offers.",
    ),
    ("exited_at_panel", Consent.GivenBy.PERSON, "", -82, ""),
    (
        "turned_18",
        Consent.GivenBy.PARENT,
        "Petra Marchbank",
        -80,
        "Consent given by her mother while Ilsa was 17; Ilsa agreed to take part.",
    ),
    (
        "under_18",
        Consent.GivenBy.PARENT,
        "Odette Tranmere",
        -52,
        "Consent given by her mother; Ellis agreed to take part.",
    ),
]
# (case, needs flag, agency that told the panel, days from today); the referral's own flags
# (Ellis's autism, for one) come with adoption.
CASE_FLAGS = [
    ("open_overdue", NeedsFlag.KNOWN_TO_MENTAL_HEALTH_SERVICES, "beh-mht", -78),
]
# (case, support type, description, owner: agency or provider code, last contact and next
#  contact due in days from today (no contact yet: None), what happened at the contact)
ACTIONS = [
    (
        "open_overdue",
        "ideological-mentoring",
        "Fortnightly theological mentoring.",
        "northway-mentoring",
        (-40, -10),  # overdue
        "Second session; discussed online sources.",
    ),
    (
        "open_overdue",
        "housing",
        "Support to keep his tenancy.",
        "barnet-homes",
        (-20, 12),
        "Arrears plan agreed.",
    ),
    (
        "open_overdue",
        "health-mental-health",
        "Review of medication with his care coordinator.",
        "beh-mht",
        (None, 7),
        "",
    ),
    (
        "exited_at_panel",
        "employment",
        "Help into work through a training placement.",
        "clearpath-skills",
        (-45, -31),
        "Placement started.",
    ),
    (
        "turned_18",
        "education-training",
        "Support to stay on her college course.",
        "clearpath-skills",
        (-21, 9),
        "Attending again; tutor reports better engagement.",
    ),
    (
        "under_18",
        "family-support",
        "Family sessions on online safety.",
        "bridgeford-family",
        (-14, 14),
        "Parents attended with Ellis.",
    ),
]


def _action(demo: Demo, case: ChannelCase, row) -> SupportAction:
    """One support-plan action, and its last contact if it has had one."""
    support_type, description, owner, (contact, next_due), notes = row
    provider = demo.providers.get(owner)
    owners = {"owner_provider": provider} if provider else {"owner_agency": demo.agencies[owner]}
    action = services.support_action_add(
        case=case,
        support_type=SupportType.objects.get(code=support_type),
        description=description,
        next_contact_due=demo.day(next_due) if contact is None else None,
        acting_user=case.case_manager,
        **owners,
    )
    if contact is None:
        return action
    return services.support_contact_record(
        action=action,
        contact_on=demo.day(contact),
        notes=notes,
        next_contact_due=demo.day(next_due),
        acting_user=case.case_manager,
    )


def _open_case_plans(demo: Demo) -> None:
    """Consent, flags and support plans of the cases adopted so far."""
    for key, given_by, giver, day, notes in CONSENTS:
        case = demo.case(key)
        services.consent_record(
            case=case,
            given_by=given_by,
            giver_name=giver,
            given_on=demo.day(day),
            capacity_notes=notes,
            acting_user=case.case_manager,
        )
    for key, code, agency, day in CASE_FLAGS:
        case = demo.case(key)
        services.needs_flag_add(
            case=case,
            flag=NeedsFlag.objects.get(code=code),
            source_agency=demo.agencies[agency],
            recorded_on=demo.day(day),
            acting_user=case.case_manager,
        )
    for key, *row in ACTIONS:
        _action(demo, demo.case(key), row)


def _third_meeting(demo: Demo) -> None:
    """Four weeks ago: the open cases reviewed; one exits with the risk reduced. The minutes
    wait for the chair's approval."""
    exiting = demo.referrals["exited_at_panel"].pk
    tobiah = demo.case("exited_at_panel")
    _complete(tobiah.actions.get(), acting_user=tobiah.case_manager)
    meeting = _meeting(demo, -28)

    def decide(item):
        if item.referral_id == exiting:
            _decide(
                demo,
                item,
                Decision.Outcome.EXIT,
                "In work and no longer posting; risk reduced.",
                exit_reason=ExitReason.objects.get(code="risk-reduced"),
            )
        else:
            _decide(demo, item, Decision.Outcome.CONTINUE, "Engaging; continue the plan.")

    _hold(demo, meeting, {}, decide, approve=False)


def _upcoming_meeting(demo: Demo) -> PanelMeeting:
    """In five days: the re-referral, the trust's referral from the referrals demo (passed to
    panel now), the open cases and the school case's six-month post-exit review."""
    _refer(demo, "re_referral", person=demo.referrals["closed"].person)
    waiting = (
        Referral.objects.filter(
            owning_agency=demo.agencies["beh-mht"], status=Referral.Status.RECEIVED
        )
        .order_by("received_on", "pk")
        .first()
    )
    if waiting is not None:
        _passed_to_panel(demo, waiting, demo.today)
    return _meeting(demo, 5)


def _next_meeting(demo: Demo) -> PanelMeeting:
    """The month after: scheduled, its agenda not built yet."""
    meeting = services.meeting_schedule(
        meets_on=demo.day(33),
        chair=demo.chair,
        mode=PanelMeeting.Mode.IN_PERSON,
        starts_at=time(10, 0),
        location="Council offices, Committee Room 2",
        acting_user=demo.coordinator,
    )
    demo.meetings.append(meeting)
    return meeting


def seed(ctx: DemoContext) -> None:
    if PanelMeeting.objects.exists():
        return
    demo = Demo(
        today=ctx.today,
        agencies=ctx.objects["agencies"],
        users=ctx.objects["users"],
        providers=_providers(),
    )
    _closed_case(demo)
    _exited_to_school(demo)
    _first_meeting(demo)
    _second_meeting(demo)
    _third_meeting(demo)
    upcoming = _upcoming_meeting(demo)
    _next_meeting(demo)
    ctx.objects["channel_panel"] = {
        "meetings": demo.meetings,
        "upcoming_meeting": upcoming,
        "referrals": demo.referrals,
        "providers": demo.providers,
    }
