"""Board reports: asked for without touching the broker, built by the sweep (or in-process
after commit when Celery runs eagerly), each built once, kept as an A4 PDF with the sections
the papers repeat and small numbers hidden, previewed, downloaded with an access entry, and
recorded once as the board's update."""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from channel_panel.models import Attendance
from governance import board_report, services
from governance.models import BoardReport, BoardUpdate, Rag
from governance.services.reports import MAX_ATTEMPTS, STALE_AFTER
from prevent_portal.accounts.models import Role
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.periods import WHOLE_PERIOD_ERROR
from referrals.statistics import referral_statistics
from tests import factories
from tests.channel_panel.test_report import meeting
from tests.conftest import sign_in
from tests.governance.test_dashboard import load, referral_rows
from training import services as training
from training.models import TrainingType

pytestmark = pytest.mark.usefixtures("media")
FROM, TO = date(2020, 4, 1), date(2021, 3, 31)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def board(world):
    return factories.board(
        world.coordinator, name="Health and Wellbeing Board", area_of_focus="Mental health"
    )


def ask(world, board, **kwargs) -> BoardReport:
    return services.board_report_request(
        board=board,
        date_from=kwargs.pop("date_from", FROM),
        date_to=kwargs.pop("date_to", TO),
        acting_user=world.coordinator,
    )


def built(world, board, **kwargs) -> BoardReport:
    report = ask(world, board, **kwargs)
    assert services.board_reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == BoardReport.Status.DONE, report.error
    return report


def pdf_text(report: BoardReport, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (apt-get install poppler-utils)"
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())  # lines wrap where the page is full


# --- Queued, not sent to a broker ----------------------------------------------------------
def test_asking_for_a_report_queues_it_and_leaves_the_broker_alone(
    world, board, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks() as callbacks:
        report = ask(world, board)
    assert callbacks == []  # nothing is published: the beat sweep will find the row
    assert (report.status, report.progress, report.suppress_below) == ("queued", 0, 5)
    assert report.created_by == world.coordinator
    assert not report.pdf


def test_with_eager_celery_the_report_is_built_after_commit_in_this_process(
    world, board, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the demo: no worker runs
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = ask(world, board)
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.progress) == ("done", 100)
    assert report.pdf.read().startswith(b"%PDF")


def test_beat_runs_the_sweep_task_which_builds_queued_reports_as_the_system(world, board):
    from governance.tasks import board_reports_sweep_task
    from prevent_portal.celery import app

    entry = app.conf.beat_schedule["board-reports"]
    assert (entry["task"], entry["schedule"]) == (board_reports_sweep_task.name, 30.0)
    report = ask(world, board)
    assert board_reports_sweep_task.apply().get() == 1
    report.refresh_from_db()
    assert report.status == "done"
    done = LogEntry.objects.get_for_object(report).filter(action=LogEntry.Action.UPDATE).get()
    assert done.actor.username == "system"


def test_a_report_is_built_once_however_many_sweeps_run(world, board):
    report = ask(world, board)
    assert services.board_report_build(report_id=report.pk) is not None
    assert services.board_report_build(report_id=report.pk) is None  # already claimed
    assert services.board_reports_sweep() == 0
    report.refresh_from_db()
    assert report.attempts == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_build_each_report_once(monkeypatch):
    # Rendering is not what is tested here (and WeasyPrint is kept out of threads).
    monkeypatch.setattr(board_report, "render_pdf", lambda report, body: b"%PDF-1.4 test")
    council = factories.AgencyFactory(name="Council", short_code="council-x")
    coordinator = factories.member(Role.COORDINATOR, council, username="coordinator-x")
    board = factories.board(coordinator, name="Health and Wellbeing Board")
    for year in range(2015, 2021):
        services.board_report_request(
            board=board,
            date_from=date(year, 4, 1),
            date_to=date(year + 1, 3, 31),
            acting_user=coordinator,
        )
    barrier = threading.Barrier(2)
    built, errors = [], []

    def sweep():
        try:
            barrier.wait()
            built.append(services.board_reports_sweep())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(built) == 6
    assert set(BoardReport.objects.values_list("status", "attempts")) == {("done", 1)}


def test_a_build_lost_with_its_worker_is_tried_again_then_failed(world, board):
    report = ask(world, board)
    long_ago = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    BoardReport.objects.filter(pk=report.pk).update(
        status="running", started_at=long_ago, attempts=1
    )
    assert services.board_reports_sweep() == 1  # queued again and built
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 2)

    lost = ask(world, board)
    BoardReport.objects.filter(pk=lost.pk).update(
        status="running", started_at=long_ago, attempts=MAX_ATTEMPTS
    )
    assert services.board_reports_sweep() == 0
    lost.refresh_from_db()
    assert lost.status == "failed" and "could not be built" in lost.error


