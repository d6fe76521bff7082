"""Demo training figures. The 2018 quarters are the returns printed in the Health and
Wellbeing Board paper of January 2019 (seed 002, Tables 1-5: organisations' figures, no
person); later quarters, sessions and trainers are invented. No person is named."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from prevent_portal.core.demo import DemoContext
from training import services
from training.models import ComplianceReturn, DeliveryMode, TrainingType
from training.quarters import previous_quarter, quarter_containing

WRAP, BASIC = "WRAP", "Basic Prevent Awareness"
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
# Recent quarters (invented): (agency, type, eligible, compliant for the last four quarters,
# oldest first). Barnet Homes and probation have not returned the latest quarter yet.
RECENT = [
    ("beh-mht", WRAP, 496, [421, 418, 430, 437]),
    ("clch", WRAP, 541, [470, 468, 481, 489]),
    ("royal-free", WRAP, 1214, [1001, 1020, 1046, 1069]),
    ("royal-free", BASIC, 12080, [10330, 10410, 10302, 10390]),
    ("barnet-homes", WRAP, 188, [121, 139, 152, None]),
    ("nps", WRAP, 143, [118, 124, 126, None]),
]
WRAP_AGENCIES = ["beh-mht", "clch", "royal-free", "barnet-homes", "nps"]
# (days ago, audience, organisations (short codes), other organisations, attendees, mode)
SESSIONS = [
    (420, "Social workers and substance misuse recovery workers", ["council"], "", 14, "in"),
    (380, "Youth offending service practitioners", [], "Youth Offending Service", 9, "in"),
    (300, "Frontline staff and managers", ["nps"], "Community Rehabilitation Company", 23, "on"),
    (210, "Staff and managers", [], "Barnet MENCAP", 26, "in"),
    (150, "Safeguarding champions", ["beh-mht"], "", 18, "on"),
    (60, "Housing officers", ["barnet-homes"], "", 12, "in"),
    (20, "Designated safeguarding leads", ["oakfield-primary", "hollins-academy"], "", 16, "on"),
]
FEEDBACK = [
    "Participants found the case studies useful and asked for a follow-up on online harms.",
    "Good discussion of referral routes; two staff asked for the referral form afterwards.",
    "",
]
# Seed 002 Table 5: (department, staff requiring training, staff trained, sessions).
COVERAGE = [
    ("Children and Family Services", 462, 228, 27),
    ("Adults and Communities", 290, 251, 28),
]


def _period(end: date, coordinator):
    return services.reporting_period_for_end(end=end, acting_user=coordinator)


def seed(ctx: DemoContext) -> None:
    if ComplianceReturn.objects.exists():
        return
    agencies = ctx.objects["agencies"]
    users = ctx.objects["users"]
    coordinator = users["coordinator"]
    types = {t.name: t for t in TrainingType.objects.all()}
    types[WRAP].agencies.set([agencies[code] for code in WRAP_AGENCIES])
    types[BASIC].agencies.set([agencies["royal-free"]])

    for code, type_name, end, compliant, eligible in PAPER_RETURNS:
        services.compliance_return_submit(
            agency=agencies[code],
            training_type=types[type_name],
            period=_period(end, coordinator),
            eligible=eligible,
            compliant=compliant,
            acting_user=coordinator,
        )

    today = timezone.localdate()
    quarters = [previous_quarter(quarter_containing(today))]
    for _ in range(3):
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

    for index, (days_ago, audience, codes, others, attendees, mode) in enumerate(SESSIONS):
        services.training_session_record(
            data={
                "delivered_on": today - timedelta(days=days_ago),
                "training_type": types[WRAP],
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

    for department, requiring, trained, sessions in COVERAGE:
        services.department_coverage_record(
            data={
                "department": department,
                "training_type": types[WRAP],
                "covers_from": date(2017, 11, 1),
                "as_at": date(2019, 1, 1),
                "staff_requiring_training": requiring,
                "staff_trained": trained,
                "sessions_delivered": sessions,
            },
            acting_user=coordinator,
        )
