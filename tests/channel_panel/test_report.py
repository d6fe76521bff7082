"""channel_report and its figures: each one built by hand through the real services, as a
board paper would quote it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channel_panel import services
from channel_panel.management.commands.channel_report import Command
from channel_panel.models import Attendance, CaseNeedsFlag, ExitReason
from channel_panel.reports import channel_report
from referrals.measures import MEASURE_KEYS
from referrals.models import NeedsFlag, SignpostingService
from tests import factories

FROM, TO = date(2025, 4, 1), date(2026, 3, 31)
PRESENT, APOLOGIES, ABSENT = (
    Attendance.Status.PRESENT,
    Attendance.Status.APOLOGIES,
    Attendance.Status.ABSENT,
)
KEYS = [
    "from",
    "to",
    "meetings_held",
    "core_agency_meetings",
    "core_agency_present",
    "cases_discussed",
    "cases_adopted",
    "cases_open_at_end",
    "exits_by_reason",
    "ownership_returned_by_agency",
    "re_referrals",
    *MEASURE_KEYS,  # every needs-flag measure of the shared registry, in its order
    "percent",
]


def report(**kwargs) -> dict:
    return channel_report(date_from=kwargs.pop("date_from", FROM), date_to=TO, **kwargs)


def run(*args) -> str:
    out = io.StringIO()
    call_command("channel_report", *args, stdout=out)
    return out.getvalue()


def meeting(world, meets_on, *, referrals=(), cases=(), attendance=None, status="held"):
    """A meeting on ``meets_on`` with ``referrals`` (new) and ``cases`` (reviews) on its
    agenda and attendance {agency: status}, marked held (or left planned)."""
    made = factories.meeting(world.chair, meets_on)
    for referral in referrals:
        services.agenda_item_add(meeting=made, referral=referral, acting_user=world.coordinator)
    for case in cases:
        services.agenda_item_add(meeting=made, case=case, acting_user=world.coordinator)
    entries = [
        services.AttendanceEntry(agency=agency, status=status_, name="A fictional member")
        for agency, status_ in (attendance or {}).items()
    ]
    if entries:
        services.attendance_record(
            meeting=made, entries=entries, expected_version=made.version, acting_user=world.chair
        )
        made.refresh_from_db()
    if status != "planned":
        services.meeting_mark_held(
            meeting=made,
            expected_version=made.version,
            acting_user=world.chair,
            # Quorum is not what these figures test: a reason lets any meeting be held.
            confirm_inquorate=True,
            inquorate_reason="A fictional reason",
        )
    return made


def case(world, adopted_on, **kwargs):
    return factories.channel_case(world.agency_b, world.spoc_b, received_on=adopted_on, **kwargs)


def exit_case(world, case_, exited_on, reason="risk-reduced", to=None):
    case_.refresh_from_db()
    factories.exit_agreed(case_, world.chair)
    signposted = None
    if reason in ("consent-refused", "consent-withdrawn"):
        # The case lifecycle: a consent reason needs the answer on record, and signposting.
        factories.consent_ended(case_, exited_on, refused=reason == "consent-refused")
        signposted = SignpostingService.objects.first()
        case_.refresh_from_db()
    return services.case_exit(
        case=case_,
        reason=ExitReason.objects.get(code=reason),
        exited_on=exited_on,
        return_ownership_to=to,
        returned_case_manager=factories.case_manager_at(to) if to else None,
        signposted_to=signposted,
        expected_version=case_.version,
        acting_user=world.chair,
    )


def flag(code: str) -> NeedsFlag:
    return NeedsFlag.objects.get(code=code)


# --- Meetings and attendance ----------------------------------------------------------------


def test_meetings_held_counts_held_and_approved_meetings_in_the_period_only(world):
    meeting(world, date(2025, 4, 1), attendance={world.council: PRESENT})
    approved = meeting(world, date(2025, 6, 5), attendance={world.council: PRESENT})
    approved.refresh_from_db()
    services.minutes_approve(
        meeting=approved, expected_version=approved.version, acting_user=world.chair
    )
    meeting(world, date(2026, 3, 31))
    meeting(world, date(2026, 2, 5), status="planned")  # never marked held
    meeting(world, date(2025, 3, 31))  # the day before
    meeting(world, date(2026, 4, 1))  # the day after
    assert report()["meetings_held"] == 3


def test_attendance_rate_counts_only_meetings_at_which_the_agency_was_core(world):
    a, b = world.agency_a, world.agency_b
    a.is_core_panel_member = True
    a.save()
    meeting(world, date(2025, 5, 1), attendance={a: PRESENT, b: PRESENT})  # b not core yet
    b.is_core_panel_member = True
    b.save()
    meeting(world, date(2025, 6, 5), attendance={a: APOLOGIES, b: PRESENT})
    meeting(world, date(2025, 7, 3), attendance={a: PRESENT, b: ABSENT})
    meeting(world, date(2025, 8, 7), status="planned", attendance={b: PRESENT})
    meeting(world, date(2026, 5, 7), attendance={a: ABSENT})  # after the period

    figures = report()
    assert figures["core_agency_meetings"] == {"Agency A": 3, "Agency B": 2}
    assert figures["core_agency_present"] == {"Agency A": 2, "Agency B": 1}
    assert figures["percent"]["core_agency_present"] == {"Agency A": 67, "Agency B": 50}


def test_a_case_manager_present_for_one_item_counts_for_their_agency(world):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    made = factories.meeting(world.chair, date(2025, 5, 1))
    item = services.agenda_item_add(
        meeting=made, title="Other business", acting_user=world.coordinator
    )
    services.attendance_record(
        meeting=made,
        entries=[
            services.AttendanceEntry(
                agency=world.agency_a, status=PRESENT, user=world.spoc_a, for_item=item
            )
        ],
        expected_version=made.version,
        acting_user=world.chair,
    )
    made.refresh_from_db()
    services.meeting_mark_held(
        meeting=made,
        expected_version=made.version,
        acting_user=world.chair,
        confirm_inquorate=True,
        inquorate_reason="A fictional reason",
    )
    assert made.quorum() == (True, [])
    assert report()["core_agency_present"] == {"Agency A": 1}


# --- Cases ----------------------------------------------------------------------------------


def test_cases_discussed_are_distinct_referrals_on_held_agendas_in_the_period(world):
    twice = factories.panel_referral(world.agency_b)
    once = factories.panel_referral(world.agency_a)
    reviewed = case(world, date(2025, 1, 10))
    only_planned = factories.panel_referral(world.agency_b)
    too_late = factories.panel_referral(world.agency_b)
    meeting(world, date(2025, 5, 1), referrals=[twice, once], cases=[reviewed])
    meeting(world, date(2025, 6, 5), referrals=[twice])
    meeting(world, date(2025, 7, 3), referrals=[only_planned], status="planned")
    meeting(world, date(2026, 4, 2), referrals=[too_late])
    services.agenda_item_add(
        meeting=meeting(world, date(2025, 8, 7)), title="AOB", acting_user=world.coordinator
    )
    assert report()["cases_discussed"] == 3


def test_adopted_and_open_at_the_end_of_the_period(world):
    case(world, date(2025, 1, 10))  # adopted before the period, open at the end
    case(world, date(2025, 4, 1))  # adopted in the period, open at the end
    exits_after = case(world, date(2025, 9, 1))  # adopted, still open on 31 March
    exit_case(world, exits_after, date(2026, 4, 15))
    exited_in = case(world, date(2025, 2, 1))  # exited in the period: not open
    exit_case(world, exited_in, date(2026, 3, 31))
    case(world, date(2026, 4, 1))  # adopted after the period
    figures = report()
    assert figures["cases_adopted"] == 2
    assert figures["cases_open_at_end"] == 3


def test_exits_by_reason_list_every_reason_and_count_exits_in_the_period(world):
    school = factories.AgencyFactory(name="Fictional High School", short_code="fhs")
    for day in (date(2025, 6, 1), date(2026, 3, 31)):
        exit_case(world, case(world, date(2025, 1, 5)), day, "risk-reduced")
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 7, 1), "ownership-returned", school)
    exit_case(world, case(world, date(2025, 1, 5)), date(2026, 4, 1), "consent-withdrawn")
    exits = report()["exits_by_reason"]
    names = dict(ExitReason.objects.values_list("code", "name"))
    assert list(exits) == list(
        ExitReason.objects.order_by("order", "name").values_list("name", flat=True)
    )
    assert exits[names["risk-reduced"]] == 2
    assert exits[names["ownership-returned"]] == 1
    assert exits[names["consent-withdrawn"]] == 0


def test_an_exit_reason_retired_before_the_period_is_left_out_unless_used(world):
    ExitReason.objects.filter(code="moved-away").update(effective_to=date(2024, 3, 31))
    assert "Moved out of the area: case transferred" not in report()["exits_by_reason"]


def test_ownership_returned_by_agency_counts_exits_in_the_period(world):
    school = factories.AgencyFactory(name="Fictional High School", short_code="fhs")
    adults = factories.AgencyFactory(name="Fictional Adult Social Care", short_code="fasc")
    reason = "ownership-returned"
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 6, 1), reason, school)
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 9, 1), reason, school)
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 10, 1), reason, adults)
    exit_case(world, case(world, date(2025, 1, 5)), date(2026, 4, 2), reason, adults)  # after
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 11, 1))  # not returned
    assert report()["ownership_returned_by_agency"] == {
        "Fictional Adult Social Care": 1,
        "Fictional High School": 2,
    }


def test_re_referrals_are_referrals_of_a_person_whose_case_had_already_ended(world):
    def person_with_case(adopted, exited=None):
        made = case(world, adopted)
        if exited:
            exit_case(world, made, exited)
        return made.referral.person

    exited_before = person_with_case(date(2024, 6, 1), date(2025, 1, 10))
    exited_later = person_with_case(date(2024, 6, 1), date(2025, 12, 1))
    still_open = person_with_case(date(2024, 6, 1))
    factories.referral(world.agency_a, person=exited_before, received_on=date(2025, 5, 1))
    factories.referral(world.agency_a, person=exited_later, received_on=date(2025, 11, 30))
    factories.referral(world.agency_a, person=still_open, received_on=date(2025, 5, 1))
    factories.referral(world.agency_a, person=exited_before, received_on=date(2026, 4, 1))
    factories.referral(world.agency_a, received_on=date(2025, 5, 1))  # a new person
    assert report()["re_referrals"] == 1
    assert report(date_from=date(2024, 1, 1))["re_referrals"] == 1


def test_a_case_closed_after_its_reviews_still_makes_a_later_referral_a_re_referral(world):
    made = case(world, date(2024, 1, 10))
    exit_case(world, made, date(2024, 2, 1))
    for review in made.reviews.all():
        services.post_exit_review_record(
            review=review, held_on=review.due_on, notes="", acting_user=world.chair
        )
    made.refresh_from_db()
    assert made.status == "closed"
    factories.referral(world.agency_a, person=made.referral.person, received_on=date(2025, 6, 1))
    assert report()["re_referrals"] == 1


# --- Mental health among cases discussed ----------------------------------------------------


def test_mental_health_shares_read_referral_flags_and_current_case_flags(world):
    def discussed(referral_flags=(), case_flags=(), removed=False):
        made = case(world, date(2025, 1, 5))
        made.referral.needs_flags.add(*[flag(code) for code in referral_flags])
        for code in case_flags:
            CaseNeedsFlag.objects.create(
                case=made,
                flag=flag(code),
                source_agency=world.agency_b,
                recorded_on=date(2025, 2, 1),
                removed_on=date(2025, 3, 1) if removed else None,
                recorded_by=world.spoc_b,
            )
        return made

    cases = [
        discussed(["mental-health-concern"]),
        discussed(["diagnosed-mental-illness"]),
        discussed(case_flags=["known-to-mental-health-services"]),
        discussed(["known-to-mental-health-services", "mental-health-concern"]),
        discussed(case_flags=["mental-health-concern"], removed=True),
        discussed(["autism"]),
    ]
    not_discussed = factories.panel_referral(world.agency_b)
    not_discussed.needs_flags.add(flag("mental-health-concern"))
    meeting(world, date(2025, 5, 1), cases=cases)

    figures = report()
    assert figures["cases_discussed"] == 6
    assert figures["mental_health_concern"] == 4
    assert figures["percent"]["mental_health_concern"] == 67
    assert figures["known_to_mental_health_services"] == 2
    assert figures["percent"]["known_to_mental_health_services"] == 50


def test_seed_papers_shares_come_out_as_quoted(world):
    """Seed 003: mental health featured in 83% of cases; of these, 53% were already known.
    Here 15 of 18 (83.3%) and 8 of 15 (53.3%)."""
    made = factories.meeting(world.chair, date(2025, 5, 1))
    referrals = [factories.panel_referral(world.agency_b) for _ in range(18)]
    for n, referral in enumerate(referrals):
        if n < 8:
            referral.needs_flags.add(flag("known-to-mental-health-services"))
        elif n < 15:
            referral.needs_flags.add(flag("mental-health-concern"))
    services.agenda_build(meeting=made, acting_user=world.coordinator)
    services.meeting_mark_held(
        meeting=made,
        expected_version=made.version,
        acting_user=world.chair,
        confirm_inquorate=True,
        inquorate_reason="A fictional reason",
    )
    figures = report()
    assert (figures["cases_discussed"], figures["mental_health_concern"]) == (18, 15)
    assert figures["percent"]["mental_health_concern"] == 83
    assert figures["percent"]["known_to_mental_health_services"] == 53


def test_shares_round_half_up(world):
    # 1 of 8 discussed is 12.5%: 13 (rounding half to even would give 12).
    referrals = [factories.panel_referral(world.agency_b) for _ in range(8)]
    referrals[0].needs_flags.add(flag("mental-health-concern"))
    meeting(world, date(2025, 5, 1), referrals=referrals)
    assert report()["percent"]["mental_health_concern"] == 13


def test_shares_are_null_when_nothing_was_discussed(world):
    figures = report()
    assert figures["cases_discussed"] == 0
    assert figures["percent"]["mental_health_concern"] is None
    assert figures["percent"]["known_to_mental_health_services"] is None


# --- Suppression, output, errors ------------------------------------------------------------


def test_suppression_hides_small_counts_of_cases_but_not_meetings(world):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    referrals = [factories.panel_referral(world.agency_b) for _ in range(4)]
    referrals[0].needs_flags.add(flag("mental-health-concern"))
    meeting(world, date(2025, 5, 1), referrals=referrals, attendance={world.agency_a: PRESENT})
    exit_case(world, case(world, date(2025, 1, 5)), date(2025, 6, 1))

    figures = json.loads(run("--from", "2025-04-01", "--to", "2026-03-31", "--suppress", "3"))
    assert figures["meetings_held"] == 1
    assert figures["core_agency_present"] == {"Agency A": 1}
    assert figures["percent"]["core_agency_present"] == {"Agency A": 100}
    assert figures["cases_discussed"] == 4
    assert figures["mental_health_concern"] is None
    assert figures["percent"]["mental_health_concern"] is None
    assert figures["cases_adopted"] is None  # 0
    assert set(figures["exits_by_reason"].values()) == {None}
    unsuppressed = json.loads(run("--from", "2025-04-01", "--to", "2026-03-31"))
    assert unsuppressed["mental_health_concern"] == 1
    assert unsuppressed["percent"]["mental_health_concern"] == 25


def test_json_output_has_every_figure_in_order(world):
    figures = json.loads(run("--from", "2025-04-01", "--to", "2026-03-31", "--format", "json"))
    assert list(figures) == KEYS
    assert (figures["from"], figures["to"]) == ("2025-04-01", "2026-03-31")
    assert list(figures["percent"]) == KEYS[2:-1]


def test_csv_output_has_a_row_per_figure(world):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting(world, date(2025, 5, 1), attendance={world.agency_a: PRESENT})
    meeting(world, date(2025, 6, 5), attendance={world.agency_a: ABSENT})
    output = run("--from", "2025-04-01", "--to", "2026-03-31", "--format", "csv")
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["measure", "category", "count", "percent"]
    assert rows[1] == ["from", "2025-04-01", "", ""]
    assert rows[2] == ["to", "2026-03-31", "", ""]
    assert ["meetings_held", "", "2", ""] in rows
    assert ["core_agency_meetings", "Agency A", "2", ""] in rows
    assert ["core_agency_present", "Agency A", "1", "50"] in rows
    assert ["cases_discussed", "", "0", ""] in rows
    assert ["mental_health_concern", "", "0", ""] in rows
    assert ["exits_by_reason", "Consent withdrawn", "0", ""] in rows


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2025-13-01", "--to", "2026-03-31"],
            "'2025-13-01' is not a date in the form YYYY-MM-DD",
        ),
        (
            ["--from", "2025-04-01", "--to", "31/03/2026"],
            "'31/03/2026' is not a date in the form YYYY-MM-DD",
        ),
        (["--from", "2026-04-01", "--to", "2025-03-31"], "--from must not be after --to"),
        (["--from", "2025-04-01", "--to", "2026-03-31", "--suppress", "-1"], "0 or more"),
    ],
)
def test_bad_arguments_give_a_clear_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_bad_date_exits_non_zero_with_the_message_on_stderr(db, capsys):
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "channel_report", "--from", "2025-02-30", "--to", "2026-03-31"]
        )
    assert exited.value.code != 0
    assert "'2025-02-30' is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


# --- Query count ------------------------------------------------------------------------------


def _data(world, n: int) -> None:
    """n cases in every state the report reads, plus a meeting that discussed them."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    school = factories.AgencyFactory(name=f"School {n}", short_code=f"school-{n}")
    cases = []
    for _ in range(n):
        made = case(world, date(2025, 1, 5))
        made.referral.needs_flags.add(flag("known-to-mental-health-services"))
        cases.append(made)
    meeting(world, date(2025, 5, 1), cases=cases, attendance={world.agency_a: PRESENT})
    for i, made in enumerate(cases):
        if i % 3 == 0:
            exit_case(world, made, date(2025, 6, 1), "ownership-returned", school)
            factories.referral(world.agency_b, person=made.person, received_on=date(2025, 9, 1))
        elif i % 3 == 1:
            exit_case(world, made, date(2025, 7, 1), "consent-withdrawn")


def _queries(world, n) -> tuple[int, dict]:
    _data(world, n)
    with CaptureQueriesContext(connection) as captured:
        figures = report()
    return len(captured), figures


def test_query_count_does_not_grow_with_the_number_of_cases(world):
    small, figures = _queries(world, 3)
    assert figures["cases_discussed"] == 3
    # A second, larger data set on top of the first: 33 cases in all.
    large, figures = _queries(world, 30)
    assert figures["cases_discussed"] == 33
    assert figures["re_referrals"] == 11
    assert small == large == 8
