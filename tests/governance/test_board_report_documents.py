"""Board reports as papers a Coordinator takes to a board: seed 002's training tables,
sessions and department coverage entered through the services come out, figure for figure,
in the PDF and the DOCX, with the charts (alt text, data table beside) and the Coordinator's
narrative; the narrative is the Coordinator's alone, kept with the report, and changing it
makes the files again without recounting the figures."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from governance import services
from governance.models import BoardReport, BoardReportNarrative
from governance.registers import REGISTERS
from tests import factories
from tests.conftest import sign_in
from training import services as training
from training.models import DeliveryMode, TrainingType

SEED = json.loads((Path(__file__).parent / "fixtures" / "seed_002_tables.json").read_text())
PERIOD = (date.fromisoformat(SEED["period"]["from"]), date.fromisoformat(SEED["period"]["to"]))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_lines(data: bytes, tmp_path) -> list[str]:
    """The PDF's text a line at a time, as laid out (a table row stays on its line)."""
    assert shutil.which("pdftotext"), "poppler-utils is needed (apt-get install poppler-utils)"
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The page furniture (the marking at the top and foot, "Page N of M") is left out, so a
    # table that runs onto the next page still reads as one.
    furniture = re.compile(r"^(OFFICIAL( Page \d+ of \d+)?|Page \d+ of \d+)$")
    lines = (" ".join(line.split()) for line in text.splitlines() if line.strip())
    return [line for line in lines if not furniture.match(line)]


def docx_tables(data: bytes) -> tuple[str, list[tuple[str, list[str]]]]:
    """The DOCX's paragraphs as one text, and each table as (the caption before it, its
    rows as text, cells joined by spaces)."""
    document = Document(io.BytesIO(data))
    body = document.element.body
    paragraphs, tables, caption = [], [], ""
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t"))
            if text:
                paragraphs.append(text)
                caption = text
        elif tag == "tbl":
            table = next(t for t in document.tables if t._tbl is child)
            rows = [" ".join(cell.text for cell in row.cells) for row in table.rows]
            tables.append((caption, rows))
    return "\n".join(paragraphs), tables


def enter_seed_002(coordinator) -> None:
    """Seed 002's figures entered as the Coordinator and partners would: returns, the
    department coverage and the sessions, through the training services."""
    types = {t.name: t for t in TrainingType.objects.all()}
    agencies = {}
    for table in SEED["compliance_tables"]:
        name = table["agency"]
        if name not in agencies:
            agencies[name] = factories.AgencyFactory(name=name)
        types[table["training_type"]].agencies.add(agencies[name])  # asked of these only
        for row in table["rows"]:
            period = training.reporting_period_for_end(
                end=date.fromisoformat(row["quarter_end"]), acting_user=None
            )
            training.compliance_return_submit(
                agency=agencies[name], training_type=types[table["training_type"]],
                period=period, eligible=row["eligible"], compliant=row["compliant"],
                acting_user=coordinator,
            )  # fmt: skip
    coverage = SEED["department_coverage"]
    for row in coverage["rows"]:
        training.department_coverage_record(
            data={
                "department": row["department"],
                "training_type": types[coverage["training_type"]],
                "covers_from": date.fromisoformat(coverage["covers_from"]),
                "as_at": date.fromisoformat(coverage["as_at"]),
                "staff_requiring_training": row["requiring"],
                "staff_trained": row["trained"],
                "sessions_delivered": row["sessions"],
            },
            acting_user=coordinator,
        )
    for n, row in enumerate(SEED["sessions_delivered"]["rows"]):
        each, extra = divmod(row["attendees"], row["sessions"])
        for i in range(row["sessions"]):
            training.training_session_record(
                data={
                    "delivered_on": date(2018, 2 + n, 1 + i),
                    "training_type": types["WRAP"],
                    "trainers": "Wystanbelle Trainer",
                    "other_organisations": row["audience"],
                    "audience": row["audience"],
                    "attendees": each + (extra if i == 0 else 0),
                    "mode": DeliveryMode.IN_PERSON,
                    "feedback": "",
                },
                agencies=[],
                acting_user=coordinator,
            )