def test_a_failed_build_says_so_and_offers_to_ask_again(client, world, board, monkeypatch):
    def broken(report, body_html):
        raise OSError("no fonts")

    monkeypatch.setattr(board_report, "render_pdf", broken)
    report = ask(world, board)
    services.board_reports_sweep()
    report.refresh_from_db()
    assert report.status == "failed" and not report.pdf
    sign_in(client, world.coordinator)
    response = client.get(reverse("governance:report_detail", args=[report.pk]))
    html = response.content.decode()
    assert "The report could not be built" in html and "no fonts" not in html
    assert "Ask for the report again" in html and f"board={board.pk}" in html
    assert "Refresh" not in response


# --- What it says ----------------------------------------------------------------------------
def test_the_report_prints_the_sections_with_the_other_apps_figures(world, board, tmp_path):
    load(
        referral_rows(8, type_of_concern="Islamist", mental_health_concern="yes")
        + referral_rows(2, start=9, type_of_concern="Extreme Right-Wing")
    )
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting(world, date(2020, 7, 2), attendance={world.agency_a: Attendance.Status.PRESENT})
    item = factories.action_item(owner_agency=world.agency_a, description="Train housing staff")
    services.progress_update_add(
        item=item, on=date(2021, 2, 1), text="Two sessions delivered", rag=Rag.AMBER,
        expected_version=item.version, acting_user=None,
    )  # fmt: skip
    factories.board(world.coordinator, name="Adult Safeguarding Board", area_of_focus="Adults")

    report = built(world, board, date_to=date(2030, 3, 31))
    text = pdf_text(report, tmp_path)
    for heading in (
        "Prevent update to the Health and Wellbeing Board",
        "1. Referral profile",
        "2. Channel Panel activity",
        "3. Vulnerability assessment",
        "4. Training compliance",
        "5. Training delivered",
        "6. Action plan progress",
        "7. Registers and funded projects",
        "8. Board update schedule",
    ):
        assert heading in text
    assert "OFFICIAL" in text and "Page 1 of" in text

    statistics = referral_statistics(date_from=FROM, date_to=date(2030, 3, 31), suppress=5)
    assert statistics["referrals"] == 10 and statistics["by_type_of_concern"]["Islamist"] == 8
    body = report.body_html
    assert "<strong>10</strong>" in body
    assert "Islamist</th>" in body
    assert "hidden</td>" in body  # the two Extreme Right-Wing referrals, and more
    assert "Two sessions delivered" in body and "Amber: at risk" in body
    assert "Adult Safeguarding Board" in body and "Adults" in body
    assert "Agency A</th>" in body and "1 of 1" in body  # attendance
    for canary in ("Wystanbelle", "Quorrindale", "CANARY-REF"):
        assert canary not in body and canary not in text


