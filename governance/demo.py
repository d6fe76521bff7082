"""Demo governance data, counted from the day the demo is seeded: the boards of seed 003
§10.8 with their latest updates in the past year (one overdue, one due within the month),
the strategy in force today with seed 004's six priority actions (paraphrased), action items
whose progress paraphrases seed 001's update, register entries, and a subject access request
nearing its one-month deadline. Officers are the demo accounts (fictional people); venues,
settings and providers are invented."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from governance import services
from governance.models import Board, Frequency, Rag, StrategyPeriod, SubjectAccessExport, add_months
from governance.registers import REGISTERS
from prevent_portal.core.demo import DemoContext
from referrals.models import Person

# (name, area of focus, frequency, last update (months and days before today), next update
#  set by hand (months from today), to be confirmed)
BOARDS = [
    (
        "Council Management Team / CEO",
        "Council progress on meeting the Prevent duty",
        Frequency.BI_ANNUAL,
        (6, 12),  # so the next update was due twelve days ago
        None,
        False,
    ),
    (
        "Safer Communities Partnership Board",
        "Partnership action and inter-agency working to respond to local risk",
        Frequency.ANNUAL,
        (11, 10),  # due in about three weeks
        None,
        False,
    ),
    (
        "Children Safeguarding Board (Executive committee)",
        "Safeguarding children and educational services",
        Frequency.ANNUAL,
        (4, 0),
        None,
        False,
    ),
    (
        "Health and Wellbeing Board",
        "Mental health",
        Frequency.ANNUAL,
        (9, 0),
        None,
        True,
    ),
    (
        "Adult Safeguarding Board",
        "Vulnerable adults",
        Frequency.ANNUAL,
        (7, 0),
        5,  # the board asked for its next update early
        False,
    ),
]

OBJECTIVE = (
    "To keep people safe by accurately identifying those vulnerable to being drawn into "
    "terrorism or violent extremism, and to safeguard children and adults through early "
    "intervention that protects and diverts them from being drawn into terrorist activity."
)

# (number, title, objective) of seed 004's six priority actions, paraphrased.
ACTIONS = [
    (
        1,
        "Partnerships",
        "A multi-agency response to Prevent, based on evidence and co-ordinated through the "
        "Safer Communities Partnership Board, with partners owning their part in delivery.",
    ),
    (
        2,
        "Risk assessment",
        "The regional Counter Terrorism Local Profile (CTLP) is communicated to the right "
        "stakeholders and informs local risk assessment and action plans.",
    ),
    (
        3,
        "Prevent action plan",
        "The partnership owns and delivers the action plan, and records show the council's "
        "compliance with the duty: strategy, plans, minutes, briefings, training records.",
    ),
    (
        4,
        "Staff training",
        "A fully trained workforce, including contractors, who recognise Prevent concerns, "
        "work together and act early for those at risk.",
    ),
    (
        5,
        "Use of local authority resources",
        "Council venues do not give a platform to extremist views, and public IT equipment "
        "filters terrorist and extremist material.",
    ),
    (
        6,
        "Safeguarding children and adults from radicalisation",
        "The Prevent duty is part of existing safeguarding strategies, policies and "
        "procedures, so vulnerable young people and adults are protected.",
    ),
]

# (action number, description, owning agency code, owning officer username, due (months from
#  today), RAG, completed (months from today), [(days from today, RAG, progress text)]);
# progress paraphrased from seed 001.
ITEMS = [
    (
        1,
        "Report progress on the action plan to the Safer Communities Partnership Board every year.",
        "council",
        "coordinator",
        1,
        Rag.AMBER,
        None,
        [
            (
                -330,
                Rag.GREEN,
                "The board received the annual update and will monitor training across the "
                "partnership. It asked every partner for its figures for the next update.",
            ),
            (
                -40,
                Rag.AMBER,
                "This year's update is being drafted; two partners' training figures are "
                "still awaited.",
            ),
        ],
    ),
    (
        1,
        "Refresh the Prevent Delivery Group's terms of reference and membership.",
        "council",
        "coordinator",
        -8,
        Rag.GREEN,
        -8,
        [
            (
                -250,
                Rag.GREEN,
                "Terms of reference naming the required members were agreed by the group "
                "and signed off. The group meets quarterly with good commitment from key "
                "partners.",
            )
        ],
    ),
    (
        2,
        "Brief senior managers, lead members and partners on the current CTLP.",
        "council",
        "coordinator",
        2,
        Rag.AMBER,
        None,
        [
            (
                -200,
                Rag.GREEN,
                "The senior management team was briefed on the current CTLP; further "
                "briefings are planned.",
            ),
            (
                -45,
                Rag.AMBER,
                "Lead members of partner agencies were briefed at the partnership board and "
                "the chief executive before that. A briefing for the council leader is still "
                "to be arranged.",
            ),
        ],
    ),
    (
        3,
        "Review the multi-agency action plan quarterly at the Prevent Delivery Group.",
        "council",
        None,
        None,
        Rag.GREEN,
        None,
        [
            (
                -60,
                Rag.GREEN,
                "The plan was reviewed at the Delivery Group's last meeting. The strategy is "
                "published online, and performance updates go to the chief executive every "
                "two months.",
            )
        ],
    ),
    (
        4,
        "Move partners from WRAP to the Home Office's Prevent duty training courses.",
        "council",
        "coordinator",
        None,
        Rag.GREEN,
        None,
        [
            (
                -120,
                Rag.GREEN,
                "Partners return figures for the awareness course each quarter; health "
                "partners and the police also return the referrals and Channel or PMAP "
                "courses.",
            )
        ],
    ),
    (
        4,
        "Agree and deliver a Prevent training plan for housing staff.",
        "barnet-homes",
        None,
        -1,
        Rag.AMBER,
        None,
        [
            (
                -150,
                Rag.AMBER,
                "A draft training plan was submitted. Managers have been identified to run "
                "awareness sessions for front-line staff.",
            )
        ],
    ),
    (
        5,
        "Review booking procedures for council buildings and green spaces hired to the public.",
        "council",
        "coordinator",
        4,
        Rag.GREEN,
        None,
        [
            (
                -90,
                Rag.GREEN,
                "Officers responsible for venues hired to the public have been met, and "
                "booking procedures reviewed with the facilities manager so the purpose of "
                "each booking is assessed.",
            )
        ],
    ),
    (
        6,
        "Develop and keep a local register of supplementary education settings.",
        "council",
        "coordinator",
        -2,
        Rag.RED,
        None,
        [
            (
                -30,
                Rag.RED,
                "Actions remain outstanding for settings outside local authority education, "
                "such as youth clubs, scout halls and after-school clubs. The register is "
                "being developed with the Prevent Education Officer.",
            )
        ],
    ),
    (
        6,
        "Plan Prevent information and training for front-line clinical staff.",
        "icb",
        None,
        None,
        Rag.GREEN,
        None,
        [
            (
                -75,
                Rag.GREEN,
                "The ICB's safeguarding lead is in regular contact with the Prevent "
                "Coordinator and training needs are reviewed every six months.",
            )
        ],
    ),
]


def _register_entries(ctx: DemoContext) -> dict[str, list[dict]]:
    start = financial_year_start(ctx.today)
    funding_year = f"{start.year}-{start.year + 1}"
    return {
        "ctlp-briefings": [
            {
                "audience": "Safer Communities Partnership Board lead members",
                "briefed_on": ctx.day(-45),
                "briefed_by": "Morgan Ashdown, Prevent Coordinator",
            },
            {
                "audience": "Council senior management team",
                "briefed_on": ctx.day(-200),
                "briefed_by": "Morgan Ashdown, Prevent Coordinator",
            },
        ],
        "venue-reviews": [
            {
                "venue": "Northmere Community Hall",
                "hirer_organisation": "Northmere Residents' Forum",
                "reviewed_on": ctx.day(-75),
                "outcome": "approved",
                "reviewer": "Jordan Fairweather",
            },
            {
                "venue": "Eastfield Park pavilion",
                "hirer_organisation": "Unregistered speakers' group",
                "reviewed_on": ctx.day(-30),
                "outcome": "refused",
                "reviewer": "Morgan Ashdown",
                "notes": "Speakers' published material breached the lettings policy.",
            },
        ],
        "education-settings": [
            {
                "name": "Riverside Saturday School",
                "kind": "supplementary_school",
                "address": "1 Example Road, Northmere ZZ1 1AA",
                "last_contact_on": ctx.day(-60),
                "safeguarding_status": "checked",
            },
            {
                "name": "Northmere Youth Club",
                "kind": "youth",
                "address": "2 Sample Street, Northmere ZZ2 2BB",
                "safeguarding_status": "unknown",
            },
        ],
        "funded-projects": [
            {
                "provider": "Northmere Community Research CIC",
                "purpose": "Understand the scale of far right-wing sentiment locally through "
                "online research and community engagement.",
                "funding_year": funding_year,
                "status": "commissioned",
            },
            {
                "provider": "Shared Futures Schools Trust",
                "purpose": "Sessions in schools and community groups that challenge "
                "antisemitic and Islamophobic stereotyping.",
                "funding_year": funding_year,
                "amount": Decimal("12500.00"),
                "status": "commissioned",
            },
            {
                "provider": "Resilience Training Partnership",
                "purpose": "Train the Trainer sessions for teachers and other professionals on "
                "the far right and mixed, unclear and unstable ideologies.",
                "funding_year": funding_year,
                "status": "delivering",
            },
        ],
    }


def financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _boards(ctx: DemoContext) -> None:
    users = ctx.objects["users"]
    coordinator, chair, manager = users["coordinator"], users["chair"], users["manager"]
    today = ctx.today
    for name, area, frequency, (months, days), next_in, tbc in BOARDS:
        board = services.board_create(
            name=name,
            area_of_focus=area,
            frequency=frequency,
            lead_officer=coordinator,
            reminder_recipients=[manager],
            acting_user=None,
        )
        services.board_update_record(
            board=board,
            presented_on=add_months(today, -months) - timedelta(days=days),
            title="Prevent update",
            acting_user=None,
        )
        if next_in or tbc:
            board.refresh_from_db()
            services.board_edit(
                board=board,
                data={
                    "next_due_override": add_months(today, next_in) if next_in else None,
                    "next_due_to_be_confirmed": tbc,
                },
                reminder_recipients=[manager],
                expected_version=board.version,
                acting_user=None,
            )
    recent = [
        (
            "Prevent Delivery Group",
            "Oversees delivery of the strategy and reviews the action plan",
            Frequency.QUARTERLY,
            coordinator,
            add_months(today, -2),
        ),
        (
            "Channel Panel",
            "Multi-agency support for people vulnerable to being drawn into terrorism",
            Frequency.MONTHLY,
            chair,
            today - timedelta(days=20),
        ),
    ]
    for name, area, frequency, lead, last in recent:
        board = services.board_create(
            name=name,
            area_of_focus=area,
            frequency=frequency,
            lead_officer=lead,
            reminder_recipients=[coordinator] if lead != coordinator else [],
            acting_user=None,
        )
        services.board_update_record(
            board=board, presented_on=last, title="Prevent update", acting_user=None
        )


def _plan(ctx: DemoContext) -> None:
    """The three-year strategy in force today (from the April a year before this financial
    year's), its six priority actions and their items."""
    agencies, users = ctx.objects["agencies"], ctx.objects["users"]
    starts_on = add_months(financial_year_start(ctx.today), -12)
    ends_on = add_months(starts_on, 36) - timedelta(days=1)
    period = services.strategy_period_create(
        data={
            "name": f"Prevent Partnership Strategy {starts_on.year}-{ends_on.year}",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "objective": OBJECTIVE,
        },
        acting_user=None,
    )
    actions = {
        number: services.priority_action_create(
            period=period,
            data={"number": number, "title": title, "objective": objective},
            acting_user=None,
        )
        for number, title, objective in ACTIONS
    }
    for number, text, agency, officer, due, rag, completed, updates in ITEMS:
        item = services.action_item_create(
            action=actions[number],
            data={
                "description": text,
                "owner_agency": agencies[agency] if agency else None,
                "owner_officer": users[officer] if officer else None,
                "due_on": add_months(ctx.today, due) if due is not None else None,
                "rag": rag,
            },
            acting_user=None,
        )
        for days, update_rag, progress in updates:
            services.progress_update_add(
                item=item,
                on=ctx.day(days),
                text=progress,
                rag=update_rag,
                expected_version=item.version,
                acting_user=users["coordinator"],
            )
        if completed is not None:
            services.action_item_edit(
                item=item,
                data={"completed_on": add_months(ctx.today, completed)},
                expected_version=item.version,
                acting_user=None,
            )


def _registers(ctx: DemoContext) -> None:
    for slug, entries in _register_entries(ctx).items():
        for data in entries:
            services.register_entry_create(register=REGISTERS[slug], data=data, acting_user=None)


def _subject_access_request(ctx: DemoContext) -> None:
    """A request received 26 days ago, so its one-month deadline is days away."""
    person = Person.objects.filter(given_name="Linnea", family_name="Hartwell").first()
    if person is None:
        return
    services.subject_access_request(
        person=person,
        received_on=ctx.day(-26),
        request_reference=f"SAR-{ctx.today.year}-014",
        acting_user=ctx.objects["users"]["coordinator"],
    )


def seed(ctx: DemoContext) -> None:
    if not Board.objects.exists():
        _boards(ctx)
    if not StrategyPeriod.objects.exists():
        _plan(ctx)
    if not REGISTERS["ctlp-briefings"].model.objects.exists():
        _registers(ctx)
    if not SubjectAccessExport.objects.exists():
        _subject_access_request(ctx)