def seed_rows(table: dict) -> list[str]:
    """A seed table's rows as the report prints them: not compliant, compliant, eligible,
    per cent (seed 002 Table 2's columns; Tables 1, 3 and 4 give the last three)."""
    return [
        f"{r['eligible'] - r['compliant']} {r['compliant']} {r['eligible']} {r['percent']}"
        for r in table["rows"]
    ]


def test_seed_002_tables_come_out_in_the_pdf_and_the_docx_with_the_narrative(
    client, world, media, tmp_path, django_capture_on_commit_callbacks
):
    enter_seed_002(world.coordinator)
    board = factories.board(world.coordinator, name="Health and Wellbeing Board")
    register = REGISTERS["funded-projects"]
    services.register_entry_create(
        register=register,
        data={"provider": "A charity", "purpose": "Online safety for parents",
              "funding_year": "2018-2019", "amount": "15000.00", "status": "delivering"},
        acting_user=world.coordinator,
    )  # fmt: skip
    report = services.board_report_request(
        board=board, date_from=PERIOD[0], date_to=PERIOD[1], acting_user=world.coordinator
    )
    assert services.board_reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == "done", report.error

    pdf = pdf_lines(report.pdf.read(), tmp_path)
    pdf_text = "\n".join(pdf)
    docx_bytes = report.docx.read()
    paragraphs, tables = docx_tables(docx_bytes)
    for table in SEED["compliance_tables"]:
        caption = f"{table['training_type']}, {table['agency']}"
        # The PDF: the table's caption, then its rows, each on its line.
        start = next(i for i, line in enumerate(pdf) if caption in line)
        following = "\n".join(pdf[start : start + 12])
        for row in seed_rows(table):
            assert row in following, (caption, row)
        # The DOCX: a table under the same caption with the same rows.
        rows = next(rows for cap, rows in tables if caption in cap and cap.startswith("Table"))
        for row in seed_rows(table):
            assert any(row in line for line in rows), (caption, row)
    # Tables 1 and 2 are numbered as the seed numbers them (agencies in name order).
    assert "Table 1: WRAP, Trust 1 (mental health)" in pdf_text
    assert "Table 2: WRAP, Trust 2 (community healthcare)" in pdf_text

    # Table 5: department coverage, numbered on from the training tables.
    coverage = next(rows for cap, rows in tables if cap.startswith("Table 5: department coverage"))
    assert "Table 5: department coverage, WRAP" in pdf_text
    for row in SEED["department_coverage"]["rows"]:
        figures = f"{row['requiring']} {row['trained']} {row['sessions']}"
        assert any(line.startswith(row["department"]) and figures in line for line in coverage)
        # A long name wraps in its cell: its first word is on the figures' line.
        first = row["department"].split()[0]
        assert any(line.startswith(first) and figures in line for line in pdf), [
            line for line in pdf if figures in line
        ]

    # Sessions delivered (seed 002 §1.18): sessions and attendees per audience, in total.
    sessions = SEED["sessions_delivered"]["rows"]
    total = (sum(r["sessions"] for r in sessions), sum(r["attendees"] for r in sessions))
    assert f"Sessions delivered from 1 January 2018 to 31 December 2018: {total[0]}, " \
        f"attended by {total[1]} people." in " ".join(pdf)  # fmt: skip
    audience = next(rows for cap, rows in tables if cap == "Sessions delivered, by audience")
    for row in sessions:
        assert f"{row['audience']} WRAP {row['sessions']} {row['attendees']}" in audience
    assert "Wystanbelle" not in paragraphs and "Wystanbelle" not in pdf_text  # no trainer

    # Funded projects and the other registers: counts and totals only.
    funded = next(rows for cap, rows in tables if cap.startswith("Home Office-funded"))
    assert "2018-2019 Being delivered 1 15,000.00" in funded
    assert "A charity" not in pdf_text and "A charity" not in paragraphs

    # Charts: each an image with alt text and its data table beside it, in both files.
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        document_xml = archive.read("word/document.xml").decode()
    assert len(images) >= 2  # at least training and department coverage
    assert 'descr="Bar chart: Per cent of staff requiring training who are trained' in (
        document_xml
    )
    assert "Children and Family Services: WRAP: 49 % trained" in document_xml  # 228/462
    assert any(cap == "Data for figure 3" for cap, _ in tables)
    assert "Data for figure 3" in pdf_text
    assert 'alt="Bar chart: Per cent of eligible staff compliant' in report.body_html
    training_data = report.body_html.split('id="chart-training"')[1].split("</table>")[0]
    assert "Trust 1 (mental health): WRAP" in training_data and "hidden" not in training_data

    # The Coordinator writes the narrative; the files are made again with it, and the
    # figures stay those of the first build although a later return has arrived.
    late = training.reporting_period_for_end(end=date(2018, 12, 31), acting_user=None)
    extra = factories.AgencyFactory(name="Trust 4 (late)")
    TrainingType.objects.get(name="WRAP").agencies.add(extra)
    training.compliance_return_submit(
        agency=extra, training_type=TrainingType.objects.get(name="WRAP"), period=late,
        eligible=10, compliant=9, acting_user=world.coordinator,
    )  # fmt: skip
    sign_in(client, world.coordinator)
    url = reverse("governance:report_narrative", args=[report.pk])
    form = {
        "version": 0,
        "introduction": "This paper updates the Board on Prevent in 2018.",
        "commentary_training": "Two trusts met the 85% target <b>all year</b>.",
        "recommendations": "1. That the Board note the training figures.",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()
    report.refresh_from_db()
    assert report.status == "queued"
    first_files = [report.pdf.name, report.docx.name]
    with django_capture_on_commit_callbacks(execute=True):  # as committed in production
        assert services.board_reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == "done"
    storage = report.pdf.storage
    assert storage.exists(report.pdf.name) and storage.exists(report.docx.name)
    assert not any(storage.exists(name) for name in first_files)  # the first build's files

    pdf_text = " ".join(pdf_lines(report.pdf.read(), tmp_path))
    paragraphs, tables = docx_tables(report.docx.read())
    for text in (pdf_text, paragraphs):
        assert "Introduction This paper updates the Board on Prevent in 2018." in " ".join(
            text.split()
        )
        assert "Two trusts met the 85% target <b>all year</b>." in text  # text, not markup
        assert "Recommendations" in text and "That the Board note the training figures." in text
        assert "Trust 4 (late)" not in text  # the figures of the first build
    assert pdf_text.index("Introduction") < pdf_text.index("1. Referral profile")
    assert pdf_text.index("4. Training compliance") < pdf_text.index("Two trusts met")
    assert pdf_text.index("Two trusts met") < pdf_text.index("Table 1:")
    assert pdf_text.rindex("Recommendations") > pdf_text.index("8. Board update schedule")
    preview = client.get(reverse("governance:report_detail", args=[report.pk])).content
    assert b"Two trusts met the 85% target &lt;b&gt;all year&lt;/b&gt;." in preview

    narrative = BoardReportNarrative.objects.get(report=report)
    assert narrative.updated_by == world.coordinator and narrative.version == 2
    entries = LogEntry.objects.get_for_object(narrative)
    assert entries.exists() and {e.actor for e in entries} == {world.coordinator}
    assert "2018" not in json.dumps([e.changes for e in entries])  # words masked in the log


@pytest.fixture
def ready(world, media):
    """A finished report without building one (its files stand in), whole financial year."""
    board = factories.board(world.coordinator, name="Safer Communities Partnership Board")
    report = services.board_report_request(
        board=board, date_from=date(2024, 4, 1), date_to=date(2025, 3, 31),
        acting_user=world.coordinator,
    )  # fmt: skip
    report.body_html = "<!--narrative:referrals--><p>Figures</p>"
    report.status = BoardReport.Status.DONE
    report.pdf.save("r.pdf", io.BytesIO(b"%PDF-1.4 test"), save=False)
    report.docx.save("r.docx", io.BytesIO(b"PK docx"), save=False)
    report.save()
    return report


def test_the_docx_is_downloaded_not_sniffed_not_cached_and_logged(client, world, ready):
    url = reverse("governance:report_docx", args=[ready.pk])
    for reader in (world.coordinator, world.manager):
        sign_in(client, reader)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert ".docx" in response["Content-Disposition"]
        assert response["Content-Type"].endswith("wordprocessingml.document")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == b"PK docx"
        entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=reader).get()
        assert entry.additional_data == {"view": "governance:report_docx"}
        client.logout()
    sign_in(client, world.spoc_a)
    assert client.get(url).status_code == 404


