"""Demo training figures. The 2018 quarters are the returns printed in the Health and
Wellbeing Board paper of January 2019 (seed 002, Tables 1-5: organisations' figures, no
person), under the demo's fictional names for those organisations; everything since is
invented, and counted from the day the demo is seeded: the last six complete quarters'
returns of the Home Office's current Prevent duty courses, the quarter under way, sessions
and department coverage. WRAP is historical (withdrawn): its figures are reported, nothing
new is asked for it. The CCG's returns stay the CCG's, shown as having become the ICB."""

from __future__ import annotations

from datetime import date

from prevent_portal.core.demo import DemoContext
from training import services
from training.models import ComplianceReturn, DeliveryMode, TrainingType
from training.quarters import previous_quarter, quarter_containing

WRAP, BASIC = "WRAP", "Basic Prevent Awareness"
AWARENESS = "Prevent duty training: Awareness"
REFERRALS = "Prevent duty training: Referrals"
PANEL = "Prevent duty training: Channel or Prevent Multi-Agency Panel (PMAP)"
# The demo council's last WRAP quarter (the date is the demo's, not a published one).
WRAP_WITHDRAWN_ON = date(2023, 3, 31)
# (agency short code, type, quarter end, compliant, eligible), as the paper prints them.
PAPER_RETURNS = [
    ("beh-mht", WRAP, date(2018, 6, 30), 422, 480),
    ("beh-mht", WRAP, date(2018, 9, 30), 402, 479),
    ("beh-mht", WRAP, date(2018, 12, 31), 400, 482),
    ("clch", WRAP, date(2018, 6, 30), 495, 536),
    ("clch", WRAP, date(2018, 9, 30), 498, 539),
    ("clch", WRAP, date(2018, 12, 31), 496, 532),
    ("royal-free", BASIC, date(2018, 3, 31), 10119, 11944),
    ("royal-free", BASIC, date(2018, 6, 30), 10201, 11988),
    ("royal-free", BASIC, date(2018, 9, 30), 9729, 11412),
    ("royal-free", BASIC, date(2018, 12, 31), 10169, 11900),
    ("royal-free", WRAP, date(2018, 3, 31), 880, 1162),
    ("royal-free", WRAP, date(2018, 6, 30), 928, 1161),
    ("royal-free", WRAP, date(2018, 9, 30), 927, 1138),
    ("royal-free", WRAP, date(2018, 12, 31), 1007, 1201),
]
# The CCG's last WRAP returns before it was abolished (invented): quarter end, compliant,
# eligible. They stay the CCG's; the ICB returns its own figures since.
CCG_RETURNS = [
    (date(2021, 9, 30), 51, 64),
    (date(2021, 12, 31), 55, 64),
    (date(2022, 3, 31), 57, 66),
    (date(2022, 6, 30), 60, 66),
]
# The courses the demo council collects, and who returns them.
COLLECTED = {
    AWARENESS: ["beh-mht", "clch", "royal-free", "icb", "barnet-homes", "nps"],
    REFERRALS: ["beh-mht", "royal-free", "icb"],
    PANEL: ["beh-mht", "icb", "so15"],
    BASIC: ["royal-free"],
}
# Recent quarters (invented): (agency, type, eligible, compliant for the last six complete
# quarters, oldest first). The housing company and probation are behind with their returns.
RECENT = [
    ("beh-mht", AWARENESS, 512, [402, 418, 430, 441, 452, 466]),
    ("clch", AWARENESS, 548, [455, 468, 470, 481, 489, 493]),
    ("royal-free", AWARENESS, 12110, [9810, 9950, 10102, 10230, 10315, 10402]),
    ("royal-free", BASIC, 12080, [10290, 10330, 10410, 10302, 10390, 10444]),
    ("icb", AWARENESS, 96, [71, 77, 80, 84, 85, 88]),
    ("barnet-homes", AWARENESS, 188, [101, 121, 139, 152, None, None]),
    ("nps", AWARENESS, 143, [110, 118, 124, 126, 131, None]),
    ("beh-mht", REFERRALS, 122, [88, 94, 97, 101, 104, 108]),
    ("royal-free", REFERRALS, 640, [402, 431, 470, 498, 512, 530]),
    ("icb", REFERRALS, 14, [9, 11, 12, 12, 13, 13]),
    ("beh-mht", PANEL, 9, [7, 7, 8, 8, 9, 9]),
    ("icb", PANEL, 4, [3, 3, 4, 4, 4, 4]),
    ("so15", PANEL, 6, [6, 6, 6, 5, 6, 6]),
]
# (days ago, type, audience, organisations (short codes), other organisations, attendees,
#  mode)
SESSIONS = [
    (420, BASIC, "Social workers and substance misuse recovery workers", ["council"], "", 14, "in"),
    (380, BASIC, "Youth offending service practitioners", [], "Youth Offending Service", 9, "in"),
    (300, BASIC, "Approved premises staff", ["nps"], "", 23, "on"),
    (210, BASIC, "Staff and volunteers", [], "Northmere Learning Disability Forum", 26, "in"),
    (150, PANEL, "New Channel Panel members", ["beh-mht", "icb"], "", 7, "on"),
    (60, BASIC, "Housing officers", ["barnet-homes"], "", 12, "in"),
    (
        20,
        BASIC,
        "Designated safeguarding leads",
        ["oakfield-primary", "hollins-academy"],
        "",
        16,
        "on",
    ),
]
FEEDBACK = [
    "Participants found the case studies useful and asked for a follow-up on online harms.",
    "Good discussion of referral routes; two staff asked for the referral form afterwards.",
    "",
]
# Seed 002 Table 5's departments, their figures invented for this financial year:
# (department, staff requiring training, staff trained, sessions).
COVERAGE = [
    ("Children and Family Services", 470, 312, 18),
    ("Adults and Communities", 296, 251, 14),
]