def test_training_tables_follow_seed_002_one_per_agency_and_type_a_row_per_quarter(world, board):
    wrap = TrainingType.objects.get(name="WRAP")
    for end, eligible, compliant in [
        (date(2020, 6, 30), 480, 422),
        (date(2020, 9, 30), 479, 402),
        (date(2020, 12, 31), 482, 400),
    ]:
        period = training.reporting_period_for_end(end=end, acting_user=None)
        training.compliance_return_submit(
            agency=world.agency_a, training_type=wrap, period=period,
            eligible=eligible, compliant=compliant, acting_user=world.coordinator,
        )  # fmt: skip
    body = built(world, board).body_html
    table = body.split("Table 1: ")[1].split("</table>")[0]
    assert table.startswith("Basic") or table.startswith("WRAP")
    wrap_table = body.split(": WRAP, Agency A (target 85%)")[1].split("</table>")[0]
    cells = [c.split(">")[-1] for c in wrap_table.split("</td>")[:-1]]
    # Not compliant, compliant, eligible, %: seed 002 Table 2's columns.
    assert cells == [
        "58", "422", "480", "88", "Meets target",
        "77", "402", "479", "84", "Below target",
        "82", "400", "482", "83", "Below target",
    ]  # fmt: skip
    assert ": WRAP, Agency B (target 85%)" in body  # owed, not returned: "Missing" rows
    # The chart draws returns made; a missing return is no bar (and not "hidden").
    chart = body.split('id="chart-training"')[1].split("</table>")[0]
    assert "Agency A: WRAP" in chart and "Agency B" not in chart and "hidden" not in chart


def test_training_with_many_agencies_gives_sector_totals_and_the_lowest_below_target(world, board):
    wrap = TrainingType.objects.get(name="WRAP")  # target 85%
    period = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    for n in range(board_report.SEED_LAYOUT_MAX_AGENCIES + 5):
        agency = factories.AgencyFactory(name=f"Partner {n:02d}", sector=world.agency_a.sector)
        training.compliance_return_submit(
            agency=agency, training_type=wrap, period=period,
            eligible=100, compliant=50 + n, acting_user=None,
        )  # fmt: skip
    body = built(world, board).body_html
    assert "Table 1: " not in body  # not seed 002's table per agency and type
    totals = body.split("WRAP: totals by sector")[1].split("</table>")[0]
    assert world.agency_a.sector.name in totals
    below = body.split("WRAP: agencies below target")[1].split("</table>")[0]
    assert "(the 25 lowest; 5 more below target)" in below
    assert "Partner 00</th>" in below and "50%, Below target" in below
    assert "Partner 24</th>" in below and "Partner 25</th>" not in below


def test_the_pdf_has_at_least_two_a4_pages(world, board, tmp_path):
    report = built(world, board)
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))[6:])
    assert pages >= 2
    assert "pts (A4)" in info.stdout


# --- Pages -----------------------------------------------------------------------------------
def test_the_progress_page_refreshes_until_the_report_is_ready(client, world, board):
    report = ask(world, board)
    sign_in(client, world.coordinator)
    url = reverse("governance:report_detail", args=[report.pk])
    response = client.get(url)
    assert response["Refresh"] == "3"
    html = response.content.decode()
    assert 'id="report-progress" max="100" value="0"' in html
    assert "Waiting for the report to start" in html and "Referral profile" in html

    BoardReport.objects.filter(pk=report.pk).update(
        status="running", progress=40, stage="Training compliance"
    )
    html = client.get(url).content.decode()
    assert "Building the report: 40% done" in html
    steps = html.split('id="report-steps"')[1]
    assert steps.index("Done") < steps.index("In progress") < steps.index("Waiting")

    BoardReport.objects.filter(pk=report.pk).update(status="queued", progress=0, stage="")
    services.board_reports_sweep()
    response = client.get(url)
    assert "Refresh" not in response
    html = response.content.decode()
    assert "Download the PDF" in html and "1. Referral profile" in html
    assert "Mark as presented" in html