def test_only_the_coordinator_writes_the_narrative(client, world, ready):
    url = reverse("governance:report_narrative", args=[ready.pk])
    sign_in(client, world.manager)  # sees the report (a whole year), may not write on it
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": 0, "introduction": "x"}).status_code == 403
    client.logout()
    sign_in(client, world.chair)
    assert client.get(url).status_code == 404
    assert not BoardReportNarrative.objects.exists()
    client.logout()
    sign_in(client, world.coordinator)
    html = client.get(url).content.decode()
    assert "Commentary on training delivered" in html
    assert "Commentary on registers and funded projects" in html


def test_a_narrative_too_long_or_stale_is_refused_and_nothing_saved(client, world, ready):
    sign_in(client, world.coordinator)
    url = reverse("governance:report_narrative", args=[ready.pk])
    response = client.post(url, {"version": 0, "recommendations": "x" * 10_001})
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Recommendations must be 10,000 characters or fewer" in html
    assert not BoardReportNarrative.objects.exists()

    services.board_report_narrative_save(
        report=ready, introduction="First", commentary={}, recommendations="",
        expected_version=0, acting_user=world.coordinator,
    )  # fmt: skip
    response = client.post(url, {"version": 0, "introduction": "Second"})  # opened before
    assert "govuk-error-summary" in response.content.decode()
    assert BoardReportNarrative.objects.get().introduction == "First"
    with pytest.raises(ValidationError):
        services.board_report_narrative_save(
            report=ready, introduction="", commentary={"nonsense": "x"}, recommendations="",
            expected_version=2, acting_user=world.coordinator,
        )  # fmt: skip


