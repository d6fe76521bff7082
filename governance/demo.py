"""Demo governance data: the boards of seed 003 §10.8 with their dates, the strategy of
seed 004 with its six priority actions (paraphrased), action items and seed 001's update
as progress. Officers are the demo accounts (fictional people); venues, settings and
providers are invented."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from governance import services
from governance.models import Board, Frequency, Rag, StrategyPeriod, add_months
from governance.registers import REGISTERS
from prevent_portal.core.demo import DemoContext

# (name, area of focus, frequency, most recent update, next update set by hand, to be confirmed)
SEED_003_BOARDS = [
    (
        "Council Management Team / CEO",
        "Council progress on meeting the Prevent duty",
        Frequency.BI_ANNUAL,
        date(2021, 4, 1),
        date(2022, 8, 1),
        False,
    ),
    (
        "Safer Communities Partnership Board",
        "Partnership action and inter-agency working to respond to local risk",
        Frequency.ANNUAL,
        date(2021, 7, 1),
        None,
        False,
    ),
    (
        "Children Safeguarding Board (Executive committee)",
        "Safeguarding children and educational services",
        Frequency.ANNUAL,
        date(2020, 10, 1),
        None,
        False,
    ),
    (
        "Health and Wellbeing Board",
        "Mental health",
        Frequency.ANNUAL,
        date(2019, 1, 24),
        None,
        True,
    ),
    (
        "Adult Safeguarding Board",
        "Vulnerable adults",
        Frequency.ANNUAL,
        date(2021, 2, 1),
        None,
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

# (action number, description, owning agency code, owning officer username, due, RAG,
#  completed on, [(date, RAG, progress text)]) - progress paraphrased from seed 001.
ITEMS = [
    (
        1,
        "Report progress on the action plan to the Safer Communities Partnership Board every year.",
        "council",
        "coordinator",
        date(2018, 7, 27),
        Rag.GREEN,
        date(2018, 7, 27),
        [
            (
                date(2018, 6, 8),
                Rag.GREEN,
                "The board received an update on Prevent training on 12 April 2018 and will "
                "monitor WRAP3 delivery across the partnership. The annual update is "
                "scheduled for 27 July 2018.",
            )
        ],
    ),
    (
        1,
        "Refresh the Prevent Delivery Group's terms of reference and membership.",
        "council",
        "coordinator",
        date(2018, 6, 30),
        Rag.GREEN,
        date(2018, 5, 30),
        [
            (
                date(2018, 6, 8),
                Rag.GREEN,
                "Terms of reference naming the required members were agreed by the group "
                "and signed off on 30 May 2018. The group meets quarterly with good "
                "commitment from key partners.",
            )
        ],
    ),
    (
        2,
        "Brief senior managers, lead members and partners on the current CTLP.",
        "council",
        "coordinator",
        date(2019, 4, 30),
        Rag.AMBER,
        None,
        [
            (
                date(2018, 6, 8),
                Rag.GREEN,
                "The senior management team was briefed on the current CTLP; further "
                "briefings are planned.",
            ),
            (
                date(2019, 1, 24),
                Rag.AMBER,
                "Lead members of partner agencies were briefed at the partnership board in "
                "January 2019 and the chief executive in November 2018. A briefing for the "
                "council leader is still to be arranged for April 2019.",
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
                date(2019, 1, 24),
                Rag.GREEN,
                "The plan is reviewed quarterly at the Delivery Group. The strategy has been "
                "published online since 15 January 2018, and bi-monthly performance updates "
                "go to the chief executive, most recently in January 2019.",
            )
        ],
    ),
    (
        4,
        "Deliver monthly WRAP3 sessions open to staff from every department.",
        "council",
        "coordinator",
        None,
        Rag.GREEN,
        None,
        [
            (
                date(2018, 6, 8),
                Rag.GREEN,
                "Monthly WRAP3 sessions since January 2018 have trained over 100 staff. "
                "Probation staff sessions on 6 and 13 June 2018 trained 28 more.",
            )
        ],
    ),
    (
        4,
        "Agree and deliver a Prevent training plan for housing staff.",
        "barnet-homes",
        None,
        date(2019, 3, 31),
        Rag.AMBER,
        None,
        [
            (
                date(2018, 6, 8),
                Rag.AMBER,
                "A draft training plan was submitted on 11 May 2018. Managers have been "
                "identified for WRAP Train the Trainer so they can train front-line staff.",
            )
        ],
    ),
    (
        5,
        "Review booking procedures for council buildings and green spaces hired to the public.",
        "council",
        "coordinator",
        date(2018, 12, 31),
        Rag.GREEN,
        None,
        [
            (
                date(2018, 6, 8),
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
        date(2019, 3, 31),
        Rag.RED,
        None,
        [
            (
                date(2019, 1, 24),
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
        "ccg",
        None,
        None,
        Rag.GREEN,
        None,
        [
            (
                date(2019, 1, 24),
                Rag.GREEN,
                "The CCG safeguarding lead is in regular contact with the Prevent "
                "Coordinator and training needs are reviewed every six months.",
            )
        ],
    ),
]

REGISTER_ENTRIES = {
    "ctlp-briefings": [
        {
            "audience": "Safer Communities Partnership Board lead members",
            "briefed_on": date(2019, 1, 18),
            "briefed_by": "Morgan Ashdown, Prevent Coordinator",
        },
        {
            "audience": "Council senior management team",
            "briefed_on": date(2018, 11, 12),
            "briefed_by": "Morgan Ashdown, Prevent Coordinator",
        },
    ],
    "venue-reviews": [
        {
            "venue": "Northmere Community Hall",
            "hirer_organisation": "Northmere Residents' Forum",
            "reviewed_on": date(2018, 9, 3),
            "outcome": "approved",
            "reviewer": "Jordan Fairweather",
        },
        {
            "venue": "Eastfield Park pavilion",
            "hirer_organisation": "Unregistered speakers' group",
            "reviewed_on": date(2018, 10, 22),
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
            "last_contact_on": date(2019, 1, 10),
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
            "funding_year": "2021-2022",
            "status": "commissioned",
        },
        {
            "provider": "Shared Futures Schools Trust",
            "purpose": "Sessions in schools and community groups that challenge antisemitic "
            "and Islamophobic stereotyping.",
            "funding_year": "2021-2022",
            "amount": Decimal("12500.00"),
            "status": "commissioned",
        },
        {
            "provider": "Resilience Training Partnership",
            "purpose": "Train the Trainer sessions for teachers and other professionals on "
            "the far right and mixed, unclear and unstable ideologies.",
            "funding_year": "2021-2022",
            "status": "delivering",
        },
    ],
}


def _boards(ctx: DemoContext) -> None:
    users = ctx.objects["users"]
    coordinator, chair, manager = users["coordinator"], users["chair"], users["manager"]
    for name, area, frequency, last, next_due, tbc in SEED_003_BOARDS:
        board = services.board_create(
            name=name,
            area_of_focus=area,
            frequency=frequency,
            lead_officer=coordinator,
            reminder_recipients=[manager],
            acting_user=None,
        )
        services.board_update_record(
            board=board, presented_on=last, title="Prevent update", acting_user=None
        )
        if next_due or tbc:
            board.refresh_from_db()
            services.board_edit(
                board=board,
                data={"next_due_override": next_due, "next_due_to_be_confirmed": tbc},
                reminder_recipients=[manager],
                expected_version=board.version,
                acting_user=None,
            )
    today = timezone.localdate()
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
    agencies, users = ctx.objects["agencies"], ctx.objects["users"]
    period = services.strategy_period_create(
        data={
            "name": "Prevent Forward Strategy 2017-2020",
            "starts_on": date(2017, 7, 1),
            "ends_on": date(2020, 3, 31),
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
                "due_on": due,
                "rag": rag,
            },
            acting_user=None,
        )
        for on, update_rag, progress in updates:
            services.progress_update_add(
                item=item,
                on=on,
                text=progress,
                rag=update_rag,
                expected_version=item.version,
                acting_user=users["coordinator"],
            )
        if completed:
            services.action_item_edit(
                item=item,
                data={"completed_on": completed},
                expected_version=item.version,
                acting_user=None,
            )


def _registers(ctx: DemoContext) -> None:
    for slug, entries in REGISTER_ENTRIES.items():
        for data in entries:
            services.register_entry_create(register=REGISTERS[slug], data=data, acting_user=None)


def seed(ctx: DemoContext) -> None:
    if not Board.objects.exists():
        _boards(ctx)
    if not StrategyPeriod.objects.exists():
        _plan(ctx)
    if not REGISTERS["ctlp-briefings"].model.objects.exists():
        _registers(ctx)