def test_the_pdf_download_is_for_the_coordinator_not_cached_and_logged(client, world, board):
    report = built(world, board)
    url = reverse("governance:report_pdf", args=[report.pk])
    sign_in(client, world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        "prevent-update-health-and-wellbeing-board-2020-04-01-to-2021-03-31.pdf"
        in (response["Content-Disposition"])
    )
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(report.pk))
    assert entry.actor == world.coordinator
    assert entry.additional_data == {"view": "governance:report_pdf"}

    client.logout()
    sign_in(client, world.spoc_a)
    assert client.get(url).status_code == 404
    assert client.get(reverse("governance:report_list")).status_code == 403


# --- Managers (issue 13 point 5) --------------------------------------------------------------
def test_a_manager_lists_previews_and_downloads_a_whole_period_report(client, world, board):
    """Board reports hold aggregates only, and managers are who they are for."""
    load(referral_rows(8, type_of_concern="Islamist") + referral_rows(2, start=9))
    report = built(world, board)  # April 2020 to March 2021: a financial year
    sign_in(client, world.manager)
    listed = client.get(reverse("governance:report_list"))
    assert (
        listed.status_code == 200 and "Health and Wellbeing Board<span" in listed.content.decode()
    )
    detail = client.get(reverse("governance:report_detail", args=[report.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "Islamist</th>" in html
    assert "Mark as presented" not in html
    for canary in ("Wystanbelle", "Quorrindale", "CANARY-REF"):
        assert canary not in html
    pdf = client.get(reverse("governance:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    present = reverse("governance:report_present", args=[report.pk])
    assert client.get(present).status_code == 403


def test_a_manager_does_not_see_a_report_on_free_dates(client, world, board):
    """A report the Coordinator asked for on other dates, beside one of a whole period,
    could give a hidden count away by subtraction (finding F3): not the manager's."""
    free = built(world, board, date_from=date(2020, 4, 1), date_to=date(2021, 3, 30))
    whole = built(world, board, date_from=date(2020, 10, 1), date_to=date(2020, 12, 31))
    sign_in(client, world.manager)
    html = client.get(reverse("governance:report_list")).content.decode()
    assert html.count("Health and Wellbeing Board<span") == 1
    assert client.get(reverse("governance:report_detail", args=[free.pk])).status_code == 404
    assert client.get(reverse("governance:report_pdf", args=[free.pk])).status_code == 404
    assert client.get(reverse("governance:report_detail", args=[whole.pk])).status_code == 200


def test_a_manager_asks_for_a_whole_quarter_or_year_only(client, world, board):
    sign_in(client, world.manager)
    url = reverse("governance:report_add")
    response = client.post(
        url, {"board": board.pk, "date_from": "1/4/2020", "date_to": "30/3/2021"}
    )
    html = response.content.decode()
    assert "govuk-error-summary" in html and WHOLE_PERIOD_ERROR in html
    assert not BoardReport.objects.exists()
    response = client.post(
        url, {"board": board.pk, "date_from": "1/1/2021", "date_to": "31/3/2021"}
    )
    report = BoardReport.objects.get()
    assert response.url == reverse("governance:report_detail", args=[report.pk])
    assert report.created_by == world.manager and report.suppress_below == 5


def test_a_report_not_ready_has_no_pdf_to_download(client, world, board):
    report = ask(world, board)
    sign_in(client, world.coordinator)
    assert client.get(reverse("governance:report_pdf", args=[report.pk])).status_code == 404


def test_asking_through_the_form_queues_a_report_or_explains_the_mistake(client, world, board):
    sign_in(client, world.coordinator)
    url = reverse("governance:report_add")
    response = client.post(url, {"board": "", "date_from": "31/3/2021", "date_to": "1/4/2020"})
    html = response.content.decode()
    assert "Choose the board the report is for" in html
    assert "The last day must be the same as or after the first day" in html
    assert not BoardReport.objects.exists()

    response = client.post(url, {"board": board.pk, "year": "2020"})
    report = BoardReport.objects.get()
    assert response.url == reverse("governance:report_detail", args=[report.pk])
    assert (report.board, report.date_from, report.date_to) == (board, FROM, TO)


# --- Presented -------------------------------------------------------------------------------
def test_marking_a_report_presented_records_the_boards_update_with_the_pdf(client, world, board):
    report = built(world, board)
    sign_in(client, world.coordinator)
    url = reverse("governance:report_present", args=[report.pk])
    assert report.title in client.get(url).content.decode()  # the title offered
    response = client.post(
        url, {"presented_on": "24/1/2026", "title": report.title, "version": report.version}
    )
    assert response.url == reverse("governance:board_detail", args=[board.pk])
    update = BoardUpdate.objects.get(board=board)
    report.refresh_from_db()
    assert report.presented_update == update
    assert (update.presented_on, update.title) == (date(2026, 1, 24), report.title)
    assert update.attachment_name == report.file_name
    assert update.attachment.read() == report.pdf.open("rb").read()
    board.refresh_from_db()
    assert board.next_due == date(2027, 1, 24)  # annual: a year after the update

    # Presented once: the form is gone and a second POST is refused.
    assert "Record as presented</button>" not in client.get(url).content.decode()
    response = client.post(
        url, {"presented_on": "25/1/2026", "title": "Again", "version": report.version}
    )
    assert "already been recorded as presented" in response.content.decode()
    assert BoardUpdate.objects.count() == 1


def test_presenting_refuses_a_stale_form_and_an_unfinished_report(world, board):
    report = built(world, board)
    with pytest.raises(StaleEdit):
        services.board_report_present(
            report=report, presented_on=date(2026, 1, 24), title="Update",
            expected_version=report.version - 1, acting_user=world.coordinator,
        )  # fmt: skip
    waiting = ask(world, board)
    with pytest.raises(ValidationError, match="Only a finished report"):
        services.board_report_present(
            report=waiting, presented_on=date(2026, 1, 24), title="Update",
            expected_version=waiting.version, acting_user=world.coordinator,
        )  # fmt: skip
    assert not BoardUpdate.objects.exists()


def test_the_list_shows_each_report_and_its_status(client, world, board):
    built(world, board, date_from=date(2019, 4, 1), date_to=date(2020, 3, 31))
    ask(world, board)
    sign_in(client, world.coordinator)
    html = client.get(reverse("governance:report_list")).content.decode()
    assert html.count("Health and Wellbeing Board<span") == 2
    assert "Waiting to start" in html and "Ready" in html


def test_a_manager_cannot_download_a_free_dates_report_once_presented_as_a_board_paper(
    client, world, board
):
    """Review 1: presenting a report makes its PDF the board update's paper, which managers
    read on the board page. A report on free dates must not reach a manager that way either
    (finding F3); a whole-period one still does."""
    free = built(world, board, date_from=date(2020, 4, 1), date_to=date(2021, 3, 30))
    whole = built(world, board, date_from=date(2020, 10, 1), date_to=date(2020, 12, 31))
    papers = {}
    for report in (free, whole):
        papers[report.pk] = services.board_report_present(
            report=report,
            presented_on=date(2026, 1, 24),
            title=report.title,
            expected_version=report.version,
            acting_user=world.coordinator,
        )
    free_paper = reverse("governance:board_update_attachment", args=[papers[free.pk].pk])
    whole_paper = reverse("governance:board_update_attachment", args=[papers[whole.pk].pk])

    sign_in(client, world.manager)
    assert client.get(free_paper).status_code == 404
    assert client.get(whole_paper).status_code == 200
    html = client.get(reverse("governance:board_detail", args=[board.pk])).content.decode()
    assert whole_paper in html and free_paper not in html

    client.logout()
    sign_in(client, world.coordinator)  # the Coordinator keeps every paper
    assert client.get(free_paper).status_code == 200
    html = client.get(reverse("governance:board_detail", args=[board.pk])).content.decode()
    assert free_paper in html