def _period(end: date, coordinator):
    return services.reporting_period_for_end(end=end, acting_user=coordinator)


def _configure(types: dict[str, TrainingType], agencies: dict, coordinator) -> None:
    """WRAP withdrawn; the Home Office courses the council collects switched on."""
    wrap = types[WRAP]
    if wrap.withdrawn_on is None:
        services.training_type_withdraw(
            training_type=wrap,
            withdrawn_on=WRAP_WITHDRAWN_ON,
            expected_version=wrap.version,
            acting_user=coordinator,
        )
    for name, codes in COLLECTED.items():
        training_type = types[name]
        services.training_type_update(
            training_type=training_type,
            name=training_type.name,
            target_percent=training_type.target_percent,
            is_active=True,
            order=training_type.order,
            agencies=[agencies[code] for code in codes],
            expected_version=training_type.version,
            acting_user=coordinator,
        )


def seed(ctx: DemoContext) -> None:
    if ComplianceReturn.objects.exists():
        return
    agencies = ctx.objects["agencies"]
    users = ctx.objects["users"]
    coordinator = users["coordinator"]
    types = {t.name: t for t in TrainingType.objects.all()}
    # The historical figures first: WRAP was offered then.
    for code, type_name, end, compliant, eligible in PAPER_RETURNS:
        services.compliance_return_submit(
            agency=agencies[code],
            training_type=types[type_name],
            period=_period(end, coordinator),
            eligible=eligible,
            compliant=compliant,
            acting_user=coordinator,
        )
    for end, compliant, eligible in CCG_RETURNS:
        services.compliance_return_submit(
            agency=agencies["ccg"],
            training_type=types[WRAP],
            period=_period(end, coordinator),
            eligible=eligible,
            compliant=compliant,
            acting_user=coordinator,
        )
    _configure(types, agencies, coordinator)

    today = ctx.today
    quarters = [previous_quarter(quarter_containing(today))]
    for _ in range(5):
        quarters.insert(0, previous_quarter(quarters[0]))
    periods = [_period(q.end, coordinator) for q in quarters]
    _period(quarter_containing(today).end, coordinator)  # the quarter under way
    for code, type_name, eligible, compliants in RECENT:
        for period, compliant in zip(periods, compliants, strict=True):
            if compliant is None:
                continue
            services.compliance_return_submit(
                agency=agencies[code],
                training_type=types[type_name],
                period=period,
                eligible=eligible,
                compliant=compliant,
                acting_user=users.get(f"{code}-spoc", coordinator),
            )

    for index, row in enumerate(SESSIONS):
        days_ago, type_name, audience, codes, others, attendees, mode = row
        services.training_session_record(
            data={
                "delivered_on": ctx.day(-days_ago),
                "training_type": types[type_name],
                "trainers": "Prevent Coordinator"
                + (" and Prevent Education Officer" if index % 2 else ""),
                "other_organisations": others,
                "audience": audience,
                "attendees": attendees,
                "mode": DeliveryMode.IN_PERSON if mode == "in" else DeliveryMode.ONLINE,
                "feedback": FEEDBACK[index % len(FEEDBACK)],
            },
            agencies=[agencies[c] for c in codes],
            acting_user=coordinator,
        )

    last_quarter = quarters[-1]  # coverage counts from the financial year's start
    covers_from = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    as_at = last_quarter.end if last_quarter.end >= covers_from else today
    for department, requiring, trained, sessions in COVERAGE:
        services.department_coverage_record(
            data={
                "department": department,
                "training_type": types[BASIC],
                "covers_from": covers_from,
                "as_at": as_at,
                "staff_requiring_training": requiring,
                "staff_trained": trained,
                "sessions_delivered": sessions,
            },
            acting_user=coordinator,
        )