def test_a_presented_report_keeps_its_narrative(world, ready):
    services.board_report_narrative_save(
        report=ready, introduction="As presented", commentary={"referrals": "Steady"},
        recommendations="", expected_version=0, acting_user=world.coordinator,
    )  # fmt: skip
    ready.refresh_from_db()
    ready.status = BoardReport.Status.DONE  # as if rebuilt
    ready.save()
    services.board_report_present(
        report=ready, presented_on=date(2025, 6, 1), title="Update",
        expected_version=ready.version, acting_user=world.coordinator,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="presented"):
        services.board_report_narrative_save(
            report=ready, introduction="Changed", commentary={}, recommendations="",
            expected_version=2, acting_user=world.coordinator,
        )  # fmt: skip
    assert BoardReportNarrative.objects.get().introduction == "As presented"


def test_no_request_path_imports_matplotlib():
    """matplotlib belongs to the background build: the URL configuration (every view
    module) must not load it."""
    code = (
        "import django, sys; django.setup(); import prevent_portal.urls; "
        "from django.urls import reverse; "
        "import governance.views.reports, governance.board_report; "
        "sys.exit(1 if any(m.startswith('matplotlib') for m in sys.modules) else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "prevent_portal.settings", "DJANGO_ENV": "test",
             "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_docx_table_is_written_row_by_row_not_by_walking_the_table_per_cell(monkeypatch):
    """python-docx's ``Table.cell(r, c)`` walks every cell of the table on each call: a table
    of n cells took n^2 steps (the board report's DOCX, 3 s of its build). Each row is written
    through its own cells, and every figure lands in its place, ragged rows too."""
    from docx.table import Table

    from governance.report_docx import html_to_docx

    def refused(*args, **kwargs):
        raise AssertionError("Table.cell walks the whole table")

    monkeypatch.setattr(Table, "cell", refused)
    rows = "".join(f"<tr><th>Agency {n}</th><td>{n}</td><td>{n * 2}</td></tr>" for n in range(60))
    head = "<tr><th>Agency</th><th>Due</th><th>Done</th></tr>"
    html = f"<table>{head}{rows}<tr><td>Total</td></tr></table>"
    document = Document(io.BytesIO(html_to_docx(title="T", lines=[], html=html)))
    (table,) = document.tables
    monkeypatch.undo()
    got = [[cell.text for cell in row.cells] for row in table.rows]
    assert got[0] == ["Agency", "Due", "Done"]
    assert got[60] == ["Agency 59", "59", "118"]
    assert got[61] == ["Total", "", ""]
